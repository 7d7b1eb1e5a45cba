//! The merge preview read from the incoming changes' operations says what
//! merging them into a throwaway copy of the whole workbook and comparing
//! says — for text edits that insert and delete, sets of links, deletes
//! and restores, new records, conflicts settled by writing a value anew,
//! the checklist and the name, made concurrently on two copies.

use proptest::prelude::*;
use sms_core::checklist::ItemState;
use sms_core::{RecordId, Value, Workbook};

use crate::common::*;

const RISKS: u8 = 3;
const ACTIONS: [u8; 3] = [20, 21, 22];
const ITEMS: [&str; 2] = ["6.1", "8.1"];
const WORDS: [&str; 5] = [
    "",
    "flood",
    "flood in the server room",
    "fire",
    "flood in room",
];

#[derive(Clone, Debug)]
enum Edit {
    Title(u8, u8),
    Description(u8, usize),
    Links(u8, u8),
    Delete(u8),
    Restore(u8),
    Add(u8),
    Rename(u8),
    Item(usize, u8),
    Evidence(usize, u8),
    /// Keep the first value of the first conflicted field of a record.
    Settle(u8),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        1 => (0..RISKS, any::<u8>()).prop_map(|(r, v)| Edit::Title(r, v)),
        3 => (0..RISKS, 0..WORDS.len()).prop_map(|(r, w)| Edit::Description(r, w)),
        2 => (0..RISKS, any::<u8>()).prop_map(|(r, m)| Edit::Links(r, m)),
        1 => (0..RISKS).prop_map(Edit::Delete),
        1 => (0..RISKS).prop_map(Edit::Restore),
        1 => (0..4u8).prop_map(Edit::Add),
        1 => (0..3u8).prop_map(Edit::Rename),
        1 => (0..ITEMS.len(), any::<u8>()).prop_map(|(i, v)| Edit::Item(i, v)),
        1 => (0..ITEMS.len(), any::<u8>()).prop_map(|(i, v)| Edit::Evidence(i, v)),
        2 => (0..RISKS).prop_map(Edit::Settle),
    ]
}

fn base() -> Workbook {
    let mut wb = new_workbook();
    let c = ctx("Ana", 1);
    for n in ACTIONS {
        let a = record(
            "action",
            &[
                ("title", "Fix it"),
                ("kind", "treatment"),
                ("owner", "Ana"),
                ("status", "open"),
            ],
        );
        wb.add_record("action", &rid(n), &a, &c).unwrap();
    }
    for n in 0..RISKS {
        let mut r = risk(&format!("Risk {n}"));
        r.set("description", Value::Text("flood".into()));
        r.set("actions", Value::Links(vec![rid(ACTIONS[0])]));
        wb.add_record("risk", &rid(n), &r, &c).unwrap();
    }
    wb
}

fn apply(wb: &mut Workbook, who: &str, t: i64, e: &Edit, made: &mut u8) {
    let c = ctx(who, t);
    let id = |r: u8| rid(r);
    let current = |wb: &Workbook, r: u8| wb.record(&id(r)).map(|(_, rec)| rec);
    match e {
        Edit::Title(r, v) => {
            if let Some(mut rec) = current(wb, *r) {
                rec.set("title", Value::Text(format!("Risk {r} v{}", v % 3)));
                let _ = wb.update_record(&id(*r), &rec, &c);
            }
        }
        Edit::Description(r, w) => {
            if let Some(mut rec) = current(wb, *r) {
                match WORDS[*w] {
                    "" => {
                        rec.values.remove("description");
                    }
                    text => rec.set("description", Value::Text(text.into())),
                }
                let _ = wb.update_record(&id(*r), &rec, &c);
            }
        }
        Edit::Links(r, m) => {
            if let Some(mut rec) = current(wb, *r) {
                let ids: Vec<RecordId> = ACTIONS
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| m & (1 << i) != 0)
                    .map(|(_, a)| rid(*a))
                    .collect();
                if ids.is_empty() {
                    rec.values.remove("actions");
                } else {
                    rec.set("actions", Value::Links(ids));
                }
                let _ = wb.update_record(&id(*r), &rec, &c);
            }
        }
        Edit::Delete(r) => {
            let _ = wb.delete_record(&id(*r), &c);
        }
        Edit::Restore(r) => {
            let _ = wb.restore_record(&id(*r), &c);
        }
        Edit::Add(n) => {
            *made += 1;
            let who_n = if who == "Ana" { 100 } else { 150 };
            let mut r = risk(&format!("New {n}"));
            if n % 2 == 0 {
                r.set("description", Value::Text(format!("new text {n}")));
            }
            let _ = wb.add_record("risk", &rid(who_n + *made), &r, &c);
        }
        Edit::Rename(v) => {
            let _ = wb.rename(&format!("Workbook {v}"), &c);
        }
        Edit::Item(i, v) => {
            let mut s: ItemState = wb.checklist_item(ITEMS[*i]);
            s.owner = format!("Owner {}", v % 3);
            let _ = wb.set_checklist_item(ITEMS[*i], &s, &c);
        }
        Edit::Evidence(i, v) => {
            let mut s: ItemState = wb.checklist_item(ITEMS[*i]);
            s.evidence = (0..RISKS).filter(|r| v & (1 << r) != 0).map(rid).collect();
            let _ = wb.set_checklist_item(ITEMS[*i], &s, &c);
        }
        Edit::Settle(r) => {
            let Some(stored) = wb.stored_record(&id(*r)) else {
                return;
            };
            let Some(key) = stored.conflicts.first() else {
                return;
            };
            let versions = wb.field_versions(&id(*r), key);
            if let Some(v) = versions.first() {
                let value = v.value.clone();
                let _ = wb.resolve_field(&id(*r), key, value.as_ref(), &c);
            }
        }
    }
}

/// Previews the changes `from` has and `to` lacks both ways, checks they
/// agree, then merges them.
fn exchange(to: &mut Workbook, from: &mut Workbook) -> Result<(), TestCaseError> {
    let file = from.to_file();
    let mut other = Workbook::read_file(&file, actor(9)).unwrap();
    let incoming = to.incoming(&mut other).unwrap();
    let fast = to.preview_incoming(&incoming);
    let slow = to.preview_incoming_by_copy(&incoming);
    prop_assert_eq!(preview_facts(&fast), preview_facts(&slow));
    to.merge_incoming(incoming).unwrap();
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn the_preview_from_operations_says_what_a_merged_copy_says(
        steps in prop::collection::vec((any::<bool>(), edit(), 0..6u8), 1..40)
    ) {
        let mut a = base();
        let mut b = Workbook::read_file(&a.to_file(), actor(2)).unwrap();
        let (mut made_a, mut made_b) = (0u8, 0u8);
        for (t, (on_b, e, sync)) in steps.iter().enumerate() {
            let t = t as i64 + 10;
            if *on_b {
                apply(&mut b, "Ben", t, e, &mut made_b);
            } else {
                apply(&mut a, "Ana", t, e, &mut made_a);
            }
            // Now and then one copy takes in the other's changes.
            match sync {
                0 => exchange(&mut a, &mut b)?,
                1 => exchange(&mut b, &mut a)?,
                _ => {}
            }
        }
        exchange(&mut a, &mut b)?;
        exchange(&mut b, &mut a)?;
    }
}
