//! A workbook's history, read from the Automerge change graph: every change
//! with who made it and what it touched; each record's timeline (which
//! fields changed, old → new); a record as it was after any change; and
//! undoing one's own changes.
//!
//! Every change this app writes names what it touched in its message
//! ([`Touches`]), so a record's timeline reads only the changes that name
//! it. Changes without that list (other tools, older versions) are checked
//! by comparing the record before and after them.

use automerge::{transaction::Transactable, ChangeHash, ObjId, ObjType, Value, ROOT};
use chrono::{DateTime, Utc};

use crate::change::{ChangeContext, ChangeMeta};
use crate::checklist::{self, ItemState};
use crate::error::WorkbookError;
use crate::ids::RecordId;
use crate::registers::{self, FieldDef, Value as RValue};
use crate::schema::*;
use crate::workbook::{checklist_item_in, read_stored, write_value, At, StoredRecord, Workbook};

/// One change of the workbook.
#[derive(Clone, Debug, PartialEq)]
pub struct HistoryEntry {
    pub hash: ChangeHash,
    /// The changes it was made on top of: the state its author saw.
    pub deps: Vec<ChangeHash>,
    /// Made by this copy since it was opened (its own actor).
    pub own: bool,
    pub meta: ChangeMeta,
}

impl HistoryEntry {
    pub fn author(&self) -> &str {
        &self.meta.author
    }

    pub fn summary(&self) -> &str {
        &self.meta.summary
    }

    pub fn at(&self) -> Option<DateTime<Utc>> {
        self.meta.at
    }

    /// The one record the change is about, if it names exactly one.
    pub fn only_record(&self) -> Option<RecordId> {
        match self.meta.touches.as_ref()?.records.as_slice() {
            [one] => RecordId::parse(one),
            _ => None,
        }
    }
}

/// What a change did to a record as a whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordEvent {
    Added,
    Edited,
    Deleted,
    Restored,
}

/// One field a change changed: the value before and after (`None`: empty).
#[derive(Clone, Debug)]
pub struct FieldChange {
    pub field: &'static FieldDef,
    pub before: Option<RValue>,
    pub after: Option<RValue>,
}

/// One change in a record's timeline.
#[derive(Clone, Debug)]
pub struct RecordChange {
    pub entry: HistoryEntry,
    pub event: RecordEvent,
    pub fields: Vec<FieldChange>,
    /// Files attached, removed, brought back or dated: name and event.
    pub files: Vec<(String, crate::attachments::FileEvent)>,
}

/// What an undo did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UndoOutcome {
    /// The summary of the change undone.
    pub undone: String,
    /// Values put back (fields, checklist entries, deleted marks, the name).
    pub reverted: usize,
    /// Values someone changed again since, left as they are now.
    pub kept: usize,
}

impl Workbook {
    /// Every change, oldest first (in causal order), with who made it, when
    /// and what it touched. Reads only change metadata, never operations.
    pub fn history(&mut self) -> Vec<HistoryEntry> {
        let me = self.doc.get_actor().clone();
        self.doc
            .get_changes_meta(&[])
            .into_iter()
            .map(|m| HistoryEntry {
                hash: m.hash,
                own: *m.actor == me,
                meta: ChangeMeta::decode(m.message.as_deref(), m.timestamp),
                deps: m.deps,
            })
            .collect()
    }

    /// A record (live or deleted) as it was at `heads`; `None` if it did
    /// not exist then.
    fn stored_at(&self, id: &str, heads: &[ChangeHash]) -> Option<StoredRecord> {
        let at = At {
            doc: &self.doc,
            heads: Some(heads),
        };
        self.read_in(at, id).map(|(_, r)| r)
    }

    /// A record's map and the record, read through `at`.
    fn read_in(&self, at: At<'_>, id: &str) -> Option<(ObjId, StoredRecord)> {
        let obj = match at.get(&self.records, id) {
            Some((Value::Object(ObjType::Map), obj)) => obj,
            _ => return None,
        };
        let stored = stored_in(at, &obj)?;
        Some((obj, stored))
    }

    /// A record as it was just after change `hash` (live or deleted).
    pub fn record_at(&self, id: &RecordId, hash: &ChangeHash) -> Option<StoredRecord> {
        self.stored_at(id.as_str(), &[*hash])
    }

    /// The timeline of one record, oldest first: every change that added,
    /// edited, deleted or restored it, with each changed field's old and new
    /// value.
    pub fn record_history(&mut self, id: &RecordId) -> Vec<RecordChange> {
        let mut out = Vec::new();
        for entry in self.history() {
            let named = match &entry.meta.touches {
                Some(t) => t.records.iter().any(|r| r == id.as_str()),
                // Not said: compare before and after.
                None => true,
            };
            if !named {
                continue;
            }
            let before = self.stored_at(id.as_str(), &entry.deps);
            let Some((obj, after)) = self.read_in(
                At {
                    doc: &self.doc,
                    heads: Some(&[entry.hash]),
                },
                id.as_str(),
            ) else {
                continue;
            };
            let event = match &before {
                None => RecordEvent::Added,
                Some(b) if !b.deleted && after.deleted => RecordEvent::Deleted,
                Some(b) if b.deleted && !after.deleted => RecordEvent::Restored,
                Some(_) => RecordEvent::Edited,
            };
            let fields: Vec<FieldChange> = after
                .def
                .stored_fields()
                .filter_map(|f| {
                    let old = before.as_ref().and_then(|b| b.record.get(f.key)).cloned();
                    let new = after.record.get(f.key).cloned();
                    (old != new).then_some(FieldChange {
                        field: f,
                        before: old,
                        after: new,
                    })
                })
                .collect();
            let files = crate::attachments::file_events(
                At {
                    doc: &self.doc,
                    heads: Some(&entry.deps),
                },
                At {
                    doc: &self.doc,
                    heads: Some(&[entry.hash]),
                },
                &obj,
                crate::attachments::RECORD_PREFIX,
            );
            if event == RecordEvent::Edited && fields.is_empty() && files.is_empty() {
                // Touched without a visible difference (or not at all).
                continue;
            }
            out.push(RecordChange {
                entry,
                event,
                fields,
                files,
            });
        }
        out
    }

    /// This copy's latest change that can be undone: its own (made since it
    /// was opened), not an undo itself, not undone already.
    pub fn undoable(&mut self) -> Option<HistoryEntry> {
        let hash = self
            .own
            .iter()
            .rev()
            .find(|(h, undoable)| *undoable && !self.undone.contains(h))?
            .0;
        self.entry(&hash)
    }

    /// Nothing committed so far is offered for undo (a workbook built for
    /// the person, such as the demo, is not their change).
    pub fn forget_undo(&mut self) {
        self.own.clear();
        self.undone.clear();
    }

    /// One change, by hash.
    pub fn entry(&mut self, hash: &ChangeHash) -> Option<HistoryEntry> {
        let me = self.doc.get_actor().clone();
        let m = self.doc.get_change_meta_by_hash(hash)?;
        Some(HistoryEntry {
            hash: m.hash,
            own: *m.actor == me,
            meta: ChangeMeta::decode(m.message.as_deref(), m.timestamp),
            deps: m.deps,
        })
    }

    /// Undoes change `hash` in one new change: every value it set is put
    /// back as it was before, unless someone has changed that value again
    /// since (then the newer value is kept and counted). A record it added
    /// is deleted (and can be restored). Nothing is committed when nothing
    /// can be put back.
    pub fn undo(
        &mut self,
        hash: &ChangeHash,
        ctx: &ChangeContext,
    ) -> Result<UndoOutcome, WorkbookError> {
        let entry = self
            .entry(hash)
            .ok_or_else(|| WorkbookError::NotFound("that change".into()))?;
        let touches = entry
            .meta
            .touches
            .clone()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| WorkbookError::Document("this change cannot be undone".into()))?;
        let (mut reverted, mut kept) = (0, 0);
        let after_heads = [entry.hash];
        for rid in &touches.records {
            let Some(id) = RecordId::parse(rid) else {
                continue;
            };
            let (r, k) = self.undo_record(&id, &entry.deps, &after_heads)?;
            reverted += r;
            kept += k;
        }
        for number in &touches.checklist {
            let (r, k) = self.undo_checklist(number, &entry.deps, &after_heads)?;
            reverted += r;
            kept += k;
        }
        if touches.workbook {
            let name_at = |heads: &[ChangeHash]| {
                At {
                    doc: &self.doc,
                    heads: Some(heads),
                }
                .get_str(&ROOT, KEY_NAME)
            };
            let (before, after) = (name_at(&entry.deps), name_at(&after_heads));
            if before != after {
                if let Some(before) = before.filter(|_| after.as_deref() == Some(&self.name())) {
                    self.note_workbook();
                    self.doc.put(ROOT, KEY_NAME, before.as_str())?;
                    reverted += 1;
                } else {
                    kept += 1;
                }
            }
        }
        let undone = entry.meta.summary.clone();
        if reverted > 0 {
            self.commit_undo(
                ctx,
                &format!("Undid: {undone}"),
                Some(entry.hash.to_string()),
            );
        }
        Ok(UndoOutcome {
            undone,
            reverted,
            kept,
        })
    }

    fn undo_record(
        &mut self,
        id: &RecordId,
        before_heads: &[ChangeHash],
        after_heads: &[ChangeHash],
    ) -> Result<(usize, usize), WorkbookError> {
        let before = self.stored_at(id.as_str(), before_heads);
        let after = self.stored_at(id.as_str(), after_heads);
        let now = self.stored_at_now(id);
        let (Some(after), Some((obj, now))) = (after, now) else {
            return Ok((0, 0));
        };
        let (mut reverted, mut kept) = self.undo_attachments(
            &obj,
            crate::attachments::RECORD_PREFIX,
            before_heads,
            after_heads,
        )?;
        if reverted > 0 {
            self.note_record(id);
        }
        let Some(before) = before else {
            // Added by the change: undoing it deletes the record.
            if !now.deleted {
                self.note_record(id);
                self.doc.put(&obj, REC_DELETED, true)?;
                reverted += 1;
            }
            return Ok((reverted, kept));
        };
        if before.deleted != after.deleted {
            if now.deleted == after.deleted {
                self.note_record(id);
                if before.deleted {
                    self.doc.put(&obj, REC_DELETED, true)?;
                } else {
                    self.doc.delete(&obj, REC_DELETED)?;
                }
                reverted += 1;
            } else {
                kept += 1;
            }
        }
        for f in after.def.stored_fields() {
            let (old, new) = (before.record.get(f.key), after.record.get(f.key));
            if old == new {
                continue;
            }
            if now.record.get(f.key) == new {
                self.note_record(id);
                write_value(&mut self.doc, &obj, f, old)?;
                reverted += 1;
            } else {
                kept += 1;
            }
        }
        Ok((reverted, kept))
    }

    fn stored_at_now(&self, id: &RecordId) -> Option<(ObjId, StoredRecord)> {
        self.read_in(At::now(&self.doc), id.as_str())
    }

    fn undo_checklist(
        &mut self,
        number: &str,
        before_heads: &[ChangeHash],
        after_heads: &[ChangeHash],
    ) -> Result<(usize, usize), WorkbookError> {
        let item = |wb: &Workbook, heads: Option<&[ChangeHash]>| {
            checklist_item_in(
                At {
                    doc: &wb.doc,
                    heads,
                },
                number,
            )
        };
        let before = item(self, Some(before_heads));
        let after = item(self, Some(after_heads));
        let now = item(self, None);
        let (mut reverted, mut kept) = self.undo_attachments(
            &ROOT,
            &crate::attachments::item_prefix(number),
            before_heads,
            after_heads,
        )?;
        if reverted > 0 {
            self.note_checklist(number);
        }
        let texts = |s: &ItemState| {
            [
                ("status", s.status.key().to_owned()),
                ("owner", s.owner.clone()),
                ("notes", s.notes.clone()),
                ("justification", s.justification.clone()),
            ]
        };
        for ((field, old), ((_, new), (_, current))) in texts(&before)
            .into_iter()
            .zip(texts(&after).into_iter().zip(texts(&now)))
        {
            if old == new {
                continue;
            }
            if current != new {
                kept += 1;
                continue;
            }
            self.note_checklist(number);
            let k = checklist::key(number, field);
            if old.is_empty() {
                self.doc.delete(ROOT, k.as_str())?;
            } else {
                self.doc.put(ROOT, k.as_str(), old.as_str())?;
            }
            reverted += 1;
        }
        let prefix = checklist::evidence_prefix(number);
        for id in &after.evidence {
            if !before.evidence.contains(id) {
                if now.evidence.contains(id) {
                    self.note_checklist(number);
                    self.doc.delete(ROOT, format!("{prefix}{id}").as_str())?;
                    reverted += 1;
                } else {
                    kept += 1;
                }
            }
        }
        for id in &before.evidence {
            if !after.evidence.contains(id) {
                if !now.evidence.contains(id) {
                    self.note_checklist(number);
                    self.doc.put(ROOT, format!("{prefix}{id}").as_str(), true)?;
                    reverted += 1;
                } else {
                    kept += 1;
                }
            }
        }
        Ok((reverted, kept))
    }
}

/// The record in map `obj`, read through `at`.
fn stored_in(at: At<'_>, obj: &ObjId) -> Option<StoredRecord> {
    let def = registers::register(&at.get_str(obj, REC_REGISTER)?)?;
    let deleted = matches!(
        at.get(obj, REC_DELETED),
        Some((Value::Scalar(s), _)) if s.as_bool() == Some(true)
    );
    let (record, info, conflicts, attachments) = read_stored(at, obj, def);
    Some(StoredRecord {
        def,
        deleted,
        record,
        info,
        conflicts,
        attachments,
    })
}
