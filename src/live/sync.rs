//! What goes to the room (pushes, snapshots) and what comes from it
//! (entries opened, checked and applied; retries of those that waited).

use leptos::prelude::*;
use sms_core::{
    crypto::b64,
    sync::{Received, SyncError},
    wire::{ClientOut, ErrorCode, ServerIn},
    WorkbookError,
};
use wasm_bindgen::{closure::Closure, JsCast};

use super::*;
use crate::state::AppState;

impl Live {
    /// Applies a sealed blob from the room through the usual edit path
    /// (read model, save). One that does not open or apply is never
    /// applied: it is asked for again later, or, when it can never apply
    /// (refused by the checks), skipped; either way the person is told.
    pub(super) async fn apply(self, state: AppState, seq: u64, blob: &str) {
        if self.inner().borrow().room.is_none() {
            return;
        }
        let outcome = match b64::decode(blob) {
            None => {
                // Its text was damaged: asked for again like an entry that
                // failed to open.
                self.room(state, LiveCommand::Missed { seq }).await;
                Err(SyncError::Malformed)
            }
            Some(bytes) => match state.live_entry(seq, &bytes).await {
                Some((outcome, _, room_state)) => {
                    let moved = room_state.as_ref().and_then(|s| s.moved.clone());
                    if let (Some(room), Some(s)) =
                        (self.inner().borrow_mut().room.as_mut(), room_state)
                    {
                        room.state = s;
                    }
                    if let Some(to) = moved {
                        self.follow(state, to);
                        return;
                    }
                    outcome
                }
                // The workbook could not take it (it could not be opened).
                None => Err(SyncError::Apply(WorkbookError::Document(
                    "the workbook is not open".into(),
                ))),
            },
        };
        let unsettled = self.room_state().is_some_and(|s| s.unsettled);
        match outcome {
            Ok(Received::Waiting) => {
                self.warn(WAITING.into(), true);
                self.schedule_retry(state);
            }
            Ok(Received::Applied | Received::Skipped | Received::Moved) => {
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
    pub(super) fn settled(self) {
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
    pub(super) fn schedule_retry(self, state: AppState) {
        let inner = self.inner();
        let mut i = inner.borrow_mut();
        if i.retry_timer.is_some() || i.stopped || !i.caught_up {
            return;
        }
        let Some(room) = i.room.as_ref().filter(|r| r.state.unsettled) else {
            return;
        };
        let Some(secs) = room.state.retry_in else {
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
    pub(super) fn retry(self, state: AppState) {
        {
            let inner = self.inner();
            let mut i = inner.borrow_mut();
            let due = !i.stopped
                && i.saved.is_some()
                && i.room.as_ref().is_some_and(|r| r.state.unsettled);
            if !due {
                return;
            }
            if let Some(t) = i.timer.take() {
                window().clear_timeout_with_handle(t);
            }
            i.ping_sent = None;
        }
        self.tell(state, LiveCommand::Disconnected);
        self.connect(state);
    }

    /// A frame from the relay: handled after those before it.
    pub(super) fn received(self, state: AppState, text: &str) {
        self.inner().borrow_mut().inbox.push_back(text.to_owned());
        self.read_inbox(state);
    }

    /// Works through the inbox, one frame at a time, unless that is
    /// happening already or an import runs (frames then wait for it).
    fn read_inbox(self, state: AppState) {
        {
            let inner = self.inner();
            let mut i = inner.borrow_mut();
            if i.reading || i.inbox.is_empty() || state.is_importing() {
                return;
            }
            i.reading = true;
        }
        leptos::task::spawn_local(async move {
            loop {
                if state.is_importing() {
                    break;
                }
                let Some(text) = self.inner().borrow_mut().inbox.pop_front() else {
                    break;
                };
                self.handle(state, &text).await;
            }
            self.inner().borrow_mut().reading = false;
        });
    }

    async fn handle(self, state: AppState, text: &str) {
        let Ok(msg) = ServerIn::parse(text) else {
            return;
        };
        match msg {
            ServerIn::Welcome { head, snapshot } => {
                let seq = {
                    let inner = self.inner();
                    let mut i = inner.borrow_mut();
                    i.head = head;
                    i.attempt = 0;
                    i.room.as_ref().map(|r| r.state.seq)
                };
                if let Some(seq) = seq {
                    if head < seq {
                        // The relay lost entries (restored from an older
                        // backup): send everything again on catching up.
                        self.room(state, LiveCommand::RoomReset).await;
                    }
                    self.room(state, LiveCommand::SnapshotAt { upto: snapshot })
                        .await;
                }
            }
            ServerIn::Snapshot { upto, blob } | ServerIn::Blob { seq: upto, blob } => {
                self.apply(state, upto, &blob).await;
                self.persist();
                // A live entry may describe files this browser lacks.
                if self.inner().borrow().caught_up {
                    super::files::relay_files(state, self);
                }
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
                self.retire_old_room();
                self.status.set(Some(LiveStatus::Connected));
                self.push(state).await;
                self.maybe_snapshot(state).await;
                self.schedule_retry(state);
                // Attached files travel on a conversation of their own.
                super::files::relay_files(state, self);
            }
            ServerIn::Ack { id, seq } => {
                let heads = self.inner().borrow_mut().inflight.remove(&id);
                if let Some((_, Kind::Move)) = heads {
                    // The old room knows: move over, then delete it.
                    let new = self.inner().borrow_mut().rotating.take();
                    if let Some(new) = new {
                        self.switch(state, new);
                        self.ended.set(Some("New link made: send it to the people who should keep access. Everyone connected moved over; the old link stops working.".into()));
                    }
                    return;
                }
                if let Some((_, Kind::Delete)) = heads {
                    // The room is gone for everyone; this browser stops too.
                    self.leave();
                    self.ended.set(Some(
                        "Stopped sharing for everyone: the relay deleted the shared workbook. Your copy stays here as it is."
                            .into(),
                    ));
                    return;
                }
                if let Some((heads, kind)) = heads {
                    let is_push = kind == Kind::Push;
                    if is_push {
                        // This browser's change is in the room: the files
                        // it attached follow.
                        super::files::relay_files(state, self);
                    }
                    if self.inner().borrow().room.is_some() {
                        self.room(
                            state,
                            LiveCommand::Acked {
                                heads,
                                seq: is_push.then_some(seq),
                            },
                        )
                        .await;
                        if is_push {
                            let inner = self.inner();
                            let mut i = inner.borrow_mut();
                            i.head = i.head.max(seq);
                        } else {
                            self.room(state, LiveCommand::SnapshotAt { upto: seq })
                                .await;
                        }
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
                    ErrorCode::NoRoom => "This shared workbook is no longer on the relay: the person who shared it stopped sharing it for everyone, or nobody used it for a long time. Your copy stays here as it is; stop sharing, or share it again.".to_owned(),
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

    /// Sends what the room has not got yet, when connected and caught up;
    /// first handles frames that waited for an import.
    pub fn flush(self, state: AppState) {
        if state.is_importing() {
            return;
        }
        self.read_inbox(state);
        let push = self.push(state);
        leptos::task::spawn_local(push);
    }

    /// Asks the engine what the room has not got yet and sends it.
    fn push(self, state: AppState) -> impl std::future::Future<Output = ()> {
        let ready = {
            let inner = self.inner();
            let i = inner.borrow();
            i.caught_up
                && i.room.is_some()
                && i.socket
                    .as_ref()
                    .is_some_and(|ws| ws.ready_state() == web_sys::WebSocket::OPEN)
        };
        let batches = ready.then(|| {
            self.room(
                state,
                LiveCommand::Outgoing {
                    max_bytes: MAX_PUSH_BYTES,
                },
            )
        });
        async move {
            let Some(batches) = batches else {
                return;
            };
            let batches = batches.await;
            let inner = self.inner();
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
                    // The socket closed meanwhile: everything unacknowledged
                    // is sent again after reconnecting.
                    inner.borrow_mut().inflight.remove(&id);
                    break;
                }
            }
        }
    }

    /// Follows the owner to a new link: leaves this room and joins that one.
    fn follow(self, state: AppState, to: sms_core::sync::Moved) {
        let Some(old) = self.settings() else {
            return;
        };
        self.switch(
            state,
            Saved::fresh(to.room.to_hex(), to.key.to_base64url(), old.relay, None),
        );
        self.ended.set(Some(
            "The person who shared this workbook made a new link; this browser moved to it.".into(),
        ));
    }

    /// Once the owner's new room is connected: deletes the room it moved
    /// away from, so its link stops working (tried again on the next
    /// connection if the relay cannot be reached).
    fn retire_old_room(self) {
        let Some(s) = self.settings() else { return };
        let Some(retire) = s.retire.clone() else {
            return;
        };
        leptos::task::spawn_local(async move {
            if super::join::delete_room(&s.relay, &retire).await.is_ok() {
                let inner = self.inner();
                if let Some(saved) = inner.borrow_mut().saved.as_mut() {
                    if saved.retire.as_ref() == Some(&retire) {
                        saved.retire = None;
                    }
                }
                self.persist();
            }
        });
    }

    /// Offers the room a snapshot when its log has grown long.
    pub(super) async fn maybe_snapshot(self, state: AppState) {
        let inner = self.inner();
        let head = inner.borrow().head;
        // Only the owner may replace the room's history.
        if inner.borrow().room.is_none() || !self.is_owner() {
            return;
        }
        let snap = self
            .room(
                state,
                LiveCommand::Snapshot {
                    head,
                    max_bytes: MAX_PUSH_BYTES * 2,
                },
            )
            .await
            .into_iter()
            .next()
            .map(|out| (out, head));
        let id = {
            let mut i = inner.borrow_mut();
            i.next_id += 1;
            i.next_id
        };
        if let Some((out, upto)) = snap {
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
}
