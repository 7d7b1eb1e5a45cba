//! Storage policy, independent of where bytes are stored.
//!
//! A workbook is stored as chunks, like automerge-repo: one snapshot (a full
//! `save()`) plus incremental chunks (changes since), each under a key
//! `wb/<workbook id>/<kind>/<content hash>`. Loading concatenates whatever
//! chunks exist. When the incremental chunks outgrow the snapshot, a new
//! snapshot is written *first* and only then exactly the chunks it replaced
//! are deleted, so a crash at any point leaves a loadable set.
//!
//! [`ChunkLedger`] keeps track of what is stored and plans compactions; the
//! storage adapter in the app performs them.

use crate::ids::{hex, WorkbookId};
use sha2::{Digest, Sha256};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChunkKind {
    Snapshot,
    Incremental,
}

impl ChunkKind {
    fn as_str(self) -> &'static str {
        match self {
            ChunkKind::Snapshot => "snapshot",
            ChunkKind::Incremental => "incremental",
        }
    }
}

/// Compact once there are more incremental bytes than this, even if the
/// snapshot is smaller (a fresh workbook), so start-up never replays a long
/// tail of tiny chunks.
pub const MIN_COMPACT_BYTES: usize = 64 * 1024;
/// Compact once there are this many incremental chunks.
pub const MAX_INCREMENTAL_CHUNKS: usize = 256;

/// Storage key of a chunk: content-addressed, so writing the same bytes twice
/// is harmless.
pub fn chunk_key(workbook: &WorkbookId, kind: ChunkKind, bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    format!(
        "wb/{}/{}/{}",
        workbook.as_str(),
        kind.as_str(),
        hex(&digest[..16])
    )
}

/// Parses a key made by [`chunk_key`].
pub fn parse_chunk_key(key: &str) -> Option<(WorkbookId, ChunkKind)> {
    let mut parts = key.split('/');
    if parts.next()? != "wb" {
        return None;
    }
    let id = WorkbookId::parse(parts.next()?)?;
    let kind = match parts.next()? {
        "snapshot" => ChunkKind::Snapshot,
        "incremental" => ChunkKind::Incremental,
        _ => return None,
    };
    let hash = parts.next()?;
    (hash.len() == 32 && parts.next().is_none()).then_some((id, kind))
}

/// Inclusive lower and upper bounds of all chunk keys of one workbook.
pub fn key_range(workbook: &WorkbookId) -> (String, String) {
    (
        format!("wb/{}/", workbook.as_str()),
        format!("wb/{}/\u{ffff}", workbook.as_str()),
    )
}

/// Orders loaded chunks so the snapshot comes first (Automerge then loads it
/// in one step and applies the incremental changes on top).
pub fn load_order(keys: &mut [(String, Vec<u8>)]) {
    crate::order::sort_by_key(keys, |(k, _)| {
        !matches!(parse_chunk_key(k), Some((_, ChunkKind::Snapshot)))
    });
}

/// What is stored for one workbook, as far as this copy knows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChunkLedger {
    chunks: Vec<(String, ChunkKind, usize)>,
}

/// A compaction to perform: write `write` under `key`, then delete `delete`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Compaction {
    pub key: String,
    pub delete: Vec<String>,
}

impl ChunkLedger {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a chunk that is stored (found on load, or written).
    pub fn stored(&mut self, key: String, size: usize) {
        if self.chunks.iter().any(|(k, _, _)| *k == key) {
            return;
        }
        let kind = parse_chunk_key(&key)
            .map(|(_, kind)| kind)
            .unwrap_or(ChunkKind::Incremental);
        self.chunks.push((key, kind, size));
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.chunks.iter().map(|(k, _, _)| k.as_str())
    }

    fn total(&self, kind: ChunkKind) -> (usize, usize) {
        self.chunks
            .iter()
            .filter(|(_, k, _)| *k == kind)
            .fold((0, 0), |(n, bytes), (_, _, size)| (n + 1, bytes + size))
    }

    /// Whether the incremental chunks have outgrown the snapshot.
    pub fn needs_compaction(&self) -> bool {
        let (_, snapshot_bytes) = self.total(ChunkKind::Snapshot);
        let (count, incremental_bytes) = self.total(ChunkKind::Incremental);
        count > 1
            && (count >= MAX_INCREMENTAL_CHUNKS
                || incremental_bytes > snapshot_bytes.max(MIN_COMPACT_BYTES))
    }

    /// Plans replacing every chunk known now by `snapshot` (a full save taken
    /// after all of them). Chunks recorded later are not touched.
    pub fn plan_compaction(&self, workbook: &WorkbookId, snapshot: &[u8]) -> Compaction {
        let key = chunk_key(workbook, ChunkKind::Snapshot, snapshot);
        let delete = self
            .chunks
            .iter()
            .map(|(k, _, _)| k.clone())
            .filter(|k| *k != key)
            .collect();
        Compaction { key, delete }
    }

    /// Records that a compaction was carried out.
    pub fn compacted(&mut self, done: &Compaction, snapshot_len: usize) {
        self.chunks.retain(|(k, _, _)| !done.delete.contains(k));
        self.stored(done.key.clone(), snapshot_len);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wb() -> WorkbookId {
        WorkbookId::from_random([7; 16])
    }

    #[test]
    fn keys_are_content_addressed_and_parse_back() {
        let k = chunk_key(&wb(), ChunkKind::Incremental, b"abc");
        assert_eq!(k, chunk_key(&wb(), ChunkKind::Incremental, b"abc"));
        assert_ne!(k, chunk_key(&wb(), ChunkKind::Incremental, b"abd"));
        assert_eq!(parse_chunk_key(&k), Some((wb(), ChunkKind::Incremental)));
        let (lo, hi) = key_range(&wb());
        assert!(lo < k && k < hi);
        assert_eq!(parse_chunk_key("wb/zz/snapshot/00"), None);
    }

    #[test]
    fn snapshot_loads_first() {
        let s = chunk_key(&wb(), ChunkKind::Snapshot, b"s");
        let i = chunk_key(&wb(), ChunkKind::Incremental, b"i");
        let mut v = vec![(i.clone(), vec![]), (s.clone(), vec![])];
        load_order(&mut v);
        assert_eq!(v[0].0, s);
    }

    #[test]
    fn compaction_when_increments_outgrow_snapshot_and_only_known_chunks_go() {
        let mut l = ChunkLedger::new();
        let snap = chunk_key(&wb(), ChunkKind::Snapshot, b"old");
        l.stored(snap.clone(), 100_000);
        for i in 0..10u8 {
            l.stored(chunk_key(&wb(), ChunkKind::Incremental, &[i]), 9_000);
        }
        assert!(!l.needs_compaction());
        l.stored(chunk_key(&wb(), ChunkKind::Incremental, b"big"), 20_000);
        assert!(l.needs_compaction());

        let plan = l.plan_compaction(&wb(), b"new snapshot");
        assert_eq!(plan.delete.len(), 12);
        assert!(plan.delete.contains(&snap));
        // A chunk written while the compaction was in flight survives it.
        let late = chunk_key(&wb(), ChunkKind::Incremental, b"late");
        l.stored(late.clone(), 10);
        l.compacted(&plan, 50);
        let left: Vec<_> = l.keys().collect();
        assert_eq!(left, vec![late.as_str(), plan.key.as_str()]);
        assert!(!l.needs_compaction());
    }

    #[test]
    fn many_small_chunks_also_compact() {
        let mut l = ChunkLedger::new();
        for i in 0..MAX_INCREMENTAL_CHUNKS {
            l.stored(
                chunk_key(&wb(), ChunkKind::Incremental, &i.to_le_bytes()),
                10,
            );
        }
        assert!(l.needs_compaction());
    }
}
