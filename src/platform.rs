//! What the browser supplies to the core: randomness, the clock, and the
//! person's display name (kept in local storage on this device).

use chrono::{DateTime, Utc};
use gloo_storage::{LocalStorage, Storage};
use sms_core::{ActorBytes, RecordId, WorkbookId};
use wasm_bindgen::JsCast;

const NAME_KEY: &str = "sms-workbook.display-name";

/// 16 bytes from the browser's cryptographic random source.
pub fn random16() -> [u8; 16] {
    let mut bytes = [0u8; 16];
    let crypto = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .expect("the browser offers crypto.getRandomValues");
    crypto
        .get_random_values_with_u8_array(&mut bytes)
        .expect("random values");
    bytes
}

pub fn new_record_id() -> RecordId {
    RecordId::from_random(random16())
}

pub fn new_workbook_id() -> WorkbookId {
    WorkbookId::from_random(random16())
}

/// A fresh actor for every page load: two tabs never share one.
pub fn new_actor() -> ActorBytes {
    ActorBytes(random16())
}

/// Resolves after the browser has had a chance to paint (two animation
/// frames), so a status set just before shows before heavy work starts. A
/// hidden tab gets no frames, so a short timer stands in.
pub async fn next_paint() {
    for _ in 0..2 {
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            let window = web_sys::window().expect("a window");
            let _ = window.request_animation_frame(&resolve);
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 100);
        });
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }
}

/// Now, from the browser clock (`SystemTime::now` panics in wasm32).
pub fn now() -> DateTime<Utc> {
    let ms = js_sys::Date::now() as i64;
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

fn marks_key(workbook: &WorkbookId) -> String {
    format!("sms-workbook.merged.{workbook}")
}

/// Records of `workbook` marked as changed by a merge and not yet opened.
pub fn merged_marks(workbook: &WorkbookId) -> Vec<String> {
    LocalStorage::get::<Vec<String>>(marks_key(workbook)).unwrap_or_default()
}

/// Remembers the marks (a hint only: losing them loses no data); `false`
/// when the browser refused to store them (storage full or blocked), so
/// the caller can say the marks last only until the tab is closed.
pub fn set_merged_marks(workbook: &WorkbookId, marks: &[String]) -> bool {
    if marks.is_empty() {
        LocalStorage::delete(marks_key(workbook));
        true
    } else {
        LocalStorage::set(marks_key(workbook), marks).is_ok()
    }
}

pub fn display_name() -> String {
    LocalStorage::get::<String>(NAME_KEY).unwrap_or_default()
}

/// Remembers the display name; `false` when the browser refused to store it.
pub fn set_display_name(name: &str) -> bool {
    LocalStorage::set(NAME_KEY, name.trim()).is_ok()
}

/// Runs `work` holding the Web Lock `name` if no other tab of this origin
/// holds it; returns `None` without running it when one does. Without Web
/// Locks (older browsers) it just runs `work`.
pub async fn if_lock_available<T>(
    name: &str,
    work: impl std::future::Future<Output = T>,
) -> Option<T> {
    use wasm_bindgen::{JsCast, JsValue};
    let locks = web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w.navigator(), &"locks".into()).ok())
        .filter(|l| !l.is_undefined() && !l.is_null());
    let request = locks.as_ref().and_then(|l| {
        js_sys::Reflect::get(l, &"request".into())
            .ok()?
            .dyn_into::<js_sys::Function>()
            .ok()
    });
    let (Some(locks), Some(request)) = (locks, request) else {
        return Some(work.await);
    };
    let mut grant = None;
    let granted = js_sys::Promise::new(&mut |resolve, _| grant = Some(resolve));
    let mut release = None;
    let released = js_sys::Promise::new(&mut |resolve, _| release = Some(resolve));
    let (grant, release) = (
        grant.expect("set by Promise::new"),
        release.expect("set by Promise::new"),
    );
    // The lock is held until the promise the callback returns settles.
    let callback = wasm_bindgen::closure::Closure::once_into_js(move |lock: JsValue| -> JsValue {
        let _ = grant.call1(&JsValue::NULL, &lock);
        released.into()
    });
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"ifAvailable".into(), &true.into());
    let Ok(pending) = request.call3(&locks, &name.into(), &options, &callback) else {
        return Some(work.await);
    };
    if let Ok(p) = pending.dyn_into::<js_sys::Promise>() {
        // A refused request must not surface as an unhandled rejection.
        wasm_bindgen_futures::spawn_local(async move {
            let _ = wasm_bindgen_futures::JsFuture::from(p).await;
        });
    }
    let lock = wasm_bindgen_futures::JsFuture::from(granted)
        .await
        .unwrap_or(JsValue::NULL);
    if lock.is_null() {
        let _ = release.call0(&JsValue::NULL);
        return None;
    }
    let out = work.await;
    let _ = release.call0(&JsValue::NULL);
    Some(out)
}

/// Adds a mark to the page's performance timeline (what the app did when,
/// for benchmarks and the browser's performance panel).
pub fn mark(name: &str) {
    let perf = js_sys::Reflect::get(&js_sys::global(), &"performance".into()).ok();
    if let Some(perf) = perf.filter(|p| !p.is_undefined()) {
        if let Ok(f) = js_sys::Reflect::get(&perf, &"mark".into()) {
            if let Ok(f) = f.dyn_into::<js_sys::Function>() {
                let _ = f.call1(&perf, &name.into());
            }
        }
    }
}

/// Resolves in a new task (a zero-delay timer), letting the browser handle
/// input and draw in between: the way long work is cut into slices.
pub async fn yield_now() {
    sleep(0).await;
}

/// Resolves after `ms` milliseconds (a timer).
pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let done = web_sys::window().and_then(|w| {
            w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
                .ok()
        });
        if done.is_none() {
            let _ = resolve.call0(&wasm_bindgen::JsValue::UNDEFINED);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
