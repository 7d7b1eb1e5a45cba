//! The file worker: a Web Worker that reads a workbook file for the app,
//! so the file's whole document is loaded off the page's thread and out of
//! its memory (a 50,000-record workbook's file takes over a gigabyte while
//! it loads), and only the changes the open workbook lacks come back.
//!
//! Message in: `bytes` (the file, a `Uint8Array`), `workbook` (the open
//! workbook's id) and `have` (the hashes of every change the open workbook
//! holds, 32 bytes each, concatenated). Messages out: `{"ready":true}` once
//! started; then `{"ok":true,"id":…,"name":…,"same":true,"changes":…}`
//! (change chunks the open workbook lacks) for a file of the open
//! workbook, `{"ok":true,"id":…,"name":…,"same":false}` for a file of
//! another one, or `{"ok":false,"error":…}`
//! when the file cannot be read (the words of `sms_core::LoadError`).
//!
//! It also builds the demo workbook, so the page's start-up module carries
//! neither the demo's data reader nor its builder: `op` `"demo"` with
//! `text` (the demo data, `demo.json`), `id`, `actor` (16 bytes), `author`,
//! `at` (milliseconds) and `seed` (16 random bytes for the record ids);
//! answered with `{"ok":true,"bytes":…,"name":…}`, the workbook saved.

#[cfg(target_arch = "wasm32")]
mod worker {
    use std::collections::HashSet;

    use chrono::{TimeZone, Utc};
    use sms_core::{demo, ActorBytes, ChangeContext, ChangeHash, RecordId, Workbook, WorkbookId};
    use wasm_bindgen::{prelude::*, JsCast};

    fn reply(scope: &web_sys::DedicatedWorkerGlobalScope, fields: &[(&str, JsValue)]) {
        let msg = js_sys::Object::new();
        for (k, v) in fields {
            let _ = js_sys::Reflect::set(&msg, &(*k).into(), v);
        }
        let _ = scope.post_message(&msg);
    }

    fn bytes_of(data: &JsValue, key: &str) -> Vec<u8> {
        js_sys::Reflect::get(data, &key.into())
            .ok()
            .and_then(|b| b.dyn_into::<js_sys::Uint8Array>().ok())
            .map(|b| b.to_vec())
            .unwrap_or_default()
    }

    fn text_of(data: &JsValue, key: &str) -> String {
        js_sys::Reflect::get(data, &key.into())
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default()
    }

    /// The demo workbook, saved, or why it could not be built.
    fn demo_workbook(data: &JsValue) -> Result<(Vec<u8>, String), String> {
        let parsed = demo::DemoData::parse(&text_of(data, "text")).map_err(|e| e.to_string())?;
        let id = WorkbookId::parse(&text_of(data, "id")).ok_or("the demo needs an id")?;
        let actor: [u8; 16] = bytes_of(data, "actor")
            .try_into()
            .map_err(|_| "the demo needs an author id")?;
        let seed: [u8; 16] = bytes_of(data, "seed")
            .try_into()
            .map_err(|_| "the demo needs random bytes")?;
        let at = js_sys::Reflect::get(data, &"at".into())
            .ok()
            .and_then(|v| v.as_f64())
            .and_then(|ms| Utc.timestamp_millis_opt(ms as i64).single())
            .ok_or("the demo needs the time")?;
        let ctx = ChangeContext::new(text_of(data, "author"), at);
        // Record ids: the random seed with a counter in its last two bytes.
        let mut n: u16 = 0;
        let next_id = || {
            n += 1;
            let mut b = seed;
            b[14..].copy_from_slice(&n.to_be_bytes());
            RecordId::from_random(b)
        };
        let mut wb = demo::build(&parsed, id, ActorBytes(actor), &ctx, next_id)
            .map_err(|e| e.to_string())?;
        Ok((wb.save(), wb.name()))
    }

    fn handle(scope: &web_sys::DedicatedWorkerGlobalScope, data: &JsValue) {
        if text_of(data, "op") == "demo" {
            match demo_workbook(data) {
                Ok((bytes, name)) => reply(
                    scope,
                    &[
                        ("ok", true.into()),
                        ("bytes", js_sys::Uint8Array::from(bytes.as_slice()).into()),
                        ("name", name.into()),
                    ],
                ),
                Err(e) => reply(scope, &[("ok", false.into()), ("error", e.into())]),
            }
            return;
        }
        let file = bytes_of(data, "bytes");
        let open = text_of(data, "workbook");
        let have: HashSet<ChangeHash> = bytes_of(data, "have")
            .chunks_exact(32)
            .map(|h| ChangeHash(h.try_into().expect("32 bytes")))
            .collect();
        // The actor is never used: nothing is written to this copy.
        let mut wb = match Workbook::read_file(&file, ActorBytes([0; 16])) {
            Ok(wb) => wb,
            Err(e) => {
                reply(
                    scope,
                    &[("ok", false.into()), ("error", e.to_string().into())],
                );
                return;
            }
        };
        drop(file);
        let id = wb.id().as_str().to_owned();
        let same = id == open;
        let mut fields = vec![
            ("ok", JsValue::from(true)),
            ("id", id.into()),
            ("name", wb.name().into()),
            ("same", same.into()),
        ];
        if same {
            let changes = wb.changes_not_in(&have);
            fields.push((
                "changes",
                js_sys::Uint8Array::from(changes.as_slice()).into(),
            ));
        }
        reply(scope, &fields);
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
    eprintln!("sms-file-worker runs in a browser, as the app's file worker.");
}
