//! "Share live": sync the open workbook through an end-to-end-encrypted
//! relay (docs/RELAY.md). The relay only ever sees sealed blobs; the room
//! key stays in this browser and in the share link's `#fragment`.
//!
//! One WebSocket per tab. Edits made while offline stay in the workbook
//! (and in IndexedDB) and are sent on reconnect: `LiveSync` knows what the
//! room has acknowledged. Reconnects back off exponentially, with jitter.

use std::{cell::RefCell, collections::HashMap, rc::Rc};

use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use sms_core::{
    crypto::{b64, RoomId, RoomKey},
    sync::{LiveSync, Received, SyncError},
    wire::{ClientOut, ErrorCode, ServerIn},
    ChangeHash, Workbook, WorkbookError, WorkbookId,
};
use wasm_bindgen::{closure::Closure, JsCast};

use crate::{platform, state::AppState};

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

/// Live settings of one workbook, kept in this browser.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Saved {
    pub room: String,
    pub key: String,
    pub relay: String,
    pub seq: u64,
    #[serde(default)]
    pub snapshot_upto: u64,
    #[serde(default)]
    pub in_room: Vec<String>,
    /// The room still has to be created on the relay.
    #[serde(default)]
    pub create: bool,
    /// Changes from the room set aside for good (refused, or building on
    /// refused ones), so entries that need them are not asked for again.
    #[serde(default)]
    pub set_aside: Vec<String>,
}

fn saved_key(id: &WorkbookId) -> String {
    format!("sms-workbook.live.{id}")
}

pub fn saved(id: &WorkbookId) -> Option<Saved> {
    LocalStorage::get(saved_key(id)).ok()
}

/// Keeps the settings; `false` when the browser refused to store them.
#[must_use]
pub fn keep(id: &WorkbookId, s: &Saved) -> bool {
    LocalStorage::set(saved_key(id), s).is_ok()
}

const LAST_RELAY_KEY: &str = "sms-workbook.last-relay";

fn forget(id: &WorkbookId) {
    LocalStorage::delete(saved_key(id));
}

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

/// What an unacknowledged frame was.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Push,
    Snapshot,
}

struct Handlers {
    _open: Closure<dyn FnMut(web_sys::Event)>,
    _message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _close: Closure<dyn FnMut(web_sys::CloseEvent)>,
}

#[derive(Default)]
struct Inner {
    workbook: Option<WorkbookId>,
    saved: Option<Saved>,
    sync: Option<LiveSync>,
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
    /// Frames that arrived during an import, handled after it.
    deferred: Vec<String>,
    /// When the unanswered keep-alive was sent (ms since the epoch).
    ping_sent: Option<f64>,
    /// The timer that asks the room again for entries that did not apply.
    retry_timer: Option<i32>,
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
    inner: StoredValue<Rc<RefCell<Inner>>, leptos::prelude::LocalStorage>,
}

fn nonce() -> [u8; 12] {
    let r = platform::random16();
    r[..12].try_into().expect("12 of 16 bytes")
}

impl Live {
    pub fn new() -> Self {
        Live {
            status: RwSignal::new(None),
            warning: RwSignal::new(None),
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

    /// Starts sharing the open workbook through `relay`; returns the link.
    pub fn start(self, state: AppState, relay: &str) -> Result<String, String> {
        socket_url(relay)?;
        let id = state
            .workbook_id()
            .ok_or("The workbook is still opening; try again in a moment.")?;
        let room = RoomId(platform::random16());
        let mut key = [0u8; 32];
        key[..16].copy_from_slice(&platform::random16());
        key[16..].copy_from_slice(&platform::random16());
        let s = Saved {
            room: room.to_hex(),
            key: RoomKey::from_bytes(key).to_base64url(),
            relay: relay.trim().to_owned(),
            seq: 0,
            snapshot_upto: 0,
            in_room: Vec::new(),
            create: true,
            set_aside: Vec::new(),
        };
        let stored = keep(&id, &s);
        let link = share_link(&s.room, &s.key, &s.relay);
        self.begin(state, id, s);
        self.stored(stored);
        Ok(link)
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
        i.sync = None;
        i.retry_note = false;
        i.storage_note = false;
        drop(i);
        self.status.set(None);
        self.warning.set(None);
    }

    fn begin(self, state: AppState, id: WorkbookId, s: Saved) {
        let (Some(room), Some(key)) = (RoomId::parse(&s.room), RoomKey::parse(&s.key)) else {
            self.status.set(Some(LiveStatus::Error(
                "The saved share settings are damaged; stop sharing and share again.".into(),
            )));
            return;
        };
        let in_room = s.in_room.iter().filter_map(|h| h.parse().ok()).collect();
        let set_aside = s.set_aside.iter().filter_map(|h| h.parse().ok());
        {
            let inner = self.inner();
            let mut i = inner.borrow_mut();
            i.sync = Some(
                LiveSync::resume(room, key, s.seq, s.snapshot_upto, in_room)
                    .with_set_aside(set_aside),
            );
            i.workbook = Some(id);
            i.saved = Some(s);
            i.stopped = false;
            i.attempt = 0;
        }
        self.connect(state);
    }

    fn persist(&self) {
        let stored = {
            let inner = self.inner();
            let mut i = inner.borrow_mut();
            let (Some(id), Some(sync)) = (i.workbook.clone(), i.sync.as_ref()) else {
                return;
            };
            let (seq, upto, in_room, set_aside) = (
                sync.seq,
                sync.snapshot_upto,
                sync.in_room().iter().map(|h| h.to_string()).collect(),
                sync.set_aside().map(|h| h.to_string()).collect(),
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

    fn connect(self, state: AppState) {
        let url = {
            let inner = self.inner();
            let i = inner.borrow();
            match i.saved.as_ref().map(|s| socket_url(&s.relay)) {
                Some(Ok(u)) => u,
                Some(Err(e)) => {
                    drop(i);
                    self.status.set(Some(LiveStatus::Error(e)));
                    return;
                }
                None => return,
            }
        };
        self.status.set(Some(LiveStatus::Connecting));
        let ws = match web_sys::WebSocket::new(&url) {
            Ok(ws) => ws,
            Err(_) => {
                self.status.set(Some(LiveStatus::Error(format!(
                    "“{url}” is not an address a browser can connect to."
                ))));
                return;
            }
        };
        let open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| self.opened());
        let message =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
                if let Some(text) = ev.data().as_string() {
                    self.received(state, &text);
                }
            });
        let close = Closure::<dyn FnMut(web_sys::CloseEvent)>::new(move |_| self.closed(state));
        ws.set_onopen(Some(open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(close.as_ref().unchecked_ref()));
        let inner = self.inner();
        let mut i = inner.borrow_mut();
        if let Some(old) = i.socket.take() {
            // Its handlers are dropped below: it must not call them again.
            old.set_onopen(None);
            old.set_onmessage(None);
            old.set_onclose(None);
            let _ = old.close();
        }
        i.socket = Some(ws);
        i.handlers = Some(Handlers {
            _open: open,
            _message: message,
            _close: close,
        });
        i.caught_up = false;
        i.inflight.clear();
    }

    fn send(&self, out: &ClientOut) -> bool {
        let text = out.to_json();
        let inner = self.inner();
        let i = inner.borrow();
        i.socket.as_ref().is_some_and(|ws| {
            ws.ready_state() == web_sys::WebSocket::OPEN && ws.send_with_str(&text).is_ok()
        })
    }

    fn opened(self) {
        let hello = {
            let inner = self.inner();
            let mut i = inner.borrow_mut();
            // Asking again for entries that did not apply counts as a try.
            if let Some(sync) = i.sync.as_mut().filter(|s| s.unsettled()) {
                sync.retrying();
            }
            let (Some(s), Some(sync)) = (i.saved.as_ref(), i.sync.as_ref()) else {
                return;
            };
            (
                s.room.clone(),
                b64::encode(&sync.token()),
                sync.since(),
                s.create,
            )
        };
        self.status.set(Some(LiveStatus::Syncing));
        self.send(&ClientOut::Hello {
            room: &hello.0,
            token: &hello.1,
            since: hello.2,
            create: hello.3,
        });
    }

    /// Applies a sealed blob from the room through the usual edit path
    /// (read model, save). One that does not open or apply is never
    /// applied: it is asked for again later, or, when it can never apply
    /// (refused by the checks), skipped; either way the person is told.
    fn apply(self, state: AppState, seq: u64, blob: &str) {
        let Some(mut sync) = self.inner().borrow_mut().sync.take() else {
            return;
        };
        let outcome = match b64::decode(blob) {
            None => Err(SyncError::Malformed),
            Some(bytes) => {
                let mut got = None;
                let edited = state.edit(|wb, _| {
                    let r = sync.incoming(wb, seq, &bytes);
                    let ok = r.is_ok();
                    got = Some(r);
                    if ok {
                        Ok(())
                    } else {
                        Err(WorkbookError::Document("not applied".into()))
                    }
                });
                match got {
                    Some(r) => r,
                    // The workbook could not take it (still opening, say).
                    None => {
                        Err(SyncError::Apply(edited.err().unwrap_or(
                            WorkbookError::Document("the workbook was busy".into()),
                        )))
                    }
                }
            }
        };
        if matches!(&outcome, Err(e) if e.retried()) {
            // Recorded once more in case the entry never reached `incoming`;
            // marking a failed entry again changes nothing.
            sync.missed(seq);
        }
        let unsettled = sync.unsettled();
        self.inner().borrow_mut().sync = Some(sync);
        match outcome {
            Ok(Received::Waiting) => {
                self.warn(WAITING.into(), true);
                self.schedule_retry(state);
            }
            Ok(Received::Applied | Received::Skipped) => {
                if !unsettled {
                    self.settled();
                }
            }
            Err(SyncError::Apply(WorkbookError::Refused(refusal))) => self.warn(
                format!(
                    "A change from the shared workbook was not applied: {refusal}. Your copy keeps working."
                ),
                false,
            ),
            Err(SyncError::BuildsOnRefused) => self.warn(
                "A change from the shared workbook was not applied: it builds on an earlier change that was refused. Your copy keeps working."
                    .into(),
                false,
            ),
            Err(SyncError::OtherWorkbook) => self.warn(
                "A message in the shared workbook belongs to another workbook; it was skipped. Your copy keeps working."
                    .into(),
                false,
            ),
            Err(e) => {
                self.warn(
                    format!(
                        "A message from the shared workbook could not be applied yet ({e}); retrying."
                    ),
                    true,
                );
                self.schedule_retry(state);
            }
        }
    }

    /// Every entry has applied: words about retrying are taken back and no
    /// retry is due.
    fn settled(self) {
        let inner = self.inner();
        let mut i = inner.borrow_mut();
        if let Some(t) = i.retry_timer.take() {
            window().clear_timeout_with_handle(t);
        }
        if i.retry_note {
            i.retry_note = false;
            drop(i);
            self.warning.set(None);
        }
    }

    /// Asks the room again, after a back-off, for entries that did not
    /// apply; once the tries are used up, says they wait for the next
    /// connection. Only when caught up: the backlog may still bring them.
    fn schedule_retry(self, state: AppState) {
        let inner = self.inner();
        let mut i = inner.borrow_mut();
        if i.retry_timer.is_some() || i.stopped || !i.caught_up {
            return;
        }
        let Some(sync) = i.sync.as_ref().filter(|s| s.unsettled()) else {
            return;
        };
        let Some(secs) = sync.retry_in() else {
            drop(i);
            self.warn(
                "Some changes from the shared workbook could not be applied after several tries; they are asked for again the next time this copy connects. Your copy keeps working."
                    .into(),
                true,
            );
            return;
        };
        let handler = Closure::once_into_js(move || {
            self.inner().borrow_mut().retry_timer = None;
            self.retry(state);
        });
        i.retry_timer = window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(
                handler.unchecked_ref(),
                (secs * 1000) as i32,
            )
            .ok();
    }

    /// Reconnects so that the hello asks for the unsettled entries again
    /// (the relay accepts one hello per connection).
    fn retry(self, state: AppState) {
        {
            let inner = self.inner();
            let mut i = inner.borrow_mut();
            let due =
                !i.stopped && i.saved.is_some() && i.sync.as_ref().is_some_and(LiveSync::unsettled);
            if !due {
                return;
            }
            if let Some(t) = i.timer.take() {
                window().clear_timeout_with_handle(t);
            }
            i.ping_sent = None;
            if let Some(sync) = i.sync.as_mut() {
                sync.disconnected();
            }
        }
        self.connect(state);
    }

    fn received(self, state: AppState, text: &str) {
        if state.is_importing() {
            self.inner().borrow_mut().deferred.push(text.to_owned());
            return;
        }
        let Ok(msg) = ServerIn::parse(text) else {
            return;
        };
        match msg {
            ServerIn::Welcome { head, snapshot } => {
                let inner = self.inner();
                let mut i = inner.borrow_mut();
                i.head = head;
                i.attempt = 0;
                if let Some(sync) = i.sync.as_mut() {
                    if head < sync.seq {
                        // The relay lost entries (restored from an older
                        // backup): send everything again on catching up.
                        sync.room_reset();
                    }
                    sync.snapshot_upto = sync.snapshot_upto.max(snapshot);
                }
            }
            ServerIn::Snapshot { upto, blob } | ServerIn::Blob { seq: upto, blob } => {
                self.apply(state, upto, &blob);
                self.persist();
            }
            ServerIn::CaughtUp { head } => {
                {
                    let inner = self.inner();
                    let mut i = inner.borrow_mut();
                    i.caught_up = true;
                    i.head = head;
                    if let Some(s) = i.saved.as_mut() {
                        s.create = false;
                    }
                }
                self.persist();
                self.status.set(Some(LiveStatus::Connected));
                self.flush(state);
                self.maybe_snapshot(state);
                self.schedule_retry(state);
            }
            ServerIn::Ack { id, seq } => {
                let heads = self.inner().borrow_mut().inflight.remove(&id);
                if let Some((heads, kind)) = heads {
                    let inner = self.inner();
                    let mut i = inner.borrow_mut();
                    let is_push = kind == Kind::Push;
                    if let Some(mut sync) = i.sync.take() {
                        drop(i);
                        state.with_workbook(|wb| sync.acked(wb, &heads, is_push.then_some(seq)));
                        let mut i = inner.borrow_mut();
                        if is_push {
                            i.head = i.head.max(seq);
                        } else {
                            sync.snapshot_upto = sync.snapshot_upto.max(seq);
                        }
                        i.sync = Some(sync);
                    }
                }
                self.persist();
                if self.inner().borrow().inflight.is_empty() {
                    self.status.set(Some(LiveStatus::Connected));
                }
            }
            ServerIn::Error { code, message } => {
                let words = match code {
                    ErrorCode::Forbidden => "The relay refused this link: the room exists but the key does not match.".to_owned(),
                    ErrorCode::NoRoom => "The relay does not know this shared workbook any more. Stop sharing, then share it again.".to_owned(),
                    ErrorCode::RoomFull => "The relay has no more space for this shared workbook.".to_owned(),
                    _ => format!("The relay closed the connection: {message}."),
                };
                let fatal = matches!(
                    code,
                    ErrorCode::Forbidden | ErrorCode::NoRoom | ErrorCode::RoomFull
                );
                if fatal {
                    self.inner().borrow_mut().stopped = true;
                    self.status.set(Some(LiveStatus::Error(words)));
                } else {
                    self.warn(words, false);
                }
            }
            ServerIn::Pong => self.inner().borrow_mut().ping_sent = None,
        }
    }

    /// Sends what the room has not got yet, when connected and caught up.
    pub fn flush(self, state: AppState) {
        if state.is_importing() {
            return;
        }
        let deferred = std::mem::take(&mut self.inner().borrow_mut().deferred);
        for text in deferred {
            self.received(state, &text);
        }
        let ready = {
            let inner = self.inner();
            let i = inner.borrow();
            i.caught_up
                && i.sync.is_some()
                && i.socket
                    .as_ref()
                    .is_some_and(|ws| ws.ready_state() == web_sys::WebSocket::OPEN)
        };
        if !ready {
            return;
        }
        let Some(mut sync) = self.inner().borrow_mut().sync.take() else {
            return;
        };
        let batches = state
            .with_workbook(|wb| sync.outgoing_batches(wb, MAX_PUSH_BYTES, nonce))
            .unwrap_or_default();
        let inner = self.inner();
        inner.borrow_mut().sync = Some(sync);
        for out in batches {
            let id = {
                let mut i = inner.borrow_mut();
                i.next_id += 1;
                let id = i.next_id;
                i.inflight.insert(id, (out.heads.clone(), Kind::Push));
                id
            };
            self.status.set(Some(LiveStatus::Syncing));
            if !self.send(&ClientOut::Push {
                id,
                blob: &b64::encode(&out.blob),
            }) {
                // The socket closed meanwhile: everything unacknowledged is
                // sent again after reconnecting.
                inner.borrow_mut().inflight.remove(&id);
                break;
            }
        }
    }

    /// Offers the room a snapshot when its log has grown long.
    fn maybe_snapshot(self, state: AppState) {
        let inner = self.inner();
        let head = inner.borrow().head;
        let Some(mut sync) = inner.borrow_mut().sync.take() else {
            return;
        };
        let snap = state
            .with_workbook(|wb| {
                sync.wants_snapshot(wb, head)
                    .then(|| (sync.snapshot(wb, nonce()), head))
            })
            .flatten();
        let id = {
            let mut i = inner.borrow_mut();
            i.sync = Some(sync);
            i.next_id += 1;
            i.next_id
        };
        if let Some((out, upto)) = snap.filter(|(o, _)| o.blob.len() <= MAX_PUSH_BYTES * 2) {
            inner
                .borrow_mut()
                .inflight
                .insert(id, (out.heads.clone(), Kind::Snapshot));
            self.send(&ClientOut::Snapshot {
                id,
                upto,
                blob: &b64::encode(&out.blob),
            });
        }
    }

    fn closed(self, state: AppState) {
        let inner = self.inner();
        let mut i = inner.borrow_mut();
        i.socket = None;
        i.caught_up = false;
        i.inflight.clear();
        i.ping_sent = None;
        if let Some(sync) = i.sync.as_mut() {
            sync.disconnected();
        }
        // The reconnect asks for unsettled entries again by itself.
        if let Some(t) = i.retry_timer.take() {
            window().clear_timeout_with_handle(t);
        }
        if i.stopped {
            return;
        }
        // Exponential back-off with jitter: 1, 2, 4 … 30 s, ±50 %.
        let base = 1u32 << i.attempt.min(5);
        let jitter = 0.5 + (platform::random16()[0] as f64 / 255.0);
        let secs = (f64::from(base.min(30)) * jitter).max(0.5);
        i.attempt += 1;
        let handler = Closure::once_into_js(move || {
            self.inner().borrow_mut().timer = None;
            self.connect(state);
        });
        i.timer = window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(
                handler.unchecked_ref(),
                (secs * 1000.0) as i32,
            )
            .ok();
        drop(i);
        self.status
            .set(Some(LiveStatus::Offline(secs.round() as u32)));
    }

    /// Closes the connection (its close handler then schedules reconnects).
    fn drop_connection(self) {
        let socket = self.inner().borrow().socket.clone();
        if let Some(ws) = socket {
            let _ = ws.close();
        }
    }

    fn keep_alive(self) {
        let (open, waiting) = {
            let inner = self.inner();
            let i = inner.borrow();
            (
                i.socket
                    .as_ref()
                    .is_some_and(|ws| ws.ready_state() == web_sys::WebSocket::OPEN),
                i.ping_sent,
            )
        };
        if !open {
            return;
        }
        let now = js_sys::Date::now();
        match waiting {
            Some(sent) if now - sent > f64::from(KEEP_ALIVE_MS) => self.drop_connection(),
            Some(_) => {}
            None => {
                if self.send(&ClientOut::Ping) {
                    self.inner().borrow_mut().ping_sent = Some(now);
                }
            }
        }
    }

    /// The browser is back online: try now rather than at the next timer.
    fn reconnect_now(self, state: AppState) {
        let inner = self.inner();
        let mut i = inner.borrow_mut();
        if i.stopped || i.socket.is_some() || i.saved.is_none() {
            return;
        }
        if let Some(t) = i.timer.take() {
            window().clear_timeout_with_handle(t);
        }
        i.attempt = 0;
        drop(i);
        self.connect(state);
    }
}

impl Default for Live {
    fn default() -> Self {
        Self::new()
    }
}

/// The live status in the header, when the workbook is shared.
#[component]
pub fn LiveBadge() -> impl IntoView {
    let live = expect_context::<Live>();
    move || {
        live.status.get().map(|s| {
            let detail = match &s {
                LiveStatus::Error(why) => Some(why.clone()),
                _ => None,
            };
            view! {
                <span role="status" aria-live="polite">
                    <a class=format!("live-state {}", s.class()) href=crate::route::Route::Workbooks.href() title=detail.clone().unwrap_or_default()>
                        {s.words()}
                    </a>
                </span>
            }
        })
    }
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

/// Blobs received so far, and how the reading ended (the head, or why not).
type Fetched = (Vec<(u64, Vec<u8>)>, Option<Result<u64, String>>);

/// Reads a whole room once (snapshot and entries), for joining: the blobs
/// in order and the room's head.
async fn fetch_room(invite: &Invite) -> Result<(Vec<(u64, Vec<u8>)>, u64), String> {
    let url = socket_url(&invite.relay)?;
    let sync = LiveSync::new(
        RoomId::parse(&invite.room).ok_or("The link is damaged.")?,
        RoomKey::parse(&invite.key).ok_or("The link is damaged.")?,
    );
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
        token: &b64::encode(&sync.token()),
        since: 0,
        create: false,
    }
    .to_json();
    let ws2 = ws.clone();
    let open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
        let _ = ws2.send_with_str(&hello);
    });
    let message = {
        let collected = collected.clone();
        let finish = finish.clone();
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

/// Joins the workbook a link shares: reads the room, then merges it into
/// this browser's copy of that workbook (or keeps it as a new one) and
/// opens it, shared. Nothing is stored if anything fails.
pub async fn join(state: AppState, live: Live, invite: &Invite) -> Result<String, String> {
    let (blobs, head) = fetch_room(invite).await?;
    let sync = LiveSync::new(
        RoomId::parse(&invite.room).ok_or("The link is damaged.")?,
        RoomKey::parse(&invite.key).ok_or("The link is damaged.")?,
    );
    let mut parts = Vec::new();
    let mut in_room: Vec<String> = Vec::new();
    let mut workbook: Option<WorkbookId> = None;
    for (_, blob) in &blobs {
        let env = sync.open(blob).map_err(|e| {
            format!(
                "A message in the shared workbook could not be opened ({e}); nothing was stored."
            )
        })?;
        if workbook.get_or_insert(env.workbook.clone()) != &env.workbook {
            return Err(
                "The shared workbook holds messages of two workbooks; nothing was stored.".into(),
            );
        }
        in_room.extend(env.heads.iter().map(|h| h.to_string()));
        parts.push(env.bytes);
    }
    if parts.is_empty() {
        return Err("The shared workbook is empty so far. Ask the person who shared it to keep the app open until it says “Live: connected”, then try again.".into());
    }
    let mut joined = Workbook::load(parts.iter().map(Vec::as_slice), platform::new_actor())
        .map_err(|e| {
            format!("The shared workbook could not be opened: {e}. Nothing was stored.")
        })?;
    in_room.sort();
    in_room.dedup();
    let settings = Saved {
        room: invite.room.clone(),
        key: invite.key.clone(),
        relay: invite.relay.clone(),
        seq: head,
        snapshot_upto: 0,
        in_room,
        create: false,
        set_aside: Vec::new(),
    };
    let id = joined.id().clone();
    let name = joined.name();
    // The open workbook itself: merge and stay.
    if state.workbook_id().as_ref() == Some(&id) {
        state
            .edit(|wb, _| wb.merge(&mut joined))
            .map_err(|e| format!("Could not merge: {e}. Nothing was changed."))?;
        let stored = keep(&id, &settings);
        live.disconnect();
        live.begin(state, id, settings);
        live.stored(stored);
        return Ok(format!("Joined “{name}”: it is shared live now."));
    }
    crate::exchange::keep_workbook(state, &mut joined)
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

impl Live {
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

/// Puts `text` on the clipboard; `true` only once the browser says it did
/// (the clipboard is missing outside secure pages, and may be refused).
async fn copy_text(text: &str) -> bool {
    let clipboard = js_sys::Reflect::get(&window().navigator(), &"clipboard".into())
        .ok()
        .filter(|c| !c.is_undefined() && !c.is_null());
    let Some(clipboard) = clipboard else {
        return false;
    };
    let clipboard: web_sys::Clipboard = clipboard.unchecked_into();
    wasm_bindgen_futures::JsFuture::from(clipboard.write_text(text))
        .await
        .is_ok()
}

/// "Share live" on the workbooks page.
#[component]
pub fn ShareLive() -> impl IntoView {
    let state = expect_context::<AppState>();
    let live = expect_context::<Live>();
    let relay = RwSignal::new(LocalStorage::get::<String>(LAST_RELAY_KEY).unwrap_or_default());
    let error = RwSignal::new(None::<String>);
    let link = RwSignal::new(
        live.settings()
            .map(|s| share_link(&s.room, &s.key, &s.relay)),
    );
    // Whether the last "Copy link" worked; `None` before any.
    let copied = RwSignal::new(None::<bool>);
    let link_input = NodeRef::<leptos::html::Input>::new();
    let pasted = RwSignal::new(String::new());
    let join_error = RwSignal::new(None::<String>);
    let start = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let r = relay.get_untracked();
        match live.start(state, &r) {
            Ok(l) => {
                if LocalStorage::set(LAST_RELAY_KEY, r.trim()).is_err() {
                    live.relay_not_stored();
                }
                error.set(None);
                link.set(Some(l));
            }
            Err(e) => error.set(Some(e)),
        }
    };
    let copy = move |_| {
        if let Some(l) = link.get_untracked() {
            copied.set(None);
            leptos::task::spawn_local(async move {
                let ok = copy_text(&l).await;
                copied.set(Some(ok));
                if !ok {
                    // Ready for the person to copy by hand.
                    if let Some(input) = link_input.get_untracked() {
                        let _ = input.focus();
                        input.select();
                    }
                }
            });
        }
    };
    view! {
        <h3>"Share live"</h3>
        <p class="hint">
            "Edit this workbook together in real time through a relay. Everything is encrypted in this browser before it leaves; the relay stores and forwards only sealed messages and can never read them. The key is part of the link, so send the link only to people who may see this workbook."
        </p>
        {move || match link.get() {
            None => view! {
                <form class="share-live" on:submit=start>
                    <label for="relay-url">"Relay address"</label>
                    <input
                        id="relay-url"
                        type="url"
                        placeholder="wss://relay.example.org"
                        prop:value=relay
                        on:input=move |ev| relay.set(event_target_value(&ev))
                    />
                    <button type="submit">"Start sharing live"</button>
                </form>
            }.into_any(),
            Some(l) => view! {
                <div class="share-live">
                    <label for="share-link">"Link to this shared workbook"</label>
                    <input id="share-link" type="text" readonly prop:value=l node_ref=link_input />
                    <p class="buttons">
                        <button type="button" on:click=copy>"Copy link"</button>
                        <button type="button" on:click=move |_| { live.leave(); link.set(None); copied.set(None); }>
                            "Stop sharing live"
                        </button>
                    </p>
                    {move || match copied.get() {
                        Some(true) => Some(view! { <p class="notice" role="status">"Link copied."</p> }.into_any()),
                        Some(false) => Some(view! {
                            <p class="field-error" role="alert">"Could not copy the link; select it and copy it yourself."</p>
                        }.into_any()),
                        None => None,
                    }}
                </div>
            }.into_any(),
        }}
        {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
        <form class="share-live" on:submit=move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let text = pasted.get_untracked();
            match text.split_once("#/join/").and_then(|(_, rest)| Invite::parse(rest.trim())) {
                Some(invite) => {
                    join_error.set(None);
                    crate::route::navigate(&crate::route::Route::Join(invite));
                }
                None => join_error.set(Some("That is not a link to a shared workbook. Copy the whole link, starting with https://.".into())),
            }
        }>
            <label for="join-link">"Join a workbook someone shared with you: paste its link"</label>
            <input
                id="join-link"
                type="text"
                autocomplete="off"
                prop:value=pasted
                on:input=move |ev| pasted.set(event_target_value(&ev))
            />
            <button type="submit">"Open link"</button>
        </form>
        {move || join_error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
        {move || match live.status.get() {
            Some(LiveStatus::Error(why)) => Some(view! { <p class="field-error" role="alert">{why}</p> }),
            _ => None,
        }}
        {move || live.warning.get().map(|w| view! { <p class="field-error" role="alert">{w}</p> })}
    }
}

/// The page a share link opens.
#[component]
pub fn JoinPage(invite: Invite) -> impl IntoView {
    let state = expect_context::<AppState>();
    let live = expect_context::<Live>();
    let busy = RwSignal::new(false);
    let message = RwSignal::new(None::<(bool, String)>);
    let relay = invite.relay.clone();
    let join_it = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        message.set(None);
        let invite = invite.clone();
        leptos::task::spawn_local(async move {
            let r = join(state, live, &invite).await;
            busy.set(false);
            message.set(Some(match r {
                Ok(m) => (true, m),
                Err(e) => (false, e),
            }));
        });
    };
    view! {
        <section aria-labelledby="join-heading">
            <h2 id="join-heading">"Join a shared workbook"</h2>
            <p>{format!("Someone shared a workbook with you through the relay at {relay}. Joining copies it into this browser and keeps it in step with everyone else's edits. If you already have this workbook here, your copy is merged with it; nothing of yours is lost.")}</p>
            <p class="buttons">
                <button type="button" class="primary" on:click=join_it aria-disabled=move || busy.get().to_string()>
                    "Join this workbook"
                </button>
                <a class="button" href=crate::route::Route::Dashboard.href()>"Not now"</a>
            </p>
            <Show when=move || busy.get()>
                <p role="status">"Fetching the shared workbook…"</p>
            </Show>
            {move || message.get().map(|(ok, m)| if ok {
                view! { <p class="notice" role="status">{m}</p> }.into_any()
            } else {
                view! { <p class="field-error" role="alert">{m}</p> }.into_any()
            })}
        </section>
    }
}
