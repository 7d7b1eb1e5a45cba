//! Live sync through a relay, with the relay played by a log in memory:
//! copies converge whatever the delivery order, repeats and reconnects,
//! and nothing that fails to open is applied.

use crate::common::*;
use proptest::prelude::*;
use sms_core::crypto::{RoomId, RoomKey};
use sms_core::sync::{LiveSync, SyncError};
use sms_core::Workbook;

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
