//! Export of registers (table / CSV) and of the whole workbook (JSON), and
//! import of a table into a register: readable cells, exact round trips,
//! a message for every bad row, and one change for a whole import.

use crate::common::*;
use sms_core::csv;
use sms_core::transfer::{guess_mapping, plan_import, register_table, workbook_json};
use sms_core::{registers, RecordId, RecordIndex, Workbook};

fn service(name: &str) -> sms_core::Record {
    record(
        "service",
        &[("name", name), ("owner", "Ana"), ("lifecycle", "live")],
    )
}

fn incident(title: &str, service: &RecordId, escalated: &str) -> sms_core::Record {
    record(
        "incident",
        &[
            ("title", title),
            ("service", service.as_str()),
            ("opened", "2027-03-01T09:30"),
            ("impact", "high"),
            ("urgency", "medium"),
            ("status", "in_progress"),
            ("escalated", escalated),
            (
                "description",
                "Users, in \"Finance\", could not log in;\nthen they could.",
            ),
        ],
    )
}

/// A workbook with two services, and a copy of it that also has incidents.
fn workbooks() -> (Workbook, Workbook) {
    let mut base = new_workbook();
    base.add_record("service", &rid(1), &service("Payroll"), &ctx("Ana", 1))
        .unwrap();
    base.add_record("service", &rid(2), &service("Email"), &ctx("Ana", 2))
        .unwrap();
    let mut with = base.fork(actor(2));
    with.add_record(
        "incident",
        &rid(10),
        &incident("=Login fails", &rid(1), "true"),
        &ctx("Ben", 3),
    )
    .unwrap();
    with.add_record(
        "incident",
        &rid(11),
        &incident("Mail slow, again", &rid(2), "false"),
        &ctx("Ben", 4),
    )
    .unwrap();
    (base, with)
}

fn incidents_table(wb: &Workbook) -> Vec<Vec<String>> {
    let ix = RecordIndex::build(wb);
    let def = registers::register("incident").unwrap();
    let mut rows: Vec<_> = ix.live("incident").cloned().collect();
    rows.sort_by(|a, b| a.id.cmp(&b.id));
    register_table(def, &rows, &ix)
}

#[test]
fn a_register_exports_every_field_in_words_people_read() {
    let (_, with) = workbooks();
    let table = incidents_table(&with);
    let def = registers::register("incident").unwrap();
    assert_eq!(table.len(), 3);
    assert_eq!(
        table[0].len(),
        def.fields.len() + 3,
        "ID, every field, created, by"
    );
    let col = |label: &str| table[0].iter().position(|h| h == label).unwrap();
    let row = &table[1];
    assert_eq!(row[col("ID")], rid(10).to_string());
    assert_eq!(row[col("Title")], "=Login fails");
    assert_eq!(row[col("Service")], format!("Payroll [{}]", rid(1)));
    assert_eq!(row[col("Opened")], "2027-03-01 09:30");
    assert_eq!(row[col("Impact")], "High");
    assert_eq!(row[col("Status")], "In progress");
    assert_eq!(row[col("Escalated")], "Yes");
    assert_eq!(
        row[col("Priority")],
        "P2",
        "computed fields are exported too"
    );
    assert_eq!(row[col("Created by")], "Ben");
    assert_eq!(table[2][col("Escalated")], "No");

    let text = csv::write(&table);
    assert!(
        text.contains("'=Login fails"),
        "a title that looks like a formula is not run"
    );
    assert!(text.contains("\"Users, in \"\"Finance\"\", could not log in;\nthen they could.\""));
}

#[test]
fn exported_csv_imports_back_into_the_same_records() {
    let (mut base, with) = workbooks();
    let text = csv::write(&incidents_table(&with));
    let table = csv::read(&text).unwrap();
    let def = registers::register("incident").unwrap();
    let mapping = guess_mapping(def, &table[0]);
    assert_eq!(mapping[0], Some("ID"));
    assert!(
        mapping.contains(&None),
        "computed and created columns are ignored"
    );
    let ix = RecordIndex::build(&base);
    let plan = plan_import(def, &table, &mapping, &ix, || {
        unreachable!("every row has an ID")
    });
    assert_eq!(
        plan.bad().count(),
        0,
        "{:?}",
        plan.bad().collect::<Vec<_>>()
    );
    let n = base
        .import_records("incident", &plan.good(), "incidents.csv", &ctx("Cy", 9))
        .unwrap();
    assert_eq!(n, 2);
    assert_eq!(base.records("incident"), with.records("incident"));
    let last = base.history().pop().unwrap();
    assert_eq!(last.summary(), "Imported 2 incidents from incidents.csv");
    assert_eq!(last.meta.touches.unwrap().records.len(), 2);
    // Importing again would duplicate: every row says so and nothing is planned.
    let ix = RecordIndex::build(&base);
    let again = plan_import(def, &table, &mapping, &ix, || rid(99));
    assert_eq!(again.good().len(), 0);
}

#[test]
fn bad_rows_are_explained_by_line_and_good_ones_planned() {
    let (base, _) = workbooks();
    let text = "Title,Service,Opened,Impact,Urgency,Status,Escalated\n\
                Disk full,Payroll,2027-04-01 08:00,High,Low,Open,no\n\
                Printer,Nowhere,yesterday,Huge,Low,Open,maybe\n\
                ,Email,2027-04-02 10:00,Low,Low,Closed,yes\n";
    let table = csv::read(text).unwrap();
    let def = registers::register("incident").unwrap();
    let ix = RecordIndex::build(&base);
    let mut n = 50;
    let plan = plan_import(def, &table, &guess_mapping(def, &table[0]), &ix, || {
        n += 1;
        rid(n)
    });
    let good = plan.good();
    assert_eq!(good.len(), 1);
    assert_eq!(
        good[0].1.links("service"),
        [rid(1)],
        "a link by its exact title"
    );
    let bad: Vec<(usize, Vec<String>)> = plan.bad().map(|(l, e)| (l, e.clone())).collect();
    assert_eq!(bad.len(), 2);
    assert_eq!(bad[0].0, 3);
    let joined = bad[0].1.join(" | ");
    for part in [
        "Service: no record called “Nowhere”",
        "Opened: “yesterday” is not a date",
        "Impact: “Huge” is not one of: Low, Medium, High.",
        "Escalated: “maybe” is not yes or no.",
    ] {
        assert!(joined.contains(part), "{part} in {joined}");
    }
    assert_eq!(bad[1].0, 4);
    assert_eq!(bad[1].1, ["Title: Enter the title."]);
}

#[test]
fn an_import_with_a_broken_link_writes_nothing() {
    let (mut base, _) = workbooks();
    let heads = base.heads();
    let r = incident("Ghost", &rid(77), "false");
    let err = base
        .import_records("incident", &[(rid(60), r)], "x.csv", &ctx("Cy", 9))
        .unwrap_err();
    match err {
        sms_core::WorkbookError::Invalid(errors) => {
            assert!(errors[0].message.contains("does not exist"), "{errors:?}")
        }
        other => panic!("{other}"),
    }
    assert_eq!(base.heads(), heads);
}

#[test]
fn the_whole_workbook_exports_as_json() {
    let (_, with) = workbooks();
    let ix = RecordIndex::build(&with);
    let at = chrono::TimeZone::timestamp_opt(&chrono::Utc, 1_790_000_000, 0).unwrap();
    let j = workbook_json(&sms_core::view::Summary::of(&with), &ix, at);
    assert_eq!(j["format"], "sms-workbook-export");
    assert_eq!(j["workbook"]["name"], "Test workbook");
    let incidents = j["registers"]["incident"]["records"].as_array().unwrap();
    assert_eq!(incidents.len(), 2);
    let first = &incidents[0]["fields"];
    assert_eq!(first["title"], "=Login fails");
    assert_eq!(first["impact"]["key"], "high");
    assert_eq!(first["impact"]["label"], "High");
    assert_eq!(first["escalated"], true);
    assert_eq!(first["service"][0]["title"], "Payroll");
    assert_eq!(first["service"][0]["id"], rid(1).as_str());
    assert_eq!(first["priority"], "P2");
    assert_eq!(
        j["checklist"].as_array().unwrap().len(),
        sms_core::catalogue::checklist_items().count()
    );
    assert_eq!(
        j["registers"].as_object().unwrap().len(),
        registers::REGISTERS.len()
    );
}

#[test]
fn an_import_written_in_slices_is_still_one_change_and_can_be_abandoned() {
    let (mut base, with) = workbooks();
    let rows = with.records("incident");
    let changes = base.history().len();
    let mut job = base
        .begin_import("incident", rows.clone(), "big.csv")
        .unwrap();
    while !job.done() {
        base.import_step(&mut job, 1, &ctx("Cy", 9)).unwrap();
        // Reading between slices commits nothing.
        assert!(base.title_of(&rid(1)).is_some());
    }
    assert_eq!(job.written(), 2);
    assert_eq!(base.finish_import(job, &ctx("Cy", 9)).unwrap(), 2);
    assert_eq!(
        base.history().len(),
        changes + 1,
        "one change for the whole import"
    );
    assert_eq!(base.records("incident"), rows);

    let (mut other, _) = workbooks();
    let heads = other.heads();
    let mut job = other.begin_import("incident", rows, "big.csv").unwrap();
    other.import_step(&mut job, 1, &ctx("Cy", 9)).unwrap();
    other.abort_import(job);
    assert_eq!(other.heads(), heads, "nothing of an abandoned import stays");
    assert!(other.records("incident").is_empty());
}
