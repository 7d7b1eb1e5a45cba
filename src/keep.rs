//! Keeping another workbook (not the open one) in this browser: a file of
//! it, or a shared room of it joined. The document worker reads it
//! (`sms_core::exchange::into_copy`) and, when this browser has a copy,
//! merges it into that copy and says what the merge changes; then it is
//! stored. The worker refuses it in words when its memory could not hold
//! it beside the open workbook.

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
    /// or merged, or would not fit in memory: why.
    Said(String),
}

impl std::fmt::Display for KeepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeepError::NotSaving => f.write_str("this browser is not saving workbooks"),
            KeepError::Storage(e) => write!(f, "{e}"),
            KeepError::Said(e) => f.write_str(e),
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
    let copy = state
        .doc()
        .copy_to_keep(
            incoming,
            parts,
            platform::new_actor(),
            stored.as_deref(),
            None,
        )
        .await
        .map_err(KeepError::Said)?;
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

/// Makes the workbook in `parts` (a shared room's) ready to keep apart
/// from any copy of it here: a new workbook, merged with nothing
/// (`sms_core::Workbook::keep_apart`).
pub(crate) async fn prepare_apart(state: AppState, parts: &[u8]) -> Result<Target, KeepError> {
    state.store().ok_or(KeepError::NotSaving)?;
    let id = platform::new_workbook_id();
    let copy = state
        .doc()
        .copy_to_keep(
            parts,
            true,
            platform::new_actor(),
            None,
            Some((&id, &state.context())),
        )
        .await
        .map_err(KeepError::Said)?;
    if copy.id != id {
        return Err(KeepError::Said("it was not kept apart".into()));
    }
    Ok(Target {
        id: copy.id,
        name: copy.name,
        snapshot: copy.snapshot,
    })
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
