//! Edits made against what a person saw.
//!
//! A form remembers the document heads it was opened at. Saving writes the
//! person's change *at those heads* (Automerge's isolation), so it is
//! concurrent with everything that arrived while the form was open:
//!
//! - a field is written only where the person's value differs both from the
//!   value they saw and from the value now (if someone else already wrote
//!   the same value, there is nothing to write);
//! - fields others changed meanwhile and the person left alone are kept;
//! - a field both changed becomes a conflict that Automerge keeps and the
//!   app shows, never a silent overwrite;
//! - long text is edited in place from the text the person saw, so edits
//!   of different parts of it merge character by character.
//!
//! With the heads current, each operation is exactly the plain one.

use automerge::{transaction::Transactable, ChangeHash, ObjId, ReadDoc, Value, ROOT};

use crate::catalogue;
use crate::change::ChangeContext;
use crate::checklist::{self, ItemState};
use crate::conflicts::write_fresh;
use crate::error::WorkbookError;
use crate::ids::RecordId;
use crate::registers::{FieldError, Kind, Record};
use crate::schema::KEY_NAME;
use crate::workbook::{clean_name, read_record, write_value, Workbook};

impl Workbook {
    /// Whether `heads` are this copy's current heads (none counts as now).
    fn at_current(&mut self, heads: &[ChangeHash]) -> bool {
        let current = self.doc.get_heads();
        heads.is_empty()
            || (heads.len() == current.len() && heads.iter().all(|h| current.contains(h)))
    }

    /// Runs `f` with every read and write isolated at `heads`: a change it
    /// commits depends on `heads` only, then merges with everything newer.
    /// Heads this copy does not hold are refused.
    pub(crate) fn at_heads<T>(
        &mut self,
        heads: &[ChangeHash],
        f: impl FnOnce(&mut Self) -> Result<T, WorkbookError>,
    ) -> Result<T, WorkbookError> {
        if self.at_current(heads) {
            return f(self);
        }
        if heads
            .iter()
            .any(|h| self.doc.get_change_by_hash(h).is_none())
        {
            return Err(WorkbookError::Document(
                "the form was opened on changes this copy does not hold".into(),
            ));
        }
        self.doc.isolate(heads);
        let out = f(self);
        if out.is_err() {
            self.rollback_open();
        }
        self.doc.integrate();
        out
    }

    /// Saves a record edited in a form opened at `seen`: only the fields
    /// the person changed are written, concurrently with every change made
    /// since (see the module). A record deleted meanwhile keeps the edit
    /// (restoring it shows it). Returns `false` when nothing was written.
    pub fn update_record_seen(
        &mut self,
        id: &RecordId,
        record: &Record,
        seen: &[ChangeHash],
        ctx: &ChangeContext,
    ) -> Result<bool, WorkbookError> {
        let (obj_now, def, _) = self
            .record_obj(id.as_str())
            .ok_or_else(|| WorkbookError::NotFound(id.to_string()))?;
        let now = read_record(&self.doc, &obj_now, def);
        self.check_links(def, record, Some(&now))?;
        // The object behind each text or link-set field now: if it is not
        // the one the person saw (someone settled a conflict with a fresh
        // one), an edit in place would land in an object no one sees.
        // (Only text and link sets are objects; nothing else is looked up.)
        let objects_now: Vec<Option<ObjId>> = def
            .stored_fields()
            .map(|f| match f.kind {
                Kind::LongText { .. } | Kind::Link { many: true, .. } => {
                    field_object(&self.doc, &obj_now, f.key)
                }
                _ => None,
            })
            .collect();
        // A form opened at the current state saw what is there now.
        let stale = !self.at_current(seen);
        self.at_heads(seen, |wb| {
            let (obj, _, _) = wb
                .record_obj(id.as_str())
                .ok_or_else(|| WorkbookError::NotFound(id.to_string()))?;
            let before = if stale {
                read_record(&wb.doc, &obj, def)
            } else {
                now.clone()
            };
            let mut changed = Vec::new();
            for (f, object_now) in def.stored_fields().zip(objects_now) {
                let new = record.get(f.key);
                if new == before.get(f.key) || new == now.get(f.key) {
                    continue;
                }
                if changed.is_empty() {
                    wb.note_record(id);
                }
                let object_seen = field_object(&wb.doc, &obj, f.key);
                let replaced = matches!(
                    f.kind,
                    Kind::LongText { .. } | Kind::Link { many: true, .. }
                ) && object_seen.is_some()
                    && object_seen != object_now;
                if replaced {
                    write_fresh(wb, &obj, f, new)?;
                } else {
                    write_value(&mut wb.doc, &obj, f, new)?;
                }
                changed.push(f.label_lower());
            }
            if changed.is_empty() {
                return Ok(false);
            }
            wb.commit(
                ctx,
                &format!(
                    "Changed {} of {} “{}”",
                    changed.join(", "),
                    def.singular,
                    record.text(def.title)
                ),
            );
            Ok(true)
        })
    }

    /// Stores the state of a checklist item: only the parts that changed.
    /// Returns `false` (and commits nothing) when nothing changed.
    pub fn set_checklist_item(
        &mut self,
        number: &str,
        state: &ItemState,
        ctx: &ChangeContext,
    ) -> Result<bool, WorkbookError> {
        let heads = self.heads();
        self.set_checklist_item_seen(number, state, &heads, ctx)
    }

    /// Saves a checklist item edited on a page opened at `seen`, like
    /// [`Self::update_record_seen`]: owner, status, notes and justification
    /// are written only where the person changed them, and evidence links
    /// the person added or removed are added or removed (links others added
    /// meanwhile stay).
    pub fn set_checklist_item_seen(
        &mut self,
        number: &str,
        state: &ItemState,
        seen: &[ChangeHash],
        ctx: &ChangeContext,
    ) -> Result<bool, WorkbookError> {
        let clause = catalogue::clause(number)
            .filter(|c| catalogue::is_checklist_item(c))
            .ok_or_else(|| WorkbookError::NotFound(format!("checklist item {number}")))?;
        if let Err(errors) = state.validate() {
            return Err(WorkbookError::Invalid(
                errors
                    .into_iter()
                    .map(|e| FieldError {
                        field: e.field,
                        message: e.message,
                    })
                    .collect(),
            ));
        }
        let now = self.checklist_item(number);
        for id in &state.evidence {
            if !now.evidence.contains(id) && self.record(id).is_none() {
                return Err(WorkbookError::Invalid(vec![FieldError {
                    field: "evidence",
                    message: "That evidence record does not exist or was deleted.".into(),
                }]));
            }
        }
        self.at_heads(seen, |wb| {
            let before = wb.checklist_item(number);
            let mut changed = Vec::new();
            let texts = [
                (
                    "status",
                    &before.status.key(),
                    &now.status.key(),
                    state.status.key(),
                ),
                (
                    "owner",
                    &before.owner.as_str(),
                    &now.owner.as_str(),
                    state.owner.trim(),
                ),
                (
                    "notes",
                    &before.notes.as_str(),
                    &now.notes.as_str(),
                    state.notes.as_str(),
                ),
                (
                    "justification",
                    &before.justification.as_str(),
                    &now.justification.as_str(),
                    state.justification.trim(),
                ),
            ];
            for (field, seen_value, now_value, new) in texts {
                if new == *seen_value || new == *now_value {
                    continue;
                }
                let k = checklist::key(number, field);
                if new.is_empty() {
                    wb.doc.delete(ROOT, k.as_str())?;
                } else {
                    wb.doc.put(ROOT, k.as_str(), new)?;
                }
                changed.push(field);
            }
            let prefix = checklist::evidence_prefix(number);
            for id in &before.evidence {
                if !state.evidence.contains(id) && now.evidence.contains(id) {
                    wb.doc.delete(ROOT, format!("{prefix}{id}").as_str())?;
                    changed.push("evidence");
                }
            }
            for id in &state.evidence {
                if !before.evidence.contains(id) && !now.evidence.contains(id) {
                    wb.doc.put(ROOT, format!("{prefix}{id}").as_str(), true)?;
                    changed.push("evidence");
                }
            }
            if changed.is_empty() {
                return Ok(false);
            }
            wb.note_checklist(number);
            changed.dedup();
            let summary = if changed == ["status"] {
                format!(
                    "Set {} {} to {}",
                    clause.number,
                    clause.title,
                    state.status.label().to_lowercase()
                )
            } else {
                format!(
                    "Changed {} of checklist item {} {}",
                    changed.join(", "),
                    clause.number,
                    clause.title
                )
            };
            wb.commit(ctx, &summary);
            Ok(true)
        })
    }

    pub fn rename(&mut self, name: &str, ctx: &ChangeContext) -> Result<(), WorkbookError> {
        let heads = self.heads();
        self.rename_seen(name, &heads, ctx).map(|_| ())
    }

    /// Renames the workbook from a form opened at `seen`; returns `false`
    /// when there was nothing to write (the name was already this).
    pub fn rename_seen(
        &mut self,
        name: &str,
        seen: &[ChangeHash],
        ctx: &ChangeContext,
    ) -> Result<bool, WorkbookError> {
        let name = clean_name(name)?;
        let now = self.name();
        self.at_heads(seen, |wb| {
            if name == now || name == wb.name() {
                return Ok(false);
            }
            wb.note_workbook();
            wb.doc.put(ROOT, KEY_NAME, name.as_str())?;
            wb.commit(ctx, &format!("Renamed the workbook to “{name}”"));
            Ok(true)
        })
    }
}

/// The object (Text or link set) a field's value is, if it is one.
fn field_object(doc: &automerge::AutoCommit, obj: &ObjId, key: &str) -> Option<ObjId> {
    match doc.get(obj, key) {
        Ok(Some((Value::Object(_), id))) => Some(id),
        _ => None,
    }
}
