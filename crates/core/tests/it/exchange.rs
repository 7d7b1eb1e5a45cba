//! Workbook files: bad files are refused without change, and a merge is
//! described before anything is written.

use crate::common::*;
use automerge::{transaction::Transactable, AutoCommit, ObjType, ROOT};
use chrono::NaiveDate;
use sms_core::checklist::{ItemState, ItemStatus};
use sms_core::exchange::file_name;
use sms_core::{LoadError, Value, Workbook};

fn two_risks() -> Workbook {
    let mut wb = new_workbook();
    wb.add_record("risk", &rid(1), &risk("Outage"), &ctx("Ana", 1))
        .unwrap();
    wb.add_record("risk", &rid(2), &risk("Fire"), &ctx("Ana", 2))
        .unwrap();
    wb
}

#[test]
fn a_saved_workbook_reads_back_as_the_same_workbook() {
    let mut wb = two_risks();
    let bytes = wb.save();
    let mut back = Workbook::read_file(&bytes, actor(5)).unwrap();
    assert_eq!(back.id(), wb.id());
    assert_eq!(risks(&back), risks(&wb));
    assert_eq!(back.heads(), wb.heads());
}

#[test]
fn bad_files_are_refused_each_with_its_reason() {
    let mut wb = two_risks();
    let good = wb.save();

    assert!(matches!(
        Workbook::read_file(&[], actor(5)),
        Err(LoadError::Corrupt(_))
    ));
    let noise: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    assert!(matches!(
        Workbook::read_file(&noise, actor(5)),
        Err(LoadError::Corrupt(_))
    ));
    for cut in [good.len() / 2, good.len() - 1] {
        assert!(
            matches!(
                Workbook::read_file(&good[..cut], actor(5)),
                Err(LoadError::Corrupt(_))
            ),
            "truncated to {cut} of {} bytes",
            good.len()
        );
    }

    let mut other = AutoCommit::new();
    other.put(ROOT, "title", "My shopping list").unwrap();
    other.commit();
    assert_eq!(
        Workbook::read_file(&other.save(), actor(5)).unwrap_err(),
        LoadError::NotAWorkbook
    );

    let mut newer = AutoCommit::new();
    newer.put(ROOT, "format", "sms-workbook").unwrap();
    newer.put(ROOT, "schema_version", 99u64).unwrap();
    newer.put(ROOT, "workbook_id", wb.id().as_str()).unwrap();
    newer.put_object(ROOT, "records", ObjType::Map).unwrap();
    newer.commit();
    assert!(matches!(
        Workbook::read_file(&newer.save(), actor(5)),
        Err(LoadError::NewerVersion { found: 99, .. })
    ));
}

#[test]
fn a_merge_is_described_before_anything_changes() {
    let mut a = two_risks();
    a.add_record("risk", &rid(3), &risk("Flood"), &ctx("Ana", 3))
        .unwrap();
    a.delete_record(&rid(3), &ctx("Ana", 4)).unwrap();
    let mut b = Workbook::read_file(&a.save(), actor(2)).unwrap();

    b.add_record("risk", &rid(4), &risk("Strike"), &ctx("Ben", 10))
        .unwrap();
    b.add_record("risk", &rid(5), &risk("Theft"), &ctx("Ben", 11))
        .unwrap();
    let mut r = risk("Outage");
    r.set("owner", Value::Text("Ben".into()));
    b.update_record(&rid(1), &r, &ctx("Ben", 12)).unwrap();
    b.delete_record(&rid(2), &ctx("Ben", 13)).unwrap();
    b.restore_record(&rid(3), &ctx("Cleo", 14)).unwrap();
    let state = ItemState {
        status: ItemStatus::InProgress,
        ..ItemState::default()
    };
    b.set_checklist_item("6.1", &state, &ctx("Cleo", 15))
        .unwrap();
    b.rename("Shared register", &ctx("Cleo", 16)).unwrap();

    let mut file = Workbook::read_file(&b.save(), actor(6)).unwrap();
    let heads = a.heads();
    let p = a.preview_merge(&mut file).unwrap();
    assert_eq!(a.heads(), heads, "a preview changes nothing");
    assert_eq!(p.changes, 7);
    assert_eq!(p.registers.len(), 1);
    let risks = &p.registers[0];
    assert_eq!(risks.def.id, "risk");
    assert_eq!(
        (risks.added, risks.changed, risks.deleted, risks.restored),
        (2, 1, 1, 1)
    );
    assert_eq!(p.records.len(), 5);
    assert_eq!(p.checklist_items, 1);
    assert_eq!(p.renamed_to.as_deref(), Some("Shared register"));
    let authors: Vec<_> = p
        .authors
        .iter()
        .map(|a| (a.name.as_str(), a.changes))
        .collect();
    assert_eq!(authors, [("Ben", 4), ("Cleo", 3)]);
    assert!(p.authors[0].first < p.authors[0].last);

    // Taking the changes out of the file first (so the file's copy can be
    // dropped) previews and merges the same.
    let mut c = Workbook::read_file(&a.save(), actor(8)).unwrap();
    let incoming = {
        let mut file = Workbook::read_file(&b.save(), actor(9)).unwrap();
        c.incoming(&mut file).unwrap()
    };
    assert_eq!(incoming.len(), 7);
    let q = c.preview_incoming(&incoming);
    assert_eq!(
        (q.changes, q.records.clone(), q.checklist_items),
        (p.changes, p.records.clone(), p.checklist_items)
    );
    c.merge_incoming(incoming).unwrap();

    // Read elsewhere (the app's file worker): the file sends exactly the
    // changes a copy lacks, by the hashes the copy holds; they preview and
    // merge the same.
    let mut d = Workbook::read_file(&a.save(), actor(6)).unwrap();
    let bytes = {
        let mut file = Workbook::read_file(&b.save(), actor(5)).unwrap();
        let have: std::collections::HashSet<_> = d.change_hashes().into_iter().collect();
        file.changes_not_in(&have)
    };
    let incoming = d.incoming_bytes(&bytes).unwrap();
    assert_eq!(incoming.len(), 7, "only what the copy lacks");
    let r = d.preview_incoming(&incoming);
    assert_eq!(
        (r.changes, r.records.clone(), r.checklist_items),
        (p.changes, p.records.clone(), p.checklist_items)
    );
    d.merge_incoming(incoming).unwrap();
    assert_eq!(d.heads(), c.heads());

    a.merge(&mut file).unwrap();
    assert_eq!(a.records("risk").len(), 4);
    assert_eq!(c.heads(), a.heads());
    assert_eq!(c.records("risk"), a.records("risk"));
    assert_eq!(c.name(), a.name());
    // The same file again brings nothing.
    let mut again = Workbook::read_file(&b.save(), actor(7)).unwrap();
    assert!(a.preview_merge(&mut again).unwrap().is_empty());
}

#[test]
fn a_file_of_another_workbook_cannot_be_previewed_as_a_merge() {
    let mut a = two_risks();
    let mut other = Workbook::create(
        sms_core::WorkbookId::from_random([7; 16]),
        "Other",
        actor(3),
        &ctx("Ben", 0),
    )
    .unwrap();
    assert!(a.preview_merge(&mut other).is_err());
}

#[test]
fn file_names_are_safe_and_dated() {
    let day = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
    assert_eq!(
        file_name("Northwind IT Services — demo workbook", day),
        "Northwind IT Services — demo workbook 2026-11-27.smsw"
    );
    assert_eq!(file_name("a/b: c?*", day), "a b c 2026-11-27.smsw");
    assert_eq!(file_name("...", day), "Workbook 2026-11-27.smsw");
}

#[test]
fn changes_stored_by_another_tab_are_absorbed_without_being_saved_again() {
    let mut a = two_risks();
    a.save();
    a.track_changes();
    let mut b = a.fork(actor(4));
    b.save();
    b.add_record("risk", &rid(8), &risk("From the other tab"), &ctx("Ben", 5))
        .unwrap();
    let chunk = b.take_unsaved().unwrap();

    a.absorb_stored(&chunk).unwrap();
    assert_eq!(
        a.take_delta().records.into_iter().collect::<Vec<_>>(),
        [rid(8)]
    );
    assert!(
        a.take_unsaved().is_none(),
        "already stored by the other tab"
    );
    assert!(a.record(&rid(8)).is_some());
    // Again: nothing changes.
    a.absorb_stored(&chunk).unwrap();
    assert!(a.take_delta().is_empty());
    // Cut-off bytes add nothing.
    let heads = a.heads();
    let _ = a.absorb_stored(&chunk[..chunk.len() / 2]);
    assert_eq!(a.heads(), heads);
}

mod into_copy {
    use crate::common::*;
    use sms_core::engine::codec::{decode_preview, encode_preview};
    use sms_core::exchange::{into_copy, IntoCopyError, KeepAs};
    use sms_core::{Workbook, WorkbookId};

    /// Kept as itself, with no copy of it here.
    fn whole() -> KeepAs<'static> {
        KeepAs::Itself { stored: None }
    }

    #[test]
    fn a_workbook_kept_apart_is_a_workbook_of_its_own_that_never_merges_back() {
        let mut ours = new_workbook();
        ours.add_record("risk", &rid(1), &risk("Ours"), &ctx("Ana", 1))
            .unwrap();
        let mut theirs = ours.fork(actor(2));
        theirs
            .add_record("risk", &rid(2), &risk("Theirs"), &ctx("Ben", 2))
            .unwrap();
        // Ours moves on after theirs forked: none of it may reach the copy.
        ours.add_record("risk", &rid(3), &risk("Ours only"), &ctx("Ana", 3))
            .unwrap();
        let parts = theirs.save();
        let new_id = WorkbookId::from_random([0x42; 16]);
        let apart = into_copy(
            &parts,
            true,
            KeepAs::Apart {
                id: new_id.clone(),
                ctx: ctx("Ana", 4),
            },
            actor(5),
        )
        .unwrap();
        assert!(apart.preview.is_none(), "nothing is merged");
        assert_eq!(apart.id, new_id);
        let name = format!("{} (separate copy)", theirs.name());
        assert_eq!(apart.name, name);

        let mut copy = Workbook::load([apart.snapshot.as_slice()], actor(6)).unwrap();
        assert_eq!(copy.id(), &new_id, "the id is read back from the document");
        assert_eq!(copy.name(), name);
        let titles: Vec<String> = risks(&copy)
            .iter()
            .map(|(_, r)| {
                r.get("title")
                    .and_then(|v| v.as_text())
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect();
        assert_eq!(
            titles.len(),
            2,
            "their records, none of ours since: {titles:?}"
        );
        assert!(!titles.iter().any(|t| t == "Ours only"));
        let last = copy.history().pop().unwrap();
        assert_eq!(last.author(), "Ana");
        assert!(
            last.meta.summary.contains("Kept apart"),
            "{}",
            last.meta.summary
        );

        // It never merges with the original, either way.
        assert!(ours.incoming(&mut copy).is_err());
        assert!(copy.incoming(&mut theirs).is_err());
        assert!(copy.incoming(&mut ours).is_err());
        let e = into_copy(
            &theirs.to_file(),
            false,
            KeepAs::Itself {
                stored: Some(std::slice::from_ref(&apart.snapshot)),
            },
            actor(5),
        )
        .unwrap_err();
        assert!(matches!(e, IntoCopyError::Merge(_)), "{e}");

        // Its own copies merge as any workbook's do.
        let mut other = copy.fork(actor(7));
        other
            .add_record("risk", &rid(8), &risk("Later"), &ctx("Cy", 8))
            .unwrap();
        let changes = copy.incoming(&mut other).unwrap();
        copy.merge_incoming(changes).unwrap();
        assert_eq!(risks(&copy).len(), 3);

        // A very long name still fits, ending as a separate copy.
        let mut long = new_workbook();
        long.rename(&"N".repeat(120), &ctx("Ana", 9)).unwrap();
        let apart = into_copy(
            &long.save(),
            true,
            KeepAs::Apart {
                id: WorkbookId::from_random([0x43; 16]),
                ctx: ctx("Ana", 10),
            },
            actor(5),
        )
        .unwrap();
        assert_eq!(apart.name.chars().count(), 120);
        assert!(apart.name.ends_with(" (separate copy)"));
    }

    #[test]
    fn a_new_workbook_is_kept_whole_and_a_known_one_is_merged_after_a_preview() {
        let mut ours = new_workbook();
        ours.add_record("risk", &rid(1), &risk("Ours"), &ctx("Ana", 1))
            .unwrap();
        let mut theirs = ours.fork(actor(2));
        theirs
            .add_record("risk", &rid(2), &risk("Theirs"), &ctx("Ben", 2))
            .unwrap();
        ours.add_record("risk", &rid(3), &risk("Ours later"), &ctx("Ana", 3))
            .unwrap();
        let file = theirs.to_file();

        // No copy here: the file's workbook, whole.
        let kept = into_copy(&file, false, whole(), actor(5)).unwrap();
        assert!(kept.preview.is_none());
        assert_eq!(&kept.id, ours.id());
        let mut back = Workbook::load([kept.snapshot.as_slice()], actor(6)).unwrap();
        assert_eq!(risks(&back).len(), 2);

        // A copy here: merged, with what the merge changes said first.
        let stored = vec![ours.save()];
        let merged = into_copy(
            &file,
            false,
            KeepAs::Itself {
                stored: Some(&stored),
            },
            actor(5),
        )
        .unwrap();
        let p = merged.preview.expect("a preview");
        assert_eq!(p.records.len(), 1, "one record is new to our copy");
        let p2 = decode_preview(&encode_preview(&p)).unwrap();
        assert_eq!(preview_facts(&p), preview_facts(&p2));
        back = Workbook::load([merged.snapshot.as_slice()], actor(6)).unwrap();
        assert_eq!(risks(&back).len(), 3, "both sides kept");

        // A room's parts (a document and later changes) read the same way.
        let mut parts = ours.save();
        let before = ours.heads();
        ours.add_record("risk", &rid(4), &risk("After"), &ctx("Ana", 4))
            .unwrap();
        parts.extend(ours.changes_after(&before));
        let kept = into_copy(&parts, true, whole(), actor(5)).unwrap();
        back = Workbook::load([kept.snapshot.as_slice()], actor(6)).unwrap();
        assert_eq!(risks(&back).len(), 3);
    }

    #[test]
    fn damaged_files_and_copies_are_refused_in_words() {
        let mut wb = new_workbook();
        let file = wb.to_file();
        let e = into_copy(b"not a workbook", false, whole(), actor(5)).unwrap_err();
        assert!(matches!(e, IntoCopyError::Unreadable(_)), "{e}");
        let e = into_copy(
            &file,
            false,
            KeepAs::Itself {
                stored: Some(&[b"damaged".to_vec()]),
            },
            actor(5),
        )
        .unwrap_err();
        assert!(matches!(e, IntoCopyError::Stored(_)), "{e}");
        assert!(e.to_string().contains("this browser's copy"));
        // A copy of another workbook under the same name is not merged.
        let mut other = Workbook::create(
            sms_core::WorkbookId::from_random([0x77; 16]),
            "Other",
            actor(7),
            &ctx("Ben", 0),
        )
        .unwrap();
        let e = into_copy(
            &file,
            false,
            KeepAs::Itself {
                stored: Some(&[other.save()]),
            },
            actor(5),
        )
        .unwrap_err();
        assert!(matches!(e, IntoCopyError::Merge(_)), "{e}");
    }
}
