//! Every committed fixture (one per schema version) still opens, with its
//! records intact, and is upgraded to the current version.

use crate::common::*;
use sms_core::{schema::SCHEMA_VERSION, Workbook};

fn open(name: &str) -> Workbook {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    Workbook::load([bytes.as_slice()], actor(9)).expect("fixture opens")
}

#[test]
fn schema_v1_fixture_opens_and_upgrades_with_all_risks() {
    let mut wb = open("v1.smsw");
    assert_eq!(wb.schema_version(), 1);
    assert_eq!(wb.name(), "Northwind IT Services — demo workbook");
    let before = risks(&wb);
    assert_eq!(before.len(), 8);

    assert!(wb.migrate(&ctx("Ana", 1)).unwrap());
    assert_eq!(wb.schema_version(), SCHEMA_VERSION);
    assert!(
        !wb.migrate(&ctx("Ana", 2)).unwrap(),
        "a second upgrade does nothing"
    );
    let after = risks(&wb);
    assert_eq!(after.len(), 8);
    for ((_, b), (_, a)) in before.iter().zip(&after) {
        assert_eq!(a.text("title"), b.text("title"));
        assert_eq!(a.text("description"), b.text("description"));
        assert_eq!(a.int("likelihood"), b.int("likelihood"));
        assert_eq!(
            a.text("kind"),
            "risk",
            "version 1 risks become risks, not opportunities"
        );
    }
    let phishing = after
        .iter()
        .find(|(_, r)| r.text("title").starts_with("Phishing"))
        .unwrap();
    assert_eq!(
        (phishing.1.int("likelihood"), phishing.1.int("impact")),
        (Some(4), Some(5))
    );
    assert!(after
        .iter()
        .any(|(_, r)| r.text("description").contains("UPS runtime")));

    // An old plain-string description becomes editable Text on the next edit.
    let (id, mut r) = after[0].clone();
    r.set(
        "description",
        sms_core::Value::Text(format!("{} Updated.", r.text("description"))),
    );
    wb.update_record(&id, &r, &ctx("Ana", 3)).unwrap();
    assert!(wb
        .record(&id)
        .unwrap()
        .1
        .text("description")
        .ends_with("Updated."));
}

#[test]
fn two_copies_upgraded_concurrently_merge_cleanly() {
    let mut a = open("v1.smsw");
    let mut b = a.fork(actor(3));
    a.migrate(&ctx("Ana", 1)).unwrap();
    b.migrate(&ctx("Ben", 1)).unwrap();
    a.merge(&mut b).unwrap();
    assert_eq!(a.schema_version(), SCHEMA_VERSION);
    assert_eq!(risks(&a).len(), 8);
}

#[test]
fn current_schema_fixture_opens() {
    let wb = open(&format!("v{SCHEMA_VERSION}.smsw"));
    assert_eq!(wb.schema_version(), SCHEMA_VERSION);
    // The fixture holds the demo workbook: records in every register.
    for def in sms_core::registers::REGISTERS {
        assert!(!wb.records(def.id).is_empty(), "{} has records", def.id);
    }
    let worked_on = wb
        .checklist()
        .iter()
        .filter(|(_, s)| s.status != Default::default())
        .count();
    assert!(
        worked_on > 10,
        "the fixture has checklist states ({worked_on})"
    );
}
