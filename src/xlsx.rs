//! Spreadsheets (XLSX) through the spreadsheet worker (`crates/xlsx`, built
//! by Trunk as its own WebAssembly module). The worker is started for each
//! export or import and stopped afterwards, so its code is fetched only when
//! someone uses it (the service worker keeps a copy for offline use) and the
//! work never blocks the page.

use serde::Serialize;
use wasm_bindgen::JsCast;

/// The worker's loader script, next to the app's files.
const WORKER: &str = "./sms-xlsx-worker_loader.js";

#[derive(Serialize)]
pub struct Sheet {
    pub name: String,
    pub rows: Vec<Vec<String>>,
}

#[derive(Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
enum Request<'a> {
    Write { sheets: &'a [Sheet] },
    Read { sheet: Option<&'a str> },
}

/// An XLSX workbook with one sheet per table.
pub async fn write(sheets: &[Sheet]) -> Result<Vec<u8>, String> {
    let msg = js_sys::Object::new();
    let request = serde_json::to_string(&Request::Write { sheets }).map_err(|e| e.to_string())?;
    let _ = js_sys::Reflect::set(&msg, &"request".into(), &request.into());
    let data = crate::worker::ask(WORKER, "spreadsheet", msg)
        .await
        .map_err(|e| e.to_string())?;
    js_sys::Reflect::get(&data, &"bytes".into())
        .ok()
        .and_then(|b| b.dyn_into::<js_sys::Uint8Array>().ok())
        .map(|b| b.to_vec())
        .ok_or_else(|| "the spreadsheet module gave no file".into())
}

/// The first sheet of an XLSX file as a table, and the names of its sheets.
pub async fn read(bytes: &[u8]) -> Result<(Vec<String>, Vec<Vec<String>>), String> {
    let msg = js_sys::Object::new();
    let request =
        serde_json::to_string(&Request::Read { sheet: None }).map_err(|e| e.to_string())?;
    let _ = js_sys::Reflect::set(&msg, &"request".into(), &request.into());
    let _ = js_sys::Reflect::set(
        &msg,
        &"bytes".into(),
        &js_sys::Uint8Array::from(bytes).into(),
    );
    let data = crate::worker::ask(WORKER, "spreadsheet", msg)
        .await
        .map_err(|e| e.to_string())?;
    let field = |k: &str| {
        js_sys::Reflect::get(&data, &k.into())
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default()
    };
    let names: Vec<String> = serde_json::from_str(&field("sheets")).unwrap_or_default();
    let rows: Vec<Vec<String>> = serde_json::from_str(&field("rows"))
        .map_err(|_| "the spreadsheet could not be read".to_owned())?;
    Ok((names, rows))
}

/// The MIME type of an XLSX file.
pub const MIME: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
