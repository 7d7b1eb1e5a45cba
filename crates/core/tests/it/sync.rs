//! Live sync through a relay, with the relay played by a log in memory:
//! copies converge whatever the delivery order, repeats and reconnects,
//! and nothing that fails to open is applied; an entry that fails is asked
//! for again, and one the checks refuse is skipped and reported once.

use crate::common::*;
use proptest::prelude::*;
use sms_core::crypto::{RoomId, RoomKey};
use sms_core::sync::{Envelope, LiveSync, Received, SyncError};
use sms_core::{ChangeHash, RecordId, Workbook, WorkbookError};

fn room() -> (RoomId, RoomKey) {
    (RoomId([3; 16]), RoomKey::from_bytes([4; 32]))
}

fn nonce(n: u64) -> [u8; 12] {
    let mut b = [0u8; 12];
    b[..8].copy_from_slice(&n.to_be_bytes());
    b
}

/// The relay's log: (seq, blob).
#[derive(Default)]
struct Log(Vec<Vec<u8>>);

impl Log {
    fn push(&mut self, blob: Vec<u8>) -> u64 {
        self.0.push(blob);
        self.0.len() as u64
    }
}

/// Pushes what `wb` has not sent and acknowledges it.
fn push(sync: &mut LiveSync, wb: &mut Workbook, log: &mut Log, n: &mut u64) {
    *n += 1;
    if let Some(out) = sync.outgoing(wb, nonce(*n)) {
        let seq = log.push(out.blob);
        sync.acked(wb, &out.heads, Some(seq));
    }
}

/// Delivers every entry after the copy's `seq`.
fn pull(sync: &mut LiveSync, wb: &mut Workbook, log: &Log) {
    for (i, blob) in log.0.iter().enumerate().skip(sync.seq as usize) {
        sync.incoming(wb, i as u64 + 1, blob).unwrap();
    }
}

#[test]
fn two_copies_converge_through_the_room_and_send_only_what_is_new() {
    let (id, key) = room();
    let mut ana = new_workbook();
    let mut ben = ana.fork(actor(2));
    let (mut sa, mut sb) = (LiveSync::new(id, key.clone()), LiveSync::new(id, key));
    let (mut log, mut n) = (Log::default(), 0);

    push(&mut sa, &mut ana, &mut log, &mut n);
    assert_eq!(log.0.len(), 1, "the whole document, once");
    push(&mut sa, &mut ana, &mut log, &mut n);
    assert_eq!(log.0.len(), 1, "nothing new: nothing sent");
    ana.add_record("risk", &rid(1), &risk("Outage"), &ctx("Ana", 1))
        .unwrap();
    push(&mut sa, &mut ana, &mut log, &mut n);
    pull(&mut sb, &mut ben, &log);
    assert_eq!(ben.records("risk").len(), 1);
    assert!(!sb.pending(&mut ben), "what Ben received is in the room");
    push(&mut sb, &mut ben, &mut log, &mut n);
    assert_eq!(log.0.len(), 2, "Ben does not send Ana's changes back");

    ben.add_record("risk", &rid(2), &risk("Flood"), &ctx("Ben", 2))
        .unwrap();
    push(&mut sb, &mut ben, &mut log, &mut n);
    pull(&mut sa, &mut ana, &log);
    assert_eq!(ana.heads(), ben.heads());
    assert_eq!(risks(&ana), risks(&ben));
}

#[test]
fn a_push_lost_with_the_connection_is_sent_again() {
    let (id, key) = room();
    let mut ana = new_workbook();
    let mut sa = LiveSync::new(id, key);
    let first = sa.outgoing(&mut ana, nonce(1)).unwrap();
    assert!(sa.outgoing(&mut ana, nonce(2)).is_none(), "in flight");
    sa.disconnected();
    let again = sa.outgoing(&mut ana, nonce(3)).unwrap();
    assert_eq!(again.heads, first.heads);
    assert!(sa.pending(&mut ana));
    sa.acked(&mut ana, &again.heads, Some(1));
    assert!(!sa.pending(&mut ana));
}

#[test]
fn blobs_that_do_not_open_or_belong_elsewhere_change_nothing() {
    let (id, key) = room();
    let mut ana = new_workbook();
    ana.add_record("risk", &rid(1), &risk("Outage"), &ctx("Ana", 1))
        .unwrap();
    let mut sa = LiveSync::new(id, key.clone());
    let blob = sa.outgoing(&mut ana, nonce(1)).unwrap().blob;

    let mut other = sms_core::Workbook::create(
        sms_core::WorkbookId::from_random([9; 16]),
        "Other",
        actor(3),
        &ctx("Cy", 0),
    )
    .unwrap();
    let heads = other.heads();
    let mut so = LiveSync::new(id, key);
    assert!(matches!(
        so.incoming(&mut other, 1, &blob),
        Err(SyncError::OtherWorkbook)
    ));
    let mut wrong = LiveSync::new(id, RoomKey::from_bytes([5; 32]));
    assert!(matches!(
        wrong.incoming(&mut other, 1, &blob),
        Err(SyncError::Crypto(_))
    ));
    let mut forged = blob.clone();
    forged[20] ^= 0x40;
    assert!(so.incoming(&mut other, 1, &forged).is_err());
    assert_eq!(other.heads(), heads, "nothing applied");
    assert_eq!(so.seq, 0);
}

#[test]
fn a_new_copy_opens_from_the_snapshot_and_later_entries() {
    let (id, key) = room();
    let mut ana = new_workbook();
    let mut sa = LiveSync::new(id, key.clone());
    ana.add_record("risk", &rid(1), &risk("Outage"), &ctx("Ana", 1))
        .unwrap();
    let snap = sa.snapshot(&mut ana, nonce(1));
    ana.add_record("risk", &rid(2), &risk("Flood"), &ctx("Ana", 2))
        .unwrap();
    let later = sa.outgoing(&mut ana, nonce(2)).unwrap();

    let joiner = LiveSync::new(id, key);
    let base = joiner.open(&snap.blob).unwrap();
    assert!(base.snapshot);
    let mut copy = Workbook::read_file(&base.bytes, actor(4)).unwrap();
    let mut joiner = joiner;
    joiner.incoming(&mut copy, 2, &later.blob).unwrap();
    assert_eq!(risks(&copy), risks(&ana));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Three copies edit, push and receive entries in any order, with
    /// repeats: after everyone has everything, all are identical.
    #[test]
    fn copies_converge_whatever_the_delivery_order(
        steps in prop::collection::vec((0usize..3, 0u8..3, any::<u16>()), 1..25),
    ) {
        let (id, key) = room();
        let mut base = new_workbook();
        let mut copies: Vec<Workbook> = (0..3).map(|i| base.fork(actor(10 + i as u8))).collect();
        let mut syncs: Vec<LiveSync> = (0..3).map(|_| LiveSync::new(id, key.clone())).collect();
        let mut log = Log::default();
        let mut n = 0;
        for (i, (who, action, r)) in steps.into_iter().enumerate() {
            let (wb, sync) = (&mut copies[who], &mut syncs[who]);
            match action {
                0 => {
                    let id = rid((r % 7) as u8);
                    let mut rec = risk(&format!("Risk {r}"));
                    rec.set("owner", sms_core::Value::Text(format!("Owner {who}")));
                    if wb.add_record("risk", &id, &rec, &ctx("A", i as i64)).is_err() {
                        let _ = wb.update_record(&id, &rec, &ctx("A", i as i64));
                    }
                }
                1 => push(sync, wb, &mut log, &mut n),
                _ => {
                    // Deliver a random entry, possibly again or out of order.
                    if !log.0.is_empty() {
                        let k = r as usize % log.0.len();
                        sync.incoming(wb, k as u64 + 1, &log.0[k]).unwrap();
                    }
                }
            }
        }
        for who in 0..3 {
            push(&mut syncs[who], &mut copies[who], &mut log, &mut n);
        }
        for who in 0..3 {
            syncs[who].seq = 0;
            pull(&mut syncs[who], &mut copies[who], &log);
        }
        let heads = copies[0].heads();
        for c in copies.iter_mut() {
            prop_assert_eq!(c.heads(), heads.clone());
        }
        prop_assert_eq!(risks(&copies[0]), risks(&copies[1]));
        prop_assert_eq!(risks(&copies[1]), risks(&copies[2]));
    }
}

#[test]
fn a_large_workbook_goes_in_batches_that_each_apply() {
    let (id, key) = room();
    let mut ana = new_workbook();
    for i in 0..60u8 {
        let mut r = risk(&format!("Risk {i}"));
        r.set(
            "description",
            sms_core::Value::Text(format!("{i} {}", "Long text. ".repeat(60))),
        );
        ana.add_record("risk", &rid(i), &r, &ctx("Ana", i as i64))
            .unwrap();
    }
    let mut sa = LiveSync::new(id, key.clone());
    let mut n = 0u64;
    let batches = sa.outgoing_batches(&mut ana, 8 * 1024, || {
        n += 1;
        nonce(n)
    });
    assert!(batches.len() > 3, "{} batches", batches.len());
    assert!(batches.iter().all(|b| b.blob.len() < 12 * 1024));
    assert!(sa
        .outgoing_batches(&mut ana, 8 * 1024, || [0; 12])
        .is_empty());

    // A fresh copy applies them in order, acknowledging each as it goes.
    let mut ben = sms_core::Workbook::load(
        [sa.open(&batches[0].blob).unwrap().bytes.as_slice()],
        actor(2),
    )
    .unwrap();
    let mut sb = LiveSync::new(id, key);
    for (i, b) in batches.iter().enumerate() {
        sb.incoming(&mut ben, i as u64 + 1, &b.blob).unwrap();
        sa.acked(&mut ana, &b.heads, Some(i as u64 + 1));
    }
    assert_eq!(ben.heads(), ana.heads());
    assert_eq!(risks(&ben).len(), 60);
    assert!(!sa.pending(&mut ana));
}

#[test]
fn a_room_that_lost_entries_gets_everything_again() {
    let (id, key) = room();
    let mut ana = new_workbook();
    ana.add_record("risk", &rid(1), &risk("Outage"), &ctx("Ana", 1))
        .unwrap();
    let mut sa = LiveSync::new(id, key);
    let out = sa.outgoing(&mut ana, nonce(1)).unwrap();
    sa.acked(&mut ana, &out.heads, Some(1));
    assert!(sa.outgoing(&mut ana, nonce(2)).is_none());
    sa.room_reset();
    assert_eq!(sa.seq, 0);
    assert!(sa.pending(&mut ana));
    let again = sa.outgoing(&mut ana, nonce(3)).unwrap();
    assert_eq!(again.heads, out.heads, "the whole document again");
}

/// Seals `bytes` (changes of `wb`'s workbook) as an entry whose sender had
/// `heads`.
fn seal(
    key: &RoomKey,
    id: &RoomId,
    wb: &Workbook,
    heads: Vec<ChangeHash>,
    bytes: Vec<u8>,
    n: u64,
) -> Vec<u8> {
    let envelope = Envelope {
        workbook: wb.id().clone(),
        heads,
        snapshot: false,
        moved: None,
        bytes,
    };
    key.seal(id, nonce(n), &envelope.encode())
}

#[test]
fn a_moved_notice_tells_members_the_new_room_and_changes_nothing() {
    use sms_core::sync::{Moved, Received};
    let (id, key) = room();
    let mut ana = new_workbook();
    let mut ben = Workbook::load([ana.save().as_slice()], actor(2)).unwrap();
    let sa = LiveSync::new(id, key.clone());
    let mut sb = LiveSync::new(id, key.clone());
    let to = Moved {
        room: RoomId([0x42; 16]),
        key: RoomKey::from_bytes([0x43; 32]),
    };
    let notice = sa.moved_notice(&ana, &to, nonce(1));
    assert!(notice.heads.is_empty());
    let before = ben.heads();
    assert_eq!(
        sb.incoming(&mut ben, 1, &notice.blob).unwrap(),
        Received::Moved
    );
    assert_eq!(sb.moved, Some(to.clone()));
    assert_eq!(sb.seq, 1, "settled");
    assert_eq!(ben.heads(), before, "nothing applied");
    assert!(
        !format!("{to:?}").contains(&to.key.to_base64url()),
        "the key is never in Debug"
    );
    // Sealed with the old room's key: another room's key does not open it.
    let mut stranger = LiveSync::new(id, RoomKey::from_bytes([1; 32]));
    assert!(stranger.incoming(&mut ana, 1, &notice.blob).is_err());
    assert_eq!(stranger.moved, None);
}

/// A copy of `wb` edited below the app, as a tampered app could: it removes
/// record `gone` for good (which the checks refuse), then, building on that,
/// retitles `kept` (harmless on its own). The two changes' bytes and hashes.
fn tampered(wb: &mut Workbook, gone: &RecordId, kept: &RecordId) -> [(Vec<u8>, ChangeHash); 2] {
    use automerge::{transaction::Transactable, ReadDoc, ROOT};
    let mut doc = automerge::AutoCommit::load(&wb.to_file()).unwrap();
    doc.set_actor(automerge::ActorId::from([7u8; 16]));
    let (_, records) = doc.get(ROOT, "records").unwrap().unwrap();
    doc.delete(&records, gone.as_str()).unwrap();
    doc.commit();
    let first = doc.get_last_local_change().unwrap();
    let (_, rec) = doc.get(&records, kept.as_str()).unwrap().unwrap();
    doc.put(&rec, "title", "Renamed").unwrap();
    doc.commit();
    let second = doc.get_last_local_change().unwrap();
    [
        (first.raw_bytes().to_vec(), first.hash()),
        (second.raw_bytes().to_vec(), second.hash()),
    ]
}

#[test]
fn an_entry_that_failed_is_asked_for_again_and_then_applies() {
    let (id, key) = room();
    let mut ana = new_workbook();
    let mut ben = ana.fork(actor(2));
    let (mut sa, mut sb) = (LiveSync::new(id, key.clone()), LiveSync::new(id, key));
    let (mut log, mut n) = (Log::default(), 0);
    push(&mut sa, &mut ana, &mut log, &mut n);
    ana.add_record("risk", &rid(1), &risk("Outage"), &ctx("Ana", 1))
        .unwrap();
    push(&mut sa, &mut ana, &mut log, &mut n);
    ana.update_record(&rid(1), &risk("Long outage"), &ctx("Ana", 2))
        .unwrap();
    push(&mut sa, &mut ana, &mut log, &mut n);
    assert_eq!(log.0.len(), 3);

    assert_eq!(
        sb.incoming(&mut ben, 1, &log.0[0]).unwrap(),
        Received::Applied
    );
    // Entry 2 arrives damaged: not applied, asked for again.
    let mut damaged = log.0[1].clone();
    damaged[30] ^= 0x01;
    let err = sb.incoming(&mut ben, 2, &damaged).unwrap_err();
    assert!(err.retried(), "{err}");
    assert_eq!(sb.retry_in(), Some(2));
    // Entry 3 builds on it: its change waits inside Automerge.
    assert_eq!(
        sb.incoming(&mut ben, 3, &log.0[2]).unwrap(),
        Received::Waiting
    );
    assert!(sb.waiting());
    assert!(risks(&ben).is_empty());
    assert_eq!(sb.seq, 1, "the next hello asks from before entry 2");

    // The copy asks again from `seq`: both apply, and everything settles.
    sb.retrying();
    assert_eq!(sb.retry_in(), Some(4), "backing off");
    pull(&mut sb, &mut ben, &log);
    assert_eq!(sb.seq, 3);
    assert!(!sb.unsettled());
    assert_eq!(sb.retry_in(), None);
    assert_eq!(ben.heads(), ana.heads());
    assert_eq!(risks(&ben), risks(&ana));
}

#[test]
fn a_waiting_entry_settles_when_what_it_waits_for_arrives() {
    let (id, key) = room();
    let mut ana = new_workbook();
    let mut ben = ana.fork(actor(2));
    let (mut sa, mut sb) = (LiveSync::new(id, key.clone()), LiveSync::new(id, key));
    let (mut log, mut n) = (Log::default(), 0);
    push(&mut sa, &mut ana, &mut log, &mut n);
    ana.add_record("risk", &rid(1), &risk("Outage"), &ctx("Ana", 1))
        .unwrap();
    push(&mut sa, &mut ana, &mut log, &mut n);
    ana.update_record(&rid(1), &risk("Long outage"), &ctx("Ana", 2))
        .unwrap();
    push(&mut sa, &mut ana, &mut log, &mut n);

    sb.incoming(&mut ben, 1, &log.0[0]).unwrap();
    assert_eq!(
        sb.incoming(&mut ben, 3, &log.0[2]).unwrap(),
        Received::Waiting
    );
    assert!(sb.seq < 3, "entry 3 is not counted as received");
    assert_eq!(
        sb.incoming(&mut ben, 2, &log.0[1]).unwrap(),
        Received::Applied
    );
    assert!(!sb.unsettled(), "entry 3 applied with entry 2");
    assert_eq!(sb.seq, 3);
    assert_eq!(risks(&ben), risks(&ana));
}

#[test]
fn seq_never_passes_a_failed_entry_so_a_reconnect_asks_for_it_again() {
    let (id, key) = room();
    let mut ana = new_workbook();
    let mut ben = ana.fork(actor(2));
    let (mut sa, mut sb) = (LiveSync::new(id, key.clone()), LiveSync::new(id, key));
    let (mut log, mut n) = (Log::default(), 0);
    push(&mut sa, &mut ana, &mut log, &mut n);
    for i in 1..=4u8 {
        ana.add_record(
            "risk",
            &rid(i),
            &risk(&format!("Risk {i}")),
            &ctx("Ana", i.into()),
        )
        .unwrap();
        push(&mut sa, &mut ana, &mut log, &mut n);
    }
    sb.incoming(&mut ben, 1, &log.0[0]).unwrap();
    sb.missed(2); // arrived, but its text was damaged on the way
    for k in 3..=5 {
        sb.incoming(&mut ben, k, &log.0[k as usize - 1]).unwrap();
    }
    assert_eq!(sb.seq, 1);
    // Ben's own entry is stored as 6: still not past entry 2.
    ben.add_record("risk", &rid(9), &risk("Flood"), &ctx("Ben", 9))
        .unwrap();
    push(&mut sb, &mut ben, &mut log, &mut n);
    assert_eq!(log.0.len(), 6);
    assert_eq!(sb.seq, 1);
    assert!(!sb.wants_snapshot(&mut ben, 6), "no snapshot over a hole");

    // Retries back off and stop after a few; `seq` stays put regardless.
    let mut waits = Vec::new();
    while let Some(s) = sb.retry_in() {
        waits.push(s);
        sb.retrying();
    }
    assert_eq!(waits, [2, 4, 8, 16, 32, 60]);
    assert_eq!(sb.seq, 1);

    // The next connection asks from 1: the relay sends 2 … 6.
    pull(&mut sb, &mut ben, &log);
    assert_eq!(sb.seq, 6);
    assert!(!sb.unsettled());
    assert_eq!(risks(&ben).len(), 5);
    pull(&mut sa, &mut ana, &log);
    assert_eq!(risks(&ana), risks(&ben));
}

#[test]
fn a_refused_entry_is_skipped_and_reported_once() {
    let (id, key) = room();
    let mut ana = new_workbook();
    ana.add_record("risk", &rid(1), &risk("Outage"), &ctx("Ana", 1))
        .unwrap();
    ana.add_record("risk", &rid(2), &risk("Flood"), &ctx("Ana", 2))
        .unwrap();
    let mut ben = ana.fork(actor(2));
    let mut sb = LiveSync::new(id, key.clone());
    let [(removal, removal_hash), (rename, rename_hash)] = tampered(&mut ana, &rid(1), &rid(2));
    let mut log = Log::default();
    log.push(seal(&key, &id, &ana, vec![removal_hash], removal, 1));
    log.push(seal(&key, &id, &ana, vec![rename_hash], rename, 2));
    ana.add_record("risk", &rid(3), &risk("Fire"), &ctx("Ana", 3))
        .unwrap();
    let honest = ana.changes_after(&ben.heads());
    let ana_heads = ana.heads();
    log.push(seal(&key, &id, &ana, ana_heads, honest, 3));
    let heads = ben.heads();

    let refused = sb.incoming(&mut ben, 1, &log.0[0]).unwrap_err();
    assert!(
        matches!(&refused, SyncError::Apply(WorkbookError::Refused(_))),
        "{refused}"
    );
    assert!(!refused.retried());
    assert!(refused.to_string().contains("remove record"), "{refused}");
    assert_eq!(ben.heads(), heads, "nothing of it applied");
    assert_eq!(sb.seq, 1, "skipped for good");

    // The change building on it can never apply: skipped, not retried.
    let follows = sb.incoming(&mut ben, 2, &log.0[1]).unwrap_err();
    assert!(matches!(follows, SyncError::BuildsOnRefused), "{follows}");
    assert!(!follows.retried());
    assert_eq!(sb.seq, 2);
    assert_eq!(sb.retry_in(), None);

    assert_eq!(
        sb.incoming(&mut ben, 3, &log.0[2]).unwrap(),
        Received::Applied
    );
    assert_eq!(sb.seq, 3);
    assert_eq!(risks(&ben).len(), 3, "Ana's record, and every record kept");

    // Read again (a reconnect from before them): skipped, not reported.
    sb.seq = 0;
    assert_eq!(
        sb.incoming(&mut ben, 1, &log.0[0]).unwrap(),
        Received::Skipped
    );
    assert_eq!(
        sb.incoming(&mut ben, 2, &log.0[1]).unwrap(),
        Received::Skipped
    );
    assert_eq!(sb.seq, 3);

    // After a reload, what was set aside is remembered.
    let kept: Vec<ChangeHash> = sb.set_aside().copied().collect();
    assert_eq!(kept.len(), 2);
    let mut again = LiveSync::resume(id, key, 0, 0, Vec::new()).with_set_aside(kept);
    assert_eq!(
        again.incoming(&mut ben, 1, &log.0[0]).unwrap(),
        Received::Skipped
    );
    assert_eq!(
        again.incoming(&mut ben, 2, &log.0[1]).unwrap(),
        Received::Skipped
    );
}

#[test]
fn an_entry_still_waiting_after_a_retry_makes_the_copy_read_the_whole_room() {
    let (id, key) = room();
    let mut ana = new_workbook();
    let mut ben = ana.fork(actor(2));
    let mut sa = LiveSync::new(id, key.clone());
    let (mut log, mut n) = (Log::default(), 0);
    push(&mut sa, &mut ana, &mut log, &mut n);
    ana.add_record("risk", &rid(1), &risk("Outage"), &ctx("Ana", 1))
        .unwrap();
    push(&mut sa, &mut ana, &mut log, &mut n);
    ana.update_record(&rid(1), &risk("Long outage"), &ctx("Ana", 2))
        .unwrap();
    push(&mut sa, &mut ana, &mut log, &mut n);

    // Ben's copy believes it holds entries up to 2 but lost entry 2's
    // changes (as an older version of the app could).
    let mut sb = LiveSync::resume(id, key, 2, 0, Vec::new());
    assert_eq!(
        sb.incoming(&mut ben, 3, &log.0[2]).unwrap(),
        Received::Waiting
    );
    assert_eq!(sb.since(), 2);
    sb.retrying();
    assert_eq!(sb.since(), 2, "first from `seq`");
    pull(&mut sb, &mut ben, &log);
    assert!(sb.waiting(), "entry 3 alone does not help");
    sb.retrying();
    assert_eq!(sb.since(), 0, "then the whole room");
    sb.seq = sb.since();
    pull(&mut sb, &mut ben, &log);
    assert!(!sb.unsettled());
    assert_eq!(sb.seq, 3);
    assert_eq!(risks(&ben), risks(&ana));
}

#[test]
fn a_room_read_once_opens_in_order_and_leaves_out_what_is_not_one_workbook() {
    use sms_core::sync::{read_room, ReadRoomError};
    let (id, key) = room();
    assert_eq!(
        read_room(id, key.clone(), &[]).unwrap(),
        None,
        "an empty room"
    );
    let mut wb = new_workbook();
    let first = wb.save();
    let heads = wb.heads();
    wb.add_record("risk", &rid(90), &risk("Joined"), &ctx("Ana", 9))
        .unwrap();
    let later = wb.heads();
    let changes = wb.changes_not_in(&heads.iter().copied().collect());
    let blobs = vec![
        seal(&key, &id, &wb, heads.clone(), first.clone(), 1),
        seal(&key, &id, &wb, later.clone(), changes.clone(), 2),
    ];
    let read = read_room(id, key.clone(), &blobs).unwrap().unwrap();
    assert_eq!(&read.workbook, wb.id());
    let mut all = [heads.clone(), later].concat();
    all.sort();
    all.dedup();
    assert_eq!(read.in_room, all);
    assert_eq!(read.bytes, [first.clone(), changes].concat());
    let joined = Workbook::load([read.bytes.as_slice()], actor(5)).unwrap();
    assert!(joined.record(&rid(90)).is_some(), "the bytes load whole");

    assert_eq!(read.skipped, 0);

    // A blob sealed with another key, a damaged one, one that holds no
    // Automerge data and one of another workbook are each left out and
    // counted; the rest still reads whole.
    let other = RoomKey::from_bytes([9; 32]);
    let foreign = seal(&other, &id, &wb, heads.clone(), first.clone(), 3);
    let mut damaged = blobs[1].clone();
    let last = damaged.len() - 1;
    damaged[last] ^= 1;
    let junk = seal(&key, &id, &wb, heads.clone(), vec![1, 2, 3], 4);
    let mut another = Workbook::create(
        sms_core::WorkbookId::from_random([0x51; 16]),
        "Another",
        actor(6),
        &ctx("Bo", 1),
    )
    .unwrap();
    let their_heads = another.heads();
    let theirs = another.save();
    let mixed = seal(&key, &id, &another, their_heads, theirs, 5);
    let read = read_room(
        id,
        key.clone(),
        &[
            blobs[0].clone(),
            foreign.clone(),
            damaged,
            junk,
            mixed,
            blobs[1].clone(),
        ],
    )
    .unwrap()
    .unwrap();
    assert_eq!(read.skipped, 4);
    assert_eq!(&read.workbook, wb.id());
    assert_eq!(read.in_room, all);
    let joined = Workbook::load([read.bytes.as_slice()], actor(5)).unwrap();
    assert!(
        joined.record(&rid(90)).is_some(),
        "the good messages read whole"
    );
    // Nothing that opens: refused in words.
    let e = read_room(id, key, &[foreign]).unwrap_err();
    assert_eq!(e, ReadRoomError::NothingOpens(1));
    assert!(e.to_string().contains("none of the 1 messages"), "{e}");
}
