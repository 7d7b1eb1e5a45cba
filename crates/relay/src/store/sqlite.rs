//! The embedded default: everything in one SQLite file.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use sms_core::crypto::RoomId;

use super::{
    append_refused, bytes_after_snapshot, now_secs, part_refused, snapshot_refused, Appended,
    Entry, Quota, RoomMeta, Snapshot, SnapshotStored, Store, StoreError,
};

/// Version 2 adds `rooms.active_at` (when a room was last written to or
/// joined, Unix seconds, for retention) and `rooms.owner_hash`; version 3
/// the `files` table (attached files' sealed parts).
const SCHEMA_VERSION: i64 = 3;
const FILE_NAME: &str = "relay.sqlite3";

/// A [`Store`] in one SQLite file (`relay.sqlite3`) in the data directory,
/// in WAL mode with `synchronous=FULL`, so a commit is on disk when it
/// returns. One connection writes; readers take connections from a small
/// pool, which WAL lets read while the writer commits.
pub struct SqliteStore {
    path: std::path::PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
}

impl SqliteStore {
    pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(data_dir)?;
        let path = data_dir.join(FILE_NAME);
        let conn = connect(&path)?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::NewerSchema(version));
        }
        conn.execute_batch(
            "BEGIN;
             CREATE TABLE IF NOT EXISTS rooms (
                 id BLOB PRIMARY KEY,
                 token_hash BLOB NOT NULL,
                 head INTEGER NOT NULL DEFAULT 0,
                 snapshot_upto INTEGER NOT NULL DEFAULT 0,
                 bytes INTEGER NOT NULL DEFAULT 0,
                 created_at INTEGER NOT NULL
             );
             CREATE TABLE IF NOT EXISTS entries (
                 room BLOB NOT NULL,
                 seq INTEGER NOT NULL,
                 blob BLOB NOT NULL,
                 PRIMARY KEY (room, seq)
             );
             CREATE TABLE IF NOT EXISTS snapshots (
                 room BLOB PRIMARY KEY,
                 upto INTEGER NOT NULL,
                 blob BLOB NOT NULL
             );
             COMMIT;",
        )?;
        if version < 2 {
            conn.execute_batch(
                "BEGIN;
                 ALTER TABLE rooms ADD COLUMN active_at INTEGER NOT NULL DEFAULT 0;
                 ALTER TABLE rooms ADD COLUMN owner_hash BLOB;
                 UPDATE rooms SET active_at = created_at;
                 PRAGMA user_version = 2;
                 COMMIT;",
            )?;
        }
        if version < 3 {
            conn.execute_batch(
                "BEGIN;
                 CREATE TABLE IF NOT EXISTS files (
                     room BLOB NOT NULL,
                     file BLOB NOT NULL,
                     part INTEGER NOT NULL,
                     parts INTEGER NOT NULL,
                     blob BLOB NOT NULL,
                     PRIMARY KEY (room, file, part)
                 );
                 PRAGMA user_version = 3;
                 COMMIT;",
            )?;
        }
        Ok(SqliteStore {
            path,
            writer: Mutex::new(conn),
            readers: Mutex::new(Vec::new()),
        })
    }

    fn read<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T, StoreError> {
        let pooled = self.readers.lock().expect("reader pool").pop();
        let conn = match pooled {
            Some(c) => c,
            None => connect(&self.path)?,
        };
        let out = f(&conn);
        self.readers.lock().expect("reader pool").push(conn);
        Ok(out?)
    }

    /// Copies the write-ahead log into the database and empties it, so
    /// pages of deleted blobs do not linger in it.
    fn truncate_log(&self) -> Result<(), StoreError> {
        let conn = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    fn write<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }
}

fn connect(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    // Deleted blobs are overwritten, not only unlinked.
    conn.pragma_update(None, "secure_delete", "ON")?;
    Ok(conn)
}

fn meta(conn: &Connection, room: &RoomId) -> rusqlite::Result<Option<RoomMeta>> {
    conn.query_row(
        "SELECT token_hash, head, snapshot_upto, bytes, owner_hash FROM rooms WHERE id = ?1",
        [&room.0[..]],
        |r| {
            let hash: Vec<u8> = r.get(0)?;
            let owner: Option<Vec<u8>> = r.get(4)?;
            Ok(RoomMeta {
                token_hash: hash.try_into().unwrap_or([0; 32]),
                head: r.get(1)?,
                snapshot_upto: r.get(2)?,
                bytes: r.get(3)?,
                // A stored hash of the wrong length matches no secret.
                owner_hash: owner.map(|o| o.try_into().unwrap_or([0; 32])),
            })
        },
    )
    .optional()
}

impl Store for SqliteStore {
    fn room(&self, room: &RoomId) -> Result<Option<RoomMeta>, StoreError> {
        self.read(|c| meta(c, room))
    }

    fn create_room(
        &self,
        room: &RoomId,
        token_hash: &[u8; 32],
        owner_hash: Option<&[u8; 32]>,
        max_rooms: u64,
    ) -> Result<Option<RoomMeta>, StoreError> {
        self.write(|tx| {
            if let Some(m) = meta(tx, room)? {
                return Ok(Some(m));
            }
            let rooms: u64 = tx.query_row("SELECT COUNT(*) FROM rooms", [], |r| r.get(0))?;
            if rooms >= max_rooms {
                return Ok(None);
            }
            let now = now_secs();
            tx.execute(
                "INSERT INTO rooms (id, token_hash, owner_hash, created_at, active_at)
                 VALUES (?1, ?2, ?3, ?4, ?4)",
                params![
                    &room.0[..],
                    &token_hash[..],
                    owner_hash.map(|h| &h[..]),
                    now
                ],
            )?;
            Ok(Some(meta(tx, room)?.ok_or(StoreError::NoRoom)?))
        })
    }

    fn append(&self, room: &RoomId, blob: &[u8], quota: Quota) -> Result<Appended, StoreError> {
        self.write(|tx| {
            let m = meta(tx, room)?.ok_or(StoreError::NoRoom)?;
            let len = blob.len() as u64;
            if let Some(refused) = append_refused(&m, len, quota, || Ok(total_bytes(tx)?))? {
                return Ok(refused);
            }
            let seq = m.head + 1;
            tx.execute(
                "INSERT INTO entries (room, seq, blob) VALUES (?1, ?2, ?3)",
                params![&room.0[..], seq, blob],
            )?;
            tx.execute(
                "UPDATE rooms SET head = ?2, bytes = bytes + ?3, active_at = ?4 WHERE id = ?1",
                params![&room.0[..], seq, len, now_secs()],
            )?;
            Ok(Appended::Seq(seq))
        })
    }

    fn entries_after(
        &self,
        room: &RoomId,
        after: u64,
        max_bytes: usize,
    ) -> Result<Vec<Entry>, StoreError> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT seq, blob FROM entries WHERE room = ?1 AND seq > ?2 ORDER BY seq",
            )?;
            let mut rows = stmt.query(params![&room.0[..], after])?;
            let mut out = Vec::new();
            let mut bytes = 0;
            while let Some(row) = rows.next()? {
                let blob: Vec<u8> = row.get(1)?;
                bytes += blob.len();
                out.push(Entry {
                    seq: row.get(0)?,
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
        self.read(|c| {
            c.query_row(
                "SELECT upto, blob FROM snapshots WHERE room = ?1",
                [&room.0[..]],
                |r| {
                    Ok(Snapshot {
                        upto: r.get(0)?,
                        blob: r.get(1)?,
                    })
                },
            )
            .optional()
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
            let m = meta(tx, room)?.ok_or(StoreError::NoRoom)?;
            if let Some(refused) = snapshot_refused(&m, upto) {
                return Ok(refused);
            }
            let dropped: u64 = tx.query_row(
                "SELECT COALESCE(SUM(LENGTH(blob)), 0) FROM entries WHERE room = ?1 AND seq <= ?2",
                params![&room.0[..], upto],
                |r| r.get(0),
            )?;
            let replaced: u64 = tx.query_row(
                "SELECT COALESCE(SUM(LENGTH(blob)), 0) FROM snapshots WHERE room = ?1",
                [&room.0[..]],
                |r| r.get(0),
            )?;
            let len = blob.len() as u64;
            let bytes = match bytes_after_snapshot(&m, dropped, replaced, len, quota, || {
                Ok(total_bytes(tx)?)
            })? {
                Ok(bytes) => bytes,
                Err(refused) => return Ok(refused),
            };
            tx.execute(
                "INSERT OR REPLACE INTO snapshots (room, upto, blob) VALUES (?1, ?2, ?3)",
                params![&room.0[..], upto, blob],
            )?;
            tx.execute(
                "DELETE FROM entries WHERE room = ?1 AND seq <= ?2",
                params![&room.0[..], upto],
            )?;
            tx.execute(
                "UPDATE rooms SET snapshot_upto = ?2, bytes = ?3, active_at = ?4 WHERE id = ?1",
                params![&room.0[..], upto, bytes, now_secs()],
            )?;
            Ok(SnapshotStored::Stored)
        })
    }

    fn delete_room(&self, room: &RoomId) -> Result<bool, StoreError> {
        let deleted = self.write(|tx| {
            tx.execute("DELETE FROM entries WHERE room = ?1", [&room.0[..]])?;
            tx.execute("DELETE FROM snapshots WHERE room = ?1", [&room.0[..]])?;
            tx.execute("DELETE FROM files WHERE room = ?1", [&room.0[..]])?;
            Ok(tx.execute("DELETE FROM rooms WHERE id = ?1", [&room.0[..]])? > 0)
        })?;
        if deleted {
            self.truncate_log()?;
        }
        Ok(deleted)
    }

    fn delete_idle(&self, before: i64) -> Result<u64, StoreError> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM entries WHERE room IN (SELECT id FROM rooms WHERE active_at < ?1)",
                [before],
            )?;
            tx.execute(
                "DELETE FROM snapshots WHERE room IN (SELECT id FROM rooms WHERE active_at < ?1)",
                [before],
            )?;
            tx.execute(
                "DELETE FROM files WHERE room IN (SELECT id FROM rooms WHERE active_at < ?1)",
                [before],
            )?;
            Ok(tx.execute("DELETE FROM rooms WHERE active_at < ?1", [before])? as u64)
        })
        .and_then(|n| {
            if n > 0 {
                self.truncate_log()?;
            }
            Ok(n)
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
            let m = meta(tx, room)?.ok_or(StoreError::NoRoom)?;
            let (id, f) = (&room.0[..], &file[..]);
            // What this part replaces: the same part, and every part of
            // another split of the file.
            let replaced: u64 = tx.query_row(
                "SELECT COALESCE(SUM(LENGTH(blob)), 0) FROM files
                 WHERE room = ?1 AND file = ?2 AND (part = ?3 OR parts != ?4)",
                params![id, f, part, parts],
                |r| r.get(0),
            )?;
            let len = blob.len() as u64;
            if let Some(refused) = part_refused(&m, len, replaced, quota, || Ok(total_bytes(tx)?))?
            {
                return Ok(refused);
            }
            tx.execute(
                "DELETE FROM files WHERE room = ?1 AND file = ?2 AND (part = ?3 OR parts != ?4)",
                params![id, f, part, parts],
            )?;
            tx.execute(
                "INSERT INTO files (room, file, part, parts, blob) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, f, part, parts, blob],
            )?;
            tx.execute(
                "UPDATE rooms SET bytes = ?2, active_at = ?3 WHERE id = ?1",
                params![id, m.bytes.saturating_sub(replaced) + len, now_secs()],
            )?;
            Ok(Appended::Seq(0))
        })
    }

    fn files_held(&self, room: &RoomId, files: &[[u8; 32]]) -> Result<Vec<[u8; 32]>, StoreError> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT COUNT(*), MIN(parts), MAX(parts) FROM files WHERE room = ?1 AND file = ?2",
            )?;
            let mut out = Vec::new();
            for file in files {
                let (n, lo, hi): (u32, Option<u32>, Option<u32>) = stmt
                    .query_row(params![&room.0[..], &file[..]], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                    })?;
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
        self.read(|c| {
            c.query_row(
                "SELECT parts, blob FROM files WHERE room = ?1 AND file = ?2 AND part = ?3",
                params![&room.0[..], &file[..], part],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
        })
    }

    fn touch(&self, room: &RoomId) -> Result<(), StoreError> {
        self.write(|tx| {
            tx.execute(
                "UPDATE rooms SET active_at = ?2 WHERE id = ?1",
                params![&room.0[..], now_secs()],
            )?;
            Ok(())
        })
    }
}

fn total_bytes(conn: &Connection) -> rusqlite::Result<u64> {
    conn.query_row("SELECT COALESCE(SUM(bytes), 0) FROM rooms", [], |r| {
        r.get(0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: u64 = 1 << 20;

    fn q(room: u64) -> Quota {
        Quota {
            room,
            total: u64::MAX,
        }
    }

    fn store() -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        (dir, store)
    }

    fn seqs(entries: &[Entry]) -> Vec<u64> {
        entries.iter().map(|e| e.seq).collect()
    }

    #[test]
    fn a_room_keeps_its_first_token_hash() {
        let (_dir, s) = store();
        let room = RoomId([1; 16]);
        assert_eq!(s.room(&room).unwrap(), None);
        let created = s.create_room(&room, &[5; 32], None, 10).unwrap().unwrap();
        assert_eq!(created.token_hash, [5; 32]);
        assert_eq!(
            s.create_room(&room, &[6; 32], None, 10)
                .unwrap()
                .unwrap()
                .token_hash,
            [5; 32]
        );
    }

    #[test]
    fn entries_are_numbered_from_one_and_survive_reopening() {
        let (dir, s) = store();
        let room = RoomId([1; 16]);
        s.create_room(&room, &[0; 32], None, 10).unwrap();
        assert_eq!(s.append(&room, b"a", q(MAX)).unwrap(), Appended::Seq(1));
        assert_eq!(s.append(&room, b"bb", q(MAX)).unwrap(), Appended::Seq(2));
        assert_eq!(
            s.append(&RoomId([2; 16]), b"c", q(MAX))
                .unwrap_err()
                .to_string(),
            "no such room"
        );
        drop(s);
        let s = SqliteStore::open(dir.path()).unwrap();
        assert_eq!(seqs(&s.entries_after(&room, 0, 1 << 20).unwrap()), [1, 2]);
        assert_eq!(seqs(&s.entries_after(&room, 1, 1 << 20).unwrap()), [2]);
        assert_eq!(seqs(&s.entries_after(&room, 0, 1).unwrap()), [1], "paged");
        assert_eq!(s.room(&room).unwrap().unwrap().bytes, 3);
    }

    #[test]
    fn a_room_refuses_blobs_beyond_its_limit() {
        let (_dir, s) = store();
        let room = RoomId([1; 16]);
        s.create_room(&room, &[0; 32], None, 10).unwrap();
        assert_eq!(s.append(&room, &[0; 6], q(10)).unwrap(), Appended::Seq(1));
        assert_eq!(s.append(&room, &[0; 5], q(10)).unwrap(), Appended::RoomFull);
        assert_eq!(s.append(&room, &[0; 4], q(10)).unwrap(), Appended::Seq(2));
    }

    #[test]
    fn a_snapshot_replaces_the_entries_it_holds() {
        let (_dir, s) = store();
        let room = RoomId([1; 16]);
        s.create_room(&room, &[0; 32], None, 10).unwrap();
        for _ in 0..4 {
            s.append(&room, &[0; 10], q(MAX)).unwrap();
        }
        assert_eq!(
            s.put_snapshot(&room, 5, b"s", q(MAX)).unwrap(),
            SnapshotStored::BadUpto
        );
        assert_eq!(
            s.put_snapshot(&room, 0, b"s", q(MAX)).unwrap(),
            SnapshotStored::BadUpto
        );
        assert_eq!(
            s.put_snapshot(&room, 3, &[1; 5], q(MAX)).unwrap(),
            SnapshotStored::Stored
        );
        assert_eq!(seqs(&s.entries_after(&room, 0, 1 << 20).unwrap()), [4]);
        let m = s.room(&room).unwrap().unwrap();
        assert_eq!((m.head, m.snapshot_upto, m.bytes), (4, 3, 15));
        assert_eq!(
            s.put_snapshot(&room, 2, b"old", q(MAX)).unwrap(),
            SnapshotStored::Covered
        );
        assert_eq!(
            s.snapshot(&room).unwrap(),
            Some(Snapshot {
                upto: 3,
                blob: vec![1; 5]
            })
        );
        assert_eq!(
            s.append(&room, b"x", q(MAX)).unwrap(),
            Appended::Seq(5),
            "never renumbered"
        );
        assert_eq!(
            s.put_snapshot(&room, 5, &[0; 100], q(50)).unwrap(),
            SnapshotStored::RoomFull
        );
    }

    #[test]
    fn the_relay_refuses_rooms_and_bytes_beyond_its_limits() {
        let (_dir, s) = store();
        let (a, b, c) = (RoomId([1; 16]), RoomId([2; 16]), RoomId([3; 16]));
        assert!(s.create_room(&a, &[0; 32], None, 2).unwrap().is_some());
        assert!(s.create_room(&b, &[0; 32], None, 2).unwrap().is_some());
        assert_eq!(
            s.create_room(&c, &[0; 32], None, 2).unwrap(),
            None,
            "two rooms at most"
        );
        assert!(
            s.create_room(&a, &[0; 32], None, 2).unwrap().is_some(),
            "an existing room opens"
        );
        let quota = Quota {
            room: 100,
            total: 15,
        };
        assert_eq!(s.append(&a, &[0; 10], quota).unwrap(), Appended::Seq(1));
        assert_eq!(s.append(&b, &[0; 10], quota).unwrap(), Appended::RelayFull);
        assert_eq!(s.append(&b, &[0; 5], quota).unwrap(), Appended::Seq(1));
        // A snapshot that makes a room smaller is taken even when full.
        assert_eq!(
            s.put_snapshot(&a, 1, &[0; 4], quota).unwrap(),
            SnapshotStored::Stored
        );
        assert_eq!(
            s.put_snapshot(
                &b,
                1,
                &[0; 20],
                Quota {
                    room: 100,
                    total: 15
                }
            )
            .unwrap(),
            SnapshotStored::RelayFull
        );
    }

    #[test]
    fn deleted_and_idle_rooms_go_with_their_blobs() {
        let (dir, s) = store();
        let (a, b) = (RoomId([1; 16]), RoomId([2; 16]));
        for room in [&a, &b] {
            s.create_room(room, &[0; 32], Some(&[9; 32]), 10).unwrap();
            s.append(room, b"sealed-blob-bytes", q(MAX)).unwrap();
        }
        s.put_snapshot(&a, 1, b"sealed-snapshot", q(MAX)).unwrap();
        assert_eq!(s.room(&a).unwrap().unwrap().owner_hash, Some([9; 32]));
        assert!(s.delete_room(&a).unwrap());
        assert!(!s.delete_room(&a).unwrap(), "already gone");
        assert_eq!(s.room(&a).unwrap(), None);
        // Nothing is idle since a second from now… until it is.
        assert_eq!(s.delete_idle(now_secs() - 60).unwrap(), 0);
        assert_eq!(s.delete_idle(now_secs() + 1).unwrap(), 1);
        assert!(s.entries_after(&b, 0, 1 << 20).unwrap().is_empty());
        assert_eq!(s.snapshot(&a).unwrap(), None);
        drop(s);
        // Overwritten on disk, not only unlinked from the tables.
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            for needle in [&b"sealed-blob-bytes"[..], b"sealed-snapshot"] {
                assert!(!bytes.windows(needle.len()).any(|w| w == needle));
            }
        }
    }

    #[test]
    fn a_version_1_data_directory_is_upgraded() {
        let dir = tempfile::tempdir().unwrap();
        {
            let conn = Connection::open(dir.path().join(FILE_NAME)).unwrap();
            conn.execute_batch(
                "CREATE TABLE rooms (id BLOB PRIMARY KEY, token_hash BLOB NOT NULL,
                     head INTEGER NOT NULL DEFAULT 0, snapshot_upto INTEGER NOT NULL DEFAULT 0,
                     bytes INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL);
                 CREATE TABLE entries (room BLOB NOT NULL, seq INTEGER NOT NULL,
                     blob BLOB NOT NULL, PRIMARY KEY (room, seq));
                 CREATE TABLE snapshots (room BLOB PRIMARY KEY, upto INTEGER NOT NULL,
                     blob BLOB NOT NULL);
                 INSERT INTO rooms (id, token_hash, created_at) VALUES (x'01010101010101010101010101010101', zeroblob(32), 100);
                 PRAGMA user_version = 1;",
            )
            .unwrap();
        }
        let s = SqliteStore::open(dir.path()).unwrap();
        let room = RoomId([1; 16]);
        assert!(s.room(&room).unwrap().is_some());
        assert_eq!(
            s.delete_idle(101).unwrap(),
            1,
            "active since it was created"
        );
    }
}
