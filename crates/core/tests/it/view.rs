//! The materialized view: what is stored equals what the document says,
//! patches keep it in step, and anything damaged, foreign or stale is
//! refused rather than shown.

use crate::common::*;
use proptest::prelude::*;
use sms_core::checklist::{ItemState, ItemStatus};
use sms_core::view::{chunk_digest, Assembler, Summary, View, ViewError, ViewPart, VIEW_FORMAT};
use sms_core::{demo, RecordIndex, Workbook};

fn demo_workbook() -> Workbook {
    let mut n = 0u8;
    let mut wb = demo::build(&demo_data(), wb_id(), actor(1), &ctx("Ana", 1), || {
        n = n.wrapping_add(1);
        sms_core::RecordId::from_random([n, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, n])
    })
    .unwrap();
    wb.track_changes();
    wb
}

/// Everything the screen reads from an index, in a comparable form.
fn everything(index: &RecordIndex) -> Vec<String> {
    let mut out: Vec<String> = index
        .entries()
        .map(|e| {
            let back: Vec<String> = index
                .backlinks(&e.id)
                .iter()
                .map(|(s, f)| format!("{}:{}", s.id, f.key))
                .collect();
            format!(
                "{} {} {} {:?} {:?} {:?} {:?}",
                e.id, e.def.id, e.deleted, e.record, e.info, e.conflicts, back
            )
        })
        .collect();
    out.sort();
    out.push(format!("people {:?}", index.people()));
    out.push(format!("conflicted {}", index.conflict_count()));
    out
}

fn base_of(wb: &mut Workbook, to: u64) -> Vec<u8> {
    let index = RecordIndex::build(wb);
    ViewPart::base(&index, &Summary::of(wb), wb.heads(), to).encode()
}

#[test]
fn a_view_holds_exactly_what_the_document_says() {
    let mut wb = demo_workbook();
    let to = chunk_digest(["a", "b"]);
    let bytes = base_of(&mut wb, to);
    let view = View::assemble(wb.id(), Some(&bytes), &[], chunk_digest(["b", "a"])).unwrap();
    assert_eq!(view.heads, wb.heads());
    assert_eq!(view.summary, Summary::of(&wb));
    assert!(view.records.len() > 100, "{}", view.records.len());
    assert_eq!(
        everything(&RecordIndex::from_stored(view.records)),
        everything(&RecordIndex::build(&wb))
    );
}

#[test]
fn patches_keep_the_view_in_step_with_edits() {
    let mut wb = demo_workbook();
    let (k0, k1, k2) = (
        chunk_digest(["s"]),
        chunk_digest(["s", "c1"]),
        chunk_digest(["s", "c1", "c2"]),
    );
    let base = base_of(&mut wb, k0);
    let mut index = RecordIndex::build(&wb);
    let mut summary = Summary::of(&wb);

    // Edit a record, add one, delete one, rename, change a checklist item.
    let (id, mut r) = risks(&wb).into_iter().next().unwrap();
    r.set("title", sms_core::Value::Text("Changed title".into()));
    wb.update_record(&id, &r, &ctx("Ben", 2)).unwrap();
    wb.add_record("risk", &rid(200), &risk("A new risk"), &ctx("Ben", 3))
        .unwrap();
    let delta = wb.take_delta();
    index.apply(&wb, &delta);
    summary.refresh(&wb, &delta);
    let p1 = ViewPart::patch(&index, &summary, &delta, wb.heads(), k0, k1).encode();

    let gone = risks(&wb)[1].0.clone();
    wb.delete_record(&gone, &ctx("Ben", 4)).unwrap();
    wb.rename("Renamed workbook", &ctx("Ben", 5)).unwrap();
    let state = ItemState {
        status: ItemStatus::Verified,
        owner: "Dara".into(),
        evidence: vec![rid(200)],
        ..ItemState::default()
    };
    wb.set_checklist_item("8.7.1", &state, &ctx("Ben", 6))
        .unwrap();
    let delta = wb.take_delta();
    index.apply(&wb, &delta);
    summary.refresh(&wb, &delta);
    let p2 = ViewPart::patch(&index, &summary, &delta, wb.heads(), k1, k2).encode();
    assert!(
        p2.len() < base.len() / 10,
        "a patch holds only what changed"
    );

    let view = View::assemble(wb.id(), Some(&base), &[&p1, &p2], k2).unwrap();
    assert_eq!(view.heads, wb.heads());
    assert_eq!(view.summary, Summary::of(&wb));
    assert_eq!(view.summary.name, "Renamed workbook");
    assert_eq!(view.summary.evidenced_items(&rid(200)).len(), 1);
    assert_eq!(
        everything(&RecordIndex::from_stored(view.records)),
        everything(&RecordIndex::build(&wb))
    );

    // A slice at a time, the same view, and the same index built in slices.
    let mut a = Assembler::new(wb.id(), Some(base.clone()), &[&p1, &p2], k2).unwrap();
    let total = a.remaining();
    let mut steps = 0;
    while !a.step(7).unwrap() {
        steps += 1;
    }
    assert!(steps >= total / 7 - 1, "{steps} steps for {total} records");
    let sliced = a.finish().unwrap();
    assert_eq!(sliced.summary, Summary::of(&wb));
    let mut records = sliced.records.into_iter();
    let mut index = RecordIndex::from_stored(records.by_ref().take(5));
    loop {
        let slice: Vec<_> = records.by_ref().take(11).collect();
        if slice.is_empty() {
            break;
        }
        index.add_stored(slice);
    }
    assert_eq!(everything(&index), everything(&RecordIndex::build(&wb)));

    // Without the second patch the view reflects chunk set k1, not k2.
    assert_eq!(
        View::assemble(wb.id(), Some(&base), &[&p1], k2).unwrap_err(),
        ViewError::Stale
    );
    // A patch that does not continue the chain is skipped.
    assert_eq!(
        View::assemble(wb.id(), Some(&base), &[&p2], k2).unwrap_err(),
        ViewError::Stale
    );
    // A chunk no part covers (another tab's) makes the view stale.
    assert_eq!(
        View::assemble(
            wb.id(),
            Some(&base),
            &[&p1, &p2],
            chunk_digest(["s", "c1", "c2", "x"])
        )
        .unwrap_err(),
        ViewError::Stale
    );
}

#[test]
fn damaged_foreign_and_newer_views_are_refused() {
    let mut wb = demo_workbook();
    let k = chunk_digest(["s"]);
    let base = base_of(&mut wb, k);
    assert_eq!(
        View::assemble(wb.id(), None, &[], k).unwrap_err(),
        ViewError::Missing
    );

    // Byte 5 says whether a part is the base or a delta: a base damaged
    // into a delta must not pass as one.
    for at in [5, HEADER_END, base.len() / 2, base.len() - 1] {
        let mut bad = base.clone();
        bad[at] ^= 1;
        assert!(
            matches!(
                View::assemble(wb.id(), Some(&bad), &[], k),
                Err(ViewError::Corrupt(_))
            ),
            "flipped byte {at}"
        );
        assert!(ViewPart::decode(&bad).is_err(), "flipped byte {at} decoded");
    }
    let cut = &base[..base.len() - 3];
    assert!(matches!(
        View::assemble(wb.id(), Some(cut), &[], k),
        Err(ViewError::Corrupt(_))
    ));
    assert!(matches!(
        View::assemble(wb.id(), Some(b"junk"), &[], k),
        Err(ViewError::Corrupt(_))
    ));

    let mut newer = base.clone();
    newer[4] = VIEW_FORMAT + 1;
    assert_eq!(
        View::assemble(wb.id(), Some(&newer), &[], k).unwrap_err(),
        ViewError::Format(VIEW_FORMAT + 1)
    );
    let other = sms_core::WorkbookId::from_random([9; 16]);
    assert_eq!(
        View::assemble(&other, Some(&base), &[], k).unwrap_err(),
        ViewError::OtherWorkbook
    );
}

const HEADER_END: usize = 14;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Arbitrary bytes, and a valid view with arbitrary damage, never
    /// panic and are never taken for a view.
    #[test]
    fn garbage_is_never_a_view(junk in proptest::collection::vec(any::<u8>(), 0..400),
                               at in any::<prop::sample::Index>(), bit in 0u8..8) {
        prop_assert!(ViewPart::decode(&junk).is_err());
        let mut wb = new_workbook();
        wb.add_record("risk", &rid(1), &risk("Outage"), &ctx("Ana", 1)).unwrap();
        let mut bytes = base_of(&mut wb, 1);
        let i = at.index(bytes.len());
        bytes[i] ^= 1 << bit;
        prop_assert!(ViewPart::decode(&bytes).is_err());
    }
}
