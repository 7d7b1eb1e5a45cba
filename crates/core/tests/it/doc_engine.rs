//! The document engine: a screen that knows the workbook only through the
//! engine's updates shows exactly what a read of the whole document shows,
//! whatever mix of edits, merges and other tabs' chunks arrives.

use crate::common::*;
use crate::index::snapshot;
use crate::merge::{apply, op, Op};
use proptest::prelude::*;
use sms_core::checklist::{ItemState, ItemStatus};
use sms_core::engine::{Answer, Done, Edit, Engine, Query, ToStore, Update};
use sms_core::view::Summary;
use sms_core::{ChangeHash, RecordIndex, Value, Workbook, WorkbookError};

/// What the screen holds: the read model, the summary and the heads it shows.
struct Screen {
    index: RecordIndex,
    summary: Summary,
    heads: Vec<ChangeHash>,
}

impl Screen {
    fn from(update: &Update, id: sms_core::WorkbookId) -> Self {
        let (index, summary) = update.screen(id);
        Screen {
            index,
            summary,
            heads: update.heads.clone(),
        }
    }

    fn take(&mut self, update: &Update) {
        update.apply_to(&mut self.index, &mut self.summary);
        self.heads.clone_from(&update.heads);
    }
}

/// The hashes of every change the engine holds, asked as the page asks.
fn change_set(engine: &mut Engine) -> std::collections::HashSet<ChangeHash> {
    match engine.query(Query::ChangeHashes) {
        Answer::ChangeHashes(h) => h.into_iter().collect(),
        other => panic!("{other:?}"),
    }
}

fn opened(wb: Workbook) -> (Engine, Screen) {
    let id = wb.id().clone();
    let o = Engine::from_workbook(wb, &ctx("Ana", 0));
    let screen = Screen::from(o.update.as_ref().expect("nothing is shown yet"), id);
    (o.engine, screen)
}

/// The edit a person would make for `op`, from what the screen shows.
fn edit_for(screen: &Screen, op: &Op) -> Option<Edit> {
    let shown = |i: u8| screen.index.live_record(&rid(i)).map(|e| e.record.clone());
    let update = |i: u8, f: &dyn Fn(&mut sms_core::Record)| {
        shown(i).map(|mut record| {
            f(&mut record);
            Edit::UpdateRecord {
                id: rid(i),
                record,
                seen: screen.heads.clone(),
            }
        })
    };
    match op {
        Op::Add(i, t) => Some(Edit::AddRecord {
            register: "risk".into(),
            id: rid(*i),
            record: risk(t),
        }),
        Op::SetLikelihood(i, v) => update(*i, &|r| r.set("likelihood", Value::Int(*v))),
        Op::SetOwner(i, o) => update(*i, &|r| r.set("owner", Value::Text(o.clone()))),
        Op::EditDescription(i, at, s) => update(*i, &|r| {
            let mut d = r.text("description").to_owned();
            let at = (*at).min(d.len());
            d.insert_str(at, s);
            r.set("description", Value::Text(d));
        }),
        Op::Delete(i) => Some(Edit::DeleteRecord { id: rid(*i) }),
        Op::Restore(i) => Some(Edit::RestoreRecord { id: rid(*i) }),
    }
}

#[derive(Clone, Debug)]
enum Step {
    /// An edit on the screen's copy, through the engine.
    Here(Op),
    /// An edit on another copy.
    There(Op),
    Checklist(usize, bool),
    Rename(String),
    /// The other copy's changes as a file: previewed, then merged.
    MergeFile,
    /// The other copy's changes as a chunk another tab stored.
    Absorb,
    UndoLast,
    /// A file attached here to record `.0` (or, for 9 and above, to the
    /// first checklist item).
    Attach(u8, u8),
    /// The first file shown on record `.0` removed here.
    Unattach(u8),
    /// A file attached to record `.0` in the other copy.
    AttachThere(u8, u8),
}

fn attachment(n: u8) -> sms_core::attachments::NewAttachment {
    sms_core::attachments::NewAttachment {
        id: sms_core::AttachmentId::from_random([n; 16]),
        hash: sms_core::attachments::FileHash::of(&[n]),
        name: format!("file {n}.pdf"),
        media_type: "application/pdf".into(),
        size: 1,
        effective: None,
        valid_until: None,
    }
}

fn attach_on(i: u8) -> sms_core::attachments::On {
    if i >= 9 {
        sms_core::attachments::On::item("4.1").unwrap()
    } else {
        sms_core::attachments::On::Record(rid(i))
    }
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => op().prop_map(Step::Here),
        3 => op().prop_map(Step::There),
        1 => (0..5usize, any::<bool>()).prop_map(|(i, d)| Step::Checklist(i, d)),
        1 => "[A-Z][a-z]{2,8}".prop_map(Step::Rename),
        1 => Just(Step::MergeFile),
        1 => Just(Step::Absorb),
        1 => Just(Step::UndoLast),
        1 => (0..10u8, any::<u8>()).prop_map(|(i, n)| Step::Attach(i, n)),
        1 => (0..4u8).prop_map(Step::Unattach),
        1 => (0..4u8, any::<u8>()).prop_map(|(i, n)| Step::AttachThere(i, n)),
    ]
}

fn seeded() -> Workbook {
    let mut wb = new_workbook();
    for i in 0..3 {
        wb.add_record(
            "risk",
            &rid(i),
            &risk(&format!("base {i}")),
            &ctx("Ana", i.into()),
        )
        .unwrap();
    }
    wb
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// The screen kept in step by updates equals the whole document read
    /// again, after every step.
    #[test]
    fn updates_keep_the_screen_equal_to_the_document(steps in prop::collection::vec(step(), 1..30)) {
        let mut wb = seeded();
        let mut other = wb.fork(actor(2));
        let (mut engine, mut screen) = opened(wb);
        let items: Vec<&str> = sms_core::catalogue::CLAUSES
            .iter()
            .filter(|c| sms_core::catalogue::is_checklist_item(c))
            .map(|c| c.number)
            .take(5)
            .collect();
        for (n, s) in steps.iter().enumerate() {
            let c = ctx("Ana", 100 + n as i64);
            let edit = match s {
                Step::Here(o) => edit_for(&screen, o),
                Step::There(o) => {
                    apply(&mut other, std::slice::from_ref(o), "Ben");
                    None
                }
                Step::Checklist(i, done) => Some(Edit::SetChecklistItem {
                    number: items[*i].into(),
                    state: ItemState {
                        status: if *done { ItemStatus::Implemented } else { ItemStatus::InProgress },
                        owner: "Ana".into(),
                        evidence: screen.index.live("risk").map(|e| e.id.clone()).take(1).collect(),
                        ..ItemState::default()
                    },
                    seen: screen.heads.clone(),
                }),
                Step::Rename(name) => Some(Edit::Rename { name: name.clone(), seen: screen.heads.clone() }),
                Step::MergeFile => {
                    let have = change_set(&mut engine);
                    let changes = other.changes_not_in(&have);
                    match engine.query(Query::Preview { changes }) {
                        Answer::Preview(Ok(_)) => Some(Edit::MergePreviewed),
                        other => panic!("{other:?}"),
                    }
                }
                Step::Absorb => Some(Edit::Absorb { bytes: other.save() }),
                Step::UndoLast => engine
                    .workbook()
                    .undoable()
                    .map(|e| Edit::Undo { hash: e.hash }),
                // Refused (a record not there, deleted, an id used twice)
                // or not: the screen must follow either way.
                Step::Attach(i, f) => Some(Edit::Attach { on: attach_on(*i), attachment: attachment(*f) }),
                Step::Unattach(i) => screen
                    .index
                    .live_record(&rid(*i))
                    .and_then(|e| e.attachments.first().map(|a| a.id.clone()))
                    .map(|id| Edit::RemoveAttachment { on: attach_on(*i), id }),
                Step::AttachThere(i, f) => {
                    let _ = other.attach(&attach_on(*i), &attachment(f.wrapping_add(128)), &ctx("Ben", n as i64));
                    None
                }
            };
            if let Some(edit) = edit {
                let (_, update) = engine.edit(edit, &c);
                prop_assert!(!update.everything);
                screen.take(&update);
            }
            let Answer::Heads(heads) = engine.query(Query::Heads) else { unreachable!() };
            prop_assert_eq!(&screen.heads, &heads);
            let fresh = RecordIndex::build(engine.workbook());
            prop_assert_eq!(snapshot(&screen.index), snapshot(&fresh));
            prop_assert_eq!(&screen.summary, &Summary::of(engine.workbook()));
        }
    }
}

#[test]
fn opening_says_whether_the_shown_state_is_the_documents() {
    let mut wb = seeded();
    let heads = wb.heads();
    let bytes = wb.save();
    let c = ctx("Ana", 9);
    let same = Engine::open([bytes.as_slice()], actor(3), &c, Some(&heads)).unwrap();
    assert!(same.update.is_none(), "the view shows the document");
    assert!(!same.upgraded);
    let stale = Engine::open([bytes.as_slice()], actor(3), &c, Some(&[])).unwrap();
    let u = stale.update.expect("read again");
    assert!(u.everything);
    assert_eq!(u.records.len(), 3);
    assert_eq!(u.heads, heads);
    let Err(_) = Engine::open([&b"not a workbook"[..]], actor(3), &c, None) else {
        panic!("garbage opened");
    };
}

#[test]
fn saving_hands_out_each_change_once_and_a_snapshot_on_request() {
    let (mut engine, _) = opened(seeded());
    // Everything made before opening is unsaved until the first write.
    let Some((ToStore::Chunk(first), _)) = engine.take_save(false) else {
        panic!("no chunk");
    };
    assert!(!first.is_empty());
    assert!(engine.take_save(false).is_none(), "nothing new");
    let (r, u) = engine.edit(
        Edit::AddRecord {
            register: "risk".into(),
            id: rid(7),
            record: risk("Flood"),
        },
        &ctx("Ana", 20),
    );
    assert_eq!(r.unwrap(), Done::Changed(true));
    assert_eq!(u.records.len(), 1);
    let Some((ToStore::Chunk(next), heads)) = engine.take_save(false) else {
        panic!("no chunk");
    };
    let Some((ToStore::Snapshot(all), _)) = engine.take_save(true) else {
        panic!("no snapshot");
    };
    // The chunks together and the snapshot hold the same workbook.
    let c = ctx("Ana", 30);
    let mut from_chunks = Engine::open(
        [first.as_slice(), next.as_slice()],
        actor(4),
        &c,
        Some(&heads),
    )
    .unwrap();
    assert!(from_chunks.update.is_none());
    let mut from_snapshot = Engine::open([all.as_slice()], actor(5), &c, Some(&heads)).unwrap();
    assert!(from_snapshot.update.is_none());
    assert_eq!(
        risks(from_chunks.engine.workbook()),
        risks(from_snapshot.engine.workbook())
    );
}

#[test]
fn only_what_was_previewed_is_merged_and_a_bad_file_changes_nothing() {
    let wb = seeded();
    let (mut engine, mut screen) = opened(wb);
    let (r, _) = engine.edit(Edit::MergePreviewed, &ctx("Ana", 1));
    assert!(matches!(r, Err(WorkbookError::Document(_))), "{r:?}");

    let Answer::Preview(Err(_)) = engine.query(Query::Preview {
        changes: b"\x85\x6f\x4a\x83 not changes".to_vec(),
    }) else {
        panic!("garbage previewed");
    };
    let (r, u) = engine.edit(Edit::MergePreviewed, &ctx("Ana", 2));
    assert!(r.is_err(), "a refused preview leaves nothing to merge");
    assert!(u.is_empty());

    // Another workbook's changes: its creation writes the identity keys,
    // which no change from elsewhere may touch; the preview refuses it.
    let mut other = Workbook::create(
        sms_core::WorkbookId::from_random([0xcd; 16]),
        "Another workbook",
        actor(7),
        &ctx("Ben", 0),
    )
    .unwrap();
    other
        .add_record("risk", &rid(9), &risk("Elsewhere"), &ctx("Ben", 3))
        .unwrap();
    let have = change_set(&mut engine);
    let Answer::Preview(r) = engine.query(Query::Preview {
        changes: other.changes_not_in(&have),
    }) else {
        unreachable!()
    };
    assert!(r.is_err(), "another workbook's changes are refused");

    // A real file: previewed, dropped, not merged; previewed again, merged.
    let mut same = engine.workbook().fork(actor(6));
    same.add_record("risk", &rid(8), &risk("From Ben"), &ctx("Ben", 4))
        .unwrap();
    let have = change_set(&mut engine);
    let changes = same.changes_not_in(&have);
    let Answer::Preview(Ok(p)) = engine.query(Query::Preview {
        changes: changes.clone(),
    }) else {
        panic!("not previewed");
    };
    assert_eq!(p.records.len(), 1);
    engine.query(Query::DropPreview);
    assert!(engine.edit(Edit::MergePreviewed, &ctx("Ana", 5)).0.is_err());
    engine.query(Query::Preview { changes });
    let (r, u) = engine.edit(Edit::MergePreviewed, &ctx("Ana", 6));
    assert_eq!(r.unwrap(), Done::Merged(1));
    screen.take(&u);
    assert_eq!(
        screen
            .index
            .live_record(&rid(8))
            .map(|e| e.title().to_owned()),
        Some("From Ben".to_owned())
    );
}

#[test]
fn an_import_is_one_change_and_nothing_else_reaches_the_workbook_meanwhile() {
    let (mut engine, mut screen) = opened(seeded());
    let _ = engine.take_save(false);
    let records: Vec<_> = (10..60)
        .map(|i| (rid(i), risk(&format!("Imported {i}"))))
        .collect();
    let c = ctx("Ana", 40);
    let (r, u) = engine.edit(
        Edit::BeginImport {
            register: "risk".into(),
            records,
            source: "risks.csv".into(),
        },
        &c,
    );
    assert_eq!(
        r.unwrap(),
        Done::Import {
            written: 0,
            total: 50
        }
    );
    assert!(u.is_empty());
    let mut written = 0;
    while written < 50 {
        let (r, u) = engine.edit(Edit::ImportStep { n: 20 }, &c);
        let Done::Import {
            written: w,
            total: 50,
        } = r.unwrap()
        else {
            panic!("no progress");
        };
        assert!(u.is_empty(), "records show once committed");
        written = w;
        // Meanwhile: no other edit, no question, nothing to save.
        let (r, _) = engine.edit(Edit::DeleteRecord { id: rid(0) }, &c);
        assert!(r.is_err());
        assert!(matches!(engine.query(Query::Heads), Answer::Nothing));
        assert!(engine.take_save(false).is_none());
    }
    let (r, u) = engine.edit(Edit::FinishImport, &c);
    assert_eq!(r.unwrap(), Done::Imported(50));
    assert_eq!(u.records.len(), 50);
    let parts = u.clone().split(20);
    assert_eq!(
        parts.iter().map(|p| p.records.len()).collect::<Vec<_>>(),
        [20, 20, 10]
    );
    for p in &parts {
        assert_eq!(p.heads, u.heads);
        screen.take(p);
    }
    assert_eq!(
        snapshot(&screen.index),
        snapshot(&RecordIndex::build(engine.workbook()))
    );
    let Answer::History(h) = engine.query(Query::History) else {
        panic!("no history");
    };
    assert_eq!(
        h.iter()
            .filter(|e| e.meta.summary.starts_with("Imported 50"))
            .count(),
        1,
        "one change"
    );
    assert!(matches!(
        engine.take_save(false),
        Some((ToStore::Chunk(_), _))
    ));
    let (r, _) = engine.edit(Edit::FinishImport, &c);
    assert!(r.is_err(), "no import is running");
}

mod live {
    use super::*;
    use sms_core::crypto::{RoomId, RoomKey};
    use sms_core::engine::codec::{decode_live_entry, encode_live_entry};
    use sms_core::engine::{LiveCommand, LiveReply};
    use sms_core::sync::{Received, SyncError};

    fn start(key: u8) -> LiveCommand {
        LiveCommand::Start {
            room: RoomId([3; 16]),
            key: RoomKey::from_bytes([key; 32]),
            seq: 0,
            snapshot_upto: 0,
            in_room: Vec::new(),
            set_aside: Vec::new(),
        }
    }

    fn nonces() -> impl FnMut() -> [u8; 12] {
        let mut n = 0u64;
        move || {
            n += 1;
            let mut b = [0u8; 12];
            b[..8].copy_from_slice(&n.to_be_bytes());
            b
        }
    }

    /// Every command and reply reads back as it was.
    fn through_bytes(cmd: LiveCommand) -> LiveCommand {
        let back = LiveCommand::decode(&cmd.encode()).unwrap();
        assert_eq!(format!("{cmd:?}"), format!("{back:?}"));
        back
    }

    fn reply(r: LiveReply) -> LiveReply {
        let back = LiveReply::decode(&r.encode()).unwrap();
        assert_eq!(format!("{r:?}"), format!("{back:?}"));
        back
    }

    #[test]
    fn two_engines_share_a_room_and_each_screen_follows_its_document() {
        let mut wb = seeded();
        let other = wb.fork(actor(2));
        let (mut ana, _) = opened(wb);
        let (mut ben, mut ben_screen) = opened(other);
        let mut log: Vec<Vec<u8>> = Vec::new();
        for e in [&mut ana, &mut ben] {
            let r = reply(e.live(through_bytes(start(4)), nonces()));
            assert_eq!(r.state.unwrap().seq, 0);
        }
        let (r, _) = ana.edit(
            Edit::AddRecord {
                register: "risk".into(),
                id: rid(30),
                record: risk("Shared"),
            },
            &ctx("Ana", 70),
        );
        r.unwrap();
        // Ana pushes; the relay stores and acknowledges.
        let out = reply(ana.live(
            through_bytes(LiveCommand::Outgoing {
                max_bytes: 64 * 1024,
            }),
            nonces(),
        ))
        .out;
        assert!(!out.is_empty());
        for o in out {
            log.push(o.blob.clone());
            let seq = log.len() as u64;
            let r = reply(ana.live(
                through_bytes(LiveCommand::Acked {
                    heads: o.heads,
                    seq: Some(seq),
                }),
                nonces(),
            ));
            assert_eq!(r.state.unwrap().seq, seq);
        }
        // Nothing new: nothing sent.
        assert!(ana
            .live(
                LiveCommand::Outgoing {
                    max_bytes: 64 * 1024
                },
                nonces()
            )
            .out
            .is_empty());
        // Ben takes every entry; his screen shows the new record.
        for (i, blob) in log.iter().enumerate() {
            let entry = ben.live_entry(i as u64 + 1, blob);
            let (outcome, update, state) = decode_live_entry(&encode_live_entry(&entry)).unwrap();
            assert_eq!(format!("{:?}", entry.0), format!("{outcome:?}"));
            assert!(matches!(outcome, Ok(Received::Applied)), "{outcome:?}");
            assert_eq!(state.unwrap().seq, i as u64 + 1);
            ben_screen.take(&update);
        }
        assert_eq!(
            ben_screen
                .index
                .live_record(&rid(30))
                .map(|e| e.title().to_owned()),
            Some("Shared".to_owned())
        );
        assert_eq!(
            snapshot(&ben_screen.index),
            snapshot(&RecordIndex::build(ben.workbook()))
        );
    }

    #[test]
    fn an_entry_sealed_with_another_key_changes_nothing_and_is_asked_for_again() {
        let mut wb = seeded();
        let other = wb.fork(actor(2));
        let (mut ana, _) = opened(wb);
        let (mut eve, _) = opened(other);
        ana.live(start(4), nonces());
        eve.live(start(9), nonces());
        eve.edit(Edit::DeleteRecord { id: rid(0) }, &ctx("Eve", 71))
            .0
            .unwrap();
        let out = eve
            .live(
                LiveCommand::Outgoing {
                    max_bytes: 64 * 1024,
                },
                nonces(),
            )
            .out;
        let (outcome, update, state) = ana.live_entry(1, &out[0].blob);
        assert!(matches!(outcome, Err(SyncError::Crypto(_))), "{outcome:?}");
        assert!(update.is_empty());
        let state = state.unwrap();
        assert!(state.unsettled && state.seq == 0 && state.retry_in == Some(2));
        assert!(ana.workbook().record(&rid(0)).is_some(), "nothing applied");
        // Without a room nothing is applied either, in words.
        let (outcome, _, state) = {
            ana.live(LiveCommand::Stop, nonces());
            ana.live_entry(2, &out[0].blob)
        };
        assert!(outcome.is_err() && state.is_none());
    }
}

mod host {
    use super::*;
    use sms_core::engine::host::{
        decode_copy, decode_edit_answer, decode_entry_answer, decode_more, decode_opened,
        decode_room, encode_create, encode_entry, encode_into, encode_open, encode_room, Host,
        SCREEN_SLICE,
    };

    fn nonce() -> [u8; 12] {
        [7; 12]
    }

    #[test]
    fn a_host_answers_byte_messages_as_the_engine_would() {
        let mut wb = seeded();
        let heads = wb.heads();
        let chunks = vec![wb.save()];
        let mut host = Host::new();
        // Nothing open yet: said in words.
        let e = host
            .handle("query", &Query::Heads.encode(), &[], nonce)
            .unwrap_err();
        assert!(e.contains("no workbook"), "{e}");
        // Opened with the heads the screen shows: nothing to read again.
        let c = ctx("Ana", 5);
        let out = host
            .handle(
                "open",
                &encode_open(actor(9), &c, Some(&heads)),
                &chunks,
                nonce,
            )
            .unwrap();
        let o = decode_opened(&out).unwrap();
        assert_eq!(&o.id, wb.id());
        assert!(!o.upgraded && o.update.is_none() && o.more == 0);
        // An edit, its update, then the chunk to store.
        let edit = Edit::AddRecord {
            register: "risk".into(),
            id: rid(50),
            record: risk("Through the host"),
        };
        let out = host.handle("edit", &edit.encode(&c), &[], nonce).unwrap();
        let (more, (r, u)) = decode_edit_answer(&out).unwrap();
        assert_eq!(more, 0);
        assert_eq!(r.unwrap(), Done::Changed(true));
        assert_eq!(u.records.len(), 1);
        let out = host.handle("save", &[0], &[], nonce).unwrap();
        assert!(matches!(
            ToStore::decode(&out).unwrap(),
            Some((ToStore::Chunk(_), _))
        ));
        // An entry when no room is joined: refused in the answer's words.
        let out = host
            .handle("entry", &encode_entry(1, b"blob"), &[], nonce)
            .unwrap();
        let (_, (outcome, _, state)) = decode_entry_answer(&out).unwrap();
        assert!(outcome.is_err() && state.is_none());
        // Damaged requests and unknown operations are refused in words.
        assert!(host
            .handle("edit", b"\xff\xff", &[], nonce)
            .unwrap_err()
            .contains("request"));
        assert!(host
            .handle("fly", &[], &[], nonce)
            .unwrap_err()
            .contains("unknown"));
        assert!(host.handle("open", &[1, 2, 3], &chunks, nonce).is_err());
        assert!(host
            .handle(
                "open",
                &encode_open(actor(9), &c, None),
                &[b"garbage".to_vec()],
                nonce
            )
            .is_err());
        // A new workbook: created, with everything for the screen.
        let id = sms_core::WorkbookId::from_random([0x42; 16]);
        let out = host
            .handle(
                "create",
                &encode_create(&id, "Fresh", actor(3), &c),
                &[],
                nonce,
            )
            .unwrap();
        let o = decode_opened(&out).unwrap();
        assert_eq!(o.id, id);
        assert_eq!(o.update.unwrap().name.as_deref(), Some("Fresh"));
    }

    #[test]
    fn blank_and_into_leave_the_open_workbook_alone() {
        let mut wb = seeded();
        let heads = wb.heads();
        let chunks = vec![wb.save()];
        let mut host = Host::new();
        let c = ctx("Ana", 5);
        host.handle(
            "open",
            &encode_open(actor(9), &c, Some(&heads)),
            &chunks,
            nonce,
        )
        .unwrap();
        // A blank workbook comes back as a snapshot to store.
        let id = sms_core::WorkbookId::from_random([0x43; 16]);
        let snap = host
            .handle(
                "blank",
                &encode_create(&id, "Another", actor(3), &c),
                &[],
                nonce,
            )
            .unwrap();
        let blank = Workbook::load([snap.as_slice()], actor(4)).unwrap();
        assert_eq!(blank.id(), &id);
        assert_eq!(blank.name(), "Another");
        // Another workbook's file, with no copy here: kept whole.
        let mut other = seeded();
        other
            .add_record("risk", &rid(77), &risk("Theirs"), &ctx("Bo", 6))
            .unwrap();
        let file = other.save();
        let out = host
            .handle(
                "into",
                &encode_into(&file, true, actor(5), None),
                &[],
                nonce,
            )
            .unwrap();
        let copy = decode_copy(&out).unwrap();
        assert_eq!(&copy.id, other.id());
        assert!(copy.preview.is_none());
        // With this browser's (older) copy: merged, and the preview says so.
        let out = host
            .handle(
                "into",
                &encode_into(&file, true, actor(5), None),
                &chunks,
                nonce,
            )
            .unwrap();
        let copy = decode_copy(&out).unwrap();
        let preview = copy.preview.expect("a preview");
        assert!(preview.records.contains(&rid(77)), "{preview:?}");
        // Kept apart: under the new id, merged with nothing.
        let apart = sms_core::WorkbookId::from_random([0x55; 16]);
        let out = host
            .handle(
                "into",
                &encode_into(&file, true, actor(5), Some((&apart, &ctx("Ana", 7)))),
                &[],
                nonce,
            )
            .unwrap();
        let copy = decode_copy(&out).unwrap();
        assert_eq!(copy.id, apart);
        assert!(copy.preview.is_none());
        assert!(copy.name.ends_with("(separate copy)"), "{}", copy.name);
        assert_eq!(
            Workbook::load([copy.snapshot.as_slice()], actor(6))
                .unwrap()
                .id(),
            &apart
        );
        // The open workbook is untouched by either.
        let out = host
            .handle("query", &Query::Heads.encode(), &[], nonce)
            .unwrap();
        assert!(matches!(Answer::decode(&out).unwrap(), Answer::Heads(h) if h == heads));
        // A damaged request is refused in words.
        assert!(host.handle("into", &[1], &[], nonce).is_err());
        // A room read once: an empty one is said to be empty; a damaged
        // link or blob is refused in words.
        let room = sms_core::crypto::RoomId([3; 16]).to_hex();
        let key = sms_core::crypto::RoomKey::from_bytes([4; 32]).to_base64url();
        let out = host
            .handle("room", &encode_room(&room, &key), &[], nonce)
            .unwrap();
        assert_eq!(decode_room(&out).unwrap(), None);
        let e = host
            .handle("room", &encode_room("not a room", &key), &[], nonce)
            .unwrap_err();
        assert!(e.contains("damaged"), "{e}");
        let e = host
            .handle(
                "room",
                &encode_room(&room, &key),
                &[b"junk".to_vec()],
                nonce,
            )
            .unwrap_err();
        assert!(e.contains("none of the 1 messages"), "{e}");
    }

    #[test]
    fn a_large_read_model_comes_in_slices_and_edits_meanwhile_are_not_undone_by_them() {
        let mut wb = new_workbook();
        let c = ctx("Ana", 1);
        let n = 2 * SCREEN_SLICE + 300;
        let ids: Vec<sms_core::RecordId> = (0..n)
            .map(|i| {
                let mut b = [0u8; 16];
                b[..8].copy_from_slice(&(i as u64).to_be_bytes());
                sms_core::RecordId::from_random(b)
            })
            .collect();
        for (i, id) in ids.iter().enumerate() {
            wb.add_record("risk", id, &risk(&format!("Risk {i}")), &c)
                .unwrap();
        }
        let chunks = vec![wb.save()];
        let mut host = Host::new();
        let out = host
            .handle("open", &encode_open(actor(9), &c, None), &chunks, nonce)
            .unwrap();
        let o = decode_opened(&out).unwrap();
        let first = o.update.expect("everything, in slices");
        assert!(first.everything);
        assert_eq!(first.records.len(), SCREEN_SLICE);
        assert_eq!(o.more, 2);
        let mut screen = Screen::from(&first, o.id);
        // Meanwhile a record the last slice holds is edited: its answer
        // comes first, and the slice must not take it back.
        let last = ids
            .iter()
            .find(|id| !first.records.iter().any(|(r, _)| r == *id))
            .unwrap()
            .clone();
        let mut record = screen_record(&wb, &last);
        record.set(
            "title",
            Value::Text("Edited while the screen filled".into()),
        );
        let edit = Edit::UpdateRecord {
            id: last.clone(),
            record,
            seen: wb.heads(),
        };
        let out = host.handle("edit", &edit.encode(&c), &[], nonce).unwrap();
        let (more, (r, u)) = decode_edit_answer(&out).unwrap();
        r.unwrap();
        assert_eq!(more, o.more, "a small update comes whole");
        screen.take(&u);
        let mut left = o.more;
        while left > 0 {
            let out = host.handle("more", &[], &[], nonce).unwrap();
            let (l, slice) = decode_more(&out).unwrap();
            let slice = slice.expect("a slice");
            assert!(!slice.everything);
            assert!(slice.records.iter().all(|(id, _)| id != &last));
            screen.take(&slice);
            left = l;
        }
        let (_, none) = decode_more(&host.handle("more", &[], &[], nonce).unwrap()).unwrap();
        assert!(none.is_none(), "nothing more");
        let title = screen
            .index
            .live_record(&last)
            .and_then(|e| e.record.get("title").cloned());
        assert_eq!(
            title,
            Some(Value::Text("Edited while the screen filled".into()))
        );
        assert_eq!(screen.index.live("risk").count(), n);

        // An edit that touches more than a slice (an import) is answered
        // with its first slice; `more` gives the rest.
        let extra = SCREEN_SLICE + 200;
        let records: Vec<_> = (0..extra)
            .map(|i| {
                let mut b = [0xee; 16];
                b[..8].copy_from_slice(&(i as u64).to_be_bytes());
                (
                    sms_core::RecordId::from_random(b),
                    risk(&format!("Imported {i}")),
                )
            })
            .collect();
        let ask = |host: &mut Host, e: Edit| {
            decode_edit_answer(&host.handle("edit", &e.encode(&c), &[], nonce).unwrap()).unwrap()
        };
        let (_, (r, _)) = ask(
            &mut host,
            Edit::BeginImport {
                register: "risk".into(),
                records,
                source: "test".into(),
            },
        );
        r.unwrap();
        loop {
            let (_, (r, _)) = ask(&mut host, Edit::ImportStep { n: 500 });
            if let Done::Import { written, total } = r.unwrap() {
                if written == total {
                    break;
                }
            }
        }
        let (more, (r, u)) = ask(&mut host, Edit::FinishImport);
        assert_eq!(r.unwrap(), Done::Imported(extra));
        assert_eq!((more, u.records.len()), (1, SCREEN_SLICE));
        screen.take(&u);
        let (left, rest) = decode_more(&host.handle("more", &[], &[], nonce).unwrap()).unwrap();
        assert_eq!(left, 0);
        screen.take(&rest.unwrap());
        assert_eq!(screen.index.live("risk").count(), n + extra);
    }

    fn screen_record(wb: &Workbook, id: &sms_core::RecordId) -> sms_core::Record {
        wb.record(id).expect("the record").1
    }
}
