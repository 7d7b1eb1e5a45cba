//! Live sync through a relay (see docs/RELAY.md): what one copy of a
//! workbook has sent to a room and what the room has acknowledged, and the
//! sealed envelopes that travel. Pure: the caller owns the socket, the
//! clock and the randomness (nonces).

use automerge::ChangeHash;
use serde::{Deserialize, Serialize};

use crate::crypto::{CryptoError, RoomId, RoomKey};
use crate::error::WorkbookError;
use crate::ids::WorkbookId;
use crate::workbook::Workbook;

/// Entries in a room's log since its last snapshot after which a client
/// offers a new snapshot.
pub const SNAPSHOT_AFTER_ENTRIES: u64 = 500;

/// Why a blob from the room was not applied.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error("the message is not a workbook change")]
    Malformed,
    #[error("the message belongs to another workbook")]
    OtherWorkbook,
    #[error("the changes could not be applied: {0}")]
    Apply(#[from] WorkbookError),
}

/// The plaintext of a blob.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Envelope {
    pub workbook: WorkbookId,
    /// The sender's heads: every change up to them is in the room once the
    /// blob is acknowledged.
    pub heads: Vec<ChangeHash>,
    /// A whole saved document rather than some changes.
    pub snapshot: bool,
    pub bytes: Vec<u8>,
}

#[derive(Serialize, Deserialize)]
struct Header {
    v: u32,
    workbook: String,
    heads: Vec<String>,
    snapshot: bool,
}

impl Envelope {
    pub fn encode(&self) -> Vec<u8> {
        let header = serde_json::to_vec(&Header {
            v: 1,
            workbook: self.workbook.as_str().to_owned(),
            heads: self.heads.iter().map(|h| h.to_string()).collect(),
            snapshot: self.snapshot,
        })
        .expect("plain strings serialise");
        let mut out = Vec::with_capacity(4 + header.len() + self.bytes.len());
        out.extend_from_slice(&(header.len() as u32).to_be_bytes());
        out.extend_from_slice(&header);
        out.extend_from_slice(&self.bytes);
        out
    }

    pub fn decode(plain: &[u8]) -> Result<Self, SyncError> {
        let len = plain
            .get(..4)
            .map(|b| u32::from_be_bytes(b.try_into().expect("4 bytes")) as usize)
            .ok_or(SyncError::Malformed)?;
        let header = plain.get(4..4 + len).ok_or(SyncError::Malformed)?;
        let header: Header = serde_json::from_slice(header).map_err(|_| SyncError::Malformed)?;
        if header.v != 1 {
            return Err(SyncError::Malformed);
        }
        Ok(Envelope {
            workbook: WorkbookId::parse(&header.workbook).ok_or(SyncError::Malformed)?,
            heads: header
                .heads
                .iter()
                .map(|h| h.parse().map_err(|_| SyncError::Malformed))
                .collect::<Result<_, _>>()?,
            snapshot: header.snapshot,
            bytes: plain[4 + len..].to_vec(),
        })
    }
}

/// A blob ready to push, and the heads it carries (pass them to
/// [`LiveSync::acked`] when the relay acknowledges it).
#[derive(Clone, Debug)]
pub struct Outgoing {
    pub blob: Vec<u8>,
    pub heads: Vec<ChangeHash>,
}

/// One copy's side of a room.
#[derive(Clone, Debug)]
pub struct LiveSync {
    pub room: RoomId,
    key: RoomKey,
    /// Every change up to these is in the room (acknowledged or received).
    in_room: Vec<ChangeHash>,
    /// `in_room` plus what was pushed and not yet acknowledged.
    sent: Vec<ChangeHash>,
    /// The last sequence number this copy holds.
    pub seq: u64,
    /// The room's snapshot point, as last heard.
    pub snapshot_upto: u64,
}

impl LiveSync {
    pub fn new(room: RoomId, key: RoomKey) -> Self {
        LiveSync {
            room,
            key,
            in_room: Vec::new(),
            sent: Vec::new(),
            seq: 0,
            snapshot_upto: 0,
        }
    }

    /// Picks up where a copy left off (after a reload): the last sequence
    /// number it held and the heads it knew to be in the room.
    pub fn resume(
        room: RoomId,
        key: RoomKey,
        seq: u64,
        snapshot_upto: u64,
        in_room: Vec<ChangeHash>,
    ) -> Self {
        LiveSync {
            room,
            key,
            sent: in_room.clone(),
            in_room,
            seq,
            snapshot_upto,
        }
    }

    /// The heads known to be in the room, to keep with `seq` for
    /// [`Self::resume`].
    pub fn in_room(&self) -> &[ChangeHash] {
        &self.in_room
    }

    pub fn key(&self) -> &RoomKey {
        &self.key
    }

    /// What the relay must be shown to let this copy in.
    pub fn token(&self) -> [u8; 32] {
        self.key.token()
    }

    /// The room knows less than this copy thought (its head is below the
    /// last sequence number held, as after the relay was restored from an
    /// older backup): forget what the room was thought to hold, so every
    /// change is sent again and the whole log read again. Repeats are
    /// harmless.
    pub fn room_reset(&mut self) {
        self.in_room.clear();
        self.sent.clear();
        self.seq = 0;
        self.snapshot_upto = 0;
    }

    /// The connection dropped: whatever was not acknowledged is sent again.
    pub fn disconnected(&mut self) {
        self.sent = self.in_room.clone();
    }

    /// Whether this copy holds changes the room has not acknowledged.
    pub fn pending(&self, wb: &mut Workbook) -> bool {
        !wb.covered_by(&self.in_room)
    }

    /// Sealed changes that have not been pushed yet, or `None`.
    pub fn outgoing(&mut self, wb: &mut Workbook, nonce: [u8; 12]) -> Option<Outgoing> {
        if wb.covered_by(&self.sent) {
            return None;
        }
        let bytes = wb.changes_after(&self.sent);
        let heads = wb.heads();
        self.sent = heads.clone();
        self.seal(wb, heads, false, bytes, nonce)
    }

    /// Like [`Self::outgoing`], but in blobs of at most about `max_bytes`
    /// of changes each (a relay limits its frames), oldest first; `nonce`
    /// gives a fresh nonce per blob.
    pub fn outgoing_batches(
        &mut self,
        wb: &mut Workbook,
        max_bytes: usize,
        mut nonce: impl FnMut() -> [u8; 12],
    ) -> Vec<Outgoing> {
        if wb.covered_by(&self.sent) {
            return Vec::new();
        }
        let batches = wb.change_batches(&self.sent, max_bytes);
        self.sent = wb.heads();
        batches
            .into_iter()
            .filter_map(|(bytes, heads)| self.seal(wb, heads, false, bytes, nonce()))
            .collect()
    }

    /// The whole document, sealed, as a snapshot of the room.
    pub fn snapshot(&mut self, wb: &mut Workbook, nonce: [u8; 12]) -> Outgoing {
        let heads = wb.heads();
        let bytes = wb.to_file();
        self.seal(wb, heads, true, bytes, nonce)
            .expect("a snapshot is never empty")
    }

    fn seal(
        &self,
        wb: &Workbook,
        heads: Vec<ChangeHash>,
        snapshot: bool,
        bytes: Vec<u8>,
        nonce: [u8; 12],
    ) -> Option<Outgoing> {
        let envelope = Envelope {
            workbook: wb.id().clone(),
            heads: heads.clone(),
            snapshot,
            bytes,
        };
        Some(Outgoing {
            blob: self.key.seal(&self.room, nonce, &envelope.encode()),
            heads,
        })
    }

    /// The relay stored a push carrying `heads` as entry `seq`.
    pub fn acked(&mut self, wb: &mut Workbook, heads: &[ChangeHash], seq: Option<u64>) {
        self.note_in_room(wb, heads);
        if let Some(seq) = seq {
            // Own entries are never sent back, so they advance `seq` only
            // when nothing before them is missing.
            if seq == self.seq + 1 {
                self.seq = seq;
            }
        }
    }

    /// Opens a blob of this room without applying it.
    pub fn open(&self, blob: &[u8]) -> Result<Envelope, SyncError> {
        Envelope::decode(&self.key.open(&self.room, blob)?)
    }

    /// Opens and applies an entry (or the snapshot) the relay sent.
    /// Nothing is applied when it fails to open or names another workbook.
    pub fn incoming(&mut self, wb: &mut Workbook, seq: u64, blob: &[u8]) -> Result<(), SyncError> {
        let envelope = self.open(blob)?;
        if &envelope.workbook != wb.id() {
            return Err(SyncError::OtherWorkbook);
        }
        wb.apply_remote(&envelope.bytes)?;
        self.note_in_room(wb, &envelope.heads);
        self.seq = self.seq.max(seq);
        Ok(())
    }

    fn note_in_room(&mut self, wb: &mut Workbook, heads: &[ChangeHash]) {
        for list in [&mut self.in_room, &mut self.sent] {
            for h in heads {
                if !list.contains(h) {
                    list.push(*h);
                }
            }
        }
        // Everything here is in the room: keep the lists short.
        if wb.covered_by(&self.in_room) {
            self.in_room = wb.heads();
        }
        if wb.covered_by(&self.sent) {
            self.sent = wb.heads();
        }
    }

    /// Whether this copy should offer the room a snapshot: many entries
    /// since the last one, and nothing of its own unacknowledged.
    pub fn wants_snapshot(&self, wb: &mut Workbook, head: u64) -> bool {
        head >= self.snapshot_upto + SNAPSHOT_AFTER_ENTRIES && self.seq == head && !self.pending(wb)
    }
}
