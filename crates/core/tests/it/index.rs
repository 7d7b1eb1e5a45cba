//! The read model: deltas name exactly what changed, and an index kept in
//! step by applying them always equals one built from scratch.

use std::collections::BTreeSet;

use crate::common::*;
use crate::merge::{apply, op, Op};
use proptest::prelude::*;
use sms_core::checklist::{ItemState, ItemStatus};
use sms_core::registers::{self, Query, SortDir};
use sms_core::{RecordId, RecordIndex, SortedList, Workbook};

fn ids(v: &[u8]) -> BTreeSet<RecordId> {
    v.iter().map(|n| rid(*n)).collect()
}

#[test]
fn a_delta_names_exactly_what_changed() {
    let mut wb = new_workbook();
    assert!(wb.take_delta().everything, "untracked: everything");
    wb.track_changes();
    assert!(wb.take_delta().is_empty());

    wb.add_record("risk", &rid(1), &risk("Outage"), &ctx("Ana", 1))
        .unwrap();
    wb.add_record("risk", &rid(2), &risk("Fire"), &ctx("Ana", 2))
        .unwrap();
    let d = wb.take_delta();
    assert_eq!(d.records, ids(&[1, 2]));
    assert!(!d.everything && !d.workbook && d.checklist.is_empty());

    // An edit of long text (Automerge Text) names its record.
    let mut r = risk("Outage");
    r.set(
        "description",
        sms_core::Value::Text("Power fails in room B".into()),
    );
    wb.update_record(&rid(1), &r, &ctx("Ana", 3)).unwrap();
    assert_eq!(wb.take_delta().records, ids(&[1]));
    r.set(
        "description",
        sms_core::Value::Text("Power fails in room C".into()),
    );
    wb.update_record(&rid(1), &r, &ctx("Ana", 4)).unwrap();
    assert_eq!(wb.take_delta().records, ids(&[1]));

    wb.delete_record(&rid(2), &ctx("Ana", 5)).unwrap();
    assert_eq!(wb.take_delta().records, ids(&[2]));

    let state = ItemState {
        status: ItemStatus::Implemented,
        evidence: vec![rid(1)],
        ..ItemState::default()
    };
    wb.set_checklist_item("6.1", &state, &ctx("Ana", 6))
        .unwrap();
    let d = wb.take_delta();
    assert_eq!(d.checklist, BTreeSet::from(["6.1".to_owned()]));
    assert!(d.records.is_empty() && !d.workbook);

    wb.rename("Renamed", &ctx("Ana", 7)).unwrap();
    let d = wb.take_delta();
    assert!(d.workbook && d.records.is_empty());
}

#[test]
fn a_merge_delta_names_the_records_the_other_copy_touched() {
    let mut a = new_workbook();
    for n in 1..=5 {
        a.add_record(
            "risk",
            &rid(n),
            &risk(&format!("Risk {n}")),
            &ctx("Ana", n as i64),
        )
        .unwrap();
    }
    let mut b = a.fork(actor(2));
    a.track_changes();
    let mut r = risk("Risk 2, reworded");
    r.set("owner", sms_core::Value::Text("Ben".into()));
    b.update_record(&rid(2), &r, &ctx("Ben", 10)).unwrap();
    b.delete_record(&rid(4), &ctx("Ben", 11)).unwrap();
    b.add_record("risk", &rid(9), &risk("New"), &ctx("Ben", 12))
        .unwrap();
    a.merge(&mut b).unwrap();
    assert_eq!(a.take_delta().records, ids(&[2, 4, 9]));
    // Merging the same changes again touches nothing.
    a.merge(&mut b).unwrap();
    assert!(a.take_delta().is_empty());
}

/// Everything the screen reads from an index, for comparison.
pub(crate) fn snapshot(index: &RecordIndex) -> Vec<String> {
    let mut out = Vec::new();
    for reg in ["risk", "security_control"] {
        for e in index.live(reg) {
            out.push(format!(
                "live {reg} {} {:?} {:?}",
                e.id, e.record, e.attachments
            ));
        }
        for e in index.deleted(reg) {
            out.push(format!("deleted {reg} {}", e.id));
        }
    }
    for n in 0..8 {
        let back: Vec<_> = index
            .backlinks(&rid(n))
            .iter()
            .map(|(e, f)| format!("{}:{}", e.id, f.key))
            .collect();
        out.push(format!("back {n} {back:?}"));
    }
    out.push(format!("people {:?}", index.people()));
    out.push(format!(
        "deleted {} {} conflicted {}",
        index.deleted_count("risk"),
        index.deleted_count("security_control"),
        index.conflict_count()
    ));
    out
}

fn order(list: &SortedList) -> Vec<RecordId> {
    list.rows().iter().map(|e| e.id.clone()).collect()
}

#[derive(Clone, Debug)]
enum Step {
    /// An edit on copy A (tracked) or B.
    Edit(bool, Op),
    /// A control on copy A or B addressing some risks.
    Control(bool, u8, Vec<u8>),
    /// Merge B into A, or A into B.
    Merge(bool),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (any::<bool>(), op()).prop_map(|(a, o)| Step::Edit(a, o)),
        1 => (any::<bool>(), 6..8u8, prop::collection::vec(0..6u8, 0..3))
            .prop_map(|(a, i, r)| Step::Control(a, i, r)),
        1 => any::<bool>().prop_map(Step::Merge),
    ]
}

fn control(wb: &mut Workbook, i: u8, risks: &[u8], n: i64) {
    let live: Vec<String> = risks
        .iter()
        .map(|r| rid(*r))
        .filter(|id| wb.record(id).is_some())
        .map(|id| id.to_string())
        .collect();
    let rec = record(
        "security_control",
        &[
            ("title", "Control"),
            ("status", "planned"),
            ("risks", live.join(" ").as_str()),
            ("owner", "Cleo"),
        ],
    );
    let c = ctx("Cleo", n);
    if wb.record(&rid(i)).is_some() {
        wb.update_record(&rid(i), &rec, &c).unwrap();
    } else {
        let _ = wb.add_record("security_control", &rid(i), &rec, &c);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Local edits and merges in any order: the index kept in step by deltas,
    /// and lists refreshed from it, equal ones built from scratch.
    #[test]
    fn applying_deltas_equals_rebuilding(steps in prop::collection::vec(step(), 1..40)) {
        let mut a = new_workbook();
        let mut b = a.fork(actor(2));
        a.track_changes();
        let mut index = RecordIndex::build(&a);
        let risk_def = registers::register("risk").unwrap();
        let sorts = [None, Some(("likelihood", SortDir::Desc)), Some(("owner", SortDir::Asc))];
        let mut lists: Vec<SortedList> =
            sorts.iter().map(|s| SortedList::new(&index, risk_def, *s)).collect();
        for (n, s) in steps.iter().enumerate() {
            match s {
                Step::Edit(true, o) => apply(&mut a, std::slice::from_ref(o), "Ana"),
                Step::Edit(false, o) => apply(&mut b, std::slice::from_ref(o), "Ben"),
                Step::Control(true, i, r) => control(&mut a, *i, r, n as i64),
                Step::Control(false, i, r) => control(&mut b, *i, r, n as i64),
                Step::Merge(true) => a.merge(&mut b).unwrap(),
                Step::Merge(false) => b.merge(&mut a).unwrap(),
            }
            let delta = a.take_delta();
            prop_assert!(!delta.everything);
            index.apply(&a, &delta);
            let fresh = RecordIndex::build(&a);
            prop_assert_eq!(snapshot(&index), snapshot(&fresh));
            for (list, sort) in lists.iter_mut().zip(sorts) {
                if let Some(next) = list.refreshed(&index) {
                    *list = next;
                }
                prop_assert_eq!(order(list), order(&SortedList::new(&fresh, risk_def, sort)));
            }
        }
    }
}

#[test]
fn a_list_filters_in_order_without_sorting_again() {
    let mut wb = new_workbook();
    for (n, (t, owner)) in [("Flood", "Ana"), ("Fire", "Ben"), ("Fraud", "Ana")]
        .iter()
        .enumerate()
    {
        let mut r = risk(t);
        r.set("owner", sms_core::Value::Text((*owner).into()));
        wb.add_record("risk", &rid(n as u8), &r, &ctx("Ana", n as i64))
            .unwrap();
    }
    let index = RecordIndex::build(&wb);
    let def = registers::register("risk").unwrap();
    let list = SortedList::new(&index, def, Some(("title", SortDir::Asc)));
    let titles = |q: &Query| -> Vec<String> {
        list.filter(q)
            .iter()
            .map(|e| e.title().to_owned())
            .collect()
    };
    assert_eq!(titles(&Query::default()), ["Fire", "Flood", "Fraud"]);
    let q = Query {
        search: "ana f".into(),
        ..Query::default()
    };
    assert_eq!(titles(&q), ["Flood", "Fraud"]);
    let q = Query {
        search: "FR".into(),
        ..Query::default()
    };
    assert_eq!(titles(&q), ["Fraud"]);
    let q = Query {
        filters: vec![("kind", "opportunity".into())],
        ..Query::default()
    };
    assert!(titles(&q).is_empty());
}
