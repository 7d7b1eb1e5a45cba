//! The document worker: a Web Worker that holds the open workbook's
//! Automerge document for the app, so loading, editing, merging and
//! sealing never run on the page's thread or in its memory. It is a thin
//! shell around `sms_core::engine::host::Host`, which answers each request
//! in the engine's byte encoding (`sms_core::engine::codec`).
//!
//! Message in: `{id, op, bytes, parts}` (`parts`, an array of
//! `Uint8Array`s, only for `open`: the stored chunks in load order).
//! Messages out: `{"ready":true}` once started; then for each request, in
//! the order they came, `{id, ok:true, bytes}` or `{id, ok:false, error}`.
//! After each answer the worker's global `smsWasmBytes` holds the size of
//! its WebAssembly memory (for the browser benchmark).

#[cfg(target_arch = "wasm32")]
mod worker {
    use std::cell::RefCell;

    use sms_core::engine::host::Host;
    use wasm_bindgen::{prelude::*, JsCast};

    thread_local! {
        static HOST: RefCell<Host> = RefCell::new(Host::new());
    }

    fn field(data: &JsValue, key: &str) -> JsValue {
        js_sys::Reflect::get(data, &key.into()).unwrap_or(JsValue::UNDEFINED)
    }

    fn bytes_of(v: &JsValue) -> Vec<u8> {
        v.dyn_ref::<js_sys::Uint8Array>()
            .map(js_sys::Uint8Array::to_vec)
            .unwrap_or_default()
    }

    /// A fresh random nonce from the worker's `crypto`.
    fn nonce(scope: &web_sys::DedicatedWorkerGlobalScope) -> [u8; 12] {
        let mut b = [0u8; 12];
        if let Ok(c) = scope.crypto() {
            let _ = c.get_random_values_with_u8_array(&mut b);
        }
        b
    }

    fn handle(scope: &web_sys::DedicatedWorkerGlobalScope, data: &JsValue) {
        let id = field(data, "id");
        let op = field(data, "op").as_string().unwrap_or_default();
        let bytes = bytes_of(&field(data, "bytes"));
        let parts: Vec<Vec<u8>> = field(data, "parts")
            .dyn_into::<js_sys::Array>()
            .map(|a| a.iter().map(|p| bytes_of(&p)).collect())
            .unwrap_or_default();
        let answer = HOST.with(|h| h.borrow_mut().handle(&op, &bytes, &parts, || nonce(scope)));
        let msg = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&msg, &"id".into(), &id);
        match answer {
            Ok(out) => {
                let _ = js_sys::Reflect::set(&msg, &"ok".into(), &true.into());
                let _ = js_sys::Reflect::set(
                    &msg,
                    &"bytes".into(),
                    &js_sys::Uint8Array::from(out.as_slice()).into(),
                );
            }
            Err(e) => {
                let _ = js_sys::Reflect::set(&msg, &"ok".into(), &false.into());
                let _ = js_sys::Reflect::set(&msg, &"error".into(), &e.into());
            }
        }
        let _ = scope.post_message(&msg);
        // The module's memory after each answer, for measurements (read by
        // the browser benchmark; `memory.grow` never shrinks it, so this is
        // also the peak).
        let bytes = core::arch::wasm32::memory_size(0) as f64 * 65536.0;
        let _ = js_sys::Reflect::set(scope, &"smsWasmBytes".into(), &bytes.into());
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
        let ready = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&ready, &"ready".into(), &true.into());
        let _ = scope.post_message(&ready);
    }
}

fn main() {
    #[cfg(target_arch = "wasm32")]
    worker::start();
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("sms-doc-worker runs in a browser, as the app's document worker.");
}
