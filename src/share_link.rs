//! Share links: the relay's WebSocket address from what a person typed,
//! the link for a room (its key rides in the `#fragment`), and reading a
//! link back. No dependency on the rest of the app, so routes can use it.

use leptos::prelude::*;
use sms_core::crypto::{RoomId, RoomKey};

/// The relay's WebSocket address from what a person typed: `https://` and
/// `http://` become `wss://` and `ws://`; `/v1/ws` is added.
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
