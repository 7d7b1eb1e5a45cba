//! Memory and time of previewing and merging a file into an open workbook,
//! the way the app does it (read the file, take the changes it brings, drop
//! it, preview, merge), measured natively in one process (Linux only).
//!
//!     merge_memory <open.smsw> <file.smsw> [--by-copy] [--as-worker]
//!
//! `--as-worker` takes the changes the way the app's file worker does (by
//! the hashes of the open copy's changes; times on standard error).
//! `--by-copy` previews by merging into a throwaway copy of the workbook
//! and comparing (`Workbook::preview_incoming_by_copy`), as the app did
//! before; the default reads the preview from the changes' operations.
//! Prints one JSON line: the resident memory of the open workbook, and the
//! peak growth over it of each step (KiB), and the time of each step (ms).
//! Files come from `generate_workbook <n> <open.smsw> --mixed --merge
//! <file.smsw>`.

use std::time::Instant;

use sms_core::{ActorBytes, Workbook};

fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

/// Starts measuring a peak from what is resident now.
fn reset_peak() {
    // Writing 5 resets the peak resident size (VmHWM) to the current one.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(open), Some(file)) = (args.first(), args.get(1)) else {
        eprintln!("usage: merge_memory <open.smsw> <file.smsw> [--by-copy]");
        std::process::exit(2);
    };
    let by_copy = args.iter().any(|a| a == "--by-copy");
    // `--as-worker`: the way the app's file worker does it — the open copy
    // sends the hashes of its changes, the file's copy (elsewhere) sends
    // back only the changes it lacks, which the open copy checks.
    let as_worker = args.iter().any(|a| a == "--as-worker");

    let bytes = std::fs::read(open).expect("read the open workbook");
    let mut wb = Workbook::read_file(&bytes, ActorBytes([1; 16])).expect("open workbook");
    drop(bytes);
    let base = status_kib("VmRSS:");

    reset_peak();
    let t = Instant::now();
    let file_bytes = std::fs::read(file).expect("read the file");
    let mut other = Workbook::read_file(&file_bytes, ActorBytes([2; 16])).expect("file");
    let load_peak = status_kib("VmHWM:").saturating_sub(base);
    let load_ms = t.elapsed().as_secs_f64() * 1e3;
    let incoming = if as_worker {
        let t = Instant::now();
        let have: std::collections::HashSet<_> = wb.change_hashes().into_iter().collect();
        let hashes_ms = t.elapsed().as_secs_f64() * 1e3;
        let t = Instant::now();
        let bytes = other.changes_not_in(&have);
        let lacks_ms = t.elapsed().as_secs_f64() * 1e3;
        let t = Instant::now();
        let incoming = wb.incoming_bytes(&bytes).expect("checked changes");
        eprintln!(
            "as the worker: hashes of the open copy {hashes_ms:.0} ms, the changes it lacks {lacks_ms:.0} ms ({} bytes), checked {:.0} ms",
            bytes.len(),
            t.elapsed().as_secs_f64() * 1e3
        );
        incoming
    } else {
        wb.incoming(&mut other)
            .expect("changes of the same workbook")
    };
    drop(other);
    drop(file_bytes);
    let read_ms = t.elapsed().as_secs_f64() * 1e3;
    let read_peak = status_kib("VmHWM:").saturating_sub(base);

    reset_peak();
    let before_preview = status_kib("VmRSS:");
    let t = Instant::now();
    let preview = if by_copy {
        wb.preview_incoming_by_copy(&incoming)
    } else {
        wb.preview_incoming(&incoming)
    };
    let preview_ms = t.elapsed().as_secs_f64() * 1e3;
    let preview_peak = status_kib("VmHWM:").saturating_sub(before_preview);

    reset_peak();
    let before_merge = status_kib("VmRSS:");
    let t = Instant::now();
    wb.merge_incoming(incoming).expect("merge");
    let merge_ms = t.elapsed().as_secs_f64() * 1e3;
    let merge_peak = status_kib("VmHWM:").saturating_sub(before_merge);

    println!(
        "{{\"preview\":\"{}\",\"records_changed\":{},\"open_kib\":{base},\"load_file_peak_kib\":{load_peak},\"read_file_peak_kib\":{read_peak},\"preview_peak_kib\":{preview_peak},\"merge_peak_kib\":{merge_peak},\"load_file_ms\":{load_ms:.0},\"read_file_ms\":{read_ms:.0},\"preview_ms\":{preview_ms:.0},\"merge_ms\":{merge_ms:.0}}}",
        if by_copy { "by copy" } else { "from operations" },
        preview.records.len(),
    );
}
