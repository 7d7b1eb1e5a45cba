use chrono::{TimeZone, Utc};
use sms_core::{
    registers, ActorBytes, ChangeContext, Record, RecordDraft, RecordId, Workbook, WorkbookId,
};

pub fn ctx(author: &str, secs: i64) -> ChangeContext {
    ChangeContext::new(author, Utc.timestamp_opt(1_790_000_000 + secs, 0).unwrap())
}

pub fn actor(n: u8) -> ActorBytes {
    ActorBytes([n; 16])
}

pub fn rid(n: u8) -> RecordId {
    RecordId::from_random([n; 16])
}

pub fn wb_id() -> WorkbookId {
    WorkbookId::from_random([0xab; 16])
}

pub fn new_workbook() -> Workbook {
    Workbook::create(wb_id(), "Test workbook", actor(1), &ctx("Ana", 0)).unwrap()
}

/// A valid record of `register` from (key, form value) pairs.
pub fn record(register: &str, fields: &[(&'static str, &str)]) -> Record {
    let def = registers::register(register).unwrap();
    let mut d = RecordDraft::new(def);
    for (k, v) in fields {
        d.set(k, *v);
    }
    d.validate(def).unwrap_or_else(|e| panic!("{e:?}"))
}

pub fn risk(title: &str) -> Record {
    record(
        "risk",
        &[
            ("title", title),
            ("owner", "Ana"),
            ("likelihood", "3"),
            ("impact", "3"),
        ],
    )
}

pub fn risks(wb: &Workbook) -> Vec<(RecordId, Record)> {
    let mut v = wb.records("risk");
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

/// The demo's data, as the app fetches it.
pub fn demo_data() -> sms_core::demo::DemoData {
    sms_core::demo::DemoData::parse(include_str!("../../data/demo.json")).unwrap()
}

/// Everything a merge preview says, comparable.
pub fn preview_facts(p: &sms_core::exchange::MergePreview) -> String {
    let registers: Vec<_> = p
        .registers
        .iter()
        .map(|r| (r.def.id, r.added, r.changed, r.deleted, r.restored))
        .collect();
    let authors: Vec<_> = p.authors.iter().map(|a| (&a.name, a.changes)).collect();
    format!(
        "changes {} registers {registers:?} records {:?} checklist {} renamed {:?} removed {} moved {} other {:?} authors {authors:?}",
        p.changes, p.records, p.checklist_items, p.renamed_to, p.removed, p.moved, p.other_fields
    )
}

/// The demo workbook with fixed record ids.
pub fn demo_workbook() -> Workbook {
    let mut n = 0u16;
    sms_core::demo::build(&demo_data(), wb_id(), actor(1), &ctx("Demo", 0), || {
        n += 1;
        let [hi, lo] = n.to_be_bytes();
        sms_core::RecordId::from_random([hi, lo, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16])
    })
    .unwrap()
}
