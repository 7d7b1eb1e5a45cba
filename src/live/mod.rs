//! "Share live": sync the open workbook through an end-to-end-encrypted
//! relay (docs/RELAY.md). The relay only ever sees sealed blobs; the room
//! key stays in this browser and in the share link's `#fragment`.
//!
//! One WebSocket per tab. Edits made while offline stay in the workbook
//! (and in IndexedDB) and are sent on reconnect: `LiveSync` knows what the
//! room has acknowledged. Reconnects back off exponentially, with jitter.
//!
//! Split by job: `settings` (what this browser keeps per shared workbook),
//! `connection` (the WebSocket: open, keep-alive, close, reconnect),
//! `sync` (what goes to the room and what comes from it), `join` (reading
//! a room once for a share link) and `ui` (header status, "Share live",
//! the join page). Share links are parsed in `crate::share_link`.

mod connection;
mod files;
mod join;
mod settings;
mod sync;
mod ui;

pub use settings::{keep, saved, Saved};
pub use ui::{JoinPage, LiveBadge, ShareLive};

use std::{cell::RefCell, collections::HashMap, rc::Rc};

use leptos::prelude::*;
use sms_core::{
    crypto::{RoomId, RoomKey},
    engine::{LiveCommand, LiveState},
    ChangeHash, WorkbookId,
};
use wasm_bindgen::{closure::Closure, JsCast};

use crate::share_link::{share_link, socket_url};
use crate::{platform, state::AppState};
use settings::*;

/// Changes per push at most (bytes, before sealing and base64): well under
/// the relay's default frame limit of 2 MiB.
const MAX_PUSH_BYTES: usize = 512 * 1024;

/// How often a keep-alive goes out, and how long its answer may take (ms).
const KEEP_ALIVE_MS: i32 = 20_000;

/// Said when this browser refuses to keep the sharing settings.
const NOT_STORED: &str = "This browser would not store the sharing settings (storage full or blocked); sharing works until you close this tab.";

/// Said while changes from the room wait for earlier ones.
const WAITING: &str =
    "Some changes from the shared workbook are waiting for earlier ones; retrying.";

/// What the person sees about live sharing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LiveStatus {
    Connecting,
    Syncing,
    Connected,
    /// Not connected; trying again in this many seconds.
    Offline(u32),
    /// Stopped for a reason the person must act on.
    Error(String),
}

impl LiveStatus {
    pub fn words(&self) -> String {
        match self {
            LiveStatus::Connecting => "Live: connecting…".into(),
            LiveStatus::Syncing => "Live: syncing…".into(),
            LiveStatus::Connected => "Live: connected".into(),
            LiveStatus::Offline(0) => "Live: offline, reconnecting…".into(),
            LiveStatus::Offline(s) => format!("Live: offline, retrying in {s} s"),
            LiveStatus::Error(_) => "Live: stopped".into(),
        }
    }

    fn class(&self) -> &'static str {
        match self {
            LiveStatus::Connected => "connected",
            LiveStatus::Connecting | LiveStatus::Syncing => "syncing",
            LiveStatus::Offline(_) => "offline",
            LiveStatus::Error(_) => "error",
        }
    }
}

/// What an unacknowledged frame was.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Push,
    Snapshot,
    /// The owner deleting the room.
    Delete,
    /// The owner telling the room it moved to a new link.
    Move,
}

struct Handlers {
    _open: Closure<dyn FnMut(web_sys::Event)>,
    _message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _close: Closure<dyn FnMut(web_sys::CloseEvent)>,
}

/// What the page keeps of a joined room.
struct Room {
    /// Shown to the relay in the hello.
    token: [u8; 32],
    state: LiveState,
}

#[derive(Default)]
struct Inner {
    workbook: Option<WorkbookId>,
    saved: Option<Saved>,
    /// The room, as the engine (which keeps its `LiveSync` beside the
    /// document) last told.
    room: Option<Room>,
    socket: Option<web_sys::WebSocket>,
    handlers: Option<Handlers>,
    caught_up: bool,
    head: u64,
    next_id: u64,
    /// Pushes and snapshots not yet acknowledged: their heads.
    inflight: HashMap<u64, (Vec<ChangeHash>, Kind)>,
    attempt: u32,
    timer: Option<i32>,
    /// Leaving or a fatal error: do not reconnect.
    stopped: bool,
    /// When the unanswered keep-alive was sent (ms since the epoch).
    ping_sent: Option<f64>,
    /// The timer that asks the room again for entries that did not apply.
    retry_timer: Option<i32>,
    /// Counts the times sharing began, so a start answered late does not
    /// connect a room left or begun again meanwhile.
    session: u64,
    /// The owner's new room, while the old one is told about it.
    rotating: Option<Saved>,
    /// Frames from the relay not yet handled, in the order they came; one
    /// is handled at a time, each to the end (its answers from the
    /// engine included) before the next.
    inbox: std::collections::VecDeque<String>,
    /// The inbox is being worked through.
    reading: bool,
    /// The warning shown is about entries that did not apply yet (cleared
    /// once they have).
    retry_note: bool,
    /// The warning shown says the settings could not be stored (cleared
    /// once they are).
    storage_note: bool,
}

/// Live sharing of the open workbook; `Copy`, provided as context.
#[derive(Clone, Copy)]
pub struct Live {
    pub status: RwSignal<Option<LiveStatus>>,
    /// A message that could not be opened or applied (shown, never
    /// applied), or settings this browser would not store.
    pub warning: RwSignal<Option<String>>,
    /// Sharing ended for everyone (the owner deleted the room), or moved
    /// to a new link.
    pub ended: RwSignal<Option<String>>,
    /// The link to the room this browser shares, while it shares one.
    pub link: RwSignal<Option<String>>,
    inner: StoredValue<Rc<RefCell<Inner>>, leptos::prelude::LocalStorage>,
}

impl Live {
    /// Runs a room command in the engine (sent at once, so the engine sees
    /// commands in the order they were made) and, when it answers, keeps
    /// the room state it tells; the blobs to send, if any.
    fn room(
        self,
        state: AppState,
        cmd: LiveCommand,
    ) -> impl std::future::Future<Output = Vec<sms_core::sync::Outgoing>> {
        let reply = state.live(cmd);
        async move {
            let Some(reply) = reply.await else {
                return Vec::new();
            };
            if let (Some(room), Some(s)) = (self.inner().borrow_mut().room.as_mut(), reply.state) {
                room.state = s;
            }
            reply.out
        }
    }

    /// Runs a room command whose blobs are not wanted; the room state it
    /// tells is kept when it answers.
    fn tell(self, state: AppState, cmd: LiveCommand) {
        let reply = self.room(state, cmd);
        leptos::task::spawn_local(async move {
            reply.await;
        });
    }

    /// The room state the page keeps, if a room is joined.
    fn room_state(self) -> Option<LiveState> {
        self.inner().borrow().room.as_ref().map(|r| r.state.clone())
    }
}

/// A new room this browser creates and owns, on `relay`: its settings
/// (key and owner's secret made here) and where it is.
fn owned_room(relay: String) -> (Saved, sms_core::sync::Moved) {
    let room = RoomId(platform::random16());
    let key = RoomKey::from_bytes(key_bytes());
    let s = Saved::fresh(
        room.to_hex(),
        key.to_base64url(),
        relay,
        Some(sms_core::crypto::b64::encode(&key_bytes())),
    );
    (s, sms_core::sync::Moved { room, key })
}

/// 32 random bytes: a room key or an owner's secret.
fn key_bytes() -> [u8; 32] {
    let mut key = [0u8; 32];
    key[..16].copy_from_slice(&platform::random16());
    key[16..].copy_from_slice(&platform::random16());
    key
}

impl Default for Live {
    fn default() -> Self {
        Self::new()
    }
}

impl Live {
    pub fn new() -> Self {
        Live {
            status: RwSignal::new(None),
            warning: RwSignal::new(None),
            ended: RwSignal::new(None),
            link: RwSignal::new(None),
            inner: StoredValue::new_local(Rc::new(RefCell::new(Inner::default()))),
        }
    }

    fn inner(&self) -> Rc<RefCell<Inner>> {
        self.inner.get_value()
    }

    /// The settings of the shared workbook, if it is shared.
    pub fn settings(&self) -> Option<Saved> {
        self.inner().borrow().saved.clone()
    }

    /// Called once the workbook is open: reconnects if it is shared.
    pub fn resume(self, state: AppState) {
        let Some(id) = state.workbook_id() else {
            return;
        };
        if let Some(s) = saved(&id) {
            self.begin(state, id, s);
        }
        let online = window_event_listener(leptos::ev::online, move |_| self.reconnect_now(state));
        std::mem::forget(online);
        // The browser knows the network is gone: say so now, rather than
        // when the connection times out.
        let offline = window_event_listener(leptos::ev::offline, move |_| self.drop_connection());
        std::mem::forget(offline);
        // A connection can die without a word (a laptop lid, a Wi-Fi
        // change): a keep-alive that goes unanswered closes it.
        let tick = Closure::<dyn Fn()>::new(move || self.keep_alive());
        let _ = window().set_interval_with_callback_and_timeout_and_arguments_0(
            tick.as_ref().unchecked_ref(),
            KEEP_ALIVE_MS,
        );
        tick.forget();
    }

    /// Starts sharing the open workbook through `relay` (its link is
    /// [`Live::link`]).
    pub fn start(self, state: AppState, relay: &str) -> Result<(), String> {
        socket_url(relay)?;
        let id = state
            .workbook_id()
            .ok_or("The workbook is still opening; try again in a moment.")?;
        let s = owned_room(relay.trim().to_owned()).0;
        let stored = keep(&id, &s);
        self.begin(state, id, s);
        self.stored(stored);
        Ok(())
    }

    /// Whether this browser created the room (holds its owner's secret).
    pub fn is_owner(&self) -> bool {
        self.inner()
            .borrow()
            .saved
            .as_ref()
            .is_some_and(|s| s.owner.is_some())
    }

    /// Stops sharing for everyone (the owner only): the relay deletes the
    /// room and everything in it, and tells everyone in it; this browser
    /// then stops sharing. `false` when not connected.
    pub fn delete_for_everyone(self) -> bool {
        let inner = self.inner();
        let id = {
            let mut i = inner.borrow_mut();
            i.next_id += 1;
            i.next_id
        };
        if !self.send(&sms_core::wire::ClientOut::Delete { id }) {
            return false;
        }
        inner
            .borrow_mut()
            .inflight
            .insert(id, (Vec::new(), Kind::Delete));
        true
    }

    /// Makes a new link (the owner only): a new room and key, created on
    /// the relay first. Everyone connected now is then told, sealed with
    /// the old key, and moves over; the old room is deleted once this
    /// browser is in the new one, so the old link stops working for anyone
    /// not connected (a removed member's, or a leaked one). The link shown
    /// changes once this browser has moved.
    pub fn rotate(self, state: AppState) -> Result<(), String> {
        let (old, connected) = {
            let inner = self.inner();
            let i = inner.borrow();
            (i.saved.clone(), i.caught_up)
        };
        let old = old.ok_or("This workbook is not shared.")?;
        let owner = old
            .owner
            .clone()
            .ok_or("Only the browser that started sharing can make a new link.")?;
        if !connected {
            return Err("Not connected to the relay: a new link needs it. Try again when it says “Live: connected”.".into());
        }
        let (mut new, to) = owned_room(old.relay.clone());
        new.retire = Some(Retire {
            room: old.room.clone(),
            key: old.key.clone(),
            owner,
            seq: old.seq,
        });
        leptos::task::spawn_local(async move {
            // The new room exists before anyone is sent to it.
            if let Err(e) = join::create_room(&new).await {
                self.warning
                    .set(Some(format!("The new link was not made: {e}")));
                return;
            }
            self.inner().borrow_mut().rotating = Some(new);
            let Some(out) = self
                .room(state, LiveCommand::Move { to })
                .await
                .into_iter()
                .next()
            else {
                return;
            };
            let id = {
                let inner = self.inner();
                let mut i = inner.borrow_mut();
                i.next_id += 1;
                let id = i.next_id;
                i.inflight.insert(id, (Vec::new(), Kind::Move));
                id
            };
            if !self.send(&sms_core::wire::ClientOut::Push {
                id,
                blob: &sms_core::crypto::b64::encode(&out.blob),
            }) {
                self.inner().borrow_mut().rotating = None;
                self.warning.set(Some("The new link was not made: the connection to the relay dropped. Try again when it says “Live: connected”.".into()));
            }
        });
        Ok(())
    }

    /// Moves this browser's sharing to `s` (a new room), as the owner after
    /// telling the old room, or as a member told by it.
    fn switch(self, state: AppState, s: Saved) {
        let Some(id) = self.inner().borrow().workbook.clone() else {
            return;
        };
        let stored = keep(&id, &s);
        self.disconnect();
        self.begin(state, id, s);
        self.stored(stored);
    }

    /// Stops sharing; the workbook stays in this browser as it is.
    pub fn leave(self) {
        self.disconnect();
        let inner = self.inner();
        let mut i = inner.borrow_mut();
        if let Some(id) = i.workbook.take() {
            forget(&id);
        }
        i.saved = None;
        i.room = None;
        i.retry_note = false;
        i.storage_note = false;
        drop(i);
        self.status.set(None);
        self.warning.set(None);
        self.link.set(None);
    }

    fn begin(self, state: AppState, id: WorkbookId, s: Saved) {
        let (Some(room), Some(key)) = (RoomId::parse(&s.room), RoomKey::parse(&s.key)) else {
            self.status.set(Some(LiveStatus::Error(
                "The saved share settings are damaged; stop sharing and share again.".into(),
            )));
            return;
        };
        let in_room: Vec<ChangeHash> = s.in_room.iter().filter_map(|h| h.parse().ok()).collect();
        let set_aside: Vec<ChangeHash> =
            s.set_aside.iter().filter_map(|h| h.parse().ok()).collect();
        let token = key.token();
        let started = state.live(LiveCommand::Start {
            room,
            key,
            seq: s.seq,
            snapshot_upto: s.snapshot_upto,
            in_room: in_room.clone(),
            set_aside: set_aside.clone(),
        });
        let room_state = LiveState {
            seq: s.seq,
            snapshot_upto: s.snapshot_upto,
            in_room,
            set_aside,
            since: s.seq,
            ..LiveState::default()
        };
        let session = {
            let inner = self.inner();
            let mut i = inner.borrow_mut();
            i.room = Some(Room {
                token,
                state: room_state,
            });
            i.workbook = Some(id);
            self.link.set(Some(share_link(&s.room, &s.key, &s.relay)));
            i.saved = Some(s);
            i.stopped = false;
            i.attempt = 0;
            i.session += 1;
            i.session
        };
        // Connects once the engine has the room (its hello says from where
        // the room is read), unless sharing stopped or began again since.
        leptos::task::spawn_local(async move {
            let started = started.await;
            let inner = self.inner();
            let mut i = inner.borrow_mut();
            if i.session != session || i.stopped || i.saved.is_none() {
                return;
            }
            if let (Some(room), Some(s)) = (i.room.as_mut(), started.and_then(|r| r.state)) {
                room.state = s;
            }
            drop(i);
            self.connect(state);
        });
    }

    fn persist(&self) {
        let stored = {
            let inner = self.inner();
            let mut i = inner.borrow_mut();
            let (Some(id), Some(room)) = (i.workbook.clone(), i.room.as_ref()) else {
                return;
            };
            let (seq, upto, in_room, set_aside) = (
                room.state.seq,
                room.state.snapshot_upto,
                room.state.in_room.iter().map(|h| h.to_string()).collect(),
                room.state.set_aside.iter().map(|h| h.to_string()).collect(),
            );
            match i.saved.as_mut() {
                Some(s) => {
                    s.seq = seq;
                    s.snapshot_upto = upto;
                    s.in_room = in_room;
                    s.set_aside = set_aside;
                    keep(&id, s)
                }
                None => return,
            }
        };
        self.stored(stored);
    }

    /// Says so when this browser would not store the sharing settings, and
    /// takes the words back once it does again.
    fn stored(&self, ok: bool) {
        let inner = self.inner();
        let mut i = inner.borrow_mut();
        if ok {
            if i.storage_note {
                i.storage_note = false;
                drop(i);
                self.warning.set(None);
            }
        } else if !i.storage_note {
            i.storage_note = true;
            i.retry_note = false;
            drop(i);
            self.warning.set(Some(NOT_STORED.into()));
        }
    }

    /// The relay address could not be remembered for next time (said unless
    /// the settings themselves were refused, which says more).
    fn relay_not_stored(&self) {
        if !self.inner().borrow().storage_note {
            self.warn(
                "This browser would not store the relay address (storage full or blocked); type it again next time you share."
                    .into(),
                false,
            );
        }
    }

    /// Shows `words` as the live warning; `retry` marks words about
    /// entries that are asked for again, taken back once they apply.
    fn warn(&self, words: String, retry: bool) {
        {
            let inner = self.inner();
            let mut i = inner.borrow_mut();
            i.retry_note = retry;
            i.storage_note = false;
        }
        if self.warning.get_untracked().as_deref() != Some(words.as_str()) {
            self.warning.set(Some(words));
        }
    }

    /// Closes the connection and stops reconnecting, keeping the settings
    /// (before switching rooms, or as the first step of leaving).
    fn disconnect(self) {
        let inner = self.inner();
        let mut i = inner.borrow_mut();
        i.stopped = true;
        if let Some(t) = i.timer.take() {
            window().clear_timeout_with_handle(t);
        }
        if let Some(t) = i.retry_timer.take() {
            window().clear_timeout_with_handle(t);
        }
        if let Some(ws) = i.socket.take() {
            ws.set_onclose(None);
            let _ = ws.close();
        }
        i.handlers = None;
    }
}
