//! Report data from the demo workbook: complete (every checklist item,
//! every matching record) and consistent with the registers.

use crate::common::*;
use chrono::NaiveDate;
use sms_core::reports::{self, Report};
use sms_core::RecordIndex;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Every row that names a record names a live record.
fn rows_are_live(r: &Report, ix: &RecordIndex) {
    for s in &r.sections {
        for t in &s.tables {
            for row in &t.rows {
                assert_eq!(row.cells.len(), t.columns.len(), "{}", t.caption);
                if let Some(id) = &row.id {
                    assert!(ix.live_record(id).is_some(), "{} in {}", id, t.caption);
                }
            }
        }
    }
}

#[test]
fn the_compliance_report_lists_every_checklist_item_once() {
    let wb = demo_workbook();
    let ix = RecordIndex::build(&wb);
    let r = reports::compliance(&sms_core::view::Summary::of(&wb), &ix);
    assert_eq!(r.sections.len(), 1 + 7, "a summary and clauses 4 to 10");
    let items: Vec<&str> = r.sections[1..]
        .iter()
        .flat_map(|s| s.tables[0].rows.iter().map(|row| row.cells[0].as_str()))
        .collect();
    let expected: Vec<String> = sms_core::catalogue::checklist_items()
        .map(|c| format!("{} {}", c.number, c.title))
        .collect();
    assert_eq!(items, expected);
    // Evidence reads as titles with their kind of record.
    let with_evidence = wb
        .checklist()
        .into_iter()
        .find(|(_, s)| !s.evidence.is_empty())
        .unwrap();
    let title = ix
        .title_of(&with_evidence.1.evidence[0])
        .unwrap()
        .1
        .to_owned();
    let row = r.sections[1..]
        .iter()
        .flat_map(|s| &s.tables[0].rows)
        .find(|row| row.cells[0].starts_with(&format!("{} ", with_evidence.0.number)))
        .unwrap();
    assert!(row.cells[4].contains(&title), "{:?}", row.cells);
    assert_eq!(r.sections[0].facts[0].0, "Readiness");
}

#[test]
fn the_review_pack_covers_every_input_of_clause_9_3() {
    let wb = demo_workbook();
    let ix = RecordIndex::build(&wb);
    let r = reports::review_pack(&ix, d("2020-01-01"), d("2030-12-31"));
    let headings: Vec<&str> = r.sections.iter().map(|s| s.heading.as_str()).collect();
    assert_eq!(
        headings,
        [
            "Status of actions from earlier reviews",
            "Changes affecting the SMS",
            "Performance and SLA attainment",
            "Audit results",
            "Nonconformities and corrective actions",
            "Risks and opportunities",
            "Opportunities for improvement",
            "Decisions and actions",
        ]
    );
    assert!(r.sections.last().unwrap().notes_space);
    rows_are_live(&r, &ix);
    // Every SLA result of the period is counted, met or not.
    let results = ix.live("sla_result").count();
    assert_eq!(r.sections[2].facts[0].1, results.to_string());
    let audits = ix.live("audit").count();
    assert_eq!(r.sections[3].tables[0].rows.len(), audits);
}

#[test]
fn a_service_report_has_exactly_that_services_records_of_the_period() {
    let wb = demo_workbook();
    let ix = RecordIndex::build(&wb);
    let (service, n) = ix
        .live("service")
        .map(|s| {
            let n = ix
                .live("incident")
                .filter(|i| i.record.links("service").contains(&s.id))
                .count();
            (s.id.clone(), n)
        })
        .max_by_key(|(_, n)| *n)
        .unwrap();
    assert!(n > 0);
    let r = reports::service_report(&ix, &service, d("2000-01-01"), d("2099-12-31")).unwrap();
    assert_eq!(r.sections[1].tables[0].rows.len(), n);
    rows_are_live(&r, &ix);
    // A period with nothing in it says so.
    let empty = reports::service_report(&ix, &service, d("1990-01-01"), d("1990-12-31")).unwrap();
    assert!(empty.sections[1].tables[0].rows.is_empty());
    assert_eq!(empty.sections[0].facts[2].1, "0 (—)");
    assert!(reports::service_report(&ix, &rid(200), d("2000-01-01"), d("2099-12-31")).is_none());
}

#[test]
fn an_audit_report_lists_its_findings() {
    let wb = demo_workbook();
    let ix = RecordIndex::build(&wb);
    let (audit, n) = ix
        .live("audit")
        .map(|a| {
            let n = ix
                .live("audit_finding")
                .filter(|f| f.record.links("audit").contains(&a.id))
                .count();
            (a.id.clone(), n)
        })
        .max_by_key(|(_, n)| *n)
        .unwrap();
    assert!(n > 0);
    let r = reports::audit_report(&ix, &audit).unwrap();
    assert_eq!(r.sections[2].tables[0].rows.len(), n);
    rows_are_live(&r, &ix);
}

#[test]
fn chart_figures_add_up() {
    let wb = demo_workbook();
    let ix = RecordIndex::build(&wb);
    let c = reports::charts(&sms_core::view::Summary::of(&wb), &ix, d("2027-06-30"));
    assert_eq!(c.checklist.len(), 7);
    assert_eq!(
        c.checklist.iter().map(|(_, r)| r.total).sum::<usize>(),
        sms_core::catalogue::checklist_items().count()
    );
    let open_scored = ix
        .live("risk")
        .filter(|e| !sms_core::dashboard::is_finished(e.record.text("status")))
        .filter(|e| e.record.int("likelihood").is_some() && e.record.int("impact").is_some())
        .count();
    assert_eq!(c.inherent.iter().flatten().sum::<usize>(), open_scored);
    assert_eq!(c.incidents_by_month.len(), 12);
    assert_eq!(c.incidents_by_month.last().unwrap().0, "2027-06");
    assert!(c.sla_by_month.iter().all(|(_, met, all)| met <= all));
    assert_eq!(c.nc_ages.len(), 3);
}

#[test]
fn chart_figures_counted_in_one_pass_agree_with_counting_month_by_month() {
    use chrono::Datelike;
    use sms_core::dashboard::{Dashboard, AGE_BANDS};
    let wb = demo_workbook();
    let ix = RecordIndex::build(&wb);
    let summary = sms_core::view::Summary::of(&wb);
    let date = |e: &sms_core::index::Entry, key: &str| e.record.date(key);
    // Every month some incident was opened in, as "today".
    let mut todays: Vec<NaiveDate> = ix
        .live("incident")
        .filter_map(|e| date(e, "opened"))
        .collect();
    todays.sort();
    todays.dedup_by_key(|d| (d.year(), d.month()));
    assert!(todays.len() > 1);
    let mut aged = 0;
    for today in todays {
        let c = reports::charts(&summary, &ix, today);
        let mut checked_incidents = 0;
        for (month, n) in &c.incidents_by_month {
            let naive = ix
                .live("incident")
                .filter(|e| {
                    date(e, "opened").is_some_and(|d| d.format("%Y-%m").to_string() == *month)
                })
                .count();
            assert_eq!(*n, naive, "incidents in {month} (today {today})");
            checked_incidents += naive;
        }
        assert!(checked_incidents > 0);
        for (month, met, n) in &c.sla_by_month {
            let results: Vec<_> = ix
                .live("sla_result")
                .filter(|e| {
                    date(e, "period_start").is_some_and(|d| d.format("%Y-%m").to_string() == *month)
                })
                .collect();
            assert_eq!(*n, results.len(), "SLA results in {month}");
            assert!(met <= n);
        }
        let dash = Dashboard::compute(&ix, today);
        for ((label, n), (_, lo, hi)) in c.nc_ages.iter().zip(AGE_BANDS) {
            assert_eq!(
                *n,
                Dashboard::in_band(&dash.open_nonconformities, (lo, hi)).len(),
                "{label}"
            );
            aged += n;
        }
    }
    assert!(aged > 0, "the demo has open nonconformities to age");
}
