//! Record operations, through the risk register.

use crate::common::*;
use sms_core::{Value, WorkbookError};

#[test]
fn add_edit_delete_restore() {
    let mut wb = new_workbook();
    let a = risk("Flood");
    wb.add_record("risk", &rid(1), &a, &ctx("Ana", 1)).unwrap();
    assert_eq!(wb.record(&rid(1)).unwrap().1, a);

    let mut b = a.clone();
    b.set("likelihood", Value::Int(5));
    b.set("status", Value::Text("treating".into()));
    assert!(wb.update_record(&rid(1), &b, &ctx("Ben", 2)).unwrap());
    let (def, stored) = wb.record(&rid(1)).unwrap();
    assert_eq!(
        stored.value_of(def.field("score").unwrap()),
        Some(Value::Int(15))
    );
    assert_eq!(
        stored.value_of(def.field("band").unwrap()),
        Some(Value::Text("High".into()))
    );

    wb.delete_record(&rid(1), &ctx("Ana", 3)).unwrap();
    assert!(wb.record(&rid(1)).is_none());
    assert!(wb.records("risk").is_empty());
    assert_eq!(wb.deleted_records("risk").len(), 1);
    assert_eq!(
        wb.delete_record(&rid(1), &ctx("Ana", 4)),
        Err(WorkbookError::NotFound(rid(1).to_string()))
    );

    wb.restore_record(&rid(1), &ctx("Ana", 5)).unwrap();
    assert_eq!(wb.record(&rid(1)).unwrap().1, b);
    assert!(wb.deleted_records("risk").is_empty());
}

#[test]
fn adding_an_existing_id_is_refused() {
    let mut wb = new_workbook();
    wb.add_record("risk", &rid(1), &risk("A"), &ctx("Ana", 1))
        .unwrap();
    assert_eq!(
        wb.add_record("risk", &rid(1), &risk("B"), &ctx("Ana", 2)),
        Err(WorkbookError::Duplicate(rid(1).to_string()))
    );
    assert_eq!(wb.record(&rid(1)).unwrap().1.text("title"), "A");
}

#[test]
fn unchanged_update_commits_nothing() {
    let mut wb = new_workbook();
    wb.add_record("risk", &rid(1), &risk("A"), &ctx("Ana", 1))
        .unwrap();
    let before = wb.heads();
    assert!(!wb
        .update_record(&rid(1), &risk("A"), &ctx("Ana", 2))
        .unwrap());
    assert_eq!(wb.heads(), before);
}

#[test]
fn every_change_records_author_time_and_summary() {
    let mut wb = new_workbook();
    wb.add_record("risk", &rid(1), &risk("Flood"), &ctx("Ana", 10))
        .unwrap();
    let mut r = risk("Flood");
    r.set("owner", Value::Text("Ben".into()));
    wb.update_record(&rid(1), &r, &ctx("  Ben  ", 20)).unwrap();
    wb.delete_record(&rid(1), &ctx("", 30)).unwrap();
    let h = wb.history();
    let lines: Vec<_> = h
        .iter()
        .map(|m| {
            (
                m.author(),
                m.summary(),
                m.at().unwrap().timestamp() - 1_790_000_000,
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("Ana", "Created workbook “Test workbook”", 0),
            ("Ana", "Added risk “Flood”", 10),
            ("Ben", "Changed owner of risk “Flood”", 20),
            ("Unnamed", "Deleted risk “Flood”", 30),
        ]
    );
    let info = wb.record_info(&rid(1)).unwrap();
    assert_eq!(info.created_by, "Ana");
    assert_eq!(info.created_at.unwrap().timestamp(), 1_790_000_010);
}

#[test]
fn clearing_a_field_removes_it() {
    let mut wb = new_workbook();
    let mut r = record(
        "risk",
        &[
            ("title", "A"),
            ("owner", "Ana"),
            ("likelihood", "1"),
            ("impact", "1"),
            ("review_date", "2027-01-01"),
        ],
    );
    wb.add_record("risk", &rid(1), &r, &ctx("Ana", 1)).unwrap();
    r.values.remove("review_date");
    wb.update_record(&rid(1), &r, &ctx("Ana", 2)).unwrap();
    assert_eq!(wb.record(&rid(1)).unwrap().1.get("review_date"), None);
}

#[test]
fn links_must_point_to_live_records_of_the_right_register() {
    let mut wb = new_workbook();
    wb.add_record("risk", &rid(1), &risk("A"), &ctx("Ana", 1))
        .unwrap();
    // A risk is not an action.
    let bad = record(
        "risk",
        &[
            ("title", "B"),
            ("owner", "Ana"),
            ("likelihood", "1"),
            ("impact", "1"),
            ("actions", rid(1).as_str()),
        ],
    );
    match wb.add_record("risk", &rid(2), &bad, &ctx("Ana", 2)) {
        Err(WorkbookError::Invalid(errors)) => assert_eq!(errors[0].field, "actions"),
        other => panic!("{other:?}"),
    }
    assert!(wb.record(&rid(2)).is_none(), "nothing stored");

    let action = record(
        "action",
        &[
            ("title", "Fit a second feed"),
            ("kind", "treatment"),
            ("owner", "Ana"),
            ("status", "open"),
        ],
    );
    wb.add_record("action", &rid(3), &action, &ctx("Ana", 3))
        .unwrap();
    let good = record(
        "risk",
        &[
            ("title", "B"),
            ("owner", "Ana"),
            ("likelihood", "1"),
            ("impact", "1"),
            ("actions", rid(3).as_str()),
        ],
    );
    wb.add_record("risk", &rid(2), &good, &ctx("Ana", 4))
        .unwrap();

    // Back-links: the action knows which risk links to it.
    let back = wb.backlinks(&rid(3));
    assert_eq!(back.len(), 1);
    assert_eq!(
        (&back[0].0, back[0].1.id, back[0].2.key),
        (&rid(2), "risk", "actions")
    );

    // A deleted target still shows, but cannot be newly linked.
    wb.delete_record(&rid(3), &ctx("Ana", 5)).unwrap();
    assert_eq!(
        wb.backlinks(&rid(3)).len(),
        1,
        "a deleted record still shows who links to it"
    );
    let mut edited = good.clone();
    edited.set("title", Value::Text("B2".into()));
    assert!(
        wb.update_record(&rid(2), &edited, &ctx("Ana", 6)).unwrap(),
        "an existing link does not block other edits"
    );
    let other = record(
        "risk",
        &[
            ("title", "C"),
            ("owner", "Ana"),
            ("likelihood", "1"),
            ("impact", "1"),
            ("actions", rid(3).as_str()),
        ],
    );
    assert!(matches!(
        wb.add_record("risk", &rid(4), &other, &ctx("Ana", 7)),
        Err(WorkbookError::Invalid(_))
    ));
}

#[test]
fn rename_validates_the_name() {
    let mut wb = new_workbook();
    assert!(wb.rename("   ", &ctx("Ana", 1)).is_err());
    assert_eq!(wb.name(), "Test workbook");
    wb.rename(" Acme SMS ", &ctx("Ana", 2)).unwrap();
    assert_eq!(wb.name(), "Acme SMS");
}
