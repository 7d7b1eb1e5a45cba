use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::*;

#[tokio::test]
async fn health_answers_ok() {
    let dir = tempfile::tempdir().unwrap();
    let relay = RelayProcess::start(dir.path(), &[]);
    let mut tcp = tokio::net::TcpStream::connect(relay.addr).await.unwrap();
    tcp.write_all(b"GET /health HTTP/1.1\r\nHost: relay\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut response = String::new();
    tokio::time::timeout(STEP, tcp.read_to_string(&mut response))
        .await
        .unwrap()
        .unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("application/json"), "{response}");
    assert!(response.ends_with(r#"{"status":"ok"}"#), "{response}");
}

/// SIGTERM: connected clients are told the relay is going away, the
/// process exits cleanly, and what was acknowledged is there afterwards.
#[tokio::test]
async fn sigterm_stops_the_relay_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let mut relay = RelayProcess::start(dir.path(), &[]);
    let (room, key) = room_and_key(40);
    let mut a = Peer::new("A", 1, new_workbook(), room, key.clone());
    a.connect(&relay.url(), true).await;
    a.add_risk("Before the restart");
    settle(&mut [&mut a]).await;
    let head = a.sync.seq;

    let mut watcher = Raw::hello(&relay.url(), &room, &key.token(), head, false).await;
    watcher.catch_up().await;
    let status = relay.terminate();
    assert!(status.success(), "{status}");
    assert_eq!(watcher.recv_within(Duration::from_secs(1)).await, Ok(None));

    let relay = RelayProcess::start(dir.path(), &[]);
    let mut raw = Raw::hello(&relay.url(), &room, &key.token(), 0, false).await;
    assert_eq!(raw.catch_up().await, head);
}
