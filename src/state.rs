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
    demo,
    storage::{chunk_key, load_order, ChunkKind, ChunkLedger},
    ChangeContext, RecordIndex, Workbook, WorkbookError, WorkbookId,
};
use wasm_bindgen::JsCast;

use crate::{
    idb::{ChunkStore, StorageError, DB_NAME},
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
}

/// Handles to the app's state; `Copy`, so components capture it freely.
#[derive(Clone, Copy)]
pub struct AppState {
    workbook: StoredValue<Option<Workbook>, LocalStorage>,
    /// The read model views use, kept in step with `workbook` by applying
    /// each change's delta (never by reading the whole document again).
    index: StoredValue<RecordIndex, LocalStorage>,
    saver: StoredValue<Rc<RefCell<Saver>>, LocalStorage>,
    /// Bumped on every change of the document; views derive from it.
    pub revision: RwSignal<u64>,
    pub save: RwSignal<SaveState>,
    pub phase: RwSignal<Phase>,
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
    /// Chunks other tabs stored during an import, applied after it.
    deferred: StoredValue<Vec<(String, Vec<u8>)>, LocalStorage>,
}

enum Job {
    Chunk(Vec<u8>),
    Snapshot(Vec<u8>),
}

impl AppState {
    pub fn new() -> Self {
        AppState {
            workbook: StoredValue::new_local(None),
            index: StoredValue::new_local(RecordIndex::default()),
            channel: StoredValue::new_local(None),
            saver: StoredValue::new_local(Rc::new(RefCell::new(Saver {
                store: None,
                ledger: ChunkLedger::new(),
                busy: false,
                needs_snapshot: false,
            }))),
            revision: RwSignal::new(0),
            save: RwSignal::new(SaveState::Opening),
            phase: RwSignal::new(Phase::Loading),
            author: RwSignal::new(platform::display_name()),
            merged: RwSignal::new(std::collections::BTreeSet::new()),
            reloads: RwSignal::new(0),
            importing: RwSignal::new(None),
            deferred: StoredValue::new_local(Vec::new()),
        }
    }

    /// Reads from the open workbook (tracking `revision`, so callers rerun
    /// after each change).
    pub fn read<T>(&self, f: impl FnOnce(&Workbook) -> T) -> Option<T> {
        self.revision.track();
        self.workbook.with_value(|wb| wb.as_ref().map(f))
    }

    /// Reads from the records of the open workbook (tracking `revision`).
    pub fn index<T>(&self, f: impl FnOnce(&RecordIndex) -> T) -> T {
        self.revision.track();
        self.index.with_value(f)
    }

    /// Runs `f` on the open workbook for something that commits nothing
    /// (a file export, a merge preview).
    pub fn with_workbook<T>(&self, f: impl FnOnce(&mut Workbook) -> T) -> Option<T> {
        if self.is_importing() {
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
        self.merged.set(
            platform::merged_marks(wb.id())
                .iter()
                .filter_map(|s| sms_core::RecordId::parse(s))
                .collect(),
        );
        self.workbook.set_value(Some(wb));
        self.listen_to_other_tabs();
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
                if let (Some(id), Some(bytes)) = (id, bytes) {
                    state.absorb(&id, &bytes.to_vec());
                }
            },
        );
        channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        // Lives as long as the page.
        on_message.forget();
        self.channel.set_value(Some(channel));
    }

    /// Applies a chunk another tab stored, if it is of the open workbook.
    fn absorb(&self, workbook: &str, bytes: &[u8]) {
        if self.is_importing() {
            self.deferred
                .update_value(|d| d.push((workbook.to_owned(), bytes.to_vec())));
            return;
        }
        let index = self.index;
        let applied = self.workbook.try_update_value(|wb| {
            let wb = wb.as_mut().filter(|wb| wb.id().as_str() == workbook)?;
            wb.absorb_stored(bytes).ok()?;
            let delta = wb.take_delta();
            let changed = !delta.is_empty();
            if changed {
                index.update_value(|ix| {
                    ix.apply(wb, &delta);
                });
            }
            Some(changed)
        });
        if applied.flatten() == Some(true) {
            self.revision.update(|r| *r += 1);
        }
    }

    /// Tells the other tabs about a chunk this tab has stored.
    fn announce(&self, workbook: &WorkbookId, bytes: &[u8]) {
        self.channel.with_value(|c| {
            if let Some(c) = c {
                let msg = js_sys::Object::new();
                let _ = js_sys::Reflect::set(&msg, &"workbook".into(), &workbook.as_str().into());
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
        let index = self.index;
        let out = self.workbook.try_update_value(|wb| match wb.as_mut() {
            Some(wb) => {
                let out = f(wb, &ctx);
                // Even a failed operation may have touched the document.
                let delta = wb.take_delta();
                if !delta.is_empty() {
                    index.update_value(|ix| {
                        ix.apply(wb, &delta);
                    });
                }
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
        if let Some(id) = self
            .workbook
            .with_value(|wb| wb.as_ref().map(|wb| wb.id().clone()))
        {
            let marks: Vec<String> = self
                .merged
                .with_untracked(|m| m.iter().map(|r| r.to_string()).collect());
            platform::set_merged_marks(&id, &marks);
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
        let index = self.index;
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
                            index.update_value(|ix| {
                                ix.apply(wb, &part);
                            });
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
        for (workbook, bytes) in self
            .deferred
            .try_update_value(std::mem::take)
            .unwrap_or_default()
        {
            self.absorb(&workbook, &bytes);
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
            let (store, snapshot_due) = {
                let s = saver.borrow();
                (
                    s.store.clone().expect("checked by request_save"),
                    s.needs_snapshot || s.ledger.needs_compaction(),
                )
            };
            if self.is_importing() {
                // The import's open change must not be saved half-way; it
                // asks for a save when it ends.
                saver.borrow_mut().busy = false;
                return;
            }
            let job = self.workbook.try_update_value(|wb| {
                let wb = wb.as_mut()?;
                if snapshot_due {
                    Some((Job::Snapshot(wb.save()), wb.id().clone()))
                } else {
                    wb.take_unsaved().map(|b| (Job::Chunk(b), wb.id().clone()))
                }
            });
            let Some(Some((job, id))) = job else { break };
            let result = match &job {
                Job::Chunk(bytes) => {
                    let key = chunk_key(&id, ChunkKind::Incremental, bytes);
                    let r = store.write(&[(&key, bytes)], &[], None).await;
                    if r.is_ok() {
                        saver.borrow_mut().ledger.stored(key, bytes.len());
                        self.announce(&id, bytes);
                    }
                    r
                }
                Job::Snapshot(bytes) => {
                    // One tab compacts at a time: the snapshot replaces
                    // only chunks this tab has loaded or written (all in
                    // the snapshot), in the same transaction.
                    let plan = saver.borrow().ledger.plan_compaction(&id, bytes);
                    let lock = format!("sms-workbook.compact.{id}");
                    let compacted = platform::if_lock_available(&lock, async {
                        store
                            .write(&[(&plan.key, bytes)], &plan.delete, Some(&id))
                            .await
                    })
                    .await;
                    let r = match compacted {
                        Some(r) => r.map(|()| true),
                        // Another tab is compacting: store the snapshot and
                        // delete nothing; compaction is tried again later.
                        None => store
                            .write(&[(&plan.key, bytes)], &[], Some(&id))
                            .await
                            .map(|()| false),
                    };
                    if let Ok(did_compact) = r {
                        let mut s = saver.borrow_mut();
                        if did_compact {
                            s.ledger.compacted(&plan, bytes.len());
                        } else {
                            s.ledger.stored(plan.key.clone(), bytes.len());
                        }
                        s.needs_snapshot = false;
                        drop(s);
                        self.announce(&id, bytes);
                    }
                    r.map(|_| ())
                }
            };
            if let Err(e) = result {
                let mut s = saver.borrow_mut();
                s.needs_snapshot = true;
                s.busy = false;
                self.save.set(SaveState::Failed(failure_message(&e)));
                return;
            }
        }
        saver.borrow_mut().busy = false;
        self.save.set(SaveState::Saved);
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
            Ok(Some(id)) => match store.load(&id).await {
                Ok(mut chunks) if !chunks.is_empty() => {
                    load_order(&mut chunks);
                    match Workbook::load(chunks.iter().map(|(_, b)| b.as_slice()), actor) {
                        Ok(mut wb) => {
                            // Documents from an older version are upgraded
                            // in one change, saved like any other edit.
                            let upgraded = wb.migrate(&self.context()).unwrap_or(false);
                            {
                                let saver = self.saver.get_value();
                                let mut s = saver.borrow_mut();
                                for (k, b) in &chunks {
                                    s.ledger.stored(k.clone(), b.len());
                                }
                            }
                            let _ = store.set_name(&id, &wb.name()).await;
                            {
                                let saver = self.saver.get_value();
                                saver.borrow_mut().store = Some(store);
                            }
                            self.set_workbook(wb);
                            self.ready(SaveState::Saved);
                            if upgraded {
                                self.request_save();
                            }
                        }
                        // Never overwrite data we could not read.
                        Err(e) => self.open_in_memory(
                            actor,
                            format!(
                                "The saved workbook could not be opened: {e}. It is left untouched; this demo workbook is not saved."
                            ),
                        ),
                    }
                }
                Ok(_) => self.create_demo(store, actor).await,
                Err(e) => self.open_in_memory(actor, not_saving_message(&e)),
            },
            Ok(None) => self.create_demo(store, actor).await,
            Err(e) => self.open_in_memory(actor, not_saving_message(&e)),
        }
    }

    /// A new copy of the demo workbook, with its own id.
    fn demo(&self, actor: sms_core::ActorBytes) -> Workbook {
        demo::build(
            platform::new_workbook_id(),
            actor,
            &self.context(),
            platform::new_record_id,
        )
        .expect("the demo workbook is valid")
    }

    async fn create_demo(self, store: ChunkStore, actor: sms_core::ActorBytes) {
        let wb = self.demo(actor);
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
        let wb = self.demo(actor);
        self.set_workbook(wb);
        self.ready(SaveState::NotSaving(why));
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
            None => demo::build(id.clone(), actor, &ctx, platform::new_record_id),
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
        let open = self.read(|wb| wb.id().clone());
        if open.as_ref() == Some(&id) {
            let rest = store.workbooks().await.map_err(|e| e.to_string())?;
            if let Some((other, _)) = rest.first() {
                store.set_current(other).await.map_err(|e| e.to_string())?;
            }
            reload();
        }
        Ok(())
    }

    /// Renames the open workbook.
    pub fn rename(&self, name: &str) -> Result<(), WorkbookError> {
        self.edit(|wb, ctx| wb.rename(name, ctx))?;
        if let (Some(store), Some((id, name))) =
            (self.store(), self.read(|wb| (wb.id().clone(), wb.name())))
        {
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

/// How long an import writes before letting the page draw (ms).
const SLICE_MS: f64 = 40.0;

/// The BroadcastChannel every tab of the app on this origin joins.
const CHANNEL: &str = "sms-workbook";

fn reload() {
    let _ = window().location().reload();
}

fn failure_message(e: &StorageError) -> String {
    format!("Not saved: {e}. Your changes are kept in this tab; free up space or try again.")
}

fn not_saving_message(e: &StorageError) -> String {
    format!("Not saving: {e}. You can keep working, but changes are lost when this tab closes.")
}
