//! Spreadsheets (XLSX) through the spreadsheet worker (`crates/xlsx`, built
//! by Trunk as its own WebAssembly module). The worker is started for each
//! export or import and stopped afterwards, so its code is fetched only when
//! someone uses it (the service worker keeps a copy for offline use) and the
//! work never blocks the page.

use serde::Serialize;
use wasm_bindgen::{closure::Closure, JsCast, JsValue};

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

/// Starts the worker, waits until it is ready, sends one message and waits
/// for its answer.
async fn ask(message: js_sys::Object) -> Result<JsValue, String> {
    let worker = web_sys::Worker::new(WORKER)
        .map_err(|_| "the spreadsheet module could not be started".to_owned())?;
    let mut resolve = None;
    let mut reject = None;
    let answer = js_sys::Promise::new(&mut |res, rej| {
        resolve = Some(res);
        reject = Some(rej);
    });
    let (resolve, reject) = (resolve.expect("set"), reject.expect("set"));
    let sender = worker.clone();
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
            let data = ev.data();
            let ready = js_sys::Reflect::get(&data, &"ready".into())
                .ok()
                .and_then(|v| v.as_bool())
                .unwrap_or(false);
            if ready {
                let _ = sender.post_message(&message);
            } else {
                let _ = resolve.call1(&JsValue::NULL, &data);
            }
        });
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
        let _ = reject.call1(
            &JsValue::NULL,
            &"the spreadsheet module failed to load".into(),
        );
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    let result = wasm_bindgen_futures::JsFuture::from(answer).await;
    worker.terminate();
    drop((on_message, on_error));
    let data = result.map_err(|e| {
        e.as_string()
            .unwrap_or_else(|| "the spreadsheet module stopped".into())
    })?;
    let ok = js_sys::Reflect::get(&data, &"ok".into())
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    if ok {
        Ok(data)
    } else {
        Err(js_sys::Reflect::get(&data, &"error".into())
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_else(|| "the spreadsheet module gave no answer".into()))
    }
}

/// An XLSX workbook with one sheet per table.
pub async fn write(sheets: &[Sheet]) -> Result<Vec<u8>, String> {
    let msg = js_sys::Object::new();
    let request = serde_json::to_string(&Request::Write { sheets }).map_err(|e| e.to_string())?;
    let _ = js_sys::Reflect::set(&msg, &"request".into(), &request.into());
    let data = ask(msg).await?;
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
    let data = ask(msg).await?;
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
