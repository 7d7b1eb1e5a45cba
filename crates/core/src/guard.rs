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
//! The check reads each new change's operations, so it costs in proportion
//! to what arrives, not to the workbook.

use std::collections::{HashMap, HashSet};

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
            .map(|t| t.format(" of %-d %b %Y, %H:%M").to_string())
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
    const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
    let mut out = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        if rest.len() < 9 || rest[..4] != MAGIC {
            return Err("not Automerge data".into());
        }
        let kind = rest[8];
        let (len, used) = uleb(&rest[9..]).ok_or("a damaged chunk header")?;
        let end = 9usize
            .checked_add(used)
            .and_then(|n| n.checked_add(usize::try_from(len).ok()?))
            .filter(|end| *end <= rest.len())
            .ok_or("a chunk cut off")?;
        let chunk = &rest[..end];
        match kind {
            0 => {
                let options = automerge::LoadOptions::new()
                    .on_partial_load(automerge::OnPartialLoad::Error)
                    .verification_mode(automerge::VerificationMode::Check);
                let doc = automerge::Automerge::load_with_options(chunk, options)
                    .map_err(|e| e.to_string())?;
                out.extend(doc.get_changes(&[]));
            }
            1 | 2 => {
                // Automerge does not compare a change's checksum with its
                // contents when reading it alone; a damaged change could
                // then be applied.
                let change = Change::try_from(chunk).map_err(|e| e.to_string())?;
                if rest[4..8] != change.hash().0[..4] {
                    return Err("a chunk whose checksum does not match".into());
                }
                out.push(change);
            }
            _ => return Err("an unknown kind of chunk".into()),
        }
        rest = &rest[end..];
    }
    Ok(out)
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
pub(crate) fn check(doc: &AutoCommit, records: &ObjId, changes: &[Change]) -> Result<(), Refusal> {
    let records_op = match records {
        ObjId::Id(ctr, actor, _) => Some(OpId(*ctr, actor.clone())),
        ObjId::Root => None,
    };
    let version_now = match doc.get(ROOT, KEY_SCHEMA_VERSION) {
        Ok(Some((automerge::Value::Scalar(s), _))) => s.as_u64().unwrap_or(0),
        _ => 0,
    };
    // Records created by these changes, by their object: the id.
    let mut created: HashMap<OpId, String> = HashMap::new();
    let mut new_keys: HashSet<String> = HashSet::new();
    for change in changes {
        if doc.get_change_by_hash(&change.hash()).is_some() {
            continue;
        }
        // Record objects this change creates: their identity is written
        // by this change and no other.
        let mut new_records: HashSet<OpId> = HashSet::new();
        let refuse = |breach: Breach| {
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
        };
        let expanded = change.decode();
        let start = change.start_op().get();
        let actor: &ActorId = change.actor_id();
        for (i, op) in expanded.operations.iter().enumerate() {
            let op_id = OpId(start + i as u64, actor.clone());
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
                    let exists =
                        doc.get(records, key).ok().flatten().is_some() || new_keys.contains(key);
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
                            created.insert(op_id.clone(), key.to_owned());
                            new_records.insert(op_id);
                            new_keys.insert(key.to_owned());
                        }
                        OpType::Delete if exists => {
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
                    if new_records.contains(obj) {
                        continue;
                    }
                    // Any other change writing it is refused, also when the
                    // record is not in this copy yet: created earlier in
                    // these changes, or by a change still to come (this
                    // one would wait in the copy and get in unchecked).
                    let id = record_of(doc, records, obj)
                        .or_else(|| created.get(obj).cloned())
                        .unwrap_or_else(|| format!("{}@{}", obj.0, obj.1));
                    return Err(refuse(Breach::RecordIdentity(id, what)));
                }
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
