use crate::common::*;
use sms_core::catalogue;
use sms_core::checklist::{rollups, ItemState, ItemStatus};
use sms_core::WorkbookError;

fn readiness(wb: &sms_core::Workbook) -> u32 {
    let items = wb.checklist();
    rollups(items.iter().map(|(c, s)| (*c, s.status)))
        .1
        .readiness()
}

#[test]
fn an_item_with_evidence_is_stored_and_raises_readiness() {
    let mut wb = new_workbook();
    assert_eq!(wb.checklist().len(), catalogue::checklist_items().count());
    assert_eq!(readiness(&wb), 0);
    wb.add_record("risk", &rid(1), &risk("Flood"), &ctx("Ana", 1))
        .unwrap();

    let state = ItemState {
        status: ItemStatus::Implemented,
        owner: " Ana ".into(),
        notes: "Risk method approved in **May**.".into(),
        evidence: vec![rid(1)],
        ..Default::default()
    };
    assert!(wb
        .set_checklist_item("6.1", &state, &ctx("Ana", 2))
        .unwrap());
    let back = wb.checklist_item("6.1");
    assert_eq!(back.status, ItemStatus::Implemented);
    assert_eq!(back.owner, "Ana");
    assert_eq!(back.evidence, vec![rid(1)]);
    assert_eq!(
        wb.evidenced_items(&rid(1))
            .iter()
            .map(|c| c.number)
            .collect::<Vec<_>>(),
        ["6.1"]
    );
    assert!(readiness(&wb) > 0);
    assert_eq!(wb.history().last().unwrap().summary(), "Changed status, owner, notes, evidence of checklist item 6.1 Actions to address risks and opportunities");

    // Same state again: nothing to commit.
    let heads = wb.heads();
    assert!(!wb.set_checklist_item("6.1", &back, &ctx("Ana", 3)).unwrap());
    assert_eq!(wb.heads(), heads);

    // Removing the evidence.
    let mut less = back.clone();
    less.evidence.clear();
    wb.set_checklist_item("6.1", &less, &ctx("Ana", 4)).unwrap();
    assert!(wb.checklist_item("6.1").evidence.is_empty());
}

#[test]
fn not_applicable_without_justification_is_refused_and_changes_nothing() {
    let mut wb = new_workbook();
    let heads = wb.heads();
    let na = ItemState {
        status: ItemStatus::NotApplicable,
        ..Default::default()
    };
    match wb.set_checklist_item("8.3.4.2", &na, &ctx("Ana", 1)) {
        Err(WorkbookError::Invalid(e)) => assert_eq!(e[0].field, "justification"),
        other => panic!("{other:?}"),
    }
    assert_eq!(wb.heads(), heads);
    assert!(
        wb.set_checklist_item("8.3", &ItemState::default(), &ctx("Ana", 2))
            .is_err(),
        "a heading is not an item"
    );
    assert!(wb
        .set_checklist_item("8.3.4", &ItemState::default(), &ctx("Ana", 2))
        .is_err());
}

#[test]
fn evidence_must_exist() {
    let mut wb = new_workbook();
    let s = ItemState {
        evidence: vec![rid(9)],
        ..Default::default()
    };
    assert!(matches!(
        wb.set_checklist_item("7.2", &s, &ctx("Ana", 1)),
        Err(WorkbookError::Invalid(_))
    ));
}

#[test]
fn two_people_editing_one_item_offline_both_keep_their_part() {
    let mut root = new_workbook();
    root.add_record("risk", &rid(1), &risk("A"), &ctx("Ana", 1))
        .unwrap();
    root.add_record("risk", &rid(2), &risk("B"), &ctx("Ana", 1))
        .unwrap();
    let mut a = root.fork(actor(5));
    let mut b = root.fork(actor(6));
    a.set_checklist_item(
        "6.1",
        &ItemState {
            status: ItemStatus::Verified,
            evidence: vec![rid(1)],
            ..Default::default()
        },
        &ctx("Ana", 2),
    )
    .unwrap();
    b.set_checklist_item(
        "6.1",
        &ItemState {
            owner: "Ben".into(),
            evidence: vec![rid(2)],
            ..Default::default()
        },
        &ctx("Ben", 2),
    )
    .unwrap();
    a.merge(&mut b).unwrap();
    let s = a.checklist_item("6.1");
    assert_eq!((s.status, s.owner.as_str()), (ItemStatus::Verified, "Ben"));
    assert_eq!(s.evidence, vec![rid(1), rid(2)]);
}
