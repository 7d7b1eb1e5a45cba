//! Writes a generated workbook of `n` incidents (see `sms_core::generate`)
//! as one snapshot, and prints what a test needs to put it into a browser's
//! storage as JSON: workbook id, name, and the chunk key.
//!
//! `cargo run --release -p sms-core --example generate_workbook -- 10000 out.smsw`
use chrono::{TimeZone, Utc};
use sms_core::storage::{chunk_key, ChunkKind};

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args
        .next()
        .and_then(|a| a.parse().ok())
        .expect("number of incidents");
    let path = args.next().expect("output path");
    let at = Utc.timestamp_opt(1_790_000_000, 0).unwrap();
    let mut wb = sms_core::generate::incidents(n, 42, at).expect("generated workbook");
    let bytes = wb.save();
    std::fs::write(&path, &bytes).expect("write workbook");
    let key = chunk_key(wb.id(), ChunkKind::Snapshot, &bytes);
    println!(
        "{}",
        serde_json::json!({ "id": wb.id().as_str(), "name": wb.name(), "key": key, "bytes": bytes.len() })
    );
}
