//! Every committed fixture (one per schema version) still opens, with its
//! records intact.

use crate::common::*;
use sms_core::Workbook;

fn open(name: &str) -> Workbook {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    Workbook::load([bytes.as_slice()], actor(9)).expect("fixture opens")
}

#[test]
fn schema_v1_fixture_opens_with_all_risks() {
    let wb = open("v1.smsw");
    assert_eq!(wb.name(), "Northwind IT Services — demo workbook");
    let risks = wb.risks();
    assert_eq!(risks.len(), 8);
    let (_, top) = &risks[0];
    assert_eq!(top.title, "Phishing leads to compromised admin account");
    assert_eq!((top.likelihood, top.impact, top.score()), (4, 5, 20));
    assert!(risks.iter().any(|(_, r)| r.description.contains("UPS runtime")));
}
