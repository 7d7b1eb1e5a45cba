//! Files attached to records and checklist items: the evidence itself.
//!
//! The document holds what is known about each file — its SHA-256, name,
//! type, size, who added it and when, the date the evidence refers to and
//! how long it is valid — never its bytes, which are stored by their hash
//! beside the document (in the browser, and in a workbook file's
//! container, [`crate::container`]).
//!
//! Each attachment is a map of its own under a key holding its random id
//! (`attachment/<id>` in a record's map, `checklist/<n>/attachment/<id>`
//! at the root for a checklist item), so two people attaching at once
//! never write the same key. Removing one marks it removed, so that undo
//! and merges treat it as any other value.

use automerge::{transaction::Transactable, ObjId, ObjType, ReadDoc, ScalarValue, Value, ROOT};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use crate::catalogue::{self, Clause};
use crate::checklist;
use crate::workbook::At;
use crate::{AttachmentId, ChangeContext, RecordId, Workbook, WorkbookError};

pub use crate::container::{FileHash, MAX_FILE_BYTES};

/// Longest file name kept, in characters.
pub const NAME_MAX: usize = 255;
/// Longest media type kept (`application/pdf`), in characters.
pub const TYPE_MAX: usize = 127;

/// Key prefix of an attachment in a record's map.
pub(crate) const RECORD_PREFIX: &str = "attachment/";

const K_HASH: &str = "hash";
const K_NAME: &str = "name";
const K_TYPE: &str = "type";
const K_SIZE: &str = "size";
const K_BY: &str = "by";
const K_AT: &str = "at";
const K_EFFECTIVE: &str = "effective";
const K_UNTIL: &str = "valid_until";
const K_REMOVED: &str = "removed";

/// What a file is attached to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum On {
    Record(RecordId),
    /// A checklist item, by clause number.
    Item(&'static Clause),
}

impl On {
    /// A checklist item by its number, if the catalogue has it.
    pub fn item(number: &str) -> Option<Self> {
        catalogue::checklist_items()
            .find(|c| c.number == number)
            .map(On::Item)
    }
}

/// One attached file as the document describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    pub id: AttachmentId,
    pub hash: FileHash,
    /// The file's name as it was attached (downloaded under it).
    pub name: String,
    /// Its media type (`application/pdf`), or empty when unknown.
    pub media_type: String,
    pub size: u64,
    pub added_by: String,
    pub added_at: Option<DateTime<Utc>>,
    /// The date the evidence refers to (often not the day it was added).
    pub effective: Option<NaiveDate>,
    /// The last day the evidence holds, if it expires.
    pub valid_until: Option<NaiveDate>,
}

impl Attachment {
    /// Whether its validity ended before `today`.
    pub fn expired(&self, today: NaiveDate) -> bool {
        self.valid_until.is_some_and(|d| d < today)
    }

    /// Whether a browser can show it in the app (an image or a PDF).
    pub fn previewable(&self) -> bool {
        let t = self.media_type.as_str();
        t == "application/pdf"
            || matches!(
                t,
                "image/png" | "image/jpeg" | "image/gif" | "image/webp" | "image/avif"
            )
    }
}

/// What a person attaches: everything but who and when (the change says).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAttachment {
    pub id: AttachmentId,
    pub hash: FileHash,
    pub name: String,
    pub media_type: String,
    pub size: u64,
    pub effective: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
}

/// Why an attachment cannot be written, in words for the person.
fn check(a: &NewAttachment) -> Result<(), WorkbookError> {
    let bad = |m: &str| Err(WorkbookError::Attachment(m.to_owned()));
    let name = a.name.trim();
    if name.is_empty() || name.chars().count() > NAME_MAX || name.chars().any(char::is_control) {
        return bad("a file name has 1 to 255 characters and no control characters");
    }
    if a.media_type.chars().count() > TYPE_MAX
        || !a
            .media_type
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
    {
        return bad("the file's type is not a media type");
    }
    if a.size > MAX_FILE_BYTES {
        return bad("the file is larger than 50 MB");
    }
    dates(a.effective, a.valid_until)
}

fn dates(effective: Option<NaiveDate>, until: Option<NaiveDate>) -> Result<(), WorkbookError> {
    match (effective, until) {
        (Some(e), Some(u)) if u < e => Err(WorkbookError::Attachment(
            "“valid until” cannot be before the date the evidence refers to".into(),
        )),
        _ => Ok(()),
    }
}

/// The key prefix of the attachments of `on`, and the map they are in.
fn place(wb: &Workbook, on: &On) -> Result<(ObjId, String), WorkbookError> {
    match on {
        On::Record(id) => match wb.record_obj(id.as_str()) {
            Some((obj, _, false)) => Ok((obj, RECORD_PREFIX.to_owned())),
            Some((_, _, true)) => Err(WorkbookError::Attachment(
                "the record is deleted; restore it first".into(),
            )),
            None => Err(WorkbookError::NotFound(id.to_string())),
        },
        On::Item(c) => Ok((ROOT, item_prefix(c.number))),
    }
}

/// Key prefix of a checklist item's attachments at the root.
pub(crate) fn item_prefix(number: &str) -> String {
    checklist::key(number, RECORD_PREFIX)
}

/// Every attachment under `prefix` in `parent` (removed ones too, with
/// `true`), in id order.
pub(crate) fn read_all(at: At<'_>, parent: &ObjId, prefix: &str) -> Vec<(Attachment, bool)> {
    at.map_range_from(parent, prefix.to_owned())
        .take_while(|item| item.key.starts_with(prefix))
        .filter_map(|item| {
            let id = AttachmentId::parse(&item.key[prefix.len()..])?;
            if !matches!(item.value, automerge::ValueRef::Object(ObjType::Map)) {
                return None;
            }
            read_one(at, &item.id(), id)
        })
        .collect()
}

/// The attachment a record map's entry `key` holds, if it is a live one
/// (read while the record's fields are read, in the same pass).
pub(crate) fn read_in_record(
    at: At<'_>,
    key: &str,
    item: &automerge::iter::MapRangeItem<'_>,
) -> Option<Attachment> {
    let id = AttachmentId::parse(key.strip_prefix(RECORD_PREFIX)?)?;
    if !matches!(item.value, automerge::ValueRef::Object(ObjType::Map)) {
        return None;
    }
    match read_one(at, &item.id(), id)? {
        (a, false) => Some(a),
        _ => None,
    }
}

/// Live attachments under `prefix` in `parent`.
pub(crate) fn read_live(at: At<'_>, parent: &ObjId, prefix: &str) -> Vec<Attachment> {
    read_all(at, parent, prefix)
        .into_iter()
        .filter_map(|(a, removed)| (!removed).then_some(a))
        .collect()
}

/// One attachment's map, read; `None` when it is not one.
pub(crate) fn read_one(at: At<'_>, obj: &ObjId, id: AttachmentId) -> Option<(Attachment, bool)> {
    let s = |k: &str| at.get_str(obj, k);
    let scalar = |k: &str| match at.get(obj, k) {
        Some((Value::Scalar(s), _)) => Some(s.into_owned()),
        _ => None,
    };
    let hash = FileHash::parse(&s(K_HASH)?)?;
    let size = match scalar(K_SIZE)? {
        ScalarValue::Uint(n) => n,
        ScalarValue::Int(n) => u64::try_from(n).ok()?,
        _ => return None,
    };
    let added_at = match scalar(K_AT) {
        Some(ScalarValue::Timestamp(ms)) => Utc.timestamp_millis_opt(ms).single(),
        _ => None,
    };
    let date = |k: &str| s(k).and_then(|d| crate::dates::parse_iso(&d));
    let removed = matches!(scalar(K_REMOVED), Some(ScalarValue::Boolean(true)));
    Some((
        Attachment {
            id,
            hash,
            name: s(K_NAME).unwrap_or_default(),
            media_type: s(K_TYPE).unwrap_or_default(),
            size,
            added_by: s(K_BY).unwrap_or_default(),
            added_at,
            effective: date(K_EFFECTIVE),
            valid_until: date(K_UNTIL),
        },
        removed,
    ))
}

/// Puts `date` under `key` of `obj`, or takes it away.
fn put_date(
    doc: &mut automerge::AutoCommit,
    obj: &ObjId,
    key: &str,
    date: Option<NaiveDate>,
) -> Result<(), WorkbookError> {
    match date {
        Some(d) => doc.put(obj, key, crate::dates::iso(d))?,
        None if doc.get(obj, key)?.is_some() => doc.delete(obj, key)?,
        None => {}
    }
    Ok(())
}

impl Workbook {
    /// The live attachments of `on`, in id order.
    pub fn attachments(&self, on: &On) -> Vec<Attachment> {
        match place(self, on) {
            Ok((parent, prefix)) => read_live(At::now(&self.doc), &parent, &prefix),
            Err(_) => Vec::new(),
        }
    }

    /// Words for what a change to `on` is about (the record's title or the
    /// clause), for change summaries.
    fn about(&self, on: &On) -> String {
        match on {
            On::Record(id) => self
                .title_of(id)
                .map(|(def, title, _)| format!("{} “{title}”", def.singular.to_lowercase()))
                .unwrap_or_else(|| "a record".into()),
            On::Item(c) => format!("checklist item {}", c.number),
        }
    }

    fn note(&mut self, on: &On) {
        match on {
            On::Record(id) => self.note_record(id),
            On::Item(c) => self.note_checklist(c.number),
        }
    }

    /// Attaches a file (its description; the bytes are stored elsewhere by
    /// hash) to a record or checklist item, in one change.
    pub fn attach(
        &mut self,
        on: &On,
        new: &NewAttachment,
        ctx: &ChangeContext,
    ) -> Result<(), WorkbookError> {
        check(new)?;
        let (parent, prefix) = place(self, on)?;
        let key = format!("{prefix}{}", new.id);
        if self.doc.get(&parent, key.as_str())?.is_some() {
            return Err(WorkbookError::Attachment(
                "an attached file with this id exists already".into(),
            ));
        }
        let name = new.name.trim();
        let obj = self.doc.put_object(&parent, key.as_str(), ObjType::Map)?;
        self.doc.put(&obj, K_HASH, new.hash.to_hex())?;
        self.doc.put(&obj, K_NAME, name)?;
        self.doc.put(&obj, K_TYPE, new.media_type.as_str())?;
        self.doc.put(&obj, K_SIZE, ScalarValue::Uint(new.size))?;
        self.doc.put(&obj, K_BY, ctx.author.as_str())?;
        self.doc.put(
            &obj,
            K_AT,
            ScalarValue::Timestamp(ctx.at.timestamp_millis()),
        )?;
        put_date(&mut self.doc, &obj, K_EFFECTIVE, new.effective)?;
        put_date(&mut self.doc, &obj, K_UNTIL, new.valid_until)?;
        self.note(on);
        let about = self.about(on);
        self.commit(ctx, &format!("Attached “{name}” to {about}"));
        Ok(())
    }

    /// The map of attachment `id` of `on`, and the attachment.
    fn attachment_obj(
        &self,
        on: &On,
        id: &AttachmentId,
    ) -> Result<(ObjId, Attachment, bool), WorkbookError> {
        let (parent, prefix) = place(self, on)?;
        let found = match self.doc.get(&parent, format!("{prefix}{id}").as_str())? {
            Some((Value::Object(ObjType::Map), obj)) => {
                read_one(At::now(&self.doc), &obj, id.clone()).map(|(a, r)| (obj, a, r))
            }
            _ => None,
        };
        found.ok_or_else(|| WorkbookError::Attachment("that attached file is not there".into()))
    }

    /// Removes an attachment (marked removed: undo or a merge can bring it
    /// back). `false` when it was removed already.
    pub fn remove_attachment(
        &mut self,
        on: &On,
        id: &AttachmentId,
        ctx: &ChangeContext,
    ) -> Result<bool, WorkbookError> {
        let (obj, a, removed) = self.attachment_obj(on, id)?;
        if removed {
            return Ok(false);
        }
        self.doc.put(&obj, K_REMOVED, true)?;
        self.note(on);
        let about = self.about(on);
        self.commit(ctx, &format!("Removed “{}” from {about}", a.name));
        Ok(true)
    }

    /// Sets the dates of an attachment — what the evidence refers to and
    /// how long it holds — from a form that showed `seen`: only a date the
    /// person changed is written, so a date someone else changed meanwhile
    /// is kept. `false` when there was nothing to write.
    pub fn date_attachment(
        &mut self,
        on: &On,
        id: &AttachmentId,
        (effective, valid_until): (Option<NaiveDate>, Option<NaiveDate>),
        seen: (Option<NaiveDate>, Option<NaiveDate>),
        ctx: &ChangeContext,
    ) -> Result<bool, WorkbookError> {
        let (obj, a, removed) = self.attachment_obj(on, id)?;
        if removed {
            return Err(WorkbookError::Attachment(
                "that attached file was removed".into(),
            ));
        }
        let effective = if effective != seen.0 {
            effective
        } else {
            a.effective
        };
        let valid_until = if valid_until != seen.1 {
            valid_until
        } else {
            a.valid_until
        };
        dates(effective, valid_until)?;
        if a.effective == effective && a.valid_until == valid_until {
            return Ok(false);
        }
        if a.effective != effective {
            put_date(&mut self.doc, &obj, K_EFFECTIVE, effective)?;
        }
        if a.valid_until != valid_until {
            put_date(&mut self.doc, &obj, K_UNTIL, valid_until)?;
        }
        self.note(on);
        let about = self.about(on);
        self.commit(
            ctx,
            &format!("Changed the dates of “{}” on {about}", a.name),
        );
        Ok(true)
    }

    /// Undoes what one change did to the attachments under `prefix` in
    /// `parent` (see [`Workbook::undo`]): an attachment it added is
    /// removed, a removal or new dates are put back unless changed again
    /// since. Returns (put back, kept as changed since).
    pub(crate) fn undo_attachments(
        &mut self,
        parent: &ObjId,
        prefix: &str,
        before: &[automerge::ChangeHash],
        after: &[automerge::ChangeHash],
    ) -> Result<(usize, usize), WorkbookError> {
        let at = |heads| At {
            doc: &self.doc,
            heads: Some(heads),
        };
        let was = read_all(at(before), parent, prefix);
        let became = read_all(at(after), parent, prefix);
        let now = read_all(At::now(&self.doc), parent, prefix);
        let (mut reverted, mut kept) = (0, 0);
        for (a, removed) in &became {
            let Some((n, n_removed)) = now.iter().find(|(n, _)| n.id == a.id) else {
                continue;
            };
            let obj = match self.doc.get(parent, format!("{prefix}{}", a.id).as_str())? {
                Some((Value::Object(ObjType::Map), obj)) => obj,
                _ => continue,
            };
            let Some((b, b_removed)) = was.iter().find(|(b, _)| b.id == a.id) else {
                // Added by the change: undoing it removes it.
                if !n_removed {
                    self.doc.put(&obj, K_REMOVED, true)?;
                    reverted += 1;
                }
                continue;
            };
            if b_removed != removed {
                if n_removed == removed {
                    if *b_removed {
                        self.doc.put(&obj, K_REMOVED, true)?;
                    } else {
                        self.doc.delete(&obj, K_REMOVED)?;
                    }
                    reverted += 1;
                } else {
                    kept += 1;
                }
            }
            if (b.effective, b.valid_until) != (a.effective, a.valid_until) {
                if (n.effective, n.valid_until) == (a.effective, a.valid_until) {
                    put_date(&mut self.doc, &obj, K_EFFECTIVE, b.effective)?;
                    put_date(&mut self.doc, &obj, K_UNTIL, b.valid_until)?;
                    reverted += 1;
                } else {
                    kept += 1;
                }
            }
        }
        Ok((reverted, kept))
    }
}

/// What one change did to one attachment, for a record's history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileEvent {
    Attached,
    Removed,
    /// Brought back (an undo or a merge).
    Restored,
    /// Its dates changed.
    Dated,
}

/// What a change did to the attachments under `prefix` in `parent`,
/// between `before` and `after`: each changed attachment's name and event.
pub(crate) fn file_events(
    before: At<'_>,
    after: At<'_>,
    parent: &ObjId,
    prefix: &str,
) -> Vec<(String, FileEvent)> {
    let was = read_all(before, parent, prefix);
    read_all(after, parent, prefix)
        .into_iter()
        .filter_map(|(a, removed)| {
            let event = match was.iter().find(|(b, _)| b.id == a.id) {
                None if !removed => FileEvent::Attached,
                None => return None,
                Some((_, false)) if removed => FileEvent::Removed,
                Some((_, true)) if !removed => FileEvent::Restored,
                Some((b, _)) if (b.effective, b.valid_until) != (a.effective, a.valid_until) => {
                    FileEvent::Dated
                }
                Some(_) => return None,
            };
            Some((a.name, event))
        })
        .collect()
}

/// Every file the workbook refers to: the live attachments of its checklist
/// items and of its records, deleted records included (they can be
/// restored with their files). A workbook file carries these, and the
/// bytes of no other. A file attached in several places comes as often.
pub fn referenced<'a>(
    summary: &'a crate::view::Summary,
    ix: &'a crate::RecordIndex,
) -> impl Iterator<Item = FileHash> + 'a {
    let items = summary.checklist.iter().flat_map(|(_, s)| &s.attachments);
    let records = ix.entries().flat_map(|e| &e.attachments);
    items.chain(records).map(|a| a.hash)
}
