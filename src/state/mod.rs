//! Application state: the open workbook, its read model and save state.
//! Split by job: `open` (boot and loading), `save` (the save pipeline to
//! IndexedDB), `tabs` (other tabs' changes), `import`, `marks` (records a
//! merge changed), `workbooks` (create, open, delete, rename).
//!
//! The page reaches the document only through `sms_core::engine`: every
//! change is an [`Edit`] sent with [`AppState::change`], every question a [`Query`] asked
//! with [`AppState::ask`]. Each edit comes back with an `Update` that
//! brings the read model and summary up to date, then
//! [`AppState::request_save`] writes the new changes as one incremental
//! chunk, or a compacted snapshot when the ledger asks for one. Writes run one at a time; "Saved" is shown only when nothing
//! is left unwritten and the last write has reached the disk.

use std::{cell::RefCell, rc::Rc};

use leptos::prelude::*;
use sms_core::{
    engine::{self, Answer, Done, Edit, Engine, Query},
    storage::ChunkLedger,
    view::Summary,
    ChangeContext, ChangeHash, Delta, RecordIndex, WorkbookError, WorkbookId,
};

mod import;
mod marks;
mod open;
mod save;
mod tabs;
mod workbooks;

use open::Pending;
use save::Saver;
use tabs::Told;

use crate::platform;

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

/// Handles to the app's state; `Copy`, so components capture it freely.
#[derive(Clone, Copy)]
pub struct AppState {
    /// The open workbook's document, reached only through the engine.
    engine: StoredValue<Option<Engine>, LocalStorage>,
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

impl AppState {
    pub fn new() -> Self {
        AppState {
            engine: StoredValue::new_local(None),
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
        match self.ask_loaded(Query::Heads) {
            Some(Answer::Heads(h)) => h,
            _ => Vec::new(),
        }
    }

    /// Whether the document is loaded (not only shown from its view).
    pub fn is_loaded(&self) -> bool {
        self.engine.with_value(Option::is_some)
    }

    /// Asks the engine only if the document is loaded already (never
    /// loads it), tracking `revision`.
    pub fn if_loaded(&self, q: Query) -> Option<Answer> {
        self.revision.track();
        if self.is_importing() {
            return None;
        }
        self.ask_loaded(q)
    }

    fn ask_loaded(&self, q: Query) -> Option<Answer> {
        self.engine
            .try_update_value(|e| e.as_mut().map(|e| e.query(q)))
            .flatten()
    }

    /// Asks the open workbook a question (loading its document first);
    /// `None` while an import runs or when no document can be opened.
    pub fn ask(&self, q: Query) -> Option<Answer> {
        if self.is_importing() || !self.ensure_loaded() {
            return None;
        }
        self.ask_loaded(q)
    }

    /// After a change of the document: the read model and summary take
    /// what it touched, and the view notes it for its next patch.
    pub(super) fn take_update(&self, update: &engine::Update) {
        if update.is_empty() {
            return;
        }
        let delta = update.delta();
        self.index.update_value(|ix| {
            self.summary.update_value(|s| {
                if let Some(s) = s {
                    update.apply_to(ix, s);
                }
            });
        });
        // The workbook had to read everything again from a records map it
        // did not expect (the checks on incoming changes prevent this): the
        // stored view starts again from a new base, and the person is told.
        if update.out_of_step {
            self.saver.get_value().borrow_mut().view_base_due = true;
            self.report.set(Some(
                "The screen was out of step with the workbook and has been read again from it. Nothing was lost."
                    .into(),
            ));
        }
        self.saver
            .get_value()
            .borrow_mut()
            .view_dirty
            .extend(&delta);
    }

    /// Reads from the records of the open workbook (tracking `revision`).
    pub fn index<T>(&self, f: impl FnOnce(&RecordIndex) -> T) -> T {
        self.revision.track();
        self.index.with_value(f)
    }

    /// Reads from the records without tracking changes.
    pub fn index_untracked<T>(&self, f: impl FnOnce(&RecordIndex) -> T) -> T {
        self.index.with_value(f)
    }

    pub fn context(&self) -> ChangeContext {
        ChangeContext::new(self.author.get_untracked(), platform::now())
    }

    /// Makes one change of the workbook and schedules its save.
    pub fn change(&self, edit: Edit) -> Result<Done, WorkbookError> {
        self.edit_engine(|e, ctx| e.edit(edit, ctx))
    }

    fn edit_engine<T>(
        &self,
        f: impl FnOnce(&mut Engine, &ChangeContext) -> (Result<T, WorkbookError>, engine::Update),
    ) -> Result<T, WorkbookError> {
        if self.is_importing() {
            return Err(WorkbookError::Document(
                "an import is running; wait until it has finished".into(),
            ));
        }
        let ctx = self.context();
        self.ensure_loaded();
        // Even a failed operation may have touched the document: its
        // update is taken either way.
        let out = self
            .engine
            .try_update_value(|e| e.as_mut().map(|e| f(e, &ctx)));
        let (out, update) = match out {
            Some(Some(r)) => r,
            Some(None) => {
                return Err(WorkbookError::Document(
                    "the workbook is still opening".into(),
                ))
            }
            None => return Err(WorkbookError::Document("the app is closing".into())),
        };
        self.take_update(&update);
        if out.is_ok() {
            self.revision.update(|r| *r += 1);
            self.request_save();
        }
        out
    }

    /// Runs a command of the open workbook's live room (loading the
    /// document first); `None` while an import runs or when no document
    /// can be opened.
    pub fn live(
        &self,
        cmd: engine::LiveCommand,
        nonce: impl FnMut() -> [u8; 12],
    ) -> Option<engine::LiveReply> {
        if self.is_importing() || !self.ensure_loaded() {
            return None;
        }
        self.engine
            .try_update_value(|e| e.as_mut().map(|e| e.live(cmd, nonce)))
            .flatten()
    }

    /// Opens and applies entry `seq` from the live room through the usual
    /// path (read model, save); `None` when no document is open.
    pub fn live_entry(&self, seq: u64, blob: &[u8]) -> Option<engine::codec::LiveEntry> {
        if !self.ensure_loaded() {
            return None;
        }
        let entry = self
            .engine
            .try_update_value(|e| e.as_mut().map(|e| e.live_entry(seq, blob)))
            .flatten()?;
        self.take_update(&entry.1);
        if !entry.1.is_empty() {
            self.revision.update(|r| *r += 1);
            self.request_save();
        }
        Some(entry)
    }

    pub fn is_importing(&self) -> bool {
        self.importing.with_untracked(Option::is_some)
    }

    /// Undoes this tab's change `hash` (see `Workbook::undo`); an open form
    /// of a record it touched reads the record again.
    pub fn undo(
        &self,
        hash: &sms_core::ChangeHash,
    ) -> Result<sms_core::UndoOutcome, WorkbookError> {
        let touched = match self.ask(Query::Entry { hash: *hash }) {
            Some(Answer::Entry(e)) => e,
            _ => None,
        }
        .and_then(|e| e.meta.touches)
        .map(|t| t.records)
        .unwrap_or_default();
        let Done::Undo(outcome) = self.change(Edit::Undo { hash: *hash })? else {
            return Err(WorkbookError::Document("the undo said nothing".into()));
        };
        let open = match expect_context::<RwSignal<crate::route::Route>>().get_untracked() {
            crate::route::Route::Record(id) => touched.iter().any(|t| t == id.as_str()),
            _ => false,
        };
        if open && outcome.reverted > 0 {
            self.reloads.update(|n| *n += 1);
        }
        Ok(outcome)
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
