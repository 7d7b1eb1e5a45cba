//! Attached files through the relay: sealed parts under keyed ids, stored
//! once per room, fetched whole, within the room's limits; what it keeps
//! holds neither a file's bytes, nor its name, nor its hash.

use sms_core::crypto::{b64, file_parts, RoomId, RoomKey, FILE_PART_BYTES};
use sms_core::wire::{ErrorCode, FileIn, FileOut, ServerIn};

use crate::common::*;

const NAME: &[u8] = b"Kilimanjaro data centre contract.pdf";

fn hex(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02x}")).collect()
}

/// A file's bytes: recognisable, and more than two parts long.
fn evidence() -> Vec<u8> {
    let mut bytes = b"%PDF-1.4 Quarterly supplier review, signed. ".repeat(60_000);
    bytes.extend_from_slice(NAME);
    bytes
}

/// The sealed parts of `bytes` for `room`, as the app sends them.
fn sealed_parts(key: &RoomKey, room: &RoomId, id: &[u8; 32], bytes: &[u8]) -> Vec<String> {
    let parts = file_parts(bytes.len());
    (0..parts)
        .map(|p| {
            let at = p as usize * FILE_PART_BYTES;
            let plain = &bytes[at..(at + FILE_PART_BYTES).min(bytes.len())];
            let mut nonce = [0u8; 12];
            nonce[..4].copy_from_slice(&p.to_be_bytes());
            nonce[4] = 0x5a;
            b64::encode(&key.seal_part(room, id, (p, parts), nonce, plain))
        })
        .collect()
}

async fn put(raw: &mut Raw, id: u64, file: &str, part: u32, parts: u32, blob: &str) {
    raw.send_file(FileOut::FilePut {
        id,
        file,
        part,
        parts,
        blob,
    })
    .await;
    assert_eq!(raw.recv_file().await, Some(FileIn::Stored { id }));
}

async fn held(raw: &mut Raw, id: u64, files: &[String]) -> Vec<String> {
    raw.send_file(FileOut::Files { id, files }).await;
    match raw.recv_file().await {
        Some(FileIn::Files { id: got, have }) if got == id => have,
        other => panic!("expected the files held, got {other:?}"),
    }
}

#[tokio::test]
async fn a_file_travels_sealed_in_parts_and_the_relay_keeps_no_byte_name_or_hash_of_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut relay = RelayProcess::start(dir.path(), &[]);
    let (room, key) = room_and_key(50);
    let bytes = evidence();
    let hash: [u8; 32] = sms_core::attachments::FileHash::of(&bytes).0;
    let id = key.file_id(&hash);
    let file = hex(&id);
    let parts = sealed_parts(&key, &room, &id, &bytes);
    assert!(parts.len() >= 3, "{}", parts.len());

    let mut a = Raw::hello(&relay.url(), &room, &key.token(), 0, true).await;
    a.catch_up().await;
    let mut b = Raw::hello(&relay.url(), &room, &key.token(), 0, false).await;
    b.catch_up().await;

    // Not there, then there in part, then whole.
    assert!(held(&mut a, 1, std::slice::from_ref(&file))
        .await
        .is_empty());
    b.send_file(FileOut::FileGet { id: 2, file: &file }).await;
    assert_eq!(b.recv_file().await, Some(FileIn::NoFile { id: 2 }));
    let n = parts.len() as u32;
    for (p, blob) in parts.iter().enumerate().take(parts.len() - 1) {
        put(&mut a, 10 + p as u64, &file, p as u32, n, blob).await;
    }
    assert!(
        held(&mut b, 3, std::slice::from_ref(&file))
            .await
            .is_empty(),
        "not whole yet"
    );
    put(&mut a, 20, &file, n - 1, n, parts.last().unwrap()).await;
    // Sent again (another member): stored once.
    put(&mut b, 21, &file, 0, n, &parts[0]).await;
    let other = hex(&key.file_id(&[9; 32]));
    assert_eq!(
        held(&mut b, 4, &[other, file.clone()]).await,
        vec![file.clone()]
    );

    // Fetched whole, part by part, and opened with the key.
    b.send_file(FileOut::FileGet { id: 5, file: &file }).await;
    let mut got = Vec::new();
    for p in 0..n {
        match b.recv_file().await {
            Some(FileIn::FilePart {
                id: 5,
                part,
                parts: total,
                blob,
            }) => {
                assert_eq!((part, total), (p, n));
                let sealed = b64::decode(&blob).unwrap();
                got.extend(key.open_part(&room, &id, (part, total), &sealed).unwrap());
            }
            other => panic!("expected part {p}, got {other:?}"),
        }
    }
    assert_eq!(got, bytes);

    // At rest: ciphertext only.
    let check = |relay: &RelayProcess, when: &str| {
        let all = relay.stored();
        let contains = |needle: &[u8]| all.windows(needle.len()).any(|w| w == needle);
        assert!(contains(&id), "{when}: the file is not there");
        assert!(
            !contains(b"Quarterly supplier review"),
            "{when}: the file's bytes are kept"
        );
        assert!(!contains(NAME), "{when}: the file's name is kept");
        assert!(!contains(&hash), "{when}: the file's hash is kept");
        assert!(
            !contains(hex(&hash).as_bytes()),
            "{when}: the file's hash is kept"
        );
    };
    check(&relay, "while running");
    relay.terminate();
    check(&relay, "after stopping");
}

#[tokio::test]
async fn files_count_in_the_room_and_go_with_it() {
    let dir = tempfile::tempdir().unwrap();
    // Room for one part of about 1.4 MiB in base64, not two.
    let relay = RelayProcess::start(dir.path(), &["--max-room-bytes", "1500000"]);
    let (room, key) = room_and_key(51);
    let bytes = evidence();
    let id = key.file_id(&[1; 32]);
    let file = hex(&id);
    let parts = sealed_parts(&key, &room, &id, &bytes);
    let n = parts.len() as u32;
    let owner = [7u8; 32];
    let mut a = Raw::hello_as(&relay.url(), &room, &key.token(), 0, true, Some(&owner)).await;
    a.catch_up().await;
    put(&mut a, 1, &file, 0, n, &parts[0]).await;
    // Replacing the same part takes no more room.
    put(&mut a, 2, &file, 0, n, &parts[0]).await;
    a.send_file(FileOut::FilePut {
        id: 3,
        file: &file,
        part: 1,
        parts: n,
        blob: &parts[1],
    })
    .await;
    match a.recv_file().await {
        Some(FileIn::Other(ServerIn::Error { code, .. })) => assert_eq!(code, ErrorCode::RoomFull),
        other => panic!("expected room_full, got {other:?}"),
    }

    // Sent again in another split: the old parts go, and free their room.
    let mut a = Raw::hello_as(&relay.url(), &room, &key.token(), 0, false, Some(&owner)).await;
    a.catch_up().await;
    let small = b64::encode(&key.seal_part(&room, &id, (0, 1), [3; 12], b"short"));
    put(&mut a, 4, &file, 0, 1, &small).await;
    assert_eq!(
        held(&mut a, 5, std::slice::from_ref(&file)).await,
        vec![file.clone()]
    );
    put(&mut a, 6, &hex(&key.file_id(&[2; 32])), 0, n, &parts[0]).await;

    // A part out of range closes the connection, like any bad frame.
    a.send_text(format!(
        r#"{{"type":"file_put","id":7,"file":"{file}","part":1,"parts":1,"blob":"{small}"}}"#
    ))
    .await;
    a.expect_refusal(ErrorCode::BadFrame).await;

    // Deleting the room deletes its files.
    let mut a = Raw::hello_as(&relay.url(), &room, &key.token(), 0, false, Some(&owner)).await;
    a.catch_up().await;
    a.send(sms_core::wire::ClientOut::Delete { id: 8 }).await;
    assert_eq!(a.next().await, ServerIn::Ack { id: 8, seq: 0 });
    let mut again = Raw::hello_as(&relay.url(), &room, &key.token(), 0, true, Some(&owner)).await;
    again.catch_up().await;
    assert!(held(&mut again, 9, std::slice::from_ref(&file))
        .await
        .is_empty());
}
