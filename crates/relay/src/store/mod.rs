//! Durable room logs. The relay keeps, per room, the SHA-256 of its token,
//! an append-only log of sealed blobs numbered from 1, at most one sealed
//! snapshot that replaces the entries up to its `upto`, and attached
//! files' sealed parts under their keyed ids (counted in the room's bytes).
//!
//! Every write is one committed transaction when the call returns: the
//! relay acknowledges a push only after that, so an acknowledged blob
//! survives a crash. Calls block; the relay runs them off the async
//! threads.

use sms_core::crypto::RoomId;

mod postgres;
mod sqlite;

pub use self::postgres::{Notice, PgStore};
pub use sqlite::SqliteStore;

/// What the relay knows of a room without reading its blobs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomMeta {
    pub token_hash: [u8; 32],
    /// The latest sequence number (0: empty room).
    pub head: u64,
    /// The `upto` of the room's snapshot (0: none).
    pub snapshot_upto: u64,
    /// Bytes of blobs stored (log entries and snapshot).
    pub bytes: u64,
    /// SHA-256 of the owner's secret, for rooms created with one: only the
    /// owner may replace the room's history or delete it.
    pub owner_hash: Option<[u8; 32]>,
}

/// One log entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub seq: u64,
    pub blob: Vec<u8>,
}

/// A room's snapshot: a sealed whole document holding entries `1..=upto`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub upto: u64,
    pub blob: Vec<u8>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Appended {
    /// Stored as this sequence number.
    Seq(u64),
    /// The room would hold more than its limit.
    RoomFull,
    /// The relay would hold more than its limit, all rooms together.
    RelayFull,
}

/// How many bytes of blobs a write may leave stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quota {
    /// In the room written to.
    pub room: u64,
    /// In every room together.
    pub total: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SnapshotStored {
    /// Stored, and the entries it holds dropped.
    Stored,
    /// The room already holds a snapshot at least this recent; kept that one.
    Covered,
    /// `upto` is 0 or beyond the room's head.
    BadUpto,
    RoomFull,
    RelayFull,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no such room")]
    NoRoom,
    #[error("storage: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("storage: {0}")]
    Postgres(#[from] ::postgres::Error),
    #[error("storage: {0}")]
    Io(#[from] std::io::Error),
    #[error("the data directory was written by a newer relay (schema {0})")]
    NewerSchema(i64),
}

/// Where rooms live. Implementations are shared by every connection.
pub trait Store: Send + Sync + 'static {
    fn room(&self, room: &RoomId) -> Result<Option<RoomMeta>, StoreError>;

    /// Creates the room with this token hash unless it exists; returns the
    /// room as stored (whoever created it), or `None` when it does not
    /// exist and `max_rooms` rooms already do.
    fn create_room(
        &self,
        room: &RoomId,
        token_hash: &[u8; 32],
        owner_hash: Option<&[u8; 32]>,
        max_rooms: u64,
    ) -> Result<Option<RoomMeta>, StoreError>;

    /// Deletes a room with every blob it holds; `false` if there was none.
    fn delete_room(&self, room: &RoomId) -> Result<bool, StoreError>;

    /// Appends a blob; committed when this returns.
    fn append(&self, room: &RoomId, blob: &[u8], quota: Quota) -> Result<Appended, StoreError>;

    /// Entries after `after`, in order, up to about `max_bytes` (always at
    /// least one when there is one).
    fn entries_after(
        &self,
        room: &RoomId,
        after: u64,
        max_bytes: usize,
    ) -> Result<Vec<Entry>, StoreError>;

    fn snapshot(&self, room: &RoomId) -> Result<Option<Snapshot>, StoreError>;

    /// Stores a snapshot and drops the entries up to `upto`, in one
    /// transaction; committed when this returns.
    fn put_snapshot(
        &self,
        room: &RoomId,
        upto: u64,
        blob: &[u8],
        quota: Quota,
    ) -> Result<SnapshotStored, StoreError>;

    /// Stores one sealed part of a file (`part` of `parts`), replacing that
    /// part if it is there; parts stored under another `parts` (the file
    /// sent in another split) are dropped first. `Seq(0)` once committed.
    fn put_file_part(
        &self,
        room: &RoomId,
        file: &[u8; 32],
        part: (u32, u32),
        blob: &[u8],
        quota: Quota,
    ) -> Result<Appended, StoreError>;

    /// Those of `files` the room holds whole (every part), in the order
    /// asked.
    fn files_held(&self, room: &RoomId, files: &[[u8; 32]]) -> Result<Vec<[u8; 32]>, StoreError>;

    /// One part of a file, with how many parts it has, if stored.
    fn file_part(
        &self,
        room: &RoomId,
        file: &[u8; 32],
        part: u32,
    ) -> Result<Option<(u32, Vec<u8>)>, StoreError>;

    /// Marks a room as in use now (a client joined it), for retention.
    fn touch(&self, room: &RoomId) -> Result<(), StoreError>;

    /// Deletes every room nobody wrote to or joined since `before` (Unix
    /// seconds), with its blobs; returns how many.
    fn delete_idle(&self, before: i64) -> Result<u64, StoreError>;
}

/// Now, in Unix seconds.
pub(crate) fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Why a snapshot up to `upto` is not taken, checked before anything is
/// read (every store answers alike).
pub(crate) fn snapshot_refused(m: &RoomMeta, upto: u64) -> Option<SnapshotStored> {
    if upto == 0 || upto > m.head {
        Some(SnapshotStored::BadUpto)
    } else if upto <= m.snapshot_upto {
        Some(SnapshotStored::Covered)
    } else {
        None
    }
}

/// The room's bytes once a snapshot of `len` bytes replaces `dropped`
/// bytes of entries and an older snapshot of `replaced` bytes, or why that
/// does not fit. `total` (the relay's bytes) is read only when the room
/// grows.
pub(crate) fn bytes_after_snapshot(
    m: &RoomMeta,
    dropped: u64,
    replaced: u64,
    len: u64,
    quota: Quota,
    total: impl FnOnce() -> Result<u64, StoreError>,
) -> Result<Result<u64, SnapshotStored>, StoreError> {
    let bytes = m.bytes - dropped - replaced + len;
    Ok(if bytes > quota.room {
        Err(SnapshotStored::RoomFull)
    } else if bytes > m.bytes && total()? + (bytes - m.bytes) > quota.total {
        Err(SnapshotStored::RelayFull)
    } else {
        Ok(bytes)
    })
}

/// Why a file part of `len` bytes replacing `replaced` bytes does not fit,
/// if it does not.
pub(crate) fn part_refused(
    m: &RoomMeta,
    len: u64,
    replaced: u64,
    quota: Quota,
    total: impl FnOnce() -> Result<u64, StoreError>,
) -> Result<Option<Appended>, StoreError> {
    let bytes = m.bytes.saturating_sub(replaced) + len;
    Ok(if bytes > quota.room {
        Some(Appended::RoomFull)
    } else if bytes > m.bytes && total()? + (bytes - m.bytes) > quota.total {
        Some(Appended::RelayFull)
    } else {
        None
    })
}

/// Why a blob of `len` bytes does not fit, if it does not. `total` (the
/// relay's bytes) is read only when the room has room.
pub(crate) fn append_refused(
    m: &RoomMeta,
    len: u64,
    quota: Quota,
    total: impl FnOnce() -> Result<u64, StoreError>,
) -> Result<Option<Appended>, StoreError> {
    Ok(if m.bytes + len > quota.room {
        Some(Appended::RoomFull)
    } else if total()? + len > quota.total {
        Some(Appended::RelayFull)
    } else {
        None
    })
}
