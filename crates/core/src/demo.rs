//! The demo workbook: a fictional IT service provider with realistic records,
//! so a newcomer sees the product working at once.
//!
//! The demo is data, `crates/core/data/demo.json` ([`DemoData`]), kept out
//! of the app's start-up module: the app fetches it when it builds a demo.
//! Each record has a local name, used by other records' link fields
//! (`"@name"`, several separated by spaces), and field values as a form
//! would hold them, so every demo record passes the same validation as a
//! person's input.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::registers::{self, Kind, RecordDraft};
use crate::{ActorBytes, ChangeContext, RecordId, Workbook, WorkbookError, WorkbookId};

/// The demo's contents, as in `data/demo.json`.
#[derive(Clone, Debug, Deserialize)]
pub struct DemoData {
    /// The workbook's name.
    pub name: String,
    /// The justification of its one not-applicable checklist item.
    pub not_applicable: String,
    pub records: Vec<DemoRecord>,
    /// Checklist items the provider has worked on; the rest are not started.
    pub checklist: Vec<DemoItem>,
}

/// One demo record.
#[derive(Clone, Debug, Deserialize)]
pub struct DemoRecord {
    /// Its local name, which links in other records use.
    pub name: String,
    pub register: String,
    /// (field key, value as a form holds it).
    pub fields: Vec<(String, String)>,
}

/// One checklist item of the demo.
#[derive(Clone, Debug, Deserialize)]
pub struct DemoItem {
    pub clause: String,
    pub status: String,
    pub owner: String,
    /// Local names of the evidence records, separated by spaces.
    pub evidence: String,
    pub notes: String,
}

impl DemoData {
    /// Reads the demo's data (the text of `data/demo.json`).
    pub fn parse(json: &str) -> Result<Self, WorkbookError> {
        serde_json::from_str(json)
            .map_err(|e| WorkbookError::Document(format!("the demo data cannot be read: {e}")))
    }
}

/// Why a demo record is invalid (a defect in the data above).
fn invalid(name: &str, why: impl std::fmt::Display) -> WorkbookError {
    WorkbookError::Document(format!("demo record {name}: {why}"))
}

/// Builds the demo workbook from `data`. `next_id` supplies record ids
/// (random in the app, fixed in tests).
///
/// Records are added in two passes: first each record with its required
/// links (whose targets must come earlier in the data), then every record
/// again with all its links, so optional links may point either way.
pub fn build(
    data: &DemoData,
    id: WorkbookId,
    actor: ActorBytes,
    ctx: &ChangeContext,
    mut next_id: impl FnMut() -> RecordId,
) -> Result<Workbook, WorkbookError> {
    let mut wb = Workbook::create(id, &data.name, actor, ctx)?;
    let ids: BTreeMap<&str, RecordId> = data
        .records
        .iter()
        .map(|r| (r.name.as_str(), next_id()))
        .collect();
    for all_links in [false, true] {
        for DemoRecord {
            name,
            register,
            fields,
        } in &data.records
        {
            let def =
                registers::register(register).ok_or_else(|| invalid(name, "unknown register"))?;
            let mut draft = RecordDraft::default();
            for (key, value) in fields {
                let field = def
                    .field(key)
                    .ok_or_else(|| invalid(name, format!("no field {key}")))?;
                let value = if matches!(field.kind, Kind::Link { .. }) {
                    if !all_links && !field.required {
                        continue;
                    }
                    value
                        .split_whitespace()
                        .map(|n| {
                            let n = n.trim_start_matches('@');
                            ids.get(n)
                                .map(|id| id.as_str().to_owned())
                                .ok_or_else(|| invalid(name, format!("no demo record {n}")))
                        })
                        .collect::<Result<Vec<_>, _>>()?
                        .join(" ")
                } else {
                    value.clone()
                };
                draft.set(field.key, value);
            }
            let record = draft
                .validate(def)
                .map_err(|e| invalid(name, format!("{e:?}")))?;
            let stored = if all_links {
                wb.update_record(&ids[name.as_str()], &record, ctx)
                    .map(|_| ())
            } else {
                wb.add_record(register, &ids[name.as_str()], &record, ctx)
            };
            stored.map_err(|e| invalid(name, format!("{e:?}")))?;
        }
    }
    for DemoItem {
        clause,
        status,
        owner,
        evidence,
        notes,
    } in &data.checklist
    {
        let state = crate::checklist::ItemState {
            status: crate::checklist::ItemStatus::from_key(status)
                .ok_or_else(|| invalid(clause, "unknown status"))?,
            owner: owner.clone(),
            notes: notes.clone(),
            justification: if status == "not_applicable" {
                data.not_applicable.clone()
            } else {
                String::new()
            },
            evidence: evidence
                .split_whitespace()
                .map(|n| {
                    ids.get(n)
                        .cloned()
                        .ok_or_else(|| invalid(clause, format!("no demo record {n}")))
                })
                .collect::<Result<_, _>>()?,
            conflicts: Vec::new(),
            attachments: Vec::new(),
        };
        wb.set_checklist_item(clause, &state, ctx)
            .map_err(|e| invalid(clause, format!("{e:?}")))?;
    }
    // Building the demo is not the person's work to undo.
    wb.forget_undo();
    Ok(wb)
}
