//! The workbook: an Automerge document with the schema of [`crate::schema`]
//! and typed operations on it. Every operation that changes the document
//! commits exactly one change carrying a [`ChangeContext`].

use automerge::{
    transaction::{CommitOptions, Transactable},
    ActorId, AutoCommit, ChangeHash, ObjId, ObjType, ReadDoc, ScalarValue, Value, ROOT,
};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use crate::change::{ChangeContext, ChangeMeta};
use crate::error::{LoadError, WorkbookError};
use crate::ids::{ActorBytes, RecordId, WorkbookId};
use crate::risk::{Risk, RiskField, RiskStatus, Treatment};
use crate::schema::*;

/// An open workbook.
pub struct Workbook {
    doc: AutoCommit,
    records: ObjId,
    id: WorkbookId,
    /// Heads already handed out as saved bytes; see [`Workbook::take_unsaved`].
    saved_heads: Vec<ChangeHash>,
}

impl std::fmt::Debug for Workbook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workbook").field("id", &self.id).finish()
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
        commit(&mut doc, ctx, &format!("Created workbook “{name}”"));
        Ok(Workbook {
            doc,
            records,
            id,
            saved_heads: Vec::new(),
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
        })
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
        }
    }

    pub fn id(&self) -> &WorkbookId {
        &self.id
    }

    pub fn name(&self) -> String {
        get_str(&self.doc, &ROOT, KEY_NAME).unwrap_or_default()
    }

    pub fn rename(&mut self, name: &str, ctx: &ChangeContext) -> Result<(), WorkbookError> {
        let name = clean_name(name)?;
        if name == self.name() {
            return Ok(());
        }
        self.doc.put(ROOT, KEY_NAME, name.as_str())?;
        commit(
            &mut self.doc,
            ctx,
            &format!("Renamed the workbook to “{name}”"),
        );
        Ok(())
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

    /// The whole document in compact form (a snapshot); everything counts as
    /// saved afterwards.
    pub fn save(&mut self) -> Vec<u8> {
        let bytes = self.doc.save();
        self.saved_heads = self.doc.get_heads();
        bytes
    }

    /// Merges every change of `other` (a copy of the same workbook) into this
    /// one. Returns how many changes were new here.
    pub fn merge(&mut self, other: &mut Workbook) -> Result<usize, WorkbookError> {
        if other.id != self.id {
            return Err(WorkbookError::Document(
                "the other copy is a different workbook".into(),
            ));
        }
        Ok(self.doc.merge(&mut other.doc)?.len())
    }

    /// Metadata of every change, oldest first (in causal order).
    pub fn history(&mut self) -> Vec<ChangeMeta> {
        self.doc
            .get_changes(&[])
            .iter()
            .map(|c| ChangeMeta::decode(c.message(), c.timestamp()))
            .collect()
    }

    // ---- risks -----------------------------------------------------------

    fn live_record(&self, id: &str, register: &str) -> Option<ObjId> {
        match self.doc.get(&self.records, id) {
            Ok(Some((Value::Object(ObjType::Map), obj))) => {
                let is_register =
                    get_str(&self.doc, &obj, REC_REGISTER).as_deref() == Some(register);
                let deleted = matches!(
                    self.doc.get(&obj, REC_DELETED),
                    Ok(Some((Value::Scalar(s), _))) if s.as_bool() == Some(true)
                );
                (is_register && !deleted).then_some(obj)
            }
            _ => None,
        }
    }

    /// Every risk that is not deleted, most severe first, then by title.
    pub fn risks(&self) -> Vec<(RecordId, Risk)> {
        let mut out: Vec<(RecordId, Risk)> = self
            .doc
            .keys(&self.records)
            .filter_map(|k| {
                let id = RecordId::parse(&k)?;
                let obj = self.live_record(&k, REGISTER_RISKS)?;
                Some((id, read_risk(&self.doc, &obj)))
            })
            .collect();
        out.sort_by(|(ia, a), (ib, b)| {
            b.score()
                .cmp(&a.score())
                .then_with(|| a.title.to_lowercase().cmp(&b.title.to_lowercase()))
                .then_with(|| ia.cmp(ib))
        });
        out
    }

    pub fn risk(&self, id: &RecordId) -> Option<Risk> {
        let obj = self.live_record(id.as_str(), REGISTER_RISKS)?;
        Some(read_risk(&self.doc, &obj))
    }

    pub fn record_info(&self, id: &RecordId) -> Option<RecordInfo> {
        let obj = match self.doc.get(&self.records, id.as_str()) {
            Ok(Some((Value::Object(ObjType::Map), obj))) => obj,
            _ => return None,
        };
        let created_at = match self.doc.get(&obj, REC_CREATED_AT) {
            Ok(Some((Value::Scalar(s), _))) => match s.as_ref() {
                ScalarValue::Timestamp(ms) => Utc.timestamp_millis_opt(*ms).single(),
                _ => None,
            },
            _ => None,
        };
        Some(RecordInfo {
            created_at,
            created_by: get_str(&self.doc, &obj, REC_CREATED_BY).unwrap_or_default(),
        })
    }

    pub fn add_risk(
        &mut self,
        id: &RecordId,
        risk: &Risk,
        ctx: &ChangeContext,
    ) -> Result<(), WorkbookError> {
        if self.doc.get(&self.records, id.as_str())?.is_some() {
            return Err(WorkbookError::Duplicate(id.to_string()));
        }
        let obj = self
            .doc
            .put_object(&self.records, id.as_str(), ObjType::Map)?;
        self.doc.put(&obj, REC_REGISTER, REGISTER_RISKS)?;
        self.doc.put(
            &obj,
            REC_CREATED_AT,
            ScalarValue::Timestamp(ctx.at.timestamp_millis()),
        )?;
        self.doc
            .put(&obj, REC_CREATED_BY, ctx.author_or_default())?;
        for field in RiskField::ALL {
            write_field(&mut self.doc, &obj, field, risk)?;
        }
        commit(&mut self.doc, ctx, &format!("Added risk “{}”", risk.title));
        Ok(())
    }

    /// Writes the fields that differ from the stored risk, so concurrent
    /// edits of different fields by different people both survive a merge.
    /// Returns `false` (and commits nothing) when nothing changed.
    pub fn update_risk(
        &mut self,
        id: &RecordId,
        risk: &Risk,
        ctx: &ChangeContext,
    ) -> Result<bool, WorkbookError> {
        let obj = self
            .live_record(id.as_str(), REGISTER_RISKS)
            .ok_or_else(|| WorkbookError::NotFound(id.to_string()))?;
        let before = read_risk(&self.doc, &obj);
        let mut changed = Vec::new();
        for field in RiskField::ALL {
            if field_value(&before, field) != field_value(risk, field) {
                write_field(&mut self.doc, &obj, field, risk)?;
                changed.push(field.label().to_lowercase());
            }
        }
        if changed.is_empty() {
            return Ok(false);
        }
        commit(
            &mut self.doc,
            ctx,
            &format!("Changed {} of risk “{}”", changed.join(", "), risk.title),
        );
        Ok(true)
    }

    /// Deletes a risk. The record is kept with a deleted mark, so a concurrent
    /// edit by someone else is not lost and the record can be restored.
    pub fn delete_risk(&mut self, id: &RecordId, ctx: &ChangeContext) -> Result<(), WorkbookError> {
        let obj = self
            .live_record(id.as_str(), REGISTER_RISKS)
            .ok_or_else(|| WorkbookError::NotFound(id.to_string()))?;
        let title = get_str(&self.doc, &obj, RiskField::Title.key()).unwrap_or_default();
        self.doc.put(&obj, REC_DELETED, true)?;
        commit(&mut self.doc, ctx, &format!("Deleted risk “{title}”"));
        Ok(())
    }
}

fn clean_name(name: &str) -> Result<String, WorkbookError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > NAME_MAX {
        return Err(WorkbookError::Document(format!(
            "a workbook name has 1 to {NAME_MAX} characters"
        )));
    }
    Ok(name.to_owned())
}

fn commit(doc: &mut AutoCommit, ctx: &ChangeContext, summary: &str) {
    doc.commit_with(
        CommitOptions::default()
            .with_message(ChangeMeta::encode(ctx, summary))
            .with_time(ctx.at.timestamp()),
    );
}

fn get_str(doc: &AutoCommit, obj: &ObjId, key: &str) -> Option<String> {
    match doc.get(obj, key) {
        Ok(Some((Value::Scalar(s), _))) => s.as_str().map(str::to_owned),
        _ => None,
    }
}

fn get_int(doc: &AutoCommit, obj: &ObjId, key: &str) -> Option<i64> {
    match doc.get(obj, key) {
        Ok(Some((Value::Scalar(s), _))) => s.as_i64(),
        _ => None,
    }
}

/// The stored form of one field: what is compared to decide whether to write.
#[derive(PartialEq)]
enum Stored {
    Str(String),
    Int(i64),
    Absent,
}

fn field_value(r: &Risk, field: RiskField) -> Stored {
    match field {
        RiskField::Title => Stored::Str(r.title.clone()),
        RiskField::Description => Stored::Str(r.description.clone()),
        RiskField::Likelihood => Stored::Int(r.likelihood.into()),
        RiskField::Impact => Stored::Int(r.impact.into()),
        RiskField::Owner => Stored::Str(r.owner.clone()),
        RiskField::Treatment => Stored::Str(r.treatment.key().into()),
        RiskField::Status => Stored::Str(r.status.key().into()),
        RiskField::ReviewDate => match r.review_date {
            Some(d) => Stored::Str(d.format("%Y-%m-%d").to_string()),
            None => Stored::Absent,
        },
    }
}

fn write_field(
    doc: &mut AutoCommit,
    obj: &ObjId,
    field: RiskField,
    risk: &Risk,
) -> Result<(), WorkbookError> {
    match field_value(risk, field) {
        Stored::Str(s) => doc.put(obj, field.key(), s)?,
        Stored::Int(i) => doc.put(obj, field.key(), i)?,
        Stored::Absent => {
            if doc.get(obj, field.key())?.is_some() {
                doc.delete(obj, field.key())?;
            }
        }
    }
    Ok(())
}

/// Reads a stored risk leniently: a field written by another tool with an
/// unexpected value is shown with a safe default rather than hiding the record.
fn read_risk(doc: &AutoCommit, obj: &ObjId) -> Risk {
    let s = |f: RiskField| get_str(doc, obj, f.key()).unwrap_or_default();
    let rating = |f: RiskField| get_int(doc, obj, f.key()).unwrap_or(1).clamp(1, 5) as u8;
    Risk {
        title: s(RiskField::Title),
        description: s(RiskField::Description),
        likelihood: rating(RiskField::Likelihood),
        impact: rating(RiskField::Impact),
        owner: s(RiskField::Owner),
        treatment: Treatment::from_key(&s(RiskField::Treatment)).unwrap_or(Treatment::Reduce),
        status: RiskStatus::from_key(&s(RiskField::Status)).unwrap_or(RiskStatus::Identified),
        review_date: NaiveDate::parse_from_str(&s(RiskField::ReviewDate), "%Y-%m-%d").ok(),
    }
}
