use sms_core::wire::{ClientOut, ErrorCode};
use sms_core::ActorBytes;

use crate::common::*;

/// Two rooms on one relay: each client gets its own room's entries only
/// (every blob it gets opens with its room's key), and a token of one
/// room opens no other.
#[tokio::test]
async fn rooms_are_separate_and_a_wrong_token_gets_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let relay = RelayProcess::start(dir.path(), &[]);
    let url = relay.url();
    let (room_a, key_a) = room_and_key(10);
    let (room_b, key_b) = room_and_key(11);

    let mut wb_a = new_workbook();
    let wb_a2 = wb_a.fork(ActorBytes([2; 16]));
    let mut wb_b = new_workbook();
    let wb_b2 = wb_b.fork(ActorBytes([4; 16]));
    let mut a1 = Peer::new("A1", 1, wb_a, room_a, key_a.clone());
    let mut a2 = Peer::new("A2", 2, wb_a2, room_a, key_a.clone());
    let mut b1 = Peer::new("B1", 3, wb_b, room_b, key_b.clone());
    let mut b2 = Peer::new("B2", 4, wb_b2, room_b, key_b.clone());

    a1.connect(&url, true).await;
    b1.connect(&url, true).await;
    settle(&mut [&mut a1]).await;
    settle(&mut [&mut b1]).await;
    a2.connect(&url, false).await;
    b2.connect(&url, false).await;
    for round in 0..3 {
        for p in [&mut a1, &mut a2, &mut b1, &mut b2] {
            p.add_risk(&format!("{} room risk {round}", p.name));
            p.push().await;
        }
    }
    // `Peer::handle` fails on any blob that does not open with its key.
    settle(&mut [&mut a1, &mut a2]).await;
    settle(&mut [&mut b1, &mut b2]).await;
    assert_converged(&mut [&mut a1, &mut a2]);
    assert_converged(&mut [&mut b1, &mut b2]);
    assert!(titles(&a1.wb).iter().all(|t| t.starts_with('A')));
    assert!(titles(&b1.wb).iter().all(|t| t.starts_with('B')));
    let b_head = b1.sync.seq.max(b2.sync.seq);

    // Room B's id with room A's token: refused, whether or not it asks to
    // create the room.
    for create in [false, true] {
        let mut intruder = Raw::hello(&url, &room_b, &key_a.token(), 0, create).await;
        intruder.expect_refusal(ErrorCode::Forbidden).await;
    }
    // Nor can it write: a push sent right after the hello is never stored.
    let mut intruder = Raw::hello(&url, &room_b, &key_a.token(), 0, false).await;
    let _ = intruder
        .try_send(ClientOut::Push {
            id: 1,
            blob: "AQIDBA",
        })
        .await;
    intruder.expect_refusal(ErrorCode::Forbidden).await;

    let mut check = Raw::hello(&url, &room_b, &key_b.token(), 0, false).await;
    assert_eq!(check.catch_up().await, b_head, "room B unchanged");

    // A room nobody created does not exist.
    let (room_c, key_c) = room_and_key(12);
    let mut raw = Raw::hello(&url, &room_c, &key_c.token(), 0, false).await;
    raw.expect_refusal(ErrorCode::NoRoom).await;
}
