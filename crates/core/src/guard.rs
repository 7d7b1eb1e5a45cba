//! Checks on changes from elsewhere — a file, a live entry, another tab's
//! chunk, a joined room — before any of them is applied.
//!
//! Someone else's change may edit records, the checklist and the name, but
//! it can never change what makes the document this workbook:
//!
//! - the root's `format`, `workbook_id` and `created_at`, and the `records`
//!   map itself (replacing or deleting it would empty the workbook);
//! - `schema_version`, except raising it to a version this app knows, which
//!   is what the app's own migration writes;
//! - a record's place: a record is never removed from the `records` map or
//!   replaced by another object, and its `register`, `created_at` and
//!   `created_by` are written once, by the change that creates it.
//!
//! A change may also not take the number of another change by its author
//! (Automerge refuses it; since changes are applied a few at a time, it is
//! refused here, before any of them is applied).
//!
//! The check reads each new change's operations, so it costs in proportion
//! to what arrives, not to the workbook.

use std::collections::HashMap;

use automerge::{
    legacy::{Key, ObjectId, OpId, OpType},
    ActorId, AutoCommit, Change, ObjId, Prop, ReadDoc, ScalarValue, ROOT,
};
use chrono::{DateTime, Utc};

use crate::change::ChangeMeta;
use crate::ids::RecordId;
use crate::schema::*;

/// A change that would break the workbook, and whose it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The display name written into the change ("someone" if none).
    pub author: String,
    pub at: Option<DateTime<Utc>>,
    pub breach: Breach,
}

/// What a refused change would have done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Breach {
    /// Changes `format`, `workbook_id` or `created_at` of the workbook.
    Identity(&'static str),
    /// Replaces or deletes the map that holds every record.
    RecordsReplaced,
    /// Sets the format version to one this app does not know, or lowers it.
    SchemaVersion(Option<u64>),
    /// Removes a record from the workbook (deleting marks it instead).
    RecordRemoved(String),
    /// Puts another object in the place of an existing record.
    RecordReplaced(String),
    /// Changes the register, creation time or creator of an existing record.
    RecordIdentity(String, &'static str),
    /// Puts something that is not a record into the records.
    NotARecord(String),
    /// Refers to changes of an author no change here or in the workbook
    /// comes from: damaged or forged data, which Automerge cannot apply.
    UnknownAuthor,
    /// Gives itself the number of another change by the same author:
    /// damaged or forged data, which Automerge refuses (and would refuse
    /// half-way through the changes it is given a few at a time).
    NumberReused,
}

impl std::fmt::Display for Breach {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Breach::Identity(KEY_WORKBOOK_ID) => {
                write!(f, "change the workbook's identity (its id)")
            }
            Breach::Identity(KEY_FORMAT) => write!(f, "change the workbook's format mark"),
            Breach::Identity(_) => write!(f, "change when the workbook was created"),
            Breach::RecordsReplaced => write!(f, "replace or remove every record of the workbook"),
            Breach::SchemaVersion(Some(v)) if *v > SCHEMA_VERSION => write!(
                f,
                "raise the workbook's format to version {v}, which this version of the app does not know"
            ),
            Breach::SchemaVersion(_) => write!(f, "change the workbook's format version"),
            Breach::RecordRemoved(id) => write!(f, "remove record {id} for good"),
            Breach::RecordReplaced(id) => {
                write!(f, "replace record {id} with another, losing its history")
            }
            Breach::RecordIdentity(id, what) => write!(f, "change the {what} of record {id}"),
            Breach::NumberReused => write!(
                f,
                "take the number of another change by the same author (the data is damaged or forged)"
            ),
            Breach::UnknownAuthor => write!(
                f,
                "build on changes no one has made (the data is damaged or forged)"
            ),
            Breach::NotARecord(key) => {
                write!(f, "put something that is not a record into the records ({key})")
            }
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let when = self
            .at
            .map(|t| format!(" of {}", crate::dates::short_at(t.naive_utc())))
            .unwrap_or_default();
        write!(
            f,
            "a change by {}{when} would {}; it was not applied",
            self.author, self.breach
        )
    }
}

/// The changes in `bytes` (change chunks, or a saved document, or any
/// concatenation of them, as stored or sent), in order.
pub(crate) fn changes_in(bytes: &[u8]) -> Result<Vec<Change>, String> {
    let mut out = Vec::new();
    for (kind, chunk) in chunks(bytes)? {
        match kind {
            Chunk::Document => out.extend(load_document(chunk)?.get_changes(&[])),
            Chunk::Change => out.push(read_change(chunk)?),
        }
    }
    Ok(out)
}

/// The kinds of chunk Automerge data is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Chunk {
    /// A saved document (many changes, compressed).
    Document,
    /// One change (plain or compressed).
    Change,
}

/// Splits Automerge data into its chunks by their headers, reading nothing
/// else: magic bytes, checksum, kind, length.
pub(crate) fn chunks(bytes: &[u8]) -> Result<Vec<(Chunk, &[u8])>, String> {
    const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
    let mut out = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        if rest.len() < 9 || rest[..4] != MAGIC {
            return Err("not Automerge data".into());
        }
        let kind = match rest[8] {
            0 => Chunk::Document,
            1 | 2 => Chunk::Change,
            _ => return Err("an unknown kind of chunk".into()),
        };
        let (len, used) = uleb(&rest[9..]).ok_or("a damaged chunk header")?;
        let end = 9usize
            .checked_add(used)
            .and_then(|n| n.checked_add(usize::try_from(len).ok()?))
            .filter(|end| *end <= rest.len())
            .ok_or("a chunk cut off")?;
        out.push((kind, &rest[..end]));
        rest = &rest[end..];
    }
    Ok(out)
}

/// A saved document chunk, read strictly.
pub(crate) fn load_document(chunk: &[u8]) -> Result<automerge::Automerge, String> {
    let options = automerge::LoadOptions::new()
        .on_partial_load(automerge::OnPartialLoad::Error)
        .verification_mode(automerge::VerificationMode::Check);
    automerge::Automerge::load_with_options(chunk, options).map_err(|e| e.to_string())
}

/// One change chunk, with its checksum compared to its contents (Automerge
/// does not, when it reads a change alone; a damaged change could then be
/// applied).
pub(crate) fn read_change(chunk: &[u8]) -> Result<Change, String> {
    let change = Change::try_from(chunk).map_err(|e| e.to_string())?;
    if chunk[4..8] != change.hash().0[..4] {
        return Err("a chunk whose checksum does not match".into());
    }
    Ok(change)
}

fn uleb(b: &[u8]) -> Option<(u64, usize)> {
    let mut v: u64 = 0;
    for (i, byte) in b.iter().enumerate().take(10) {
        v |= u64::from(byte & 0x7f).checked_shl(7 * i as u32)?;
        if byte & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
}

/// Checks `changes` (those not in `doc` yet) against the rules of the
/// module. `records` is the workbook's records map.
pub(crate) fn check(
    doc: &mut AutoCommit,
    records: &ObjId,
    changes: &[Change],
) -> Result<(), Refusal> {
    check_numbers(doc, changes)?;
    check_operations(doc, records, changes)
}

/// Every author numbers their changes 1, 2, 3…, each change building on
/// the one before. Automerge refuses a change whose number its author has
/// used already; it is refused here first, so that changes applied a few
/// at a time are refused all together, before any is applied.
fn check_numbers(doc: &mut AutoCommit, changes: &[Change]) -> Result<(), Refusal> {
    let new: Vec<&Change> = changes
        .iter()
        .filter(|c| doc.get_change_by_hash(&c.hash()).is_none())
        .collect();
    // Twice among the new changes.
    let mut numbers = std::collections::HashSet::new();
    let mut first: HashMap<&ActorId, &Change> = HashMap::new();
    for c in &new {
        if !numbers.insert((c.actor_id(), c.seq())) {
            return Err(refusal(c, Breach::NumberReused));
        }
        let e = first.entry(c.actor_id()).or_insert(c);
        if c.seq() < e.seq() {
            *e = c;
        }
    }
    // A number the workbook holds already: an author's earlier changes all
    // come before their next one, so a change of theirs that the first new
    // one does not build on has its number or a later one. What it builds
    // on is read through the new changes down to the workbook's own.
    let by_hash: HashMap<automerge::ChangeHash, &Change> =
        new.iter().map(|c| (c.hash(), *c)).collect();
    for (actor, c) in first {
        if doc.import_obj(&format!("1@{actor}")).is_err() {
            continue; // An author new to the workbook.
        }
        let mut below = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut todo: Vec<automerge::ChangeHash> = c.deps().to_vec();
        let mut waits = false;
        while let Some(d) = todo.pop() {
            if !seen.insert(d) {
                continue;
            }
            if ReadDoc::get_change_by_hash(&*doc, &d).is_some() {
                below.push(d);
            } else if let Some(dep) = by_hash.get(&d) {
                todo.extend(dep.deps().iter().copied());
            } else {
                waits = true;
                break;
            }
        }
        // A change that waits for others is checked by Automerge when they
        // come.
        if !waits
            && doc
                .get_changes_meta(&below)
                .iter()
                .any(|m| m.actor.as_ref() == actor)
        {
            return Err(refusal(c, Breach::NumberReused));
        }
    }
    Ok(())
}

/// Checks the operations of `changes` (those not in `doc` yet) against the
/// rules of the module. `records` is the workbook's records map.
fn check_operations(doc: &AutoCommit, records: &ObjId, changes: &[Change]) -> Result<(), Refusal> {
    let records_op = match records {
        ObjId::Id(ctr, actor, _) => Some(OpId(*ctr, actor.clone())),
        ObjId::Root => None,
    };
    let version_now = match doc.get(ROOT, KEY_SCHEMA_VERSION) {
        Ok(Some((automerge::Value::Scalar(s), _))) => s.as_u64().unwrap_or(0),
        _ => 0,
    };
    // Records created by these changes, by their object: the id, and which
    // change created it (the only one that may write its identity).
    let mut created: HashMap<OpId, (String, usize)> = HashMap::new();
    // Authors whose changes these ones may refer to: theirs, or those the
    // workbook holds (asked once per author).
    let mut known: HashMap<ActorId, bool> = changes
        .iter()
        .map(|c| (c.actor_id().clone(), true))
        .collect();
    let mut is_known = |actor: &ActorId| -> bool {
        *known
            .entry(actor.clone())
            .or_insert_with(|| doc.import_obj(&format!("1@{actor}")).is_ok())
    };
    for (n, change) in changes.iter().enumerate() {
        if doc.get_change_by_hash(&change.hash()).is_some() {
            continue;
        }
        let refuse = |breach: Breach| refusal(change, breach);
        let deps_here = change
            .deps()
            .iter()
            .all(|d| changes.iter().any(|c| c.hash() == *d) || doc.get_change_by_hash(d).is_some());
        let expanded = change.decode();
        let start = change.start_op().get();
        let actor: &ActorId = change.actor_id();
        for (i, op) in expanded.operations.iter().enumerate() {
            let op_id = OpId(start + i as u64, actor.clone());
            // A change whose dependencies have not all arrived waits in
            // Automerge; the authors it refers to may come with them.
            if deps_here && refers_to(op).any(|id| !is_known(&id.1)) {
                return Err(refuse(Breach::UnknownAuthor));
            }
            let key = match &op.key {
                Key::Map(k) => k.as_str(),
                Key::Seq(_) => "",
            };
            match &op.obj {
                ObjectId::Root => match key {
                    KEY_FORMAT | KEY_WORKBOOK_ID | KEY_CREATED_AT => {
                        return Err(refuse(Breach::Identity(match key {
                            KEY_FORMAT => KEY_FORMAT,
                            KEY_WORKBOOK_ID => KEY_WORKBOOK_ID,
                            _ => KEY_CREATED_AT,
                        })))
                    }
                    KEY_RECORDS => return Err(refuse(Breach::RecordsReplaced)),
                    KEY_SCHEMA_VERSION => {
                        let v = match &op.action {
                            OpType::Put(ScalarValue::Uint(v)) => Some(*v),
                            OpType::Put(ScalarValue::Int(v)) => u64::try_from(*v).ok(),
                            _ => None,
                        };
                        match v {
                            Some(v) if v >= version_now && v <= SCHEMA_VERSION => {}
                            v => return Err(refuse(Breach::SchemaVersion(v))),
                        }
                    }
                    _ => {}
                },
                ObjectId::Id(obj) if Some(obj) == records_op.as_ref() => {
                    let exists = || {
                        doc.get(records, key).ok().flatten().is_some()
                            || created.values().any(|(k, _)| k == key)
                    };
                    match &op.action {
                        OpType::Make(automerge::ObjType::Map) if RecordId::parse(key).is_some() => {
                            // A make that supersedes earlier values
                            // replaces the record (whether this copy holds
                            // it yet or not); one with none is a concurrent
                            // creation under the same id, which merges as
                            // any concurrent value does.
                            if !op.pred.is_empty() {
                                return Err(refuse(Breach::RecordReplaced(key.to_owned())));
                            }
                            created.insert(op_id, (key.to_owned(), n));
                        }
                        OpType::Delete if exists() => {
                            return Err(refuse(Breach::RecordRemoved(key.to_owned())))
                        }
                        _ => return Err(refuse(Breach::NotARecord(key.to_owned()))),
                    }
                }
                ObjectId::Id(obj) => {
                    let what = match key {
                        REC_REGISTER => "register",
                        REC_CREATED_AT => "creation time",
                        REC_CREATED_BY => "creator",
                        _ => continue,
                    };
                    if created.get(obj).is_some_and(|(_, by)| *by == n) {
                        continue;
                    }
                    // Any other change writing it is refused, also when the
                    // record is not in this copy yet: created earlier in
                    // these changes, or by a change still to come (this
                    // one would wait in the copy and get in unchecked).
                    let id = record_of(doc, records, obj)
                        .or_else(|| created.get(obj).map(|(k, _)| k.clone()))
                        .unwrap_or_else(|| format!("{}@{}", obj.0, obj.1));
                    return Err(refuse(Breach::RecordIdentity(id, what)));
                }
            }
        }
    }
    Ok(())
}

/// The operations an operation refers to: those it supersedes, its object
/// and the list element it is put after.
fn refers_to(op: &automerge::legacy::Op) -> impl Iterator<Item = &OpId> {
    op.pred
        .iter()
        .chain(match &op.obj {
            ObjectId::Id(id) => Some(id),
            ObjectId::Root => None,
        })
        .chain(match &op.key {
            Key::Seq(automerge::legacy::ElementId::Id(id)) => Some(id),
            _ => None,
        })
}

/// Who wrote `change`, as a refusal names them.
fn refusal(change: &Change, breach: Breach) -> Refusal {
    let meta = ChangeMeta::decode(change.message(), change.timestamp());
    Refusal {
        author: if meta.author.trim().is_empty() {
            "someone".to_owned()
        } else {
            meta.author
        },
        at: meta.at,
        breach,
    }
}

/// Reads a workbook file made of several chunks (a saved document with
/// changes after it, or changes alone): every change it holds, checked to
/// refer only to authors of changes in it (a file holds its whole history),
/// applied into a new document. `None` if the file is one saved document,
/// which Automerge reads on its own.
pub(crate) fn read_chunked_file(bytes: &[u8]) -> Result<Option<AutoCommit>, String> {
    let parts = chunks(bytes)?;
    if parts.len() == 1 && parts[0].0 == Chunk::Document {
        return Ok(None);
    }
    let mut changes = Vec::new();
    for (kind, chunk) in parts {
        match kind {
            Chunk::Document => changes.extend(load_document(chunk)?.get_changes(&[])),
            Chunk::Change => changes.push(read_change(chunk)?),
        }
    }
    let authors: HashMap<ActorId, bool> = changes
        .iter()
        .map(|c| (c.actor_id().clone(), true))
        .collect();
    for c in &changes {
        if c.decode()
            .operations
            .iter()
            .any(|op| refers_to(op).any(|id| !authors.contains_key(&id.1)))
        {
            return Err(refusal(c, Breach::UnknownAuthor).to_string());
        }
    }
    let mut doc = AutoCommit::new();
    doc.apply_changes(changes).map_err(|e| e.to_string())?;
    if !doc.get_missing_deps(&[]).is_empty() {
        return Err("changes that others in the file build on are missing".into());
    }
    Ok(Some(doc))
}

/// Checks a whole document read from a file: its identity (`format`,
/// `workbook_id`, `created_at`, the records map) must be as the change that
/// created the workbook wrote it, with one value each. A file whose later
/// change rewrote one of them is a tampered copy.
pub(crate) fn check_document(doc: &mut AutoCommit) -> Result<(), Refusal> {
    for key in [KEY_FORMAT, KEY_WORKBOOK_ID, KEY_CREATED_AT, KEY_RECORDS] {
        let values = doc.get_all(ROOT, key).unwrap_or_default();
        let breach = || match key {
            KEY_RECORDS => Breach::RecordsReplaced,
            KEY_FORMAT => Breach::Identity(KEY_FORMAT),
            KEY_WORKBOOK_ID => Breach::Identity(KEY_WORKBOOK_ID),
            _ => Breach::Identity(KEY_CREATED_AT),
        };
        let ops: Vec<ObjId> = values.into_iter().map(|(_, op)| op).collect();
        for op in &ops {
            let Some(change) = doc
                .hash_for_opid(op)
                .and_then(|h| doc.get_change_by_hash(&h))
            else {
                continue;
            };
            if ops.len() > 1 || !change.deps().is_empty() {
                return Err(refusal(&change, breach()));
            }
        }
    }
    Ok(())
}

/// The id of the existing record whose map is `obj`, if it is one.
fn record_of(doc: &AutoCommit, records: &ObjId, obj: &OpId) -> Option<String> {
    let exid = doc.import_obj(&format!("{}@{}", obj.0, obj.1)).ok()?;
    let parent = doc.parents(&exid).ok()?.next()?;
    match (parent.obj == *records, parent.prop) {
        (true, Prop::Map(k)) => Some(k),
        _ => None,
    }
}
