use sms_core::crypto::token_hash;
use sms_core::ActorBytes;

use crate::common::*;

const TITLE: &str = "Zanzibar ferry outage playbook";

/// What the relay keeps (its files, or its PostgreSQL rows) holds no
/// record text and no token: only sealed blobs and token hashes.
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

    let check = |relay: &RelayProcess, when: &str| {
        let all = relay.stored();
        // What it keeps is the room's: its token hash is there.
        assert!(
            contains(&all, &token_hash(&key.token())),
            "{when}: no room found"
        );
        assert!(
            !contains(&all, TITLE.as_bytes()),
            "{when}: a record title is kept"
        );
        assert!(!contains(&all, b"Ana"), "{when}: an author is kept");
        assert!(
            !contains(&all, &key.token()),
            "{when}: the room token is kept"
        );
    };
    check(&relay, "while running");
    relay.terminate();
    check(&relay, "after stopping");
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
