//! The IndexedDB adapter in a real headless Chromium: saves, loads, compacts
//! and reopens a workbook.
#![cfg(target_arch = "wasm32")]

use chrono::{TimeZone, Utc};
use sms_core::{
    registers,
    storage::{chunk_key, load_order, ChunkKind, ChunkLedger},
    ActorBytes, ChangeContext, Record, RecordDraft, RecordId, Value, Workbook, WorkbookId,
};
use sms_workbook::idb::ChunkStore;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn ctx(secs: i64) -> ChangeContext {
    ChangeContext::new(
        "Tester",
        Utc.timestamp_opt(1_790_000_000 + secs, 0).unwrap(),
    )
}

fn risk(title: &str) -> Record {
    let def = registers::register("risk").unwrap();
    let mut d = RecordDraft::new(def);
    for (k, v) in [
        ("title", title),
        ("owner", "Ana"),
        ("likelihood", "3"),
        ("impact", "3"),
    ] {
        d.set(k, v);
    }
    d.validate(def).unwrap()
}

fn risks(wb: &Workbook) -> Vec<(RecordId, Record)> {
    let mut v = wb.records("risk");
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

async fn fresh_store(name: &str) -> ChunkStore {
    let _ = ChunkStore::delete_database(name).await;
    ChunkStore::open(name).await.expect("open IndexedDB")
}

#[wasm_bindgen_test]
async fn saves_loads_compacts_and_reopens() {
    const DB: &str = "idb-test-roundtrip";
    let store = fresh_store(DB).await;
    let id = WorkbookId::from_random([3; 16]);
    assert_eq!(store.current().await.unwrap(), None);

    let mut wb = Workbook::create(id.clone(), "Roundtrip", ActorBytes([1; 16]), &ctx(0)).unwrap();
    let mut ledger = ChunkLedger::new();
    let snap = wb.save();
    let key = chunk_key(&id, ChunkKind::Snapshot, &snap);
    store.write(&[(&key, &snap)], &[], Some(&id)).await.unwrap();
    ledger.stored(key, snap.len());

    for i in 0..12u8 {
        let mut r = risk(&format!("Risk {i}"));
        r.set("description", Value::Text("x".repeat(8_000)));
        wb.add_record("risk", &RecordId::from_random([i; 16]), &r, &ctx(i.into()))
            .unwrap();
        let bytes = wb.take_unsaved().unwrap();
        let key = chunk_key(&id, ChunkKind::Incremental, &bytes);
        store.write(&[(&key, &bytes)], &[], None).await.unwrap();
        ledger.stored(key, bytes.len());
    }

    // Load: snapshot + 12 incremental chunks.
    let mut chunks = store.load(&id).await.unwrap();
    assert_eq!(chunks.len(), 13);
    load_order(&mut chunks);
    let loaded = Workbook::load(
        chunks.iter().map(|(_, b)| b.as_slice()),
        ActorBytes([2; 16]),
    )
    .unwrap();
    assert_eq!(risks(&loaded), risks(&wb));

    // Compact: the new snapshot replaces exactly the chunks it covers.
    assert!(ledger.needs_compaction());
    let snap = wb.save();
    let plan = ledger.plan_compaction(&id, &snap);
    store
        .write(&[(&plan.key, &snap)], &plan.delete, Some(&id))
        .await
        .unwrap();
    ledger.compacted(&plan, snap.len());
    let chunks = store.load(&id).await.unwrap();
    assert_eq!(chunks.len(), 1);
    assert_eq!(chunks[0].0, plan.key);

    // Reopen the database as a new page load would.
    store.close();
    let store = ChunkStore::open(DB).await.unwrap();
    assert_eq!(store.current().await.unwrap(), Some(id.clone()));
    let chunks = store.load(&id).await.unwrap();
    let reopened = Workbook::load(
        chunks.iter().map(|(_, b)| b.as_slice()),
        ActorBytes([4; 16]),
    )
    .unwrap();
    assert_eq!(risks(&reopened).len(), 12);
    assert_eq!(risks(&reopened), risks(&wb));
    store.close();
    ChunkStore::delete_database(DB).await.unwrap();
}

#[wasm_bindgen_test]
async fn chunks_of_other_workbooks_are_not_loaded() {
    const DB: &str = "idb-test-isolation";
    let store = fresh_store(DB).await;
    let a = WorkbookId::from_random([0xa; 16]);
    let b = WorkbookId::from_random([0xb; 16]);
    let ka = chunk_key(&a, ChunkKind::Snapshot, b"a");
    let kb = chunk_key(&b, ChunkKind::Snapshot, b"b");
    store
        .write(&[(&ka, b"a"), (&kb, b"b")], &[], None)
        .await
        .unwrap();
    let got = store.load(&a).await.unwrap();
    assert_eq!(got, vec![(ka, b"a".to_vec())]);
    store.close();
    ChunkStore::delete_database(DB).await.unwrap();
}

#[wasm_bindgen_test]
async fn a_refused_write_is_reported_and_stores_nothing() {
    const DB: &str = "idb-test-refused";
    let store = fresh_store(DB).await;
    let id = WorkbookId::from_random([5; 16]);
    let key = chunk_key(&id, ChunkKind::Incremental, b"late");
    store.close();
    let err = store
        .write(&[(&key, b"late")], &[], Some(&id))
        .await
        .expect_err("writing to a closed database is reported");
    assert!(!err.to_string().is_empty());
    let store = ChunkStore::open(DB).await.unwrap();
    assert!(store.load(&id).await.unwrap().is_empty());
    assert_eq!(store.current().await.unwrap(), None);
    store.close();
    ChunkStore::delete_database(DB).await.unwrap();
}
