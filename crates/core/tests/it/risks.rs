use crate::common::*;
use sms_core::{RiskStatus, WorkbookError};

#[test]
fn add_edit_delete_risk() {
    let mut wb = new_workbook();
    let a = risk("Flood");
    wb.add_risk(&rid(1), &a, &ctx("Ana", 1)).unwrap();
    assert_eq!(wb.risk(&rid(1)), Some(a.clone()));

    let mut b = a.clone();
    b.likelihood = 5;
    b.status = RiskStatus::Treating;
    assert!(wb.update_risk(&rid(1), &b, &ctx("Ben", 2)).unwrap());
    assert_eq!(wb.risk(&rid(1)).unwrap().score(), 15);

    wb.delete_risk(&rid(1), &ctx("Ana", 3)).unwrap();
    assert_eq!(wb.risk(&rid(1)), None);
    assert!(wb.risks().is_empty());
    assert_eq!(
        wb.delete_risk(&rid(1), &ctx("Ana", 4)),
        Err(WorkbookError::NotFound(rid(1).to_string()))
    );
}

#[test]
fn adding_an_existing_id_is_refused() {
    let mut wb = new_workbook();
    wb.add_risk(&rid(1), &risk("A"), &ctx("Ana", 1)).unwrap();
    assert_eq!(
        wb.add_risk(&rid(1), &risk("B"), &ctx("Ana", 2)),
        Err(WorkbookError::Duplicate(rid(1).to_string()))
    );
    assert_eq!(wb.risk(&rid(1)).unwrap().title, "A");
}

#[test]
fn unchanged_update_commits_nothing() {
    let mut wb = new_workbook();
    wb.add_risk(&rid(1), &risk("A"), &ctx("Ana", 1)).unwrap();
    let before = wb.heads();
    assert!(!wb.update_risk(&rid(1), &risk("A"), &ctx("Ana", 2)).unwrap());
    assert_eq!(wb.heads(), before);
}

#[test]
fn list_is_sorted_by_score_then_title() {
    let mut wb = new_workbook();
    let mut low = risk("b low");
    low.likelihood = 1;
    let mut high = risk("z high");
    high.likelihood = 5;
    wb.add_risk(&rid(1), &low, &ctx("Ana", 1)).unwrap();
    wb.add_risk(&rid(2), &risk("A mid"), &ctx("Ana", 2))
        .unwrap();
    wb.add_risk(&rid(3), &high, &ctx("Ana", 3)).unwrap();
    wb.add_risk(&rid(4), &risk("c mid"), &ctx("Ana", 4))
        .unwrap();
    let titles: Vec<_> = wb.risks().into_iter().map(|(_, r)| r.title).collect();
    assert_eq!(titles, ["z high", "A mid", "c mid", "b low"]);
}

#[test]
fn every_change_records_author_time_and_summary() {
    let mut wb = new_workbook();
    wb.add_risk(&rid(1), &risk("Flood"), &ctx("Ana", 10))
        .unwrap();
    let mut r = risk("Flood");
    r.owner = "Ben".into();
    wb.update_risk(&rid(1), &r, &ctx("  Ben  ", 20)).unwrap();
    wb.delete_risk(&rid(1), &ctx("", 30)).unwrap();
    let h = wb.history();
    let lines: Vec<_> = h
        .iter()
        .map(|m| {
            (
                m.author.as_str(),
                m.summary.as_str(),
                m.at.unwrap().timestamp() - 1_790_000_000,
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("Ana", "Created workbook “Test workbook”", 0),
            ("Ana", "Added risk “Flood”", 10),
            ("Ben", "Changed owner of risk “Flood”", 20),
            ("Unnamed", "Deleted risk “Flood”", 30),
        ]
    );
    let info = wb.record_info(&rid(1)).unwrap();
    assert_eq!(info.created_by, "Ana");
    assert_eq!(info.created_at.unwrap().timestamp(), 1_790_000_010);
}

#[test]
fn clearing_the_review_date_removes_it() {
    let mut wb = new_workbook();
    let mut r = risk("A");
    r.review_date = chrono::NaiveDate::from_ymd_opt(2027, 1, 1);
    wb.add_risk(&rid(1), &r, &ctx("Ana", 1)).unwrap();
    r.review_date = None;
    wb.update_risk(&rid(1), &r, &ctx("Ana", 2)).unwrap();
    assert_eq!(wb.risk(&rid(1)).unwrap().review_date, None);
}

#[test]
fn rename_validates_the_name() {
    let mut wb = new_workbook();
    assert!(wb.rename("   ", &ctx("Ana", 1)).is_err());
    assert_eq!(wb.name(), "Test workbook");
    wb.rename(" Acme SMS ", &ctx("Ana", 2)).unwrap();
    assert_eq!(wb.name(), "Acme SMS");
}
