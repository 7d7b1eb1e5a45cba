//! Live sync's side of the engine: the [`LiveSync`] of the open workbook's
//! room lives beside the document, so sealing, opening and applying happen
//! where the document is. The caller owns the socket and the timers; it
//! sends [`LiveCommand`]s and entries from the room, and keeps the
//! [`LiveState`] each reply carries (what it must persist, and whether and
//! when to ask the room again).

use super::{Engine, Update};
use crate::crypto::{RoomId, RoomKey};
use crate::sync::{LiveSync, Moved, Outgoing, Received, SyncError};
use crate::{ChangeHash, WorkbookError};

/// What the caller of a live room needs to know of its [`LiveSync`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LiveState {
    /// The last sequence number held (see [`LiveSync::seq`]).
    pub seq: u64,
    pub snapshot_upto: u64,
    /// Heads known to be in the room, kept with `seq`.
    pub in_room: Vec<ChangeHash>,
    /// Changes set aside for good, kept with `seq`.
    pub set_aside: Vec<ChangeHash>,
    /// Some entry failed or waits: ask the room again from `since`.
    pub unsettled: bool,
    /// Seconds before asking again, if another try is due.
    pub retry_in: Option<u32>,
    /// The `since` of the next hello.
    pub since: u64,
    /// The owner moved the workbook to this room (a new link): leave this
    /// room and join that one.
    pub moved: Option<Moved>,
}

impl LiveState {
    fn of(sync: &LiveSync) -> Self {
        LiveState {
            seq: sync.seq,
            snapshot_upto: sync.snapshot_upto,
            in_room: sync.in_room().to_vec(),
            set_aside: sync.set_aside().copied().collect(),
            unsettled: sync.unsettled(),
            retry_in: sync.retry_in(),
            since: sync.since(),
            moved: sync.moved.clone(),
        }
    }
}

/// Something the caller of a room tells the engine or asks of it.
#[derive(Clone, Debug)]
pub enum LiveCommand {
    /// Joins a room, picking up where this copy left off.
    Start {
        room: RoomId,
        key: RoomKey,
        seq: u64,
        snapshot_upto: u64,
        in_room: Vec<ChangeHash>,
        set_aside: Vec<ChangeHash>,
    },
    /// Leaves the room.
    Stop,
    /// The connection dropped: what was not acknowledged goes again.
    Disconnected,
    /// The room holds less than this copy thought: everything again.
    RoomReset,
    /// The caller asks the room again for unsettled entries.
    Retrying,
    /// Entry `seq` arrived but could not be handed over.
    Missed { seq: u64 },
    /// The room's snapshot point is at least `upto`.
    SnapshotAt { upto: u64 },
    /// The relay stored what carried `heads` (a push as entry `seq`).
    Acked {
        heads: Vec<ChangeHash>,
        seq: Option<u64>,
    },
    /// Sealed blobs of what the room has not got, each at most about
    /// `max_bytes` of changes.
    Outgoing { max_bytes: usize },
    /// A sealed snapshot of the whole workbook, if the room's log since its
    /// last snapshot is long (`head` is the room's last entry) and the
    /// snapshot is at most `max_bytes`.
    Snapshot { head: u64, max_bytes: usize },
    /// A sealed notice for this room's members that the workbook moved to
    /// `to` (the owner made a new link).
    Move { to: Moved },
}

/// The engine's answer to a [`LiveCommand`].
#[derive(Clone, Debug, Default)]
pub struct LiveReply {
    /// `None` when no room is joined.
    pub state: Option<LiveState>,
    /// Blobs to send, oldest first.
    pub out: Vec<Outgoing>,
}

impl Engine {
    /// Runs a command of the open workbook's room; `nonce` gives a fresh
    /// random nonce for every blob sealed.
    pub fn live(&mut self, cmd: LiveCommand, mut nonce: impl FnMut() -> [u8; 12]) -> LiveReply {
        if let LiveCommand::Start {
            room,
            key,
            seq,
            snapshot_upto,
            in_room,
            set_aside,
        } = cmd
        {
            self.live = Some(
                LiveSync::resume(room, key, seq, snapshot_upto, in_room).with_set_aside(set_aside),
            );
            return self.live_reply(Vec::new());
        }
        if self.import.is_some() {
            // Reading the document would commit the import half-way; the
            // caller waits until it has finished.
            return self.live_reply(Vec::new());
        }
        let Some(sync) = self.live.as_mut() else {
            return LiveReply::default();
        };
        let wb = &mut self.wb;
        let out = match cmd {
            LiveCommand::Start { .. } => Vec::new(),
            LiveCommand::Stop => {
                self.live = None;
                return LiveReply::default();
            }
            LiveCommand::Disconnected => {
                sync.disconnected();
                Vec::new()
            }
            LiveCommand::RoomReset => {
                sync.room_reset();
                Vec::new()
            }
            LiveCommand::Retrying => {
                sync.retrying();
                Vec::new()
            }
            LiveCommand::Missed { seq } => {
                sync.missed(seq);
                Vec::new()
            }
            LiveCommand::SnapshotAt { upto } => {
                sync.snapshot_upto = sync.snapshot_upto.max(upto);
                Vec::new()
            }
            LiveCommand::Acked { heads, seq } => {
                sync.acked(wb, &heads, seq);
                Vec::new()
            }
            LiveCommand::Outgoing { max_bytes } => sync.outgoing_batches(wb, max_bytes, nonce),
            LiveCommand::Move { to } => vec![sync.moved_notice(wb, &to, nonce())],
            LiveCommand::Snapshot { head, max_bytes } => {
                if sync.wants_snapshot(wb, head) {
                    let out = sync.snapshot(wb, nonce());
                    if out.blob.len() <= max_bytes {
                        vec![out]
                    } else {
                        Vec::new()
                    }
                } else {
                    Vec::new()
                }
            }
        };
        self.live_reply(out)
    }

    fn live_reply(&self, out: Vec<Outgoing>) -> LiveReply {
        LiveReply {
            state: self.live.as_ref().map(LiveState::of),
            out,
        }
    }

    /// Opens and applies entry `seq` of the room (see
    /// [`LiveSync::incoming`]); an entry that failed for a reason that may
    /// pass is asked for again. The update says what it changed.
    pub fn live_entry(
        &mut self,
        seq: u64,
        blob: &[u8],
    ) -> (Result<Received, SyncError>, Update, Option<LiveState>) {
        let outcome = match (self.live.as_mut(), self.import.is_some()) {
            (None, _) => Err(SyncError::Apply(WorkbookError::Document(
                "no room is joined".into(),
            ))),
            (Some(sync), true) => {
                sync.missed(seq);
                Err(SyncError::Apply(WorkbookError::Document(
                    "an import is running".into(),
                )))
            }
            (Some(sync), false) => {
                let r = sync.incoming(&mut self.wb, seq, blob);
                if matches!(&r, Err(e) if e.retried()) {
                    sync.missed(seq);
                }
                r
            }
        };
        let update = if self.import.is_some() {
            Update::default()
        } else {
            let delta = self.wb.take_delta();
            Update::read(&mut self.wb, &delta)
        };
        (outcome, update, self.live.as_ref().map(LiveState::of))
    }
}
