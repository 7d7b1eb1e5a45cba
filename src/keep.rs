//! Keeping another workbook (not the open one) in this browser: a file of
//! it, or a shared room of it joined. `sms_core::exchange::into_copy`
//! reads it and, when this browser has a copy, merges it into that copy
//! and says what the merge changes; then it is stored. It runs on the
//! page, beside the open workbook, so it is refused in words when the
//! page's memory could not hold it.

use sms_core::{
    exchange::MergePreview,
    storage::{chunk_key, load_order, ChunkKind},
    WorkbookId,
};

use crate::{idb::ChunkStore, platform, state::AppState};

/// Another workbook made ready to keep: stored once the person confirms.
pub(crate) struct Target {
    pub(crate) id: WorkbookId,
    /// Its name after the merge.
    pub(crate) name: String,
    snapshot: Vec<u8>,
}

/// Why a workbook could not be kept; nothing was stored.
pub(crate) enum KeepError {
    NotSaving,
    Storage(crate::idb::StorageError),
    /// The file, or this browser's copy of the workbook, could not be read
    /// or merged: why.
    Said(String),
    /// Reading it would take the page past the memory it can use: the
    /// total needed, in GB.
    TooLarge(f64),
}

impl std::fmt::Display for KeepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeepError::NotSaving => f.write_str("this browser is not saving workbooks"),
            KeepError::Storage(e) => write!(f, "{e}"),
            KeepError::Said(e) => f.write_str(e),
            KeepError::TooLarge(gb) => write!(
                f,
                "it is too large to open beside the open workbook in this tab (it would need about {gb:.1} GB of memory, more than a browser tab can use)"
            ),
        }
    }
}

/// This browser's copy of workbook `id` (its chunks in load order), if it
/// has one.
async fn stored_copy(
    store: &ChunkStore,
    id: &WorkbookId,
) -> Result<Option<Vec<Vec<u8>>>, KeepError> {
    let known = store.workbooks().await.map_err(KeepError::Storage)?;
    if !known.iter().any(|(k, _)| k == id) {
        return Ok(None);
    }
    let mut chunks = store.load(id).await.map_err(KeepError::Storage)?;
    load_order(&mut chunks);
    Ok(Some(chunks.into_iter().map(|(_, b)| b).collect()))
}

/// Makes workbook `id` from `incoming` (a file, or with `parts` a shared
/// room's parts) ready to keep: with what merging it into this browser's
/// copy changes, or `None` when this browser has no copy.
pub(crate) async fn prepare(
    state: AppState,
    incoming: &[u8],
    parts: bool,
    id: &WorkbookId,
) -> Result<(Target, Option<MergePreview>), KeepError> {
    let store = state.store().ok_or(KeepError::NotSaving)?;
    let stored = stored_copy(&store, id).await?;
    let size = incoming.len() + stored.iter().flatten().map(Vec::len).sum::<usize>();
    if let Some(gb) = memory_short_for(size) {
        return Err(KeepError::TooLarge(gb));
    }
    let copy =
        sms_core::exchange::into_copy(incoming, parts, stored.as_deref(), platform::new_actor())
            .map_err(|e| KeepError::Said(e.to_string()))?;
    if &copy.id != id {
        return Err(KeepError::Said(
            "it holds another workbook than it said".into(),
        ));
    }
    Ok((
        Target {
            id: copy.id,
            name: copy.name,
            snapshot: copy.snapshot,
        },
        copy.preview,
    ))
}

/// Stores a prepared workbook, as one snapshot beside any chunks it has
/// already (its changes are identified by hash, so nothing is doubled),
/// with its name.
pub(crate) async fn store(state: AppState, target: &Target) -> Result<(), KeepError> {
    let store = state.store().ok_or(KeepError::NotSaving)?;
    let key = chunk_key(&target.id, ChunkKind::Snapshot, &target.snapshot);
    store
        .write(&[(&key, &target.snapshot)], &[], None)
        .await
        .map_err(KeepError::Storage)?;
    store
        .set_name(&target.id, &target.name)
        .await
        .map_err(KeepError::Storage)
}

/// How much memory reading a workbook's bytes and merging them takes, per
/// byte, at most: loading a document peaks at about 130 per byte of its
/// file (a 9.7 MB file of a 50,000-record workbook took 1.25 GB, measured
/// natively with `merge_memory`); the preview and the merge, made in small
/// batches, add nothing measurable.
const MEMORY_PER_FILE_BYTE: f64 = 150.0;

/// The most memory a WebAssembly page can address (4 GiB), less a margin.
const MEMORY_LIMIT: f64 = 0.95 * 4.0 * 1024.0 * 1024.0 * 1024.0;

/// If reading `len` bytes of workbooks would take the page past what it
/// can address — where it would stop with an error, not a message — the
/// total it would need, in GB.
fn memory_short_for(len: usize) -> Option<f64> {
    #[cfg(target_arch = "wasm32")]
    let in_use = core::arch::wasm32::memory_size(0) as f64 * 65536.0;
    #[cfg(not(target_arch = "wasm32"))]
    let in_use = 0.0;
    let needed = in_use + len as f64 * MEMORY_PER_FILE_BYTE;
    (needed > MEMORY_LIMIT).then_some(needed / 1e9)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workbooks_too_large_for_the_page_memory_are_refused_before_reading() {
        // A 50,000-record workbook's file (about 9.7 MB) can be kept; one
        // three times that size would need more than 4 GiB.
        assert_eq!(memory_short_for(9_700_000), None);
        let needed = memory_short_for(30_000_000).expect("refused");
        assert!((4.0..5.0).contains(&needed), "{needed} GB");
    }
}
