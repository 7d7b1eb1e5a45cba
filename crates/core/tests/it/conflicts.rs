//! Concurrent changes of one field: both values are kept and shown with
//! their authors, and settling on one ends the conflict on every copy.

use crate::common::*;
use sms_core::{RecordIndex, Value};

#[test]
fn a_field_changed_by_two_people_shows_both_values_until_settled() {
    let mut ana = new_workbook();
    ana.add_record("risk", &rid(1), &risk("Outage"), &ctx("Ana", 1))
        .unwrap();
    let mut ben = ana.fork(actor(2));
    ana.track_changes();
    let mut index = RecordIndex::build(&ana);
    assert!(index.conflicted().is_empty());

    let mut r = risk("Outage");
    r.set("owner", Value::Text("Ana Silva".into()));
    ana.update_record(&rid(1), &r, &ctx("Ana", 10)).unwrap();
    let mut r = risk("Outage");
    r.set("owner", Value::Text("Ben Harris".into()));
    r.set("likelihood", Value::Int(5));
    ben.update_record(&rid(1), &r, &ctx("Ben", 20)).unwrap();

    ana.merge(&mut ben).unwrap();
    let delta = ana.take_delta();
    index.apply(&ana, &delta);
    let conflicted = index.conflicted();
    assert_eq!(conflicted.len(), 1);
    assert_eq!(
        conflicted[0].conflicts,
        ["owner"],
        "only the field both changed"
    );
    assert_eq!(
        conflicted[0].record.int("likelihood"),
        Some(5),
        "Ben's other change merged cleanly"
    );

    let versions = ana.field_versions(&rid(1), "owner");
    let seen: Vec<_> = versions
        .iter()
        .map(|v| (v.author.as_str(), v.value.clone()))
        .collect();
    assert_eq!(
        seen,
        [
            ("Ana", Some(Value::Text("Ana Silva".into()))),
            ("Ben", Some(Value::Text("Ben Harris".into())))
        ]
    );
    assert!(versions[0].at < versions[1].at);

    ana.resolve_field(
        &rid(1),
        "owner",
        Some(&Value::Text("Ben Harris".into())),
        &ctx("Ana", 30),
    )
    .unwrap();
    let delta = ana.take_delta();
    index.apply(&ana, &delta);
    assert!(index.conflicted().is_empty());
    assert_eq!(ana.field_versions(&rid(1), "owner").len(), 1);

    // Ben receives the settlement: both copies end identical, no conflict.
    ben.merge(&mut ana).unwrap();
    assert!(RecordIndex::build(&ben).conflicted().is_empty());
    assert_eq!(risks(&ben), risks(&ana));
    assert_eq!(ben.heads(), ana.heads());
    assert_eq!(ben.record(&rid(1)).unwrap().1.text("owner"), "Ben Harris");
}

#[test]
fn settling_a_conflict_refuses_a_link_to_a_missing_record() {
    let mut wb = new_workbook();
    let rec = record(
        "security_control",
        &[("title", "Backups"), ("status", "planned")],
    );
    wb.add_record("security_control", &rid(1), &rec, &ctx("Ana", 1))
        .unwrap();
    let err = wb
        .resolve_field(
            &rid(1),
            "risks",
            Some(&Value::Links(vec![rid(9)])),
            &ctx("Ana", 2),
        )
        .unwrap_err();
    assert!(matches!(err, sms_core::WorkbookError::Invalid(_)));
}
