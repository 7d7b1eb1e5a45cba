use sms_core::wire::ServerIn;

use crate::common::*;

#[tokio::test]
async fn three_copies_edit_sync_and_converge() {
    let dir = tempfile::tempdir().unwrap();
    let relay = RelayProcess::start(dir.path(), &[]);
    let (room, key) = room_and_key(1);
    let mut base = new_workbook();
    base.add_record(
        "risk",
        &sms_core::RecordId::from_random([9; 16]),
        &risk("Seed risk"),
        &ctx("Ana", 1),
    )
    .unwrap();
    let b_wb = base.fork(sms_core::ActorBytes([2; 16]));
    let c_wb = base.fork(sms_core::ActorBytes([3; 16]));
    let mut a = Peer::new("A", 1, base, room, key.clone());
    let mut b = Peer::new("B", 2, b_wb, room, key.clone());
    let mut c = Peer::new("C", 3, c_wb, room, key);

    // The first copy creates the room and pushes its whole document.
    let welcome = a.connect(&relay.url(), true).await;
    assert_eq!(
        welcome,
        ServerIn::Welcome {
            head: 0,
            snapshot: 0
        }
    );
    settle(&mut [&mut a]).await;
    assert_eq!(a.acked_seqs.iter().copied().collect::<Vec<_>>(), [1]);

    let welcome = b.connect(&relay.url(), false).await;
    assert!(
        matches!(welcome, ServerIn::Welcome { head: 1, .. }),
        "{welcome:?}"
    );
    assert_eq!(b.log, [Got::Blob(1), Got::CaughtUp(1)]);
    c.connect(&relay.url(), false).await;
    assert_eq!(b.sync.seq, 1);

    // Everyone edits, some of it concurrently.
    for round in 0..3 {
        for p in [&mut a, &mut b, &mut c] {
            p.add_risk(&format!("{} risk {round}", p.name));
            p.push().await;
        }
    }
    settle(&mut [&mut a, &mut b, &mut c]).await;
    assert_converged(&mut [&mut a, &mut b, &mut c]);
    assert_eq!(titles(&a.wb).len(), 10);

    one_sequence_no_echoes(&[&a, &b, &c]);
}

/// Sequence numbers are 1, 2, 3, … with no gaps across everyone's pushes;
/// each copy got the others' entries in order and never its own back.
fn one_sequence_no_echoes(peers: &[&Peer]) {
    let mut all: Vec<u64> = peers
        .iter()
        .flat_map(|p| p.acked_seqs.iter().copied())
        .collect();
    all.sort();
    assert_eq!(
        all,
        (1..=all.len() as u64).collect::<Vec<_>>(),
        "one sequence"
    );
    for p in peers {
        let mut last = 0;
        for got in &p.log {
            if let Got::Blob(seq) = got {
                assert!(
                    !p.acked_seqs.contains(seq),
                    "{} got its own entry {seq} back",
                    p.name
                );
                assert!(*seq > last, "{} got {seq} after {last}", p.name);
                last = *seq;
            }
        }
    }
}

/// Two relay processes over one PostgreSQL database (as behind a load
/// balancer): copies connected to either converge, each entry reaches the
/// other process's clients, in order, without gaps or echoes. Runs when
/// the tests run against PostgreSQL (`SMS_RELAY_TEST_POSTGRES=1`).
#[tokio::test]
async fn two_relay_processes_sharing_postgres_converge() {
    if postgres().is_none() {
        eprintln!("two relay processes need PostgreSQL: run under SMS_RELAY_TEST_POSTGRES=1");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let first = RelayProcess::start(dir.path(), &[]);
    let second = first.start_beside(&[]);
    let (room, key) = room_and_key(2);
    let mut base = new_workbook();
    let b_wb = base.fork(sms_core::ActorBytes([2; 16]));
    let c_wb = base.fork(sms_core::ActorBytes([3; 16]));
    let mut a = Peer::new("A", 1, base, room, key.clone());
    let mut b = Peer::new("B", 2, b_wb, room, key.clone());
    let mut c = Peer::new("C", 3, c_wb, room, key);
    a.connect(&first.url(), true).await;
    settle(&mut [&mut a]).await;
    b.connect(&second.url(), false).await;
    c.connect(&first.url(), false).await;
    for round in 0..5 {
        for p in [&mut a, &mut b, &mut c] {
            p.add_risk(&format!("{} risk {round}", p.name));
            p.push().await;
        }
    }
    settle(&mut [&mut a, &mut b, &mut c]).await;
    assert_converged(&mut [&mut a, &mut b, &mut c]);
    assert_eq!(titles(&b.wb).len(), 15);
    one_sequence_no_echoes(&[&a, &b, &c]);
}

/// A relay process whose connection listening for the others breaks
/// misses nothing: what another process committed meanwhile reaches its
/// clients once it listens again (PostgreSQL only).
#[tokio::test]
async fn a_broken_listener_misses_nothing() {
    if postgres().is_none() {
        eprintln!("two relay processes need PostgreSQL: run under SMS_RELAY_TEST_POSTGRES=1");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let first = RelayProcess::start(dir.path(), &[]);
    let second = first.start_beside(&[]);
    let (room, key) = room_and_key(3);
    let mut base = new_workbook();
    let b_wb = base.fork(sms_core::ActorBytes([2; 16]));
    let mut a = Peer::new("A", 1, base, room, key.clone());
    let mut b = Peer::new("B", 2, b_wb, room, key);
    a.connect(&first.url(), true).await;
    settle(&mut [&mut a]).await;
    b.connect(&second.url(), false).await;
    settle(&mut [&mut a, &mut b]).await;
    // Both processes' listeners break; A's next entry is announced while
    // nobody listens.
    assert_eq!(first.cut_listeners(), 2);
    a.add_risk("Committed while nobody listened");
    a.push().await;
    settle(&mut [&mut a, &mut b]).await;
    assert_converged(&mut [&mut a, &mut b]);
    assert!(titles(&b.wb).contains("Committed while nobody listened"));
    one_sequence_no_echoes(&[&a, &b]);
}
