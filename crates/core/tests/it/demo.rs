use std::collections::BTreeMap;

use crate::common::*;
use sms_core::{registers, Record, RecordId, Value};

#[test]
fn demo_workbook_builds_and_every_record_is_valid() {
    let wb = demo_workbook();
    assert_eq!(wb.name(), demo_data().name);
    let total: usize = registers::REGISTERS
        .iter()
        .map(|d| wb.records(d.id).len())
        .sum();
    assert_eq!(total, demo_data().records.len());

    // The risk register shows every band.
    let def = registers::register("risk").unwrap();
    let band = def.field("band").unwrap();
    let mut bands: Vec<_> = wb
        .records("risk")
        .iter()
        .filter_map(|(_, r)| match r.value_of(band) {
            Some(Value::Text(b)) => Some(b),
            _ => None,
        })
        .collect();
    bands.sort();
    bands.dedup();
    assert_eq!(bands, ["Critical", "High", "Low", "Medium"]);
}

#[test]
fn every_register_has_demo_records() {
    let wb = demo_workbook();
    for def in registers::REGISTERS {
        let n = wb.records(def.id).len();
        assert!(n >= 2, "register {} has {n} demo records", def.id);
    }
}

#[test]
fn demo_audit_findings_trace_to_improvements() {
    let wb = demo_workbook();
    let by_id = |register: &str| -> BTreeMap<RecordId, Record> {
        wb.records(register).into_iter().collect()
    };
    let nonconformities = by_id("nonconformity");
    let actions = by_id("action");
    let improvements = by_id("improvement");

    let mut chains = Vec::new();
    for (_, finding) in wb.records("audit_finding") {
        for nc_id in finding.links("nonconformity") {
            let nc = nonconformities
                .get(nc_id)
                .expect("finding links a live nonconformity");
            for action_id in nc.links("actions") {
                let action = actions
                    .get(action_id)
                    .expect("nonconformity links a live action");
                for imp_id in action.links("improvement") {
                    let improvement = improvements
                        .get(imp_id)
                        .expect("action links a live improvement");
                    chains.push((
                        finding.text("title").to_owned(),
                        nc.text("title").to_owned(),
                        action.text("title").to_owned(),
                        improvement.text("title").to_owned(),
                    ));
                }
            }
        }
    }
    assert!(
        !chains.is_empty(),
        "no audit finding leads through a nonconformity and an action to an improvement"
    );
    assert!(chains
        .iter()
        .all(|(f, n, a, i)| [f, n, a, i].iter().all(|t| !t.is_empty())));
}

#[test]
fn demo_checklist_shows_work_under_way() {
    use sms_core::checklist::{rollups, ItemStatus};
    let wb = demo_workbook();
    let items = wb.checklist();
    let (_, all) = rollups(items.iter().map(|(c, s)| (*c, s.status)));
    assert!(
        all.readiness() > 0 && all.readiness() < 100,
        "{}",
        all.readiness()
    );
    assert!(all.in_progress > 0 && all.not_started > 0 && all.not_applicable == 1);
    let (_, na) = items
        .iter()
        .find(|(_, s)| s.status == ItemStatus::NotApplicable)
        .unwrap();
    assert!(!na.justification.is_empty());
    assert!(items.iter().filter(|(_, s)| !s.evidence.is_empty()).count() >= 20);
}
