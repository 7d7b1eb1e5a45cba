//! What the browser supplies to the core: randomness, the clock, and the
//! person's display name (kept in local storage on this device).

use chrono::{DateTime, Utc};
use gloo_storage::{LocalStorage, Storage};
use sms_core::{ActorBytes, RecordId, WorkbookId};

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

/// Now, from the browser clock (`SystemTime::now` panics in wasm32).
pub fn now() -> DateTime<Utc> {
    let ms = js_sys::Date::now() as i64;
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

pub fn display_name() -> String {
    LocalStorage::get::<String>(NAME_KEY).unwrap_or_default()
}

/// Remembers the display name; `false` when the browser refused to store it.
pub fn set_display_name(name: &str) -> bool {
    LocalStorage::set(NAME_KEY, name.trim()).is_ok()
}
