use crate::common::*;
use sms_core::schema::SCHEMA_VERSION;
use sms_core::storage::{chunk_key, load_order, ChunkKind, ChunkLedger};
use sms_core::{LoadError, Workbook};

#[test]
fn snapshot_plus_incremental_chunks_reload_to_the_same_state() {
    let mut wb = new_workbook();
    let mut chunks = vec![wb.save()];
    for i in 1..=5 {
        wb.add_record(
            "risk",
            &rid(i),
            &risk(&format!("R{i}")),
            &ctx("Ana", i.into()),
        )
        .unwrap();
        chunks.push(wb.take_unsaved().unwrap());
    }
    assert_eq!(wb.take_unsaved(), None, "nothing left unsaved");

    // Any order of chunks loads.
    chunks.reverse();
    let mut back = Workbook::load(chunks.iter().map(Vec::as_slice), actor(2)).unwrap();
    assert_eq!(risks(&back), risks(&wb));
    assert_eq!(back.heads(), wb.heads());
    assert_eq!(back.take_unsaved(), None, "a loaded state counts as saved");
}

#[test]
fn compaction_keeps_every_change() {
    let mut wb = new_workbook();
    let mut ledger = ChunkLedger::new();
    let mut store: Vec<(String, Vec<u8>)> = Vec::new();
    let put =
        |store: &mut Vec<(String, Vec<u8>)>, ledger: &mut ChunkLedger, k: String, b: Vec<u8>| {
            ledger.stored(k.clone(), b.len());
            store.push((k, b));
        };
    let first = wb.save();
    put(
        &mut store,
        &mut ledger,
        chunk_key(wb.id(), ChunkKind::Snapshot, &first),
        first,
    );
    for i in 0..40u8 {
        let mut r = risk(&format!("Risk {i} {}", "x".repeat(150)));
        r.set("description", sms_core::Value::Text("d".repeat(3000)));
        wb.add_record("risk", &rid(i), &r, &ctx("Ana", i.into()))
            .unwrap();
        let b = wb.take_unsaved().unwrap();
        put(
            &mut store,
            &mut ledger,
            chunk_key(wb.id(), ChunkKind::Incremental, &b),
            b,
        );
    }
    assert!(ledger.needs_compaction());
    let snap = wb.save();
    let plan = ledger.plan_compaction(wb.id(), &snap);
    // Write first, then delete exactly what the plan says.
    store.push((plan.key.clone(), snap.clone()));
    store.retain(|(k, _)| !plan.delete.contains(k));
    ledger.compacted(&plan, snap.len());
    assert_eq!(store.len(), 1);

    load_order(&mut store);
    let back = Workbook::load(store.iter().map(|(_, b)| b.as_slice()), actor(3)).unwrap();
    assert_eq!(risks(&back).len(), 40);
    assert_eq!(risks(&back), risks(&wb));
}

#[test]
fn random_bytes_are_reported_as_corrupt() {
    let err = Workbook::load([&b"definitely not automerge"[..]], actor(2)).unwrap_err();
    assert!(matches!(err, LoadError::Corrupt(_)), "{err:?}");
}

#[test]
fn truncated_workbook_is_reported_as_corrupt() {
    let mut wb = new_workbook();
    wb.add_record("risk", &rid(1), &risk("A"), &ctx("Ana", 1))
        .unwrap();
    let bytes = wb.save();
    let err = Workbook::load([&bytes[..bytes.len() / 2]], actor(2)).unwrap_err();
    assert!(matches!(err, LoadError::Corrupt(_)), "{err:?}");
}

#[test]
fn an_automerge_document_that_is_not_a_workbook_is_refused() {
    use automerge::{transaction::Transactable, AutoCommit, ROOT};
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "todo", "buy milk").unwrap();
    let err = Workbook::load([doc.save().as_slice()], actor(2)).unwrap_err();
    assert_eq!(err, LoadError::NotAWorkbook);
}

#[test]
fn a_newer_schema_version_is_refused_with_both_versions() {
    use automerge::{transaction::Transactable, AutoCommit, ROOT};
    let mut wb = new_workbook();
    let mut doc = AutoCommit::load(&wb.save()).unwrap();
    doc.put(ROOT, "schema_version", SCHEMA_VERSION + 1).unwrap();
    let err = Workbook::load([doc.save().as_slice()], actor(2)).unwrap_err();
    assert_eq!(
        err,
        LoadError::NewerVersion {
            found: SCHEMA_VERSION + 1,
            supported: SCHEMA_VERSION
        }
    );
    assert!(err.to_string().contains("newer version"));
}

#[test]
fn empty_storage_is_not_a_workbook() {
    let none: [&[u8]; 0] = [];
    assert!(matches!(
        Workbook::load(none, actor(2)),
        Err(LoadError::Corrupt(_))
    ));
}
