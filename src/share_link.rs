//! Share links: the relay's WebSocket address from what a person typed,
//! the link for a room (its key rides in the `#fragment`), and reading a
//! link back — once: the key is then kept in this page's memory only and
//! taken out of the address bar and the tab's history. No dependency on
//! the rest of the app, so routes can use it.

use std::cell::RefCell;

use leptos::prelude::*;
use sms_core::crypto::{RoomId, RoomKey};

/// The relay's WebSocket address from what a person typed: `https://` and
/// `http://` become `wss://` and `ws://`; `/v1/ws` is added. Unencrypted
/// `ws://` is refused except to this computer (localhost, 127.0.0.1,
/// [::1]): on any other network the room's token would travel in the open.
pub fn socket_url(relay: &str) -> Result<String, String> {
    let r = relay.trim().trim_end_matches('/');
    let r = if let Some(rest) = r.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = r.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        r.to_owned()
    };
    if !(r.starts_with("wss://") || r.starts_with("ws://")) || r.len() < 8 {
        return Err(
            "Enter the relay's address, starting with wss:// (or ws:// on this computer).".into(),
        );
    }
    if let Some(rest) = r.strip_prefix("ws://") {
        let host = rest.split(['/', '?']).next().unwrap_or_default();
        let name = match host.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or_default(),
            None => host.split(':').next().unwrap_or_default(),
        };
        if !matches!(name, "localhost" | "127.0.0.1" | "::1") {
            return Err(format!(
                "The relay at {relay} does not use an encrypted connection (ws://). Use its wss:// address: ws:// is only for a relay on this computer."
            ));
        }
    }
    Ok(if r.ends_with("/v1/ws") {
        r
    } else {
        format!("{r}/v1/ws")
    })
}

/// The share link for a room: the key rides in the fragment.
pub fn share_link(room: &str, key: &str, relay: &str) -> String {
    let location = window().location();
    let base = format!(
        "{}{}",
        location.origin().unwrap_or_default(),
        location.pathname().unwrap_or_default()
    );
    let relay: String = js_sys::encode_uri_component(relay).into();
    format!("{base}#/join/{room}/{key}?relay={relay}")
}

/// Everything the join page needs from a share link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invite {
    pub room: String,
    pub key: String,
    pub relay: String,
}

impl Invite {
    /// From the part of the hash after `#/join/`.
    pub fn parse(rest: &str) -> Option<Invite> {
        let (path, query) = rest.split_once('?')?;
        let (room, key) = path.split_once('/')?;
        RoomId::parse(room)?;
        RoomKey::parse(key)?;
        let relay = query
            .split('&')
            .find_map(|kv| kv.strip_prefix("relay="))
            .and_then(|r| js_sys::decode_uri_component(r).ok())
            .map(String::from)?;
        Some(Invite {
            room: room.to_owned(),
            key: key.to_owned(),
            relay,
        })
    }
}

thread_local! {
    /// The share link read from the address, kept for the join page.
    static INVITE: RefCell<Option<Invite>> = const { RefCell::new(None) };
}

/// Keeps `invite` for the join page (the address says only `#/join`).
pub fn remember(invite: Invite) {
    INVITE.with(|i| *i.borrow_mut() = Some(invite));
}

/// The share link last read, if any.
pub fn remembered() -> Option<Invite> {
    INVITE.with(|i| i.borrow().clone())
}

/// Where the address holds a share link (`#/join/<room>/<key>?relay=…`):
/// reads it, keeps it in memory and replaces the address (and this entry
/// of the tab's history) with `#/join`, so the key is in neither.
pub fn take_from_address() {
    let location = window().location();
    let hash = location.hash().unwrap_or_default();
    let Some(rest) = hash.strip_prefix("#/join/") else {
        return;
    };
    if let Some(invite) = Invite::parse(rest) {
        remember(invite);
    }
    if let Ok(history) = window().history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("#/join"));
    }
}
