//! The save pipeline: every change of the document is written to
//! IndexedDB as one incremental chunk (or a compacted snapshot when the
//! ledger asks for one), together with the stored view's part describing
//! it. Writes run one at a time; "Saved" is shown only when nothing is left
//! unwritten and the last write has reached the disk.

use std::{cell::RefCell, rc::Rc};

use leptos::{prelude::*, task::spawn_local};
use sms_core::{
    engine::{Answer, Query, ToStore},
    storage::{chunk_key, ChunkKind, ChunkLedger},
    view::{chunk_digest, ViewPart},
    ChangeHash, Delta,
};

use super::{AppState, SaveState};
use crate::{
    idb::{ChunkStore, StorageError, ViewWrite},
    platform,
};

pub(super) struct Saver {
    pub(super) store: Option<ChunkStore>,
    pub(super) ledger: ChunkLedger,
    pub(super) busy: bool,
    /// A write failed: the next write must be a full snapshot, since the
    /// failed chunk's bytes are not produced again.
    pub(super) needs_snapshot: bool,
    /// Keys of every stored chunk the open document holds (loaded, written
    /// here, or told of by another tab): what the stored view reflects.
    pub(super) known: std::collections::BTreeSet<String>,
    /// What changed since the stored view was last written.
    pub(super) view_dirty: Delta,
    /// The stored view cannot be continued by a patch (missing, stale, or a
    /// write failed): the next write stores a whole new base.
    pub(super) view_base_due: bool,
}

enum Job {
    Chunk(Vec<u8>),
    Snapshot(Vec<u8>),
    /// Only a new base of the view (the chunks are all stored).
    View,
}

/// The digest of a set of chunk keys, as views record it.
fn digest(keys: &std::collections::BTreeSet<String>) -> u64 {
    chunk_digest(keys.iter().map(String::as_str))
}

impl AppState {
    /// Starts the save pipeline unless it is running already (it then picks
    /// the new changes up before it stops).
    pub fn request_save(&self) {
        let saver = self.saver.get_value();
        {
            let mut s = saver.borrow_mut();
            if s.store.is_none() || s.busy {
                return;
            }
            s.busy = true;
        }
        let state = *self;
        spawn_local(async move { state.flush(saver).await });
    }

    pub(super) async fn flush(self, saver: Rc<RefCell<Saver>>) {
        self.save.set(SaveState::Saving);
        loop {
            let (store, snapshot_due) = {
                let s = saver.borrow();
                (
                    s.store.clone().expect("checked by request_save"),
                    s.needs_snapshot || s.ledger.needs_compaction(),
                )
            };
            if self.is_importing() || self.filling.get_value() > 0 {
                // The import's open change must not be saved half-way, nor
                // the view written from half a screen; each asks for a save
                // when it ends.
                saver.borrow_mut().busy = false;
                return;
            }
            // The bytes to store and the view's part describing them are
            // taken together — the answer is taken before anything else
            // the worker says, so the read model and `view_dirty` are then
            // exactly what the chunk holds.
            let (Some(id), true) = (self.workbook_id(), self.is_loaded()) else {
                break;
            };
            let to_store = self.doc().save(snapshot_due).await;
            if self.filling.get_value() > 0 {
                // A whole read model began arriving meanwhile: the view
                // must not be written from half of it. The changes just
                // taken are written with everything else, as a snapshot,
                // once it is all there.
                let mut s = saver.borrow_mut();
                s.needs_snapshot = true;
                s.view_base_due = true;
                s.busy = false;
                return;
            }
            // Whether the view starts again from a base is known only now
            // (the document's opening may have read everything again).
            let base_due = saver.borrow().view_base_due;
            let job = match to_store {
                Ok(Some((ToStore::Snapshot(bytes), heads))) => (Job::Snapshot(bytes), heads),
                Ok(Some((ToStore::Chunk(bytes), heads))) => (Job::Chunk(bytes), heads),
                Ok(None) if base_due => match self.doc().query(&Query::Heads).await {
                    Ok(Answer::Heads(heads)) => (Job::View, heads),
                    _ => break,
                },
                Ok(None) => break,
                Err(e) => {
                    // The worker cannot say what to store: nothing is
                    // marked saved.
                    let mut s = saver.borrow_mut();
                    s.busy = false;
                    drop(s);
                    self.save.set(SaveState::Failed(format!(
                        "Not saved: {e}. Reload the page to start the document module again."
                    )));
                    return;
                }
            };
            let (job, heads) = job;
            let (known, dirty) = {
                let mut s = saver.borrow_mut();
                (s.known.clone(), std::mem::take(&mut s.view_dirty))
            };
            let result = match &job {
                Job::Chunk(bytes) => {
                    let key = chunk_key(&id, ChunkKind::Incremental, bytes);
                    let mut after = known.clone();
                    after.insert(key.clone());
                    let to = digest(&after);
                    let part = if base_due {
                        ViewWrite::Base(self.view_base(heads, to))
                    } else {
                        ViewWrite::Patch(self.view_patch(&dirty, heads, digest(&known), to))
                    };
                    let r = store
                        .write_with_view(&[(&key, bytes)], &[], None, Some((&id, part)))
                        .await;
                    if r.is_ok() {
                        let mut s = saver.borrow_mut();
                        s.ledger.stored(key.clone(), bytes.len());
                        s.known = after;
                        s.view_base_due = false;
                        drop(s);
                        self.announce(&id, &key, bytes);
                    }
                    r
                }
                Job::View => {
                    let part = ViewWrite::Base(self.view_base(heads, digest(&known)));
                    let r = store
                        .write_with_view(&[], &[], None, Some((&id, part)))
                        .await;
                    if r.is_ok() {
                        saver.borrow_mut().view_base_due = false;
                    }
                    r
                }
                Job::Snapshot(bytes) => {
                    // One tab compacts at a time: the snapshot replaces
                    // only chunks this tab has loaded or written (all in
                    // the snapshot), in the same transaction, and the view
                    // starts again from a base.
                    let plan = saver.borrow().ledger.plan_compaction(&id, bytes);
                    let mut compacted_set = known.clone();
                    for k in &plan.delete {
                        compacted_set.remove(k);
                    }
                    compacted_set.insert(plan.key.clone());
                    let mut kept_set = known.clone();
                    kept_set.insert(plan.key.clone());
                    let mut base = self.view_part(heads);
                    let lock = format!("sms-workbook.compact.{id}");
                    let compacted = platform::if_lock_available(&lock, async {
                        base.to = digest(&compacted_set);
                        store
                            .write_with_view(
                                &[(&plan.key, bytes)],
                                &plan.delete,
                                Some(&id),
                                Some((&id, ViewWrite::Base(base.encode()))),
                            )
                            .await
                    })
                    .await;
                    let r = match compacted {
                        Some(r) => r.map(|()| true),
                        // Another tab is compacting: store the snapshot and
                        // delete nothing; compaction is tried again later.
                        None => {
                            base.to = digest(&kept_set);
                            store
                                .write_with_view(
                                    &[(&plan.key, bytes)],
                                    &[],
                                    Some(&id),
                                    Some((&id, ViewWrite::Base(base.encode()))),
                                )
                                .await
                                .map(|()| false)
                        }
                    };
                    if let Ok(did_compact) = r {
                        let mut s = saver.borrow_mut();
                        if did_compact {
                            s.ledger.compacted(&plan, bytes.len());
                            s.known = compacted_set;
                        } else {
                            s.ledger.stored(plan.key.clone(), bytes.len());
                            s.known = kept_set;
                        }
                        s.needs_snapshot = false;
                        s.view_base_due = false;
                        drop(s);
                        self.announce(&id, &plan.key, bytes);
                    }
                    r.map(|_| ())
                }
            };
            if let Err(e) = result {
                let mut s = saver.borrow_mut();
                s.needs_snapshot = true;
                s.view_base_due = true;
                s.busy = false;
                self.save.set(SaveState::Failed(failure_message(&e)));
                return;
            }
        }
        saver.borrow_mut().busy = false;
        // An edit still waiting for the worker saves when it is answered.
        if self.unanswered.get_value() == 0 {
            self.save.set(SaveState::Saved);
        }
    }

    /// The whole view as it stands (not yet tagged with a chunk set).
    pub(super) fn view_part(&self, heads: Vec<ChangeHash>) -> ViewPart {
        self.summary.with_value(|summary| {
            let summary = summary.as_ref().expect("a workbook is open");
            self.index
                .with_value(|ix| ViewPart::base(ix, summary, heads, 0))
        })
    }

    pub(super) fn view_base(&self, heads: Vec<ChangeHash>, to: u64) -> Vec<u8> {
        let mut part = self.view_part(heads);
        part.to = to;
        part.encode()
    }

    pub(super) fn view_patch(
        &self,
        dirty: &Delta,
        heads: Vec<ChangeHash>,
        from: u64,
        to: u64,
    ) -> Vec<u8> {
        self.summary.with_value(|summary| {
            let summary = summary.as_ref().expect("a workbook is open");
            self.index
                .with_value(|ix| ViewPart::patch(ix, summary, dirty, heads, from, to).encode())
        })
    }

    /// The storage, when the app is saving to this browser.
    pub fn store(&self) -> Option<ChunkStore> {
        self.saver.get_value().borrow().store.clone()
    }
}

fn failure_message(e: &StorageError) -> String {
    format!("Not saved: {e}. Your changes are kept in this tab; free up space or try again.")
}
