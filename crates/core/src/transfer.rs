//! Getting records out of a workbook and into it: a register as a table
//! (for CSV and spreadsheets), the whole workbook as JSON (docs/FORMAT.md),
//! and importing a table into a register with a column mapping, a preview
//! and a message for every bad row.
//!
//! Cells are written for people and read back exactly: choices by their
//! label, yes/no, dates as `YYYY-MM-DD`, links as `Title [id]` (several
//! joined by `; `). On import a link may also be a bare id or the exact
//! title of one record.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::{json, Map, Value as Json};

use crate::catalogue;
use crate::change::ChangeContext;
use crate::error::WorkbookError;
use crate::ids::RecordId;
use crate::index::{Entry, RecordIndex};
use crate::registers::{FieldDef, FieldError, Kind, Record, RecordDraft, RegisterDef, Value};
use crate::view::Summary;
use crate::workbook::Workbook;

/// Header of the id column.
pub const ID_COLUMN: &str = "ID";
const CREATED_COLUMN: &str = "Created";
const CREATED_BY_COLUMN: &str = "Created by";

/// A cell as people read it, links with their ids (exact on import).
pub fn cell(f: &FieldDef, v: Option<&Value>, ix: &RecordIndex) -> String {
    cell_with(f, v, ix, true)
}

/// A cell as people read it; links by title only when `with_ids` is false.
pub fn cell_with(f: &FieldDef, v: Option<&Value>, ix: &RecordIndex, with_ids: bool) -> String {
    let Some(v) = v else {
        return String::new();
    };
    match (&f.kind, v) {
        (Kind::Choice(_), Value::Text(k)) => f.choice_label(k).unwrap_or(k).to_owned(),
        (Kind::Computed(_), Value::Text(k)) => f.choice_label(k).unwrap_or(k).to_owned(),
        (_, Value::Flag(b)) => if *b { "Yes" } else { "No" }.into(),
        (_, Value::DateTime(d)) => crate::dates::iso_minute(*d, ' '),
        (_, Value::Links(ids)) => ids
            .iter()
            .map(|id| match (ix.title_of(id), with_ids) {
                (Some((_, t, _)), true) => format!("{t} [{id}]"),
                (Some((_, t, _)), false) => t.to_owned(),
                (None, true) => format!("[{id}]"),
                (None, false) => "(missing record)".to_owned(),
            })
            .collect::<Vec<_>>()
            .join("; "),
        _ => v.to_draft(),
    }
}

/// One register's records as a table: a header row (ID, every field in
/// declaration order — computed ones too — then created and by whom), then
/// one row per record in the order given.
pub fn register_table(
    def: &RegisterDef,
    rows: &[Arc<Entry>],
    ix: &RecordIndex,
) -> Vec<Vec<String>> {
    let mut header = vec![ID_COLUMN.to_owned()];
    header.extend(def.fields.iter().map(|f| f.label.to_owned()));
    header.push(CREATED_COLUMN.into());
    header.push(CREATED_BY_COLUMN.into());
    let mut out = Vec::with_capacity(rows.len() + 1);
    out.push(header);
    for e in rows {
        let mut row = vec![e.id.to_string()];
        row.extend(
            def.fields
                .iter()
                .map(|f| cell(f, e.record.value_of(f).as_ref(), ix)),
        );
        row.push(
            e.info
                .created_at
                .map(|t| crate::dates::iso_minute(t.naive_utc(), ' '))
                .unwrap_or_default(),
        );
        row.push(e.info.created_by.clone());
        out.push(row);
    }
    out
}

/// The checklist as a table: every item with status, owner,
/// justification, notes and evidence (titles with ids).
pub fn checklist_table(summary: &Summary, ix: &RecordIndex) -> Vec<Vec<String>> {
    let mut out = vec![[
        "Clause",
        "Title",
        "Status",
        "Owner",
        "Justification",
        "Notes",
        "Evidence",
    ]
    .map(String::from)
    .to_vec()];
    for (c, s) in &summary.checklist {
        out.push(vec![
            c.number.to_owned(),
            c.title.to_owned(),
            s.status.label().to_owned(),
            s.owner.clone(),
            s.justification.clone(),
            s.notes.clone(),
            s.evidence
                .iter()
                .map(|id| match ix.title_of(id) {
                    Some((_, t, _)) => format!("{t} [{id}]"),
                    None => format!("[{id}]"),
                })
                .collect::<Vec<_>>()
                .join("; "),
        ]);
    }
    out
}

fn json_value(f: &FieldDef, v: &Value, ix: &RecordIndex) -> Json {
    match v {
        Value::Text(t) => match f.kind {
            Kind::Choice(_) => json!({ "key": t, "label": f.choice_label(t).unwrap_or(t) }),
            _ => Json::String(t.clone()),
        },
        Value::Int(i) => json!(i),
        Value::Dec(d) => json!(d),
        Value::Date(d) => json!(crate::dates::iso(*d)),
        Value::DateTime(d) => json!(crate::dates::iso_minute(*d, 'T')),
        Value::Flag(b) => json!(b),
        Value::Links(ids) => Json::Array(
            ids.iter()
                .map(|id| {
                    json!({
                        "id": id.as_str(),
                        "title": ix.title_of(id).map(|(_, t, _)| t.to_owned()),
                    })
                })
                .collect(),
        ),
    }
}

/// The whole workbook as JSON: every live record of every register with
/// every field (computed ones included), and the checklist. Documented in
/// docs/FORMAT.md.
pub fn workbook_json(summary: &Summary, ix: &RecordIndex, exported_at: DateTime<Utc>) -> Json {
    let mut registers = Map::new();
    for def in crate::registers::REGISTERS {
        let mut rows: Vec<&Arc<Entry>> = ix.live(def.id).collect();
        crate::order::sort_by(&mut rows, |a, b| a.id.cmp(&b.id));
        let records: Vec<Json> = rows
            .iter()
            .map(|e| {
                let mut fields = Map::new();
                for f in def.fields {
                    if let Some(v) = e.record.value_of(f) {
                        fields.insert(f.key.to_owned(), json_value(f, &v, ix));
                    }
                }
                json!({
                    "id": e.id.as_str(),
                    "created_at": e.info.created_at.map(|t| t.to_rfc3339()),
                    "created_by": e.info.created_by,
                    "fields": fields,
                })
            })
            .collect();
        registers.insert(
            def.id.to_owned(),
            json!({ "name": def.name, "clause": def.clause, "records": records }),
        );
    }
    let checklist: Vec<Json> = summary
        .checklist
        .iter()
        .map(|(c, s)| {
            json!({
                "clause": c.number,
                "title": c.title,
                "status": s.status.key(),
                "status_label": s.status.label(),
                "owner": s.owner,
                "justification": s.justification,
                "notes": s.notes,
                "evidence": s.evidence.iter().map(|id| json!({
                    "id": id.as_str(),
                    "title": ix.title_of(id).map(|(_, t, _)| t.to_owned()),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "format": "sms-workbook-export",
        "version": 1,
        "workbook": {
            "id": summary.id.as_str(),
            "name": summary.name,
            "exported_at": exported_at.to_rfc3339(),
        },
        "registers": registers,
        "checklist": checklist,
        "checklist_items": catalogue::checklist_items().count(),
    })
}

// ---- import ----------------------------------------------------------------

/// Which field each column of a table fills (`None`: ignored).
pub type Mapping = Vec<Option<&'static str>>;

/// The mapping people most likely want: a column whose header is a
/// field's label or key (ignoring case) fills that field; an `ID` column
/// keeps the records' ids.
pub fn guess_mapping(def: &RegisterDef, header: &[String]) -> Mapping {
    header
        .iter()
        .map(|h| {
            let h = h.trim();
            if h.eq_ignore_ascii_case(ID_COLUMN) {
                return Some(ID_COLUMN);
            }
            def.stored_fields()
                .find(|f| f.label.eq_ignore_ascii_case(h) || f.key.eq_ignore_ascii_case(h))
                .map(|f| f.key)
        })
        .collect()
}

/// One data row of an import: the record it makes, or what is wrong.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportRow {
    /// Line in the file (the header is line 1).
    pub line: usize,
    pub outcome: Result<(RecordId, Record), Vec<String>>,
}

/// What an import would do: every row, good or bad. Nothing is written
/// until [`Workbook::import_records`] is called with the good ones.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportPlan {
    pub register: &'static str,
    pub rows: Vec<ImportRow>,
}

impl ImportPlan {
    pub fn good(&self) -> Vec<(RecordId, Record)> {
        self.rows
            .iter()
            .filter_map(|r| r.outcome.as_ref().ok().cloned())
            .collect()
    }

    pub fn bad(&self) -> impl Iterator<Item = (usize, &Vec<String>)> {
        self.rows
            .iter()
            .filter_map(|r| r.outcome.as_ref().err().map(|e| (r.line, e)))
    }
}

/// Checks every data row of `table` (its first row is the header) against
/// `def` with `mapping`. `new_id` gives ids for rows without one.
pub fn plan_import(
    def: &'static RegisterDef,
    table: &[Vec<String>],
    mapping: &Mapping,
    ix: &RecordIndex,
    mut new_id: impl FnMut() -> RecordId,
) -> ImportPlan {
    // Titles of link targets, for links given by title.
    let mut titles: HashMap<&str, HashMap<String, Vec<RecordId>>> = HashMap::new();
    for f in def.stored_fields() {
        if let Kind::Link { to, .. } = f.kind {
            titles.entry(to).or_insert_with(|| {
                let mut m: HashMap<String, Vec<RecordId>> = HashMap::new();
                for e in ix.live(to) {
                    m.entry(e.title().trim().to_lowercase())
                        .or_default()
                        .push(e.id.clone());
                }
                m
            });
        }
    }
    let mut seen_ids: BTreeMap<RecordId, usize> = BTreeMap::new();
    let rows = table
        .iter()
        .enumerate()
        .skip(1)
        .map(|(i, row)| {
            let line = i + 1;
            let mut draft = RecordDraft::new(def);
            let mut errors = Vec::new();
            let mut id = None;
            for (col, target) in mapping.iter().enumerate() {
                let Some(key) = target else { continue };
                let raw = row.get(col).map(|s| s.trim()).unwrap_or("");
                if *key == ID_COLUMN {
                    if raw.is_empty() {
                        continue;
                    }
                    match RecordId::parse(raw) {
                        Some(rid) if ix.get(&rid).is_some() => errors.push(format!(
                            "ID {raw} is already in this workbook; leave the ID column unmapped to import a copy."
                        )),
                        Some(rid) => match seen_ids.get(&rid) {
                            Some(first) => errors.push(format!("ID {raw} is also on line {first}.")),
                            None => {
                                seen_ids.insert(rid.clone(), line);
                                id = Some(rid);
                            }
                        },
                        None => errors.push(format!("“{raw}” is not an ID of this app.")),
                    }
                    continue;
                }
                let Some(f) = def.field(key) else { continue };
                match to_draft(f, raw, &titles) {
                    Ok(text) => draft.set(f.key, text),
                    Err(e) => errors.push(format!("{}: {e}", f.label)),
                }
            }
            let record = match draft.validate(def) {
                Ok(r) => Some(r),
                Err(field_errors) => {
                    for FieldError { field, message } in field_errors {
                        let label = def.field(field).map(|f| f.label).unwrap_or(field);
                        // A cell already explained above is not repeated.
                        if !errors.iter().any(|e| e.starts_with(&format!("{label}:"))) {
                            errors.push(format!("{label}: {message}"));
                        }
                    }
                    None
                }
            };
            let outcome = match (record, errors.is_empty()) {
                (Some(r), true) => Ok((id.unwrap_or_else(&mut new_id), r)),
                _ => Err(errors),
            };
            ImportRow { line, outcome }
        })
        .collect();
    ImportPlan {
        register: def.id,
        rows,
    }
}

/// A cell as the draft text a form would hold.
fn to_draft(
    f: &FieldDef,
    raw: &str,
    titles: &HashMap<&str, HashMap<String, Vec<RecordId>>>,
) -> Result<String, String> {
    if raw.is_empty() {
        return Ok(String::new());
    }
    match f.kind {
        Kind::Choice(options) => options
            .iter()
            .find(|(k, l)| k.eq_ignore_ascii_case(raw) || l.eq_ignore_ascii_case(raw))
            .map(|(k, _)| (*k).to_owned())
            .ok_or_else(|| {
                let labels: Vec<_> = options.iter().map(|(_, l)| *l).collect();
                format!("“{raw}” is not one of: {}.", labels.join(", "))
            }),
        Kind::Flag => match raw.to_lowercase().as_str() {
            "yes" | "true" | "y" | "1" => Ok("true".into()),
            "no" | "false" | "n" | "0" => Ok("false".into()),
            _ => Err(format!("“{raw}” is not yes or no.")),
        },
        Kind::Date => parse_date(raw)
            .map(crate::dates::iso)
            .ok_or_else(|| format!("“{raw}” is not a date like 2027-03-31.")),
        Kind::DateTime => parse_date_time(raw)
            .map(|d| crate::dates::iso_minute(d, 'T'))
            .ok_or_else(|| format!("“{raw}” is not a date and time like 2027-03-31 14:30.")),
        Kind::Link { to, many } => {
            let ids = parse_links(raw, titles.get(to))?;
            if !many && ids.len() > 1 {
                return Err("only one link is allowed here.".into());
            }
            Ok(ids
                .iter()
                .map(RecordId::as_str)
                .collect::<Vec<_>>()
                .join(" "))
        }
        _ => Ok(raw.to_owned()),
    }
}

fn parse_date(raw: &str) -> Option<NaiveDate> {
    crate::dates::parse_iso(raw)
        .or_else(|| crate::dates::parse_dmy(raw, '/'))
        .or_else(|| crate::dates::parse_dmy(raw, '.'))
}

fn parse_date_time(raw: &str) -> Option<NaiveDateTime> {
    crate::dates::parse_iso_minute(raw, &[' ', 'T'], true)
}

/// Links written as `Title [id]; …`, bare ids, or exact titles.
fn parse_links(
    raw: &str,
    titles: Option<&HashMap<String, Vec<RecordId>>>,
) -> Result<Vec<RecordId>, String> {
    let mut ids = Vec::new();
    for part in raw.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let bracketed = part
            .rfind('[')
            .filter(|_| part.ends_with(']'))
            .and_then(|i| RecordId::parse(&part[i + 1..part.len() - 1]));
        if let Some(id) = bracketed.or_else(|| RecordId::parse(part)) {
            ids.push(id);
            continue;
        }
        match titles.and_then(|t| t.get(&part.to_lowercase())) {
            Some(found) if found.len() == 1 => ids.push(found[0].clone()),
            Some(_) => {
                return Err(format!(
                    "more than one record is called “{part}”; use its ID."
                ))
            }
            None => return Err(format!("no record called “{part}” to link to.")),
        }
    }
    crate::order::sort(&mut ids);
    ids.dedup();
    Ok(ids)
}

/// An import under way: records checked, written a slice at a time into
/// one open change (so a large import never holds the page for long), and
/// committed as one change at the end.
#[derive(Debug)]
pub struct ImportJob {
    def: &'static RegisterDef,
    records: Vec<(RecordId, Record)>,
    written: usize,
    summary: String,
}

impl ImportJob {
    pub fn total(&self) -> usize {
        self.records.len()
    }

    pub fn written(&self) -> usize {
        self.written
    }

    pub fn done(&self) -> bool {
        self.written == self.records.len()
    }
}

impl Workbook {
    /// Starts importing `records` into `register`: checks every one (ids
    /// unused, links to records that exist) and writes nothing. Nothing else
    /// may change the workbook until [`Self::finish_import`] or
    /// [`Self::abort_import`].
    pub fn begin_import(
        &self,
        register: &str,
        records: Vec<(RecordId, Record)>,
        source: &str,
    ) -> Result<ImportJob, WorkbookError> {
        let def = crate::registers::register(register)
            .ok_or_else(|| WorkbookError::Document(format!("unknown register {register}")))?;
        self.check_new_records(def, &records)?;
        let n = records.len();
        let noun = if n == 1 {
            def.singular.to_owned()
        } else {
            plural(def)
        };
        Ok(ImportJob {
            def,
            records,
            written: 0,
            summary: format!("Imported {n} {noun} from {source}"),
        })
    }

    /// Writes up to `n` more records of the job (not yet committed).
    pub fn import_step(
        &mut self,
        job: &mut ImportJob,
        n: usize,
        ctx: &ChangeContext,
    ) -> Result<(), WorkbookError> {
        let end = (job.written + n).min(job.records.len());
        if let Err(e) = self.write_new_records(job.def, &job.records[job.written..end], ctx) {
            self.rollback_open();
            return Err(e);
        }
        job.written = end;
        Ok(())
    }

    /// Commits a finished import as one change; returns how many records
    /// it added.
    pub fn finish_import(
        &mut self,
        job: ImportJob,
        ctx: &ChangeContext,
    ) -> Result<usize, WorkbookError> {
        if !job.done() {
            self.rollback_open();
            return Err(WorkbookError::Document(
                "the import was not finished".into(),
            ));
        }
        if job.records.is_empty() {
            return Ok(0);
        }
        self.commit_open(ctx, &job.summary);
        Ok(job.records.len())
    }

    /// Drops everything an unfinished import wrote.
    pub fn abort_import(&mut self, _job: ImportJob) {
        self.rollback_open();
    }

    /// Adds imported records to `register` in one change, with one line of
    /// history naming the source. Fails, writing nothing, if any record is
    /// invalid or links to a record that does not exist.
    pub fn import_records(
        &mut self,
        register: &str,
        records: &[(RecordId, Record)],
        source: &str,
        ctx: &ChangeContext,
    ) -> Result<usize, WorkbookError> {
        let mut job = self.begin_import(register, records.to_vec(), source)?;
        let n = job.total();
        self.import_step(&mut job, n, ctx)?;
        self.finish_import(job, ctx)
    }
}

/// "incidents", "risks and opportunities": the register's name in a
/// sentence.
fn plural(def: &RegisterDef) -> String {
    let mut chars = def.name.chars();
    match (chars.next(), chars.next()) {
        (Some(a), Some(b)) if a.is_uppercase() && b.is_uppercase() => def.name.to_owned(),
        _ => def.name.to_lowercase(),
    }
}
