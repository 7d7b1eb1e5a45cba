//! Changes from a hostile or broken peer, written with Automerge directly.
//!
//! Whatever would change what makes the document this workbook is refused
//! by every way in (file, merge, live entry, another tab's chunk), with the
//! author and the breach named, and leaves the workbook exactly as it was.
//! Strange values in fields are values: they are taken in and never make
//! reading, indexing or sorting panic.

use std::collections::BTreeSet;

use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ActorId, AutoCommit, ObjId, ObjType, ReadDoc, ScalarValue, ROOT};
use chrono::NaiveDate;
use proptest::prelude::*;
use sms_core::checklist::ItemState;
use sms_core::dashboard::Dashboard;
use sms_core::guard::{Breach, Refusal};
use sms_core::registers::{self, Query, SortDir};
use sms_core::{LoadError, RecordIndex, SortedList, Value, Workbook, WorkbookError};

use crate::common::*;

const MALLORY: &str = r#"{"author":"Mallory","summary":"Tidied the workbook"}"#;

/// Ana's workbook: two risks, a budget line, a checklist item; all saved.
fn victim() -> Workbook {
    let mut wb = new_workbook();
    wb.add_record("risk", &rid(1), &risk("Outage"), &ctx("Ana", 1))
        .unwrap();
    wb.add_record("risk", &rid(2), &risk("Flood"), &ctx("Ana", 2))
        .unwrap();
    let budget = record(
        "budget",
        &[("title", "Hosting"), ("period", "2027"), ("budget", "1200")],
    );
    wb.add_record("budget", &rid(3), &budget, &ctx("Ana", 3))
        .unwrap();
    let state = ItemState {
        owner: "Ana".into(),
        notes: "Method drafted.".into(),
        evidence: vec![rid(1)],
        ..ItemState::default()
    };
    wb.set_checklist_item("6.1", &state, &ctx("Ana", 4))
        .unwrap();
    wb.save();
    wb
}

/// What Mallory sends: her whole document, and her new changes alone.
struct Sent {
    file: Vec<u8>,
    changes: Vec<u8>,
}

/// Mallory's copy of `wb` as Automerge sees it, and the records map.
fn mallory_doc(wb: &mut Workbook) -> (AutoCommit, ObjId) {
    let doc = AutoCommit::load(&wb.to_file())
        .unwrap()
        .with_actor(ActorId::from([0x4d; 16]));
    let records = match doc.get(ROOT, "records").unwrap() {
        Some((automerge::Value::Object(ObjType::Map), id)) => id,
        other => panic!("no records map: {other:?}"),
    };
    (doc, records)
}

fn commit(doc: &mut AutoCommit) {
    doc.commit_with(
        CommitOptions::default()
            .with_message(MALLORY)
            .with_time(1_790_000_500),
    )
    .expect("Mallory's change has operations");
}

/// Mallory takes a copy of `wb`, does `f` in one change and sends it.
fn mallory(wb: &mut Workbook, f: impl FnOnce(&mut AutoCommit, &ObjId)) -> Sent {
    let (mut doc, records) = mallory_doc(wb);
    let heads = doc.get_heads();
    f(&mut doc, &records);
    commit(&mut doc);
    Sent {
        file: doc.save(),
        changes: doc.save_after(&heads),
    }
}

/// The record map of `n` in Mallory's document.
fn record_obj(doc: &AutoCommit, records: &ObjId, n: u8) -> ObjId {
    doc.get(records, rid(n).as_str()).unwrap().unwrap().1
}

/// Everything a person could see of a workbook, and its bytes.
fn state(wb: &mut Workbook) -> (Vec<sms_core::ChangeHash>, Vec<String>, Vec<u8>) {
    let ix = RecordIndex::build(wb);
    let mut lines: Vec<String> = ix
        .entries()
        .map(|e| {
            format!(
                "{} {} {} {:?} {:?} {:?}",
                e.id, e.def.id, e.deleted, e.record, e.info, e.conflicts
            )
        })
        .collect();
    lines.sort();
    lines.push(wb.name());
    lines.push(format!("{:?}", wb.checklist()));
    lines.push(format!("version {}", wb.schema_version()));
    (wb.heads(), lines, wb.to_file())
}

/// How Mallory's file fares when read (before any merge).
#[derive(Debug)]
enum File {
    /// Read, and its changes refused by the checks.
    Refused,
    /// Not read: its own history rewrote the workbook's identity, refused
    /// with its author and the breach.
    RefusedOnRead,
    /// Not read at all.
    NotRead(LoadError),
}

fn assert_refused<T: std::fmt::Debug>(r: Result<T, WorkbookError>, breach: &Breach, path: &str) {
    match r {
        Err(WorkbookError::Refused(Refusal {
            author,
            at,
            breach: b,
        })) => {
            assert_eq!(author, "Mallory", "{path}");
            assert_eq!(&b, breach, "{path}");
            assert!(at.is_some(), "{path}: the time is read from the change");
        }
        other => panic!("{path}: expected a refusal ({breach:?}), got {other:?}"),
    }
}

/// Sends Mallory's change every way in and checks each is refused with
/// `breach` and leaves `wb` exactly as it was.
fn refused_everywhere(wb: &mut Workbook, sent: &Sent, breach: &Breach, file: File) {
    wb.save();
    wb.track_changes();
    let before = state(wb);

    match (Workbook::read_file(&sent.file, actor(9)), file) {
        (Ok(mut other), File::Refused) => {
            assert_refused(wb.incoming(&mut other), breach, "incoming");
            assert_refused(wb.preview_merge(&mut other), breach, "preview");
            assert_refused(wb.merge(&mut other), breach, "merge");
        }
        (Err(LoadError::Refused(r)), File::RefusedOnRead) => {
            assert_eq!(r.author, "Mallory", "read_file");
            assert_eq!(&r.breach, breach, "read_file");
        }
        (Err(e), File::NotRead(want)) => assert_eq!(e, want),
        (got, want) => panic!("file: expected {want:?}, got {:?}", got.map(|_| ())),
    }
    assert_refused(wb.apply_remote(&sent.changes), breach, "apply_remote");
    assert_refused(wb.absorb_stored(&sent.changes), breach, "absorb_stored");
    // The whole document as a live entry or a stored chunk: the same.
    assert_refused(wb.apply_remote(&sent.file), breach, "apply_remote (file)");
    assert_refused(wb.absorb_stored(&sent.file), breach, "absorb_stored (file)");

    assert!(wb.take_delta().is_empty(), "nothing was read again");
    assert!(wb.take_unsaved().is_none(), "nothing new to save");
    let after = state(wb);
    assert_eq!(after.0, before.0, "same heads");
    assert_eq!(after.1, before.1, "same records, checklist and name");
    assert!(after.2 == before.2, "same document bytes");

    // And the workbook still takes a good change afterwards.
    let title = format!("Flood, change {}", wb.history().len());
    let good = mallory(wb, |doc, records| {
        let r = record_obj(doc, records, 2);
        doc.put(&r, "title", title.as_str()).unwrap();
    });
    wb.apply_remote(&good.changes).unwrap();
    assert_eq!(wb.record(&rid(2)).unwrap().1.text("title"), title);
}

fn root_put(
    key: &'static str,
    value: impl Into<ScalarValue>,
) -> impl FnOnce(&mut AutoCommit, &ObjId) {
    let value = value.into();
    move |doc, _| doc.put(ROOT, key, value).unwrap()
}

#[test]
fn replacing_the_records_map_is_refused() {
    let mut wb = victim();
    let sent = mallory(&mut wb, |doc, _| {
        doc.put_object(ROOT, "records", ObjType::Map).unwrap();
    });
    refused_everywhere(
        &mut wb,
        &sent,
        &Breach::RecordsReplaced,
        File::RefusedOnRead,
    );
}

#[test]
fn replacing_the_records_map_by_a_copy_of_it_is_refused() {
    // The new map even holds records under the same ids: still refused,
    // since every record's history would be cut off.
    let mut wb = victim();
    let sent = mallory(&mut wb, |doc, _| {
        let map = doc.put_object(ROOT, "records", ObjType::Map).unwrap();
        let r = doc.put_object(&map, rid(1).as_str(), ObjType::Map).unwrap();
        doc.put(&r, "register", "risk").unwrap();
        doc.put(&r, "title", "Outage").unwrap();
    });
    refused_everywhere(
        &mut wb,
        &sent,
        &Breach::RecordsReplaced,
        File::RefusedOnRead,
    );
}

#[test]
fn deleting_the_records_map_is_refused() {
    let mut wb = victim();
    let sent = mallory(&mut wb, |doc, _| doc.delete(ROOT, "records").unwrap());
    refused_everywhere(
        &mut wb,
        &sent,
        &Breach::RecordsReplaced,
        File::NotRead(LoadError::NotAWorkbook),
    );
}

#[test]
fn changing_the_workbook_id_is_refused() {
    let mut wb = victim();
    let other = "cd".repeat(16);
    let sent = mallory(&mut wb, root_put("workbook_id", other.as_str()));
    refused_everywhere(
        &mut wb,
        &sent,
        &Breach::Identity("workbook_id"),
        File::RefusedOnRead,
    );
    // Changed and changed back in one change: the file's own history
    // still rewrote the id, so it is not read either.
    let own = wb.id().to_string();
    let sent = mallory(&mut wb, move |doc, _| {
        doc.put(ROOT, "workbook_id", other.as_str()).unwrap();
        doc.put(ROOT, "workbook_id", own.as_str()).unwrap();
    });
    refused_everywhere(
        &mut wb,
        &sent,
        &Breach::Identity("workbook_id"),
        File::RefusedOnRead,
    );
}

#[test]
fn changing_the_format_mark_is_refused() {
    let mut wb = victim();
    let sent = mallory(&mut wb, root_put("format", "something-else"));
    refused_everywhere(
        &mut wb,
        &sent,
        &Breach::Identity("format"),
        File::NotRead(LoadError::NotAWorkbook),
    );
    let sent = mallory(&mut wb, |doc, _| {
        doc.put(ROOT, "format", "something-else").unwrap();
        doc.put(ROOT, "format", "sms-workbook").unwrap();
    });
    refused_everywhere(
        &mut wb,
        &sent,
        &Breach::Identity("format"),
        File::RefusedOnRead,
    );
}

#[test]
fn changing_when_the_workbook_was_created_is_refused() {
    let mut wb = victim();
    let sent = mallory(
        &mut wb,
        root_put("created_at", ScalarValue::Timestamp(1_000)),
    );
    refused_everywhere(
        &mut wb,
        &sent,
        &Breach::Identity("created_at"),
        File::RefusedOnRead,
    );
}

#[test]
fn raising_the_format_version_past_what_the_app_knows_is_refused() {
    let mut wb = victim();
    let sent = mallory(&mut wb, root_put("schema_version", 99u64));
    refused_everywhere(
        &mut wb,
        &sent,
        &Breach::SchemaVersion(Some(99)),
        File::NotRead(LoadError::NewerVersion {
            found: 99,
            supported: 2,
        }),
    );
    // Raised inside a change that also edits a title and puts the version
    // back: the file looks current, the whole change is still refused.
    let sent = mallory(&mut wb, |doc, records| {
        let r = record_obj(doc, records, 1);
        doc.put(&r, "title", "Edited alongside").unwrap();
        doc.put(ROOT, "schema_version", 99u64).unwrap();
        doc.put(ROOT, "schema_version", 2u64).unwrap();
    });
    refused_everywhere(
        &mut wb,
        &sent,
        &Breach::SchemaVersion(Some(99)),
        File::Refused,
    );
    assert_eq!(wb.record(&rid(1)).unwrap().1.text("title"), "Outage");
    // As a signed integer too.
    let sent = mallory(&mut wb, root_put("schema_version", ScalarValue::Int(99)));
    refused_everywhere(
        &mut wb,
        &sent,
        &Breach::SchemaVersion(Some(99)),
        File::NotRead(LoadError::NewerVersion {
            found: 99,
            supported: 2,
        }),
    );
}

#[test]
fn lowering_or_removing_the_format_version_is_refused() {
    let mut wb = victim();
    let sent = mallory(&mut wb, root_put("schema_version", 1u64));
    refused_everywhere(
        &mut wb,
        &sent,
        &Breach::SchemaVersion(Some(1)),
        File::Refused,
    );
    let sent = mallory(&mut wb, root_put("schema_version", "2"));
    refused_everywhere(
        &mut wb,
        &sent,
        &Breach::SchemaVersion(None),
        File::NotRead(LoadError::NotAWorkbook),
    );
    let sent = mallory(&mut wb, |doc, _| {
        doc.delete(ROOT, "schema_version").unwrap()
    });
    refused_everywhere(
        &mut wb,
        &sent,
        &Breach::SchemaVersion(None),
        File::NotRead(LoadError::NotAWorkbook),
    );
}

#[test]
fn writing_the_current_format_version_again_is_accepted() {
    // What two copies migrating concurrently write (as a signed integer
    // here, so that Automerge does not drop the put as no change).
    let mut wb = victim();
    let sent = mallory(&mut wb, root_put("schema_version", ScalarValue::Int(2)));
    wb.apply_remote(&sent.changes).unwrap();
    assert_eq!(wb.schema_version(), 2);
}

#[test]
fn deleting_identity_keys_is_refused() {
    for (key, file) in [
        ("format", File::NotRead(LoadError::NotAWorkbook)),
        ("workbook_id", File::NotRead(LoadError::NotAWorkbook)),
        ("created_at", File::Refused),
    ] {
        let mut wb = victim();
        let sent = mallory(&mut wb, |doc, _| doc.delete(ROOT, key).unwrap());
        refused_everywhere(&mut wb, &sent, &Breach::Identity(key), file);
    }
}

#[test]
fn changing_a_records_register_creation_time_or_creator_is_refused() {
    let id = rid(1).to_string();
    let mut wb = victim();
    let sent = mallory(&mut wb, |doc, records| {
        let r = record_obj(doc, records, 1);
        doc.put(&r, "register", "action").unwrap();
    });
    refused_everywhere(
        &mut wb,
        &sent,
        &Breach::RecordIdentity(id.clone(), "register"),
        File::Refused,
    );
    let sent = mallory(&mut wb, |doc, records| {
        let r = record_obj(doc, records, 1);
        doc.put(&r, "created_at", ScalarValue::Timestamp(5))
            .unwrap();
    });
    refused_everywhere(
        &mut wb,
        &sent,
        &Breach::RecordIdentity(id.clone(), "creation time"),
        File::Refused,
    );
    let sent = mallory(&mut wb, |doc, records| {
        let r = record_obj(doc, records, 1);
        doc.delete(&r, "created_by").unwrap();
    });
    refused_everywhere(
        &mut wb,
        &sent,
        &Breach::RecordIdentity(id, "creator"),
        File::Refused,
    );
}

#[test]
fn removing_a_record_from_the_records_is_refused() {
    let mut wb = victim();
    let sent = mallory(&mut wb, |doc, records| {
        doc.delete(records, rid(2).as_str()).unwrap()
    });
    refused_everywhere(
        &mut wb,
        &sent,
        &Breach::RecordRemoved(rid(2).to_string()),
        File::Refused,
    );
}

#[test]
fn replacing_a_record_by_another_map_is_refused() {
    let mut wb = victim();
    let sent = mallory(&mut wb, |doc, records| {
        let r = doc
            .put_object(records, rid(1).as_str(), ObjType::Map)
            .unwrap();
        doc.put(&r, "register", "risk").unwrap();
        doc.put(&r, "title", "Mallory's risk").unwrap();
    });
    refused_everywhere(
        &mut wb,
        &sent,
        &Breach::RecordReplaced(rid(1).to_string()),
        File::Refused,
    );
}

#[test]
fn putting_something_that_is_not_a_record_into_the_records_is_refused() {
    let mut wb = victim();
    let sent = mallory(&mut wb, |doc, records| doc.put(records, "junk", 1).unwrap());
    refused_everywhere(
        &mut wb,
        &sent,
        &Breach::NotARecord("junk".into()),
        File::Refused,
    );
    // A scalar in place of an existing record.
    let sent = mallory(&mut wb, |doc, records| {
        doc.put(records, rid(1).as_str(), "gone").unwrap()
    });
    refused_everywhere(
        &mut wb,
        &sent,
        &Breach::NotARecord(rid(1).to_string()),
        File::Refused,
    );
    // A list, or a map under a key that is not a record id.
    let sent = mallory(&mut wb, |doc, records| {
        doc.put_object(records, rid(7).as_str(), ObjType::List)
            .unwrap();
    });
    refused_everywhere(
        &mut wb,
        &sent,
        &Breach::NotARecord(rid(7).to_string()),
        File::Refused,
    );
    let sent = mallory(&mut wb, |doc, records| {
        doc.put_object(records, "not-an-id", ObjType::Map).unwrap();
    });
    refused_everywhere(
        &mut wb,
        &sent,
        &Breach::NotARecord("not-an-id".into()),
        File::Refused,
    );
}

#[test]
fn one_bad_change_after_good_ones_refuses_the_whole_batch() {
    let mut wb = victim();
    let (mut doc, records) = mallory_doc(&mut wb);
    let heads = doc.get_heads();
    let r = record_obj(&doc, &records, 1);
    doc.put(&r, "title", "A fair edit").unwrap();
    commit(&mut doc);
    doc.delete(&records, rid(2).as_str()).unwrap();
    commit(&mut doc);
    let sent = Sent {
        file: doc.save(),
        changes: doc.save_after(&heads),
    };
    refused_everywhere(
        &mut wb,
        &sent,
        &Breach::RecordRemoved(rid(2).to_string()),
        File::Refused,
    );
    assert_eq!(wb.record(&rid(1)).unwrap().1.text("title"), "Outage");
}

#[test]
fn a_good_change_from_the_same_peer_is_accepted_every_way_in() {
    let edit = |doc: &mut AutoCommit, records: &ObjId| {
        let r = record_obj(doc, records, 1);
        doc.put(&r, "title", "Outage of room B").unwrap();
        // A new record, written as the app writes one.
        let n = doc
            .put_object(records, rid(8).as_str(), ObjType::Map)
            .unwrap();
        doc.put(&n, "register", "risk").unwrap();
        doc.put(&n, "created_at", ScalarValue::Timestamp(1_790_000_500_000))
            .unwrap();
        doc.put(&n, "created_by", "Mallory").unwrap();
        doc.put(&n, "title", "Mallory's risk").unwrap();
        doc.put(ROOT, "checklist/6.1/notes", "Reviewed by Mallory.")
            .unwrap();
    };
    let check = |wb: &mut Workbook| {
        assert_eq!(
            wb.record(&rid(1)).unwrap().1.text("title"),
            "Outage of room B"
        );
        assert_eq!(
            wb.record(&rid(8)).unwrap().1.text("title"),
            "Mallory's risk"
        );
        assert_eq!(wb.record_info(&rid(8)).unwrap().created_by, "Mallory");
        assert_eq!(wb.checklist_item("6.1").notes, "Reviewed by Mallory.");
        let h = wb.history();
        assert_eq!(h.last().unwrap().author(), "Mallory");
    };
    for way in 0..5 {
        let mut wb = victim();
        wb.track_changes();
        let mut index = RecordIndex::build(&wb);
        let sent = mallory(&mut wb, edit);
        match way {
            0 => {
                let mut other = Workbook::read_file(&sent.file, actor(9)).unwrap();
                let incoming = wb.incoming(&mut other).unwrap();
                assert_eq!(incoming.len(), 1);
                wb.merge_incoming(incoming).unwrap();
            }
            1 => {
                let mut other = Workbook::read_file(&sent.file, actor(9)).unwrap();
                wb.merge(&mut other).unwrap();
            }
            2 => wb.apply_remote(&sent.changes).unwrap(),
            3 => {
                wb.absorb_stored(&sent.changes).unwrap();
                assert!(wb.take_unsaved().is_none(), "already stored");
            }
            _ => wb.apply_remote(&sent.file).unwrap(),
        }
        check(&mut wb);
        let delta = wb.take_delta();
        index.apply(&wb, &delta);
        assert_eq!(index_lines(&index), index_lines(&RecordIndex::build(&wb)));
    }
}

fn index_lines(ix: &RecordIndex) -> Vec<String> {
    let mut v: Vec<String> = ix
        .entries()
        .map(|e| format!("{} {} {:?} {:?}", e.id, e.deleted, e.record, e.conflicts))
        .collect();
    v.sort();
    v
}

// ---- values, not identity: accepted, and nothing panics -----------------

/// Everything that reads records: the record, the index (built and kept in
/// step), every list sorted by every field both ways, a search, the
/// dashboard, an export table, the form's draft, a history, a file.
fn read_everything(wb: &mut Workbook) {
    let today = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
    let ix = RecordIndex::build(wb);
    for reg in ["risk", "budget"] {
        let def = registers::register(reg).unwrap();
        for (id, r) in wb.records(reg) {
            let _ = wb.stored_record(&id).unwrap();
            let draft = sms_core::RecordDraft::from_record(def, &r);
            let _ = draft.validate(def);
            let _ = wb.record_history(&id);
            for f in def.fields {
                let _ = r.value_of(f).map(|v| v.to_draft());
                let _ = wb.field_versions(&id, f.key);
            }
        }
        for f in def.fields {
            for dir in [SortDir::Asc, SortDir::Desc] {
                let list = SortedList::new(&ix, def, Some((f.key, dir)));
                assert_eq!(list.len(), ix.live(reg).count());
                let q = Query {
                    search: "a".into(),
                    ..Query::default()
                };
                let _ = list.filter(&q);
                let _ = sms_core::transfer::register_table(def, list.rows(), &ix);
            }
        }
    }
    let _ = Dashboard::compute(&ix, today);
    let _ = sms_core::reports::charts(&sms_core::view::Summary::of(wb), &ix, today);
    let _ = wb.checklist();
    let bytes = wb.to_file();
    let back = Workbook::read_file(&bytes, actor(9)).unwrap();
    assert_eq!(index_lines(&RecordIndex::build(&back)), index_lines(&ix));
}

/// Mallory's change is taken in by a tracked copy with an index kept in
/// step, a list refreshed from it, and everything reads.
fn accepted(sent: &Sent) -> Workbook {
    let mut wb = victim();
    wb.track_changes();
    let mut ix = RecordIndex::build(&wb);
    let risk_def = registers::register("risk").unwrap();
    let budget_def = registers::register("budget").unwrap();
    let lists: Vec<SortedList> = [risk_def, budget_def]
        .into_iter()
        .flat_map(|def| {
            let ix = &ix;
            def.fields
                .iter()
                .map(move |f| SortedList::new(ix, def, Some((f.key, SortDir::Desc))))
        })
        .collect();
    wb.apply_remote(&sent.changes).unwrap();
    let delta = wb.take_delta();
    ix.apply(&wb, &delta);
    assert_eq!(index_lines(&ix), index_lines(&RecordIndex::build(&wb)));
    for list in lists {
        if let Some(fresh) = list.refreshed(&ix) {
            assert_eq!(fresh.len(), ix.live(list.def.id).count());
        }
    }
    read_everything(&mut wb);
    wb
}

fn put_field(n: u8, key: &'static str, value: ScalarValue) -> impl FnOnce(&mut AutoCommit, &ObjId) {
    move |doc, records| {
        let r = record_obj(doc, records, n);
        doc.put(&r, key, value).unwrap();
    }
}

#[test]
fn a_decimal_that_is_not_a_number_is_a_value() {
    let mut wb = victim();
    let sent = mallory(&mut wb, put_field(3, "budget", ScalarValue::F64(f64::NAN)));
    let mut wb = accepted(&sent);
    let r = wb.record(&rid(3)).unwrap().1;
    assert!(matches!(r.get("budget"), Some(Value::Dec(d)) if d.is_nan()));
    // The person can still edit the record's other fields.
    let seen = wb.heads();
    let mut form = r.clone();
    form.set("title", Value::Text("Hosting 2027".into()));
    wb.update_record_seen(&rid(3), &form, &seen, &ctx("Ana", 50))
        .unwrap();
    assert_eq!(wb.record(&rid(3)).unwrap().1.text("title"), "Hosting 2027");
}

#[test]
fn infinite_decimals_are_values() {
    let mut wb = victim();
    let sent = mallory(&mut wb, |doc, records| {
        let r = record_obj(doc, records, 3);
        doc.put(&r, "budget", f64::INFINITY).unwrap();
        doc.put(&r, "actual", f64::INFINITY).unwrap();
    });
    let wb = accepted(&sent);
    let r = wb.record(&rid(3)).unwrap().1;
    assert_eq!(r.get("budget"), Some(&Value::Dec(f64::INFINITY)));
    let def = registers::register("budget").unwrap();
    // inf - inf: the computed variance is not a number, and still sorts.
    let variance = r.value_of(def.field("variance").unwrap());
    assert!(matches!(variance, Some(Value::Dec(d)) if d.is_nan()));
}

#[test]
fn a_number_far_out_of_range_is_a_value() {
    let mut wb = victim();
    let sent = mallory(
        &mut wb,
        put_field(1, "likelihood", ScalarValue::Int(1_000_000_000_000)),
    );
    let wb = accepted(&sent);
    assert_eq!(
        wb.record(&rid(1)).unwrap().1.int("likelihood"),
        Some(1_000_000_000_000)
    );
    // A number too large for the field's kind is no value at all.
    let mut wb = victim();
    let sent = mallory(
        &mut wb,
        put_field(1, "likelihood", ScalarValue::Uint(u64::MAX)),
    );
    let wb = accepted(&sent);
    assert_eq!(wb.record(&rid(1)).unwrap().1.int("likelihood"), None);
}

/// A likelihood as large as a whole number can be: the score (likelihood
/// × impact) must not overflow.
#[test]
fn the_largest_number_is_a_value_too() {
    for v in [i64::MAX, i64::MIN] {
        let mut wb = victim();
        let sent = mallory(&mut wb, put_field(1, "likelihood", ScalarValue::Int(v)));
        let wb = accepted(&sent);
        assert_eq!(wb.record(&rid(1)).unwrap().1.int("likelihood"), Some(v));
    }
}

#[test]
fn values_of_the_wrong_kind_are_no_values() {
    let mut wb = victim();
    let sent = mallory(&mut wb, |doc, records| {
        let r = record_obj(doc, records, 1);
        doc.put(&r, "likelihood", "five").unwrap();
        doc.put(&r, "title", 42).unwrap();
        doc.put(&r, "review_date", "tomorrow").unwrap();
        doc.put_object(&r, "owner", ObjType::List).unwrap();
        doc.put(&r, "actions", true).unwrap();
        doc.put(&r, "deleted", "yes").unwrap();
        let b = record_obj(doc, records, 3);
        doc.put(&b, "budget", ScalarValue::Timestamp(7)).unwrap();
    });
    let wb = accepted(&sent);
    let r = wb.record(&rid(1)).unwrap().1;
    assert_eq!(r.get("likelihood"), None);
    assert_eq!(r.get("title"), None);
    assert_eq!(r.get("owner"), None);
}

#[test]
fn an_unknown_choice_is_a_value() {
    let mut wb = victim();
    let sent = mallory(&mut wb, |doc, records| {
        let r = record_obj(doc, records, 1);
        doc.put(&r, "treatment", "<script>alert(1)</script>")
            .unwrap();
        doc.put(&r, "status", "").unwrap();
    });
    let wb = accepted(&sent);
    assert_eq!(
        wb.record(&rid(1)).unwrap().1.text("treatment"),
        "<script>alert(1)</script>"
    );
}

#[test]
fn a_link_to_a_record_that_does_not_exist_is_a_value() {
    let mut wb = victim();
    let sent = mallory(&mut wb, |doc, records| {
        let r = record_obj(doc, records, 1);
        let set = doc.put_object(&r, "actions", ObjType::Map).unwrap();
        doc.put(&set, rid(99).as_str(), true).unwrap();
        doc.put(&set, rid(2).as_str(), true).unwrap(); // a risk, not an action
        doc.put(&set, "not an id", true).unwrap();
        let b = record_obj(doc, records, 3);
        doc.put(&b, "service", rid(98).as_str()).unwrap();
        doc.put(
            ROOT,
            format!("checklist/6.1/evidence/{}", rid(97)).as_str(),
            true,
        )
        .unwrap();
    });
    let mut wb = accepted(&sent);
    assert_eq!(
        wb.record(&rid(1)).unwrap().1.links("actions"),
        {
            let mut v = vec![rid(99), rid(2)];
            v.sort();
            v
        }
        .as_slice()
    );
    let ix = RecordIndex::build(&wb);
    let _ = ix.backlinks(&rid(99));
    let _ = wb.backlinks(&rid(2));
    assert!(wb.checklist_item("6.1").evidence.contains(&rid(97)));
    // The person can still save the record (the dangling link was there
    // already) and the checklist item.
    let seen = wb.heads();
    let mut form = wb.record(&rid(1)).unwrap().1;
    form.set("title", Value::Text("Outage, checked".into()));
    wb.update_record_seen(&rid(1), &form, &seen, &ctx("Ana", 60))
        .unwrap();
    let mut item = wb.checklist_item("6.1");
    item.owner = "Ben".into();
    wb.set_checklist_item_seen("6.1", &item, &seen, &ctx("Ana", 61))
        .unwrap();
}

#[test]
fn a_five_megabyte_note_from_a_peer_is_a_value() {
    let big: String = "Lorem ipsum dolor sit amet. ".repeat(5 * 1024 * 1024 / 28 + 1);
    assert!(big.len() >= 5 * 1024 * 1024);
    let mut wb = victim();
    let sent = mallory(&mut wb, |doc, records| {
        doc.put(ROOT, "checklist/6.1/notes", big.as_str()).unwrap();
        let r = record_obj(doc, records, 2);
        // Long text as a plain string, as an older version wrote it.
        doc.put(&r, "description", big.as_str()).unwrap();
        let b = record_obj(doc, records, 3);
        doc.put(&b, "title", big.as_str()).unwrap();
    });
    let mut wb = accepted(&sent);
    assert_eq!(wb.checklist_item("6.1").notes.len(), big.len());
    assert_eq!(
        wb.record(&rid(2)).unwrap().1.text("description").len(),
        big.len()
    );
    // The page refuses to save notes that long, in words, without panic.
    let mut item = wb.checklist_item("6.1");
    item.owner = "Ben".into();
    assert!(matches!(
        wb.set_checklist_item("6.1", &item, &ctx("Ana", 70)),
        Err(WorkbookError::Invalid(_))
    ));
}

#[test]
fn a_long_text_of_200_kb_edited_by_character_is_a_value() {
    let big: String = "abcdefghij".repeat(20_000);
    let mut wb = victim();
    let sent = mallory(&mut wb, |doc, records| {
        let r = record_obj(doc, records, 2);
        let t = doc.put_object(&r, "description", ObjType::Text).unwrap();
        doc.splice_text(&t, 0, 0, &big).unwrap();
    });
    let mut wb = accepted(&sent);
    let mut r = wb.record(&rid(2)).unwrap().1;
    assert_eq!(r.text("description").len(), big.len());
    let mut edited = r.text("description").to_owned();
    edited.insert_str(100_000, "EDIT");
    r.set("description", Value::Text(edited.clone()));
    wb.update_record(&rid(2), &r, &ctx("Ana", 80)).unwrap();
    assert_eq!(wb.record(&rid(2)).unwrap().1.text("description"), edited);
}

// ---- damaged bytes -------------------------------------------------------

fn damaged_changes_nothing(wb: &mut Workbook, bytes: &[u8]) {
    let before = state(wb);
    let r = wb.apply_remote(bytes);
    assert!(
        matches!(r, Err(WorkbookError::Document(_))),
        "apply_remote: {r:?}"
    );
    let r = wb.absorb_stored(bytes);
    assert!(
        matches!(r, Err(WorkbookError::Document(_))),
        "absorb_stored: {r:?}"
    );
    let after = state(wb);
    assert_eq!(after.0, before.0);
    assert_eq!(after.1, before.1);
}

#[test]
fn cut_off_changes_are_refused_whole() {
    let mut wb = victim();
    let (mut doc, records) = mallory_doc(&mut wb);
    let heads = doc.get_heads();
    for n in 0..3 {
        let r = record_obj(&doc, &records, 1);
        doc.put(&r, "title", format!("Edit {n}")).unwrap();
        commit(&mut doc);
    }
    let changes = doc.save_after(&heads);
    let file = doc.save();
    // Cut inside each change (at a boundary the bytes are whole changes).
    let mut start = 0;
    for c in doc.get_changes(&heads) {
        let len = c.raw_bytes().len();
        for cut in [1, 9, len / 2, len - 1] {
            damaged_changes_nothing(&mut wb, &changes[..start + cut]);
        }
        start += len;
    }
    assert_eq!(start, changes.len());
    for cut in [1, 50, file.len() / 2, file.len() - 1] {
        damaged_changes_nothing(&mut wb, &file[..cut]);
    }
    // Good changes followed by junk: nothing of them is applied either.
    let mut tail = changes.clone();
    tail.extend_from_slice(b"\x85\x6f\x4a\x83junk");
    damaged_changes_nothing(&mut wb, &tail);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Random bytes, with or without Automerge's magic number in front,
    /// are an error and change nothing.
    #[test]
    fn random_bytes_are_refused(
        junk in prop::collection::vec(any::<u8>(), 0..300),
        magic in any::<bool>(),
    ) {
        let mut wb = victim();
        let mut bytes = if magic { vec![0x85, 0x6f, 0x4a, 0x83] } else { Vec::new() };
        bytes.extend(junk);
        if bytes.is_empty() {
            // No bytes are no changes.
            prop_assert!(wb.apply_remote(&bytes).is_ok());
        } else {
            damaged_changes_nothing(&mut wb, &bytes);
        }
    }

    /// One byte of a good change altered: an error that changes nothing,
    /// or (rarely) still a change, which then passes the checks like any.
    #[test]
    fn an_altered_byte_never_panics(at in any::<prop::sample::Index>(), xor in 1..=255u8) {
        let mut wb = victim();
        let sent = mallory(&mut wb, put_field(1, "title", "Edited".into()));
        let mut bytes = sent.changes.clone();
        let i = at.index(bytes.len());
        bytes[i] ^= xor;
        let before = state(&mut wb);
        if wb.apply_remote(&bytes).is_err() {
            let after = state(&mut wb);
            prop_assert_eq!(after.0, before.0);
        }
    }
}

// ---- the checks do not depend on how changes arrive ----------------------

/// Mallory changes the register of Ana's new risk. A copy that already has
/// the risk refuses that; a copy that receives the risk's creation and
/// Mallory's change together must refuse it too, or the two copies could
/// never exchange anything again.
#[test]
fn a_records_register_changed_after_its_creation_is_refused_even_with_the_creation() {
    let mut ana = victim();
    let mut ben = ana.fork(actor(2));
    ana.add_record("risk", &rid(5), &risk("Fire"), &ctx("Ana", 10))
        .unwrap();
    let sent = mallory(&mut ana, |doc, records| {
        let r = record_obj(doc, records, 5);
        doc.put(&r, "register", "action").unwrap();
    });
    let breach = Breach::RecordIdentity(rid(5).to_string(), "register");
    let mut file = Workbook::read_file(&sent.file, actor(9)).unwrap();
    assert_refused(ana.merge(&mut file), &breach, "Ana");
    let mut file = Workbook::read_file(&sent.file, actor(9)).unwrap();
    assert_refused(ben.merge(&mut file), &breach, "Ben, by file");
    assert_refused(ben.apply_remote(&sent.file), &breach, "Ben, live");
    // Ben and Ana still exchange their own work.
    ben.merge(&mut ana).unwrap();
    ana.merge(&mut ben).unwrap();
    assert_eq!(ana.heads(), ben.heads());
}

/// The same change sent ahead of the creation it depends on: it waits in
/// the copy until the creation arrives, and must not get in then.
#[test]
fn a_change_sent_ahead_of_what_it_depends_on_is_still_checked() {
    let mut ana = victim();
    let mut ben = ana.fork(actor(2));
    let before_fire = ana.heads();
    ana.add_record("risk", &rid(5), &risk("Fire"), &ctx("Ana", 10))
        .unwrap();
    let creation = ana.changes_after(&before_fire);
    let sent = mallory(&mut ana, |doc, records| {
        let r = record_obj(doc, records, 5);
        doc.put(&r, "register", "action").unwrap();
    });
    let ahead = ben.apply_remote(&sent.changes);
    let then = ben.apply_remote(&creation);
    let stored = ben.stored_record(&rid(5));
    assert!(
        ahead.is_err() || then.is_err() || stored.map(|s| s.def.id) == Some("risk"),
        "Mallory's change got in: {ahead:?} {then:?}"
    );
}

/// Replacing or removing a record in a change sent ahead of the record's
/// creation: refused on arrival, whatever this copy holds yet.
#[test]
fn a_record_replaced_or_removed_ahead_of_its_creation_is_refused() {
    let mut ana = victim();
    let mut ben = ana.fork(actor(2));
    let before_fire = ana.heads();
    ana.add_record("risk", &rid(5), &risk("Fire"), &ctx("Ana", 10))
        .unwrap();
    let creation = ana.changes_after(&before_fire);
    let replaced = mallory(&mut ana, |doc, records| {
        let r = doc
            .put_object(records, rid(5).as_str(), ObjType::Map)
            .unwrap();
        doc.put(&r, "register", "risk").unwrap();
        doc.put(&r, "title", "Mallory's fire").unwrap();
    });
    assert_refused(
        ben.apply_remote(&replaced.changes),
        &Breach::RecordReplaced(rid(5).to_string()),
        "replaced ahead",
    );
    let removed = mallory(&mut ana, |doc, records| {
        doc.delete(records, rid(5).as_str()).unwrap()
    });
    assert!(matches!(
        ben.apply_remote(&removed.changes),
        Err(WorkbookError::Refused(_))
    ));
    ben.apply_remote(&creation).unwrap();
    assert_eq!(ben.record(&rid(5)).unwrap().1.text("title"), "Fire");
}

/// Mallory writes a record under the id of Ana's existing risk, as if she
/// had created one concurrently (from before Ana's), with a later op id so
/// hers is the one shown.
#[test]
#[ignore = "open question: a concurrent creation under an existing id is accepted (import with ids does that honestly) and can hide the record"]
fn a_crafted_concurrent_creation_does_not_hide_an_existing_record() {
    let mut wb = new_workbook();
    let before = wb.heads();
    wb.add_record("risk", &rid(1), &risk("Outage"), &ctx("Ana", 1))
        .unwrap();
    wb.save();
    let (mut doc, _) = mallory_doc(&mut wb);
    let mut fork = doc
        .fork_at(&before)
        .unwrap()
        .with_actor(ActorId::from([0x4d; 16]));
    let name = wb.name();
    for _ in 0..40 {
        fork.put(ROOT, "name", name.as_str()).unwrap();
        fork.put(ROOT, "name", "x").unwrap();
    }
    fork.put(ROOT, "name", name.as_str()).unwrap();
    let records = fork.get(ROOT, "records").unwrap().unwrap().1;
    let r = fork
        .put_object(&records, rid(1).as_str(), ObjType::Map)
        .unwrap();
    fork.put(&r, "register", "risk").unwrap();
    fork.put(&r, "title", "Nothing to see").unwrap();
    commit(&mut fork);
    let heads = doc.get_heads();
    doc.merge(&mut fork).unwrap();
    let changes = doc.save_after(&heads);
    let _ = wb.apply_remote(&changes);
    assert_eq!(wb.record(&rid(1)).unwrap().1.text("title"), "Outage");
}

#[test]
fn a_copy_without_the_record_yet_refuses_its_removal_too() {
    let mut wb = victim();
    let sent = mallory(&mut wb, |doc, records| {
        doc.delete(records, rid(1).as_str()).unwrap()
    });
    let mut other = Workbook::read_file(&sent.file, actor(9)).unwrap();
    let mut fresh = new_workbook();
    // A copy that has none of Ana's records yet refuses it just the same.
    assert_refused(
        fresh.merge(&mut other),
        &Breach::RecordRemoved(rid(1).to_string()),
        "fresh copy",
    );
    let ids: BTreeSet<_> = fresh.record_ids().into_iter().collect();
    assert!(ids.is_empty());
}

/// A change by actor 2 whose actor list names actor 1 altered to one no
/// copy knows, with the checksum made to match.
fn change_naming_an_unknown_actor(wb: &mut Workbook) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let mut ana = wb.fork(actor(2));
    // A change by another copy whose operations refer to actor 1's.
    let mut r = ana.record(&rid(1)).unwrap().1;
    r.set("title", Value::Text("Edited".into()));
    let before = ana.heads();
    ana.update_record(&rid(1), &r, &ctx("Ana", 9)).unwrap();
    let mut bytes = ana.changes_after(&before);
    let change = automerge::Change::from_bytes(bytes.clone()).unwrap();
    assert_eq!(change.other_actor_ids(), [ActorId::from([1; 16])]);
    // Actor 1's id appears once, after the author's: alter its last byte.
    let author = [2u8; 16];
    let other = [1u8; 16];
    let at = bytes
        .windows(16)
        .position(|w| w == other)
        .expect("the other actor is listed");
    assert!(bytes.windows(16).any(|w| w == author));
    bytes[at + 15] ^= 0x40;
    let hash = Sha256::digest(&bytes[8..]);
    bytes[4..8].copy_from_slice(&hash[..4]);
    let altered = automerge::Change::from_bytes(bytes.clone()).unwrap();
    assert_ne!(altered.other_actor_ids(), [ActorId::from(other)]);
    bytes
}

/// Such a change as a live entry or another tab's chunk: refused as
/// damaged, not a panic inside Automerge while it is applied.
#[test]
fn a_change_naming_an_unknown_actor_is_refused_without_panic() {
    let mut wb = victim();
    let bytes = change_naming_an_unknown_actor(&mut wb);
    let before = state(&mut wb);
    let r = wb.apply_remote(&bytes);
    assert!(r.is_err(), "{r:?}");
    let after = state(&mut wb);
    assert_eq!(after.0, before.0);
}

/// The same change inside a workbook file: not read, or refused when
/// merged, never a panic.
#[test]
fn a_file_holding_a_change_that_names_an_unknown_actor_is_refused_without_panic() {
    let mut wb = victim();
    let bytes = change_naming_an_unknown_actor(&mut wb);
    let mut file = wb.to_file();
    file.extend_from_slice(&bytes);
    let before = state(&mut wb);
    if let Ok(mut other) = Workbook::read_file(&file, actor(9)) {
        assert!(wb.merge(&mut other).is_err());
    }
    let after = state(&mut wb);
    assert_eq!(after.0, before.0);
}

/// Mallory numbers a change as Ana's last one (from a copy made before
/// it) and sends it after sixty fair edits of her own. Automerge refuses
/// such a change; as changes are applied a few at a time, it must be
/// refused before any of the fair ones are in.
#[test]
fn a_change_that_takes_another_changes_number_is_refused_whole() {
    let mut wb = victim();
    let (mut doc, records) = mallory_doc(&mut wb);
    let last = doc.get_heads();
    let before_last = doc.get_change_by_hash(&last[0]).unwrap().deps().to_vec();
    let mut doc = doc
        .fork_at(&before_last)
        .unwrap()
        .with_actor(ActorId::from([0x4d; 16]));
    let heads = doc.get_heads();
    let r = record_obj(&doc, &records, 1);
    for i in 0..60 {
        doc.put(&r, "title", format!("A fair edit, number {i}"))
            .unwrap();
        commit(&mut doc);
    }
    // Ana's author id: her last change's number again.
    doc.set_actor(ActorId::from(actor(1).0));
    doc.put(&r, "owner", "Mallory").unwrap();
    commit(&mut doc);
    let sent = Sent {
        file: doc.save(),
        changes: doc.save_after(&heads),
    };
    assert!(sent.changes.len() > 8 * 1024, "more than one batch");
    refused_everywhere(&mut wb, &sent, &Breach::NumberReused, File::Refused);
    assert_eq!(wb.record(&rid(1)).unwrap().1.text("title"), "Outage");
}
