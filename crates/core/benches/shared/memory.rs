//! Resident memory of loading a saved workbook, measured in a fresh
//! process (this same benchmark binary, started again), so that memory
//! freed by preparing the fixtures does not hide it. Shared by the
//! benchmark binaries through `#[path]`.

use sms_core::{ActorBytes, Workbook};

/// Set in the child process: the file to load.
const MEMORY_CHILD: &str = "SMS_CORE_BENCH_MEMORY_OF";

/// Resident memory of this process in KiB (Linux only).
fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Call first in `main`: in the child process, loads the file, prints the
/// growth of resident memory (KiB) over the load, and returns `true` (the
/// caller then stops).
pub fn run_child() -> bool {
    let Ok(path) = std::env::var(MEMORY_CHILD) else {
        return false;
    };
    let bytes = std::fs::read(path).expect("read saved workbook");
    let before = rss_kib().unwrap_or(0);
    let wb = Workbook::load([bytes.as_slice()], ActorBytes([6; 16])).expect("load");
    let loaded = rss_kib().unwrap_or(0);
    println!("{}", loaded.saturating_sub(before));
    drop(wb);
    true
}

/// Resident memory growth (KiB) of loading `bytes` in a fresh process. It
/// includes memory the allocator keeps after the load.
pub fn growth_of_loading(bytes: &[u8], label: &str) -> Option<u64> {
    let exe = std::env::current_exe().ok()?;
    let path = std::env::temp_dir().join(format!(
        "sms-core-bench-{}-{label}.smsw",
        std::process::id()
    ));
    std::fs::write(&path, bytes).ok()?;
    let out = std::process::Command::new(exe)
        .env(MEMORY_CHILD, &path)
        .output();
    let _ = std::fs::remove_file(&path);
    let out = out.ok().filter(|o| o.status.success())?;
    String::from_utf8(out.stdout).ok()?.trim().parse().ok()
}
