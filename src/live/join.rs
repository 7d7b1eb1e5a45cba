//! Joining from a share link: the room is read once (nothing stored or
//! sent); when this browser already holds the same workbook, the person is
//! told that joining sends it to the room, and nothing is merged or sent
//! unless they go on.

use std::{cell::RefCell, rc::Rc};

use leptos::prelude::*;
use sms_core::{
    crypto::{b64, RoomId, RoomKey},
    sync::RoomRead,
    wire::{ClientOut, ErrorCode, ServerIn},
};
use wasm_bindgen::{closure::Closure, JsCast};

use super::settings::*;
use super::*;
use crate::share_link::{socket_url, Invite};
use crate::state::AppState;

/// Blobs received so far, and how the reading ended (the head, or why not).
type Fetched = (Vec<(u64, Vec<u8>)>, Option<Result<u64, String>>);

/// Reads a whole room once (snapshot and entries), for joining: the blobs
/// in order and the room's head.
async fn fetch_room(invite: &Invite) -> Result<(Vec<(u64, Vec<u8>)>, u64), String> {
    one_shot(invite, 0, false, None, None).await
}

/// Creates the room `s` names on its relay (this browser owning it), empty,
/// so that anyone told about it finds it there.
pub(super) async fn create_room(s: &Saved) -> Result<(), String> {
    let invite = Invite {
        room: s.room.clone(),
        key: s.key.clone(),
        relay: s.relay.clone(),
    };
    let owner = s
        .owner
        .as_deref()
        .ok_or("this browser does not own the room")?;
    one_shot(&invite, 0, true, Some(owner), None)
        .await
        .map(|_| ())
}

/// Deletes the room an owner moved away from (`retire`), through `relay`.
pub(super) async fn delete_room(relay: &str, retire: &Retire) -> Result<(), String> {
    let invite = Invite {
        room: retire.room.clone(),
        key: retire.key.clone(),
        relay: relay.to_owned(),
    };
    let delete = ClientOut::Delete { id: 1 }.to_json();
    match one_shot(
        &invite,
        retire.seq,
        false,
        Some(&retire.owner),
        Some(delete),
    )
    .await
    {
        Ok(_) => Ok(()),
        // Already gone: nothing left to do.
        Err(e) if e.contains("does not know") => Ok(()),
        Err(e) => Err(e),
    }
}

/// One short conversation with a room: hello (from `since`, creating the
/// room if asked, as its owner when `owner` is given), the backlog up to
/// `caught_up`, then `then` if given, up to its acknowledgement. The blobs
/// read and the room's head.
async fn one_shot(
    invite: &Invite,
    since: u64,
    create: bool,
    owner: Option<&str>,
    then: Option<String>,
) -> Result<(Vec<(u64, Vec<u8>)>, u64), String> {
    let url = socket_url(&invite.relay)?;
    RoomId::parse(&invite.room).ok_or("The link is damaged.")?;
    let key = RoomKey::parse(&invite.key).ok_or("The link is damaged.")?;
    let ws = web_sys::WebSocket::new(&url).map_err(|_| {
        format!(
            "“{}” is not an address a browser can connect to.",
            invite.relay
        )
    })?;
    let collected: Rc<RefCell<Fetched>> = Rc::new(RefCell::new((Vec::new(), None)));
    let (done_tx, done) = futures_channel();
    let done_tx = Rc::new(RefCell::new(Some(done_tx)));
    let finish = {
        let done_tx = done_tx.clone();
        move || {
            if let Some(tx) = done_tx.borrow_mut().take() {
                let _ = tx.call0(&wasm_bindgen::JsValue::NULL);
            }
        }
    };
    let hello = ClientOut::Hello {
        room: &invite.room,
        token: &b64::encode(&key.token()),
        since,
        create,
        owner,
    }
    .to_json();
    let ws2 = ws.clone();
    let open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
        let _ = ws2.send_with_str(&hello);
    });
    let message = {
        let collected = collected.clone();
        let finish = finish.clone();
        let ws = ws.clone();
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
            let Some(text) = ev.data().as_string() else {
                return;
            };
            let mut c = collected.borrow_mut();
            match ServerIn::parse(&text) {
                Ok(ServerIn::Snapshot { upto: seq, blob }) | Ok(ServerIn::Blob { seq, blob }) => {
                    match b64::decode(&blob) {
                        Some(b) => c.0.push((seq, b)),
                        None => c.1 = Some(Err("The relay sent a damaged message.".into())),
                    }
                }
                Ok(ServerIn::CaughtUp { head }) => {
                    c.1.get_or_insert(Ok(head));
                    drop(c);
                    match &then {
                        Some(frame) => {
                            let _ = ws.send_with_str(frame);
                        }
                        None => finish(),
                    }
                }
                Ok(ServerIn::Ack { .. }) => {
                    drop(c);
                    finish();
                }
                Ok(ServerIn::Error { code, message }) => {
                    c.1 = Some(Err(match code {
                        ErrorCode::Forbidden => {
                            "The relay refused this link: the key does not match the room.".into()
                        }
                        ErrorCode::NoRoom => {
                            "The relay does not know this shared workbook. Ask for a new link."
                                .into()
                        }
                        _ => format!("The relay refused: {message}."),
                    }));
                    drop(c);
                    finish();
                }
                _ => {}
            }
        })
    };
    let close = {
        let collected = collected.clone();
        let finish = finish.clone();
        let relay = invite.relay.clone();
        Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            collected.borrow_mut().1.get_or_insert(Err(format!(
                "Could not reach the relay at {relay}. Check the address and your connection, then try again."
            )));
            finish();
        })
    };
    ws.set_onopen(Some(open.as_ref().unchecked_ref()));
    ws.set_onmessage(Some(message.as_ref().unchecked_ref()));
    ws.set_onclose(Some(close.as_ref().unchecked_ref()));
    let _ = wasm_bindgen_futures::JsFuture::from(done).await;
    ws.set_onclose(None);
    let _ = ws.close();
    drop((open, message, close));
    let mut c = collected.borrow_mut();
    let head =
        c.1.take()
            .unwrap_or_else(|| Err("The connection ended early.".into()))?;
    Ok((std::mem::take(&mut c.0), head))
}

/// A promise and its resolve function.
fn futures_channel() -> (js_sys::Function, js_sys::Promise) {
    let mut resolve = None;
    let promise = js_sys::Promise::new(&mut |r, _| resolve = Some(r));
    (resolve.expect("set by Promise::new"), promise)
}

/// This browser's own copy of the workbook a room holds: what joining
/// would send to everyone in the room.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mine {
    pub name: String,
    /// Its live records, when it is the open workbook.
    pub records: Option<usize>,
}

/// A room read and opened with its key, before anything is stored or sent.
#[derive(Clone)]
pub struct Reading {
    read: std::rc::Rc<RoomRead>,
    head: u64,
    /// Set when this browser holds a copy of the same workbook: joining
    /// would merge it and send it to the room, so the person chooses.
    pub mine: Option<Mine>,
}

impl Reading {
    /// How many of the room's messages could not be read and were left out.
    pub fn skipped(&self) -> usize {
        self.read.skipped
    }
}

/// Reads the room a link shares (nothing is stored or sent), and finds
/// whether this browser already holds the workbook it shares.
pub async fn read(state: AppState, invite: &Invite) -> Result<Reading, String> {
    let (blobs, head) = fetch_room(invite).await?;
    let blobs: Vec<Vec<u8>> = blobs.into_iter().map(|(_, b)| b).collect();
    // The document worker opens the messages with the room's key.
    let read = state
        .doc()
        .read_room(&invite.room, &invite.key, &blobs)
        .await
        .map_err(|e| format!("{}; nothing was stored.", crate::display::capitalised(&e)))?;
    drop(blobs);
    let Some(read) = read else {
        return Err("The shared workbook is empty so far. Ask the person who shared it to keep the app open until it says “Live: connected”, then try again.".into());
    };
    let mine = if state.workbook_id().as_ref() == Some(&read.workbook) {
        Some(Mine {
            name: state
                .summary_untracked(|s| s.name.clone())
                .unwrap_or_default(),
            records: Some(state.index_untracked(|ix| ix.entries().filter(|e| !e.deleted).count())),
        })
    } else {
        let store = state
            .store()
            .ok_or("This browser is not saving workbooks.")?;
        let known = store.workbooks().await.map_err(|e| e.to_string())?;
        known
            .into_iter()
            .find(|(id, _)| id == &read.workbook)
            .map(|(_, name)| Mine {
                name,
                records: None,
            })
    };
    Ok(Reading {
        read: std::rc::Rc::new(read),
        head,
        mine,
    })
}

/// Joins the workbook a room holds (read by [`read`]): merges it into
/// this browser's copy of that workbook (or keeps it as a new one) and
/// opens it, shared live — from then on this copy's changes go to the
/// room. Nothing is stored if anything fails.
pub async fn join(
    state: AppState,
    live: Live,
    invite: &Invite,
    reading: &Reading,
) -> Result<String, String> {
    let read = &reading.read;
    let head = reading.head;
    let id = read.workbook.clone();
    let in_room: Vec<String> = read.in_room.iter().map(|h| h.to_string()).collect();
    let parts = read.bytes.clone();
    let settings = Saved {
        seq: head,
        in_room,
        ..Saved::fresh(
            invite.room.clone(),
            invite.key.clone(),
            invite.relay.clone(),
            None,
        )
    };
    // The open workbook itself: its changes are checked and merged by the
    // engine, and the page stays.
    if state.workbook_id().as_ref() == Some(&id) {
        state
            .change(sms_core::engine::Edit::MergeChanges { changes: parts })
            .await
            .map_err(|e| format!("Could not merge: {e}. Nothing was changed."))?;
        let name = state
            .summary_untracked(|s| s.name.clone())
            .unwrap_or_default();
        let stored = keep(&id, &settings);
        live.disconnect();
        live.begin(state, id, settings);
        live.stored(stored);
        return Ok(format!("Joined “{name}”: it is shared live now."));
    }
    // Another workbook: the document worker reads the room's parts and
    // merges them into this browser's copy, if it has one.
    let (target, _) = crate::keep::prepare(state, &parts, true, &id)
        .await
        .map_err(|e| {
            format!("The shared workbook could not be stored: {e}. Nothing was changed.")
        })?;
    drop(parts);
    let name = target.name.clone();
    crate::keep::store(state, &target)
        .await
        .map_err(|e| format!("“{name}” could not be stored: {e}. Nothing was changed."))?;
    if !keep(&id, &settings) {
        // The page reloads next, and this tab's sharing would go with it.
        return Err(format!(
            "“{name}” is stored in this browser, but the browser would not store the sharing settings (storage full or blocked), so it is not shared live. Free some space or allow this site to store data, then open the link again."
        ));
    }
    let store = state
        .store()
        .ok_or("This browser is not saving workbooks.")?;
    store.set_current(&id).await.map_err(|e| e.to_string())?;
    crate::route::navigate(&crate::route::Route::Dashboard);
    let _ = window().location().reload();
    Ok(format!("Joined “{name}”."))
}

/// Keeps the workbook a room holds (read by [`read`]) apart from this
/// browser's copy of it: a new workbook of its own, merged with nothing,
/// not shared live, and opened. Nothing is sent to the room.
pub async fn keep_apart(state: AppState, reading: &Reading) -> Result<String, String> {
    let target = crate::keep::prepare_apart(state, &reading.read.bytes)
        .await
        .map_err(|e| format!("The shared workbook could not be kept: {e}. Nothing was changed."))?;
    let name = target.name.clone();
    crate::keep::store(state, &target)
        .await
        .map_err(|e| format!("“{name}” could not be stored: {e}. Nothing was changed."))?;
    let store = state
        .store()
        .ok_or("This browser is not saving workbooks.")?;
    store
        .set_current(&target.id)
        .await
        .map_err(|e| e.to_string())?;
    crate::route::navigate(&crate::route::Route::Dashboard);
    let _ = window().location().reload();
    Ok(format!("Kept “{name}” apart from yours."))
}
