//! Asking a worker module (Trunk builds each as its own WebAssembly module
//! with a loader script): it is started for one request and stopped after
//! it, so its code is fetched only when someone needs it (the service
//! worker keeps a copy for offline use) and its work and memory never sit
//! on the page.

use wasm_bindgen::{closure::Closure, JsCast, JsValue};

/// Why a worker gave no answer.
#[derive(Debug)]
pub enum Failed {
    /// The worker answered that it could not do it, in these words.
    Said(String),
    /// The worker module could not be started, or stopped.
    Module(String),
}

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failed::Said(s) | Failed::Module(s) => f.write_str(s),
        }
    }
}

/// Starts the worker, waits until it is ready, sends one message and waits
/// for its answer (`ok` true), or says why there is none. `what` names the
/// module in messages ("the spreadsheet module could not be started").
pub async fn ask(script: &str, what: &str, message: js_sys::Object) -> Result<JsValue, Failed> {
    let worker = web_sys::Worker::new(script)
        .map_err(|_| Failed::Module(format!("the {what} module could not be started")))?;
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
    let failed = format!("the {what} module failed to load");
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
        let _ = reject.call1(&JsValue::NULL, &failed.as_str().into());
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    let result = wasm_bindgen_futures::JsFuture::from(answer).await;
    worker.terminate();
    drop((on_message, on_error));
    let data = result.map_err(|e| {
        Failed::Module(
            e.as_string()
                .unwrap_or_else(|| format!("the {what} module stopped")),
        )
    })?;
    let ok = js_sys::Reflect::get(&data, &"ok".into())
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    if ok {
        Ok(data)
    } else {
        Err(Failed::Said(
            js_sys::Reflect::get(&data, &"error".into())
                .ok()
                .and_then(|v| v.as_string())
                .unwrap_or_else(|| format!("the {what} module gave no answer")),
        ))
    }
}
