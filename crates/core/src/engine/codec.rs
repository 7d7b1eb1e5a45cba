//! The engine's commands and replies as bytes, for a page and a worker to
//! exchange: the one definition of that format. Built on the primitives of
//! the stored view (`crate::binary`); every reader refuses malformed or
//! truncated bytes with [`Malformed`], never panics, and resolves names of
//! registers, fields and clauses against the declarations (a name it does
//! not know is refused).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::{Answer, Done, Edit, LiveCommand, LiveReply, LiveState, Query, ToStore, Update};
use crate::attachments::{FileEvent, FileHash, NewAttachment};
use crate::binary::{corrupt, Malformed, Reader, Writer};
use crate::change::{ChangeMeta, Touches};
use crate::crypto::{CryptoError, RoomId, RoomKey};
use crate::exchange::{AuthorChanges, MergePreview, RegisterChanges};
use crate::guard::{Breach, Refusal};
use crate::history::{FieldChange, HistoryEntry, RecordChange, RecordEvent, UndoOutcome};
use crate::registers::{self, FieldError, Record};
use crate::sync::{Moved, Outgoing, Received, SyncError};
use crate::workbook::{FieldVersion, StoredRecord};
use crate::{ChangeContext, ChangeHash, RecordId, WorkbookError};

/// Every key a message may name, as the app declares it: register fields,
/// checklist fields and the workbook's own keys. Any copy of the same text
/// serves, so the first found is returned.
fn known_key(key: &str) -> Result<&'static str, Malformed> {
    registers::REGISTERS
        .iter()
        .flat_map(|d| d.fields.iter().map(|f| f.key))
        .chain(crate::conflicts::CHECKLIST_FIELDS)
        .chain([
            crate::schema::KEY_FORMAT,
            crate::schema::KEY_WORKBOOK_ID,
            crate::schema::KEY_CREATED_AT,
            "evidence",
            "register",
            "creation time",
            "creator",
        ])
        .find(|k| *k == key)
        .ok_or_else(|| corrupt("key"))
}

impl Writer {
    pub(crate) fn hash(&mut self, h: &ChangeHash) {
        self.0.extend_from_slice(&h.0);
    }
    pub(crate) fn hashes(&mut self, hs: &[ChangeHash]) {
        self.uint(hs.len() as u64);
        for h in hs {
            self.hash(h);
        }
    }
    fn id(&mut self, id: &RecordId) {
        self.str(id.as_str());
    }
    fn values(&mut self, r: &Record) {
        self.uint(r.values.len() as u64);
        for (k, v) in &r.values {
            self.str(k);
            self.value(v);
        }
    }
    fn opt_value(&mut self, v: Option<&crate::Value>) {
        match v {
            Some(v) => {
                self.bool(true);
                self.value(v);
            }
            None => self.bool(false),
        }
    }
    fn usize(&mut self, n: usize) {
        self.uint(n as u64);
    }
    fn strs<S: AsRef<str>>(&mut self, v: &[S]) {
        self.uint(v.len() as u64);
        for s in v {
            self.str(s.as_ref());
        }
    }
    pub(crate) fn context(&mut self, c: &ChangeContext) {
        self.str(&c.author);
        self.int(c.at.timestamp());
        self.uint(u64::from(c.at.timestamp_subsec_nanos()));
    }
    fn entry(&mut self, e: &HistoryEntry) {
        self.hash(&e.hash);
        self.hashes(&e.deps);
        self.bool(e.own);
        self.str(&e.meta.author);
        self.str(&e.meta.summary);
        match &e.meta.touches {
            Some(t) => {
                self.bool(true);
                self.strs(&t.records);
                self.strs(&t.checklist);
                self.bool(t.workbook);
            }
            None => self.bool(false),
        }
        self.opt_str(e.meta.undoes.as_deref());
        self.time(e.meta.at);
    }
    fn error(&mut self, e: &WorkbookError) {
        match e {
            WorkbookError::NotFound(s) => {
                self.0.push(0);
                self.str(s);
            }
            WorkbookError::Duplicate(s) => {
                self.0.push(1);
                self.str(s);
            }
            WorkbookError::Invalid(errors) => {
                self.0.push(2);
                self.usize(errors.len());
                for e in errors {
                    self.str(e.field);
                    self.str(&e.message);
                }
            }
            WorkbookError::Document(s) => {
                self.0.push(3);
                self.str(s);
            }
            WorkbookError::Attachment(s) => {
                self.0.push(5);
                self.str(s);
            }
            WorkbookError::Refused(r) => {
                self.0.push(4);
                self.str(&r.author);
                self.time(r.at);
                match &r.breach {
                    Breach::Identity(k) => {
                        self.0.push(0);
                        self.str(k);
                    }
                    Breach::RecordsReplaced => self.0.push(1),
                    Breach::SchemaVersion(v) => {
                        self.0.push(2);
                        self.bool(v.is_some());
                        self.uint(v.unwrap_or(0));
                    }
                    Breach::RecordRemoved(s) => {
                        self.0.push(3);
                        self.str(s);
                    }
                    Breach::RecordReplaced(s) => {
                        self.0.push(4);
                        self.str(s);
                    }
                    Breach::RecordIdentity(s, k) => {
                        self.0.push(5);
                        self.str(s);
                        self.str(k);
                    }
                    Breach::NotARecord(s) => {
                        self.0.push(6);
                        self.str(s);
                    }
                    Breach::UnknownAuthor => self.0.push(7),
                    Breach::NumberReused => self.0.push(8),
                }
            }
        }
    }
    fn preview(&mut self, p: &MergePreview) {
        self.usize(p.changes);
        self.usize(p.registers.len());
        for r in &p.registers {
            self.str(r.def.id);
            self.usize(r.added);
            self.usize(r.changed);
            self.usize(r.deleted);
            self.usize(r.restored);
        }
        self.usize(p.records.len());
        for id in &p.records {
            self.id(id);
        }
        self.usize(p.checklist_items);
        self.opt_str(p.renamed_to.as_deref());
        self.usize(p.authors.len());
        for a in &p.authors {
            self.str(&a.name);
            self.usize(a.changes);
            self.time(a.first);
            self.time(a.last);
        }
        self.usize(p.removed);
        self.usize(p.moved);
        self.strs(&p.other_fields);
    }
}

impl Reader<'_> {
    pub(crate) fn hash(&mut self) -> Result<ChangeHash, Malformed> {
        let b: [u8; 32] = self
            .take(32)?
            .try_into()
            .map_err(|_| corrupt("change hash"))?;
        Ok(ChangeHash(b))
    }
    pub(crate) fn hashes(&mut self) -> Result<Vec<ChangeHash>, Malformed> {
        let n = self.len(32)?;
        (0..n).map(|_| self.hash()).collect()
    }
    fn id(&mut self) -> Result<RecordId, Malformed> {
        RecordId::parse(self.str()?).ok_or_else(|| corrupt("record id"))
    }
    fn string(&mut self) -> Result<String, Malformed> {
        Ok(self.str()?.to_owned())
    }
    fn values(&mut self) -> Result<Record, Malformed> {
        let n = self.len(2)?;
        let mut r = Record::default();
        for _ in 0..n {
            let k = known_key(self.str()?)?;
            let v = self.value()?;
            r.values.insert(k, v);
        }
        Ok(r)
    }
    fn opt_value(&mut self) -> Result<Option<crate::Value>, Malformed> {
        Ok(if self.bool()? {
            Some(self.value()?)
        } else {
            None
        })
    }
    fn usize(&mut self) -> Result<usize, Malformed> {
        usize::try_from(self.uint()?).map_err(|_| corrupt("number"))
    }
    fn strs(&mut self) -> Result<Vec<String>, Malformed> {
        let n = self.len(1)?;
        (0..n).map(|_| self.string()).collect()
    }
    pub(crate) fn context(&mut self) -> Result<ChangeContext, Malformed> {
        let author = self.string()?;
        let secs = self.int()?;
        let nanos = u32::try_from(self.uint()?).map_err(|_| corrupt("time"))?;
        let at = DateTime::<Utc>::from_timestamp(secs, nanos).ok_or_else(|| corrupt("time"))?;
        Ok(ChangeContext { author, at })
    }
    fn entry(&mut self) -> Result<HistoryEntry, Malformed> {
        Ok(HistoryEntry {
            hash: self.hash()?,
            deps: self.hashes()?,
            own: self.bool()?,
            meta: ChangeMeta {
                author: self.string()?,
                summary: self.string()?,
                touches: if self.bool()? {
                    Some(Touches {
                        records: self.strs()?,
                        checklist: self.strs()?,
                        workbook: self.bool()?,
                    })
                } else {
                    None
                },
                undoes: self.opt_str()?.map(str::to_owned),
                at: self.time()?,
            },
        })
    }
    fn error(&mut self) -> Result<WorkbookError, Malformed> {
        Ok(match self.byte()? {
            0 => WorkbookError::NotFound(self.string()?),
            1 => WorkbookError::Duplicate(self.string()?),
            2 => {
                let n = self.len(2)?;
                let mut errors = Vec::with_capacity(n);
                for _ in 0..n {
                    errors.push(FieldError {
                        field: known_key(self.str()?)?,
                        message: self.string()?,
                    });
                }
                WorkbookError::Invalid(errors)
            }
            3 => WorkbookError::Document(self.string()?),
            5 => WorkbookError::Attachment(self.string()?),
            4 => {
                let author = self.string()?;
                let at = self.time()?;
                let breach = match self.byte()? {
                    0 => Breach::Identity(known_key(self.str()?)?),
                    1 => Breach::RecordsReplaced,
                    2 => {
                        let some = self.bool()?;
                        let v = self.uint()?;
                        Breach::SchemaVersion(some.then_some(v))
                    }
                    3 => Breach::RecordRemoved(self.string()?),
                    4 => Breach::RecordReplaced(self.string()?),
                    5 => Breach::RecordIdentity(self.string()?, known_key(self.str()?)?),
                    6 => Breach::NotARecord(self.string()?),
                    7 => Breach::UnknownAuthor,
                    8 => Breach::NumberReused,
                    _ => return Err(corrupt("refusal")),
                };
                WorkbookError::Refused(Refusal { author, at, breach })
            }
            _ => return Err(corrupt("error")),
        })
    }
    fn preview(&mut self) -> Result<MergePreview, Malformed> {
        let changes = self.usize()?;
        let n = self.len(6)?;
        let mut regs = Vec::with_capacity(n);
        for _ in 0..n {
            regs.push(RegisterChanges {
                def: registers::register(self.str()?).ok_or_else(|| corrupt("register"))?,
                added: self.usize()?,
                changed: self.usize()?,
                deleted: self.usize()?,
                restored: self.usize()?,
            });
        }
        let n = self.len(33)?;
        let mut records = BTreeSet::new();
        for _ in 0..n {
            records.insert(self.id()?);
        }
        let checklist_items = self.usize()?;
        let renamed_to = self.opt_str()?.map(str::to_owned);
        let n = self.len(4)?;
        let mut authors = Vec::with_capacity(n);
        for _ in 0..n {
            authors.push(AuthorChanges {
                name: self.string()?,
                changes: self.usize()?,
                first: self.time()?,
                last: self.time()?,
            });
        }
        Ok(MergePreview {
            changes,
            registers: regs,
            records,
            checklist_items,
            renamed_to,
            authors,
            removed: self.usize()?,
            moved: self.usize()?,
            other_fields: self.strs()?,
        })
    }
}

/// A merge preview as bytes (the file worker sends one for a workbook that
/// is not the open one).
pub fn encode_preview(p: &MergePreview) -> Vec<u8> {
    let mut w = Writer(Vec::new());
    w.preview(p);
    w.0
}

pub fn decode_preview(bytes: &[u8]) -> Result<MergePreview, Malformed> {
    whole(bytes, |r| r.preview())
}

/// Reads a whole message with `f`, refusing trailing bytes.
fn whole<T>(
    bytes: &[u8],
    f: impl FnOnce(&mut Reader<'_>) -> Result<T, Malformed>,
) -> Result<T, Malformed> {
    let mut r = Reader::new(bytes);
    let out = f(&mut r)?;
    if !r.done() {
        return Err(corrupt("trailing bytes"));
    }
    Ok(out)
}

impl Edit {
    pub fn encode(&self, ctx: &ChangeContext) -> Vec<u8> {
        let mut w = Writer(Vec::new());
        w.context(ctx);
        match self {
            Edit::AddRecord {
                register,
                id,
                record,
            } => {
                w.0.push(0);
                w.str(register);
                w.id(id);
                w.values(record);
            }
            Edit::UpdateRecord { id, record, seen } => {
                w.0.push(1);
                w.id(id);
                w.values(record);
                w.hashes(seen);
            }
            Edit::DeleteRecord { id } => {
                w.0.push(2);
                w.id(id);
            }
            Edit::RestoreRecord { id } => {
                w.0.push(3);
                w.id(id);
            }
            Edit::SetChecklistItem {
                number,
                state,
                seen,
            } => {
                w.0.push(4);
                w.str(number);
                w.state(state);
                w.hashes(seen);
            }
            Edit::ResolveField {
                id,
                key,
                value,
                seen,
            } => {
                w.0.push(5);
                w.id(id);
                w.str(key);
                w.opt_value(value.as_ref());
                w.hashes(seen);
            }
            Edit::ResolveChecklistField {
                number,
                field,
                value,
                seen,
            } => {
                w.0.push(6);
                w.str(number);
                w.str(field);
                w.str(value);
                w.hashes(seen);
            }
            Edit::Rename { name, seen } => {
                w.0.push(7);
                w.str(name);
                w.hashes(seen);
            }
            Edit::Undo { hash } => {
                w.0.push(8);
                w.hash(hash);
            }
            Edit::MergePreviewed => w.0.push(9),
            Edit::Absorb { bytes } => {
                w.0.push(10);
                w.bytes(bytes);
            }
            Edit::BeginImport {
                register,
                records,
                source,
            } => {
                w.0.push(11);
                w.str(register);
                w.usize(records.len());
                for (id, r) in records {
                    w.id(id);
                    w.values(r);
                }
                w.str(source);
            }
            Edit::ImportStep { n } => {
                w.0.push(12);
                w.usize(*n);
            }
            Edit::FinishImport => w.0.push(13),
            Edit::MergeChanges { changes } => {
                w.0.push(14);
                w.bytes(changes);
            }
            Edit::Attach { on, attachment: a } => {
                w.0.push(15);
                w.on(on);
                w.str(a.id.as_str());
                w.0.extend_from_slice(&a.hash.0);
                w.str(&a.name);
                w.str(&a.media_type);
                w.uint(a.size);
                w.date(a.effective);
                w.date(a.valid_until);
            }
            Edit::RemoveAttachment { on, id } => {
                w.0.push(16);
                w.on(on);
                w.str(id.as_str());
            }
            Edit::DateAttachment {
                on,
                id,
                effective,
                valid_until,
                seen,
            } => {
                w.0.push(17);
                w.on(on);
                w.str(id.as_str());
                w.date(*effective);
                w.date(*valid_until);
                w.date(seen.0);
                w.date(seen.1);
            }
        }
        w.0
    }

    /// An edit and the context it is made with.
    pub fn decode(bytes: &[u8]) -> Result<(Edit, ChangeContext), Malformed> {
        whole(bytes, |r| {
            let ctx = r.context()?;
            let edit = match r.byte()? {
                0 => Edit::AddRecord {
                    register: r.string()?,
                    id: r.id()?,
                    record: r.values()?,
                },
                1 => Edit::UpdateRecord {
                    id: r.id()?,
                    record: r.values()?,
                    seen: r.hashes()?,
                },
                2 => Edit::DeleteRecord { id: r.id()? },
                3 => Edit::RestoreRecord { id: r.id()? },
                4 => Edit::SetChecklistItem {
                    number: r.string()?,
                    state: r.state()?,
                    seen: r.hashes()?,
                },
                5 => Edit::ResolveField {
                    id: r.id()?,
                    key: r.string()?,
                    value: r.opt_value()?,
                    seen: r.hashes()?,
                },
                6 => Edit::ResolveChecklistField {
                    number: r.string()?,
                    field: r.string()?,
                    value: r.string()?,
                    seen: r.hashes()?,
                },
                7 => Edit::Rename {
                    name: r.string()?,
                    seen: r.hashes()?,
                },
                8 => Edit::Undo { hash: r.hash()? },
                9 => Edit::MergePreviewed,
                10 => Edit::Absorb {
                    bytes: r.bytes()?.to_vec(),
                },
                11 => {
                    let register = r.string()?;
                    let n = r.len(34)?;
                    let mut records = Vec::with_capacity(n);
                    for _ in 0..n {
                        records.push((r.id()?, r.values()?));
                    }
                    Edit::BeginImport {
                        register,
                        records,
                        source: r.string()?,
                    }
                }
                12 => Edit::ImportStep { n: r.usize()? },
                13 => Edit::FinishImport,
                14 => Edit::MergeChanges {
                    changes: r.bytes()?.to_vec(),
                },
                15 => Edit::Attach {
                    on: r.on()?,
                    attachment: NewAttachment {
                        id: r.attachment_id()?,
                        hash: FileHash(r.take(32)?.try_into().map_err(|_| corrupt("file hash"))?),
                        name: r.string()?,
                        media_type: r.string()?,
                        size: r.uint()?,
                        effective: r.date()?,
                        valid_until: r.date()?,
                    },
                },
                16 => Edit::RemoveAttachment {
                    on: r.on()?,
                    id: r.attachment_id()?,
                },
                17 => Edit::DateAttachment {
                    on: r.on()?,
                    id: r.attachment_id()?,
                    effective: r.date()?,
                    valid_until: r.date()?,
                    seen: (r.date()?, r.date()?),
                },
                _ => return Err(corrupt("edit")),
            };
            Ok((edit, ctx))
        })
    }
}

impl Query {
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer(Vec::new());
        match self {
            Query::Heads => w.0.push(0),
            Query::History => w.0.push(1),
            Query::Entry { hash } => {
                w.0.push(2);
                w.hash(hash);
            }
            Query::Undoable => w.0.push(3),
            Query::RecordHistory { id } => {
                w.0.push(4);
                w.id(id);
            }
            Query::RecordAt { id, hash } => {
                w.0.push(5);
                w.id(id);
                w.hash(hash);
            }
            Query::FieldVersions { id, key } => {
                w.0.push(6);
                w.id(id);
                w.str(key);
            }
            Query::ChecklistVersions { number, field } => {
                w.0.push(7);
                w.str(number);
                w.str(field);
            }
            Query::File => w.0.push(8),
            Query::ChangeHashes => w.0.push(9),
            Query::Preview { changes } => {
                w.0.push(10);
                w.bytes(changes);
            }
            Query::DropPreview => w.0.push(11),
        }
        w.0
    }

    pub fn decode(bytes: &[u8]) -> Result<Query, Malformed> {
        whole(bytes, |r| {
            Ok(match r.byte()? {
                0 => Query::Heads,
                1 => Query::History,
                2 => Query::Entry { hash: r.hash()? },
                3 => Query::Undoable,
                4 => Query::RecordHistory { id: r.id()? },
                5 => Query::RecordAt {
                    id: r.id()?,
                    hash: r.hash()?,
                },
                6 => Query::FieldVersions {
                    id: r.id()?,
                    key: r.string()?,
                },
                7 => Query::ChecklistVersions {
                    number: r.string()?,
                    field: r.string()?,
                },
                8 => Query::File,
                9 => Query::ChangeHashes,
                10 => Query::Preview {
                    changes: r.bytes()?.to_vec(),
                },
                11 => Query::DropPreview,
                _ => return Err(corrupt("query")),
            })
        })
    }
}

impl Answer {
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer(Vec::new());
        match self {
            Answer::Heads(h) => {
                w.0.push(0);
                w.hashes(h);
            }
            Answer::History(entries) => {
                w.0.push(1);
                w.usize(entries.len());
                for e in entries {
                    w.entry(e);
                }
            }
            Answer::Entry(e) => {
                w.0.push(2);
                w.bool(e.is_some());
                if let Some(e) = e {
                    w.entry(e);
                }
            }
            Answer::RecordHistory(changes) => {
                w.0.push(3);
                w.usize(changes.len());
                for c in changes {
                    w.entry(&c.entry);
                    w.0.push(match c.event {
                        RecordEvent::Added => 0,
                        RecordEvent::Edited => 1,
                        RecordEvent::Deleted => 2,
                        RecordEvent::Restored => 3,
                    });
                    w.usize(c.fields.len());
                    for f in &c.fields {
                        // A field is named by a register holding it, so the
                        // reader finds the same declaration.
                        let def = registers::REGISTERS
                            .iter()
                            .find(|d| d.fields.iter().any(|x| std::ptr::eq(x, f.field)))
                            .map_or("", |d| d.id);
                        w.str(def);
                        w.str(f.field.key);
                        w.opt_value(f.before.as_ref());
                        w.opt_value(f.after.as_ref());
                    }
                    w.usize(c.files.len());
                    for (name, event) in &c.files {
                        w.str(name);
                        w.0.push(match event {
                            FileEvent::Attached => 0,
                            FileEvent::Removed => 1,
                            FileEvent::Restored => 2,
                            FileEvent::Dated => 3,
                        });
                    }
                }
            }
            Answer::RecordAt(r) => {
                w.0.push(4);
                match r {
                    Some(r) => {
                        w.bool(true);
                        w.stored(r);
                    }
                    None => w.bool(false),
                }
            }
            Answer::Versions(v) => {
                w.0.push(5);
                w.usize(v.len());
                for v in v {
                    w.opt_value(v.value.as_ref());
                    w.str(&v.author);
                    w.time(v.at);
                }
            }
            Answer::File { name, bytes } => {
                w.0.push(6);
                w.str(name);
                w.bytes(bytes);
            }
            Answer::ChangeHashes(h) => {
                w.0.push(7);
                w.hashes(h);
            }
            Answer::Preview(p) => {
                w.0.push(8);
                match p {
                    Ok(p) => {
                        w.bool(true);
                        w.preview(p);
                    }
                    Err(e) => {
                        w.bool(false);
                        w.error(e);
                    }
                }
            }
            Answer::Nothing => w.0.push(9),
        }
        w.0
    }

    pub fn decode(bytes: &[u8]) -> Result<Answer, Malformed> {
        whole(bytes, |r| {
            Ok(match r.byte()? {
                0 => Answer::Heads(r.hashes()?),
                1 => {
                    let n = r.len(40)?;
                    Answer::History((0..n).map(|_| r.entry()).collect::<Result<_, _>>()?)
                }
                2 => Answer::Entry(if r.bool()? { Some(r.entry()?) } else { None }),
                3 => {
                    let n = r.len(41)?;
                    let mut out = Vec::with_capacity(n);
                    for _ in 0..n {
                        let entry = r.entry()?;
                        let event = match r.byte()? {
                            0 => RecordEvent::Added,
                            1 => RecordEvent::Edited,
                            2 => RecordEvent::Deleted,
                            3 => RecordEvent::Restored,
                            _ => return Err(corrupt("record event")),
                        };
                        let k = r.len(4)?;
                        let mut fields = Vec::with_capacity(k);
                        for _ in 0..k {
                            let def =
                                registers::register(r.str()?).ok_or_else(|| corrupt("register"))?;
                            let field = def.field(r.str()?).ok_or_else(|| corrupt("field"))?;
                            fields.push(FieldChange {
                                field,
                                before: r.opt_value()?,
                                after: r.opt_value()?,
                            });
                        }
                        let k = r.len(2)?;
                        let mut files = Vec::with_capacity(k);
                        for _ in 0..k {
                            let name = r.string()?;
                            let event = match r.byte()? {
                                0 => FileEvent::Attached,
                                1 => FileEvent::Removed,
                                2 => FileEvent::Restored,
                                3 => FileEvent::Dated,
                                _ => return Err(corrupt("file event")),
                            };
                            files.push((name, event));
                        }
                        out.push(RecordChange {
                            entry,
                            event,
                            fields,
                            files,
                        });
                    }
                    Answer::RecordHistory(out)
                }
                4 => Answer::RecordAt(if r.bool()? { Some(r.stored()?) } else { None }),
                5 => {
                    let n = r.len(3)?;
                    let mut out = Vec::with_capacity(n);
                    for _ in 0..n {
                        out.push(FieldVersion {
                            value: r.opt_value()?,
                            author: r.string()?,
                            at: r.time()?,
                        });
                    }
                    Answer::Versions(out)
                }
                6 => Answer::File {
                    name: r.string()?,
                    bytes: r.bytes()?.to_vec(),
                },
                7 => Answer::ChangeHashes(r.hashes()?),
                8 => Answer::Preview(if r.bool()? {
                    Ok(r.preview()?)
                } else {
                    Err(r.error()?)
                }),
                9 => Answer::Nothing,
                _ => return Err(corrupt("answer")),
            })
        })
    }
}

/// An edit's outcome and update, as one message.
pub fn encode_edited(result: &Result<Done, WorkbookError>, update: &Update) -> Vec<u8> {
    let mut w = Writer(Vec::new());
    match result {
        Ok(done) => {
            w.bool(true);
            match done {
                Done::Nothing => w.0.push(0),
                Done::Changed(b) => {
                    w.0.push(1);
                    w.bool(*b);
                }
                Done::Undo(u) => {
                    w.0.push(2);
                    w.str(&u.undone);
                    w.usize(u.reverted);
                    w.usize(u.kept);
                }
                Done::Merged(n) => {
                    w.0.push(3);
                    w.usize(*n);
                }
                Done::Import { written, total } => {
                    w.0.push(4);
                    w.usize(*written);
                    w.usize(*total);
                }
                Done::Imported(n) => {
                    w.0.push(5);
                    w.usize(*n);
                }
            }
        }
        Err(e) => {
            w.bool(false);
            w.error(e);
        }
    }
    w.bool(update.everything);
    w.bool(update.out_of_step);
    w.opt_str(update.name.as_deref());
    w.usize(update.checklist.len());
    for (c, s) in &update.checklist {
        w.item(c, s);
    }
    w.usize(update.records.len());
    for (id, r) in &update.records {
        match r {
            Some(r) => {
                w.bool(true);
                w.record(id, r);
            }
            None => {
                w.bool(false);
                w.id(id);
            }
        }
    }
    w.hashes(&update.heads);
    w.0
}

pub type Edited = (Result<Done, WorkbookError>, Update);

pub fn decode_edited(bytes: &[u8]) -> Result<Edited, Malformed> {
    whole(bytes, |r| {
        let result = if r.bool()? {
            Ok(match r.byte()? {
                0 => Done::Nothing,
                1 => Done::Changed(r.bool()?),
                2 => Done::Undo(UndoOutcome {
                    undone: r.string()?,
                    reverted: r.usize()?,
                    kept: r.usize()?,
                }),
                3 => Done::Merged(r.usize()?),
                4 => Done::Import {
                    written: r.usize()?,
                    total: r.usize()?,
                },
                5 => Done::Imported(r.usize()?),
                _ => return Err(corrupt("outcome")),
            })
        } else {
            Err(r.error()?)
        };
        let everything = r.bool()?;
        let out_of_step = r.bool()?;
        let name = r.opt_str()?.map(str::to_owned);
        let n = r.len(6)?;
        let checklist = (0..n).map(|_| r.item()).collect::<Result<_, _>>()?;
        let n = r.len(34)?;
        let mut records: Vec<(RecordId, Option<StoredRecord>)> = Vec::with_capacity(n);
        for _ in 0..n {
            records.push(if r.bool()? {
                let (id, s) = r.record()?;
                (id, Some(s))
            } else {
                (r.id()?, None)
            });
        }
        let heads = r.hashes()?;
        Ok((
            result,
            Update {
                everything,
                out_of_step,
                name,
                checklist,
                records,
                heads,
            },
        ))
    })
}

impl ToStore {
    pub fn encode(this: &Option<(ToStore, Vec<ChangeHash>)>) -> Vec<u8> {
        let mut w = Writer(Vec::new());
        match this {
            None => w.0.push(0),
            Some((ToStore::Chunk(b), heads)) => {
                w.0.push(1);
                w.bytes(b);
                w.hashes(heads);
            }
            Some((ToStore::Snapshot(b), heads)) => {
                w.0.push(2);
                w.bytes(b);
                w.hashes(heads);
            }
        }
        w.0
    }

    pub fn decode(bytes: &[u8]) -> Result<Option<(ToStore, Vec<ChangeHash>)>, Malformed> {
        whole(bytes, |r| {
            Ok(match r.byte()? {
                0 => None,
                1 => Some((ToStore::Chunk(r.bytes()?.to_vec()), r.hashes()?)),
                2 => Some((ToStore::Snapshot(r.bytes()?.to_vec()), r.hashes()?)),
                _ => return Err(corrupt("bytes to store")),
            })
        })
    }
}

// ---- live sync ---------------------------------------------------------------

impl Writer {
    fn live_state(&mut self, s: &Option<LiveState>) {
        let Some(s) = s else {
            self.bool(false);
            return;
        };
        self.bool(true);
        self.uint(s.seq);
        self.uint(s.snapshot_upto);
        self.hashes(&s.in_room);
        self.hashes(&s.set_aside);
        self.bool(s.unsettled);
        self.bool(s.retry_in.is_some());
        self.uint(u64::from(s.retry_in.unwrap_or(0)));
        self.uint(s.since);
        self.bool(s.moved.is_some());
        if let Some(m) = &s.moved {
            self.moved(m);
        }
    }

    fn moved(&mut self, m: &Moved) {
        self.str(&m.room.to_hex());
        self.str(&m.key.to_base64url());
    }
}

impl Reader<'_> {
    fn live_state(&mut self) -> Result<Option<LiveState>, Malformed> {
        if !self.bool()? {
            return Ok(None);
        }
        Ok(Some(LiveState {
            seq: self.uint()?,
            snapshot_upto: self.uint()?,
            in_room: self.hashes()?,
            set_aside: self.hashes()?,
            unsettled: self.bool()?,
            retry_in: {
                let some = self.bool()?;
                let n = u32::try_from(self.uint()?).map_err(|_| corrupt("number"))?;
                some.then_some(n)
            },
            since: self.uint()?,
            moved: if self.bool()? {
                Some(self.moved()?)
            } else {
                None
            },
        }))
    }

    fn moved(&mut self) -> Result<Moved, Malformed> {
        Ok(Moved {
            room: RoomId::parse(self.str()?).ok_or_else(|| corrupt("room"))?,
            key: RoomKey::parse(self.str()?).ok_or_else(|| corrupt("room key"))?,
        })
    }
}

impl LiveCommand {
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer(Vec::new());
        match self {
            LiveCommand::Start {
                room,
                key,
                seq,
                snapshot_upto,
                in_room,
                set_aside,
            } => {
                w.0.push(0);
                w.str(&room.to_hex());
                w.str(&key.to_base64url());
                w.uint(*seq);
                w.uint(*snapshot_upto);
                w.hashes(in_room);
                w.hashes(set_aside);
            }
            LiveCommand::Stop => w.0.push(1),
            LiveCommand::Disconnected => w.0.push(2),
            LiveCommand::RoomReset => w.0.push(3),
            LiveCommand::Retrying => w.0.push(4),
            LiveCommand::Missed { seq } => {
                w.0.push(5);
                w.uint(*seq);
            }
            LiveCommand::SnapshotAt { upto } => {
                w.0.push(6);
                w.uint(*upto);
            }
            LiveCommand::Acked { heads, seq } => {
                w.0.push(7);
                w.hashes(heads);
                w.bool(seq.is_some());
                w.uint(seq.unwrap_or(0));
            }
            LiveCommand::Outgoing { max_bytes } => {
                w.0.push(8);
                w.usize(*max_bytes);
            }
            LiveCommand::Snapshot { head, max_bytes } => {
                w.0.push(9);
                w.uint(*head);
                w.usize(*max_bytes);
            }
            LiveCommand::Move { to } => {
                w.0.push(10);
                w.moved(to);
            }
        }
        w.0
    }

    pub fn decode(bytes: &[u8]) -> Result<LiveCommand, Malformed> {
        whole(bytes, |r| {
            Ok(match r.byte()? {
                0 => LiveCommand::Start {
                    room: RoomId::parse(r.str()?).ok_or_else(|| corrupt("room"))?,
                    key: RoomKey::parse(r.str()?).ok_or_else(|| corrupt("room key"))?,
                    seq: r.uint()?,
                    snapshot_upto: r.uint()?,
                    in_room: r.hashes()?,
                    set_aside: r.hashes()?,
                },
                1 => LiveCommand::Stop,
                2 => LiveCommand::Disconnected,
                3 => LiveCommand::RoomReset,
                4 => LiveCommand::Retrying,
                5 => LiveCommand::Missed { seq: r.uint()? },
                6 => LiveCommand::SnapshotAt { upto: r.uint()? },
                7 => LiveCommand::Acked {
                    heads: r.hashes()?,
                    seq: {
                        let some = r.bool()?;
                        let n = r.uint()?;
                        some.then_some(n)
                    },
                },
                8 => LiveCommand::Outgoing {
                    max_bytes: r.usize()?,
                },
                9 => LiveCommand::Snapshot {
                    head: r.uint()?,
                    max_bytes: r.usize()?,
                },
                10 => LiveCommand::Move { to: r.moved()? },
                _ => return Err(corrupt("live command")),
            })
        })
    }
}

impl LiveReply {
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer(Vec::new());
        w.live_state(&self.state);
        w.usize(self.out.len());
        for o in &self.out {
            w.bytes(&o.blob);
            w.hashes(&o.heads);
        }
        w.0
    }

    pub fn decode(bytes: &[u8]) -> Result<LiveReply, Malformed> {
        whole(bytes, |r| {
            let state = r.live_state()?;
            let n = r.len(2)?;
            let mut out = Vec::with_capacity(n);
            for _ in 0..n {
                out.push(Outgoing {
                    blob: r.bytes()?.to_vec(),
                    heads: r.hashes()?,
                });
            }
            Ok(LiveReply { state, out })
        })
    }
}

/// What became of an entry from the room ([`super::Engine::live_entry`]).
pub type LiveEntry = (Result<Received, SyncError>, Update, Option<LiveState>);

pub fn encode_live_entry((outcome, update, state): &LiveEntry) -> Vec<u8> {
    let mut w = Writer(Vec::new());
    match outcome {
        Ok(r) => {
            w.bool(true);
            w.0.push(match r {
                Received::Applied => 0,
                Received::Waiting => 1,
                Received::Skipped => 2,
                Received::Moved => 3,
            });
        }
        Err(e) => {
            w.bool(false);
            match e {
                SyncError::Crypto(CryptoError::Malformed) => w.0.push(0),
                SyncError::Crypto(CryptoError::Forged) => w.0.push(1),
                SyncError::Malformed => w.0.push(2),
                SyncError::OtherWorkbook => w.0.push(3),
                SyncError::Apply(e) => {
                    w.0.push(4);
                    w.error(e);
                }
                SyncError::BuildsOnRefused => w.0.push(5),
            }
        }
    }
    w.live_state(state);
    // The update last, in the layout of an edit's (with no outcome).
    w.0.extend_from_slice(&encode_edited(&Ok(Done::Nothing), update));
    w.0
}

pub fn decode_live_entry(bytes: &[u8]) -> Result<LiveEntry, Malformed> {
    let mut r = Reader::new(bytes);
    let outcome = if r.bool()? {
        Ok(match r.byte()? {
            0 => Received::Applied,
            1 => Received::Waiting,
            2 => Received::Skipped,
            3 => Received::Moved,
            _ => return Err(corrupt("received")),
        })
    } else {
        Err(match r.byte()? {
            0 => SyncError::Crypto(CryptoError::Malformed),
            1 => SyncError::Crypto(CryptoError::Forged),
            2 => SyncError::Malformed,
            3 => SyncError::OtherWorkbook,
            4 => SyncError::Apply(r.error()?),
            5 => SyncError::BuildsOnRefused,
            _ => return Err(corrupt("sync error")),
        })
    };
    let state = r.live_state()?;
    let (_, update) = decode_edited(&bytes[r.at..])?;
    Ok((outcome, update, state))
}
