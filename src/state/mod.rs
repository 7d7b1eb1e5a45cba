//! Application state: the open workbook, its read model and save state.
//! Split by job: `open` (boot and loading), `save` (the save pipeline to
//! IndexedDB), `tabs` (other tabs' changes), `import`, `marks` (records a
//! merge changed), `workbooks` (create, open, delete, rename).
//!
//! The page never holds the document: it lives in the document worker
//! (`crate::doc`), which runs `sms_core::engine`. Every change is an
//! [`Edit`] sent with [`AppState::change`], every question a [`Query`]
//! asked with [`AppState::ask`]. Requests reach the worker in the order
//! they are made and are answered in that order, and each answer is taken
//! as it comes, so the read model always shows the worker's document as of
//! the last answer. Each edit comes back with an `Update` that
//! brings the read model and summary up to date, then
//! [`AppState::request_save`] writes the new changes as one incremental
//! chunk, or a compacted snapshot when the ledger asks for one. Writes run one at a time; "Saved" is shown only when nothing
//! is left unwritten and the last write has reached the disk.

use std::{cell::RefCell, future::Future, rc::Rc};

use leptos::prelude::*;
use sms_core::{
    engine::{self, Answer, Done, Edit, Query},
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

use crate::{doc::Doc, platform};

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
    /// The document worker, holding the open workbook's document.
    doc: StoredValue<Doc, LocalStorage>,
    /// The worker has the open workbook's document, or has been asked to
    /// open it (requests sent now are answered after it).
    loaded: StoredValue<bool, LocalStorage>,
    /// Set while the workbook is shown from its stored view and its
    /// document is not loaded yet; see [`AppState::ensure_loaded`].
    pending: StoredValue<Option<Pending>, LocalStorage>,
    /// The heads the read model shows (see [`AppState::heads`]).
    shown_heads: StoredValue<Vec<ChangeHash>, LocalStorage>,
    /// Id, name and checklist of the open workbook, kept in step like the
    /// read model.
    summary: StoredValue<Option<Summary>, LocalStorage>,
    /// The read model views use, kept in step with `workbook` by applying
    /// each change's delta (never by reading the whole document again).
    index: StoredValue<RecordIndex, LocalStorage>,
    saver: StoredValue<Rc<RefCell<Saver>>, LocalStorage>,
    /// Edits sent to the worker and not answered yet: until they are,
    /// "Saved" is not shown.
    unanswered: StoredValue<u32, LocalStorage>,
    /// Large updates (a whole read model, or what a large edit touched)
    /// still arriving in slices: nothing is saved until they are all there.
    filling: StoredValue<u32, LocalStorage>,
    /// Bumped on every change of the document; views derive from it.
    pub revision: RwSignal<u64>,
    pub save: RwSignal<SaveState>,
    pub phase: RwSignal<Phase>,
    /// The document of a workbook shown from its view is being loaded
    /// (the page cannot respond meanwhile, so it says so first).
    pub opening: RwSignal<bool>,
    /// Bumped when attached files' bytes arrive (from a workbook file or
    /// the relay), so lists of attached files look again.
    pub files: RwSignal<u32>,
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
            doc: StoredValue::new_local(Doc::default()),
            loaded: StoredValue::new_local(false),
            pending: StoredValue::new_local(None),
            shown_heads: StoredValue::new_local(Vec::new()),
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
            unanswered: StoredValue::new_local(0),
            filling: StoredValue::new_local(0),
            revision: RwSignal::new(0),
            save: RwSignal::new(SaveState::Opening),
            phase: RwSignal::new(Phase::Loading),
            opening: RwSignal::new(false),
            files: RwSignal::new(0),
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
    /// saw, so that its save is written against them. Kept on the page
    /// from the view it opened from and every update since.
    pub fn heads(&self) -> Vec<ChangeHash> {
        self.shown_heads.get_value()
    }

    /// Whether the document is open in its worker, or being opened
    /// there (not only shown from its view).
    pub fn is_loaded(&self) -> bool {
        self.loaded.get_value()
    }

    /// The document worker.
    pub(crate) fn doc(&self) -> Doc {
        self.doc.get_value()
    }

    /// Asks the open workbook a question (loading its document first);
    /// `None` while an import runs or when no document can be opened. The
    /// question is sent at once.
    pub fn ask(&self, q: Query) -> impl Future<Output = Option<Answer>> {
        let asked = (!self.is_importing() && self.ensure_loaded()).then(|| self.doc().query(&q));
        async move { asked?.await.ok() }
    }

    /// The answer to the question `q` gives (none: nothing is asked),
    /// picked by `pick`, asked again after every change of the workbook
    /// (and when `q` changes); `None` until it has come. An answer that
    /// comes after a newer question was asked is dropped.
    pub fn answer<T: Send + Sync + 'static>(
        &self,
        q: impl Fn() -> Option<Query> + 'static,
        pick: impl Fn(Answer) -> Option<T> + Copy + 'static,
    ) -> ReadSignal<Option<T>> {
        let state = *self;
        let out = RwSignal::new(None);
        let asked = StoredValue::new(0u64);
        Effect::new(move |_| {
            state.revision.track();
            let Some(q) = q() else {
                out.set(None);
                return;
            };
            asked.update_value(|n| *n += 1);
            let mine = asked.get_value();
            leptos::task::spawn_local(async move {
                let a = state.ask(q).await.and_then(pick);
                if asked.get_value() == mine {
                    out.set(a);
                }
            });
        });
        out.read_only()
    }

    /// After a change of the document: the read model and summary take
    /// what it touched, and the view notes it for its next patch.
    pub(super) fn take_update(&self, update: &engine::Update) {
        if update.is_empty() {
            return;
        }
        if !update.heads.is_empty() {
            self.shown_heads.set_value(update.heads.clone());
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

    /// Makes one change of the workbook (sent at once) and schedules its
    /// save.
    pub fn change(&self, edit: Edit) -> impl Future<Output = Result<Done, WorkbookError>> {
        let sent = if self.is_importing() {
            Err(WorkbookError::Document(
                "an import is running; wait until it has finished".into(),
            ))
        } else if !self.ensure_loaded() {
            Err(WorkbookError::Document("no workbook is open".into()))
        } else {
            // Until the worker has answered, the change is not saved (the
            // document may still be loading): the person sees that.
            if self.save.get_untracked() == SaveState::Saved {
                self.save.set(SaveState::Saving);
            }
            self.unanswered.update_value(|n| *n += 1);
            Ok(self.doc().edit(&edit, &self.context()))
        };
        let state = *self;
        async move {
            let sent = sent?;
            let answer = sent.await;
            state.unanswered.update_value(|n| *n -= 1);
            let answer = match answer {
                Ok(answer) => answer,
                Err(e) => {
                    state.request_save();
                    return Err(WorkbookError::Document(e));
                }
            };
            let (more, (out, update)) = answer;
            // Even a failed operation may have touched the document: its
            // update is taken either way.
            state.took_sliced(&update, out.is_ok(), more).await;
            if out.is_err() {
                // Says "Saved" again once nothing is left to write.
                state.request_save();
            }
            out
        }
    }

    /// Takes an update the worker answered with, and the `more` slices of
    /// it that follow (nothing is saved until the last has been taken).
    pub(super) async fn took_sliced(&self, update: &engine::Update, changed: bool, more: u64) {
        if more == 0 {
            self.took(update, changed);
            return;
        }
        self.filling.update_value(|n| *n += 1);
        self.took(update, changed);
        self.take_rest(more).await;
        self.filling.update_value(|n| *n -= 1);
        self.request_save();
    }

    /// Asks for and takes `more` slices of large updates, one per frame.
    pub(super) async fn take_rest(&self, more: u64) {
        let mut left = more;
        while left > 0 {
            platform::yield_now().await;
            match self.doc().more().await {
                Ok((l, Some(slice))) => {
                    self.take_update(&slice);
                    self.revision.update(|r| *r += 1);
                    left = l;
                }
                Ok((_, None)) => break,
                Err(e) => {
                    self.report.set(Some(format!(
                        "Part of the workbook could not be shown: {e}. Reload the page to read it again; nothing was lost."
                    )));
                    break;
                }
            }
        }
    }

    /// Takes an update the worker answered with; when something changed,
    /// views read again and the change is saved.
    fn took(&self, update: &engine::Update, changed: bool) {
        self.take_update(update);
        if changed {
            self.revision.update(|r| *r += 1);
            self.request_save();
        }
    }

    /// Runs a command of the open workbook's live room (sent at once,
    /// loading the document first); `None` while an import runs or when no
    /// document can be opened.
    pub fn live(
        &self,
        cmd: engine::LiveCommand,
    ) -> impl Future<Output = Option<engine::LiveReply>> {
        let sent = (!self.is_importing() && self.ensure_loaded()).then(|| self.doc().live(&cmd));
        async move { sent?.await.ok() }
    }

    /// Opens and applies entry `seq` from the live room (sent at once)
    /// through the usual path (read model, save); `None` when no document
    /// is open.
    pub fn live_entry(
        &self,
        seq: u64,
        blob: &[u8],
    ) -> impl Future<Output = Option<engine::codec::LiveEntry>> {
        let sent = self.ensure_loaded().then(|| self.doc().entry(seq, blob));
        let state = *self;
        async move {
            let (more, entry) = sent?.await.ok()?;
            state.took_sliced(&entry.1, !entry.1.is_empty(), more).await;
            Some(entry)
        }
    }

    pub fn is_importing(&self) -> bool {
        self.importing.with_untracked(Option::is_some)
    }

    /// Undoes this tab's change `hash` (see `Workbook::undo`); the form of
    /// record `open`, if one is open and the change touched it, reads the
    /// record again.
    pub async fn undo(
        &self,
        hash: &sms_core::ChangeHash,
        open: Option<sms_core::RecordId>,
    ) -> Result<sms_core::UndoOutcome, WorkbookError> {
        let touched = match self.ask(Query::Entry { hash: *hash }).await {
            Some(Answer::Entry(e)) => e,
            _ => None,
        }
        .and_then(|e| e.meta.touches)
        .map(|t| t.records)
        .unwrap_or_default();
        let Done::Undo(outcome) = self.change(Edit::Undo { hash: *hash }).await? else {
            return Err(WorkbookError::Document("the undo said nothing".into()));
        };
        let open = open.is_some_and(|id| touched.iter().any(|t| t == id.as_str()));
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
