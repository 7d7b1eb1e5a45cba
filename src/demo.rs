//! The demo workbook: its data (`demo.json`, served beside the app and
//! kept by the service worker for offline use) is fetched when a demo is
//! built, and the file worker builds it, so the start-up module carries
//! neither the data nor the code that reads it.

use sms_core::{ActorBytes, ChangeContext, WorkbookId};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::platform;

/// Where the demo's data is, beside the app's page.
const DATA: &str = "demo.json";

/// A new copy of the demo workbook, saved.
pub struct Demo {
    pub bytes: Vec<u8>,
    pub name: String,
}

/// A new copy of the demo workbook with its own id and record ids; the
/// error says in words why it could not be made.
pub async fn build(id: WorkbookId, actor: ActorBytes, ctx: &ChangeContext) -> Result<Demo, String> {
    let text = fetch_text(DATA)
        .await
        .map_err(|e| format!("the demo workbook could not be loaded ({e})"))?;
    let msg = js_sys::Object::new();
    let set = |k: &str, v: wasm_bindgen::JsValue| {
        let _ = js_sys::Reflect::set(&msg, &k.into(), &v);
    };
    set("op", "demo".into());
    set("text", text.into());
    set("id", id.as_str().into());
    set("actor", js_sys::Uint8Array::from(&actor.0[..]).into());
    set("author", ctx.author.as_str().into());
    set("at", (ctx.at.timestamp_millis() as f64).into());
    set(
        "seed",
        js_sys::Uint8Array::from(&platform::random16()[..]).into(),
    );
    let data = crate::worker::ask(crate::file_worker::WORKER, "file", msg)
        .await
        .map_err(|e| format!("the demo workbook could not be built ({e})"))?;
    let bytes = js_sys::Reflect::get(&data, &"bytes".into())
        .ok()
        .and_then(|b| b.dyn_into::<js_sys::Uint8Array>().ok())
        .map(|b| b.to_vec())
        .ok_or_else(|| "the demo workbook could not be built (no bytes)".to_owned())?;
    let name = js_sys::Reflect::get(&data, &"name".into())
        .ok()
        .and_then(|n| n.as_string())
        .unwrap_or_default();
    Ok(Demo { bytes, name })
}

async fn fetch_text(url: &str) -> Result<String, String> {
    let text = |e: wasm_bindgen::JsValue| {
        e.as_string()
            .or_else(|| {
                js_sys::Reflect::get(&e, &"message".into())
                    .ok()?
                    .as_string()
            })
            .unwrap_or_else(|| "the network or the browser refused".into())
    };
    let window = web_sys::window().ok_or("no window")?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(text)?
        .dyn_into()
        .map_err(text)?;
    if !response.ok() {
        return Err(format!("status {}", response.status()));
    }
    JsFuture::from(response.text().map_err(text)?)
        .await
        .map_err(text)?
        .as_string()
        .ok_or_else(|| "not text".into())
}
