use crate::common::*;
use sms_core::demo;

#[test]
fn demo_workbook_has_valid_risks_in_every_band() {
    let mut n = 0u8;
    let wb = demo::build(wb_id(), actor(1), &ctx("Demo", 0), || {
        n += 1;
        rid(n)
    })
    .unwrap();
    assert_eq!(wb.name(), demo::DEMO_NAME);
    let risks = wb.risks();
    assert_eq!(risks.len(), 8);
    let mut bands: Vec<_> = risks.iter().map(|(_, r)| r.band()).collect();
    bands.sort();
    bands.dedup();
    use sms_core::ScoreBand::*;
    assert_eq!(
        bands,
        [Low, Medium, High, Critical],
        "the demo shows every band"
    );
    for (_, r) in &risks {
        assert_eq!(sms_core::RiskDraft::from_risk(r).validate().as_ref(), Ok(r));
    }
}
