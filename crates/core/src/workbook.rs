//! The workbook: an Automerge document with the schema of [`crate::schema`]
//! and typed operations on it. Every operation that changes the document
//! commits exactly one change carrying a [`ChangeContext`].

use std::collections::BTreeSet;

use automerge::{
    transaction::{CommitOptions, Transactable},
    ActorId, AutoCommit, ChangeHash, ObjId, ObjType, PatchAction, Prop, ReadDoc, ScalarValue,
    Value, ROOT,
};
use chrono::{DateTime, TimeZone, Utc};

use crate::catalogue::{self, Clause};
use crate::change::{ChangeContext, ChangeMeta, Touches};
use crate::checklist::{self, ItemState, ItemStatus};
use crate::error::{LoadError, WorkbookError};
use crate::exchange::{self, MergePreview};
use crate::ids::{ActorBytes, RecordId, WorkbookId};
use crate::registers::{self, FieldDef, FieldError, Kind, Record, RegisterDef, Value as RValue};
use crate::schema::*;

/// An open workbook.
pub struct Workbook {
    pub(crate) doc: AutoCommit,
    pub(crate) records: ObjId,
    id: WorkbookId,
    /// Heads already handed out as saved bytes; see [`Workbook::take_unsaved`].
    saved_heads: Vec<ChangeHash>,
    /// Whether [`Workbook::take_delta`] can say exactly what changed.
    tracking: bool,
    /// What changed since the last `take_delta`, while tracking: noted by
    /// each operation of this copy, and read from Automerge's patches for
    /// changes that come from elsewhere (merges).
    touched: Delta,
    /// What the open transaction touched, written into its change message.
    pending: Touches,
    /// Changes this copy committed since it was opened, oldest first, with
    /// whether each can be undone; and those it has undone.
    pub(crate) own: Vec<(ChangeHash, bool)>,
    pub(crate) undone: BTreeSet<ChangeHash>,
}

/// What changed in a workbook since the last [`Workbook::take_delta`]: the
/// records touched (added, edited, deleted or restored, by this copy or by a
/// merge), and whether the checklist or the workbook's own fields changed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Delta {
    /// Nothing is known: read everything again.
    pub everything: bool,
    pub records: BTreeSet<RecordId>,
    /// Checklist items touched, by clause number.
    pub checklist: BTreeSet<String>,
    /// Name, schema version or other root fields.
    pub workbook: bool,
    /// The records map the workbook reads was no longer the document's:
    /// everything was read again (it cannot happen through the checks of
    /// [`crate::guard`]; the app says so if it ever does).
    pub out_of_step: bool,
}

impl Delta {
    pub fn everything() -> Self {
        Delta {
            everything: true,
            ..Delta::default()
        }
    }

    pub fn is_empty(&self) -> bool {
        !self.everything && self.records.is_empty() && self.checklist.is_empty() && !self.workbook
    }

    /// Adds what `other` names to what this delta names.
    pub fn extend(&mut self, other: &Delta) {
        self.everything |= other.everything;
        self.records.extend(other.records.iter().cloned());
        self.checklist.extend(other.checklist.iter().cloned());
        self.workbook |= other.workbook;
        self.out_of_step |= other.out_of_step;
    }
}

/// One record as stored, with its register and metadata.
#[derive(Clone, Debug)]
pub struct StoredRecord {
    pub def: &'static RegisterDef,
    pub deleted: bool,
    pub record: Record,
    pub info: RecordInfo,
    /// Fields that people changed concurrently: Automerge keeps every value
    /// and shows one until someone chooses (see [`Workbook::field_versions`]).
    pub conflicts: Vec<&'static str>,
    /// Files attached to it (not removed), in id order.
    pub attachments: Vec<crate::attachments::Attachment>,
}

/// One of the values of a conflicted field, with who wrote it and when.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldVersion {
    /// `None`: a value this version of the app cannot read.
    pub value: Option<RValue>,
    pub author: String,
    pub at: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for Workbook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workbook").field("id", &self.id).finish()
    }
}

/// Changes another copy of a workbook brings, taken out of that copy and
/// checked by [`crate::guard`] ([`Workbook::incoming`], its only maker).
#[derive(Clone, Debug)]
pub struct Incoming {
    workbook: WorkbookId,
    changes: Vec<automerge::Change>,
}

impl Incoming {
    /// How many changes it brings.
    pub fn len(&self) -> usize {
        self.changes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

/// Metadata of a record, for lists and history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordInfo {
    pub created_at: Option<DateTime<Utc>>,
    pub created_by: String,
}

impl Workbook {
    /// Creates a new workbook: the one time its skeleton is written.
    pub fn create(
        id: WorkbookId,
        name: &str,
        actor: ActorBytes,
        ctx: &ChangeContext,
    ) -> Result<Self, WorkbookError> {
        let name = clean_name(name)?;
        let mut doc = AutoCommit::new().with_actor(ActorId::from(actor.0));
        doc.put(ROOT, KEY_FORMAT, FORMAT)?;
        doc.put(ROOT, KEY_SCHEMA_VERSION, SCHEMA_VERSION)?;
        doc.put(ROOT, KEY_WORKBOOK_ID, id.as_str())?;
        doc.put(ROOT, KEY_NAME, name.as_str())?;
        doc.put(
            ROOT,
            KEY_CREATED_AT,
            ScalarValue::Timestamp(ctx.at.timestamp_millis()),
        )?;
        let records = doc.put_object(ROOT, KEY_RECORDS, ObjType::Map)?;
        commit(
            &mut doc,
            ctx,
            &format!("Created workbook “{name}”"),
            Touches::default(),
            None,
        );
        Ok(Workbook {
            doc,
            records,
            id,
            saved_heads: Vec::new(),
            tracking: false,
            touched: Delta::default(),
            pending: Touches::default(),
            own: Vec::new(),
            undone: BTreeSet::new(),
        })
    }

    /// Opens a workbook from stored chunks (a snapshot and/or incremental
    /// chunks, in any order, or one concatenation of them). The loaded state
    /// counts as saved. `actor` is this copy's own actor.
    pub fn load<'a>(
        chunks: impl IntoIterator<Item = &'a [u8]>,
        actor: ActorBytes,
    ) -> Result<Self, LoadError> {
        let mut doc = AutoCommit::new();
        let mut any = false;
        for chunk in chunks {
            any = true;
            doc.load_incremental(chunk)
                .map_err(|e| LoadError::Corrupt(e.to_string()))?;
        }
        if !any {
            return Err(LoadError::Corrupt("no data".into()));
        }
        doc.set_actor(ActorId::from(actor.0));
        let mut wb = Self::from_doc(doc)?;
        wb.saved_heads = wb.doc.get_heads();
        Ok(wb)
    }

    fn from_doc(doc: AutoCommit) -> Result<Self, LoadError> {
        if get_str(&doc, &ROOT, KEY_FORMAT).as_deref() != Some(FORMAT) {
            return Err(LoadError::NotAWorkbook);
        }
        let version = match doc.get(ROOT, KEY_SCHEMA_VERSION) {
            Ok(Some((Value::Scalar(s), _))) => s.as_u64().ok_or(LoadError::NotAWorkbook)?,
            _ => return Err(LoadError::NotAWorkbook),
        };
        if version > SCHEMA_VERSION {
            return Err(LoadError::NewerVersion {
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        let id = get_str(&doc, &ROOT, KEY_WORKBOOK_ID)
            .and_then(|s| WorkbookId::parse(&s))
            .ok_or(LoadError::NotAWorkbook)?;
        let records = match doc.get(ROOT, KEY_RECORDS) {
            Ok(Some((Value::Object(ObjType::Map), id))) => id,
            _ => return Err(LoadError::NotAWorkbook),
        };
        Ok(Workbook {
            doc,
            records,
            id,
            saved_heads: Vec::new(),
            tracking: false,
            touched: Delta::default(),
            pending: Touches::default(),
            own: Vec::new(),
            undone: BTreeSet::new(),
        })
    }

    /// The format version the document was written in.
    pub fn schema_version(&self) -> u64 {
        match self.doc.get(ROOT, KEY_SCHEMA_VERSION) {
            Ok(Some((Value::Scalar(s), _))) => s.as_u64().unwrap_or(0),
            _ => 0,
        }
    }

    /// Brings a document written by an older version up to
    /// [`SCHEMA_VERSION`] in one commit. Returns whether anything changed.
    /// Every step writes the same values whoever runs it, so two copies
    /// upgraded concurrently merge cleanly.
    pub fn migrate(&mut self, ctx: &ChangeContext) -> Result<bool, WorkbookError> {
        let from = self.schema_version();
        if from >= SCHEMA_VERSION {
            return Ok(false);
        }
        if from < 2 {
            // Version 1 knew only risks, all of them risks (not opportunities).
            let keys: Vec<String> = self.doc.keys(&self.records).collect();
            for k in keys {
                if let Some((obj, def, _)) = self.record_obj(&k) {
                    if def.id == REGISTER_RISKS && self.doc.get(&obj, "kind")?.is_none() {
                        self.doc.put(&obj, "kind", "risk")?;
                    }
                }
            }
        }
        self.doc.put(ROOT, KEY_SCHEMA_VERSION, SCHEMA_VERSION)?;
        if self.tracking {
            self.touched.everything = true;
        }
        self.commit(
            ctx,
            &format!("Upgraded the workbook format from version {from} to {SCHEMA_VERSION}"),
        );
        Ok(true)
    }

    /// Reads a workbook file (a saved document) strictly: damaged or
    /// truncated data, a document that is not a workbook and one from a
    /// newer format version are each refused with their own error.
    pub fn read_file(bytes: &[u8], actor: ActorBytes) -> Result<Self, LoadError> {
        if bytes.is_empty() {
            return Err(LoadError::Corrupt("the file is empty".into()));
        }
        let mut doc = match crate::guard::read_chunked_file(bytes).map_err(LoadError::Corrupt)? {
            Some(doc) => doc,
            None => {
                let options = automerge::LoadOptions::new()
                    .on_partial_load(automerge::OnPartialLoad::Error)
                    .verification_mode(automerge::VerificationMode::Check);
                AutoCommit::load_with_options(bytes, options)
                    .map_err(|e| LoadError::Corrupt(e.to_string()))?
            }
        };
        if doc.get_heads().is_empty() {
            return Err(LoadError::Corrupt("the file holds no changes".into()));
        }
        let mut doc = doc.with_actor(ActorId::from(actor.0));
        // A workbook whose identity its own history never rewrote, checked
        // before its fields are read: a rewritten id may no longer read as
        // an id at all, and the refusal should name who rewrote it.
        if get_str(&doc, &ROOT, KEY_FORMAT).as_deref() != Some(FORMAT) {
            return Err(LoadError::NotAWorkbook);
        }
        crate::guard::check_document(&mut doc).map_err(LoadError::Refused)?;
        Self::from_doc(doc)
    }

    /// What merging `other` (a copy of this workbook, e.g. read from a file)
    /// would change, without changing anything.
    pub fn preview_merge(&mut self, other: &mut Workbook) -> Result<MergePreview, WorkbookError> {
        let incoming = self.incoming(other)?;
        Ok(self.preview_incoming(&incoming))
    }

    /// The changes `other` (a copy of this workbook) holds that this one
    /// lacks, taken out of it so that `other` can be dropped before they
    /// are previewed and merged: a large workbook then never needs a third
    /// copy in memory.
    pub fn incoming(&mut self, other: &mut Workbook) -> Result<Incoming, WorkbookError> {
        if other.id != self.id {
            return Err(WorkbookError::Document(
                "the other copy is a different workbook".into(),
            ));
        }
        let changes = self.doc.get_changes_added(&mut other.doc);
        self.check(&changes)?;
        Ok(Incoming {
            workbook: self.id.clone(),
            changes,
        })
    }

    /// Merges changes taken by [`Self::incoming`]; like [`Self::merge`].
    pub fn merge_incoming(&mut self, incoming: Incoming) -> Result<(), WorkbookError> {
        if incoming.workbook != self.id {
            return Err(WorkbookError::Document(
                "the other copy is a different workbook".into(),
            ));
        }
        self.apply_checked(incoming.changes)
    }

    /// What merging `incoming` would change, without changing anything and
    /// without a copy of the workbook: read from the changes' operations
    /// (see the `preview` module).
    pub fn preview_incoming(&self, incoming: &Incoming) -> MergePreview {
        self.preview_changes(&incoming.changes)
    }

    /// The same preview made the slow way, by merging into a throwaway copy
    /// of the whole workbook and comparing: what the tests hold
    /// [`Self::preview_incoming`] to.
    #[doc(hidden)]
    pub fn preview_incoming_by_copy(&mut self, incoming: &Incoming) -> MergePreview {
        let mut preview = MergePreview::default();
        let incoming_changes = &incoming.changes;
        preview.changes = incoming_changes.len();
        let authors = crate::preview::authors_of(incoming_changes);
        if incoming_changes.is_empty() {
            return preview;
        }
        // Apply to a throwaway copy and compare it with this one. (Changes
        // that Automerge refuses are refused again, in words, by the merge.)
        let mut merged = self.fork(ActorBytes([0; 16]));
        merged.track_changes();
        // As a merge notes them: what the changes say they touch, and what
        // Automerge's patches show.
        merged.note_touches(incoming_changes);
        let _ = merged.absorbing(|doc| doc.apply_changes(incoming_changes.iter().cloned()));
        let delta = merged.take_delta();
        let ids: Vec<RecordId> = if delta.everything {
            merged.record_ids()
        } else {
            delta.records.iter().cloned().collect()
        };
        // Compared on the merged result, read through its records map as it
        // is after the merge, never a remembered one.
        if delta.everything {
            // Both in id order.
            let after = merged.record_ids();
            preview.removed = self
                .record_ids()
                .iter()
                .filter(|id| after.binary_search(id).is_err())
                .count();
        }
        for id in ids {
            let before = self.stored_record(&id);
            let Some(after) = merged.stored_record(&id) else {
                if before.is_some() {
                    preview.removed += 1;
                }
                continue;
            };
            if before.as_ref().is_some_and(|b| b.def.id != after.def.id) {
                preview.moved += 1;
            }
            let kind = match &before {
                None if after.deleted => continue,
                None => exchange::Kind::Added,
                Some(b) if !b.deleted && after.deleted => exchange::Kind::Deleted,
                Some(b) if b.deleted && !after.deleted => exchange::Kind::Restored,
                Some(b)
                    if b.record == after.record
                        && b.deleted == after.deleted
                        && !long_text_edited(self, &merged, &id, after.def) =>
                {
                    continue
                }
                Some(b) if b.deleted => continue,
                Some(_) => exchange::Kind::Changed,
            };
            preview.count(after.def, kind);
            preview.records.insert(id);
        }
        preview.checklist_items = if delta.everything {
            0
        } else {
            delta
                .checklist
                .iter()
                .filter(|n| merged.checklist_item(n) != self.checklist_item(n))
                .count()
        };
        let new_name = merged.name();
        if new_name != self.name() {
            preview.renamed_to = Some(new_name);
        }
        if delta.workbook || delta.everything {
            preview.other_fields = root_fields_changed(&self.doc, &merged.doc);
        }
        preview.finish(authors);
        preview
    }

    /// A copy of this workbook with another actor, as a second person's
    /// laptop would hold after receiving the file.
    pub fn fork(&mut self, actor: ActorBytes) -> Workbook {
        let doc = self.doc.fork().with_actor(ActorId::from(actor.0));
        Workbook {
            doc,
            records: self.records.clone(),
            id: self.id.clone(),
            saved_heads: Vec::new(),
            tracking: false,
            touched: Delta::default(),
            pending: Touches::default(),
            own: Vec::new(),
            undone: BTreeSet::new(),
        }
    }

    pub fn id(&self) -> &WorkbookId {
        &self.id
    }

    /// Makes this copy a workbook of its own, apart from the one it was
    /// read from: a new id and the name “… (separate copy)”, in one change.
    /// Its history stays (it shows who wrote what), but it never merges
    /// with the original again: merges are refused across ids, and
    /// incoming changes may not touch the id ([`crate::guard`]).
    pub fn keep_apart(&mut self, id: WorkbookId, ctx: &ChangeContext) -> Result<(), WorkbookError> {
        const TAIL: &str = " (separate copy)";
        let base: String = self
            .name()
            .trim()
            .chars()
            .take(NAME_MAX - TAIL.chars().count())
            .collect();
        let name = clean_name(&format!("{}{TAIL}", base.trim_end()))?;
        self.note_workbook();
        self.doc.put(ROOT, KEY_WORKBOOK_ID, id.as_str())?;
        self.doc.put(ROOT, KEY_NAME, name.as_str())?;
        self.commit(ctx, &format!("Kept apart as “{name}”"));
        self.id = id;
        Ok(())
    }

    pub fn name(&self) -> String {
        get_str(&self.doc, &ROOT, KEY_NAME).unwrap_or_default()
    }

    /// From now on, note what each change touches so that
    /// [`Self::take_delta`] can answer in proportion to the change rather
    /// than the workbook.
    pub fn track_changes(&mut self) {
        self.tracking = true;
        self.touched = Delta::default();
    }

    /// What changed since the last call (or since [`Self::track_changes`]).
    /// Without tracking the answer is [`Delta::everything`].
    pub fn take_delta(&mut self) -> Delta {
        if !self.tracking {
            return Delta::everything();
        }
        std::mem::take(&mut self.touched)
    }

    pub(crate) fn note_record(&mut self, id: &RecordId) {
        if self.tracking {
            self.touched.records.insert(id.clone());
        }
        if !self.pending.records.iter().any(|r| r == id.as_str()) {
            self.pending.records.push(id.to_string());
        }
    }

    pub(crate) fn note_workbook(&mut self) {
        if self.tracking {
            self.touched.workbook = true;
        }
        self.pending.workbook = true;
    }

    pub(crate) fn note_checklist(&mut self, number: &str) {
        if self.tracking {
            self.touched.checklist.insert(number.to_owned());
        }
        if !self.pending.checklist.iter().any(|n| n == number) {
            self.pending.checklist.push(number.to_owned());
        }
    }

    /// Commits the open transaction as one change, with what it touched.
    pub(crate) fn commit(&mut self, ctx: &ChangeContext, summary: &str) {
        self.commit_undo(ctx, summary, None);
    }

    pub(crate) fn commit_undo(
        &mut self,
        ctx: &ChangeContext,
        summary: &str,
        undoes: Option<String>,
    ) {
        let touches = std::mem::take(&mut self.pending);
        let undoable = undoes.is_none() && !touches.is_empty();
        let undid = undoes.as_deref().and_then(|h| h.parse::<ChangeHash>().ok());
        if let Some(hash) = commit(&mut self.doc, ctx, summary, touches, undoes) {
            self.own.push((hash, undoable));
            self.undone.extend(undid);
        }
    }

    /// Runs `f`, which brings in changes made elsewhere, and notes what they
    /// touched from Automerge's patches (recorded only for the duration of
    /// `f`, so local edits cost nothing extra).
    fn absorbing<T>(
        &mut self,
        f: impl FnOnce(&mut AutoCommit) -> Result<T, automerge::AutomergeError>,
    ) -> Result<T, automerge::AutomergeError> {
        if !self.tracking {
            let out = f(&mut self.doc);
            self.keep_records_in_step();
            return out;
        }
        self.doc.update_diff_cursor();
        let out = f(&mut self.doc);
        let patches = self.doc.diff_incremental();
        self.doc.reset_diff_cursor();
        for p in patches {
            self.note_patch(&p);
        }
        self.keep_records_in_step();
        out
    }

    /// Notes what changes from elsewhere say they touch, before they are
    /// applied. Automerge's patches miss one case: a value that loses
    /// behind two equal ones makes a conflict but no patch, so the record
    /// must be read again because the change names it. A change that names
    /// nothing (from another program) makes everything be read again.
    fn note_touches(&mut self, changes: &[automerge::Change]) {
        if !self.tracking {
            return;
        }
        for c in changes {
            match ChangeMeta::decode(c.message(), c.timestamp()).touches {
                Some(t) => {
                    self.touched
                        .records
                        .extend(t.records.iter().filter_map(|r| RecordId::parse(r)));
                    self.touched.checklist.extend(t.checklist.iter().cloned());
                    self.touched.workbook |= t.workbook;
                }
                None => self.touched.everything = true,
            }
        }
    }

    /// Reads records through the document's current records map, never a
    /// stale one: if it changed, everything is read again.
    fn keep_records_in_step(&mut self) {
        let now = match self.doc.get(ROOT, KEY_RECORDS) {
            Ok(Some((Value::Object(ObjType::Map), id))) => Some(id),
            _ => None,
        };
        if now.as_ref() != Some(&self.records) {
            if let Some(id) = now {
                self.records = id;
            }
            if self.tracking {
                self.touched.everything = true;
                self.touched.out_of_step = true;
            }
        }
    }

    fn note_patch(&mut self, p: &automerge::Patch) {
        let delta = &mut self.touched;
        let in_records = matches!(p.path.first(), Some((_, Prop::Map(k))) if k == KEY_RECORDS);
        if in_records {
            // Inside a record (its fields, text or link sets): the record is
            // the second step of the path. On the records map itself: the
            // key that was put or deleted.
            let key = match (p.path.get(1), &p.action) {
                (Some((_, Prop::Map(k))), _) => Some(k.as_str()),
                (None, PatchAction::PutMap { key, .. } | PatchAction::DeleteMap { key }) => {
                    Some(key.as_str())
                }
                (None, PatchAction::Conflict { prop: Prop::Map(k) }) => Some(k.as_str()),
                _ => None,
            };
            match key.and_then(RecordId::parse) {
                Some(id) => {
                    delta.records.insert(id);
                }
                None => delta.everything = true,
            }
            return;
        }
        if p.path.is_empty() {
            let key = match &p.action {
                PatchAction::PutMap { key, .. } | PatchAction::DeleteMap { key } => {
                    Some(key.as_str())
                }
                PatchAction::Conflict { prop: Prop::Map(k) } => Some(k.as_str()),
                _ => None,
            };
            match key {
                Some(KEY_RECORDS) => delta.everything = true,
                Some(k) => match checklist::clause_of_key(k) {
                    Some(number) => {
                        delta.checklist.insert(number.to_owned());
                    }
                    None => delta.workbook = true,
                },
                None => delta.workbook = true,
            }
            return;
        }
        delta.workbook = true;
    }

    /// Current heads of the document.
    pub fn heads(&mut self) -> Vec<ChangeHash> {
        self.doc.get_heads()
    }

    /// Bytes of every change not yet handed out by this method or by
    /// [`Self::save`], or `None` when everything is saved. After a failed
    /// write the caller must call [`Self::save`] instead, since these bytes
    /// are not produced again.
    pub fn take_unsaved(&mut self) -> Option<Vec<u8>> {
        let heads = self.doc.get_heads();
        if heads == self.saved_heads {
            return None;
        }
        let bytes = self.doc.save_after(&self.saved_heads);
        self.saved_heads = heads;
        (!bytes.is_empty()).then_some(bytes)
    }

    /// The whole document as a workbook file, for another person. Unlike
    /// [`Self::save`] it leaves what counts as saved alone, so changes not
    /// yet written to storage are still written.
    pub fn to_file(&mut self) -> Vec<u8> {
        self.doc.save()
    }

    /// The whole document in compact form (a snapshot); everything counts as
    /// saved afterwards.
    pub fn save(&mut self) -> Vec<u8> {
        let bytes = self.doc.save();
        self.saved_heads = self.doc.get_heads();
        bytes
    }

    /// Applies changes that another copy has already stored (bytes of
    /// `save`/`take_unsaved` from another tab). When this copy had nothing
    /// unsaved, the result counts as saved too, so the changes are not
    /// written a second time. Automerge applies only complete changes, so
    /// damaged or cut-off bytes add nothing of their own.
    pub fn absorb_stored(&mut self, bytes: &[u8]) -> Result<(), WorkbookError> {
        let was_saved = self.doc.get_heads() == self.saved_heads;
        let changes = self.checked_changes(bytes)?;
        self.apply_checked(changes)?;
        if was_saved {
            self.saved_heads = self.doc.get_heads();
        }
        Ok(())
    }

    /// Every change that is not an ancestor of `heads` (all of them for
    /// none), as bytes [`Self::apply_remote`] accepts.
    pub fn changes_after(&mut self, heads: &[ChangeHash]) -> Vec<u8> {
        self.doc.save_after(heads)
    }

    /// The changes [`Self::changes_after`] would give, in batches of at
    /// most about `max_bytes` (one change larger than that is a batch of its
    /// own), oldest first, each with its heads: the changes in it that no
    /// other change in it depends on.
    pub fn change_batches(
        &mut self,
        heads: &[ChangeHash],
        max_bytes: usize,
    ) -> Vec<(Vec<u8>, Vec<ChangeHash>)> {
        let mut out = Vec::new();
        let mut bytes: Vec<u8> = Vec::new();
        let mut hashes: Vec<ChangeHash> = Vec::new();
        let mut deps: BTreeSet<ChangeHash> = BTreeSet::new();
        let finish = |bytes: &mut Vec<u8>,
                      hashes: &mut Vec<ChangeHash>,
                      deps: &mut BTreeSet<ChangeHash>,
                      out: &mut Vec<(Vec<u8>, Vec<ChangeHash>)>| {
            if !bytes.is_empty() {
                let heads = hashes
                    .iter()
                    .filter(|h| !deps.contains(h))
                    .copied()
                    .collect();
                out.push((std::mem::take(bytes), heads));
                hashes.clear();
                deps.clear();
            }
        };
        for change in self.doc.get_changes(heads) {
            let raw = change.raw_bytes();
            if !bytes.is_empty() && bytes.len() + raw.len() > max_bytes {
                finish(&mut bytes, &mut hashes, &mut deps, &mut out);
            }
            bytes.extend_from_slice(raw);
            hashes.push(change.hash());
            deps.extend(change.deps().iter().copied());
        }
        finish(&mut bytes, &mut hashes, &mut deps, &mut out);
        out
    }

    /// Whether every change of this copy is an ancestor of one of `heads`
    /// (hashes this copy does not know count as nothing).
    pub fn covered_by(&mut self, heads: &[ChangeHash]) -> bool {
        self.doc.get_heads().iter().all(|h| heads.contains(h))
            || self.doc.save_after(heads).is_empty()
    }

    /// Applies changes from another copy of this workbook (a live-sync
    /// blob); unlike [`Self::absorb_stored`] they still have to be saved.
    /// Changes whose dependencies have not arrived yet wait inside
    /// Automerge until they do.
    pub fn apply_remote(&mut self, bytes: &[u8]) -> Result<(), WorkbookError> {
        let changes = self.checked_changes(bytes)?;
        self.apply_checked(changes)
    }

    /// The changes in `bytes` (change chunks from another copy of this
    /// workbook, such as [`Self::changes_not_in`] gives) that this copy
    /// lacks, checked, to preview and merge like a file's.
    pub fn incoming_bytes(&mut self, bytes: &[u8]) -> Result<Incoming, WorkbookError> {
        let changes = self.checked_changes(bytes)?;
        Ok(Incoming {
            workbook: self.id.clone(),
            changes,
        })
    }

    /// The hashes of every change this copy holds: what another copy needs
    /// to send it exactly the changes it lacks ([`Self::changes_not_in`]).
    pub fn change_hashes(&mut self) -> Vec<ChangeHash> {
        self.doc
            .get_changes_meta(&[])
            .into_iter()
            .map(|m| m.hash)
            .collect()
    }

    /// The changes of this copy whose hashes are not in `have`, as change
    /// chunks, each after those it builds on. Only those changes and the
    /// ones they build on directly are read: the walk goes back from this
    /// copy's heads and stops at changes `have` holds.
    pub fn changes_not_in(&mut self, have: &std::collections::HashSet<ChangeHash>) -> Vec<u8> {
        let mut order = Vec::new();
        let mut seen = std::collections::HashSet::new();
        // (change, whether what it builds on is done): depth first, each
        // change written after the changes it builds on.
        let mut stack: Vec<(ChangeHash, bool)> = self
            .doc
            .get_heads()
            .into_iter()
            .map(|h| (h, false))
            .collect();
        while let Some((h, done)) = stack.pop() {
            if done {
                order.push(h);
                continue;
            }
            if have.contains(&h) || !seen.insert(h) {
                continue;
            }
            stack.push((h, true));
            if let Some(meta) = self.doc.get_change_meta_by_hash(&h) {
                for d in &meta.deps {
                    if !have.contains(d) && !seen.contains(d) {
                        stack.push((*d, false));
                    }
                }
            }
        }
        let mut out = Vec::new();
        for h in order {
            if let Some(c) = self.doc.get_change_by_hash(&h) {
                out.extend_from_slice(c.raw_bytes());
            }
        }
        out
    }

    /// The changes in `bytes` this copy lacks, once they have passed the
    /// checks of [`crate::guard`]; nothing is applied here.
    fn checked_changes(&mut self, bytes: &[u8]) -> Result<Vec<automerge::Change>, WorkbookError> {
        let mut changes = crate::guard::changes_in(bytes)
            .map_err(|e| WorkbookError::Document(format!("the data is damaged ({e})")))?;
        changes.retain(|c| self.doc.get_change_by_hash(&c.hash()).is_none());
        self.check(&changes)?;
        Ok(changes)
    }

    /// Checks changes from elsewhere against [`crate::guard`]'s rules.
    fn check(&mut self, changes: &[automerge::Change]) -> Result<(), WorkbookError> {
        crate::guard::check(&mut self.doc, &self.records, changes).map_err(WorkbookError::Refused)
    }

    /// Applies changes from elsewhere that [`Self::check`] passed, noting
    /// what they touch: the one way such changes get into the document.
    fn apply_checked(&mut self, changes: Vec<automerge::Change>) -> Result<(), WorkbookError> {
        self.note_touches(&changes);
        self.absorbing(|doc| apply_in_batches(doc, changes))?;
        Ok(())
    }

    /// Merges every change of `other` (a copy of the same workbook) into this
    /// one. Merging the same changes again changes nothing.
    pub fn merge(&mut self, other: &mut Workbook) -> Result<(), WorkbookError> {
        if other.id != self.id {
            return Err(WorkbookError::Document(
                "the other copy is a different workbook".into(),
            ));
        }
        let changes = self.doc.get_changes_added(&mut other.doc);
        self.check(&changes)?;
        self.apply_checked(changes)
    }

    // ---- compliance checklist --------------------------------------------

    /// The state of checklist item `number` (a default state if untouched).
    pub fn checklist_item(&self, number: &str) -> ItemState {
        checklist_item_in(At::now(&self.doc), number)
    }

    /// Every checklist item with its state, in catalogue order.
    pub fn checklist(&self) -> Vec<(&'static Clause, ItemState)> {
        catalogue::checklist_items()
            .map(|c| (c, self.checklist_item(c.number)))
            .collect()
    }

    /// Checklist items whose evidence includes `id`.
    pub fn evidenced_items(&self, id: &RecordId) -> Vec<&'static Clause> {
        catalogue::checklist_items()
            .filter(|c| {
                self.doc
                    .get(
                        ROOT,
                        format!("{}{id}", checklist::evidence_prefix(c.number)).as_str(),
                    )
                    .ok()
                    .flatten()
                    .is_some()
            })
            .collect()
    }

    // ---- records -----------------------------------------------------------

    /// The record map of `id` with its register, whether deleted or not.
    pub(crate) fn record_obj(&self, id: &str) -> Option<(ObjId, &'static RegisterDef, bool)> {
        match self.doc.get(&self.records, id) {
            Ok(Some((Value::Object(ObjType::Map), obj))) => {
                let def = registers::register(&get_str(&self.doc, &obj, REC_REGISTER)?)?;
                let deleted = matches!(
                    self.doc.get(&obj, REC_DELETED),
                    Ok(Some((Value::Scalar(s), _))) if s.as_bool() == Some(true)
                );
                Some((obj, def, deleted))
            }
            _ => None,
        }
    }

    fn records_where(&self, register: &str, deleted: bool) -> Vec<(RecordId, Record)> {
        self.doc
            .keys(&self.records)
            .filter_map(|k| {
                let id = RecordId::parse(&k)?;
                let (obj, def, is_deleted) = self.record_obj(&k)?;
                (def.id == register && is_deleted == deleted)
                    .then(|| (id, read_record(&self.doc, &obj, def)))
            })
            .collect()
    }

    /// Every live record of a register, in id order (see
    /// [`registers::Query`] for the order a list shows).
    pub fn records(&self, register: &str) -> Vec<(RecordId, Record)> {
        self.records_where(register, false)
    }

    /// Deleted records of a register, which can be restored.
    pub fn deleted_records(&self, register: &str) -> Vec<(RecordId, Record)> {
        self.records_where(register, true)
    }

    /// Ids of every record (live or deleted), in id order.
    pub fn record_ids(&self) -> Vec<RecordId> {
        self.doc
            .keys(&self.records)
            .filter_map(|k| RecordId::parse(&k))
            .collect()
    }

    /// A record as stored (live or deleted), with its metadata; `None` if
    /// there is no such record or it names no known register.
    pub fn stored_record(&self, id: &RecordId) -> Option<StoredRecord> {
        let (obj, def, deleted) = self.record_obj(id.as_str())?;
        let (record, info, conflicts, attachments) = read_stored(At::now(&self.doc), &obj, def);
        Some(StoredRecord {
            def,
            deleted,
            record,
            info,
            conflicts,
            attachments,
        })
    }

    /// A live record and its register.
    pub fn record(&self, id: &RecordId) -> Option<(&'static RegisterDef, Record)> {
        let (obj, def, deleted) = self.record_obj(id.as_str())?;
        (!deleted).then(|| (def, read_record(&self.doc, &obj, def)))
    }

    /// The title of a record (deleted or not), for showing links.
    pub fn title_of(&self, id: &RecordId) -> Option<(&'static RegisterDef, String, bool)> {
        let (obj, def, deleted) = self.record_obj(id.as_str())?;
        let title = read_value(&self.doc, &obj, def.field(def.title)?)
            .map(|v| v.to_draft())
            .unwrap_or_default();
        Some((def, title, deleted))
    }

    pub fn record_info(&self, id: &RecordId) -> Option<RecordInfo> {
        let (obj, _, _) = self.record_obj(id.as_str())?;
        Some(read_info(&self.doc, &obj))
    }

    /// Live records that link to `id`: (record, its register, the linking
    /// field). One pass over the records, reading only link fields that can
    /// point at `id`'s register.
    pub fn backlinks(
        &self,
        id: &RecordId,
    ) -> Vec<(RecordId, &'static RegisterDef, &'static FieldDef)> {
        let Some((_, target, _)) = self.record_obj(id.as_str()) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for k in self.doc.keys(&self.records) {
            let Some((obj, def, deleted)) = self.record_obj(&k) else {
                continue;
            };
            if deleted {
                continue;
            }
            for f in def.fields {
                let Kind::Link { to, many } = f.kind else {
                    continue;
                };
                if to != target.id {
                    continue;
                }
                let links_here = match self.doc.get(&obj, f.key) {
                    Ok(Some((Value::Scalar(s), _))) if !many => s.as_str() == Some(id.as_str()),
                    Ok(Some((Value::Object(ObjType::Map), set))) if many => {
                        matches!(self.doc.get(&set, id.as_str()), Ok(Some(_)))
                    }
                    _ => false,
                };
                if links_here {
                    if let Some(rid) = RecordId::parse(&k) {
                        out.push((rid, def, f));
                    }
                }
            }
        }
        crate::order::sort_by(&mut out, |a, b| (a.1.name, &a.0).cmp(&(b.1.name, &b.0)));
        out
    }

    /// Checks that every link added by `new` (compared with `old`) points to a
    /// live record of the right register.
    pub(crate) fn check_links(
        &self,
        def: &RegisterDef,
        new: &Record,
        old: Option<&Record>,
    ) -> Result<(), WorkbookError> {
        let mut errors = Vec::new();
        for f in def.fields {
            let Kind::Link { to, .. } = f.kind else {
                continue;
            };
            let before = old.map(|o| o.links(f.key)).unwrap_or(&[]);
            for target in new.links(f.key) {
                if before.contains(target) {
                    continue;
                }
                let ok =
                    matches!(self.record_obj(target.as_str()), Some((_, d, false)) if d.id == to);
                if !ok {
                    let to_def = registers::register(to).map(|d| d.singular).unwrap_or(to);
                    errors.push(FieldError {
                        field: f.key,
                        message: format!(
                            "The linked {to_def} does not exist or was deleted; choose another."
                        ),
                    });
                    break;
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(WorkbookError::Invalid(errors))
        }
    }

    /// Adds a record to a register.
    pub fn add_record(
        &mut self,
        register: &str,
        id: &RecordId,
        record: &Record,
        ctx: &ChangeContext,
    ) -> Result<(), WorkbookError> {
        let def = registers::register(register)
            .ok_or_else(|| WorkbookError::Document(format!("unknown register {register}")))?;
        if self.doc.get(&self.records, id.as_str())?.is_some() {
            return Err(WorkbookError::Duplicate(id.to_string()));
        }
        self.check_links(def, record, None)?;
        self.write_new(def, id, record, ctx)?;
        let title = record.text(def.title).to_owned();
        self.commit(ctx, &format!("Added {} “{title}”", def.singular));
        Ok(())
    }

    /// Checks that `records` can all be added to `def` (ids unused, links
    /// to live records of the right register or to records of this batch),
    /// writing nothing.
    pub(crate) fn check_new_records(
        &self,
        def: &'static RegisterDef,
        records: &[(RecordId, Record)],
    ) -> Result<(), WorkbookError> {
        let batch: BTreeSet<&RecordId> = records.iter().map(|(id, _)| id).collect();
        if batch.len() != records.len() {
            return Err(WorkbookError::Document(
                "two records have the same id".into(),
            ));
        }
        for (id, record) in records {
            if self.doc.get(&self.records, id.as_str())?.is_some() {
                return Err(WorkbookError::Duplicate(id.to_string()));
            }
            for f in def.fields {
                let Kind::Link { to, .. } = f.kind else {
                    continue;
                };
                for target in record.links(f.key) {
                    let ok = (to == def.id && batch.contains(target))
                        || matches!(self.record_obj(target.as_str()), Some((_, d, false)) if d.id == to);
                    if !ok {
                        let to_def = registers::register(to).map(|d| d.singular).unwrap_or(to);
                        return Err(WorkbookError::Invalid(vec![FieldError {
                            field: f.key,
                            message: format!(
                                "“{}” links to a {to_def} that does not exist or was deleted.",
                                record.text(def.title)
                            ),
                        }]));
                    }
                }
            }
        }
        Ok(())
    }

    /// Writes records already checked by [`Self::check_new_records`]
    /// without committing: the change stays open until
    /// [`Self::commit_open`] (or is dropped by [`Self::rollback_open`]).
    pub(crate) fn write_new_records(
        &mut self,
        def: &'static RegisterDef,
        records: &[(RecordId, Record)],
        ctx: &ChangeContext,
    ) -> Result<(), WorkbookError> {
        for (id, record) in records {
            self.write_new(def, id, record, ctx)?;
        }
        Ok(())
    }

    /// Commits the open change with `summary`.
    pub(crate) fn commit_open(&mut self, ctx: &ChangeContext, summary: &str) {
        self.commit(ctx, summary);
    }

    /// Drops everything written since the last commit.
    pub(crate) fn rollback_open(&mut self) {
        self.doc.rollback();
        self.pending = Touches::default();
        if self.tracking {
            self.touched = Delta::everything();
        }
    }

    fn write_new(
        &mut self,
        def: &'static RegisterDef,
        id: &RecordId,
        record: &Record,
        ctx: &ChangeContext,
    ) -> Result<(), WorkbookError> {
        self.note_record(id);
        let obj = self
            .doc
            .put_object(&self.records, id.as_str(), ObjType::Map)?;
        self.doc.put(&obj, REC_REGISTER, def.id)?;
        self.doc.put(
            &obj,
            REC_CREATED_AT,
            ScalarValue::Timestamp(ctx.at.timestamp_millis()),
        )?;
        self.doc
            .put(&obj, REC_CREATED_BY, ctx.author_or_default())?;
        for f in def.stored_fields() {
            write_value(&mut self.doc, &obj, f, record.get(f.key))?;
        }
        Ok(())
    }

    /// Writes the fields that differ from the stored record, so concurrent
    /// edits of different fields by different people both survive a merge.
    /// Returns `false` (and commits nothing) when nothing changed. A form
    /// opened earlier uses [`Self::update_record_seen`] instead.
    pub fn update_record(
        &mut self,
        id: &RecordId,
        record: &Record,
        ctx: &ChangeContext,
    ) -> Result<bool, WorkbookError> {
        if !matches!(self.record_obj(id.as_str()), Some((_, _, false))) {
            return Err(WorkbookError::NotFound(id.to_string()));
        }
        let heads = self.heads();
        self.update_record_seen(id, record, &heads, ctx)
    }

    /// Deletes a record. It is kept with a deleted mark, so a concurrent
    /// edit by someone else is not lost and it can be restored.
    pub fn delete_record(
        &mut self,
        id: &RecordId,
        ctx: &ChangeContext,
    ) -> Result<(), WorkbookError> {
        self.set_deleted(id, true, ctx)
    }

    /// Brings a deleted record back.
    pub fn restore_record(
        &mut self,
        id: &RecordId,
        ctx: &ChangeContext,
    ) -> Result<(), WorkbookError> {
        self.set_deleted(id, false, ctx)
    }

    fn set_deleted(
        &mut self,
        id: &RecordId,
        delete: bool,
        ctx: &ChangeContext,
    ) -> Result<(), WorkbookError> {
        let (obj, def, deleted) = self
            .record_obj(id.as_str())
            .filter(|(_, _, deleted)| *deleted != delete)
            .ok_or_else(|| WorkbookError::NotFound(id.to_string()))?;
        let _ = deleted;
        let title = read_value(&self.doc, &obj, def.field(def.title).expect("title field"))
            .map(|v| v.to_draft())
            .unwrap_or_default();
        self.note_record(id);
        if delete {
            self.doc.put(&obj, REC_DELETED, true)?;
        } else {
            self.doc.delete(&obj, REC_DELETED)?;
        }
        let verb = if delete { "Deleted" } else { "Restored" };
        self.commit(ctx, &format!("{verb} {} “{title}”", def.singular));
        Ok(())
    }
}

/// Root keys other than the name, the records and the checklist whose
/// value differs between two copies.
/// Whether a long text of record `id` that both copies hold as the same
/// text object shows other characters in `b` than in `a` (edited, even if
/// back to the same words): what a merge preview counts as a change.
fn long_text_edited(a: &Workbook, b: &Workbook, id: &RecordId, def: &RegisterDef) -> bool {
    let (Some((ra, _, _)), Some((rb, _, _))) =
        (a.record_obj(id.as_str()), b.record_obj(id.as_str()))
    else {
        return false;
    };
    let chars = |doc: &AutoCommit, text: &ObjId| -> Vec<ObjId> {
        doc.list_range(text, ..).map(|item| item.id()).collect()
    };
    def.fields
        .iter()
        .filter(|f| matches!(f.kind, Kind::LongText { .. }))
        .any(|f| match (a.doc.get(&ra, f.key), b.doc.get(&rb, f.key)) {
            (
                Ok(Some((Value::Object(ObjType::Text), ta))),
                Ok(Some((Value::Object(ObjType::Text), tb))),
            ) if ta == tb => chars(&a.doc, &ta) != chars(&b.doc, &tb),
            _ => false,
        })
}

fn root_fields_changed(a: &AutoCommit, b: &AutoCommit) -> Vec<String> {
    // Both in key order; a key in one only, or with another value or op,
    // has changed.
    let read = |doc: &AutoCommit| -> Vec<(String, Value<'static>, ObjId)> {
        doc.map_range(ROOT, ..)
            .filter(|item| {
                let k: &str = &item.key;
                k != KEY_NAME && checklist::clause_of_key(k).is_none()
            })
            .map(|item| {
                let key = item.key.to_string();
                let id = item.id();
                (key, item.value.into(), id)
            })
            .collect()
    };
    let (before, after) = (read(a), read(b));
    let mut changed: Vec<String> = Vec::new();
    let gone = before.iter().filter(|x| !after.contains(x));
    for (k, _, _) in gone.chain(after.iter().filter(|x| !before.contains(x))) {
        if !changed.contains(k) {
            changed.push(k.clone());
        }
    }
    changed
}

pub(crate) fn clean_name(name: &str) -> Result<String, WorkbookError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > NAME_MAX {
        return Err(WorkbookError::Document(format!(
            "a workbook name has 1 to {NAME_MAX} characters"
        )));
    }
    Ok(name.to_owned())
}

fn commit(
    doc: &mut AutoCommit,
    ctx: &ChangeContext,
    summary: &str,
    touches: Touches,
    undoes: Option<String>,
) -> Option<ChangeHash> {
    doc.commit_with(
        CommitOptions::default()
            .with_message(ChangeMeta::encode(ctx, summary, touches, undoes))
            .with_time(ctx.at.timestamp()),
    )
}

/// How many bytes of changes Automerge is given at once. Its working memory
/// for one call grows much faster than the changes given: merging 1,000
/// changes into a 10,000-record workbook took 1.4 GB more at once, 150 MB
/// in batches of 40 KB, and nothing measurable in batches of 4 KB, which
/// were also the fastest (docs/PERFORMANCE.md).
const APPLY_BATCH_BYTES: usize = 4096;

/// Applies `changes` (in the order given, which Automerge needs only
/// causally) a few at a time; see [`APPLY_BATCH_BYTES`].
fn apply_in_batches(
    doc: &mut AutoCommit,
    changes: Vec<automerge::Change>,
) -> Result<(), automerge::AutomergeError> {
    let mut batch = Vec::new();
    let mut size = 0;
    for c in changes {
        let n = c.raw_bytes().len();
        if !batch.is_empty() && size + n > APPLY_BATCH_BYTES {
            doc.apply_changes(std::mem::take(&mut batch))?;
            size = 0;
        }
        size += n;
        batch.push(c);
    }
    if !batch.is_empty() {
        doc.apply_changes(batch)?;
    }
    Ok(())
}

/// A checklist item's state, now or as it was.
pub(crate) fn checklist_item_in(at: At<'_>, number: &str) -> ItemState {
    let s = |field: &str| {
        at.get_str(&ROOT, &checklist::key(number, field))
            .unwrap_or_default()
    };
    let prefix = checklist::evidence_prefix(number);
    let mut evidence: Vec<RecordId> = at
        .map_range_from(&ROOT, prefix.clone())
        .take_while(|item| item.key.starts_with(&prefix))
        .filter_map(|item| RecordId::parse(&item.key[prefix.len()..]))
        .collect();
    crate::order::sort(&mut evidence);
    let conflicts = crate::conflicts::CHECKLIST_FIELDS
        .into_iter()
        .filter(|field| {
            let values: Vec<Option<String>> = at
                .get_all(&ROOT, &checklist::key(number, field))
                .into_iter()
                .map(|(v, _)| match v {
                    Value::Scalar(s) => s.as_str().map(str::to_owned),
                    Value::Object(_) => None,
                })
                .collect();
            values.iter().any(|v| *v != values[0])
        })
        .collect();
    ItemState {
        attachments: crate::attachments::read_live(
            at,
            &ROOT,
            &crate::attachments::item_prefix(number),
        ),
        status: ItemStatus::from_key(&s("status")).unwrap_or_default(),
        owner: s("owner"),
        notes: s("notes"),
        justification: s("justification"),
        evidence,
        conflicts,
    }
}

/// Reads the document now, or as it was at some heads.
#[derive(Clone, Copy)]
pub(crate) struct At<'a> {
    pub doc: &'a AutoCommit,
    pub heads: Option<&'a [ChangeHash]>,
}

impl<'a> At<'a> {
    pub fn now(doc: &'a AutoCommit) -> Self {
        At { doc, heads: None }
    }

    pub fn get(&self, obj: &ObjId, key: &str) -> Option<(Value<'a>, ObjId)> {
        match self.heads {
            None => self.doc.get(obj, key),
            Some(h) => self.doc.get_at(obj, key, h),
        }
        .ok()
        .flatten()
    }

    /// Every value Automerge keeps for `key` (several after concurrent writes).
    pub fn get_all(&self, obj: &ObjId, key: &str) -> Vec<(Value<'a>, ObjId)> {
        match self.heads {
            None => self.doc.get_all(obj, key),
            Some(h) => self.doc.get_all_at(obj, key, h),
        }
        .unwrap_or_default()
    }

    pub fn get_str(&self, obj: &ObjId, key: &str) -> Option<String> {
        match self.get(obj, key) {
            Some((Value::Scalar(s), _)) => s.as_str().map(str::to_owned),
            _ => None,
        }
    }

    pub fn map_range(&self, obj: &ObjId) -> automerge::iter::MapRange<'a> {
        match self.heads {
            None => self.doc.map_range(obj, ..),
            Some(h) => self.doc.map_range_at(obj, .., h),
        }
    }

    pub fn map_range_from(&self, obj: &ObjId, from: String) -> automerge::iter::MapRange<'a> {
        match self.heads {
            None => self.doc.map_range(obj, from..),
            Some(h) => self.doc.map_range_at(obj, from.., h),
        }
    }

    pub fn keys(&self, obj: &ObjId) -> automerge::iter::Keys<'a> {
        match self.heads {
            None => self.doc.keys(obj),
            Some(h) => self.doc.keys_at(obj, h),
        }
    }

    pub fn text(&self, obj: &ObjId) -> Option<String> {
        match self.heads {
            None => self.doc.text(obj),
            Some(h) => self.doc.text_at(obj, h),
        }
        .ok()
    }
}

pub(crate) fn get_str(doc: &AutoCommit, obj: &ObjId, key: &str) -> Option<String> {
    match doc.get(obj, key) {
        Ok(Some((Value::Scalar(s), _))) => s.as_str().map(str::to_owned),
        _ => None,
    }
}

/// Reads one stored field leniently: a value of an unexpected type (written
/// by another tool or an older version) reads as empty rather than failing.
fn read_value(doc: &AutoCommit, obj: &ObjId, f: &FieldDef) -> Option<RValue> {
    let at = At::now(doc);
    let (value, id) = at.get(obj, f.key)?;
    decode_value(at, f, value, id)
}

/// A stored value as a field value of kind `f.kind` (see [`read_value`]).
pub(crate) fn decode_value(
    doc: At<'_>,
    f: &FieldDef,
    value: Value<'_>,
    id: ObjId,
) -> Option<RValue> {
    let scalar = match &value {
        Value::Scalar(s) => Some(s.as_ref().clone()),
        Value::Object(_) => None,
    };
    let text = || scalar.as_ref().and_then(|s| s.as_str().map(str::to_owned));
    match f.kind {
        Kind::Text { .. } | Kind::Person | Kind::Choice(_) => text().map(RValue::Text),
        Kind::LongText { .. } => match value {
            Value::Object(ObjType::Text) => doc.text(&id).map(RValue::Text),
            _ => text().map(RValue::Text),
        },
        Kind::Integer { .. } => scalar
            .and_then(|s| match s {
                ScalarValue::Int(i) => Some(i),
                ScalarValue::Uint(u) => i64::try_from(u).ok(),
                ScalarValue::F64(d) if d.fract() == 0.0 => Some(d as i64),
                _ => None,
            })
            .map(RValue::Int),
        Kind::Decimal { .. } => scalar
            .and_then(|s| match s {
                ScalarValue::F64(d) => Some(d),
                ScalarValue::Int(i) => Some(i as f64),
                ScalarValue::Uint(u) => Some(u as f64),
                _ => None,
            })
            .map(RValue::Dec),
        Kind::Date => text()
            .and_then(|s| crate::dates::parse_iso(&s))
            .map(RValue::Date),
        Kind::DateTime => text()
            .and_then(|s| crate::dates::parse_iso_minute(&s, &['T'], false))
            .map(RValue::DateTime),
        Kind::Flag => scalar.and_then(|s| s.as_bool()).map(RValue::Flag),
        Kind::Link { many: false, .. } => text()
            .and_then(|s| RecordId::parse(&s))
            .map(|id| RValue::Links(vec![id])),
        Kind::Link { many: true, .. } => match value {
            Value::Object(ObjType::Map) => {
                let mut ids: Vec<RecordId> =
                    doc.keys(&id).filter_map(|k| RecordId::parse(&k)).collect();
                crate::order::sort(&mut ids);
                (!ids.is_empty()).then_some(RValue::Links(ids))
            }
            _ => None,
        },
        Kind::Computed(_) => None,
    }
}

fn read_info(doc: &AutoCommit, obj: &ObjId) -> RecordInfo {
    let created_at = match doc.get(obj, REC_CREATED_AT) {
        Ok(Some((Value::Scalar(s), _))) => match s.as_ref() {
            ScalarValue::Timestamp(ms) => Utc.timestamp_millis_opt(*ms).single(),
            _ => None,
        },
        _ => None,
    };
    RecordInfo {
        created_at,
        created_by: get_str(doc, obj, REC_CREATED_BY).unwrap_or_default(),
    }
}

pub(crate) fn read_record(doc: &AutoCommit, obj: &ObjId, def: &'static RegisterDef) -> Record {
    read_stored(At::now(doc), obj, def).0
}

type Stored = (
    Record,
    RecordInfo,
    Vec<&'static str>,
    Vec<crate::attachments::Attachment>,
);

/// A record's fields and metadata in one pass over its map (one lookup per
/// declared field would cost about twice as much).
pub(crate) fn read_stored(doc: At<'_>, obj: &ObjId, def: &'static RegisterDef) -> Stored {
    let mut r = Record::default();
    let mut info = RecordInfo {
        created_at: None,
        created_by: String::new(),
    };
    let mut conflicts = Vec::new();
    let mut attachments = Vec::new();
    for item in doc.map_range(obj) {
        let key: &str = &item.key;
        let field = match key {
            REC_CREATED_AT | REC_CREATED_BY => None,
            _ => match def.field(key).filter(|f| f.is_stored()) {
                Some(f) => Some(f),
                None => {
                    if let Some(a) = crate::attachments::read_in_record(doc, key, &item) {
                        attachments.push(a);
                    }
                    continue;
                }
            },
        };
        if let (Some(f), true) = (field, item.conflict) {
            // Several values: a conflict only if they differ (two people
            // writing the same value agree).
            let values: Vec<Option<RValue>> = doc
                .get_all(obj, key)
                .into_iter()
                .map(|(v, id)| decode_value(doc, f, v, id))
                .collect();
            if values.iter().any(|v| *v != values[0]) {
                conflicts.push(f.key);
            }
        }
        let id = item.id();
        let value: Value<'static> = item.value.into();
        match (field, &value) {
            (Some(f), _) => {
                if let Some(v) = decode_value(doc, f, value, id) {
                    r.set(f.key, v);
                }
            }
            (None, Value::Scalar(s)) => match (key, s.as_ref()) {
                (REC_CREATED_AT, ScalarValue::Timestamp(ms)) => {
                    info.created_at = Utc.timestamp_millis_opt(*ms).single()
                }
                (REC_CREATED_BY, ScalarValue::Str(name)) => info.created_by = name.to_string(),
                _ => {}
            },
            (None, _) => {}
        }
    }
    (r, info, conflicts, attachments)
}

pub(crate) fn write_value(
    doc: &mut AutoCommit,
    obj: &ObjId,
    f: &FieldDef,
    value: Option<&RValue>,
) -> Result<(), WorkbookError> {
    let existing = doc.get(obj, f.key)?;
    let Some(value) = value else {
        if existing.is_some() {
            doc.delete(obj, f.key)?;
        }
        return Ok(());
    };
    match (f.kind, value) {
        (Kind::LongText { .. }, RValue::Text(s)) => {
            // Edit the existing text in place, so concurrent edits of other
            // parts of it survive; a legacy plain string becomes Text.
            let text = match existing {
                Some((Value::Object(ObjType::Text), id)) => id,
                _ => doc.put_object(obj, f.key, ObjType::Text)?,
            };
            doc.update_text(&text, s)?;
        }
        (Kind::Link { many: true, .. }, RValue::Links(ids)) => {
            let set = match existing {
                Some((Value::Object(ObjType::Map), id)) => id,
                _ => doc.put_object(obj, f.key, ObjType::Map)?,
            };
            let old: Vec<String> = doc.keys(&set).collect();
            for k in &old {
                if !ids.iter().any(|id| id.as_str() == k) {
                    doc.delete(&set, k.as_str())?;
                }
            }
            for id in ids {
                if !old.iter().any(|k| k == id.as_str()) {
                    doc.put(&set, id.as_str(), true)?;
                }
            }
        }
        (Kind::Link { many: false, .. }, RValue::Links(ids)) => match ids.first() {
            Some(id) => doc.put(obj, f.key, id.as_str())?,
            None => {
                if existing.is_some() {
                    doc.delete(obj, f.key)?;
                }
            }
        },
        (_, RValue::Int(i)) => doc.put(obj, f.key, *i)?,
        (_, RValue::Dec(d)) => doc.put(obj, f.key, *d)?,
        (_, RValue::Flag(b)) => doc.put(obj, f.key, *b)?,
        (_, v) => doc.put(obj, f.key, v.to_draft())?,
    }
    Ok(())
}
