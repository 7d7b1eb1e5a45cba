//! Edits written at the heads a person saw: a form or page opened before
//! others' changes arrived changes only what the person changed, a field
//! both changed becomes a conflict, and settling supersedes only the values
//! the person saw.

use crate::common::*;
use sms_core::checklist::{ItemState, ItemStatus};
use sms_core::{ChangeHash, Record, RecordIndex, Value, Workbook, WorkbookError};

fn text(s: &str) -> Value {
    Value::Text(s.into())
}

/// Ana's workbook with one risk, and Ben's copy of it.
fn ana_and_ben() -> (Workbook, Workbook) {
    let mut ana = new_workbook();
    let mut r = risk("Outage");
    r.set(
        "description",
        text("The power supply of room B fails during storms."),
    );
    ana.add_record("risk", &rid(1), &r, &ctx("Ana", 1)).unwrap();
    let ben = ana.fork(actor(2));
    (ana, ben)
}

/// Opens a form: the heads and the record as the person sees them.
fn open(wb: &mut Workbook) -> (Vec<ChangeHash>, Record) {
    let heads = wb.heads();
    (heads, wb.record(&rid(1)).unwrap().1)
}

/// Ben edits his copy of the risk.
fn ben_edits(ben: &mut Workbook, secs: i64, f: impl FnOnce(&mut Record)) {
    let mut r = ben.record(&rid(1)).unwrap().1;
    f(&mut r);
    assert!(ben.update_record(&rid(1), &r, &ctx("Ben", secs)).unwrap());
}

/// Every value of a field, with its author.
fn versions(wb: &mut Workbook, key: &str) -> Vec<(String, Option<Value>)> {
    wb.field_versions(&rid(1), key)
        .into_iter()
        .map(|v| (v.author, v.value))
        .collect()
}

fn same_copies(a: &mut Workbook, b: &mut Workbook) {
    a.merge(b).unwrap();
    b.merge(a).unwrap();
    assert_eq!(a.heads(), b.heads());
    assert_eq!(risks(a), risks(b));
    assert_eq!(a.checklist(), b.checklist());
    assert_eq!(a.name(), b.name());
}

#[test]
fn a_stale_form_changes_only_what_the_person_changed() {
    let (mut ana, mut ben) = ana_and_ben();
    let (seen, mut form) = open(&mut ana);

    ben_edits(&mut ben, 10, |r| r.set("owner", text("Ben Harris")));
    ana.merge(&mut ben).unwrap();

    form.set("title", text("Outage of room B"));
    assert!(ana
        .update_record_seen(&rid(1), &form, &seen, &ctx("Ana", 20))
        .unwrap());
    let s = ana.stored_record(&rid(1)).unwrap();
    assert_eq!(s.record.text("owner"), "Ben Harris", "Ben's change stays");
    assert_eq!(s.record.text("title"), "Outage of room B");
    assert!(s.conflicts.is_empty(), "{:?}", s.conflicts);
    assert_eq!(ana.field_versions(&rid(1), "owner").len(), 1);

    // Written at the old heads: the new change depends on those only, and
    // after it the document holds both lines of work.
    let heads = ana.heads();
    assert_eq!(heads.len(), 2, "Ana's save is concurrent with Ben's edit");

    same_copies(&mut ana, &mut ben);
    assert!(ben.stored_record(&rid(1)).unwrap().conflicts.is_empty());
}

#[test]
fn a_field_both_changed_is_a_conflict_until_settled_at_what_was_seen() {
    let (mut ana, mut ben) = ana_and_ben();
    let (seen, mut form) = open(&mut ana);

    ben_edits(&mut ben, 10, |r| r.set("owner", text("Ben Harris")));
    ana.merge(&mut ben).unwrap();
    form.set("owner", text("Ana Silva"));
    assert!(ana
        .update_record_seen(&rid(1), &form, &seen, &ctx("Ana", 20))
        .unwrap());

    let s = ana.stored_record(&rid(1)).unwrap();
    assert_eq!(s.conflicts, ["owner"], "never a silent overwrite");
    assert_eq!(
        versions(&mut ana, "owner"),
        [
            ("Ben".to_owned(), Some(text("Ben Harris"))),
            ("Ana".to_owned(), Some(text("Ana Silva")))
        ]
    );
    let index = RecordIndex::build(&ana);
    assert_eq!(index.conflict_count(), 1);
    assert_eq!(index.get(&rid(1)).unwrap().conflicts, ["owner"]);

    // Ben gets the same conflict.
    ben.merge(&mut ana).unwrap();
    assert_eq!(ben.stored_record(&rid(1)).unwrap().conflicts, ["owner"]);
    assert_eq!(versions(&mut ben, "owner"), versions(&mut ana, "owner"));

    // Ana settles on her value at what she saw: the conflict ends.
    let seen_both = ana.heads();
    let mut cleo = ana.fork(actor(3));
    let mut ana_later = ana.fork(actor(4));
    ana.resolve_field_seen(
        &rid(1),
        "owner",
        Some(&text("Ana Silva")),
        &seen_both,
        &ctx("Ana", 30),
    )
    .unwrap();
    let s = ana.stored_record(&rid(1)).unwrap();
    assert!(s.conflicts.is_empty());
    assert_eq!(s.record.text("owner"), "Ana Silva");
    assert_eq!(
        versions(&mut ana, "owner"),
        [("Ana".to_owned(), Some(text("Ana Silva")))]
    );

    // Cleo wrote another owner after the heads Ana settled at. Whether it
    // arrives after the settlement or before it, it is not swept away.
    let mut r = cleo.record(&rid(1)).unwrap().1;
    r.set("owner", text("Cleo Park"));
    cleo.update_record(&rid(1), &r, &ctx("Cleo", 25)).unwrap();
    ana.merge(&mut cleo).unwrap();
    ana_later.merge(&mut cleo).unwrap();
    ana_later
        .resolve_field_seen(
            &rid(1),
            "owner",
            Some(&text("Ana Silva")),
            &seen_both,
            &ctx("Ana", 30),
        )
        .unwrap();
    for wb in [&mut ana, &mut ana_later] {
        let s = wb.stored_record(&rid(1)).unwrap();
        assert_eq!(s.conflicts, ["owner"], "Cleo's later value survives");
        let v = versions(wb, "owner");
        assert_eq!(v.len(), 2, "{v:?}");
        assert!(v.contains(&("Cleo".to_owned(), Some(text("Cleo Park")))));
        assert!(v.contains(&("Ana".to_owned(), Some(text("Ana Silva")))));
    }
    same_copies(&mut ana, &mut ana_later);
    same_copies(&mut ana, &mut ben);
    assert_eq!(ben.stored_record(&rid(1)).unwrap().conflicts, ["owner"]);
}

#[test]
fn long_text_edited_in_different_places_merges_by_character() {
    let (mut ana, mut ben) = ana_and_ben();
    let (seen, mut form) = open(&mut ana);

    ben_edits(&mut ben, 10, |r| {
        r.set(
            "description",
            text("The power supply of room B fails during summer storms."),
        )
    });
    ana.merge(&mut ben).unwrap();
    form.set(
        "description",
        text("The main power supply of room B fails during storms."),
    );
    assert!(ana
        .update_record_seen(&rid(1), &form, &seen, &ctx("Ana", 20))
        .unwrap());
    let s = ana.stored_record(&rid(1)).unwrap();
    assert_eq!(
        s.record.text("description"),
        "The main power supply of room B fails during summer storms."
    );
    assert!(s.conflicts.is_empty());
    same_copies(&mut ana, &mut ben);
}

#[test]
fn long_text_replaced_meanwhile_keeps_both_texts_as_a_conflict() {
    let (mut ana, mut ben) = ana_and_ben();
    let (seen, mut form) = open(&mut ana);

    // Ben settles the description with a new text (a fresh object): Ana's
    // edit in place of the old text would land where no one sees it.
    ben.resolve_field(
        &rid(1),
        "description",
        Some(&text("Rewritten by Ben.")),
        &ctx("Ben", 10),
    )
    .unwrap();
    ana.merge(&mut ben).unwrap();
    form.set(
        "description",
        text("The main power supply of room B fails during storms."),
    );
    assert!(ana
        .update_record_seen(&rid(1), &form, &seen, &ctx("Ana", 20))
        .unwrap());
    let s = ana.stored_record(&rid(1)).unwrap();
    assert_eq!(s.conflicts, ["description"]);
    let v = versions(&mut ana, "description");
    assert!(v.contains(&("Ben".to_owned(), Some(text("Rewritten by Ben.")))));
    assert!(v.contains(&(
        "Ana".to_owned(),
        Some(text("The main power supply of room B fails during storms."))
    )));
    same_copies(&mut ana, &mut ben);
}

#[test]
fn a_stale_form_on_a_record_deleted_meanwhile_keeps_the_edit() {
    let (mut ana, mut ben) = ana_and_ben();
    let (seen, mut form) = open(&mut ana);
    ben.delete_record(&rid(1), &ctx("Ben", 10)).unwrap();
    ana.merge(&mut ben).unwrap();

    form.set("title", text("Outage of room B"));
    assert!(ana
        .update_record_seen(&rid(1), &form, &seen, &ctx("Ana", 20))
        .unwrap());
    let s = ana.stored_record(&rid(1)).unwrap();
    assert!(s.deleted, "Ben's deletion stays");
    assert_eq!(s.record.text("title"), "Outage of room B");
    ana.restore_record(&rid(1), &ctx("Ana", 30)).unwrap();
    assert_eq!(
        ana.record(&rid(1)).unwrap().1.text("title"),
        "Outage of room B"
    );
}

const ITEM: &str = "6.1";

fn page(wb: &mut Workbook) -> (Vec<ChangeHash>, ItemState) {
    (wb.heads(), wb.checklist_item(ITEM))
}

fn checklist_versions(wb: &mut Workbook, field: &str) -> Vec<(String, Option<Value>)> {
    wb.checklist_versions(ITEM, field)
        .into_iter()
        .map(|v| (v.author, v.value))
        .collect()
}

#[test]
fn a_stale_checklist_page_keeps_others_changes_and_shows_a_shared_field_as_a_conflict() {
    let (mut ana, mut ben) = ana_and_ben();
    let first = ItemState {
        status: ItemStatus::InProgress,
        owner: "Ana".into(),
        notes: "Risk method drafted.".into(),
        ..ItemState::default()
    };
    ana.set_checklist_item(ITEM, &first, &ctx("Ana", 2))
        .unwrap();
    ben.merge(&mut ana).unwrap();

    // Ana's page is open while Ben changes the owner and adds evidence.
    let (seen, mut state) = page(&mut ana);
    let mut b = ben.checklist_item(ITEM);
    b.owner = "Ben".into();
    b.evidence.push(rid(1));
    assert!(ben.set_checklist_item(ITEM, &b, &ctx("Ben", 10)).unwrap());
    ana.merge(&mut ben).unwrap();
    state.notes = "Risk method approved by the board.".into();
    assert!(ana
        .set_checklist_item_seen(ITEM, &state, &seen, &ctx("Ana", 20))
        .unwrap());
    let item = ana.checklist_item(ITEM);
    assert_eq!(item.owner, "Ben");
    assert_eq!(item.evidence, [rid(1)], "Ben's link stays");
    assert_eq!(item.notes, "Risk method approved by the board.");
    assert_eq!(item.status, ItemStatus::InProgress);
    assert!(item.conflicts.is_empty());

    // Both change the notes: a conflict, with both versions.
    ben.merge(&mut ana).unwrap();
    let (seen, mut state) = page(&mut ana);
    let mut b = ben.checklist_item(ITEM);
    b.notes = "Board approval pending.".into();
    ben.set_checklist_item(ITEM, &b, &ctx("Ben", 30)).unwrap();
    ana.merge(&mut ben).unwrap();
    state.notes = "Board approved on Monday.".into();
    assert!(ana
        .set_checklist_item_seen(ITEM, &state, &seen, &ctx("Ana", 40))
        .unwrap());
    let item = ana.checklist_item(ITEM);
    assert_eq!(item.conflicts, ["notes"]);
    assert_eq!(
        checklist_versions(&mut ana, "notes"),
        [
            ("Ben".to_owned(), Some(text("Board approval pending."))),
            ("Ana".to_owned(), Some(text("Board approved on Monday.")))
        ]
    );
    assert!(checklist_versions(&mut ana, "owner").len() == 1);

    // Exchanged: Ben sees the same conflict and the same shown value.
    let mut file = Workbook::read_file(&ana.to_file(), actor(9)).unwrap();
    ben.merge(&mut file).unwrap();
    assert_eq!(ben.checklist_item(ITEM), ana.checklist_item(ITEM));
    assert_eq!(
        checklist_versions(&mut ben, "notes"),
        checklist_versions(&mut ana, "notes")
    );

    // Ben settles it; the settlement reaches Ana and both agree.
    let seen = ben.heads();
    ben.resolve_checklist_field(
        ITEM,
        "notes",
        "Board approved on Monday.",
        &seen,
        &ctx("Ben", 50),
    )
    .unwrap();
    let item = ben.checklist_item(ITEM);
    assert!(item.conflicts.is_empty());
    assert_eq!(item.notes, "Board approved on Monday.");
    assert_eq!(checklist_versions(&mut ben, "notes").len(), 1);
    let mut file = Workbook::read_file(&ben.to_file(), actor(9)).unwrap();
    ana.merge(&mut file).unwrap();
    assert!(ana.checklist_item(ITEM).conflicts.is_empty());
    same_copies(&mut ana, &mut ben);
}

#[test]
fn a_stale_page_removes_only_the_evidence_the_person_removed() {
    let (mut ana, mut ben) = ana_and_ben();
    ana.add_record("risk", &rid(2), &risk("Fire"), &ctx("Ana", 2))
        .unwrap();
    let first = ItemState {
        evidence: vec![rid(1)],
        ..ItemState::default()
    };
    ana.set_checklist_item(ITEM, &first, &ctx("Ana", 3))
        .unwrap();
    ben.merge(&mut ana).unwrap();

    let (seen, mut state) = page(&mut ana);
    let mut b = ben.checklist_item(ITEM);
    b.evidence.push(rid(2));
    ben.set_checklist_item(ITEM, &b, &ctx("Ben", 10)).unwrap();
    ana.merge(&mut ben).unwrap();
    state.evidence.clear();
    assert!(ana
        .set_checklist_item_seen(ITEM, &state, &seen, &ctx("Ana", 20))
        .unwrap());
    assert_eq!(ana.checklist_item(ITEM).evidence, [rid(2)]);
    same_copies(&mut ana, &mut ben);
}

#[test]
fn the_same_value_written_by_both_is_no_conflict() {
    // Through a stale form: nothing left to write.
    let (mut ana, mut ben) = ana_and_ben();
    let (seen, mut form) = open(&mut ana);
    ben_edits(&mut ben, 10, |r| r.set("owner", text("Dana")));
    ana.merge(&mut ben).unwrap();
    let heads = ana.heads();
    form.set("owner", text("Dana"));
    assert!(!ana
        .update_record_seen(&rid(1), &form, &seen, &ctx("Ana", 20))
        .unwrap());
    assert_eq!(ana.heads(), heads, "nothing written");
    assert!(ana.stored_record(&rid(1)).unwrap().conflicts.is_empty());

    // Two copies each writing it: Automerge holds two values, which agree.
    let (mut ana, mut ben) = ana_and_ben();
    ben_edits(&mut ben, 10, |r| r.set("likelihood", Value::Int(5)));
    let mut r = ana.record(&rid(1)).unwrap().1;
    r.set("likelihood", Value::Int(5));
    ana.update_record(&rid(1), &r, &ctx("Ana", 11)).unwrap();
    ana.merge(&mut ben).unwrap();
    assert_eq!(ana.field_versions(&rid(1), "likelihood").len(), 2);
    assert!(ana.stored_record(&rid(1)).unwrap().conflicts.is_empty());
    assert_eq!(RecordIndex::build(&ana).conflict_count(), 0);

    // The same on a checklist item.
    let (seen, mut state) = page(&mut ana);
    let mut b = ben.checklist_item(ITEM);
    b.owner = "Dana".into();
    ben.set_checklist_item(ITEM, &b, &ctx("Ben", 12)).unwrap();
    let mut a = ana.checklist_item(ITEM);
    a.owner = "Dana".into();
    ana.set_checklist_item(ITEM, &a, &ctx("Ana", 13)).unwrap();
    ana.merge(&mut ben).unwrap();
    assert_eq!(checklist_versions(&mut ana, "owner").len(), 2);
    assert!(ana.checklist_item(ITEM).conflicts.is_empty());
    state.owner = "Dana".into();
    let heads = ana.heads();
    assert!(!ana
        .set_checklist_item_seen(ITEM, &state, &seen, &ctx("Ana", 14))
        .unwrap());
    assert_eq!(ana.heads(), heads);
}

#[test]
fn heads_the_copy_does_not_hold_are_refused() {
    let (mut ana, mut ben) = ana_and_ben();
    ben_edits(&mut ben, 10, |r| r.set("owner", text("Ben")));
    let foreign = ben.heads();
    let heads = ana.heads();
    let before = risks(&ana);

    let mut form = ana.record(&rid(1)).unwrap().1;
    form.set("title", text("Changed"));
    let refused = |r: Result<bool, WorkbookError>| {
        assert!(
            matches!(r, Err(WorkbookError::Document(_))),
            "expected a refusal, got {r:?}"
        )
    };
    refused(ana.update_record_seen(&rid(1), &form, &foreign, &ctx("Ana", 20)));
    let state = ItemState {
        notes: "x".into(),
        ..ItemState::default()
    };
    refused(ana.set_checklist_item_seen(ITEM, &state, &foreign, &ctx("Ana", 21)));
    refused(ana.rename_seen("Other name", &foreign, &ctx("Ana", 22)));
    let r = ana.resolve_field_seen(
        &rid(1),
        "owner",
        Some(&text("X")),
        &foreign,
        &ctx("Ana", 23),
    );
    assert!(matches!(r, Err(WorkbookError::Document(_))), "{r:?}");
    let r = ana.resolve_checklist_field(ITEM, "notes", "x", &foreign, &ctx("Ana", 24));
    assert!(matches!(r, Err(WorkbookError::Document(_))), "{r:?}");
    // Made-up heads too.
    let made_up = [ChangeHash([7; 32])];
    refused(ana.update_record_seen(&rid(1), &form, &made_up, &ctx("Ana", 25)));

    assert_eq!(ana.heads(), heads, "nothing written");
    assert_eq!(risks(&ana), before);
    assert_eq!(ana.checklist_item(ITEM), ItemState::default());
    assert_eq!(ana.name(), "Test workbook");
    // The copy still works, and with the heads it does hold.
    form.set("title", text("Changed"));
    assert!(ana
        .update_record_seen(&rid(1), &form, &heads, &ctx("Ana", 26))
        .unwrap());
    ana.merge(&mut ben).unwrap();
    let s = ana.stored_record(&rid(1)).unwrap();
    assert_eq!(s.record.text("title"), "Changed");
    assert_eq!(s.record.text("owner"), "Ben");
}

#[test]
fn a_form_opened_before_the_record_existed_is_refused_without_writing() {
    let mut ana = new_workbook();
    let before_any = ana.heads();
    ana.add_record("risk", &rid(1), &risk("Outage"), &ctx("Ana", 1))
        .unwrap();
    let heads = ana.heads();
    let r = ana.update_record_seen(&rid(1), &risk("Changed"), &before_any, &ctx("Ana", 2));
    assert!(matches!(r, Err(WorkbookError::NotFound(_))), "{r:?}");
    assert_eq!(ana.heads(), heads);
    assert_eq!(ana.record(&rid(1)).unwrap().1.text("title"), "Outage");
    // The next edit is an ordinary one.
    assert!(ana
        .update_record(&rid(1), &risk("Changed"), &ctx("Ana", 3))
        .unwrap());
}

#[test]
fn concurrent_renames_settle_on_one_name_on_every_copy() {
    let (mut ana, mut ben) = ana_and_ben();
    let seen_a = ana.heads();
    let seen_b = ben.heads();
    assert!(ana
        .rename_seen("Alpha workbook", &seen_a, &ctx("Ana", 10))
        .unwrap());
    assert!(ben
        .rename_seen("Beta workbook", &seen_b, &ctx("Ben", 11))
        .unwrap());
    let mut cleo = ana.fork(actor(3));
    cleo.merge(&mut ben).unwrap();
    ben.merge(&mut ana).unwrap();
    ana.merge(&mut ben).unwrap();
    let name = ana.name();
    assert!(
        name == "Alpha workbook" || name == "Beta workbook",
        "{name}"
    );
    assert_eq!(ben.name(), name);
    assert_eq!(cleo.name(), name, "whatever the merge order");

    // A stale rename form saved with the name unchanged writes nothing,
    // and a rename to the name already there writes nothing either.
    let (mut ana, mut ben) = ana_and_ben();
    let seen = ana.heads();
    ben.rename("Renamed by Ben", &ctx("Ben", 10)).unwrap();
    ana.merge(&mut ben).unwrap();
    let heads = ana.heads();
    assert!(!ana
        .rename_seen("Test workbook", &seen, &ctx("Ana", 20))
        .unwrap());
    assert!(!ana
        .rename_seen("Renamed by Ben", &seen, &ctx("Ana", 21))
        .unwrap());
    assert_eq!(ana.heads(), heads);
    assert_eq!(ana.name(), "Renamed by Ben");

    // A stale rename that does change the name is concurrent with Ben's:
    // one of the two wins, the same on both copies.
    assert!(ana
        .rename_seen("Renamed by Ana", &seen, &ctx("Ana", 22))
        .unwrap());
    ben.merge(&mut ana).unwrap();
    let name = ana.name();
    assert!(name == "Renamed by Ana" || name == "Renamed by Ben");
    assert_eq!(ben.name(), name);
}

/// Settling a conflict on the value that is shown is still a write of that
/// value: an edit made concurrently, at the same heads, meets it as a
/// conflict instead of silently replacing the value the person settled on.
#[test]
fn settling_on_the_shown_value_meets_a_concurrent_edit_as_a_conflict() {
    let (mut ana, mut ben) = ana_and_ben();
    ben_edits(&mut ben, 10, |r| r.set("owner", text("Ben Harris")));
    let mut r = ana.record(&rid(1)).unwrap().1;
    r.set("owner", text("Ana Silva"));
    ana.update_record(&rid(1), &r, &ctx("Ana", 11)).unwrap();
    ana.merge(&mut ben).unwrap();
    assert_eq!(ana.stored_record(&rid(1)).unwrap().conflicts, ["owner"]);
    let shown = ana.record(&rid(1)).unwrap().1.text("owner").to_owned();

    let seen = ana.heads();
    let mut cleo = ana.fork(actor(3));
    ana.resolve_field_seen(
        &rid(1),
        "owner",
        Some(&text(&shown)),
        &seen,
        &ctx("Ana", 20),
    )
    .unwrap();
    let mut r = cleo.record(&rid(1)).unwrap().1;
    r.set("owner", text("Cleo Park"));
    cleo.update_record(&rid(1), &r, &ctx("Cleo", 21)).unwrap();
    ana.merge(&mut cleo).unwrap();

    let mut values: Vec<_> = versions(&mut ana, "owner")
        .into_iter()
        .map(|(_, v)| v)
        .collect();
    values.sort_by_key(|v| format!("{v:?}"));
    let mut want = vec![Some(text(&shown)), Some(text("Cleo Park"))];
    want.sort_by_key(|v| format!("{v:?}"));
    assert_eq!(values, want, "both concurrent decisions are kept");
    assert_eq!(ana.stored_record(&rid(1)).unwrap().conflicts, ["owner"]);
}

/// The same for a checklist item's field.
#[test]
fn settling_a_checklist_field_on_the_shown_value_meets_a_concurrent_edit_as_a_conflict() {
    let (mut ana, mut ben) = ana_and_ben();
    let mut b = ben.checklist_item(ITEM);
    b.notes = "Ben's notes".into();
    ben.set_checklist_item(ITEM, &b, &ctx("Ben", 10)).unwrap();
    let mut a = ana.checklist_item(ITEM);
    a.notes = "Ana's notes".into();
    ana.set_checklist_item(ITEM, &a, &ctx("Ana", 11)).unwrap();
    ana.merge(&mut ben).unwrap();
    assert_eq!(ana.checklist_item(ITEM).conflicts, ["notes"]);
    let shown = ana.checklist_item(ITEM).notes;

    let seen = ana.heads();
    let mut cleo = ana.fork(actor(3));
    ana.resolve_checklist_field(ITEM, "notes", &shown, &seen, &ctx("Ana", 20))
        .unwrap();
    let mut c = cleo.checklist_item(ITEM);
    c.notes = "Cleo's notes".into();
    cleo.set_checklist_item(ITEM, &c, &ctx("Cleo", 21)).unwrap();
    ana.merge(&mut cleo).unwrap();

    let mut values: Vec<_> = checklist_versions(&mut ana, "notes")
        .into_iter()
        .map(|(_, v)| v)
        .collect();
    values.sort_by_key(|v| format!("{v:?}"));
    let mut want = vec![Some(text(&shown)), Some(text("Cleo's notes"))];
    want.sort_by_key(|v| format!("{v:?}"));
    assert_eq!(values, want, "both concurrent decisions are kept");
    assert_eq!(ana.checklist_item(ITEM).conflicts, ["notes"]);
}

/// Two people settle the same conflict at the same time on different
/// values: neither choice disappears, the conflict stays with both.
#[test]
fn two_concurrent_settlements_on_different_values_stay_a_conflict() {
    let (mut ana, mut ben) = ana_and_ben();
    let mut b = ben.checklist_item(ITEM);
    b.owner = "Ben".into();
    ben.set_checklist_item(ITEM, &b, &ctx("Ben", 10)).unwrap();
    let mut a = ana.checklist_item(ITEM);
    a.owner = "Ana".into();
    ana.set_checklist_item(ITEM, &a, &ctx("Ana", 11)).unwrap();
    ben_edits(&mut ben, 12, |r| r.set("owner", text("Ben Harris")));
    let mut r = ana.record(&rid(1)).unwrap().1;
    r.set("owner", text("Ana Silva"));
    ana.update_record(&rid(1), &r, &ctx("Ana", 13)).unwrap();
    same_copies(&mut ana, &mut ben);

    // Each keeps the other's value, seeing the same two values.
    let seen = ana.heads();
    ana.resolve_checklist_field(ITEM, "owner", "Ben", &seen, &ctx("Ana", 20))
        .unwrap();
    ben.resolve_checklist_field(ITEM, "owner", "Ana", &seen, &ctx("Ben", 21))
        .unwrap();
    ana.resolve_field_seen(
        &rid(1),
        "owner",
        Some(&text("Ben Harris")),
        &seen,
        &ctx("Ana", 22),
    )
    .unwrap();
    ben.resolve_field_seen(
        &rid(1),
        "owner",
        Some(&text("Ana Silva")),
        &seen,
        &ctx("Ben", 23),
    )
    .unwrap();
    same_copies(&mut ana, &mut ben);

    let mut values: Vec<_> = checklist_versions(&mut ana, "owner")
        .into_iter()
        .map(|(_, v)| v)
        .collect();
    values.sort_by_key(|v| format!("{v:?}"));
    assert_eq!(values, [Some(text("Ana")), Some(text("Ben"))]);
    assert_eq!(ana.checklist_item(ITEM).conflicts, ["owner"]);
    let mut values: Vec<_> = versions(&mut ana, "owner")
        .into_iter()
        .map(|(_, v)| v)
        .collect();
    values.sort_by_key(|v| format!("{v:?}"));
    assert_eq!(values, [Some(text("Ana Silva")), Some(text("Ben Harris"))]);
    assert_eq!(ana.stored_record(&rid(1)).unwrap().conflicts, ["owner"]);
}
