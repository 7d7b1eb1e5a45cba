use serde_json::json;
use sms_core::wire::{ClientOut, ErrorCode, ServerIn};

use crate::common::*;

/// Each kind of bad client is refused and disconnected; the other client
/// in the same room keeps syncing.
#[tokio::test]
async fn a_bad_client_is_closed_alone() {
    let dir = tempfile::tempdir().unwrap();
    let relay = RelayProcess::start(dir.path(), &["--max-frame-bytes", "65536"]);
    let url = relay.url();
    let (room, key) = room_and_key(3);
    let mut base = new_workbook();
    let b_wb = base.fork(sms_core::ActorBytes([2; 16]));
    let mut a = Peer::new("A", 1, base, room, key.clone());
    let mut b = Peer::new("B", 2, b_wb, room, key.clone());
    a.connect(&url, true).await;
    settle(&mut [&mut a]).await;
    b.connect(&url, false).await;
    let token = key.token();

    // Malformed frames (raw JSON on purpose), each on its own connection
    // in the room.
    for bad in [
        "{not json".to_string(),
        json!({"type": "shout"}).to_string(),
        json!({"type": "push", "id": 1, "blob": "not base64!"}).to_string(),
        json!({"type": "push", "blob": "AAAA"}).to_string(),
        json!({"type": "hello", "room": room.to_hex(), "token": "x", "since": 0, "create": false})
            .to_string(),
    ] {
        let mut raw = Raw::hello(&url, &room, &token, 0, false).await;
        raw.catch_up().await;
        raw.send_text(bad).await;
        raw.expect_refusal(ErrorCode::BadFrame).await;
        still_syncing(&mut a, &mut b).await;
    }
    let mut raw = Raw::hello(&url, &room, &token, 0, false).await;
    raw.catch_up().await;
    raw.send_binary(vec![1, 2, 3]).await;
    raw.expect_refusal(ErrorCode::BadFrame).await;

    // Oversize: just over the limit, and far over it.
    for size in [65_537, 1 << 20] {
        let mut raw = Raw::hello(&url, &room, &token, 0, false).await;
        raw.catch_up().await;
        let blob = "A".repeat(size);
        // The relay may close before it has read the whole frame.
        let _ = raw.try_send(ClientOut::Push { id: 1, blob: &blob }).await;
        raw.expect_refusal(ErrorCode::TooBig).await;
        still_syncing(&mut a, &mut b).await;
    }

    // A flood: 400 frames at once, against a burst of 200.
    let mut raw = Raw::hello(&url, &room, &token, 0, false).await;
    raw.catch_up().await;
    raw.flood(400, ClientOut::Ping).await;
    raw.expect_refusal(ErrorCode::TooFast).await;
    still_syncing(&mut a, &mut b).await;

    // Nothing of theirs reached the room: only A's pushes are in the log.
    let head = a.acked_seqs.last().copied().unwrap();
    assert_eq!(a.acked_seqs.len() as u64, head);
}

#[tokio::test]
async fn a_first_frame_that_is_not_a_good_hello_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let relay = RelayProcess::start(dir.path(), &[]);
    let url = relay.url();
    let (room, key) = room_and_key(4);
    // Raw JSON on purpose: most of these are not frames a client sends.
    for (first, code) in [
        (json!({"type": "ping"}), ErrorCode::BadHello),
        (
            json!({"type": "push", "id": 1, "blob": "AAAA"}),
            ErrorCode::BadHello,
        ),
        (
            json!({"type": "hello", "room": "ABC", "token": b64(&key.token()), "since": 0, "create": true}),
            ErrorCode::BadHello,
        ),
        (
            json!({"type": "hello", "room": room.to_hex(), "token": b64(&key.token()), "create": true}),
            ErrorCode::BadHello,
        ),
        (
            json!({"type": "hello", "room": room.to_hex(), "token": b64(&[1; 5]), "since": 0, "create": true}),
            ErrorCode::BadHello,
        ),
        (
            json!({"type": "hello", "room": room.to_hex(), "token": b64(&key.token()), "since": 0, "create": false}),
            ErrorCode::NoRoom,
        ),
    ] {
        let mut raw = Raw::connect(&url).await;
        raw.send_text(first.to_string()).await;
        raw.expect_refusal(code).await;
    }
}

/// Another push from A reaches B, and both hold the same.
async fn still_syncing(a: &mut Peer, b: &mut Peer) {
    a.add_risk(&format!("after offender {}", a.acked_seqs.len()));
    settle(&mut [a, b]).await;
    assert_converged(&mut [a, b]);
}

fn b64(bytes: &[u8]) -> String {
    sms_core::crypto::b64::encode(bytes)
}

/// A client that stops reading holds up nobody: the pusher gets every
/// ack and the other reader every blob. When the stalled client reads
/// again it finds an unbroken run of entries, then (if it fell too far
/// behind) the close that sends it back to catch up from the log.
#[tokio::test]
async fn a_client_that_stops_reading_holds_up_nobody() {
    let dir = tempfile::tempdir().unwrap();
    let relay = RelayProcess::start(
        dir.path(),
        &[
            "--max-messages-per-second",
            "1000",
            "--burst-messages",
            "1000",
            "--max-bytes-per-second",
            "4000000000",
        ],
    );
    let url = relay.url();
    let (room, key) = room_and_key(5);
    let token = key.token();
    let mut pusher = Raw::hello(&url, &room, &token, 0, true).await;
    pusher.catch_up().await;
    let mut reader = Raw::hello(&url, &room, &token, 0, false).await;
    reader.catch_up().await;
    let mut stalled = Raw::hello(&url, &room, &token, 0, false).await;
    stalled.catch_up().await;

    const PUSHES: u64 = 400;
    let blob = b64(&vec![0x5a; 48 * 1024]);
    let expected = blob.clone();
    let reading = tokio::spawn(async move {
        for seq in 1..=PUSHES {
            match reader.next().await {
                ServerIn::Blob { seq: got, blob } => {
                    assert_eq!(got, seq);
                    assert!(blob == expected, "entry {seq} arrives as it was pushed");
                }
                frame => panic!("{frame:?}"),
            }
        }
    });
    for id in 1..=PUSHES {
        pusher.send(ClientOut::Push { id, blob: &blob }).await;
    }
    for id in 1..=PUSHES {
        assert_eq!(pusher.next().await, ServerIn::Ack { id, seq: id });
    }
    reading.await.unwrap();

    let mut next = 1;
    while let Some(frame) = stalled.recv().await {
        let ServerIn::Blob { seq, .. } = frame else {
            panic!("{frame:?}")
        };
        assert_eq!(seq, next, "no entry skipped");
        next += 1;
    }
    assert!(
        next <= PUSHES,
        "a client that fell behind is closed, not skipped ahead"
    );
}

#[tokio::test]
async fn a_client_that_says_no_hello_is_closed_after_ten_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let relay = RelayProcess::start(dir.path(), &[]);
    let started = std::time::Instant::now();
    let mut silent = Raw::connect(&relay.url()).await;
    let frame = silent
        .recv_within(std::time::Duration::from_secs(15))
        .await
        .expect("refused in time")
        .expect("an error frame");
    assert!(
        matches!(
            frame,
            ServerIn::Error {
                code: ErrorCode::BadHello,
                ..
            }
        ),
        "{frame:?}"
    );
    let waited = started.elapsed().as_secs_f64();
    assert!((9.5..14.0).contains(&waited), "after {waited:.1} s");
    silent.expect_closed().await;
}

/// A full room refuses the push that would overflow it; a snapshot that
/// replaces the log makes room again.
#[tokio::test]
async fn a_full_room_refuses_more() {
    let dir = tempfile::tempdir().unwrap();
    let relay = RelayProcess::start(dir.path(), &["--max-room-bytes", "1000"]);
    let url = relay.url();
    let (room, key) = room_and_key(6);
    let token = key.token();
    let blob = b64(&[7; 400]);
    let mut raw = Raw::hello(&url, &room, &token, 0, true).await;
    raw.catch_up().await;
    raw.send(ClientOut::Ping).await;
    assert_eq!(raw.next().await, ServerIn::Pong);
    for id in 1..=2 {
        raw.send(ClientOut::Push { id, blob: &blob }).await;
        assert_eq!(raw.next().await, ServerIn::Ack { id, seq: id });
    }
    raw.send(ClientOut::Push { id: 3, blob: &blob }).await;
    raw.expect_refusal(ErrorCode::RoomFull).await;

    let mut raw = Raw::hello(&url, &room, &token, 2, false).await;
    raw.catch_up().await;
    raw.send(ClientOut::Snapshot {
        id: 4,
        upto: 2,
        blob: &b64(&[8; 300]),
    })
    .await;
    assert_eq!(raw.next().await, ServerIn::Ack { id: 4, seq: 2 });
    raw.send(ClientOut::Push { id: 5, blob: &blob }).await;
    assert_eq!(
        raw.next().await,
        ServerIn::Ack { id: 5, seq: 3 },
        "room again after the snapshot"
    );
}
