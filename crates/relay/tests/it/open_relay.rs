//! Limits for a relay open to the internet: each refuses only the
//! offending connection, with the protocol's error frames, while other
//! rooms and clients keep working. Loops are bounded; every test ends by
//! itself.

use std::time::Duration;

use sms_core::wire::{ClientOut, ErrorCode, ServerIn};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::*;

/// A room that still takes a push and acknowledges it.
async fn still_works(url: &str, n: u8) {
    let (room, key) = room_and_key(n);
    let mut raw = Raw::hello(url, &room, &key.token(), 0, false).await;
    let head = raw.catch_up().await;
    raw.send(ClientOut::Push {
        id: 9,
        blob: "AAAA",
    })
    .await;
    assert_eq!(
        raw.next().await,
        ServerIn::Ack {
            id: 9,
            seq: head + 1
        }
    );
}

async fn create(url: &str, n: u8) -> Raw {
    let (room, key) = room_and_key(n);
    Raw::hello(url, &room, &key.token(), 0, true).await
}

#[tokio::test]
async fn room_creation_is_limited_per_address_and_in_total() {
    let dir = tempfile::tempdir().unwrap();
    let relay = RelayProcess::start(
        dir.path(),
        &["--max-rooms-per-address-per-hour", "3", "--max-rooms", "5"],
    );
    let url = relay.url();
    for n in 1..=3 {
        create(&url, n).await.catch_up().await;
    }
    // A flood of new rooms from one address: the fourth is refused.
    let mut raw = create(&url, 4).await;
    let (code, message) = raw.refusal().await;
    assert_eq!(code, ErrorCode::TooFast);
    assert!(message.contains("rooms this hour"), "{message}");
    // Rooms that exist open as before, also with create: true.
    still_works(&url, 1).await;
    create(&url, 2).await.catch_up().await;
    drop(relay);

    // The same data directory with a total of 3 rooms: full.
    let relay = RelayProcess::start(dir.path(), &["--max-rooms", "3"]);
    let url = relay.url();
    let mut raw = create(&url, 4).await;
    let (code, message) = raw.refusal().await;
    assert_eq!(code, ErrorCode::RoomFull);
    assert!(message.contains("as many rooms"), "{message}");
    still_works(&url, 3).await;
}

#[tokio::test]
async fn connections_are_limited_per_address_and_only_the_extra_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let relay = RelayProcess::start(dir.path(), &["--max-connections-per-address", "3"]);
    let url = relay.url();
    let mut first = create(&url, 1).await;
    first.catch_up().await;
    let mut others = Vec::new();
    for _ in 0..2 {
        let mut raw = create(&url, 1).await;
        raw.catch_up().await;
        others.push(raw);
    }
    // A flood: every connection past the third is refused in words.
    for _ in 0..5 {
        let mut raw = create(&url, 2).await;
        let (code, message) = raw.refusal().await;
        assert_eq!(code, ErrorCode::TooFast);
        assert!(message.contains("too many connections"), "{message}");
    }
    // The three still work.
    first
        .send(ClientOut::Push {
            id: 1,
            blob: "AAAA",
        })
        .await;
    assert_eq!(first.next().await, ServerIn::Ack { id: 1, seq: 1 });
    for raw in &mut others {
        assert!(matches!(raw.next().await, ServerIn::Blob { seq: 1, .. }));
    }
    // One goes: a new one is let in.
    drop(others.pop());
    let mut again = None;
    for _ in 0..50 {
        let mut raw = create(&url, 2).await;
        match raw.next().await {
            ServerIn::Welcome { .. } => {
                again = Some(raw);
                break;
            }
            ServerIn::Error { .. } => tokio::time::sleep(Duration::from_millis(100)).await,
            frame => panic!("{frame:?}"),
        }
    }
    assert!(
        again.is_some(),
        "a place freed by a closed connection is taken again"
    );
}

#[tokio::test]
async fn an_idle_connection_is_closed_and_one_that_pings_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let relay = RelayProcess::start(dir.path(), &["--idle-seconds", "2"]);
    let url = relay.url();
    let mut idle = create(&url, 1).await;
    idle.catch_up().await;
    let mut busy = create(&url, 1).await;
    busy.catch_up().await;
    let started = std::time::Instant::now();
    for _ in 0..8 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        busy.send(ClientOut::Ping).await;
        assert_eq!(busy.next().await, ServerIn::Pong);
    }
    assert_eq!(
        idle.recv_within(Duration::from_secs(1)).await,
        Ok(None),
        "the idle one was closed"
    );
    assert!(started.elapsed() >= Duration::from_secs(2));
    busy.send(ClientOut::Push {
        id: 1,
        blob: "AAAA",
    })
    .await;
    assert_eq!(busy.next().await, ServerIn::Ack { id: 1, seq: 1 });
}

#[tokio::test]
async fn a_client_that_sends_its_headers_too_slowly_is_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let relay = RelayProcess::start(dir.path(), &["--header-seconds", "1"]);
    let mut slow = tokio::net::TcpStream::connect(relay.addr).await.unwrap();
    slow.write_all(b"GET /v1/ws HTTP/1.1\r\nHost: relay\r\n")
        .await
        .unwrap();
    // Meanwhile the relay serves others.
    create(&relay.url(), 1).await.catch_up().await;
    let mut buf = [0u8; 256];
    let read = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            // A trickle of header bytes does not keep it open.
            let _ = slow.write_all(b"X-Trickle: 1\r\n").await;
            match tokio::time::timeout(Duration::from_millis(300), slow.read(&mut buf)).await {
                Ok(Ok(0)) | Ok(Err(_)) => return true,
                Ok(Ok(_)) => return true, // an error response, then the close
                Err(_) => continue,
            }
        }
    })
    .await;
    assert_eq!(read, Ok(true), "the slow client was cut off within 5 s");
    still_works_after_create(&relay.url()).await;
}

async fn still_works_after_create(url: &str) {
    still_works(url, 1).await;
}

#[tokio::test]
async fn bytes_per_second_and_the_relay_s_total_size_are_limited() {
    let dir = tempfile::tempdir().unwrap();
    let relay = RelayProcess::start(
        dir.path(),
        &[
            "--max-bytes-per-second",
            "2000",
            "--max-frame-bytes",
            "1000",
            "--max-total-bytes",
            "3000",
        ],
    );
    let url = relay.url();
    // Bursts up to twice the largest frame, then the rate.
    let blob = "A".repeat(800);
    let mut fast = create(&url, 1).await;
    fast.catch_up().await;
    let mut refused = None;
    for id in 1..=10 {
        if fast
            .try_send(ClientOut::Push { id, blob: &blob })
            .await
            .is_err()
        {
            break;
        }
        match fast.recv().await {
            Some(ServerIn::Ack { .. }) => continue,
            Some(ServerIn::Error { code, message }) => {
                refused = Some((code, message));
                break;
            }
            other => panic!("{other:?}"),
        }
    }
    let (code, message) = refused.expect("refused within ten quick frames");
    assert_eq!(code, ErrorCode::TooFast);
    assert!(message.contains("bytes per second"), "{message}");

    // The relay's total: another room fills what is left, then is refused.
    let mut other = create(&url, 2).await;
    other.catch_up().await;
    let mut full = None;
    for id in 1..=10 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        other
            .send(ClientOut::Push {
                id,
                blob: &"B".repeat(400),
            })
            .await;
        match other.recv().await {
            Some(ServerIn::Ack { .. }) => continue,
            Some(ServerIn::Error { code, message }) => {
                full = Some((code, message));
                break;
            }
            frame => panic!("{frame:?}"),
        }
    }
    let (code, message) = full.expect("the relay fills up");
    assert_eq!(code, ErrorCode::RoomFull);
    assert!(message.contains("all rooms together"), "{message}");
    // Reading still works for everyone.
    let (room, key) = room_and_key(1);
    let mut reader = Raw::hello(&url, &room, &key.token(), 0, false).await;
    assert!(reader.catch_up().await >= 1);
}
