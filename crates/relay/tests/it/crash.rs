use std::collections::BTreeSet;
use std::time::Duration;

use sms_core::wire::ServerIn;
use sms_core::ActorBytes;

use crate::common::*;

/// SIGKILL while pushes are under way: every acknowledged push is still
/// in the room after a restart on the same data directory, and the copies
/// reconnect from what they hold and converge.
#[tokio::test]
async fn acknowledged_pushes_survive_a_killed_relay() {
    let dir = tempfile::tempdir().unwrap();
    let mut relay = RelayProcess::start(dir.path(), &[]);
    let (room, key) = room_and_key(2);
    let mut base = new_workbook();
    let b_wb = base.fork(ActorBytes([2; 16]));
    let c_wb = base.fork(ActorBytes([3; 16]));
    let late_wb = base.fork(ActorBytes([4; 16]));
    let mut a = Peer::new("A", 1, base, room, key.clone());
    let mut b = Peer::new("B", 2, b_wb, room, key.clone());
    let mut c = Peer::new("C", 3, c_wb, room, key.clone());

    a.connect(&relay.url(), true).await;
    settle(&mut [&mut a]).await;
    b.connect(&relay.url(), false).await;
    c.connect(&relay.url(), false).await;

    // Edit and push without waiting; kill the relay once some pushes are
    // acknowledged and others are surely still on their way.
    let mut round = 0;
    loop {
        for p in [&mut a, &mut b, &mut c] {
            p.add_risk(&format!("{} edit {round}", p.name));
            p.push().await;
        }
        round += 1;
        for p in [&mut a, &mut b, &mut c] {
            p.poll(Duration::from_millis(1)).await;
        }
        let acked: usize = [&a, &b, &c].iter().map(|p| p.acked_seqs.len()).sum();
        if acked >= 20 {
            break;
        }
        assert!(round < 200, "pushes are acknowledged");
    }
    for p in [&mut a, &mut b, &mut c] {
        p.add_risk(&format!("{} last edit", p.name));
        p.push().await;
    }
    relay.kill();
    let unacked: usize = [&a, &b, &c].iter().map(|p| p.unacked()).sum();
    assert!(unacked >= 3, "killed with pushes under way");
    for p in [&mut a, &mut b, &mut c] {
        p.disconnect();
    }

    let acked_seqs: BTreeSet<u64> = [&a, &b, &c]
        .iter()
        .flat_map(|p| p.acked_seqs.iter().copied())
        .collect();
    let acked_records: BTreeSet<_> = [&a, &b, &c]
        .iter()
        .flat_map(|p| p.acked_records.iter().cloned())
        .collect();

    let relay = RelayProcess::start(dir.path(), &[]);
    // A copy that held nothing reads the whole log.
    let mut late = Peer::new("late", 4, late_wb, room, key);
    let welcome = late.connect(&relay.url(), false).await;
    let received: BTreeSet<u64> = late
        .log
        .iter()
        .filter_map(|got| match got {
            Got::Blob(seq) => Some(*seq),
            _ => None,
        })
        .collect();
    assert!(
        acked_seqs.is_subset(&received),
        "acknowledged entries missing after the crash: {:?}",
        acked_seqs.difference(&received).collect::<Vec<_>>()
    );
    let ServerIn::Welcome { head, .. } = welcome else {
        panic!("{welcome:?}")
    };
    assert_eq!(Some(head), received.last().copied());
    let held: BTreeSet<_> = late.wb.record_ids().into_iter().collect();
    assert!(
        acked_records.is_subset(&held),
        "acknowledged records missing after the crash"
    );

    // The copies reconnect from what they hold and resend what was not
    // acknowledged.
    for p in [&mut a, &mut b, &mut c] {
        p.connect(&relay.url(), false).await;
    }
    settle(&mut [&mut a, &mut b, &mut c, &mut late]).await;
    assert_converged(&mut [&mut a, &mut b, &mut c, &mut late]);
    assert_eq!(titles(&a.wb).len(), 3 * (round + 1));
}
