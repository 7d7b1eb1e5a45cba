//! Attached files carried in workbook files, and the evidence pack: asked of
//! the zip worker (`crates/zipworker`), which reads and stores the files'
//! bytes in this browser's database itself, so neither the zip code nor
//! the bytes are on the page.

use js_sys::{Array, Uint8Array};
use leptos::prelude::Update;
use wasm_bindgen::{JsCast, JsValue};

use crate::{
    state::AppState,
    worker::{ask, Failed},
};

/// The worker's loader script, next to the app's files.
pub(crate) const WORKER: &str = "./sms-zip-worker_loader.js";

/// The files a workbook file carried, as the worker read them (JavaScript
/// arrays, never copied into WebAssembly memory), until they are stored.
pub struct Carried {
    hashes: JsValue,
    files: JsValue,
}

pub(crate) fn message(op: &str, fields: &[(&str, &JsValue)]) -> js_sys::Object {
    let msg = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&msg, &"op".into(), &op.into());
    let _ = js_sys::Reflect::set(&msg, &"db".into(), &crate::idb::DB_NAME.into());
    for (k, v) in fields {
        let _ = js_sys::Reflect::set(&msg, &(*k).into(), v);
    }
    msg
}

fn get(data: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(data, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

pub(crate) fn count(data: &JsValue, key: &str) -> usize {
    get(data, key).as_f64().unwrap_or(0.0) as usize
}

/// Opens a workbook file that is a container: the workbook file inside it,
/// and the files it carries. `Failed::Said` says why it was refused.
pub async fn unpack(file: &Uint8Array) -> Result<(Vec<u8>, Carried), Failed> {
    let data = ask(WORKER, "zip", message("unpack", &[("bytes", file)])).await?;
    let document = get(&data, "document")
        .dyn_into::<Uint8Array>()
        .map_err(|_| Failed::Module("the zip module gave no workbook".into()))?;
    let carried = Carried {
        hashes: get(&data, "hashes"),
        files: get(&data, "files"),
    };
    Ok((document.to_vec(), carried))
}

/// Stores the files a workbook file carried, all or none; returns how
/// many were new to this browser.
pub async fn store(state: AppState, carried: Option<Carried>) -> Result<usize, String> {
    let Some(carried) =
        carried.filter(|c| c.files.dyn_ref::<Array>().is_some_and(|a| a.length() > 0))
    else {
        return Ok(0);
    };
    let msg = message(
        "store",
        &[("hashes", &carried.hashes), ("files", &carried.files)],
    );
    match ask(WORKER, "zip", msg).await {
        Ok(data) => {
            let n = count(&data, "stored");
            if n > 0 {
                state.files.update(|f| *f += 1);
            }
            Ok(n)
        }
        Err(e) => Err(format!("its attached files were not stored: {e}")),
    }
}

/// The hashes of every file the open workbook refers to, 32 bytes each
/// (a file attached in several places is there as often).
pub(crate) fn referenced(state: AppState) -> Uint8Array {
    let hashes: Vec<u8> = state
        .summary_untracked(|summary| {
            state.index_untracked(|ix| {
                sms_core::attachments::referenced(summary, ix)
                    .flat_map(|h| h.0)
                    .collect()
            })
        })
        .unwrap_or_default();
    Uint8Array::from(hashes.as_slice())
}

/// What a download holds: the file, and how many attached files are in it
/// and are not (their bytes are not on this device).
pub struct Written {
    pub bytes: Uint8Array,
    pub carried: usize,
    pub missing: usize,
}

/// The workbook file `document` as a container carrying the files it
/// refers to, or `None` when it refers to none (the plain file is it).
pub async fn container(state: AppState, document: &[u8]) -> Result<Option<Written>, Failed> {
    let hashes = referenced(state);
    if hashes.length() == 0 {
        return Ok(None);
    }
    let msg = message(
        "container",
        &[
            ("document", &Uint8Array::from(document).into()),
            ("hashes", &hashes.into()),
        ],
    );
    written(ask(WORKER, "zip", msg).await?, "carried").map(Some)
}

fn written(data: JsValue, key: &str) -> Result<Written, Failed> {
    Ok(Written {
        bytes: get(&data, "bytes")
            .dyn_into()
            .map_err(|_| Failed::Module("the zip module gave no file".into()))?,
        carried: count(&data, key),
        missing: count(&data, "missing"),
    })
}

/// The evidence pack of the open workbook (`sms_core::pack`); `carried` is
/// how many files are in it.
pub async fn pack(state: AppState) -> Result<Written, Failed> {
    let (name, fields) = state
        .summary_untracked(|summary| {
            let fields = state.index_untracked(|ix| sms_core::pack::fields(summary, ix));
            (summary.name.clone(), fields)
        })
        .ok_or_else(|| Failed::Said("the workbook is not open".into()))?;
    let list = Array::new();
    for f in fields {
        list.push(&f.into());
    }
    let made = sms_core::dates::iso(crate::platform::now().date_naive());
    let msg = message(
        "pack",
        &[
            ("name", &name.into()),
            ("made", &made.into()),
            ("fields", &list.into()),
        ],
    );
    written(ask(WORKER, "zip", msg).await?, "packed")
}

/// "1 attached file", "N attached files".
pub fn files(n: usize) -> String {
    if n == 1 {
        "1 attached file".into()
    } else {
        format!("{n} attached files")
    }
}

/// "", or " and N attached files", for a message about what was stored.
pub fn and_files(n: usize) -> String {
    if n == 0 {
        String::new()
    } else {
        format!(" and {}", files(n))
    }
}
