//! Workbook files read by the file worker (`crates/fileworker`), so a
//! file's whole document is loaded off the page's thread and out of its
//! memory; for a file of the open workbook only the changes it lacks come
//! back.

use sms_core::{ChangeHash, WorkbookId};
use wasm_bindgen::JsCast;

use crate::worker::{ask, Failed};

/// The worker's loader script, next to the app's files.
pub(crate) const WORKER: &str = "./sms-file-worker_loader.js";

/// What the worker read.
pub enum Read {
    /// A file of the open workbook: the changes (change chunks) it lacks.
    Same(Vec<u8>),
    /// A file of another workbook.
    Other { id: WorkbookId },
}

/// Reads `file` in the worker, for the open workbook `open` (if any)
/// holding the changes `have`. `Failed::Said` carries why the file is not a workbook
/// file (the words of `sms_core::LoadError`); `Failed::Module` that the
/// worker could not be used.
pub async fn read(
    file: &[u8],
    open: Option<&WorkbookId>,
    have: &[ChangeHash],
) -> Result<Read, Failed> {
    let msg = js_sys::Object::new();
    let hashes: Vec<u8> = have.iter().flat_map(|h| h.0).collect();
    let set = |k: &str, v: &wasm_bindgen::JsValue| {
        let _ = js_sys::Reflect::set(&msg, &k.into(), v);
    };
    set("bytes", &js_sys::Uint8Array::from(file).into());
    set("have", &js_sys::Uint8Array::from(hashes.as_slice()).into());
    set("workbook", &open.map_or("", WorkbookId::as_str).into());
    let data = ask(WORKER, "file", msg).await?;
    let same = js_sys::Reflect::get(&data, &"same".into())
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    if !same {
        let id = js_sys::Reflect::get(&data, &"id".into())
            .ok()
            .and_then(|v| v.as_string())
            .and_then(|s| WorkbookId::parse(&s))
            .ok_or_else(|| Failed::Module("the file module gave no workbook id".into()))?;
        return Ok(Read::Other { id });
    }
    js_sys::Reflect::get(&data, &"changes".into())
        .ok()
        .and_then(|b| b.dyn_into::<js_sys::Uint8Array>().ok())
        .map(|b| Read::Same(b.to_vec()))
        .ok_or_else(|| Failed::Module("the file module gave no changes".into()))
}
