//! The spreadsheet worker: a Web Worker that writes and reads XLSX files for
//! the app, so neither the code nor the work sits on the page's thread.
//!
//! Messages in (JSON text): `{"op":"write","sheets":[{"name":…,"rows":[[…]]}]}`
//! or `{"op":"read","sheet":null}` followed by the file's bytes as a second
//! field `bytes` (a `Uint8Array`). Messages out: `{"ok":true,"bytes":…}`,
//! `{"ok":true,"sheets":[…],"rows":[[…]]}` or `{"ok":false,"error":"…"}`.

#[cfg(target_arch = "wasm32")]
mod worker {
    use serde::Deserialize;
    use wasm_bindgen::{prelude::*, JsCast};

    #[derive(Deserialize)]
    #[serde(tag = "op", rename_all = "snake_case")]
    enum Request {
        Write { sheets: Vec<sms_xlsx::Sheet> },
        Read { sheet: Option<String> },
    }

    fn reply(scope: &web_sys::DedicatedWorkerGlobalScope, fields: &[(&str, JsValue)]) {
        let msg = js_sys::Object::new();
        for (k, v) in fields {
            let _ = js_sys::Reflect::set(&msg, &(*k).into(), v);
        }
        let _ = scope.post_message(&msg);
    }

    fn handle(scope: &web_sys::DedicatedWorkerGlobalScope, data: &JsValue) {
        let fail = |e: String| reply(scope, &[("ok", false.into()), ("error", e.into())]);
        let request = js_sys::Reflect::get(data, &"request".into())
            .ok()
            .and_then(|r| r.as_string())
            .and_then(|r| serde_json::from_str::<Request>(&r).ok());
        match request {
            Some(Request::Write { sheets }) => match sms_xlsx::write(&sheets) {
                Ok(bytes) => reply(
                    scope,
                    &[
                        ("ok", true.into()),
                        ("bytes", js_sys::Uint8Array::from(bytes.as_slice()).into()),
                    ],
                ),
                Err(e) => fail(format!("the spreadsheet could not be written ({e})")),
            },
            Some(Request::Read { sheet }) => {
                let bytes = js_sys::Reflect::get(data, &"bytes".into())
                    .ok()
                    .and_then(|b| b.dyn_into::<js_sys::Uint8Array>().ok())
                    .map(|b| b.to_vec())
                    .unwrap_or_default();
                match sms_xlsx::read(&bytes, sheet.as_deref()) {
                    Ok((names, rows)) => reply(
                        scope,
                        &[
                            ("ok", true.into()),
                            (
                                "sheets",
                                serde_json::to_string(&names).unwrap_or_default().into(),
                            ),
                            (
                                "rows",
                                serde_json::to_string(&rows).unwrap_or_default().into(),
                            ),
                        ],
                    ),
                    Err(e) => fail(e.0),
                }
            }
            None => fail("the request was not understood".into()),
        }
    }

    pub fn start() {
        let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
        let inner = scope.clone();
        let on_message =
            Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
                handle(&inner, &ev.data());
            });
        scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        on_message.forget();
        reply(&scope, &[("ready", true.into())]);
    }
}

fn main() {
    #[cfg(target_arch = "wasm32")]
    worker::start();
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("sms-xlsx-worker runs in a browser, as the app's spreadsheet worker.");
}
