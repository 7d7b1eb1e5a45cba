//! Files attached to records and checklist items: what the document holds
//! about them, removing and undoing, merging, history and refusals.

use crate::common::*;
use chrono::NaiveDate;
use sms_core::attachments::{FileEvent, FileHash, NewAttachment, On, MAX_FILE_BYTES};
use sms_core::engine::{Edit, Engine};
use sms_core::{AttachmentId, Workbook, WorkbookError};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn file(n: u8, name: &str, media_type: &str) -> NewAttachment {
    let bytes = vec![n; 100 + n as usize];
    NewAttachment {
        id: AttachmentId::from_random([n; 16]),
        hash: FileHash::of(&bytes),
        name: name.into(),
        media_type: media_type.into(),
        size: bytes.len() as u64,
        effective: Some(day(2026, 3, 1)),
        valid_until: None,
    }
}

fn item(number: &str) -> On {
    On::item(number).unwrap()
}

/// A workbook with one risk.
fn with_risk() -> Workbook {
    let mut wb = new_workbook();
    wb.add_record("risk", &rid(1), &risk("Backup failure"), &ctx("Ana", 1))
        .unwrap();
    wb
}

#[test]
fn files_attach_to_records_and_checklist_items_and_are_read_back() {
    let mut wb = with_risk();
    let on = On::Record(rid(1));
    let pdf = file(1, "Backup policy.pdf", "application/pdf");
    let png = NewAttachment {
        valid_until: Some(day(2027, 3, 1)),
        ..file(2, "backup-job.png", "image/png")
    };
    wb.attach(&on, &pdf, &ctx("Ana", 2)).unwrap();
    wb.attach(&on, &png, &ctx("Ben", 3)).unwrap();
    wb.attach(
        &item("6.1"),
        &file(3, "Risk method.pdf", "application/pdf"),
        &ctx("Ana", 4),
    )
    .unwrap();

    let stored = wb.stored_record(&rid(1)).unwrap();
    assert_eq!(stored.attachments.len(), 2);
    let a = stored.attachments.iter().find(|a| a.id == pdf.id).unwrap();
    assert_eq!(a.name, "Backup policy.pdf");
    assert_eq!(a.hash, pdf.hash);
    assert_eq!(a.size, pdf.size);
    assert_eq!(a.added_by, "Ana");
    assert!(a.added_at.is_some());
    assert_eq!(a.effective, Some(day(2026, 3, 1)));
    assert!(a.previewable());
    let b = stored.attachments.iter().find(|a| a.id == png.id).unwrap();
    assert_eq!(b.valid_until, Some(day(2027, 3, 1)));
    assert!(!b.expired(day(2027, 3, 1)));
    assert!(b.expired(day(2027, 3, 2)));
    // The record's fields are untouched by its files.
    assert_eq!(stored.record, wb.record(&rid(1)).unwrap().1);

    let state = wb.checklist_item("6.1");
    assert_eq!(state.attachments.len(), 1);
    assert_eq!(state.attachments[0].name, "Risk method.pdf");
    assert!(wb.checklist_item("6.2").attachments.is_empty());

    // Saved and loaded: the same.
    let back = Workbook::load([wb.save().as_slice()], actor(9)).unwrap();
    assert_eq!(back.attachments(&on), wb.attachments(&on));
    assert_eq!(back.checklist_item("6.1").attachments.len(), 1);
}

#[test]
fn removing_is_a_change_undo_brings_back_and_the_history_says_so() {
    let mut wb = with_risk();
    let on = On::Record(rid(1));
    let pdf = file(1, "Backup policy.pdf", "application/pdf");
    wb.attach(&on, &pdf, &ctx("Ana", 2)).unwrap();
    assert!(wb.remove_attachment(&on, &pdf.id, &ctx("Ana", 3)).unwrap());
    assert!(wb.attachments(&on).is_empty());
    assert!(
        !wb.remove_attachment(&on, &pdf.id, &ctx("Ana", 4)).unwrap(),
        "removed already"
    );

    let removal = wb.undoable().unwrap();
    assert!(
        removal.meta.summary.contains("Removed “Backup policy.pdf”"),
        "{}",
        removal.meta.summary
    );
    let out = wb.undo(&removal.hash, &ctx("Ana", 5)).unwrap();
    assert_eq!(out.reverted, 1);
    assert_eq!(wb.attachments(&on).len(), 1, "undo brings it back");

    // Undoing the attaching removes it.
    let attach = wb
        .history()
        .into_iter()
        .find(|e| e.meta.summary.starts_with("Attached"))
        .unwrap();
    wb.undo(&attach.hash, &ctx("Ana", 6)).unwrap();
    assert!(wb.attachments(&on).is_empty());

    let events: Vec<Vec<(String, FileEvent)>> = wb
        .record_history(&rid(1))
        .into_iter()
        .map(|c| c.files)
        .filter(|f| !f.is_empty())
        .collect();
    let name = || "Backup policy.pdf".to_owned();
    assert_eq!(
        events,
        vec![
            vec![(name(), FileEvent::Attached)],
            vec![(name(), FileEvent::Removed)],
            vec![(name(), FileEvent::Restored)],
            vec![(name(), FileEvent::Removed)],
        ]
    );

    // Dates: changed, and undone.
    let mut wb = with_risk();
    wb.attach(&on, &pdf, &ctx("Ana", 2)).unwrap();
    assert!(wb
        .date_attachment(
            &on,
            &pdf.id,
            (Some(day(2026, 1, 1)), Some(day(2026, 12, 31))),
            (Some(day(2026, 3, 1)), None),
            &ctx("Ana", 3)
        )
        .unwrap());
    assert_eq!(wb.attachments(&on)[0].valid_until, Some(day(2026, 12, 31)));
    let dated = wb.undoable().unwrap();
    wb.undo(&dated.hash, &ctx("Ana", 4)).unwrap();
    let a = &wb.attachments(&on)[0];
    assert_eq!((a.effective, a.valid_until), (Some(day(2026, 3, 1)), None));
}

#[test]
fn undo_on_a_checklist_item_keeps_what_changed_since() {
    let mut wb = new_workbook();
    let on = item("6.1");
    let a = file(1, "Method.pdf", "application/pdf");
    wb.attach(&on, &a, &ctx("Ana", 1)).unwrap();
    let attached = wb.undoable().unwrap();
    // Someone else removed it meanwhile: undoing the attaching has
    // nothing left to put back.
    let mut other = wb.fork(actor(2));
    other.remove_attachment(&on, &a.id, &ctx("Ben", 2)).unwrap();
    wb.merge(&mut other).unwrap();
    let out = wb.undo(&attached.hash, &ctx("Ana", 3)).unwrap();
    assert_eq!(out.reverted, 0);
    assert!(wb.checklist_item("6.1").attachments.is_empty());
}

#[test]
fn changing_one_date_keeps_the_other_someone_changed_meanwhile() {
    let mut ana = with_risk();
    let on = On::Record(rid(1));
    let pdf = file(1, "Certificate.pdf", "application/pdf");
    ana.attach(&on, &pdf, &ctx("Ana", 2)).unwrap();
    // Ana's form shows the dates as attached; Ben moves the evidence date.
    let seen = (Some(day(2026, 3, 1)), None);
    let mut ben = ana.fork(actor(2));
    ben.date_attachment(
        &on,
        &pdf.id,
        (Some(day(2026, 2, 1)), None),
        seen,
        &ctx("Ben", 3),
    )
    .unwrap();
    ana.merge(&mut ben).unwrap();
    // Ana only sets "valid until": Ben's evidence date stays.
    assert!(ana
        .date_attachment(
            &on,
            &pdf.id,
            (seen.0, Some(day(2027, 1, 31))),
            seen,
            &ctx("Ana", 4)
        )
        .unwrap());
    let a = &ana.attachments(&on)[0];
    assert_eq!(
        (a.effective, a.valid_until),
        (Some(day(2026, 2, 1)), Some(day(2027, 1, 31)))
    );
    // Nothing changed by the person: nothing written.
    let heads = ana.heads();
    let now = (a.effective, a.valid_until);
    assert!(!ana
        .date_attachment(&on, &pdf.id, now, now, &ctx("Ana", 5))
        .unwrap());
    assert_eq!(ana.heads(), heads);
    // The dates that result are checked: "valid until" before the date
    // someone else set is refused.
    let e = ana
        .date_attachment(
            &on,
            &pdf.id,
            (now.0, Some(day(2026, 1, 1))),
            now,
            &ctx("Ana", 6),
        )
        .unwrap_err();
    assert!(matches!(e, WorkbookError::Attachment(_)), "{e:?}");
}

#[test]
fn two_people_attaching_at_once_both_keep_their_files() {
    let mut ana = with_risk();
    let mut ben = ana.fork(actor(2));
    let on = On::Record(rid(1));
    ana.attach(&on, &file(1, "a.pdf", "application/pdf"), &ctx("Ana", 2))
        .unwrap();
    ben.attach(&on, &file(2, "b.png", "image/png"), &ctx("Ben", 2))
        .unwrap();
    ana.attach(
        &item("8.1"),
        &file(3, "c.pdf", "application/pdf"),
        &ctx("Ana", 3),
    )
    .unwrap();
    ben.attach(
        &item("8.1"),
        &file(4, "d.pdf", "application/pdf"),
        &ctx("Ben", 3),
    )
    .unwrap();
    // Each merges the other's changes, checked as any incoming change is.
    let theirs = ana.incoming(&mut ben).unwrap();
    ana.merge_incoming(theirs).unwrap();
    let ours = ben.incoming(&mut ana).unwrap();
    ben.merge_incoming(ours).unwrap();
    for wb in [&ana, &ben] {
        let names: Vec<String> = wb.attachments(&on).into_iter().map(|a| a.name).collect();
        assert_eq!(names.len(), 2, "{names:?}");
        assert_eq!(wb.checklist_item("8.1").attachments.len(), 2);
    }
    // One removes while the other dates it: removed, with the new dates.
    let id = AttachmentId::from_random([1; 16]);
    ana.remove_attachment(&on, &id, &ctx("Ana", 4)).unwrap();
    ben.date_attachment(
        &on,
        &id,
        (Some(day(2026, 3, 1)), Some(day(2030, 1, 1))),
        (Some(day(2026, 3, 1)), None),
        &ctx("Ben", 4),
    )
    .unwrap();
    ana.merge(&mut ben).unwrap();
    assert_eq!(ana.attachments(&on).len(), 1);
    assert!(ana.attachments(&on).iter().all(|a| a.id != id));
}

#[test]
fn what_cannot_be_attached_is_refused_in_words_and_writes_nothing() {
    let mut wb = with_risk();
    let heads = wb.heads();
    let on = On::Record(rid(1));
    let refused = |wb: &mut Workbook, a: NewAttachment, on: &On| match wb
        .attach(on, &a, &ctx("Ana", 9))
        .unwrap_err()
    {
        WorkbookError::Attachment(m) => m,
        WorkbookError::NotFound(m) => m,
        e => panic!("{e:?}"),
    };
    let big = NewAttachment {
        size: MAX_FILE_BYTES + 1,
        ..file(1, "huge.iso", "application/octet-stream")
    };
    assert!(refused(&mut wb, big, &on).contains("50 MB"));
    for name in ["", "   ", "a\nb", &"n".repeat(256)] {
        let a = NewAttachment {
            name: name.into(),
            ..file(1, "x", "")
        };
        assert!(refused(&mut wb, a, &on).contains("file name"), "{name:?}");
    }
    let a = NewAttachment {
        media_type: "text/html\"><script>".into(),
        ..file(1, "x.html", "")
    };
    assert!(refused(&mut wb, a, &on).contains("type"));
    let a = NewAttachment {
        effective: Some(day(2026, 5, 1)),
        valid_until: Some(day(2026, 4, 30)),
        ..file(1, "x.pdf", "application/pdf")
    };
    assert!(refused(&mut wb, a, &on).contains("valid until"));
    refused(&mut wb, file(1, "x.pdf", ""), &On::Record(rid(99)));
    wb.delete_record(&rid(1), &ctx("Ana", 10)).unwrap();
    let heads_deleted = wb.heads();
    assert!(refused(&mut wb, file(1, "x.pdf", ""), &on).contains("deleted"));
    assert_eq!(wb.heads(), heads_deleted, "nothing written");
    assert_ne!(heads, heads_deleted);
    assert!(On::item("99.9").is_none());
    // The same id twice is refused.
    let mut wb = with_risk();
    wb.attach(&on, &file(1, "a.pdf", ""), &ctx("Ana", 2))
        .unwrap();
    assert!(refused(&mut wb, file(1, "a.pdf", ""), &on).contains("exists"));
}

#[test]
fn the_engine_sends_attachments_with_the_record_and_item_they_are_on() {
    let mut wb = with_risk();
    let mut engine = Engine::open([wb.save().as_slice()], actor(4), &ctx("Ana", 0), None)
        .unwrap()
        .engine;
    let pdf = file(1, "Backup policy.pdf", "application/pdf");
    let (r, update) = engine.edit(
        Edit::Attach {
            on: On::Record(rid(1)),
            attachment: pdf.clone(),
        },
        &ctx("Ana", 2),
    );
    r.unwrap();
    let (_, stored) = update.records.iter().find(|(id, _)| *id == rid(1)).unwrap();
    assert_eq!(stored.as_ref().unwrap().attachments[0].hash, pdf.hash);

    let (r, update) = engine.edit(
        Edit::Attach {
            on: item("9.2"),
            attachment: file(2, "Audit plan.pdf", "application/pdf"),
        },
        &ctx("Ana", 3),
    );
    r.unwrap();
    let (clause, state) = &update.checklist[0];
    assert_eq!(clause.number, "9.2");
    assert_eq!(state.attachments[0].name, "Audit plan.pdf");

    // Refused edits come back in words and change nothing.
    let (r, update) = engine.edit(
        Edit::RemoveAttachment {
            on: On::Record(rid(1)),
            id: AttachmentId::from_random([7; 16]),
        },
        &ctx("Ana", 4),
    );
    assert!(matches!(r, Err(WorkbookError::Attachment(_))), "{r:?}");
    assert!(update.records.is_empty());
}

mod evidence_pack {
    use super::*;
    use sms_core::checklist::{ItemState, ItemStatus};
    use sms_core::pack;
    use sms_core::view::Summary;
    use sms_core::RecordIndex;
    use std::io::Read;

    #[test]
    fn the_pack_has_a_folder_per_item_its_files_and_an_index() {
        let mut wb = new_workbook();
        wb.add_record(
            "risk",
            &rid(1),
            &risk("Backups <never> restored"),
            &ctx("Ana", 1),
        )
        .unwrap();
        wb.add_record("risk", &rid(2), &risk("Gone"), &ctx("Ana", 1))
            .unwrap();
        let bytes = |n: u8| vec![n; 100 + n as usize];
        let policy = file(1, "Policy.pdf", "application/pdf");
        let same_name = file(2, "Policy.pdf", "application/pdf");
        let shot = NewAttachment {
            valid_until: Some(day(2027, 1, 31)),
            ..file(3, "../job:1.png", "image/png")
        };
        let of_deleted = file(4, "deleted.pdf", "application/pdf");
        let missing = file(5, "not here.pdf", "application/pdf");
        wb.attach(&On::Record(rid(1)), &shot, &ctx("Ana", 2))
            .unwrap();
        wb.attach(&On::Record(rid(1)), &same_name, &ctx("Ana", 2))
            .unwrap();
        wb.attach(&On::Record(rid(2)), &of_deleted, &ctx("Ana", 2))
            .unwrap();
        wb.attach(&item("6.1"), &policy, &ctx("Ana", 3)).unwrap();
        wb.attach(&item("6.1"), &missing, &ctx("Ana", 3)).unwrap();
        let state = ItemState {
            status: ItemStatus::Implemented,
            owner: "Ana".into(),
            evidence: vec![rid(1), rid(2)],
            ..ItemState::default()
        };
        wb.set_checklist_item("6.1", &state, &ctx("Ana", 4))
            .unwrap();
        wb.delete_record(&rid(2), &ctx("Ana", 5)).unwrap();

        let summary = Summary::of(&wb);
        let ix = RecordIndex::build(&wb);
        // Handed to the zip worker as strings, where the plan is made.
        let fields = pack::fields(&summary, &ix);
        let entries = pack::from_fields(&fields).expect("the page's fields are a plan");
        assert_eq!(pack::from_fields(&fields[1..]), None, "cut");
        let mut bad = fields.clone();
        bad[4] = "not a hash".into();
        assert_eq!(pack::from_fields(&bad), None, "a bad hash");
        let mut bad = fields.clone();
        bad[0] = "99.9".into();
        assert_eq!(pack::from_fields(&bad), None, "no such clause");
        assert_eq!(
            entries.len(),
            4,
            "the deleted record's file is left out: {entries:#?}"
        );
        assert!(entries.iter().all(|e| e.clause.number == "6.1"));
        let paths: Vec<&str> = entries.iter().map(|e| e.path.as_str()).collect();
        let folder = paths[0].split('/').next().unwrap();
        assert!(folder.starts_with("6.1 "), "{folder}");
        assert!(
            paths.iter().all(|p| p.matches('/').count() == 1),
            "{paths:?}"
        );
        assert!(
            paths.contains(&format!("{folder}/Policy.pdf").as_str()),
            "{paths:?}"
        );
        assert!(
            paths.contains(&format!("{folder}/Policy (2).pdf").as_str()),
            "{paths:?}"
        );
        assert!(
            paths.contains(&format!("{folder}/-job-1.png").as_str()),
            "{paths:?}"
        );
        let from: Vec<&str> = entries.iter().map(|e| e.from.as_str()).collect();
        assert!(from.contains(&"This checklist item"));
        assert!(from.contains(&"Risk: Backups <never> restored"));

        // The compliance report lists them too.
        let report = sms_core::reports::compliance(&summary, &ix);
        let row = report
            .sections
            .iter()
            .flat_map(|s| &s.tables)
            .flat_map(|t| &t.rows)
            .find(|r| r.cells[0].starts_with("6.1 "))
            .unwrap();
        let files = &row.cells[5];
        assert!(files.contains("Policy.pdf; not here.pdf"), "{files}");
        assert!(
            files.contains("../job:1.png (Backups <never> restored)"),
            "{files}"
        );
        assert!(!files.contains("deleted.pdf"), "{files}");

        // Bytes for all but one file.
        let lookup = |h: &FileHash| (1..=4u8).map(bytes).find(|b| FileHash::of(b) == *h);
        let zip = pack::write(&wb.name(), &entries, &lookup, day(2026, 12, 1)).unwrap();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
        let mut names: Vec<String> = archive.file_names().map(str::to_owned).collect();
        names.sort();
        let mut expected = vec![
            "index.csv".to_owned(),
            "index.html".to_owned(),
            format!("{folder}/-job-1.png"),
            format!("{folder}/Policy (2).pdf"),
            format!("{folder}/Policy.pdf"),
        ];
        expected.sort();
        assert_eq!(names, expected, "the missing file is not in the zip");
        let read = |archive: &mut zip::ZipArchive<_>, name: &str| {
            let mut s = Vec::new();
            archive.by_name(name).unwrap().read_to_end(&mut s).unwrap();
            s
        };
        assert_eq!(
            read(&mut archive, &format!("{folder}/Policy.pdf")),
            bytes(1)
        );
        assert_eq!(
            read(&mut archive, &format!("{folder}/-job-1.png")),
            bytes(3)
        );

        let csv = String::from_utf8(read(&mut archive, "index.csv")).unwrap();
        let table = sms_core::csv::read(&csv).unwrap();
        assert_eq!(table[0][0], "Clause");
        assert_eq!(table.len(), 5);
        let shot_row = table.iter().find(|r| r[4].ends_with("-job-1.png")).unwrap();
        assert_eq!(shot_row[0], "6.1");
        assert_eq!(shot_row[2], "Implemented");
        assert_eq!(shot_row[3], "Ana");
        assert_eq!(shot_row[5], FileHash::of(&bytes(3)).to_hex());
        assert_eq!(shot_row[7], "2027-01-31");
        assert_eq!(shot_row[8], "Risk: Backups <never> restored");
        assert_eq!(shot_row[9], "yes");
        let missing_row = table
            .iter()
            .find(|r| r[4].ends_with("not here.pdf"))
            .unwrap();
        assert_eq!(missing_row[9], "no: not on this device");

        let html = String::from_utf8(read(&mut archive, "index.html")).unwrap();
        assert!(html.contains("Risk: Backups &lt;never&gt; restored"));
        assert!(!html.contains("<never>"));
        assert!(html.contains("Policy%20%282%29.pdf"), "links are encoded");
        assert!(html.contains("not on the device that made this pack"));
        assert!(html.contains(&FileHash::of(&bytes(1)).to_hex()));
    }

    #[test]
    fn an_empty_pack_says_so() {
        let wb = new_workbook();
        let fields = pack::fields(&Summary::of(&wb), &RecordIndex::build(&wb));
        let entries = pack::from_fields(&fields).unwrap();
        assert!(entries.is_empty());
        let zip = pack::write("W", &entries, &|_| None, day(2026, 1, 1)).unwrap();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
        let mut html = String::new();
        archive
            .by_name("index.html")
            .unwrap()
            .read_to_string(&mut html)
            .unwrap();
        assert!(html.contains("No files are attached"));
    }
}

#[test]
fn expired_evidence_is_overdue_on_the_dashboard() {
    use sms_core::dashboard::{Dashboard, Subject};
    let mut wb = with_risk();
    let cert = NewAttachment {
        effective: Some(day(2025, 2, 1)),
        valid_until: Some(day(2026, 1, 31)),
        ..file(1, "ISO certificate.pdf", "application/pdf")
    };
    wb.attach(&On::Record(rid(1)), &cert, &ctx("Ana", 2))
        .unwrap();
    wb.attach(
        &On::Record(rid(1)),
        &file(2, "no end.pdf", ""),
        &ctx("Ana", 2),
    )
    .unwrap();
    let ix = sms_core::RecordIndex::build(&wb);
    let on = |d| Dashboard::compute(&ix, d);
    assert!(
        on(day(2026, 1, 31)).overdue.is_empty(),
        "valid on its last day"
    );
    let later = on(day(2026, 2, 1));
    assert_eq!(later.overdue.len(), 1);
    let o = &later.overdue[0];
    assert_eq!(o.subject, Subject::Record(rid(1)));
    assert_eq!(o.title, "ISO certificate.pdf on Backup failure");
    assert_eq!(o.what, "Evidence valid until");
    assert_eq!(o.date, day(2026, 1, 31));

    // A checklist item's own evidence too, in date order with the rest.
    let older = NewAttachment {
        id: AttachmentId::from_random([7; 16]),
        effective: Some(day(2025, 1, 1)),
        valid_until: Some(day(2025, 12, 31)),
        ..file(3, "Scope statement.pdf", "application/pdf")
    };
    wb.attach(&item("4.3"), &older, &ctx("Ana", 3)).unwrap();
    let ix = sms_core::RecordIndex::build(&wb);
    let summary = sms_core::view::Summary::of(&wb);
    let mut d = Dashboard::compute(&ix, day(2026, 2, 1));
    d.add_items(&summary.checklist, day(2026, 2, 1));
    let got: Vec<(&Subject, &str)> = d
        .overdue
        .iter()
        .map(|o| (&o.subject, o.title.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (
                &Subject::Item("4.3"),
                "Scope statement.pdf on checklist item 4.3"
            ),
            (
                &Subject::Record(rid(1)),
                "ISO certificate.pdf on Backup failure"
            ),
        ]
    );
    let mut d = Dashboard::compute(&ix, day(2025, 12, 31));
    d.add_items(&summary.checklist, day(2025, 12, 31));
    assert!(d.overdue.is_empty(), "valid on its last day");
}

#[test]
fn a_workbook_file_carries_every_live_file_of_items_and_records_deleted_or_not() {
    use sms_core::{attachments::referenced, view::Summary, RecordIndex};
    let mut wb = with_risk();
    wb.add_record("risk", &rid(2), &risk("Supplier fails"), &ctx("Ana", 2))
        .unwrap();
    let (a, b, c, d) = (
        file(1, "a.pdf", "application/pdf"),
        file(2, "b.png", "image/png"),
        file(3, "c.txt", "text/plain"),
        file(4, "gone.txt", "text/plain"),
    );
    wb.attach(&On::Record(rid(1)), &a, &ctx("Ana", 3)).unwrap();
    wb.attach(&item("6.1"), &b, &ctx("Ana", 4)).unwrap();
    wb.attach(&On::Record(rid(2)), &c, &ctx("Ana", 5)).unwrap();
    wb.attach(&item("8.1"), &d, &ctx("Ana", 6)).unwrap();
    // The same bytes on a second place count once.
    let mut again = file(2, "b again.png", "image/png");
    again.id = AttachmentId::from_random([9; 16]);
    wb.attach(&On::Record(rid(1)), &again, &ctx("Ana", 7))
        .unwrap();
    wb.remove_attachment(&item("8.1"), &d.id, &ctx("Ana", 8))
        .unwrap();
    wb.delete_record(&rid(2), &ctx("Ana", 9)).unwrap();

    let (summary, ix) = (Summary::of(&wb), RecordIndex::build(&wb));
    let got: std::collections::BTreeSet<FileHash> = referenced(&summary, &ix).collect();
    let want: std::collections::BTreeSet<FileHash> = [a.hash, b.hash, c.hash].into();
    assert_eq!(
        got, want,
        "removed files are left out, a deleted record's kept"
    );
}
