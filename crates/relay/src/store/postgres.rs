//! Rooms in PostgreSQL, for relays that outgrow one machine: several
//! relay processes (behind a load balancer) share one database, and each
//! commit that other processes' clients must see is announced with
//! `NOTIFY` on [`CHANNEL`], which every process `LISTEN`s to
//! ([`PgStore::listen`]).
//!
//! Sequence numbers stay gap-free and in order across processes: an append
//! locks its room's row (`FOR UPDATE`) until it commits, so a room's
//! entries commit — and their notices arrive — in sequence order.

use std::sync::Mutex;
use std::time::Duration;

use postgres::{Client, NoTls, Transaction};
use sms_core::crypto::RoomId;
use tracing::warn;

use super::{
    append_refused, bytes_after_snapshot, now_secs, part_refused, snapshot_refused, Appended,
    Entry, Quota, RoomMeta, Snapshot, SnapshotStored, Store, StoreError,
};

/// The channel every relay process listens on.
pub const CHANNEL: &str = "sms_relay";

/// What another relay process committed, as its notice says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    /// Entry `seq` of `room` is stored.
    Entry { room: RoomId, seq: u64 },
    /// The room's owner deleted it.
    Deleted { room: RoomId },
    /// Listening (again): notices sent while this process was not
    /// listening are lost, so every room it serves is read again.
    Listening,
}

/// A [`Store`] in a PostgreSQL database. Calls block (the relay runs them
/// off the async threads); connections are kept in a small pool.
pub struct PgStore {
    url: String,
    pool: Mutex<Vec<Client>>,
    /// Tells this process's notices from other processes'.
    process: String,
}

/// Serialises creating the schema when several processes start at once.
const SCHEMA_LOCK: i64 = 0x736d_735f_7265_6c61;

impl PgStore {
    /// Connects to `url` (a `postgres://` URL or `key=value` settings) and
    /// creates the tables if they are missing.
    pub fn open(url: &str) -> Result<Self, StoreError> {
        let mut client = Client::connect(url, NoTls)?;
        let mut tx = client.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS rooms (
                 id BYTEA PRIMARY KEY,
                 token_hash BYTEA NOT NULL,
                 owner_hash BYTEA,
                 head BIGINT NOT NULL DEFAULT 0,
                 snapshot_upto BIGINT NOT NULL DEFAULT 0,
                 bytes BIGINT NOT NULL DEFAULT 0,
                 created_at BIGINT NOT NULL,
                 active_at BIGINT NOT NULL
             );
             CREATE TABLE IF NOT EXISTS entries (
                 room BYTEA NOT NULL,
                 seq BIGINT NOT NULL,
                 blob BYTEA NOT NULL,
                 PRIMARY KEY (room, seq)
             );
             CREATE TABLE IF NOT EXISTS snapshots (
                 room BYTEA PRIMARY KEY,
                 upto BIGINT NOT NULL,
                 blob BYTEA NOT NULL
             );
             CREATE TABLE IF NOT EXISTS files (
                 room BYTEA NOT NULL,
                 file BYTEA NOT NULL,
                 part INTEGER NOT NULL,
                 parts INTEGER NOT NULL,
                 blob BYTEA NOT NULL,
                 PRIMARY KEY (room, file, part)
             );",
        )?;
        tx.commit()?;
        let mut process = [0u8; 8];
        getrandom(&mut process);
        Ok(PgStore {
            url: url.to_owned(),
            pool: Mutex::new(vec![client]),
            process: process.iter().map(|b| format!("{b:02x}")).collect(),
        })
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut Client) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let pooled = self.pool.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let mut client = match pooled {
            Some(c) if !c.is_closed() => c,
            _ => Client::connect(&self.url, NoTls)?,
        };
        let out = f(&mut client);
        if !client.is_closed() {
            self.pool
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(client);
        }
        out
    }

    fn write<T>(
        &self,
        f: impl FnOnce(&mut Transaction) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.with(|c| {
            let mut tx = c.transaction()?;
            let out = f(&mut tx)?;
            tx.commit()?;
            Ok(out)
        })
    }

    fn notify(&self, tx: &mut Transaction, room: &RoomId, what: &str) -> Result<(), StoreError> {
        let payload = format!("{} {what} {}", room.to_hex(), self.process);
        tx.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &payload])?;
        Ok(())
    }

    /// Other processes' notices, in commit order, for as long as the
    /// returned receiver is kept: a thread holds one connection that
    /// `LISTEN`s, and reconnects (after a second) when it breaks.
    pub fn listen(&self) -> std::sync::mpsc::Receiver<Notice> {
        let (tx, rx) = std::sync::mpsc::channel();
        let (url, me) = (self.url.clone(), self.process.clone());
        std::thread::spawn(move || loop {
            let heard = (|| -> Result<(), StoreError> {
                let mut client = Client::connect(&url, NoTls)?;
                client.batch_execute(&format!("LISTEN {CHANNEL}"))?;
                // From here nothing is missed; what was committed before
                // (while the connection was down) is read from the rooms.
                if tx.send(Notice::Listening).is_err() {
                    return Ok(());
                }
                let mut notes = client.notifications();
                let mut it = notes.blocking_iter();
                while let Some(n) = postgres::fallible_iterator::FallibleIterator::next(&mut it)? {
                    let mut parts = n.payload().split(' ');
                    let (Some(room), Some(what), Some(from)) =
                        (parts.next(), parts.next(), parts.next())
                    else {
                        continue;
                    };
                    let Some(room) = RoomId::parse(room).filter(|_| from != me) else {
                        continue;
                    };
                    let notice = match what {
                        "deleted" => Notice::Deleted { room },
                        seq => match seq.parse() {
                            Ok(seq) => Notice::Entry { room, seq },
                            Err(_) => continue,
                        },
                    };
                    if tx.send(notice).is_err() {
                        return Ok(());
                    }
                }
                Ok(())
            })();
            match heard {
                // The receiver is gone: nobody listens any more.
                Ok(()) => return,
                // Notices sent meanwhile are missed until the connection
                // is back; then `Listening` has every room read again.
                Err(e) => {
                    warn!(error = %e, "listening for other relay processes failed; again in a second")
                }
            }
            std::thread::sleep(Duration::from_secs(1));
        });
        rx
    }
}

impl Drop for PgStore {
    fn drop(&mut self) {
        // Closing a blocking client blocks: never on an async thread.
        let pool = std::mem::take(self.pool.get_mut().unwrap_or_else(|e| e.into_inner()));
        if !pool.is_empty() {
            let _ = std::thread::spawn(move || drop(pool)).join();
        }
    }
}

/// Random bytes from the operating system.
fn getrandom(out: &mut [u8]) {
    use std::io::Read;
    if std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(out))
        .is_err()
    {
        // Only tells processes apart: the time and process id will do.
        let seed = format!("{:?}{}", std::time::SystemTime::now(), std::process::id());
        for (o, b) in out
            .iter_mut()
            .zip(sms_core::crypto::token_hash(seed.as_bytes()))
        {
            *o = b;
        }
    }
}

fn u(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

fn i(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn meta(
    c: &mut impl postgres::GenericClient,
    room: &RoomId,
    lock: bool,
) -> Result<Option<RoomMeta>, StoreError> {
    let sql = if lock {
        "SELECT token_hash, head, snapshot_upto, bytes, owner_hash FROM rooms WHERE id = $1 FOR UPDATE"
    } else {
        "SELECT token_hash, head, snapshot_upto, bytes, owner_hash FROM rooms WHERE id = $1"
    };
    let row = c.query_opt(sql, &[&&room.0[..]])?;
    Ok(row.map(|r| {
        let hash: Vec<u8> = r.get(0);
        let owner: Option<Vec<u8>> = r.get(4);
        RoomMeta {
            token_hash: hash.try_into().unwrap_or([0; 32]),
            head: u(r.get(1)),
            snapshot_upto: u(r.get(2)),
            bytes: u(r.get(3)),
            owner_hash: owner.map(|o| o.try_into().unwrap_or([0; 32])),
        }
    }))
}

fn total_bytes(c: &mut impl postgres::GenericClient) -> Result<u64, StoreError> {
    let row = c.query_one("SELECT COALESCE(SUM(bytes), 0)::BIGINT FROM rooms", &[])?;
    Ok(u(row.get(0)))
}

impl Store for PgStore {
    fn room(&self, room: &RoomId) -> Result<Option<RoomMeta>, StoreError> {
        self.with(|c| meta(c, room, false))
    }

    fn create_room(
        &self,
        room: &RoomId,
        token_hash: &[u8; 32],
        owner_hash: Option<&[u8; 32]>,
        max_rooms: u64,
    ) -> Result<Option<RoomMeta>, StoreError> {
        self.write(|tx| {
            if let Some(m) = meta(tx, room, false)? {
                return Ok(Some(m));
            }
            // One creation at a time, so the count holds across processes.
            tx.batch_execute("LOCK TABLE rooms IN SHARE ROW EXCLUSIVE MODE")?;
            if let Some(m) = meta(tx, room, false)? {
                return Ok(Some(m));
            }
            let rooms: i64 = tx.query_one("SELECT COUNT(*) FROM rooms", &[])?.get(0);
            if u(rooms) >= max_rooms {
                return Ok(None);
            }
            let now = now_secs();
            tx.execute(
                "INSERT INTO rooms (id, token_hash, owner_hash, created_at, active_at)
                 VALUES ($1, $2, $3, $4, $4)",
                &[
                    &&room.0[..],
                    &&token_hash[..],
                    &owner_hash.map(|h| &h[..]),
                    &now,
                ],
            )?;
            meta(tx, room, false)
        })
    }

    fn delete_room(&self, room: &RoomId) -> Result<bool, StoreError> {
        self.write(|tx| {
            let id = &room.0[..];
            tx.execute("DELETE FROM entries WHERE room = $1", &[&id])?;
            tx.execute("DELETE FROM snapshots WHERE room = $1", &[&id])?;
            tx.execute("DELETE FROM files WHERE room = $1", &[&id])?;
            let deleted = tx.execute("DELETE FROM rooms WHERE id = $1", &[&id])? > 0;
            if deleted {
                self.notify(tx, room, "deleted")?;
            }
            Ok(deleted)
        })
    }

    fn append(&self, room: &RoomId, blob: &[u8], quota: Quota) -> Result<Appended, StoreError> {
        self.write(|tx| {
            let m = meta(tx, room, true)?.ok_or(StoreError::NoRoom)?;
            let len = blob.len() as u64;
            if let Some(refused) = append_refused(&m, len, quota, || total_bytes(tx))? {
                return Ok(refused);
            }
            let seq = m.head + 1;
            let id = &room.0[..];
            tx.execute(
                "INSERT INTO entries (room, seq, blob) VALUES ($1, $2, $3)",
                &[&id, &i(seq), &blob],
            )?;
            tx.execute(
                "UPDATE rooms SET head = $2, bytes = bytes + $3, active_at = $4 WHERE id = $1",
                &[&id, &i(seq), &i(len), &now_secs()],
            )?;
            self.notify(tx, room, &seq.to_string())?;
            Ok(Appended::Seq(seq))
        })
    }

    fn entries_after(
        &self,
        room: &RoomId,
        after: u64,
        max_bytes: usize,
    ) -> Result<Vec<Entry>, StoreError> {
        self.with(|c| {
            let mut out = Vec::new();
            let mut bytes = 0;
            // A page at a time, so a long log is not read whole.
            for row in c.query(
                "SELECT seq, blob FROM entries WHERE room = $1 AND seq > $2 ORDER BY seq LIMIT 256",
                &[&&room.0[..], &i(after)],
            )? {
                let blob: Vec<u8> = row.get(1);
                bytes += blob.len();
                out.push(Entry {
                    seq: u(row.get(0)),
                    blob,
                });
                if bytes >= max_bytes {
                    break;
                }
            }
            Ok(out)
        })
    }

    fn snapshot(&self, room: &RoomId) -> Result<Option<Snapshot>, StoreError> {
        self.with(|c| {
            let row = c.query_opt(
                "SELECT upto, blob FROM snapshots WHERE room = $1",
                &[&&room.0[..]],
            )?;
            Ok(row.map(|r| Snapshot {
                upto: u(r.get(0)),
                blob: r.get(1),
            }))
        })
    }

    fn put_snapshot(
        &self,
        room: &RoomId,
        upto: u64,
        blob: &[u8],
        quota: Quota,
    ) -> Result<SnapshotStored, StoreError> {
        self.write(|tx| {
            let m = meta(tx, room, true)?.ok_or(StoreError::NoRoom)?;
            if let Some(refused) = snapshot_refused(&m, upto) {
                return Ok(refused);
            }
            let id = &room.0[..];
            let dropped: i64 = tx
                .query_one(
                    "SELECT COALESCE(SUM(LENGTH(blob)), 0)::BIGINT FROM entries WHERE room = $1 AND seq <= $2",
                    &[&id, &i(upto)],
                )?
                .get(0);
            let replaced: i64 = tx
                .query_one(
                    "SELECT COALESCE(SUM(LENGTH(blob)), 0)::BIGINT FROM snapshots WHERE room = $1",
                    &[&id],
                )?
                .get(0);
            let len = blob.len() as u64;
            let bytes = match bytes_after_snapshot(&m, u(dropped), u(replaced), len, quota, || {
                total_bytes(tx)
            })? {
                Ok(bytes) => bytes,
                Err(refused) => return Ok(refused),
            };
            tx.execute(
                "INSERT INTO snapshots (room, upto, blob) VALUES ($1, $2, $3)
                 ON CONFLICT (room) DO UPDATE SET upto = EXCLUDED.upto, blob = EXCLUDED.blob",
                &[&id, &i(upto), &blob],
            )?;
            tx.execute(
                "DELETE FROM entries WHERE room = $1 AND seq <= $2",
                &[&id, &i(upto)],
            )?;
            tx.execute(
                "UPDATE rooms SET snapshot_upto = $2, bytes = $3, active_at = $4 WHERE id = $1",
                &[&id, &i(upto), &i(bytes), &now_secs()],
            )?;
            Ok(SnapshotStored::Stored)
        })
    }

    fn put_file_part(
        &self,
        room: &RoomId,
        file: &[u8; 32],
        (part, parts): (u32, u32),
        blob: &[u8],
        quota: Quota,
    ) -> Result<Appended, StoreError> {
        self.write(|tx| {
            let m = meta(tx, room, true)?.ok_or(StoreError::NoRoom)?;
            let (id, f) = (&room.0[..], &file[..]);
            let (part, parts) = (part as i32, parts as i32);
            // What this part replaces: the same part, and every part of
            // another split of the file.
            let replaced: i64 = tx
                .query_one(
                    "SELECT COALESCE(SUM(LENGTH(blob)), 0)::BIGINT FROM files
                     WHERE room = $1 AND file = $2 AND (part = $3 OR parts != $4)",
                    &[&id, &f, &part, &parts],
                )?
                .get(0);
            let len = blob.len() as u64;
            if let Some(refused) = part_refused(&m, len, u(replaced), quota, || total_bytes(tx))? {
                return Ok(refused);
            }
            tx.execute(
                "DELETE FROM files WHERE room = $1 AND file = $2 AND (part = $3 OR parts != $4)",
                &[&id, &f, &part, &parts],
            )?;
            tx.execute(
                "INSERT INTO files (room, file, part, parts, blob) VALUES ($1, $2, $3, $4, $5)",
                &[&id, &f, &part, &parts, &blob],
            )?;
            tx.execute(
                "UPDATE rooms SET bytes = $2, active_at = $3 WHERE id = $1",
                &[
                    &id,
                    &i(m.bytes.saturating_sub(u(replaced)) + len),
                    &now_secs(),
                ],
            )?;
            Ok(Appended::Seq(0))
        })
    }

    fn files_held(&self, room: &RoomId, files: &[[u8; 32]]) -> Result<Vec<[u8; 32]>, StoreError> {
        self.with(|c| {
            let mut out = Vec::new();
            for file in files {
                let row = c.query_one(
                    "SELECT COUNT(*)::INTEGER, MIN(parts), MAX(parts) FROM files WHERE room = $1 AND file = $2",
                    &[&&room.0[..], &&file[..]],
                )?;
                let (n, lo, hi): (i32, Option<i32>, Option<i32>) = (row.get(0), row.get(1), row.get(2));
                if lo.is_some() && lo == hi && Some(n) == lo {
                    out.push(*file);
                }
            }
            Ok(out)
        })
    }

    fn file_part(
        &self,
        room: &RoomId,
        file: &[u8; 32],
        part: u32,
    ) -> Result<Option<(u32, Vec<u8>)>, StoreError> {
        self.with(|c| {
            let row = c.query_opt(
                "SELECT parts, blob FROM files WHERE room = $1 AND file = $2 AND part = $3",
                &[&&room.0[..], &&file[..], &(part as i32)],
            )?;
            Ok(row.map(|r| (r.get::<_, i32>(0) as u32, r.get(1))))
        })
    }

    fn touch(&self, room: &RoomId) -> Result<(), StoreError> {
        self.with(|c| {
            c.execute(
                "UPDATE rooms SET active_at = $2 WHERE id = $1",
                &[&&room.0[..], &now_secs()],
            )?;
            Ok(())
        })
    }

    fn delete_idle(&self, before: i64) -> Result<u64, StoreError> {
        self.write(|tx| {
            let gone = tx.query(
                "DELETE FROM rooms WHERE active_at < $1 RETURNING id",
                &[&before],
            )?;
            for row in &gone {
                let id: Vec<u8> = row.get(0);
                tx.execute("DELETE FROM entries WHERE room = $1", &[&id])?;
                tx.execute("DELETE FROM snapshots WHERE room = $1", &[&id])?;
                tx.execute("DELETE FROM files WHERE room = $1", &[&id])?;
                if let Ok(room) = <[u8; 16]>::try_from(id.as_slice()) {
                    self.notify(tx, &RoomId(room), "deleted")?;
                }
            }
            Ok(gone.len() as u64)
        })
    }
}
