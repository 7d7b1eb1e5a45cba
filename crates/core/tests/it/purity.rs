//! The core crate must stay free of browser, UI and async-runtime crates.

use std::process::Command;

const FORBIDDEN: &[&str] = &[
    "leptos",
    "web-sys",
    "js-sys",
    "wasm-bindgen",
    "gloo",
    "tokio",
    "async-std",
    "smol",
    "futures-executor",
    "reqwest",
];

#[test]
fn core_depends_on_no_browser_ui_or_async_runtime_crate() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // Every platform, so a wasm32-only dependency is caught too.
    let out = Command::new(cargo)
        .args([
            "tree", "-p", "sms-core", "-e", "normal", "--target", "all", "--prefix", "none",
            "--format", "{p}",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo tree");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree = String::from_utf8(out.stdout).unwrap();
    let names: Vec<&str> = tree
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(names.contains(&"automerge"), "the tree was read: {names:?}");
    let bad: Vec<_> = names
        .iter()
        .filter(|n| {
            FORBIDDEN
                .iter()
                .any(|f| **n == *f || n.starts_with(&format!("{f}-")))
        })
        .collect();
    assert!(bad.is_empty(), "sms-core must not depend on {bad:?}");
}
