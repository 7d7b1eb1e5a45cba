//! Live sync through a relay (see docs/RELAY.md): what one copy of a
//! workbook has sent to a room and what the room has acknowledged, and the
//! sealed envelopes that travel. Pure: the caller owns the socket, the
//! clock and the randomness (nonces).

use std::collections::{BTreeMap, BTreeSet, HashSet};

use automerge::ChangeHash;
use serde::{Deserialize, Serialize};

use crate::crypto::{CryptoError, RoomId, RoomKey};
use crate::error::WorkbookError;
use crate::ids::WorkbookId;
use crate::workbook::Workbook;

/// Entries in a room's log since its last snapshot after which a client
/// offers a new snapshot.
pub const SNAPSHOT_AFTER_ENTRIES: u64 = 500;

/// How many times in a row a copy asks the room again for entries that
/// did not apply before it stops trying until its next connection.
pub const RETRY_LIMIT: u32 = 6;

/// Seconds before the first retry; each further one waits twice as long, up
/// to [`RETRY_MAX_SECS`].
const RETRY_FIRST_SECS: u32 = 2;
const RETRY_MAX_SECS: u32 = 60;

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
    /// The entry's changes build on changes that were refused (or that
    /// build on refused ones themselves), so they can never apply.
    #[error("the changes build on an earlier change that was refused")]
    BuildsOnRefused,
}

impl SyncError {
    /// Whether the entry is asked for again: `false` for an entry that can
    /// never apply (refused by the checks of [`crate::guard`], building on
    /// refused changes, or of another workbook), which is skipped for good.
    pub fn retried(&self) -> bool {
        !matches!(
            self,
            SyncError::Apply(WorkbookError::Refused(_))
                | SyncError::BuildsOnRefused
                | SyncError::OtherWorkbook
        )
    }
}

/// What became of an entry from the room that did not fail
/// ([`LiveSync::incoming`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Received {
    /// Every change it carries is in the workbook (now, or already before).
    Applied,
    /// Applied as far as it goes: some of its changes wait inside Automerge
    /// for earlier changes that have not arrived. Until they do, the entry
    /// counts as not received: `seq` stays before it, so it is asked for
    /// again ([`LiveSync::retry_in`]).
    Waiting,
    /// Skipped for good, and reported when it first arrived: an entry that
    /// was refused, or builds on refused changes, read again.
    Skipped,
    /// The room's owner moved the workbook to another room (a new link);
    /// where to is [`LiveSync::moved`].
    Moved,
}

/// Where a room's owner moved the workbook: a new room and key. Sealed
/// with the old room's key, so only its members read it.
#[derive(Clone, PartialEq, Eq)]
pub struct Moved {
    pub room: RoomId,
    pub key: RoomKey,
}

impl std::fmt::Debug for Moved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key.
        write!(f, "Moved({})", self.room.to_hex())
    }
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
    /// Not changes: the owner moved the workbook to this room.
    pub moved: Option<Moved>,
    pub bytes: Vec<u8>,
}

#[derive(Serialize, Deserialize)]
struct Header {
    v: u32,
    workbook: String,
    heads: Vec<String>,
    snapshot: bool,
    /// The new room and key (hex, base64url), when the owner moved it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    moved: Option<(String, String)>,
}

impl Envelope {
    pub fn encode(&self) -> Vec<u8> {
        let header = serde_json::to_vec(&Header {
            v: 1,
            workbook: self.workbook.as_str().to_owned(),
            heads: self.heads.iter().map(|h| h.to_string()).collect(),
            snapshot: self.snapshot,
            moved: self
                .moved
                .as_ref()
                .map(|m| (m.room.to_hex(), m.key.to_base64url())),
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
            moved: match header.moved {
                None => None,
                Some((room, key)) => Some(Moved {
                    room: RoomId::parse(&room).ok_or(SyncError::Malformed)?,
                    key: RoomKey::parse(&key).ok_or(SyncError::Malformed)?,
                }),
            },
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
    /// The last sequence number this copy holds: every entry up to it is
    /// applied or skipped for good. It never passes an entry that failed
    /// for a reason that may pass, so the next hello (`since`) asks for
    /// that entry again.
    pub seq: u64,
    /// The room's snapshot point, as last heard.
    pub snapshot_upto: u64,
    /// The highest sequence number received or acknowledged; `seq` is this
    /// unless an entry at or below it is unsettled.
    latest: u64,
    /// Entries that failed to open or apply for a reason that may pass
    /// (`None`), or that wait for earlier changes (the heads they need),
    /// by sequence number.
    unsettled: BTreeMap<u64, Option<Vec<ChangeHash>>>,
    /// Times the room was asked again since every entry last settled.
    retries: u32,
    /// Changes refused by the checks, and changes that build on them:
    /// an entry that needs them is skipped, not asked for again.
    set_aside: BTreeSet<ChangeHash>,
    /// Where the owner moved the workbook, once an entry said so.
    pub moved: Option<Moved>,
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
            latest: 0,
            unsettled: BTreeMap::new(),
            retries: 0,
            set_aside: BTreeSet::new(),
            moved: None,
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
            latest: seq,
            unsettled: BTreeMap::new(),
            retries: 0,
            set_aside: BTreeSet::new(),
            moved: None,
        }
    }

    /// Changes set aside earlier (refused, or building on refused ones), as
    /// kept with `seq` from [`Self::set_aside`].
    pub fn with_set_aside(mut self, hashes: impl IntoIterator<Item = ChangeHash>) -> Self {
        self.set_aside.extend(hashes);
        self
    }

    /// The changes this copy set aside for good, to keep with `seq`.
    pub fn set_aside(&self) -> impl Iterator<Item = &ChangeHash> {
        self.set_aside.iter()
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
        self.latest = 0;
        self.unsettled.clear();
        self.retries = 0;
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
            moved: None,
            bytes,
        };
        Some(Outgoing {
            blob: self.key.seal(&self.room, nonce, &envelope.encode()),
            heads,
        })
    }

    /// A sealed notice, for this room's members, that the workbook moved to
    /// `to` (the owner's new link). Carries no changes.
    pub fn moved_notice(&self, wb: &Workbook, to: &Moved, nonce: [u8; 12]) -> Outgoing {
        let envelope = Envelope {
            workbook: wb.id().clone(),
            heads: Vec::new(),
            snapshot: false,
            moved: Some(to.clone()),
            bytes: Vec::new(),
        };
        Outgoing {
            blob: self.key.seal(&self.room, nonce, &envelope.encode()),
            heads: Vec::new(),
        }
    }

    /// The relay stored a push carrying `heads` as entry `seq`.
    pub fn acked(&mut self, wb: &mut Workbook, heads: &[ChangeHash], seq: Option<u64>) {
        self.note_in_room(wb, heads);
        if let Some(seq) = seq {
            // Own entries are never sent back, so they advance `seq` only
            // when nothing before them is missing.
            if seq == self.latest.max(self.seq) + 1 {
                self.latest = seq;
                self.settle();
            }
        }
    }

    /// Opens a blob of this room without applying it.
    pub fn open(&self, blob: &[u8]) -> Result<Envelope, SyncError> {
        Envelope::decode(&self.key.open(&self.room, blob)?)
    }

    /// Opens and applies entry `seq` (or the snapshot up to `seq`) the
    /// relay sent, and keeps count of what is settled:
    ///
    /// - applied: `Ok(Received::Applied)`;
    /// - applied, but some changes wait for earlier ones that have not
    ///   arrived: `Ok(Received::Waiting)`, and the entry is unsettled;
    /// - not opened or applied for a reason that may pass (damaged, not
    ///   sealed with this room's key, not readable): `Err` with
    ///   [`SyncError::retried`], and the entry is unsettled;
    /// - refused by the checks, building on refused changes, or of another
    ///   workbook: `Err` without `retried`, skipped for good; read again,
    ///   a refused entry is `Ok(Received::Skipped)`, so it is reported once.
    ///
    /// `seq` never passes an unsettled entry: the next connection asks for
    /// it again. Nothing is applied when the blob fails to open or names
    /// another workbook.
    pub fn incoming(
        &mut self,
        wb: &mut Workbook,
        seq: u64,
        blob: &[u8],
    ) -> Result<Received, SyncError> {
        self.latest = self.latest.max(self.seq).max(seq);
        let taken = self.take_in(wb, blob);
        match &taken {
            Ok((Received::Waiting, heads, _)) => {
                self.unsettled.insert(seq, Some(heads.clone()));
            }
            Ok((_, _, snapshot)) => {
                self.unsettled.remove(&seq);
                if *snapshot {
                    // A whole document holds every entry up to `seq`; those
                    // that waited are checked by their heads below.
                    self.unsettled
                        .retain(|s, waiting| *s > seq || waiting.is_some());
                }
            }
            Err(e) if e.retried() => {
                self.unsettled.insert(seq, None);
            }
            Err(_) => {
                self.unsettled.remove(&seq);
            }
        }
        // Changes that waited may have found what they needed.
        self.unsettled.retain(|_, waiting| match waiting {
            Some(heads) => !heads.iter().all(|h| holds(wb, h)),
            None => true,
        });
        self.settle();
        taken.map(|(received, _, _)| received)
    }

    /// Entry `seq` arrived but could not be handed over (its text was
    /// damaged, or the workbook was busy): it is asked for again like an
    /// entry that failed to open.
    pub fn missed(&mut self, seq: u64) {
        self.latest = self.latest.max(self.seq).max(seq);
        self.unsettled.insert(seq, None);
        self.settle();
    }

    /// Whether some entry is unsettled (failed or waiting), so the room
    /// should be asked again from `seq`.
    pub fn unsettled(&self) -> bool {
        !self.unsettled.is_empty()
    }

    /// Whether some unsettled entry waits for earlier changes (rather than
    /// having failed to open or apply).
    pub fn waiting(&self) -> bool {
        self.unsettled.values().any(Option::is_some)
    }

    /// Seconds to wait before asking the room again for unsettled entries
    /// (reconnecting with `since` = `seq`): 2, 4, 8 … 60. `None` when
    /// nothing is unsettled, or after [`RETRY_LIMIT`] tries in a row; the
    /// next connection still asks from `seq`.
    pub fn retry_in(&self) -> Option<u32> {
        if self.unsettled.is_empty() || self.retries >= RETRY_LIMIT {
            return None;
        }
        Some((RETRY_FIRST_SECS << self.retries).min(RETRY_MAX_SECS))
    }

    /// The `since` of the next hello: `seq`, or 0 — the whole room again —
    /// once asking from `seq` has not brought what a waiting entry needs
    /// (it was lost before `seq`, say by an older version of the app).
    pub fn since(&self) -> u64 {
        if self.retries >= 2 && self.waiting() {
            0
        } else {
            self.seq
        }
    }

    /// The caller is asking the room again (see [`Self::retry_in`]).
    pub fn retrying(&mut self) {
        self.retries = self.retries.saturating_add(1);
    }

    /// `seq` from what is settled: the latest entry, or just before the
    /// first unsettled one.
    fn settle(&mut self) {
        self.seq = match self.unsettled.keys().next() {
            Some(first) => self.latest.min(first.saturating_sub(1)),
            None => self.latest,
        };
        if self.unsettled.is_empty() {
            self.retries = 0;
        }
    }

    /// Opens and applies a blob: what became of it, the heads its sender
    /// had, and whether it is a snapshot.
    fn take_in(
        &mut self,
        wb: &mut Workbook,
        blob: &[u8],
    ) -> Result<(Received, Vec<ChangeHash>, bool), SyncError> {
        let envelope = self.open(blob)?;
        if &envelope.workbook != wb.id() {
            return Err(SyncError::OtherWorkbook);
        }
        if let Some(moved) = envelope.moved {
            self.moved = Some(moved);
            return Ok((Received::Moved, Vec::new(), false));
        }
        match wb.apply_remote(&envelope.bytes) {
            Ok(()) => {}
            Err(WorkbookError::Refused(refusal)) => {
                return if self.put_aside(wb, &envelope.bytes) {
                    Err(SyncError::Apply(WorkbookError::Refused(refusal)))
                } else {
                    Ok((Received::Skipped, envelope.heads, envelope.snapshot))
                };
            }
            Err(e) => return Err(e.into()),
        }
        self.note_in_room(wb, &envelope.heads);
        if envelope.heads.iter().all(|h| holds(wb, h)) {
            return Ok((Received::Applied, envelope.heads, envelope.snapshot));
        }
        // Not all of it applied: what does it wait for?
        let changes = crate::guard::changes_in(&envelope.bytes).unwrap_or_default();
        let inside: HashSet<ChangeHash> = changes.iter().map(|c| c.hash()).collect();
        let mut missing: HashSet<ChangeHash> = envelope
            .heads
            .iter()
            .filter(|h| !inside.contains(*h))
            .copied()
            .collect();
        for change in &changes {
            if !holds(wb, &change.hash()) {
                missing.extend(change.deps().iter().filter(|d| !inside.contains(*d)));
            }
        }
        missing.retain(|h| !holds(wb, h));
        if !missing.is_empty() && missing.iter().all(|h| self.set_aside.contains(h)) {
            return if self.put_aside(wb, &envelope.bytes) {
                Err(SyncError::BuildsOnRefused)
            } else {
                Ok((Received::Skipped, envelope.heads, envelope.snapshot))
            };
        }
        Ok((Received::Waiting, envelope.heads, envelope.snapshot))
    }

    /// Sets aside the changes in `bytes` that this copy does not hold;
    /// `true` when any was not set aside before.
    fn put_aside(&mut self, wb: &mut Workbook, bytes: &[u8]) -> bool {
        let changes = crate::guard::changes_in(bytes).unwrap_or_default();
        let mut fresh = changes.is_empty();
        for change in changes {
            let hash = change.hash();
            if !holds(wb, &hash) {
                fresh |= self.set_aside.insert(hash);
            }
        }
        fresh
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
        head >= self.snapshot_upto + SNAPSHOT_AFTER_ENTRIES
            && self.seq == head
            && self.unsettled.is_empty()
            && !self.pending(wb)
    }
}

/// Whether the workbook holds change `hash` as applied (not merely waiting
/// inside Automerge for its dependencies).
fn holds(wb: &mut Workbook, hash: &ChangeHash) -> bool {
    wb.doc.get_change_meta_by_hash(hash).is_some()
}

/// A room read once, for joining from a share link: the workbook its
/// messages belong to, the heads they bring (every change up to them is in
/// the room) and their bytes, concatenated in order.
#[derive(Debug, PartialEq, Eq)]
pub struct RoomRead {
    pub workbook: WorkbookId,
    pub in_room: Vec<ChangeHash>,
    pub bytes: Vec<u8>,
    /// Messages left out: ones that do not open with the room's key, are
    /// not workbook changes, or belong to another workbook than the first.
    pub skipped: usize,
}

/// Why a room read once cannot be joined; nothing is stored.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReadRoomError {
    #[error("none of the {0} messages in the shared workbook opens with the link's key, or holds workbook changes")]
    NothingOpens(usize),
}

/// Opens every blob of a room (in order) with its key; `None` when the
/// room holds no message yet. A message that does not open, or does not hold
/// Automerge data, or belongs to another workbook than the first one that
/// opens, is left out and counted: one bad message never hides the rest.
pub fn read_room(
    room: RoomId,
    key: RoomKey,
    blobs: &[Vec<u8>],
) -> Result<Option<RoomRead>, ReadRoomError> {
    let sync = LiveSync::new(room, key);
    let mut read: Option<RoomRead> = None;
    let mut skipped = 0;
    for blob in blobs {
        let Some(env) = sync
            .open(blob)
            .ok()
            .filter(|env| crate::guard::chunks(&env.bytes).is_ok())
        else {
            skipped += 1;
            continue;
        };
        let r = read.get_or_insert_with(|| RoomRead {
            workbook: env.workbook.clone(),
            in_room: Vec::new(),
            bytes: Vec::new(),
            skipped: 0,
        });
        if r.workbook != env.workbook {
            skipped += 1;
            continue;
        }
        r.in_room.extend(env.heads);
        r.bytes.extend_from_slice(&env.bytes);
    }
    if let Some(r) = read.as_mut() {
        crate::order::sort(&mut r.in_room);
        r.in_room.dedup();
        r.skipped = skipped;
    }
    match read {
        None if skipped > 0 => Err(ReadRoomError::NothingOpens(skipped)),
        read => Ok(read),
    }
}
