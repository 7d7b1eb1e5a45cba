//! Concurrent values: reading every value Automerge keeps for a record field
//! or a checklist item field, with who wrote it and when, and settling them
//! by writing the one a person keeps.
//!
//! A settlement is written at the heads the person saw the values at
//! ([`Workbook::resolve_field_seen`]), so it supersedes exactly those
//! values: one that arrived meanwhile stays, and is still shown.

use automerge::{transaction::Transactable, ChangeHash, ObjId, ObjType, ReadDoc, Value, ROOT};

use crate::change::{ChangeContext, ChangeMeta};
use crate::checklist::{self, ItemStatus};
use crate::error::WorkbookError;
use crate::ids::RecordId;
use crate::registers::{FieldDef, Kind, Value as RValue};
use crate::workbook::{decode_value, read_record, write_value, At, FieldVersion, Workbook};

/// The checklist item fields that hold one value each (evidence links are a
/// set: additions and removals by different people all stay).
pub const CHECKLIST_FIELDS: [&str; 4] = ["status", "owner", "notes", "justification"];

impl Workbook {
    /// Every value of a field of a record, oldest change first: more than
    /// one when people changed it concurrently.
    pub fn field_versions(&mut self, id: &RecordId, key: &str) -> Vec<FieldVersion> {
        let Some((obj, def, _)) = self.record_obj(id.as_str()) else {
            return Vec::new();
        };
        let Some(f) = def.field(key) else {
            return Vec::new();
        };
        let all = self.all_values(&obj, f.key);
        let at = At::now(&self.doc);
        let out: Vec<FieldVersion> = all
            .into_iter()
            .map(|(value, op, meta)| FieldVersion {
                value: decode_value(at, f, value, op),
                author: meta.as_ref().map(|m| m.author.clone()).unwrap_or_default(),
                at: meta.and_then(|m| m.at),
            })
            .collect();
        oldest_first(out)
    }

    /// Every value of a checklist item's field (`status`, `owner`, `notes`
    /// or `justification`), oldest first, as text (a status as its key).
    pub fn checklist_versions(&mut self, number: &str, field: &str) -> Vec<FieldVersion> {
        if !CHECKLIST_FIELDS.contains(&field) {
            return Vec::new();
        }
        let key = checklist::key(number, field);
        let out: Vec<FieldVersion> = self
            .all_values(&ROOT, &key)
            .into_iter()
            .map(|(value, _, meta)| FieldVersion {
                value: match value {
                    Value::Scalar(s) => s.as_str().map(|s| RValue::Text(s.to_owned())),
                    Value::Object(_) => None,
                },
                author: meta.as_ref().map(|m| m.author.clone()).unwrap_or_default(),
                at: meta.and_then(|m| m.at),
            })
            .collect();
        oldest_first(out)
    }

    /// Each value of `key` in `obj` with the op that wrote it and that
    /// change's metadata.
    fn all_values(
        &mut self,
        obj: &ObjId,
        key: &str,
    ) -> Vec<(Value<'static>, ObjId, Option<ChangeMeta>)> {
        let all: Vec<(Value<'static>, ObjId)> = self
            .doc
            .get_all(obj, key)
            .unwrap_or_default()
            .into_iter()
            .map(|(v, op)| (v.into_owned(), op))
            .collect();
        all.into_iter()
            .map(|(value, op)| {
                let meta = self.doc.hash_for_opid(&op).and_then(|hash| {
                    let m = self.doc.get_change_meta_by_hash(&hash)?;
                    Some(ChangeMeta::decode(m.message.as_deref(), m.timestamp))
                });
                (value, op, meta)
            })
            .collect()
    }

    /// Ends a conflict on one field by writing the value chosen (or `None`
    /// to clear it); the new value replaces every concurrent one.
    pub fn resolve_field(
        &mut self,
        id: &RecordId,
        key: &str,
        value: Option<&RValue>,
        ctx: &ChangeContext,
    ) -> Result<(), WorkbookError> {
        let heads = self.heads();
        self.resolve_field_seen(id, key, value, &heads, ctx)
    }

    /// Like [`Self::resolve_field`], written at `seen` (the heads the
    /// person saw the values at): a value that arrived after them stays.
    pub fn resolve_field_seen(
        &mut self,
        id: &RecordId,
        key: &str,
        value: Option<&RValue>,
        seen: &[ChangeHash],
        ctx: &ChangeContext,
    ) -> Result<(), WorkbookError> {
        let (obj, def, deleted) = self
            .record_obj(id.as_str())
            .ok_or_else(|| WorkbookError::NotFound(id.to_string()))?;
        if deleted {
            return Err(WorkbookError::NotFound(id.to_string()));
        }
        let f = def
            .field(key)
            .filter(|f| f.is_stored())
            .ok_or_else(|| WorkbookError::NotFound(format!("field {key}")))?;
        let mut check = read_record(&self.doc, &obj, def);
        match value {
            Some(v) => check.set(f.key, v.clone()),
            None => {
                check.values.remove(f.key);
            }
        }
        self.check_links(def, &check, None)?;
        let title = check.text(def.title).to_owned();
        self.at_heads(seen, |wb| {
            let (obj, _, _) = wb
                .record_obj(id.as_str())
                .ok_or_else(|| WorkbookError::NotFound(id.to_string()))?;
            wb.note_record(id);
            write_fresh(wb, &obj, f, value)?;
            wb.commit(
                ctx,
                &format!("Settled {} of {} “{title}”", f.label_lower(), def.singular),
            );
            Ok(())
        })
    }

    /// Ends a conflict on a checklist item's field by writing the value
    /// kept (empty clears it), at `seen`, like [`Self::resolve_field_seen`].
    pub fn resolve_checklist_field(
        &mut self,
        number: &str,
        field: &str,
        value: &str,
        seen: &[ChangeHash],
        ctx: &ChangeContext,
    ) -> Result<(), WorkbookError> {
        let clause = crate::catalogue::clause(number)
            .filter(|c| crate::catalogue::is_checklist_item(c))
            .ok_or_else(|| WorkbookError::NotFound(format!("checklist item {number}")))?;
        let field = CHECKLIST_FIELDS
            .into_iter()
            .find(|f| *f == field)
            .ok_or_else(|| WorkbookError::NotFound(format!("checklist field {field}")))?;
        if field == "status" && ItemStatus::from_key(value).is_none() {
            return Err(WorkbookError::Document(format!("unknown status {value}")));
        }
        let key = checklist::key(number, field);
        self.at_heads(seen, |wb| {
            wb.note_checklist(number);
            // Every value goes, then the kept one is written anew (see
            // `write_fresh`).
            if wb.doc.get(ROOT, key.as_str())?.is_some() {
                wb.doc.delete(ROOT, key.as_str())?;
            }
            if !value.is_empty() {
                wb.doc.put(ROOT, key.as_str(), value)?;
            }
            wb.commit(
                ctx,
                &format!(
                    "Settled {field} of checklist item {} {}",
                    clause.number, clause.title
                ),
            );
            Ok(())
        })
    }
}

/// Versions in the order they were written (one sort for both kinds).
fn oldest_first(mut versions: Vec<FieldVersion>) -> Vec<FieldVersion> {
    crate::order::sort_by_key(&mut versions, |a| a.at);
    versions
}

/// Writes `value` as a new object for text and link sets (so no earlier or
/// concurrent object of the field stays visible), or as a plain value.
pub(crate) fn write_fresh(
    wb: &mut Workbook,
    obj: &ObjId,
    f: &FieldDef,
    value: Option<&RValue>,
) -> Result<(), WorkbookError> {
    match (f.kind, value) {
        (Kind::LongText { .. }, Some(RValue::Text(s))) => {
            let text = wb.doc.put_object(obj, f.key, ObjType::Text)?;
            wb.doc.splice_text(&text, 0, 0, s)?;
        }
        (Kind::Link { many: true, .. }, Some(RValue::Links(ids))) => {
            let set = wb.doc.put_object(obj, f.key, ObjType::Map)?;
            for t in ids {
                wb.doc.put(&set, t.as_str(), true)?;
            }
        }
        (_, None) => {
            if wb.doc.get(obj, f.key)?.is_some() {
                wb.doc.delete(obj, f.key)?;
            }
        }
        (_, Some(_)) => {
            // Automerge turns a put of the value already shown into a mere
            // removal of the other values, and an edit made concurrently
            // would then replace the kept value without a conflict: every
            // value goes first, so the kept one is written anew.
            if wb.doc.get(obj, f.key)?.is_some() {
                wb.doc.delete(obj, f.key)?;
            }
            write_value(&mut wb.doc, obj, f, value)?
        }
    }
    Ok(())
}
