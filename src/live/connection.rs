//! The WebSocket to the relay: opening it, keep-alives, closing and
//! reconnecting with back-off and jitter.

use leptos::prelude::*;
use sms_core::{crypto::b64, wire::ClientOut};
use wasm_bindgen::{closure::Closure, JsCast};

use super::*;
use crate::share_link::socket_url;
use crate::{platform, state::AppState};

impl Live {
    pub(super) fn connect(self, state: AppState) {
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
        let open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| self.opened(state));
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

    pub(super) fn send(&self, out: &ClientOut) -> bool {
        let text = out.to_json();
        let inner = self.inner();
        let i = inner.borrow();
        i.socket.as_ref().is_some_and(|ws| {
            ws.ready_state() == web_sys::WebSocket::OPEN && ws.send_with_str(&text).is_ok()
        })
    }

    pub(super) fn opened(self, state: AppState) {
        // Asking again for entries that did not apply counts as a try (and
        // the engine says from where to ask).
        let retrying = self
            .room_state()
            .is_some_and(|s| s.unsettled)
            .then(|| self.room(state, LiveCommand::Retrying));
        leptos::task::spawn_local(async move {
            if let Some(r) = retrying {
                r.await;
            }
            self.hello();
        });
    }

    fn hello(self) {
        let hello = {
            let inner = self.inner();
            let i = inner.borrow();
            let (Some(s), Some(room)) = (i.saved.as_ref(), i.room.as_ref()) else {
                return;
            };
            (
                s.room.clone(),
                b64::encode(&room.token),
                room.state.since,
                s.create,
                s.owner.clone(),
            )
        };
        self.status.set(Some(LiveStatus::Syncing));
        self.send(&ClientOut::Hello {
            room: &hello.0,
            token: &hello.1,
            since: hello.2,
            create: hello.3,
            owner: hello.4.as_deref(),
        });
    }

    pub(super) fn closed(self, state: AppState) {
        let inner = self.inner();
        let mut i = inner.borrow_mut();
        i.socket = None;
        i.caught_up = false;
        i.inflight.clear();
        i.ping_sent = None;
        let joined = i.room.is_some();
        drop(i);
        if joined {
            self.tell(state, LiveCommand::Disconnected);
        }
        let inner = self.inner();
        let mut i = inner.borrow_mut();
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
    pub(super) fn drop_connection(self) {
        let socket = self.inner().borrow().socket.clone();
        if let Some(ws) = socket {
            let _ = ws.close();
        }
    }

    pub(super) fn keep_alive(self) {
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
    pub(super) fn reconnect_now(self, state: AppState) {
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
