//! The engine's messages as bytes: everything a page and a worker exchange
//! reads back as it was written, and damaged or hostile bytes are refused
//! in words without a panic.

use crate::common::*;
use crate::merge::{op, Op};
use chrono::NaiveDate;
use proptest::prelude::*;
use sms_core::attachments::{FileHash, NewAttachment, On};
use sms_core::checklist::{ItemState, ItemStatus};
use sms_core::engine::codec::{decode_edited, encode_edited};
use sms_core::engine::{Answer, Edit, Engine, Query, ToStore};
use sms_core::{AttachmentId, Value};

/// A workbook with history of every kind: records added, edited, deleted
/// and restored, checklist items, a rename, a conflict and an undo.
fn busy_engine(ops: &[Op]) -> Engine {
    let mut wb = new_workbook();
    for i in 0..3 {
        wb.add_record(
            "risk",
            &rid(i),
            &risk(&format!("Risk {i}")),
            &ctx("Ana", i.into()),
        )
        .unwrap();
    }
    let mut other = wb.fork(actor(2));
    crate::merge::apply(&mut wb, ops, "Ana");
    let mut r = risk("Risk 0");
    r.set("owner", Value::Text("Ben".into()));
    other.update_record(&rid(0), &r, &ctx("Ben", 50)).unwrap();
    let mut r = risk("Risk 0");
    r.set("owner", Value::Text("Cleo".into()));
    if wb.record(&rid(0)).is_some() {
        wb.update_record(&rid(0), &r, &ctx("Ana", 51)).unwrap();
    }
    wb.merge(&mut other).unwrap();
    wb.add_record("risk", &rid(20), &risk("Evidence"), &ctx("Ana", 59))
        .unwrap();
    wb.set_checklist_item(
        "6.1",
        &ItemState {
            status: ItemStatus::Implemented,
            owner: "Ana".into(),
            notes: "Reviewed *monthly*".into(),
            evidence: vec![rid(20)],
            ..ItemState::default()
        },
        &ctx("Ana", 60),
    )
    .unwrap();
    wb.rename("Renamed — ünïcode", &ctx("Ana", 61)).unwrap();
    Engine::from_workbook(wb, &ctx("Ana", 62)).engine
}

fn same_answer(a: &Answer, b: &Answer) -> bool {
    format!("{a:?}") == format!("{b:?}")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Every answer the engine gives about a workbook with any history
    /// reads back the same.
    #[test]
    fn answers_read_back_as_they_were(ops in prop::collection::vec(op(), 0..12)) {
        let mut engine = busy_engine(&ops);
        let hash = match engine.query(Query::History) {
            Answer::History(h) => h.last().map(|e| e.hash),
            _ => None,
        };
        let mut queries = vec![
            Query::Heads,
            Query::History,
            Query::Undoable,
            Query::ChangeHashes,
            Query::File,
            Query::FieldVersions { id: rid(0), key: "owner".into() },
            Query::ChecklistVersions { number: "6.1".into(), field: "owner".into() },
        ];
        for i in 0..6 {
            queries.push(Query::RecordHistory { id: rid(i) });
        }
        if let Some(hash) = hash {
            queries.push(Query::Entry { hash });
            queries.push(Query::RecordAt { id: rid(0), hash });
        }
        for q in queries {
            let back = Query::decode(&q.encode()).unwrap();
            prop_assert_eq!(format!("{q:?}"), format!("{back:?}"));
            let a = engine.query(q);
            let bytes = a.encode();
            let back = Answer::decode(&bytes).unwrap();
            prop_assert!(same_answer(&a, &back), "{a:?}\n{back:?}");
        }
    }

    /// Every edit, its outcome and its update read back as they were.
    #[test]
    fn edits_and_their_updates_read_back_as_they_were(ops in prop::collection::vec(op(), 0..8), name in "\\PC{0,12}") {
        let mut engine = busy_engine(&ops);
        let heads = match engine.query(Query::Heads) { Answer::Heads(h) => h, _ => unreachable!() };
        let mut desc = risk("Described");
        desc.set("description", Value::Text(name.clone()));
        let edits = vec![
            Edit::AddRecord { register: "risk".into(), id: rid(40), record: desc.clone() },
            Edit::UpdateRecord { id: rid(1), record: desc, seen: heads.clone() },
            Edit::DeleteRecord { id: rid(2) },
            Edit::RestoreRecord { id: rid(2) },
            Edit::SetChecklistItem {
                number: "8.2".into(),
                state: ItemState { status: ItemStatus::NotApplicable, ..ItemState::default() },
                seen: heads.clone(),
            },
            Edit::ResolveField { id: rid(0), key: "owner".into(), value: Some(Value::Text("Ben".into())), seen: heads.clone() },
            Edit::ResolveChecklistField { number: "6.1".into(), field: "owner".into(), value: "Ana".into(), seen: heads.clone() },
            Edit::Rename { name: name.clone(), seen: heads.clone() },
            Edit::Undo { hash: heads.first().copied().unwrap() },
            Edit::Attach {
                on: On::Record(rid(1)),
                attachment: NewAttachment {
                    id: AttachmentId::from_random([7; 16]),
                    hash: FileHash::of(name.as_bytes()),
                    name: format!("{name}.pdf"),
                    media_type: "application/pdf".into(),
                    size: name.len() as u64,
                    effective: NaiveDate::from_ymd_opt(2026, 3, 1),
                    valid_until: None,
                },
            },
            Edit::DateAttachment {
                on: On::Record(rid(1)),
                id: AttachmentId::from_random([7; 16]),
                effective: None,
                valid_until: NaiveDate::from_ymd_opt(2027, 3, 1),
                seen: (NaiveDate::from_ymd_opt(2026, 3, 1), None),
            },
            Edit::RemoveAttachment { on: On::item("6.1").unwrap(), id: AttachmentId::from_random([8; 16]) },
            Edit::MergePreviewed,
            Edit::Absorb { bytes: vec![1, 2, 3] },
            Edit::BeginImport { register: "risk".into(), records: vec![(rid(41), risk("x"))], source: name.clone() },
            Edit::ImportStep { n: 25 },
            Edit::FinishImport,
        ];
        for (n, e) in edits.into_iter().enumerate() {
            let c = ctx(&name, 100 + n as i64);
            let (back, back_ctx) = Edit::decode(&e.encode(&c)).unwrap();
            prop_assert_eq!(format!("{e:?}"), format!("{back:?}"));
            prop_assert_eq!(&back_ctx, &c);
            let (r, u) = engine.edit(e, &c);
            let (r2, u2) = decode_edited(&encode_edited(&r, &u)).unwrap();
            prop_assert_eq!(format!("{r:?}"), format!("{r2:?}"));
            prop_assert_eq!(format!("{u:?}"), format!("{u2:?}"));
        }
        let saved = engine.take_save(false);
        let back = ToStore::decode(&ToStore::encode(&saved)).unwrap();
        prop_assert_eq!(saved, back);
    }

    /// Bytes cut short or damaged anywhere are refused or read as some
    /// other well-formed message, never a panic.
    #[test]
    fn damaged_messages_never_panic(cut in 0usize..400, flip in 0usize..400, bit in 0u8..8) {
        let mut engine = busy_engine(&[]);
        // Each message with whether its own reader takes a copy of it.
        type Reads = fn(&[u8]) -> bool;
        let msgs: Vec<(Vec<u8>, Reads)> = vec![
            (engine.query(Query::History).encode(), |b| Answer::decode(b).is_ok()),
            (engine.query(Query::RecordHistory { id: rid(0) }).encode(), |b| Answer::decode(b).is_ok()),
            (
                Edit::BeginImport { register: "risk".into(), records: vec![(rid(41), risk("x"))], source: "f".into() }
                    .encode(&ctx("Ana", 1)),
                |b| Edit::decode(b).is_ok(),
            ),
            (
                {
                    let (r, u) = engine.edit(Edit::DeleteRecord { id: rid(1) }, &ctx("Ana", 2));
                    encode_edited(&r, &u)
                },
                |b| decode_edited(b).is_ok(),
            ),
        ];
        for (m, reads) in msgs {
            prop_assert!(reads(&m));
            let mut cut_m = m.clone();
            cut_m.truncate(cut.min(m.len() - 1));
            // A message cut short is never taken for a whole one.
            prop_assert!(!reads(&cut_m), "{} of {} bytes read", cut_m.len(), m.len());
            let mut flipped = m.clone();
            let at = flip % flipped.len();
            flipped[at] ^= 1 << bit;
            for b in [&cut_m, &flipped] {
                let _ = Answer::decode(b);
                let _ = Edit::decode(b);
                let _ = Query::decode(b);
                let _ = decode_edited(b);
                let _ = ToStore::decode(b);
            }
        }
    }
}

#[test]
fn hostile_counts_and_unknown_names_are_refused_in_words() {
    // A count of a billion history entries in five bytes.
    let e = Answer::decode(&[1, 0x80, 0x94, 0xeb, 0xdc, 0x03]).unwrap_err();
    assert!(e.to_string().contains("count"), "{e}");
    // A record value under a key no register declares.
    let mut r = risk("x");
    r.set("title", Value::Text("t".into()));
    let mut bytes = Edit::AddRecord {
        register: "risk".into(),
        id: rid(1),
        record: r,
    }
    .encode(&ctx("Ana", 1));
    let at = bytes.windows(5).position(|w| w == b"title").unwrap();
    bytes[at..at + 5].copy_from_slice(b"tXtle");
    let e = Edit::decode(&bytes).unwrap_err();
    assert!(e.to_string().contains("key"), "{e}");
    // Trailing bytes after a whole message.
    let mut q = Query::Heads.encode();
    q.push(0);
    assert!(Query::decode(&q).is_err());
    assert!(Query::decode(&[]).is_err());
    assert!(Answer::decode(&[200]).is_err());
}
