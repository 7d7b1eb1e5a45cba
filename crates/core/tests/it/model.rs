//! A model-based test of edits against what a person saw: three copies of
//! one workbook, people opening forms and checklist pages, editing and
//! saving them later (at the heads they opened them at), deleting and
//! restoring records, and exchanging files, in random order.
//!
//! The model remembers every value a person saved and which saved values
//! each form had seen. After everyone has everything, the copies are equal
//! and no value was lost: each saved value is the field's value, or one of
//! its conflicting values, or was replaced by someone whose form showed it.
//! Throughout, a read model kept in step by deltas equals one built afresh.
//!
//! The number of cases comes from `PROPTEST_CASES` (256 by default). A
//! longer run:
//!
//! ```text
//! PROPTEST_CASES=20000 cargo test --release -p sms-core --test it model
//! ```

use std::collections::BTreeSet;

use proptest::prelude::*;
use sms_core::checklist::{ItemState, ItemStatus};
use sms_core::{ChangeHash, Record, RecordIndex, Value, Workbook};

use crate::common::*;

const COPIES: usize = 3;
const RECORDS: u8 = 2;
const ITEMS: [&str; 2] = ["6.1", "8.7.1"];
const PEOPLE: [&str; COPIES] = ["Ana", "Ben", "Cleo"];
const STATUSES: [ItemStatus; 4] = [
    ItemStatus::NotStarted,
    ItemStatus::InProgress,
    ItemStatus::Implemented,
    ItemStatus::Verified,
];

#[derive(Clone, Debug)]
enum FormEdit {
    Title(u8),
    Owner(u8),
    Likelihood(i64),
    /// Insert a character no one else writes at this position (modulo the
    /// length): insertions only, so each must survive the merge.
    Description(usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum PageField {
    Notes,
    Owner,
    Status,
}

#[derive(Clone, Debug)]
enum Step {
    Open(usize, u8),
    /// Edit a field of the copy's open form (opened on this record now if
    /// none is).
    Edit(usize, u8, FormEdit),
    Save(usize),
    OpenPage(usize, usize),
    /// Change one field of the open page (opened now if none is) and save.
    SavePage(usize, PageField, u8),
    /// Settle a conflict the copy shows on a record's field (the first
    /// from a place chosen by the number), keeping one of its values, at
    /// the copy's heads.
    Settle(usize, u8),
    /// The same for a checklist item's field.
    SettleItem(usize, u8),
    Delete(usize, u8),
    Restore(usize, u8),
    /// A file of one copy merged into another.
    Exchange(usize, usize),
    SyncAll,
}

fn step() -> impl Strategy<Value = Step> {
    let copy = 0..COPIES;
    let edit = prop_oneof![
        (0..4u8).prop_map(FormEdit::Title),
        (0..4u8).prop_map(FormEdit::Owner),
        (1..=5i64).prop_map(FormEdit::Likelihood),
        (0..40usize).prop_map(FormEdit::Description),
    ];
    let field = prop_oneof![
        Just(PageField::Notes),
        Just(PageField::Owner),
        Just(PageField::Status)
    ];
    prop_oneof![
        2 => (copy.clone(), 0..RECORDS).prop_map(|(c, r)| Step::Open(c, r)),
        6 => (copy.clone(), 0..RECORDS, edit).prop_map(|(c, r, e)| Step::Edit(c, r, e)),
        5 => copy.clone().prop_map(Step::Save),
        2 => (copy.clone(), 0..ITEMS.len()).prop_map(|(c, i)| Step::OpenPage(c, i)),
        4 => (copy.clone(), field.clone(), 0..4u8).prop_map(|(c, f, v)| Step::SavePage(c, f, v)),
        2 => (copy.clone(), any::<u8>()).prop_map(|(c, v)| Step::Settle(c, v)),
        2 => (copy.clone(), any::<u8>()).prop_map(|(c, v)| Step::SettleItem(c, v)),
        1 => (copy.clone(), 0..RECORDS).prop_map(|(c, r)| Step::Delete(c, r)),
        1 => (copy.clone(), 0..RECORDS).prop_map(|(c, r)| Step::Restore(c, r)),
        4 => (copy.clone(), copy).prop_map(|(a, b)| Step::Exchange(a, b)),
        1 => Just(Step::SyncAll),
    ]
}

/// Where a saved value lives.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Place {
    Field(u8, &'static str),
    Item(usize, PageField),
}

/// A value a person saved (and the save wrote).
#[derive(Debug)]
struct Saved {
    place: Place,
    value: Value,
    /// The saved values the form showed when it was opened.
    seen: BTreeSet<usize>,
}

struct Form {
    record: u8,
    heads: Vec<ChangeHash>,
    opened: Record,
    now: Record,
    seen: BTreeSet<usize>,
    inserted: Vec<char>,
}

struct Page {
    item: usize,
    heads: Vec<ChangeHash>,
    opened: ItemState,
    seen: BTreeSet<usize>,
}

struct Model {
    copies: Vec<Workbook>,
    indexes: Vec<RecordIndex>,
    /// Saved values each copy holds (made there or merged into it).
    known: Vec<BTreeSet<usize>>,
    saved: Vec<Saved>,
    /// Characters inserted into descriptions: (record, character).
    inserted: Vec<(u8, char)>,
    forms: Vec<Option<Form>>,
    pages: Vec<Option<Page>>,
    clock: i64,
    next_char: u32,
}

fn status_key(s: ItemStatus) -> Value {
    Value::Text(s.key().into())
}

fn item_value(state: &ItemState, field: PageField) -> Value {
    match field {
        PageField::Notes => Value::Text(state.notes.clone()),
        PageField::Owner => Value::Text(state.owner.clone()),
        PageField::Status => status_key(state.status),
    }
}

fn field_name(field: PageField) -> &'static str {
    match field {
        PageField::Notes => "notes",
        PageField::Owner => "owner",
        PageField::Status => "status",
    }
}

const FIELDS: [&str; 4] = ["title", "owner", "likelihood", "description"];

/// What a person sees of the index: every entry with its conflicts, and
/// the roll-ups.
fn snapshot(ix: &RecordIndex) -> Vec<String> {
    let mut out: Vec<String> = ix
        .entries()
        .map(|e| {
            format!(
                "{} {} {:?} {:?} {:?}",
                e.id, e.deleted, e.record, e.conflicts, e.info
            )
        })
        .collect();
    out.sort();
    let conflicted: Vec<String> = ix.conflicted().iter().map(|e| e.id.to_string()).collect();
    out.push(format!(
        "conflicted {conflicted:?} deleted {} people {:?}",
        ix.deleted_count("risk"),
        ix.people()
    ));
    out
}

impl Model {
    fn new() -> Self {
        let mut wb = new_workbook();
        for n in 0..RECORDS {
            let mut r = risk(&format!("Risk {n}"));
            r.set("description", Value::Text("shared text".into()));
            wb.add_record("risk", &rid(n), &r, &ctx("Ana", n.into()))
                .unwrap();
        }
        let mut copies = vec![wb.fork(actor(1))];
        copies.push(wb.fork(actor(2)));
        copies.push(wb.fork(actor(3)));
        let indexes = copies
            .iter_mut()
            .map(|c| {
                c.track_changes();
                RecordIndex::build(c)
            })
            .collect();
        Model {
            copies,
            indexes,
            known: vec![BTreeSet::new(); COPIES],
            saved: Vec::new(),
            inserted: Vec::new(),
            forms: (0..COPIES).map(|_| None).collect(),
            pages: (0..COPIES).map(|_| None).collect(),
            clock: 100,
            next_char: 0,
        }
    }

    fn ctx(&mut self, c: usize) -> sms_core::ChangeContext {
        self.clock += 1;
        ctx(PEOPLE[c], self.clock)
    }

    fn merge(&mut self, to: usize, from: usize) {
        let file = self.copies[from].to_file();
        let mut other = Workbook::read_file(&file, actor(9)).unwrap();
        let incoming = self.copies[to].incoming(&mut other).unwrap();
        drop(other);
        // The preview read from the changes' operations says what merging
        // them into a throwaway copy and comparing says.
        let fast = self.copies[to].preview_incoming(&incoming);
        let slow = self.copies[to].preview_incoming_by_copy(&incoming);
        assert_eq!(preview_facts(&fast), preview_facts(&slow), "merge preview");
        self.copies[to].merge_incoming(incoming).unwrap();
        let known = self.known[from].clone();
        self.known[to].extend(known);
    }

    fn run(&mut self, step: &Step) {
        match step {
            Step::Open(c, n) => {
                let wb = &mut self.copies[*c];
                if let Some((_, r)) = wb.record(&rid(*n)) {
                    self.forms[*c] = Some(Form {
                        record: *n,
                        heads: wb.heads(),
                        opened: r.clone(),
                        now: r,
                        seen: self.known[*c].clone(),
                        inserted: Vec::new(),
                    });
                }
            }
            Step::Edit(c, n, edit) => {
                if self.forms[*c].is_none() {
                    self.run(&Step::Open(*c, *n));
                }
                let ch = char::from_u32(0x4E00 + self.next_char).unwrap();
                let Some(form) = self.forms[*c].as_mut() else {
                    return;
                };
                match edit {
                    FormEdit::Title(v) => form.now.set("title", Value::Text(format!("Title {v}"))),
                    FormEdit::Owner(v) => form.now.set("owner", Value::Text(format!("Owner {v}"))),
                    FormEdit::Likelihood(v) => form.now.set("likelihood", Value::Int(*v)),
                    FormEdit::Description(at) => {
                        let mut chars: Vec<char> = form.now.text("description").chars().collect();
                        let at = at % (chars.len() + 1);
                        chars.insert(at, ch);
                        form.now
                            .set("description", Value::Text(chars.into_iter().collect()));
                        form.inserted.push(ch);
                        self.next_char += 1;
                    }
                }
            }
            Step::Save(c) => {
                let Some(form) = self.forms[*c].take() else {
                    return;
                };
                let id = rid(form.record);
                let current = self.copies[*c].stored_record(&id).unwrap().record;
                // What the save writes: each field changed from what the
                // form showed that does not already hold the new value.
                let written: Vec<&'static str> = FIELDS
                    .into_iter()
                    .filter(|f| {
                        let new = form.now.get(f);
                        new != form.opened.get(f) && new != current.get(f)
                    })
                    .collect();
                let ctx = self.ctx(*c);
                let wrote = self.copies[*c]
                    .update_record_seen(&id, &form.now, &form.heads, &ctx)
                    .unwrap();
                assert_eq!(wrote, !written.is_empty(), "{written:?}");
                for f in written {
                    if f == "description" {
                        self.inserted
                            .extend(form.inserted.iter().map(|ch| (form.record, *ch)));
                        continue;
                    }
                    self.known[*c].insert(self.saved.len());
                    self.saved.push(Saved {
                        place: Place::Field(form.record, f),
                        value: form.now.get(f).unwrap().clone(),
                        seen: form.seen.clone(),
                    });
                }
            }
            Step::OpenPage(c, i) => {
                let wb = &mut self.copies[*c];
                self.pages[*c] = Some(Page {
                    item: *i,
                    heads: wb.heads(),
                    opened: wb.checklist_item(ITEMS[*i]),
                    seen: self.known[*c].clone(),
                });
            }
            Step::SavePage(c, field, v) => {
                if self.pages[*c].is_none() {
                    self.run(&Step::OpenPage(*c, *v as usize % ITEMS.len()));
                }
                let page = self.pages[*c].take().unwrap();
                let number = ITEMS[page.item];
                let mut state = page.opened.clone();
                match field {
                    PageField::Notes => state.notes = format!("Notes {v}"),
                    PageField::Owner => state.owner = format!("Owner {v}"),
                    PageField::Status => state.status = STATUSES[*v as usize % STATUSES.len()],
                }
                let new = item_value(&state, *field);
                let current = self.copies[*c].checklist_item(number);
                let writes =
                    new != item_value(&page.opened, *field) && new != item_value(&current, *field);
                let ctx = self.ctx(*c);
                let wrote = self.copies[*c]
                    .set_checklist_item_seen(number, &state, &page.heads, &ctx)
                    .unwrap();
                assert_eq!(wrote, writes);
                if writes {
                    self.known[*c].insert(self.saved.len());
                    self.saved.push(Saved {
                        place: Place::Item(page.item, *field),
                        value: new,
                        seen: page.seen,
                    });
                }
            }
            Step::Settle(c, choice) => {
                let wb = &mut self.copies[*c];
                let places: Vec<(u8, &'static str)> = (0..RECORDS)
                    .flat_map(|n| FIELDS[..3].iter().map(move |f| (n, *f)))
                    .collect();
                let start = *choice as usize % places.len();
                let Some((n, f)) = places
                    .iter()
                    .cycle()
                    .skip(start)
                    .take(places.len())
                    .copied()
                    .find(|(n, f)| {
                        let s = wb.stored_record(&rid(*n)).unwrap();
                        !s.deleted && s.conflicts.contains(f)
                    })
                else {
                    return;
                };
                let versions = wb.field_versions(&rid(n), f);
                let value = versions[*choice as usize / 7 % versions.len()]
                    .value
                    .clone()
                    .unwrap();
                let heads = wb.heads();
                let ctx = self.ctx(*c);
                self.copies[*c]
                    .resolve_field_seen(&rid(n), f, Some(&value), &heads, &ctx)
                    .unwrap();
                let seen = self.known[*c].clone();
                self.known[*c].insert(self.saved.len());
                self.saved.push(Saved {
                    place: Place::Field(n, f),
                    value,
                    seen,
                });
            }
            Step::SettleItem(c, choice) => {
                let wb = &mut self.copies[*c];
                let places: Vec<(usize, PageField)> = (0..ITEMS.len())
                    .flat_map(|i| {
                        [PageField::Notes, PageField::Owner, PageField::Status].map(|f| (i, f))
                    })
                    .collect();
                let start = *choice as usize % places.len();
                let Some((i, field)) = places
                    .iter()
                    .cycle()
                    .skip(start)
                    .take(places.len())
                    .copied()
                    .find(|(i, f)| {
                        wb.checklist_item(ITEMS[*i])
                            .conflicts
                            .contains(&field_name(*f))
                    })
                else {
                    return;
                };
                let (number, name) = (ITEMS[i], field_name(field));
                let versions = wb.checklist_versions(number, name);
                let Some(Value::Text(value)) = versions[*choice as usize / 7 % versions.len()]
                    .value
                    .clone()
                else {
                    panic!("a checklist value that is not text: {versions:?}");
                };
                let heads = wb.heads();
                let ctx = self.ctx(*c);
                self.copies[*c]
                    .resolve_checklist_field(number, name, &value, &heads, &ctx)
                    .unwrap();
                let seen = self.known[*c].clone();
                self.known[*c].insert(self.saved.len());
                self.saved.push(Saved {
                    place: Place::Item(i, field),
                    value: Value::Text(value),
                    seen,
                });
            }
            Step::Delete(c, n) => {
                let ctx = self.ctx(*c);
                let _ = self.copies[*c].delete_record(&rid(*n), &ctx);
            }
            Step::Restore(c, n) => {
                let ctx = self.ctx(*c);
                let _ = self.copies[*c].restore_record(&rid(*n), &ctx);
            }
            Step::Exchange(from, to) => {
                if from != to {
                    self.merge(*to, *from);
                }
            }
            Step::SyncAll => self.sync_all(),
        }
    }

    fn sync_all(&mut self) {
        self.merge(1, 0);
        self.merge(2, 1);
        self.merge(0, 2);
        self.merge(1, 2);
    }

    /// The read model of the copy a step changed, kept in step by deltas,
    /// equals one built from scratch.
    fn check_index(&mut self, step: &Step) {
        match step {
            Step::Exchange(_, c) => self.check_copy(*c),
            Step::SyncAll => self.check_indexes(),
            Step::Open(c, ..)
            | Step::Edit(c, ..)
            | Step::Save(c)
            | Step::OpenPage(c, ..)
            | Step::SavePage(c, ..)
            | Step::Settle(c, ..)
            | Step::SettleItem(c, ..)
            | Step::Delete(c, ..)
            | Step::Restore(c, ..) => self.check_copy(*c),
        }
    }

    fn check_indexes(&mut self) {
        for c in 0..COPIES {
            self.check_copy(c);
        }
    }

    fn check_copy(&mut self, c: usize) {
        let wb = &mut self.copies[c];
        let delta = wb.take_delta();
        self.indexes[c].apply(wb, &delta);
        assert_eq!(
            snapshot(&self.indexes[c]),
            snapshot(&RecordIndex::build(wb)),
            "copy {c}"
        );
    }

    /// After everyone has everything: the copies are equal and every saved
    /// value is accounted for.
    fn check_final(&mut self) {
        self.sync_all();
        self.check_indexes();
        let [a, b, c] = &mut self.copies[..] else {
            unreachable!()
        };
        for other in [b, c] {
            assert_eq!(a.heads(), other.heads());
            assert_eq!(
                snapshot(&RecordIndex::build(a)),
                snapshot(&RecordIndex::build(other))
            );
            assert_eq!(a.checklist(), other.checklist());
            for n in 0..RECORDS {
                for f in FIELDS {
                    assert_eq!(
                        a.field_versions(&rid(n), f),
                        other.field_versions(&rid(n), f)
                    );
                }
            }
        }
        let wb = &mut self.copies[0];
        for (i, s) in self.saved.iter().enumerate() {
            let (now, versions): (Option<Value>, Vec<Option<Value>>) = match &s.place {
                Place::Field(n, f) => (
                    wb.stored_record(&rid(*n)).unwrap().record.get(f).cloned(),
                    wb.field_versions(&rid(*n), f)
                        .into_iter()
                        .map(|v| v.value)
                        .collect(),
                ),
                Place::Item(item, field) => (
                    Some(item_value(&wb.checklist_item(ITEMS[*item]), *field)),
                    wb.checklist_versions(ITEMS[*item], field_name(*field))
                        .into_iter()
                        .map(|v| v.value)
                        .collect(),
                ),
            };
            let kept = now.as_ref() == Some(&s.value) || versions.contains(&Some(s.value.clone()));
            let replaced_knowingly = self
                .saved
                .iter()
                .any(|later| later.place == s.place && later.seen.contains(&i));
            assert!(
                kept || replaced_knowingly,
                "saved value {i} {s:?} was lost: now {now:?}, versions {versions:?}"
            );
        }
        for (n, ch) in &self.inserted {
            let versions = wb.field_versions(&rid(*n), "description");
            assert!(
                versions
                    .iter()
                    .any(|v| matches!(&v.value, Some(Value::Text(t)) if t.contains(*ch))),
                "character {ch:?} inserted in record {n} was lost: {versions:?}"
            );
        }
    }
}

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn no_saved_value_is_lost_and_copies_converge(steps in prop::collection::vec(step(), 1..60)) {
        let mut model = Model::new();
        for step in &steps {
            model.run(step);
            model.check_index(step);
        }
        model.check_final();
    }
}

/// A fixed run through the model's steps, so that a failure of the
/// model itself shows without the random search.
#[test]
fn the_model_runs_a_known_story() {
    use Step::*;
    let mut model = Model::new();
    for step in [
        Open(0, 0),
        Open(1, 0),
        Edit(0, 0, FormEdit::Owner(1)),
        Edit(1, 0, FormEdit::Owner(2)),
        Edit(1, 0, FormEdit::Description(3)),
        Edit(0, 0, FormEdit::Description(3)),
        Save(0),
        Exchange(0, 1),
        Save(1),
        SavePage(2, PageField::Notes, 1),
        OpenPage(0, 1),
        Exchange(2, 0),
        SavePage(0, PageField::Notes, 2),
        Delete(1, 1),
        SyncAll,
        Open(2, 0),
        Edit(2, 0, FormEdit::Owner(3)),
        Save(2),
    ] {
        model.run(&step);
        model.check_indexes();
    }
    assert_eq!(model.saved.len(), 5);
    assert_eq!(model.inserted.len(), 2);
    model.check_final();
    let wb = &mut model.copies[0];
    let s = wb.stored_record(&rid(0)).unwrap();
    assert_eq!(s.record.text("owner"), "Owner 3", "Cleo saw both owners");
    assert!(s.conflicts.is_empty());
    assert_eq!(s.record.text("description").chars().count(), 13);
    assert!(wb.stored_record(&rid(1)).unwrap().deleted);
    assert_eq!(wb.checklist_item("8.7.1").conflicts, ["notes"]);
}

/// Found by the model: two people wrote the same owner concurrently (no
/// conflict shown), then a third, concurrent, different owner arrives and
/// loses to them. The record is now in conflict; the read model kept in
/// step by the merge's delta must say so, as a rebuilt one does.
#[test]
fn a_losing_third_value_behind_two_equal_ones_reaches_the_read_model() {
    let mut base = new_workbook();
    base.add_record("risk", &rid(1), &risk("Outage"), &ctx("Ana", 1))
        .unwrap();
    let mut ana = base.fork(actor(1));
    let mut ben = base.fork(actor(2));
    let mut cleo = base.fork(actor(3));
    for (wb, who, owner) in [
        (&mut ana, "Ana", "Owner 0"),
        (&mut ben, "Ben", "Owner 1"),
        (&mut cleo, "Cleo", "Owner 1"),
    ] {
        let mut r = wb.record(&rid(1)).unwrap().1;
        r.set("owner", Value::Text(owner.into()));
        wb.update_record(&rid(1), &r, &ctx(who, 10)).unwrap();
    }
    cleo.merge(&mut ben).unwrap();
    assert!(cleo.stored_record(&rid(1)).unwrap().conflicts.is_empty());
    cleo.track_changes();
    let mut index = RecordIndex::build(&cleo);

    cleo.merge(&mut ana).unwrap();
    assert_eq!(cleo.stored_record(&rid(1)).unwrap().conflicts, ["owner"]);
    let delta = cleo.take_delta();
    index.apply(&cleo, &delta);
    assert_eq!(snapshot(&index), snapshot(&RecordIndex::build(&cleo)));
}
