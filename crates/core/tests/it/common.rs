use chrono::{TimeZone, Utc};
use sms_core::{ActorBytes, ChangeContext, RecordId, Risk, RiskDraft, Workbook, WorkbookId};

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

pub fn risk(title: &str) -> Risk {
    RiskDraft {
        title: title.into(),
        owner: "Ana".into(),
        ..RiskDraft::new_risk()
    }
    .validate()
    .unwrap()
}
