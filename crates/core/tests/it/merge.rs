//! Merge laws: copies of a workbook edited concurrently converge whatever the
//! order in which they are merged, and no one's edit of another field is lost.

use crate::common::*;
use proptest::prelude::*;
use sms_core::{Risk, RiskStatus, Treatment, Workbook};

#[derive(Clone, Debug)]
enum Op {
    Add(u8, String),
    SetLikelihood(u8, u8),
    SetOwner(u8, String),
    SetTreatment(u8, usize),
    Delete(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..6u8, "[a-z]{1,8}").prop_map(|(i, t)| Op::Add(i, t)),
        (0..6u8, 1..=5u8).prop_map(|(i, v)| Op::SetLikelihood(i, v)),
        (0..6u8, "[A-Z][a-z]{1,6}").prop_map(|(i, o)| Op::SetOwner(i, o)),
        (0..6u8, 0..4usize).prop_map(|(i, t)| Op::SetTreatment(i, t)),
        (0..6u8).prop_map(Op::Delete),
    ]
}

fn apply(wb: &mut Workbook, ops: &[Op], who: &str) {
    for (n, op) in ops.iter().enumerate() {
        let c = ctx(who, n as i64);
        let edit = |wb: &mut Workbook, i: u8, f: &dyn Fn(&mut Risk)| {
            if let Some(mut r) = wb.risk(&rid(i)) {
                f(&mut r);
                wb.update_risk(&rid(i), &r, &c).unwrap();
            }
        };
        match op {
            Op::Add(i, t) => {
                // Adding an id that exists (maybe deleted) is refused; fine.
                let _ = wb.add_risk(&rid(*i), &risk(t), &c);
            }
            Op::SetLikelihood(i, v) => edit(wb, *i, &|r| r.likelihood = *v),
            Op::SetOwner(i, o) => edit(wb, *i, &|r| r.owner = o.clone()),
            Op::SetTreatment(i, t) => edit(wb, *i, &|r| r.treatment = Treatment::ALL[*t]),
            Op::Delete(i) => {
                let _ = wb.delete_risk(&rid(*i), &c);
            }
        }
    }
}

fn base() -> Workbook {
    let mut wb = new_workbook();
    for i in 0..3 {
        wb.add_risk(&rid(i), &risk(&format!("base {i}")), &ctx("Ana", i.into()))
            .unwrap();
    }
    wb
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
        prop_assert_eq!(ab.risks(), ba.risks());
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
        // (x + y) + z
        let mut left = x.fork(actor(30));
        left.merge(&mut y).unwrap();
        left.merge(&mut z).unwrap();
        // x + (z + y)
        let mut zy = z.fork(actor(31));
        zy.merge(&mut y).unwrap();
        let mut right = x.fork(actor(32));
        right.merge(&mut zy).unwrap();
        prop_assert_eq!(left.risks(), right.risks());
    }
}

#[test]
fn concurrent_edits_of_different_fields_both_survive() {
    let mut root = base();
    let mut a = root.fork(actor(10));
    let mut b = root.fork(actor(11));
    let mut ra = a.risk(&rid(0)).unwrap();
    ra.likelihood = 5;
    a.update_risk(&rid(0), &ra, &ctx("Ana", 1)).unwrap();
    let mut rb = b.risk(&rid(0)).unwrap();
    rb.status = RiskStatus::Closed;
    b.update_risk(&rid(0), &rb, &ctx("Ben", 1)).unwrap();

    a.merge(&mut b).unwrap();
    let merged = a.risk(&rid(0)).unwrap();
    assert_eq!((merged.likelihood, merged.status), (5, RiskStatus::Closed));
}

#[test]
fn an_edit_concurrent_with_a_delete_is_kept_in_the_document() {
    let mut root = base();
    let mut a = root.fork(actor(10));
    let mut b = root.fork(actor(11));
    a.delete_risk(&rid(0), &ctx("Ana", 1)).unwrap();
    let mut rb = b.risk(&rid(0)).unwrap();
    rb.owner = "Ben".into();
    b.update_risk(&rid(0), &rb, &ctx("Ben", 1)).unwrap();
    a.merge(&mut b).unwrap();
    // Deleted wins for the list, but the record (with Ben's edit) remains.
    assert_eq!(a.risk(&rid(0)), None);
    assert!(a.record_info(&rid(0)).is_some());
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
