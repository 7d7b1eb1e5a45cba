use sms_core::wire::{ClientOut, ErrorCode, ServerIn};
use sms_core::ActorBytes;

use crate::common::*;

/// After a snapshot, a new copy joining with since=0 gets the snapshot and
/// the entries after it only, and ends up with the same document.
#[tokio::test]
async fn a_new_copy_starts_from_the_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let relay = RelayProcess::start(dir.path(), &[]);
    let url = relay.url();
    let (room, key) = room_and_key(20);
    let mut base = new_workbook();
    let late_wb = base.fork(ActorBytes([3; 16]));
    let mut a = Peer::new("A", 1, base, room, key.clone());
    a.connect(&url, true).await;
    for i in 0..8 {
        a.add_risk(&format!("Risk before the snapshot {i}"));
        a.push().await;
        settle(&mut [&mut a]).await;
    }
    let head = a.sync.seq;
    assert_eq!(head, 8, "one entry per push");

    // Beyond the head: refused.
    let mut raw = Raw::hello(&url, &room, &key.token(), head, false).await;
    raw.catch_up().await;
    raw.send(ClientOut::Snapshot {
        id: 1,
        upto: head + 1,
        blob: "AQID",
    })
    .await;
    raw.expect_refusal(ErrorCode::BadSnapshot).await;

    let id = a.send_snapshot(head).await;
    a.poll(std::time::Duration::from_millis(200)).await;
    assert!(
        a.log.contains(&Got::Ack(head)),
        "snapshot {id} acknowledged with its upto: {:?}",
        a.log
    );
    for i in 0..2 {
        a.add_risk(&format!("Risk after the snapshot {i}"));
        a.push().await;
        settle(&mut [&mut a]).await;
    }

    let mut late = Peer::new("late", 3, late_wb, room, key);
    let welcome = late.connect(&url, false).await;
    assert_eq!(
        welcome,
        ServerIn::Welcome {
            head: head + 2,
            snapshot: head
        }
    );
    assert_eq!(
        late.log,
        [
            Got::Snapshot(head),
            Got::Blob(head + 1),
            Got::Blob(head + 2),
            Got::CaughtUp(head + 2),
        ]
    );
    settle(&mut [&mut a, &mut late]).await;
    assert_converged(&mut [&mut a, &mut late]);
    assert_eq!(titles(&late.wb).len(), 10);

    // A copy that holds entries past the snapshot gets only what follows.
    let mut raw = Raw::hello(&url, &room, &late.sync.token(), head + 1, false).await;
    let welcome = raw.next().await;
    assert!(matches!(welcome, ServerIn::Welcome { .. }), "{welcome:?}");
    let blob = raw.next().await;
    assert!(
        matches!(blob, ServerIn::Blob { seq, .. } if seq == head + 2),
        "{blob:?}"
    );
    let caught_up = raw.next().await;
    assert!(
        matches!(caught_up, ServerIn::CaughtUp { .. }),
        "{caught_up:?}"
    );
}
