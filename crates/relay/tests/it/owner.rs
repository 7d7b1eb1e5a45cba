//! A room's owner (the browser that created it, holding a secret that is
//! never in the share link) is the only one who may replace its history
//! or delete it; members keep pushing and reading.

use sms_core::crypto::b64;
use sms_core::wire::{ClientOut, ErrorCode, ServerIn};

use crate::common::*;

const OWNER: [u8; 32] = [0x0e; 32];

fn holds(relay: &RelayProcess, needle: &[u8]) -> bool {
    relay.stored().windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn only_the_owner_replaces_history_and_deletes_the_room() {
    let dir = tempfile::tempdir().unwrap();
    let relay = RelayProcess::start(dir.path(), &[]);
    let url = relay.url();
    let (room, key) = room_and_key(8);
    let token = key.token();
    let marker = b"sealed-blob-only-in-this-room-0123456789";
    let blob = b64::encode(marker);

    let mut owner = Raw::hello_as(&url, &room, &token, 0, true, Some(&OWNER)).await;
    owner.catch_up().await;
    owner.send(ClientOut::Push { id: 1, blob: &blob }).await;
    assert_eq!(owner.next().await, ServerIn::Ack { id: 1, seq: 1 });
    assert!(
        holds(&relay, marker),
        "the blob is on disk while the room lives"
    );

    // A member (the link holds the token, not the owner's secret) pushes
    // like everyone, but a snapshot that would wipe the log is refused.
    let mut member = Raw::hello(&url, &room, &token, 0, false).await;
    assert_eq!(member.catch_up().await, 1);
    member
        .send(ClientOut::Push {
            id: 1,
            blob: "AAAA",
        })
        .await;
    assert_eq!(member.next().await, ServerIn::Ack { id: 1, seq: 2 });
    let mut wiper = Raw::hello(&url, &room, &token, 2, false).await;
    wiper.catch_up().await;
    wiper
        .send(ClientOut::Snapshot {
            id: 2,
            upto: 2,
            blob: "AAAA",
        })
        .await;
    let (code, message) = wiper.refusal().await;
    assert_eq!(code, ErrorCode::Forbidden);
    assert!(message.contains("only the room's owner"), "{message}");
    // A wrong owner secret is a member's.
    let mut pretender = Raw::hello_as(&url, &room, &token, 2, false, Some(&[1; 32])).await;
    pretender.catch_up().await;
    pretender.send(ClientOut::Delete { id: 3 }).await;
    assert_eq!(pretender.refusal().await.0, ErrorCode::Forbidden);
    // The history is whole.
    let mut reader = Raw::hello(&url, &room, &token, 0, false).await;
    assert_eq!(reader.catch_up().await, 2);
    assert!(matches!(owner.next().await, ServerIn::Blob { seq: 2, .. }));

    // The owner's snapshot is taken.
    owner
        .send(ClientOut::Snapshot {
            id: 4,
            upto: 2,
            blob: &blob,
        })
        .await;
    assert_eq!(owner.next().await, ServerIn::Ack { id: 4, seq: 2 });

    // The owner deletes the room: everyone in it is told and closed, it
    // is gone from the relay, and no blob of it is left on disk.
    owner.send(ClientOut::Delete { id: 5 }).await;
    assert_eq!(owner.next().await, ServerIn::Ack { id: 5, seq: 0 });
    let (code, message) = owner.refusal().await;
    assert_eq!(
        (code, message.as_str()),
        (ErrorCode::NoRoom, "the room's owner deleted it")
    );
    for raw in [&mut member, &mut reader] {
        let (code, _) = raw.refusal().await;
        assert_eq!(code, ErrorCode::NoRoom);
    }
    let mut late = Raw::hello(&url, &room, &token, 0, false).await;
    assert_eq!(late.refusal().await.0, ErrorCode::NoRoom);
    assert!(!holds(&relay, marker), "no blob of the room on disk");

    // Other rooms are untouched.
    let (other, other_key) = room_and_key(9);
    let mut raw = Raw::hello(&url, &other, &other_key.token(), 0, true).await;
    raw.catch_up().await;
    raw.send(ClientOut::Push {
        id: 1,
        blob: "AAAA",
    })
    .await;
    assert_eq!(raw.next().await, ServerIn::Ack { id: 1, seq: 1 });
}
