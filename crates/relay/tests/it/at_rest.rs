use sms_core::crypto::token_hash;
use sms_core::ActorBytes;

use crate::common::*;

const TITLE: &str = "Zanzibar ferry outage playbook";

/// What the relay writes to disk holds no record text and no token: only
/// sealed blobs and token hashes.
#[tokio::test]
async fn the_data_directory_holds_no_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    let mut relay = RelayProcess::start(dir.path(), &[]);
    let (room, key) = room_and_key(30);
    let mut base = new_workbook();
    let b_wb = base.fork(ActorBytes([2; 16]));
    let mut a = Peer::new("A", 1, base, room, key.clone());
    let mut b = Peer::new("B", 2, b_wb, room, key.clone());
    a.connect(&relay.url(), true).await;
    settle(&mut [&mut a]).await;
    b.connect(&relay.url(), false).await;
    for i in 0..3 {
        a.add_risk(&format!("{TITLE} {i}"));
        b.add_risk(&format!("{TITLE} (copy B) {i}"));
    }
    settle(&mut [&mut a, &mut b]).await;
    assert!(titles(&b.wb).iter().any(|t| t.starts_with(TITLE)));
    let snapshot_upto = a.sync.seq;
    a.send_snapshot(snapshot_upto).await;
    a.poll(std::time::Duration::from_millis(200)).await;

    let check = |when: &str| {
        let files = read_all(dir.path());
        assert!(!files.is_empty());
        let all: Vec<u8> = files.iter().flat_map(|(_, b)| b.iter().copied()).collect();
        // The files are the room's: its token hash is there.
        assert!(
            contains(&all, &token_hash(&key.token())),
            "{when}: no room found"
        );
        for (name, bytes) in &files {
            assert!(
                !contains(bytes, TITLE.as_bytes()),
                "{when}: {name} holds a record title"
            );
            assert!(!contains(bytes, b"Ana"), "{when}: {name} holds an author");
            assert!(
                !contains(bytes, &key.token()),
                "{when}: {name} holds the room token"
            );
        }
    };
    check("while running");
    relay.terminate();
    check("after stopping");
}

fn read_all(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(read_all(&path));
        } else {
            out.push((path.display().to_string(), std::fs::read(&path).unwrap()));
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
