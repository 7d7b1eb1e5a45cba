//! Merge laws: copies of a workbook edited concurrently converge whatever the
//! order in which they are merged, and no one's edit of another field is lost.

use crate::common::*;
use proptest::prelude::*;
use sms_core::{Value, Workbook};

#[derive(Clone, Debug)]
pub(crate) enum Op {
    Add(u8, String),
    SetLikelihood(u8, i64),
    SetOwner(u8, String),
    EditDescription(u8, usize, String),
    Delete(u8),
    Restore(u8),
}

pub(crate) fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..6u8, "[a-z]{1,8}").prop_map(|(i, t)| Op::Add(i, t)),
        (0..6u8, 1..=5i64).prop_map(|(i, v)| Op::SetLikelihood(i, v)),
        (0..6u8, "[A-Z][a-z]{1,6}").prop_map(|(i, o)| Op::SetOwner(i, o)),
        (0..6u8, 0..20usize, "[a-z ]{1,5}").prop_map(|(i, at, s)| Op::EditDescription(i, at, s)),
        (0..6u8).prop_map(Op::Delete),
        (0..6u8).prop_map(Op::Restore),
    ]
}

pub(crate) fn apply(wb: &mut Workbook, ops: &[Op], who: &str) {
    for (n, op) in ops.iter().enumerate() {
        let c = ctx(who, n as i64);
        let edit = |wb: &mut Workbook, i: u8, f: &dyn Fn(&mut sms_core::Record)| {
            if let Some((_, mut r)) = wb.record(&rid(i)) {
                f(&mut r);
                wb.update_record(&rid(i), &r, &c).unwrap();
            }
        };
        match op {
            Op::Add(i, t) => {
                // Adding an id that exists (maybe deleted) is refused; fine.
                let _ = wb.add_record("risk", &rid(*i), &risk(t), &c);
            }
            Op::SetLikelihood(i, v) => edit(wb, *i, &|r| r.set("likelihood", Value::Int(*v))),
            Op::SetOwner(i, o) => edit(wb, *i, &|r| r.set("owner", Value::Text(o.clone()))),
            Op::EditDescription(i, at, s) => edit(wb, *i, &|r| {
                let mut d = r.text("description").to_owned();
                let at = (*at).min(d.len());
                d.insert_str(at, s);
                r.set("description", Value::Text(d));
            }),
            Op::Delete(i) => {
                let _ = wb.delete_record(&rid(*i), &c);
            }
            Op::Restore(i) => {
                let _ = wb.restore_record(&rid(*i), &c);
            }
        }
    }
}

fn base() -> Workbook {
    let mut wb = new_workbook();
    for i in 0..3 {
        let mut r = risk(&format!("base {i}"));
        r.set("description", Value::Text("shared text".into()));
        wb.add_record("risk", &rid(i), &r, &ctx("Ana", i.into()))
            .unwrap();
    }
    wb
}

fn state(wb: &Workbook) -> (Vec<(sms_core::RecordId, sms_core::Record)>, usize) {
    (risks(wb), wb.deleted_records("risk").len())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn two_copies_converge_in_either_merge_order(
        a_ops in prop::collection::vec(op(), 0..12),
        b_ops in prop::collection::vec(op(), 0..12),
    ) {
        let mut root = base();
        let mut a = root.fork(actor(10));
        let mut b = root.fork(actor(11));
        apply(&mut a, &a_ops, "Ana");
        apply(&mut b, &b_ops, "Ben");

        let mut ab = a.fork(actor(12));
        ab.merge(&mut b).unwrap();
        let mut ba = b.fork(actor(13));
        ba.merge(&mut a).unwrap();
        prop_assert_eq!(state(&ab), state(&ba));
        prop_assert_eq!(ab.heads(), ba.heads());

        // Idempotent: merging again changes nothing.
        let heads = ab.heads();
        ab.merge(&mut b).unwrap();
        prop_assert_eq!(ab.heads(), heads);
    }

    #[test]
    fn three_copies_converge_whatever_the_grouping(
        ops in prop::collection::vec(prop::collection::vec(op(), 0..8), 3),
    ) {
        let mut root = base();
        let mut copies: Vec<Workbook> = (0..3).map(|i| root.fork(actor(20 + i))).collect();
        for (c, o) in copies.iter_mut().zip(&ops) {
            apply(c, o, "x");
        }
        let (mut x, mut y, mut z) = {
            let mut it = copies.into_iter();
            (it.next().unwrap(), it.next().unwrap(), it.next().unwrap())
        };
        let mut left = x.fork(actor(30));
        left.merge(&mut y).unwrap();
        left.merge(&mut z).unwrap();
        let mut zy = z.fork(actor(31));
        zy.merge(&mut y).unwrap();
        let mut right = x.fork(actor(32));
        right.merge(&mut zy).unwrap();
        prop_assert_eq!(state(&left), state(&right));
    }
}

#[test]
fn concurrent_edits_of_different_fields_both_survive() {
    let mut root = base();
    let mut a = root.fork(actor(10));
    let mut b = root.fork(actor(11));
    let (_, mut ra) = a.record(&rid(0)).unwrap();
    ra.set("likelihood", Value::Int(5));
    a.update_record(&rid(0), &ra, &ctx("Ana", 1)).unwrap();
    let (_, mut rb) = b.record(&rid(0)).unwrap();
    rb.set("status", Value::Text("closed".into()));
    b.update_record(&rid(0), &rb, &ctx("Ben", 1)).unwrap();

    a.merge(&mut b).unwrap();
    let (_, merged) = a.record(&rid(0)).unwrap();
    assert_eq!(
        (merged.int("likelihood"), merged.text("status")),
        (Some(5), "closed")
    );
}

#[test]
fn concurrent_edits_of_one_description_merge_by_character() {
    let mut root = base();
    let mut a = root.fork(actor(10));
    let mut b = root.fork(actor(11));
    let (_, mut ra) = a.record(&rid(0)).unwrap();
    ra.set("description", Value::Text("Ana: shared text".into()));
    a.update_record(&rid(0), &ra, &ctx("Ana", 1)).unwrap();
    let (_, mut rb) = b.record(&rid(0)).unwrap();
    rb.set("description", Value::Text("shared text, said Ben".into()));
    b.update_record(&rid(0), &rb, &ctx("Ben", 1)).unwrap();

    a.merge(&mut b).unwrap();
    assert_eq!(
        a.record(&rid(0)).unwrap().1.text("description"),
        "Ana: shared text, said Ben"
    );
}

#[test]
fn an_edit_concurrent_with_a_delete_is_kept_in_the_document() {
    let mut root = base();
    let mut a = root.fork(actor(10));
    let mut b = root.fork(actor(11));
    a.delete_record(&rid(0), &ctx("Ana", 1)).unwrap();
    let (_, mut rb) = b.record(&rid(0)).unwrap();
    rb.set("owner", Value::Text("Ben".into()));
    b.update_record(&rid(0), &rb, &ctx("Ben", 1)).unwrap();
    a.merge(&mut b).unwrap();
    // Deleted wins for the list, but the record keeps Ben's edit and can be restored.
    assert!(a.record(&rid(0)).is_none());
    a.restore_record(&rid(0), &ctx("Ana", 2)).unwrap();
    assert_eq!(a.record(&rid(0)).unwrap().1.text("owner"), "Ben");
}

#[test]
fn merging_a_different_workbook_is_refused() {
    let mut a = new_workbook();
    let mut other = Workbook::create(
        sms_core::WorkbookId::from_random([1; 16]),
        "Other",
        actor(9),
        &ctx("Zed", 0),
    )
    .unwrap();
    assert!(a.merge(&mut other).is_err());
}
