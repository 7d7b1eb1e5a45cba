//! History: a record's timeline with old → new values, the record as it
//! was, and undoing one's own changes without undoing anyone else's.

use crate::common::*;
use automerge::{transaction::Transactable, ReadDoc};
use proptest::prelude::*;
use sms_core::checklist::{ItemState, ItemStatus};
use sms_core::{RecordEvent, Value, Workbook};

fn with_owner(title: &str, owner: &str) -> sms_core::Record {
    let mut r = risk(title);
    r.set("owner", Value::Text(owner.into()));
    r
}

#[test]
fn a_records_timeline_names_each_change_with_old_and_new_values() {
    let mut ana = new_workbook();
    ana.add_record("risk", &rid(1), &risk("Outage"), &ctx("Ana", 1))
        .unwrap();
    ana.add_record("risk", &rid(2), &risk("Flood"), &ctx("Ana", 2))
        .unwrap();
    let mut ben = ana.fork(actor(2));
    ana.update_record(&rid(1), &with_owner("Outage", "Ana Silva"), &ctx("Ana", 10))
        .unwrap();
    let mut r = risk("Outage");
    r.set("likelihood", Value::Int(5));
    ben.update_record(&rid(1), &r, &ctx("Ben", 20)).unwrap();
    ben.update_record(&rid(2), &with_owner("Flood", "Ben"), &ctx("Ben", 21))
        .unwrap();
    ana.merge(&mut ben).unwrap();
    ana.delete_record(&rid(1), &ctx("Ana", 30)).unwrap();
    ana.restore_record(&rid(1), &ctx("Ana", 31)).unwrap();

    let timeline = ana.record_history(&rid(1));
    let seen: Vec<_> = timeline
        .iter()
        .map(|c| (c.event, c.entry.author().to_owned()))
        .collect();
    assert_eq!(
        seen,
        [
            (RecordEvent::Added, "Ana".to_owned()),
            (RecordEvent::Edited, "Ana".to_owned()),
            (RecordEvent::Edited, "Ben".to_owned()),
            (RecordEvent::Deleted, "Ana".to_owned()),
            (RecordEvent::Restored, "Ana".to_owned()),
        ],
        "only the changes of this record, in order"
    );
    let ana_edit = &timeline[1];
    assert_eq!(ana_edit.fields.len(), 1);
    assert_eq!(ana_edit.fields[0].field.key, "owner");
    assert_eq!(ana_edit.fields[0].before, Some(Value::Text("Ana".into())));
    assert_eq!(
        ana_edit.fields[0].after,
        Some(Value::Text("Ana Silva".into()))
    );
    let ben_edit = &timeline[2];
    let keys: Vec<_> = ben_edit.fields.iter().map(|f| f.field.key).collect();
    assert!(keys.contains(&"likelihood"), "{keys:?}");
    assert!(
        !keys.contains(&"owner"),
        "Ben saw the owner before Ana's change and did not touch it"
    );
    assert!(timeline[0].fields.iter().any(|f| f.field.key == "title"
        && f.before.is_none()
        && f.after == Some(Value::Text("Outage".into()))));

    // As it was after the first edit: Ana's owner, not yet Ben's likelihood.
    let then = ana.record_at(&rid(1), &ana_edit.entry.hash).unwrap();
    assert_eq!(then.record.text("owner"), "Ana Silva");
    assert_eq!(then.record.int("likelihood"), Some(3));
    assert!(!then.deleted);
    let deleted_then = ana.record_at(&rid(1), &timeline[3].entry.hash).unwrap();
    assert!(deleted_then.deleted);
    let created = ana.history()[0].hash;
    assert!(
        ana.record_at(&rid(1), &created).is_none(),
        "the record did not exist when the workbook was created"
    );
}

#[test]
fn changes_written_by_other_tools_still_appear_in_the_timeline() {
    let mut wb = new_workbook();
    wb.add_record("risk", &rid(1), &risk("Outage"), &ctx("Ana", 1))
        .unwrap();
    // Another Automerge program edits the owner with a plain message.
    let mut doc = automerge::AutoCommit::load(&wb.to_file()).unwrap();
    let (_, records) = doc.get(automerge::ROOT, "records").unwrap().unwrap();
    let (_, rec) = doc.get(&records, rid(1).as_str()).unwrap().unwrap();
    doc.put(&rec, "owner", "Script").unwrap();
    doc.commit_with(
        automerge::transaction::CommitOptions::default()
            .with_message("bulk fix")
            .with_time(1_790_000_100),
    );
    let mut other = Workbook::read_file(&doc.save(), actor(9)).unwrap();
    wb.merge(&mut other).unwrap();

    let timeline = wb.record_history(&rid(1));
    assert_eq!(timeline.len(), 2);
    let last = &timeline[1];
    assert_eq!(last.entry.author(), "Unknown");
    assert_eq!(last.entry.summary(), "bulk fix");
    assert_eq!(last.fields[0].after, Some(Value::Text("Script".into())));
    assert!(
        wb.record_history(&rid(2)).is_empty(),
        "a record that does not exist has no timeline"
    );
}

#[test]
fn undo_puts_back_ones_own_last_change_and_then_the_one_before() {
    let mut wb = new_workbook();
    assert!(
        wb.undoable().is_none(),
        "creating the workbook is not undone"
    );
    wb.add_record("risk", &rid(1), &risk("Outage"), &ctx("Ana", 1))
        .unwrap();
    let mut r = with_owner("Outage", "Bea");
    r.set("likelihood", Value::Int(5));
    wb.update_record(&rid(1), &r, &ctx("Ana", 2)).unwrap();

    let last = wb.undoable().unwrap();
    assert!(last.summary().starts_with("Changed"), "{}", last.summary());
    let outcome = wb.undo(&last.hash, &ctx("Ana", 3)).unwrap();
    assert_eq!((outcome.reverted, outcome.kept), (2, 0));
    let (_, now) = wb.record(&rid(1)).unwrap();
    assert_eq!(now.text("owner"), "Ana");
    assert_eq!(now.int("likelihood"), Some(3));
    let history = wb.history();
    let undo = history.last().unwrap();
    assert_eq!(undo.summary(), format!("Undid: {}", last.summary()));
    assert_eq!(undo.meta.undoes, Some(last.hash.to_string()));

    // Next: the addition, which undoing deletes (restorably).
    let next = wb.undoable().unwrap();
    assert!(next.summary().starts_with("Added"), "{}", next.summary());
    wb.undo(&next.hash, &ctx("Ana", 4)).unwrap();
    assert!(wb.record(&rid(1)).is_none());
    assert_eq!(wb.deleted_records("risk").len(), 1);
    assert!(wb.undoable().is_none());
}

#[test]
fn undo_keeps_what_someone_changed_since_and_never_offers_their_changes() {
    let mut ana = new_workbook();
    ana.add_record("risk", &rid(1), &risk("Outage"), &ctx("Ana", 1))
        .unwrap();
    let mut ben = ana.fork(actor(2));
    let mut r = with_owner("Outage", "Ana Silva");
    r.set("likelihood", Value::Int(4));
    ana.update_record(&rid(1), &r, &ctx("Ana", 10)).unwrap();
    ben.merge(&mut ana).unwrap();
    let mut r = with_owner("Outage", "Ben Harris");
    r.set("likelihood", Value::Int(4));
    ben.update_record(&rid(1), &r, &ctx("Ben", 20)).unwrap();
    ana.merge(&mut ben).unwrap();

    let last = ana.undoable().unwrap();
    assert_eq!(
        last.author(),
        "Ana",
        "Ben's later change is not Ana's to undo"
    );
    let outcome = ana.undo(&last.hash, &ctx("Ana", 30)).unwrap();
    assert_eq!((outcome.reverted, outcome.kept), (1, 1));
    let (_, now) = ana.record(&rid(1)).unwrap();
    assert_eq!(now.text("owner"), "Ben Harris", "Ben's newer owner is kept");
    assert_eq!(now.int("likelihood"), Some(3), "Ana's likelihood is undone");

    // The undo merges to Ben like any change.
    ben.merge(&mut ana).unwrap();
    assert_eq!(ben.record(&rid(1)).unwrap().1.int("likelihood"), Some(3));
}

#[test]
fn undo_reverts_checklist_items_and_the_workbook_name() {
    let mut wb = new_workbook();
    wb.add_record("risk", &rid(1), &risk("Flood"), &ctx("Ana", 1))
        .unwrap();
    let state = ItemState {
        status: ItemStatus::Implemented,
        owner: "Ana".into(),
        evidence: vec![rid(1)],
        ..Default::default()
    };
    wb.set_checklist_item("6.1", &state, &ctx("Ana", 2))
        .unwrap();
    wb.rename("Renamed", &ctx("Ana", 3)).unwrap();

    let rename = wb.undoable().unwrap();
    wb.undo(&rename.hash, &ctx("Ana", 4)).unwrap();
    assert_eq!(wb.name(), "Test workbook");

    let item = wb.undoable().unwrap();
    let outcome = wb.undo(&item.hash, &ctx("Ana", 5)).unwrap();
    assert_eq!(outcome.reverted, 3, "status, owner and one evidence link");
    assert_eq!(wb.checklist_item("6.1"), ItemState::default());
    assert!(wb.evidenced_items(&rid(1)).is_empty());
}

#[test]
fn an_undo_with_nothing_left_to_put_back_commits_nothing() {
    let mut ana = new_workbook();
    ana.add_record("risk", &rid(1), &risk("Outage"), &ctx("Ana", 1))
        .unwrap();
    let mut ben = ana.fork(actor(2));
    ana.update_record(&rid(1), &with_owner("Outage", "Ana Silva"), &ctx("Ana", 10))
        .unwrap();
    ben.merge(&mut ana).unwrap();
    ben.update_record(&rid(1), &with_owner("Outage", "Ben"), &ctx("Ben", 20))
        .unwrap();
    ana.merge(&mut ben).unwrap();
    let changes = ana.history().len();
    let last = ana.undoable().unwrap();
    let outcome = ana.undo(&last.hash, &ctx("Ana", 30)).unwrap();
    assert_eq!((outcome.reverted, outcome.kept), (0, 1));
    assert_eq!(ana.history().len(), changes);
    assert_eq!(ana.record(&rid(1)).unwrap().1.text("owner"), "Ben");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Undoing one's last k edits, one by one, brings the record back to
    /// exactly what it was before them.
    #[test]
    fn undoing_the_last_edits_restores_each_earlier_state(
        edits in prop::collection::vec((0u8..4, 1i64..6, 1i64..6), 1..8),
        undos in 1usize..8,
    ) {
        let mut wb = new_workbook();
        wb.add_record("risk", &rid(1), &risk("Outage"), &ctx("Ana", 1)).unwrap();
        let mut states = vec![wb.record(&rid(1)).unwrap().1];
        for (i, (owner, l, im)) in edits.iter().enumerate() {
            let mut r = with_owner("Outage", ["Ana", "Bea", "Cy", "Di"][*owner as usize]);
            r.set("likelihood", Value::Int(*l));
            r.set("impact", Value::Int(*im));
            if wb.update_record(&rid(1), &r, &ctx("Ana", 10 + i as i64)).unwrap() {
                states.push(wb.record(&rid(1)).unwrap().1);
            }
        }
        let undos = undos.min(states.len() - 1);
        for k in 0..undos {
            let last = wb.undoable().unwrap();
            let outcome = wb.undo(&last.hash, &ctx("Ana", 100 + k as i64)).unwrap();
            prop_assert_eq!(outcome.kept, 0);
            let expected = &states[states.len() - 2 - k];
            prop_assert_eq!(&wb.record(&rid(1)).unwrap().1, expected);
        }
    }
}

#[test]
fn the_demo_workbook_offers_nothing_to_undo() {
    let mut n = 0u8;
    let mut wb = sms_core::demo::build(&demo_data(), wb_id(), actor(1), &ctx("Ana", 0), || {
        n = n.wrapping_add(1);
        rid(n)
    })
    .unwrap();
    assert!(wb.undoable().is_none());
    wb.rename("Mine", &ctx("Ana", 1)).unwrap();
    assert!(wb.undoable().unwrap().summary().starts_with("Renamed"));
}
