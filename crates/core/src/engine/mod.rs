//! The document engine: the open workbook and every operation on it, as
//! commands in and replies out, with no IO of its own.
//!
//! The app's screen never holds the document. It keeps the read model
//! ([`RecordIndex`]) and the [`Summary`], sends an [`Edit`] or a [`Query`]
//! to the engine and applies the [`Update`] that comes back: the records,
//! checklist items and name the command changed, read once from the
//! document. Bytes to store come out of [`Engine::take_save`]; bytes other
//! copies stored go in through [`Edit::Absorb`]. The same engine runs
//! wherever the document lives, and everything here is tested natively.
//!
//! A merge is two steps, as a person sees it: [`Query::Preview`] checks the
//! changes a file brings and keeps them in the engine; only
//! [`Edit::MergePreviewed`] applies them, so nothing a person has not seen
//! is merged, and no change object ever leaves the engine.

pub mod codec;
pub mod host;
mod live;

pub use live::{LiveCommand, LiveReply, LiveState};

use crate::attachments::{NewAttachment, On};
use crate::catalogue::Clause;
use crate::checklist::ItemState;
use crate::exchange::MergePreview;
use crate::history::{HistoryEntry, RecordChange, UndoOutcome};
use crate::transfer::ImportJob;
use crate::view::Summary;
use crate::workbook::{Delta, FieldVersion, Incoming, StoredRecord, Workbook};
use crate::{
    ActorBytes, AttachmentId, ChangeContext, ChangeHash, LoadError, Record, RecordId, RecordIndex,
    Value, WorkbookError, WorkbookId,
};
use chrono::NaiveDate;

/// What a change did to the read model: everything it touched, read again
/// from the document after it.
#[derive(Clone, Debug, Default)]
pub struct Update {
    /// Every record is listed: the read model starts again from these.
    pub everything: bool,
    /// The records map was not the one the engine read before (see
    /// [`Delta::out_of_step`]); the person is told.
    pub out_of_step: bool,
    /// The workbook's new name, if it changed.
    pub name: Option<String>,
    /// Checklist items that changed, with their new state.
    pub checklist: Vec<(&'static Clause, ItemState)>,
    /// Records that changed: their new state, or `None` when the document
    /// no longer holds them.
    pub records: Vec<(RecordId, Option<StoredRecord>)>,
    /// The document's heads after the change.
    pub heads: Vec<ChangeHash>,
}

impl Update {
    /// Reads what `delta` names from `wb`.
    pub fn read(wb: &mut Workbook, delta: &Delta) -> Self {
        let heads = wb.heads();
        if delta.everything {
            return Update {
                everything: true,
                out_of_step: delta.out_of_step,
                name: Some(wb.name()),
                checklist: wb.checklist(),
                records: wb
                    .record_ids()
                    .into_iter()
                    .map(|id| {
                        let r = wb.stored_record(&id);
                        (id, r)
                    })
                    .collect(),
                heads,
            };
        }
        Update {
            everything: false,
            out_of_step: delta.out_of_step,
            name: delta.workbook.then(|| wb.name()),
            checklist: delta
                .checklist
                .iter()
                .filter_map(|n| {
                    crate::catalogue::clause(n).map(|c| (c, wb.checklist_item(c.number)))
                })
                .collect(),
            records: delta
                .records
                .iter()
                .map(|id| (id.clone(), wb.stored_record(id)))
                .collect(),
            heads,
        }
    }

    pub fn is_empty(&self) -> bool {
        !self.everything
            && self.name.is_none()
            && self.checklist.is_empty()
            && self.records.is_empty()
    }

    /// Cut into updates of at most `n` records each (the first keeps the
    /// name and checklist, and says it lists everything if this one did;
    /// all carry the heads), so a large one can be taken a slice at a time:
    /// taking them in order gives what taking this one gives.
    pub fn split(mut self, n: usize) -> Vec<Update> {
        let n = n.max(1);
        if self.records.len() <= n {
            return vec![self];
        }
        let records = std::mem::take(&mut self.records);
        let heads = self.heads.clone();
        let mut first = Some(self);
        records
            .chunks(n)
            .map(|part| {
                let mut u = first.take().unwrap_or_else(|| Update {
                    heads: heads.clone(),
                    ..Update::default()
                });
                u.records = part.to_vec();
                u
            })
            .collect()
    }

    /// What it touched, as a [`Delta`] (for the stored view's next patch).
    pub fn delta(&self) -> Delta {
        Delta {
            everything: self.everything,
            records: self.records.iter().map(|(id, _)| id.clone()).collect(),
            checklist: self
                .checklist
                .iter()
                .map(|(c, _)| c.number.to_owned())
                .collect(),
            workbook: self.name.is_some(),
            out_of_step: self.out_of_step,
        }
    }

    /// A read model and summary of workbook `id` from an update that lists
    /// everything (as [`Engine::open`] gives).
    pub fn screen(&self, id: WorkbookId) -> (RecordIndex, Summary) {
        let mut index = RecordIndex::default();
        let mut summary = Summary::blank(id);
        self.apply_to(&mut index, &mut summary);
        (index, summary)
    }

    /// Brings a read model and summary up to date with it.
    pub fn apply_to(&self, index: &mut RecordIndex, summary: &mut Summary) {
        if let Some(n) = &self.name {
            summary.name.clone_from(n);
        }
        for (clause, state) in &self.checklist {
            if let Some((_, s)) = summary
                .checklist
                .iter_mut()
                .find(|(c, _)| c.number == clause.number)
            {
                *s = state.clone();
            }
        }
        let records = self.records.iter().map(|(id, r)| (id.clone(), r.clone()));
        if self.everything {
            index.replace_stored(records.filter_map(|(id, r)| Some((id, r?))));
        } else {
            index.apply_stored(records);
        }
    }
}

/// A change of the open workbook, made with a [`ChangeContext`].
#[derive(Clone, Debug)]
pub enum Edit {
    AddRecord {
        register: String,
        id: RecordId,
        record: Record,
    },
    /// A form's save, written against the heads the form was opened at.
    UpdateRecord {
        id: RecordId,
        record: Record,
        seen: Vec<ChangeHash>,
    },
    DeleteRecord {
        id: RecordId,
    },
    RestoreRecord {
        id: RecordId,
    },
    /// A checklist item page's save, against the heads it was opened at.
    SetChecklistItem {
        number: String,
        state: ItemState,
        seen: Vec<ChangeHash>,
    },
    /// "Keep this" on a conflicted field.
    ResolveField {
        id: RecordId,
        key: String,
        value: Option<Value>,
        seen: Vec<ChangeHash>,
    },
    ResolveChecklistField {
        number: String,
        field: String,
        value: String,
        seen: Vec<ChangeHash>,
    },
    Rename {
        name: String,
        seen: Vec<ChangeHash>,
    },
    Undo {
        hash: ChangeHash,
    },
    /// Merges what the last [`Query::Preview`] showed.
    MergePreviewed,
    /// Changes of this workbook read elsewhere (a shared room read whole
    /// when joining it), checked and merged at once.
    MergeChanges {
        changes: Vec<u8>,
    },
    /// Changes another tab of this browser stored already.
    Absorb {
        bytes: Vec<u8>,
    },
    /// Checks records to import into `register` and writes nothing yet;
    /// until the import finishes nothing else may change the workbook.
    BeginImport {
        register: String,
        records: Vec<(RecordId, Record)>,
        source: String,
    },
    /// Writes up to `n` more of the import's records into its open change
    /// (its update is empty: the records show once it is committed).
    ImportStep {
        n: usize,
    },
    /// Commits the import as one change.
    FinishImport,
    /// Attaches a file to a record or checklist item (its description; the
    /// bytes are stored by hash beside the document).
    Attach {
        on: On,
        attachment: NewAttachment,
    },
    RemoveAttachment {
        on: On,
        id: AttachmentId,
    },
    /// The date an attached file's evidence refers to, and its validity,
    /// from a form that showed `seen` (only what the person changed is
    /// written).
    DateAttachment {
        on: On,
        id: AttachmentId,
        effective: Option<NaiveDate>,
        valid_until: Option<NaiveDate>,
        seen: (Option<NaiveDate>, Option<NaiveDate>),
    },
}

/// What an edit returned besides its [`Update`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Done {
    Nothing,
    /// Whether anything was written (a form saved with no change writes
    /// nothing).
    Changed(bool),
    Undo(UndoOutcome),
    /// How many changes a merge brought in.
    Merged(usize),
    /// An import's progress: records written of the total.
    Import {
        written: usize,
        total: usize,
    },
    /// How many records an import added.
    Imported(usize),
}

/// A question about the open workbook; answers never change it (except
/// that a preview keeps the changes it checked, for the merge).
#[derive(Clone, Debug)]
pub enum Query {
    Heads,
    History,
    Entry {
        hash: ChangeHash,
    },
    /// This copy's latest change that can be undone.
    Undoable,
    RecordHistory {
        id: RecordId,
    },
    RecordAt {
        id: RecordId,
        hash: ChangeHash,
    },
    FieldVersions {
        id: RecordId,
        key: String,
    },
    ChecklistVersions {
        number: String,
        field: String,
    },
    /// The whole workbook as a file, and its name.
    File,
    ChangeHashes,
    /// Checks changes another copy of this workbook brings (change chunks,
    /// such as a file worker sends) and says what merging them would do.
    Preview {
        changes: Vec<u8>,
    },
    /// Forgets a preview the person did not merge.
    DropPreview,
}

#[derive(Debug)]
pub enum Answer {
    Heads(Vec<ChangeHash>),
    History(Vec<HistoryEntry>),
    Entry(Option<HistoryEntry>),
    RecordHistory(Vec<RecordChange>),
    RecordAt(Option<StoredRecord>),
    Versions(Vec<FieldVersion>),
    File { name: String, bytes: Vec<u8> },
    ChangeHashes(Vec<ChangeHash>),
    Preview(Result<MergePreview, WorkbookError>),
    Nothing,
}

/// Bytes for storage: new changes as one chunk, or the whole document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ToStore {
    Chunk(Vec<u8>),
    Snapshot(Vec<u8>),
}

/// The result of opening stored bytes.
#[derive(Debug)]
pub struct Opened {
    pub engine: Engine,
    /// The whole read model when the heads the screen shows are not the
    /// document's (or the screen shows nothing yet, or the document was
    /// upgraded); `None` when what is shown is exactly the document.
    pub update: Option<Update>,
    /// The document was upgraded to the current schema (one change, to be
    /// saved like any other).
    pub upgraded: bool,
}

/// The open workbook and the state of one merge preview.
#[derive(Debug)]
pub struct Engine {
    wb: Workbook,
    previewed: Option<Incoming>,
    /// An import writing into an open change.
    import: Option<ImportJob>,
    /// The room this workbook is shared live in, if any.
    live: Option<crate::sync::LiveSync>,
}

impl Engine {
    /// Loads stored chunks (in load order) and upgrades an older document.
    /// `shown`: the heads the screen shows (from a stored view), if any.
    pub fn open<'a>(
        chunks: impl IntoIterator<Item = &'a [u8]>,
        actor: ActorBytes,
        ctx: &ChangeContext,
        shown: Option<&[ChangeHash]>,
    ) -> Result<Opened, LoadError> {
        let wb = Workbook::load(chunks, actor)?;
        Ok(Self::opened(wb, ctx, shown))
    }

    /// A new, empty workbook.
    pub fn create(
        id: WorkbookId,
        name: &str,
        actor: ActorBytes,
        ctx: &ChangeContext,
    ) -> Result<Opened, WorkbookError> {
        let wb = Workbook::create(id, name, actor, ctx)?;
        Ok(Self::opened(wb, ctx, None))
    }

    /// Opens a workbook made or read elsewhere.
    pub fn from_workbook(wb: Workbook, ctx: &ChangeContext) -> Opened {
        Self::opened(wb, ctx, None)
    }

    fn opened(mut wb: Workbook, ctx: &ChangeContext, shown: Option<&[ChangeHash]>) -> Opened {
        let upgraded = wb.migrate(ctx).unwrap_or(false);
        wb.track_changes();
        let update = (upgraded || shown != Some(wb.heads().as_slice()))
            .then(|| Update::read(&mut wb, &Delta::everything()));
        Opened {
            engine: Engine {
                wb,
                previewed: None,
                import: None,
                live: None,
            },
            update,
            upgraded,
        }
    }

    /// What `delta` names, read from the document (an import reads its
    /// records a slice at a time).
    pub fn read(&mut self, delta: &Delta) -> Update {
        Update::read(&mut self.wb, delta)
    }

    /// Everything, read again (for a screen that starts from nothing).
    pub fn read_all(&mut self) -> Update {
        Update::read(&mut self.wb, &Delta::everything())
    }

    pub fn id(&self) -> &WorkbookId {
        self.wb.id()
    }

    /// Makes one change. The update says what it touched, even when the
    /// edit failed part-way (nothing is hidden from the screen).
    pub fn edit(
        &mut self,
        edit: Edit,
        ctx: &ChangeContext,
    ) -> (Result<Done, WorkbookError>, Update) {
        // An import's open change must be neither committed nor read
        // half-way (reading the heads would commit it): nothing but its own
        // steps reaches the workbook meanwhile.
        match (edit, self.import.is_some()) {
            (Edit::ImportStep { n }, true) => (self.import_step(n, ctx), Update::default()),
            (Edit::FinishImport, true) => match self.import.take() {
                Some(job) => self.edit_with(|wb| wb.finish_import(job, ctx).map(Done::Imported)),
                None => (
                    Err(WorkbookError::Document("no import is running".into())),
                    Update::default(),
                ),
            },
            (Edit::ImportStep { .. } | Edit::FinishImport, false) => (
                Err(WorkbookError::Document("no import is running".into())),
                Update::default(),
            ),
            (_, true) => (
                Err(WorkbookError::Document(
                    "an import is running; wait until it has finished".into(),
                )),
                Update::default(),
            ),
            (
                Edit::BeginImport {
                    register,
                    records,
                    source,
                },
                false,
            ) => {
                let r = self
                    .wb
                    .begin_import(&register, records, &source)
                    .map(|job| {
                        let total = job.total();
                        self.import = Some(job);
                        Done::Import { written: 0, total }
                    });
                (r, Update::default())
            }
            (edit, false) => self.edit_now(edit, ctx),
        }
    }

    fn import_step(&mut self, n: usize, ctx: &ChangeContext) -> Result<Done, WorkbookError> {
        let Some(job) = self.import.as_mut() else {
            return Err(WorkbookError::Document("no import is running".into()));
        };
        match self.wb.import_step(job, n, ctx) {
            Ok(()) => Ok(Done::Import {
                written: job.written(),
                total: job.total(),
            }),
            Err(e) => {
                // What it wrote is rolled back; the import is over.
                self.import = None;
                Err(e)
            }
        }
    }

    fn edit_now(
        &mut self,
        edit: Edit,
        ctx: &ChangeContext,
    ) -> (Result<Done, WorkbookError>, Update) {
        let wb = &mut self.wb;
        let out = match edit {
            Edit::AddRecord {
                register,
                id,
                record,
            } => wb
                .add_record(&register, &id, &record, ctx)
                .map(|()| Done::Changed(true)),
            Edit::UpdateRecord { id, record, seen } => wb
                .update_record_seen(&id, &record, &seen, ctx)
                .map(Done::Changed),
            Edit::DeleteRecord { id } => wb.delete_record(&id, ctx).map(|()| Done::Changed(true)),
            Edit::RestoreRecord { id } => wb.restore_record(&id, ctx).map(|()| Done::Changed(true)),
            Edit::SetChecklistItem {
                number,
                state,
                seen,
            } => wb
                .set_checklist_item_seen(&number, &state, &seen, ctx)
                .map(Done::Changed),
            Edit::ResolveField {
                id,
                key,
                value,
                seen,
            } => wb
                .resolve_field_seen(&id, &key, value.as_ref(), &seen, ctx)
                .map(|()| Done::Changed(true)),
            Edit::ResolveChecklistField {
                number,
                field,
                value,
                seen,
            } => wb
                .resolve_checklist_field(&number, &field, &value, &seen, ctx)
                .map(|()| Done::Changed(true)),
            Edit::Rename { name, seen } => wb.rename_seen(&name, &seen, ctx).map(Done::Changed),
            Edit::Undo { hash } => wb.undo(&hash, ctx).map(Done::Undo),
            Edit::MergePreviewed => match self.previewed.take() {
                Some(incoming) => {
                    let n = incoming.len();
                    wb.merge_incoming(incoming).map(|()| Done::Merged(n))
                }
                None => Err(WorkbookError::Document(
                    "there is nothing to merge; open the file again".into(),
                )),
            },
            Edit::MergeChanges { changes } => wb.incoming_bytes(&changes).and_then(|incoming| {
                let n = incoming.len();
                wb.merge_incoming(incoming).map(|()| Done::Merged(n))
            }),
            Edit::Absorb { bytes } => wb.absorb_stored(&bytes).map(|()| Done::Nothing),
            Edit::Attach { on, attachment } => wb
                .attach(&on, &attachment, ctx)
                .map(|()| Done::Changed(true)),
            Edit::RemoveAttachment { on, id } => {
                wb.remove_attachment(&on, &id, ctx).map(Done::Changed)
            }
            Edit::DateAttachment {
                on,
                id,
                effective,
                valid_until,
                seen,
            } => wb
                .date_attachment(&on, &id, (effective, valid_until), seen, ctx)
                .map(Done::Changed),
            Edit::BeginImport { .. } | Edit::ImportStep { .. } | Edit::FinishImport => {
                Err(WorkbookError::Document("an import cannot start now".into()))
            }
        };
        let delta = wb.take_delta();
        let update = Update::read(wb, &delta);
        (out, update)
    }

    pub fn query(&mut self, query: Query) -> Answer {
        if self.import.is_some() {
            // Reading would commit the import's open change half-way.
            return Answer::Nothing;
        }
        let wb = &mut self.wb;
        match query {
            Query::Heads => Answer::Heads(wb.heads()),
            Query::History => Answer::History(wb.history()),
            Query::Entry { hash } => Answer::Entry(wb.entry(&hash)),
            Query::Undoable => Answer::Entry(wb.undoable()),
            Query::RecordHistory { id } => Answer::RecordHistory(wb.record_history(&id)),
            Query::RecordAt { id, hash } => Answer::RecordAt(wb.record_at(&id, &hash)),
            Query::FieldVersions { id, key } => Answer::Versions(wb.field_versions(&id, &key)),
            Query::ChecklistVersions { number, field } => {
                Answer::Versions(wb.checklist_versions(&number, &field))
            }
            Query::File => Answer::File {
                name: wb.name(),
                bytes: wb.to_file(),
            },
            Query::ChangeHashes => Answer::ChangeHashes(wb.change_hashes()),
            Query::Preview { changes } => {
                self.previewed = None;
                Answer::Preview(wb.incoming_bytes(&changes).map(|incoming| {
                    let preview = wb.preview_incoming(&incoming);
                    self.previewed = Some(incoming);
                    preview
                }))
            }
            Query::DropPreview => {
                self.previewed = None;
                Answer::Nothing
            }
        }
    }

    /// The bytes to store next, or `None` when everything is stored: a
    /// snapshot when `snapshot` is asked for, otherwise the changes since
    /// the last call as one chunk. After a failed write ask for a snapshot,
    /// since a chunk's bytes are not produced twice.
    pub fn take_save(&mut self, snapshot: bool) -> Option<(ToStore, Vec<ChangeHash>)> {
        if self.import.is_some() {
            return None;
        }
        let out = if snapshot {
            ToStore::Snapshot(self.wb.save())
        } else {
            ToStore::Chunk(self.wb.take_unsaved()?)
        };
        Some((out, self.wb.heads()))
    }

    /// The workbook itself, for tests and benchmarks that compare what the
    /// engine says with the document (the app uses commands only).
    pub fn workbook(&mut self) -> &mut Workbook {
        &mut self.wb
    }

    /// Runs `f` on the workbook as one edit and reads what it touched.
    pub fn edit_with<T>(
        &mut self,
        f: impl FnOnce(&mut Workbook) -> Result<T, WorkbookError>,
    ) -> (Result<T, WorkbookError>, Update) {
        let out = f(&mut self.wb);
        let delta = self.wb.take_delta();
        (out, Update::read(&mut self.wb, &delta))
    }
}
