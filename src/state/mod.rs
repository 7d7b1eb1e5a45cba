//! Application state: the open workbook, its read model and save state.
//! Split by job: `open` (boot and loading), `save` (the save pipeline to
//! IndexedDB), `tabs` (other tabs' changes), `import`, `marks` (records a
//! merge changed), `workbooks` (create, open, delete, rename).
//!
//! Every edit goes through [`AppState::edit`]: the core changes the document
//! (in memory, at once), then [`AppState::request_save`] writes the new
//! changes as one incremental chunk, or a compacted snapshot when the ledger
//! asks for one. Writes run one at a time; "Saved" is shown only when nothing
//! is left unwritten and the last write has reached the disk.

use std::{cell::RefCell, rc::Rc};

use leptos::prelude::*;
use sms_core::{
    storage::ChunkLedger, view::Summary, ChangeContext, ChangeHash, Delta, RecordIndex, Workbook,
    WorkbookError, WorkbookId,
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

    /// After a change of the document: the read model and summary read
    /// again what it touched, and the view notes it for its next patch.
    pub(super) fn apply_delta(&self, wb: &Workbook, delta: &Delta) {
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

    pub fn is_importing(&self) -> bool {
        self.importing.with_untracked(Option::is_some)
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
