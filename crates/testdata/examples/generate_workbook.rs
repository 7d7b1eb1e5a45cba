//! Writes a generated workbook (see `sms_testdata`) as one snapshot,
//! and prints what a test needs to put it into a browser's storage as one
//! line of JSON: workbook id, name, the chunk key, and what it holds.
//!
//! ```text
//! generate_workbook <n> <out.smsw> [--mixed] [--merge <merge.smsw>] [--changes <k>]
//! ```
//!
//! - Without options: `n` incidents and 10 services
//!   (`generate::incidents`).
//! - `--mixed`: `n` records over every register (`generate::workbook`).
//! - `--merge F`: also writes F, a workbook file (as "Open a workbook
//!   file…" reads it) holding the workbook plus `k` changes (default
//!   1,000) by someone else, one record update each (`generate::edits`).
//!
//! It prints `{"id", "name", "key", "bytes", "records", "incidents",
//! "registers": {register id: live records}, "merge": {"file", "changes",
//! "bytes"} or null}`.
//!
//! `cargo run --release -p sms-testdata --example generate_workbook -- 10000 out.smsw --mixed --merge merge.smsw`
use std::collections::BTreeMap;
use std::time::Instant;

use chrono::{Duration, TimeZone, Utc};
use sms_core::storage::{chunk_key, ChunkKind};
use sms_testdata as generate;

const SEED: u64 = 42;
/// Seed of the changes in the merge file.
const MERGE_SEED: u64 = 4242;
/// Who makes the changes in the merge file.
const MERGE_AUTHOR: &str = "Elif Demir";

fn usage() -> ! {
    eprintln!(
        "usage: generate_workbook <n> <out.smsw> [--mixed] [--merge <merge.smsw>] [--changes <k>]"
    );
    std::process::exit(2);
}

fn main() {
    let mut n: Option<usize> = None;
    let mut path: Option<String> = None;
    let mut mixed = false;
    let mut merge: Option<String> = None;
    let mut changes: usize = 1_000;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--mixed" => mixed = true,
            "--merge" => merge = Some(args.next().unwrap_or_else(|| usage())),
            "--changes" => {
                changes = args
                    .next()
                    .and_then(|k| k.parse().ok())
                    .unwrap_or_else(|| usage())
            }
            _ if arg.starts_with("--") => usage(),
            _ if n.is_none() => n = Some(arg.parse().unwrap_or_else(|_| usage())),
            _ if path.is_none() => path = Some(arg),
            _ => usage(),
        }
    }
    let (Some(n), Some(path)) = (n, path) else {
        usage()
    };

    let at = Utc.timestamp_opt(1_790_000_000, 0).unwrap();
    let started = Instant::now();
    let mut wb = if mixed {
        generate::workbook(n, SEED, at)
    } else {
        generate::incidents(n, SEED, at)
    }
    .expect("generated workbook");
    let bytes = wb.save();
    std::fs::write(&path, &bytes).expect("write workbook");
    let key = chunk_key(wb.id(), ChunkKind::Snapshot, &bytes);
    eprintln!(
        "generate_workbook: {n} records written in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // Live records by register, in one pass over the records.
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for id in wb.record_ids() {
        if let Some((def, _, false)) = wb.title_of(&id) {
            *counts.entry(def.id).or_default() += 1;
        }
    }
    let records: usize = counts.values().sum();
    let incidents = counts.get("incident").copied().unwrap_or(0);
    let registers: serde_json::Map<String, serde_json::Value> = counts
        .iter()
        .map(|(id, count)| ((*id).to_owned(), (*count).into()))
        .collect();

    let started = Instant::now();
    let merge = merge.map(|file| {
        // After everything in the workbook, whichever generator made it.
        let later = at + Duration::days(generate::WORKBOOK_DAYS);
        let mut edited = generate::edits(&mut wb, changes, MERGE_SEED, later, MERGE_AUTHOR)
            .expect("edited copy");
        let file_bytes = edited.to_file();
        std::fs::write(&file, &file_bytes).expect("write merge file");
        eprintln!(
            "generate_workbook: {changes} changes written in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        serde_json::json!({ "file": file, "changes": changes, "bytes": file_bytes.len() })
    });

    println!(
        "{}",
        serde_json::json!({
            "id": wb.id().as_str(),
            "name": wb.name(),
            "key": key,
            "bytes": bytes.len(),
            "records": records,
            "incidents": incidents,
            "registers": registers,
            "merge": merge,
        })
    );
}
