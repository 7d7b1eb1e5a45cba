//! Application state: the open workbook, its save state, and the save
//! pipeline between the core and the IndexedDB adapter.
//!
//! Every edit goes through [`AppState::edit`]: the core changes the document
//! (in memory, at once), then [`AppState::request_save`] writes the new
//! changes as one incremental chunk, or a compacted snapshot when the ledger
//! asks for one. Writes run one at a time; "Saved" is shown only when nothing
//! is left unwritten and the last write has reached the disk.

use std::{cell::RefCell, rc::Rc};

use leptos::{prelude::*, task::spawn_local};
use sms_core::{
    storage::{chunk_key, load_order, ChunkKind, ChunkLedger},
    view::{chunk_digest, Assembler, Summary, ViewError, ViewPart},
    ChangeContext, ChangeHash, Delta, RecordIndex, Workbook, WorkbookError, WorkbookId,
};
use wasm_bindgen::JsCast;

use crate::{
    idb::{ChunkStore, StorageError, ViewWrite, DB_NAME},
    platform,
};

/// What the save indicator shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SaveState {
    /// Reading the workbook from storage.
    Opening,
    Saved,
    Saving,
    /// The last write failed; changes are kept in memory and retried.
    Failed(String),
    /// Storage cannot be used at all; the app works in memory only.
    NotSaving(String),
}

/// Whether the workbook could be opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Phase {
    Loading,
    Ready,
}

struct Saver {
    store: Option<ChunkStore>,
    ledger: ChunkLedger,
    busy: bool,
    /// A write failed: the next write must be a full snapshot, since the
    /// failed chunk's bytes are not produced again.
    needs_snapshot: bool,
    /// Keys of every stored chunk the open document holds (loaded, written
    /// here, or told of by another tab): what the stored view reflects.
    known: std::collections::BTreeSet<String>,
    /// What changed since the stored view was last written.
    view_dirty: Delta,
    /// The stored view cannot be continued by a patch (missing, stale, or a
    /// write failed): the next write stores a whole new base.
    view_base_due: bool,
}

/// A workbook shown from its stored view whose document is not loaded yet.
struct Pending {
    chunks: Vec<(String, Vec<u8>)>,
    actor: sms_core::ActorBytes,
    /// The heads the view reflects.
    heads: Vec<ChangeHash>,
}

/// Handles to the app's state; `Copy`, so components capture it freely.
#[derive(Clone, Copy)]
pub struct AppState {
    workbook: StoredValue<Option<Workbook>, LocalStorage>,
    /// Set while the workbook is shown from its stored view and its
    /// document is not loaded yet; see [`AppState::ensure_loaded`].
    pending: StoredValue<Option<Pending>, LocalStorage>,
    /// Id, name and checklist of the open workbook, kept in step like the
    /// read model.
    summary: StoredValue<Option<Summary>, LocalStorage>,
    /// The read model views use, kept in step with `workbook` by applying
    /// each change's delta (never by reading the whole document again).
    index: StoredValue<RecordIndex, LocalStorage>,
    saver: StoredValue<Rc<RefCell<Saver>>, LocalStorage>,
    /// Bumped on every change of the document; views derive from it.
    pub revision: RwSignal<u64>,
    pub save: RwSignal<SaveState>,
    pub phase: RwSignal<Phase>,
    /// The document of a workbook shown from its view is being loaded
    /// (the page cannot respond meanwhile, so it says so first).
    pub opening: RwSignal<bool>,
    pub author: RwSignal<String>,
    /// Tells other tabs of this app about every write, and hears theirs.
    channel: StoredValue<Option<web_sys::BroadcastChannel>, LocalStorage>,
    /// Records a merged file added or changed, marked in lists until the
    /// person opens them (remembered in this browser, per workbook).
    pub merged: RwSignal<std::collections::BTreeSet<sms_core::RecordId>>,
    /// Bumped when an open form must read its record again (after an undo
    /// of a change to it); forms otherwise keep what is being typed.
    pub reloads: RwSignal<u64>,
    /// An import is writing into an open change: (records written, total).
    /// Until it ends nothing else may touch the document.
    pub importing: RwSignal<Option<(usize, usize)>>,
    /// Chunks other tabs stored during an import, applied after it:
    /// (workbook, chunk key if told, bytes).
    deferred: StoredValue<Vec<Told>, LocalStorage>,
    /// Something from elsewhere was not applied, or the screen had to be
    /// read again: said in words until the person dismisses it.
    pub report: RwSignal<Option<String>>,
}

/// A chunk another tab stored: (workbook, its key if the tab said, bytes).
type Told = (String, Option<String>, Vec<u8>);

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
    pub fn new() -> Self {
        AppState {
            workbook: StoredValue::new_local(None),
            pending: StoredValue::new_local(None),
            summary: StoredValue::new_local(None),
            index: StoredValue::new_local(RecordIndex::default()),
            channel: StoredValue::new_local(None),
            saver: StoredValue::new_local(Rc::new(RefCell::new(Saver {
                store: None,
                ledger: ChunkLedger::new(),
                busy: false,
                needs_snapshot: false,
                known: Default::default(),
                view_dirty: Delta::default(),
                view_base_due: false,
            }))),
            revision: RwSignal::new(0),
            save: RwSignal::new(SaveState::Opening),
            phase: RwSignal::new(Phase::Loading),
            opening: RwSignal::new(false),
            author: RwSignal::new(platform::display_name()),
            merged: RwSignal::new(std::collections::BTreeSet::new()),
            reloads: RwSignal::new(0),
            importing: RwSignal::new(None),
            deferred: StoredValue::new_local(Vec::new()),
            report: RwSignal::new(None),
        }
    }

    /// Reads id, name and checklist of the open workbook (tracking
    /// `revision`, so callers rerun after each change).
    pub fn summary<T>(&self, f: impl FnOnce(&Summary) -> T) -> Option<T> {
        self.revision.track();
        self.summary.with_value(|s| s.as_ref().map(f))
    }

    /// Like [`Self::summary`], without tracking changes.
    pub fn summary_untracked<T>(&self, f: impl FnOnce(&Summary) -> T) -> Option<T> {
        self.summary.with_value(|s| s.as_ref().map(f))
    }

    /// The open workbook's id, without tracking changes.
    pub fn workbook_id(&self) -> Option<WorkbookId> {
        self.summary
            .with_value(|s| s.as_ref().map(|s| s.id.clone()))
    }

    /// The document heads the read model shows: what a form opened now
    /// saw, so that its save is written against them.
    pub fn heads(&self) -> Vec<ChangeHash> {
        if let Some(h) = self
            .pending
            .with_value(|p| p.as_ref().map(|p| p.heads.clone()))
        {
            return h;
        }
        self.workbook
            .try_update_value(|wb| wb.as_mut().map(Workbook::heads))
            .flatten()
            .unwrap_or_default()
    }

    /// Whether the document is loaded (not only shown from its view).
    pub fn is_loaded(&self) -> bool {
        self.workbook.with_value(Option::is_some)
    }

    /// Runs `f` on the open workbook only if its document is loaded
    /// already; never loads it.
    pub fn if_loaded<T>(&self, f: impl FnOnce(&mut Workbook) -> T) -> Option<T> {
        self.revision.track();
        if self.is_importing() {
            return None;
        }
        self.workbook
            .try_update_value(|wb| wb.as_mut().map(f))
            .flatten()
    }

    /// Loads the document of a workbook shown from its stored view, if
    /// that has not happened yet. Runs on the main thread in one go (an
    /// Automerge load cannot be split), so callers reach it either because
    /// the person asked for something only the document can do (an edit,
    /// history, a report, an export) or after painting. The read model and
    /// summary from the view stay as they are when the document's heads
    /// are the view's; otherwise they are read again from the document.
    /// Returns whether a document is open.
    pub fn ensure_loaded(&self) -> bool {
        let Some(p) = self.pending.try_update_value(Option::take).flatten() else {
            return self.is_loaded();
        };
        platform::mark("sms:document-load-start");
        match Workbook::load(p.chunks.iter().map(|(_, b)| b.as_slice()), p.actor) {
            Ok(mut wb) => {
                let upgraded = wb.migrate(&self.context()).unwrap_or(false);
                wb.track_changes();
                if upgraded || wb.heads() != p.heads {
                    // The view was not the document's state after all.
                    self.index.set_value(RecordIndex::build(&wb));
                    self.summary.set_value(Some(Summary::of(&wb)));
                    self.saver.get_value().borrow_mut().view_base_due = true;
                }
                self.workbook.set_value(Some(wb));
                platform::mark("sms:document-loaded");
                self.revision.update(|r| *r += 1);
                self.request_save();
                true
            }
            Err(e) => {
                self.unreadable(p.actor, &e);
                false
            }
        }
    }

    /// Loads the document after the next paint, unless it is loaded.
    pub fn preload(&self) {
        if self.pending.with_value(Option::is_none) {
            return;
        }
        let state = *self;
        self.opening.set(true);
        spawn_local(async move {
            platform::next_paint().await;
            state.ensure_loaded();
            state.opening.set(false);
        });
    }

    /// After a change of the document: the read model and summary read
    /// again what it touched, and the view notes it for its next patch.
    fn apply_delta(&self, wb: &Workbook, delta: &Delta) {
        if delta.is_empty() {
            return;
        }
        self.index.update_value(|ix| {
            ix.apply(wb, delta);
        });
        // The workbook had to read everything again from a records map it
        // did not expect (the checks on incoming changes prevent this): the
        // stored view starts again from a new base, and the person is told.
        if delta.out_of_step {
            self.saver.get_value().borrow_mut().view_base_due = true;
            self.report.set(Some(
                "The screen was out of step with the workbook and has been read again from it. Nothing was lost."
                    .into(),
            ));
        }
        self.summary.update_value(|s| {
            if let Some(s) = s {
                s.refresh(wb, delta);
            }
        });
        self.saver.get_value().borrow_mut().view_dirty.extend(delta);
    }

    /// Reads from the records of the open workbook (tracking `revision`).
    pub fn index<T>(&self, f: impl FnOnce(&RecordIndex) -> T) -> T {
        self.revision.track();
        self.index.with_value(f)
    }

    /// Runs `f` on the open workbook for something that commits nothing
    /// (a file export, a merge preview).
    pub fn with_workbook<T>(&self, f: impl FnOnce(&mut Workbook) -> T) -> Option<T> {
        if self.is_importing() || !self.ensure_loaded() {
            return None;
        }
        self.workbook
            .try_update_value(|wb| wb.as_mut().map(f))
            .flatten()
    }

    /// Reads from the records without tracking changes.
    pub fn index_untracked<T>(&self, f: impl FnOnce(&RecordIndex) -> T) -> T {
        self.index.with_value(f)
    }

    /// Makes `wb` the open workbook, with a read model built from it once.
    fn set_workbook(&self, mut wb: Workbook) {
        wb.track_changes();
        self.index.set_value(RecordIndex::build(&wb));
        self.summary.set_value(Some(Summary::of(&wb)));
        self.show_marks(wb.id());
        self.workbook.set_value(Some(wb));
        self.listen_to_other_tabs();
    }

    /// Shows a workbook from its stored view; its document is loaded when
    /// first needed ([`AppState::ensure_loaded`]).
    fn set_view(&self, summary: Summary, index: RecordIndex, pending: Pending) {
        self.index.set_value(index);
        self.show_marks(&summary.id);
        self.summary.set_value(Some(summary));
        self.pending.set_value(Some(pending));
        self.listen_to_other_tabs();
    }

    fn show_marks(&self, id: &WorkbookId) {
        self.merged.set(
            platform::merged_marks(id)
                .iter()
                .filter_map(|s| sms_core::RecordId::parse(s))
                .collect(),
        );
    }

    /// Other tabs on this workbook send every chunk they store; applying it
    /// shows their edits here at once (Automerge changes apply once, so a
    /// repeated or late message is harmless).
    fn listen_to_other_tabs(&self) {
        if self.channel.with_value(Option::is_some) {
            return;
        }
        let Ok(channel) = web_sys::BroadcastChannel::new(CHANNEL) else {
            return;
        };
        let state = *self;
        let on_message = wasm_bindgen::closure::Closure::<dyn Fn(web_sys::MessageEvent)>::new(
            move |ev: web_sys::MessageEvent| {
                let data = ev.data();
                let id = js_sys::Reflect::get(&data, &"workbook".into())
                    .ok()
                    .and_then(|v| v.as_string());
                let bytes = js_sys::Reflect::get(&data, &"bytes".into())
                    .ok()
                    .and_then(|v| v.dyn_into::<js_sys::Uint8Array>().ok());
                let key = js_sys::Reflect::get(&data, &"key".into())
                    .ok()
                    .and_then(|v| v.as_string());
                if let (Some(id), Some(bytes)) = (id, bytes) {
                    state.absorb(&id, key, &bytes.to_vec());
                }
            },
        );
        channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        // Lives as long as the page.
        on_message.forget();
        self.channel.set_value(Some(channel));
    }

    /// Applies a chunk another tab stored (under `key`, if it said), if it
    /// is of the open workbook.
    fn absorb(&self, workbook: &str, key: Option<String>, bytes: &[u8]) {
        if self.is_importing() {
            self.deferred
                .update_value(|d| d.push((workbook.to_owned(), key, bytes.to_vec())));
            return;
        }
        if self.workbook_id().as_ref().map(WorkbookId::as_str) != Some(workbook) {
            return;
        }
        if !self.ensure_loaded() {
            return;
        }
        let applied = self.workbook.try_update_value(|wb| {
            let wb = wb.as_mut().filter(|wb| wb.id().as_str() == workbook)?;
            if let Err(e) = wb.absorb_stored(bytes) {
                // This tab keeps working without it; the chunk stays in
                // storage for the next start, which checks it again.
                self.report.set(Some(format!(
                    "Changes saved by another tab were not applied here: {e}. Your work in this tab is kept."
                )));
                return None;
            }
            let delta = wb.take_delta();
            self.apply_delta(wb, &delta);
            {
                let saver = self.saver.get_value();
                let mut s = saver.borrow_mut();
                match key {
                    Some(k) => {
                        s.known.insert(k);
                    }
                    // The view cannot say which chunks it reflects.
                    None => s.view_base_due = true,
                }
            }
            Some(!delta.is_empty())
        });
        if applied.flatten() == Some(true) {
            self.revision.update(|r| *r += 1);
        }
    }

    /// Tells the other tabs about a chunk this tab has stored.
    fn announce(&self, workbook: &WorkbookId, key: &str, bytes: &[u8]) {
        self.channel.with_value(|c| {
            if let Some(c) = c {
                let msg = js_sys::Object::new();
                let _ = js_sys::Reflect::set(&msg, &"workbook".into(), &workbook.as_str().into());
                let _ = js_sys::Reflect::set(&msg, &"key".into(), &key.into());
                let _ = js_sys::Reflect::set(
                    &msg,
                    &"bytes".into(),
                    &js_sys::Uint8Array::from(bytes).into(),
                );
                let _ = c.post_message(&msg);
            }
        });
    }

    pub fn context(&self) -> ChangeContext {
        ChangeContext::new(self.author.get_untracked(), platform::now())
    }

    /// Applies one change to the workbook and schedules its save.
    pub fn edit<T>(
        &self,
        f: impl FnOnce(&mut Workbook, &ChangeContext) -> Result<T, WorkbookError>,
    ) -> Result<T, WorkbookError> {
        if self.is_importing() {
            return Err(WorkbookError::Document(
                "an import is running; wait until it has finished".into(),
            ));
        }
        let ctx = self.context();
        self.ensure_loaded();
        let out = self.workbook.try_update_value(|wb| match wb.as_mut() {
            Some(wb) => {
                let out = f(wb, &ctx);
                // Even a failed operation may have touched the document.
                let delta = wb.take_delta();
                self.apply_delta(wb, &delta);
                out
            }
            None => Err(WorkbookError::Document(
                "the workbook is still opening".into(),
            )),
        });
        let out = out.unwrap_or_else(|| Err(WorkbookError::Document("the app is closing".into())));
        if out.is_ok() {
            self.revision.update(|r| *r += 1);
            self.request_save();
        }
        out
    }

    /// Marks records as changed by a merge, until opened.
    pub fn mark_merged(&self, ids: impl IntoIterator<Item = sms_core::RecordId>) {
        self.merged.update(|m| m.extend(ids));
        self.keep_marks();
    }

    /// The person opened `id`: it is no longer marked.
    pub fn seen(&self, id: &sms_core::RecordId) {
        if self.merged.with_untracked(|m| m.contains(id)) {
            self.merged.update(|m| {
                m.remove(id);
            });
            self.keep_marks();
        }
    }

    fn keep_marks(&self) {
        if let Some(id) = self.workbook_id() {
            let marks: Vec<String> = self
                .merged
                .with_untracked(|m| m.iter().map(|r| r.to_string()).collect());
            if !platform::set_merged_marks(&id, &marks) {
                self.report.set(Some(
                    "This browser would not store which records a merge changed (storage full or blocked); the marks last until you close this tab."
                        .into(),
                ));
            }
        }
    }

    pub fn is_importing(&self) -> bool {
        self.importing.with_untracked(Option::is_some)
    }

    /// Imports checked records into `register` as one change, writing them
    /// a slice at a time and letting the page breathe in between, with
    /// `importing` telling the screen how far it has got.
    pub async fn import(
        &self,
        register: &'static str,
        records: Vec<(sms_core::RecordId, sms_core::Record)>,
        source: &str,
    ) -> Result<usize, WorkbookError> {
        if self.is_importing() {
            return Err(WorkbookError::Document("another import is running".into()));
        }
        let ctx = self.context();
        self.ensure_loaded();
        let mut job = self
            .workbook
            .with_value(|wb| {
                wb.as_ref()
                    .map(|wb| wb.begin_import(register, records, source))
            })
            .ok_or_else(|| WorkbookError::Document("the workbook is still opening".into()))??;
        let total = job.total();
        self.importing.set(Some((0, total)));
        platform::next_paint().await;
        let mut outcome = Ok(());
        while !job.done() {
            let started = js_sys::Date::now();
            while !job.done() && js_sys::Date::now() - started < SLICE_MS {
                let step = self
                    .workbook
                    .try_update_value(|wb| wb.as_mut().map(|wb| wb.import_step(&mut job, 25, &ctx)))
                    .flatten()
                    .unwrap_or_else(|| Err(WorkbookError::Document("the workbook closed".into())));
                if let Err(e) = step {
                    outcome = Err(e);
                    break;
                }
            }
            if outcome.is_err() {
                break;
            }
            self.importing.set(Some((job.written(), total)));
            platform::next_paint().await;
        }
        let result = match outcome {
            Err(e) => Err(e),
            Ok(()) => self
                .workbook
                .try_update_value(|wb| {
                    wb.as_mut().map(|wb| {
                        let r = wb.finish_import(job, &ctx);
                        (r, wb.take_delta())
                    })
                })
                .flatten()
                .map(|(r, delta)| r.map(|n| (n, delta)))
                .unwrap_or_else(|| Err(WorkbookError::Document("the workbook closed".into()))),
        };
        let result = match result {
            Ok((n, delta)) => {
                // The read model takes the new records in slices too.
                let mut ids: Vec<sms_core::RecordId> = delta.records.iter().cloned().collect();
                while !ids.is_empty() {
                    let rest = ids.split_off(ids.len().min(500));
                    let part = sms_core::Delta {
                        records: ids.into_iter().collect(),
                        ..sms_core::Delta::default()
                    };
                    self.workbook.with_value(|wb| {
                        if let Some(wb) = wb.as_ref() {
                            self.apply_delta(wb, &part);
                        }
                    });
                    ids = rest;
                    platform::next_paint().await;
                }
                Ok(n)
            }
            Err(e) => Err(e),
        };
        self.importing.set(None);
        for (workbook, key, bytes) in self
            .deferred
            .try_update_value(std::mem::take)
            .unwrap_or_default()
        {
            self.absorb(&workbook, key, &bytes);
        }
        self.revision.update(|r| *r += 1);
        self.request_save();
        result
    }

    /// Undoes this tab's change `hash` (see `Workbook::undo`); an open form
    /// of a record it touched reads the record again.
    pub fn undo(
        &self,
        hash: &sms_core::ChangeHash,
    ) -> Result<sms_core::UndoOutcome, WorkbookError> {
        let touched = self
            .with_workbook(|wb| wb.entry(hash))
            .flatten()
            .and_then(|e| e.meta.touches)
            .map(|t| t.records)
            .unwrap_or_default();
        let outcome = self.edit(|wb, ctx| wb.undo(hash, ctx))?;
        let open = match expect_context::<RwSignal<crate::route::Route>>().get_untracked() {
            crate::route::Route::Record(id) => touched.iter().any(|t| t == id.as_str()),
            _ => false,
        };
        if open && outcome.reverted > 0 {
            self.reloads.update(|n| *n += 1);
        }
        Ok(outcome)
    }

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

    async fn flush(self, saver: Rc<RefCell<Saver>>) {
        self.save.set(SaveState::Saving);
        loop {
            let (store, snapshot_due, base_due) = {
                let s = saver.borrow();
                (
                    s.store.clone().expect("checked by request_save"),
                    s.needs_snapshot || s.ledger.needs_compaction(),
                    s.view_base_due,
                )
            };
            if self.is_importing() {
                // The import's open change must not be saved half-way; it
                // asks for a save when it ends.
                saver.borrow_mut().busy = false;
                return;
            }
            // The bytes to store and the view's part describing them are
            // taken together, so the part says exactly what the chunk holds.
            let job = self.workbook.try_update_value(|wb| {
                let wb = wb.as_mut()?;
                let job = if snapshot_due {
                    Job::Snapshot(wb.save())
                } else if let Some(bytes) = wb.take_unsaved() {
                    Job::Chunk(bytes)
                } else if base_due {
                    Job::View
                } else {
                    return None;
                };
                Some((job, wb.id().clone(), wb.heads()))
            });
            let Some(Some((job, id, heads))) = job else {
                break;
            };
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
        self.save.set(SaveState::Saved);
    }

    /// The whole view as it stands (not yet tagged with a chunk set).
    fn view_part(&self, heads: Vec<ChangeHash>) -> ViewPart {
        self.summary.with_value(|summary| {
            let summary = summary.as_ref().expect("a workbook is open");
            self.index
                .with_value(|ix| ViewPart::base(ix, summary, heads, 0))
        })
    }

    fn view_base(&self, heads: Vec<ChangeHash>, to: u64) -> Vec<u8> {
        let mut part = self.view_part(heads);
        part.to = to;
        part.encode()
    }

    fn view_patch(&self, dirty: &Delta, heads: Vec<ChangeHash>, from: u64, to: u64) -> Vec<u8> {
        self.summary.with_value(|summary| {
            let summary = summary.as_ref().expect("a workbook is open");
            self.index
                .with_value(|ix| ViewPart::patch(ix, summary, dirty, heads, from, to).encode())
        })
    }

    /// Opens the workbook saved in this browser, or creates the demo
    /// workbook on a first visit.
    pub async fn boot(self) {
        let actor = platform::new_actor();
        let store = match ChunkStore::open(DB_NAME).await {
            Ok(store) => store,
            Err(e) => {
                self.open_in_memory(actor, not_saving_message(&e));
                return;
            }
        };
        match store.current().await {
            Ok(Some(id)) => match store.load_with_view(&id).await {
                Ok((mut chunks, stored_view)) if !chunks.is_empty() => {
                    load_order(&mut chunks);
                    {
                        let saver = self.saver.get_value();
                        let mut s = saver.borrow_mut();
                        for (k, b) in &chunks {
                            s.ledger.stored(k.clone(), b.len());
                            s.known.insert(k.clone());
                        }
                    }
                    let stored = chunk_digest(chunks.iter().map(|(k, _)| k.as_str()));
                    let patches: Vec<&[u8]> =
                        stored_view.patches.iter().map(Vec::as_slice).collect();
                    let view = match Assembler::new(&id, stored_view.base, &patches, stored) {
                        Ok(a) => read_view(a).await,
                        Err(e) => Err(e),
                    };
                    {
                        let saver = self.saver.get_value();
                        saver.borrow_mut().store = Some(store.clone());
                    }
                    match view {
                        // Shown at once; the document loads when needed.
                        Ok((summary, heads, index)) => {
                            platform::mark("sms:open-from-view");
                            self.set_view(
                                summary,
                                index,
                                Pending {
                                    chunks,
                                    actor,
                                    heads,
                                },
                            );
                            self.ready(SaveState::Saved);
                        }
                        // Missing, damaged or stale: the document decides,
                        // and a new view is stored for next time.
                        Err(_) => {
                            platform::mark("sms:open-from-document");
                            self.saver.get_value().borrow_mut().view_base_due = true;
                            self.open_document(&store, &id, chunks, actor).await;
                        }
                    }
                }
                Ok(_) => self.create_demo(store, actor).await,
                Err(e) => self.open_in_memory(actor, not_saving_message(&e)),
            },
            Ok(None) => self.create_demo(store, actor).await,
            Err(e) => self.open_in_memory(actor, not_saving_message(&e)),
        }
    }

    /// Opens a stored workbook by loading its whole document.
    async fn open_document(
        self,
        store: &ChunkStore,
        id: &WorkbookId,
        chunks: Vec<(String, Vec<u8>)>,
        actor: sms_core::ActorBytes,
    ) {
        match Workbook::load(chunks.iter().map(|(_, b)| b.as_slice()), actor) {
            Ok(mut wb) => {
                // Documents from an older version are upgraded in one
                // change, saved like any other edit.
                let _ = wb.migrate(&self.context());
                let _ = store.set_name(id, &wb.name()).await;
                self.set_workbook(wb);
                self.ready(SaveState::Saved);
                platform::mark("sms:document-loaded");
                // Writes the upgrade, if any, and the new view.
                self.request_save();
            }
            Err(e) => self.unreadable(actor, &e),
        }
    }

    /// The stored workbook could not be read: it is never overwritten.
    /// Saving stops and the demo opens in memory, with the reason shown.
    fn unreadable(self, actor: sms_core::ActorBytes, e: &sms_core::LoadError) {
        self.saver.get_value().borrow_mut().store = None;
        self.open_in_memory(
            actor,
            format!(
                "The saved workbook could not be opened: {e}. It is left untouched; this demo workbook is not saved."
            ),
        );
    }

    /// A new copy of the demo workbook, with its own id; if its data cannot
    /// be fetched, an empty workbook, and the person is told why.
    async fn demo(&self, actor: sms_core::ActorBytes) -> Workbook {
        let id = platform::new_workbook_id();
        let ctx = self.context();
        match crate::demo::build(id.clone(), actor, &ctx).await {
            Ok(wb) => wb,
            Err(e) => {
                self.report.set(Some(format!(
                    "{}. An empty workbook was started instead; you can open a copy of the demo later from Workbooks.",
                    capitalised(&e)
                )));
                Workbook::create(id, EMPTY_NAME, actor, &ctx).expect("a valid name")
            }
        }
    }

    async fn create_demo(self, store: ChunkStore, actor: sms_core::ActorBytes) {
        let wb = self.demo(actor).await;
        let _ = store.set_name(wb.id(), &wb.name()).await;
        let saver = self.saver.get_value();
        {
            let mut s = saver.borrow_mut();
            s.store = Some(store);
            // The first write is a snapshot that also records this workbook
            // as the one to open next time.
            s.needs_snapshot = true;
        }
        self.set_workbook(wb);
        self.ready(SaveState::Saving);
        self.request_save();
    }

    fn open_in_memory(self, actor: sms_core::ActorBytes, why: String) {
        spawn_local(async move {
            let wb = self.demo(actor).await;
            self.set_workbook(wb);
            self.ready(SaveState::NotSaving(why));
        });
    }

    fn ready(self, save: SaveState) {
        self.save.set(save);
        self.phase.set(Phase::Ready);
        self.revision.update(|r| *r += 1);
    }

    /// The storage, when the app is saving to this browser.
    pub fn store(&self) -> Option<ChunkStore> {
        self.saver.get_value().borrow().store.clone()
    }

    /// Creates a workbook — empty, or a fresh copy of the demo — stores it,
    /// and opens it.
    pub async fn create_workbook(self, name: Option<String>) -> Result<(), String> {
        let store = self.store().ok_or("this browser is not saving workbooks")?;
        let actor = platform::new_actor();
        let id = platform::new_workbook_id();
        let ctx = self.context();
        let mut wb = match name {
            Some(name) => Workbook::create(id.clone(), &name, actor, &ctx),
            None => crate::demo::build(id.clone(), actor, &ctx)
                .await
                .map_err(sms_core::WorkbookError::Document),
        }
        .map_err(|e| e.to_string())?;
        let bytes = wb.save();
        let key = chunk_key(&id, ChunkKind::Snapshot, &bytes);
        store
            .write(&[(&key, &bytes)], &[], Some(&id))
            .await
            .map_err(|e| e.to_string())?;
        store
            .set_name(&id, &wb.name())
            .await
            .map_err(|e| e.to_string())?;
        reload();
        Ok(())
    }

    /// Opens another stored workbook.
    pub async fn open_workbook(self, id: WorkbookId) -> Result<(), String> {
        let store = self.store().ok_or("this browser is not saving workbooks")?;
        store.set_current(&id).await.map_err(|e| e.to_string())?;
        reload();
        Ok(())
    }

    /// Deletes a stored workbook. Deleting the open one opens another, or a
    /// new demo workbook when none is left.
    pub async fn delete_workbook(self, id: WorkbookId) -> Result<(), String> {
        let store = self.store().ok_or("this browser is not saving workbooks")?;
        store
            .delete_workbook(&id)
            .await
            .map_err(|e| e.to_string())?;
        platform::set_merged_marks(&id, &[]);
        let open = self.workbook_id();
        if open.as_ref() == Some(&id) {
            let rest = store.workbooks().await.map_err(|e| e.to_string())?;
            if let Some((other, _)) = rest.first() {
                store.set_current(other).await.map_err(|e| e.to_string())?;
            }
            reload();
        }
        Ok(())
    }

    /// Renames the open workbook from a form opened at `seen` (a rename
    /// made elsewhere meanwhile is not silently overwritten: both stay, as
    /// concurrent values, and one is shown on every copy).
    pub fn rename(&self, name: &str, seen: &[ChangeHash]) -> Result<(), WorkbookError> {
        self.edit(|wb, ctx| wb.rename_seen(name, seen, ctx))?;
        if let (Some(store), Some((id, name))) = (
            self.store(),
            self.summary(|s| (s.id.clone(), s.name.clone())),
        ) {
            spawn_local(async move {
                let _ = store.set_name(&id, &name).await;
            });
        }
        Ok(())
    }

    pub fn set_author(&self, name: &str) -> bool {
        self.author.set(name.trim().to_owned());
        platform::set_display_name(name)
    }
}

impl Default for AppState {
    fn default() -> Self {
        Self::new()
    }
}

/// How long an import writes, or opening a view reads, before letting the
/// page breathe (ms).
const SLICE_MS: f64 = 40.0;

/// Reads a stored view and builds the read model from it, a slice of
/// records at a time with the page free in between, so even a large
/// workbook never holds the page for long while it opens.
async fn read_view(mut a: Assembler) -> Result<(Summary, Vec<ChangeHash>, RecordIndex), ViewError> {
    loop {
        let started = js_sys::Date::now();
        let mut done = false;
        while !done && js_sys::Date::now() - started < SLICE_MS {
            done = a.step(250)?;
        }
        if done {
            break;
        }
        platform::yield_now().await;
    }
    let view = a.finish()?;
    platform::yield_now().await;
    let mut records = view.records.into_iter();
    let mut index = RecordIndex::from_stored(std::iter::empty());
    loop {
        let started = js_sys::Date::now();
        let mut done = false;
        while !done && js_sys::Date::now() - started < SLICE_MS {
            let slice: Vec<_> = records.by_ref().take(250).collect();
            done = slice.is_empty();
            index.add_stored(slice);
        }
        if done {
            break;
        }
        platform::yield_now().await;
    }
    Ok((view.summary, view.heads, index))
}

/// The BroadcastChannel every tab of the app on this origin joins.
const CHANNEL: &str = "sms-workbook";

/// The name of the workbook started when the demo could not be loaded.
const EMPTY_NAME: &str = "My service management system";

/// `s` with its first letter in capitals.
fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn reload() {
    let _ = window().location().reload();
}

fn failure_message(e: &StorageError) -> String {
    format!("Not saved: {e}. Your changes are kept in this tab; free up space or try again.")
}

fn not_saving_message(e: &StorageError) -> String {
    format!("Not saving: {e}. You can keep working, but changes are lost when this tab closes.")
}
