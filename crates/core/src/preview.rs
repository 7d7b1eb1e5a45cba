//! What merging changes from elsewhere would do, read from the changes'
//! own operations against the open document — without a copy of it.
//!
//! A preview used to apply the changes to a throwaway copy of the whole
//! document and compare. At 50,000 records that copy alone is as large as
//! the open workbook. Here each new operation is placed (the root, a
//! record, or a field object of a record), and every map slot the changes
//! write is resolved as Automerge resolves it: the values visible after the
//! merge are those visible now or written by the changes, less those the
//! changes supersede, and the one shown is the greatest by operation id
//! (counter, then author). A record counts as changed when a declared
//! field would read differently; text edits count when they insert or
//! delete in the text the field shows. The cost is in proportion to the
//! changes, plus one lookup per object and slot they touch.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use automerge::{
    legacy::{ElementId, Key, ObjectId, OpId, OpType},
    ActorId, AutoCommit, Change, ObjId, ObjType, Prop, ReadDoc, ScalarValue, Value, ROOT,
};

use crate::change::ChangeMeta;
use crate::checklist::{self, ItemStatus};
use crate::exchange::{AuthorChanges, Kind as Effect, MergePreview};
use crate::ids::RecordId;
use crate::registers::{self, FieldDef, Kind, Value as RValue};
use crate::schema::*;
use crate::workbook::{decode_value, At, Workbook};

/// An operation, ordered as Automerge orders concurrent values.
type Op = (u64, ActorId);

/// Where an object sits in the workbook.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Place {
    Root,
    Records,
    /// A record's map.
    Record(String),
    /// An object in a record's field (long text, or a set of links).
    Field(String, String),
    /// Anything else (deeper, or outside the records).
    Other,
}

/// What an operation does to a map slot.
#[derive(Clone, Debug)]
enum Write {
    Put(ScalarValue),
    Make(ObjType, OpId),
    Delete,
}

/// The operations the changes make on one map slot, in order.
#[derive(Default)]
struct Slot {
    writes: Vec<(Op, Write)>,
    superseded: HashSet<Op>,
}

/// One operation of the changes in a text.
struct TextOp {
    id: Op,
    /// An insert, after this character (`None`: at the start)…
    insert: Option<Option<Op>>,
    /// …of this text.
    text: String,
}

/// The value a slot would show: one written by the changes, or one this
/// copy holds (with its operation).
enum Shown<'a> {
    New(&'a Write),
    Here(Value<'a>, ObjId),
    Nothing,
}

/// Whose changes they are: how many each, first and last.
pub(crate) fn authors_of(changes: &[Change]) -> BTreeMap<String, AuthorChanges> {
    let mut authors = BTreeMap::<String, AuthorChanges>::new();
    for c in changes {
        let meta = ChangeMeta::decode(c.message(), c.timestamp());
        let a = authors
            .entry(meta.author.clone())
            .or_insert_with(|| AuthorChanges {
                name: meta.author.clone(),
                changes: 0,
                first: None,
                last: None,
            });
        a.changes += 1;
        if let Some(at) = meta.at {
            a.first = Some(a.first.map_or(at, |f| f.min(at)));
            a.last = Some(a.last.map_or(at, |l| l.max(at)));
        }
    }
    authors
}

fn scalar(v: &Value<'_>) -> Option<ScalarValue> {
    match v {
        Value::Scalar(s) => Some(s.as_ref().clone()),
        Value::Object(_) => None,
    }
}

fn op_of(id: &OpId) -> Op {
    (id.0, id.1.clone())
}

fn exop(id: &ObjId) -> Option<Op> {
    match id {
        ObjId::Id(ctr, actor, _) => Some((*ctr, actor.clone())),
        ObjId::Root => None,
    }
}

/// Reads the changes once: where every object they touch sits, and what
/// they write into every map slot.
struct Reading<'d> {
    doc: &'d AutoCommit,
    records: Option<Op>,
    /// Objects the changes make: where each sits.
    made: HashMap<Op, Place>,
    /// Objects of this copy: where each sits (asked once each).
    found: HashMap<Op, Place>,
    /// Map slots by object (None for the root) and key.
    slots: HashMap<(Option<Op>, String), Slot>,
    /// What the changes do in each text, by text object.
    texts: HashMap<Op, Vec<TextOp>>,
    /// Characters the changes delete (their inserting operations).
    deleted: HashSet<Op>,
    /// Records the changes touch, by id, with the fields they write (or
    /// whose objects they edit): only those can read differently.
    touched: BTreeMap<String, BTreeSet<String>>,
}

impl<'d> Reading<'d> {
    fn place(&mut self, obj: &ObjectId) -> Place {
        let id = match obj {
            ObjectId::Root => return Place::Root,
            ObjectId::Id(id) => op_of(id),
        };
        if self.records.as_ref() == Some(&id) {
            return Place::Records;
        }
        if let Some(p) = self.made.get(&id) {
            return p.clone();
        }
        if let Some(p) = self.found.get(&id) {
            return p.clone();
        }
        let p = self.find(&id);
        self.found.insert(id, p.clone());
        p
    }

    /// Where an object of this copy sits, from its parents.
    fn find(&self, id: &Op) -> Place {
        let Ok(exid) = self.doc.import_obj(&format!("{}@{}", id.0, id.1)) else {
            return Place::Other;
        };
        let Ok(parents) = self.doc.parents(&exid) else {
            return Place::Other;
        };
        let up: Vec<_> = parents.take(2).collect();
        let is_records = |o: &ObjId| exop(o).is_some() && exop(o) == self.records;
        match up.as_slice() {
            [p, ..] if is_records(&p.obj) => match &p.prop {
                Prop::Map(k) => Place::Record(k.clone()),
                Prop::Seq(_) => Place::Other,
            },
            [p, q, ..] if is_records(&q.obj) => match (&q.prop, &p.prop) {
                (Prop::Map(r), Prop::Map(k)) => Place::Field(r.clone(), k.clone()),
                _ => Place::Other,
            },
            _ => Place::Other,
        }
    }

    fn read(&mut self, change: &Change) {
        let expanded = change.decode();
        let start = change.start_op().get();
        let actor = change.actor_id().clone();
        for (i, op) in expanded.operations.iter().enumerate() {
            let id: Op = (start + i as u64, actor.clone());
            let place = self.place(&op.obj);
            match (&place, &op.key) {
                (Place::Record(r), Key::Map(k)) => {
                    self.touched
                        .entry(r.clone())
                        .or_default()
                        .insert(k.to_string());
                }
                (Place::Field(r, k), _) => {
                    self.touched.entry(r.clone()).or_default().insert(k.clone());
                }
                _ => {}
            }
            let obj = match &op.obj {
                ObjectId::Root => None,
                ObjectId::Id(o) => Some(op_of(o)),
            };
            match &op.key {
                Key::Map(key) => {
                    let key = key.to_string();
                    if matches!(op.action, OpType::Make(_)) {
                        let child = match &place {
                            Place::Records => Place::Record(key.clone()),
                            Place::Record(r) => Place::Field(r.clone(), key.clone()),
                            Place::Field(r, k) => Place::Field(r.clone(), k.clone()),
                            _ => Place::Other,
                        };
                        if let Place::Record(r) = &child {
                            self.touched.entry(r.clone()).or_default();
                        }
                        self.made.insert(id.clone(), child);
                    }
                    let write = match &op.action {
                        OpType::Put(v) => Write::Put(v.clone()),
                        OpType::Make(t) => Write::Make(*t, OpId(id.0, id.1.clone())),
                        OpType::Delete => Write::Delete,
                        // Counters are not used by workbooks: a write that
                        // shows nothing new.
                        _ => continue,
                    };
                    let slot = self.slots.entry((obj, key)).or_default();
                    slot.superseded.extend(op.pred.iter().map(op_of));
                    if !matches!(write, Write::Delete) {
                        slot.writes.push((id, write));
                    }
                }
                Key::Seq(elem) => {
                    // A text: an insert adds a character after another, a
                    // delete removes the ones it supersedes.
                    let Some(o) = obj else { continue };
                    if matches!(op.action, OpType::Delete) {
                        self.deleted.extend(op.pred.iter().map(op_of));
                    }
                    let insert = op.insert.then(|| match elem {
                        ElementId::Head => None,
                        ElementId::Id(e) => Some(op_of(e)),
                    });
                    let text = match &op.action {
                        OpType::Put(ScalarValue::Str(t)) => t.to_string(),
                        _ => String::new(),
                    };
                    self.texts
                        .entry(o)
                        .or_default()
                        .push(TextOp { id, insert, text });
                }
            }
        }
    }

    /// Every value slot (`obj`, `key`) would hold after the merge (more
    /// than one after concurrent writes), with its operation; `here` is the
    /// object in this copy, if it is one.
    fn visible(&self, obj: Option<&Op>, here: Option<&ObjId>, key: &str) -> Vec<(Op, Shown<'_>)> {
        let slot = self.slots.get(&(obj.cloned(), key.to_owned()));
        let superseded = |op: &Op| slot.is_some_and(|s| s.superseded.contains(op));
        let mut out = Vec::new();
        if let Some(here) = here {
            for (v, vid) in At::now(self.doc).get_all(here, key) {
                match exop(&vid) {
                    Some(op) if !superseded(&op) => out.push((op, Shown::Here(v, vid))),
                    _ => {}
                }
            }
        }
        if let Some(s) = slot {
            for (op, w) in &s.writes {
                if !superseded(op) {
                    out.push((op.clone(), Shown::New(w)));
                }
            }
        }
        out
    }

    /// The value slot (`obj`, `key`) would show after the merge: of those
    /// it holds, the one with the greatest operation.
    fn shown(&self, obj: Option<&Op>, here: Option<&ObjId>, key: &str) -> Shown<'_> {
        self.visible(obj, here, key)
            .into_iter()
            .max_by(|a, b| a.0.cmp(&b.0))
            .map_or(Shown::Nothing, |(_, s)| s)
    }

    /// Whether the changes' edits of text `o` (an object of this copy)
    /// change what it reads: an insert that stays, or a delete of a
    /// character it shows now.
    fn edits_text(&self, o: &Op, text: &ObjId) -> bool {
        let Some(ops) = self.texts.get(o) else {
            return false;
        };
        if ops
            .iter()
            .any(|t| t.insert.is_some() && !self.deleted.contains(&t.id))
        {
            return true;
        }
        // The characters the text shows now, by the operation that
        // inserted each (read once; only for texts the changes delete in).
        ops.iter().any(|t| t.insert.is_none())
            && self
                .doc
                .list_range(text, ..)
                .any(|item| exop(&item.id()).is_some_and(|id| self.deleted.contains(&id)))
    }

    /// The value of field `f` held by an object the changes make.
    fn made_value(&self, obj: &Op, f: &FieldDef) -> Option<RValue> {
        match f.kind {
            Kind::Link { many: true, .. } => {
                let mut ids: Vec<RecordId> = self
                    .slots
                    .keys()
                    .filter(|(s, k)| {
                        s.as_ref() == Some(obj)
                            && matches!(self.shown(Some(obj), None, k), Shown::New(Write::Put(_)))
                    })
                    .filter_map(|(_, k)| RecordId::parse(k))
                    .collect();
                crate::order::sort(&mut ids);
                ids.dedup();
                (!ids.is_empty()).then_some(RValue::Links(ids))
            }
            Kind::LongText { .. } => {
                let t = self.made_text(obj);
                (!t.is_empty()).then_some(RValue::Text(t))
            }
            _ => None,
        }
    }

    /// The text of a text object the changes make, as Automerge orders its
    /// characters: each after the one it was inserted after, later inserts
    /// at the same place first.
    fn made_text(&self, obj: &Op) -> String {
        let Some(ops) = self.texts.get(obj) else {
            return String::new();
        };
        let mut after: HashMap<Option<&Op>, Vec<&TextOp>> = HashMap::new();
        for t in ops {
            if let Some(place) = &t.insert {
                after.entry(place.as_ref()).or_default().push(t);
            }
        }
        for list in after.values_mut() {
            // Popped from the end: the greatest operation first.
            crate::order::sort_by(list, |a, b| a.id.cmp(&b.id));
        }
        let mut out = String::new();
        let mut stack: Vec<&TextOp> = after.get(&None).cloned().unwrap_or_default();
        while let Some(t) = stack.pop() {
            if !self.deleted.contains(&t.id) {
                out.push_str(&t.text);
            }
            if let Some(children) = after.get(&Some(&t.id)) {
                stack.extend(children.iter());
            }
        }
        out
    }
}

impl Workbook {
    /// What merging `changes` (checked, and not in this copy yet) would
    /// change, read from their operations; see the module documentation.
    pub(crate) fn preview_changes(&self, changes: &[Change]) -> MergePreview {
        let mut preview = MergePreview {
            changes: changes.len(),
            ..MergePreview::default()
        };
        let authors = authors_of(changes);
        let mut reading = Reading {
            doc: &self.doc,
            records: exop(&self.records),
            made: HashMap::new(),
            found: HashMap::new(),
            slots: HashMap::new(),
            texts: HashMap::new(),
            deleted: HashSet::new(),
            touched: BTreeMap::new(),
        };
        for c in changes {
            if self.doc.get_change_by_hash(&c.hash()).is_none() {
                reading.read(c);
            }
        }
        let touched = std::mem::take(&mut reading.touched);
        for (r, fields) in touched {
            let Some(id) = RecordId::parse(&r) else {
                continue;
            };
            if let Some((def, effect)) = self.record_effect(&reading, &r, &fields) {
                preview.count(def, effect);
                preview.records.insert(id);
            }
        }
        self.root_effects(&reading, &mut preview);
        preview.finish(authors);
        preview
    }

    /// How record `r` would change, if it would.
    fn record_effect(
        &self,
        reading: &Reading<'_>,
        r: &str,
        fields: &BTreeSet<String>,
    ) -> Option<(&'static registers::RegisterDef, Effect)> {
        let records = reading.records.as_ref();
        let now = self.record_obj(r);
        // The record's map after the merge: this copy's, or one the changes
        // make (a record new here).
        let (obj_after, here_after): (Option<Op>, Option<ObjId>) =
            match reading.shown(records, Some(&self.records), r) {
                Shown::Here(Value::Object(ObjType::Map), o) => (exop(&o), Some(o)),
                Shown::New(Write::Make(ObjType::Map, made)) => (Some(op_of(made)), None),
                _ => return None,
            };
        let deleted_after = |reading: &Reading<'_>| match reading.shown(
            obj_after.as_ref(),
            here_after.as_ref(),
            REC_DELETED,
        ) {
            Shown::New(Write::Put(v)) => v.as_bool() == Some(true),
            Shown::Here(Value::Scalar(v), _) => v.as_bool() == Some(true),
            _ => false,
        };
        let Some((obj_now, def, deleted_now)) = now else {
            // New here: added, unless it arrives deleted.
            let register = match reading.shown(obj_after.as_ref(), None, REC_REGISTER) {
                Shown::New(Write::Put(v)) => v.as_str().map(str::to_owned),
                _ => None,
            }?;
            let def = registers::register(&register)?;
            return (!deleted_after(reading)).then_some((def, Effect::Added));
        };
        if exop(&obj_now) != obj_after {
            // Another map won the record's place (a concurrent creation
            // under the same id): everything may read differently.
            return Some((def, Effect::Changed));
        }
        let deleted = deleted_after(reading);
        match (deleted_now, deleted) {
            (false, true) => return Some((def, Effect::Deleted)),
            (true, false) => return Some((def, Effect::Restored)),
            (true, true) => return None,
            (false, false) => {}
        }
        // Only fields the changes write, or whose objects they edit, can
        // read differently.
        let changed = def
            .fields
            .iter()
            .filter(|f| fields.contains(f.key))
            .any(|f| self.field_changes(reading, obj_after.as_ref(), &obj_now, f));
        changed.then_some((def, Effect::Changed))
    }

    /// Whether field `f` of the record whose map is `obj` would read
    /// differently after the merge.
    fn field_changes(
        &self,
        reading: &Reading<'_>,
        obj: Option<&Op>,
        here: &ObjId,
        f: &'static FieldDef,
    ) -> bool {
        if matches!(f.kind, Kind::Computed(_)) {
            return false;
        }
        let at = At::now(&self.doc);
        let now = at.get(here, f.key);
        let shown_now = now.as_ref().and_then(|(_, id)| exop(id));
        let before = now.and_then(|(v, id)| decode_value(at, f, v, id));
        match reading.shown(obj, Some(here), f.key) {
            Shown::Nothing | Shown::New(Write::Delete) => before.is_some(),
            Shown::New(Write::Put(v)) => {
                let v = Value::Scalar(std::borrow::Cow::Owned(v.clone()));
                decode_value(at, f, v, ROOT) != before
            }
            // An object the changes make: what it holds is theirs alone.
            Shown::New(Write::Make(_, made)) => reading.made_value(&op_of(made), f) != before,
            Shown::Here(v, id) => {
                let o = exop(&id);
                if o != shown_now || !matches!(v, Value::Object(_)) {
                    // Another value of this copy shows after the merge
                    // (the one before was superseded): read it.
                    return decode_value(at, f, v, id) != before;
                }
                // The same object still holds the field: did they edit it?
                let Some(o) = o else { return false };
                match f.kind {
                    Kind::LongText { .. } => reading.edits_text(&o, &id),
                    // A link added or taken away: the entries the changes
                    // write in this set, read before and after.
                    Kind::Link { many: true, .. } => reading
                        .slots
                        .keys()
                        .filter(|(s, k)| s.as_ref() == Some(&o) && RecordId::parse(k).is_some())
                        .any(|(_, k)| {
                            let after = !matches!(
                                reading.shown(Some(&o), Some(&id), k),
                                Shown::Nothing | Shown::New(Write::Delete)
                            );
                            at.get(&id, k).is_some() != after
                        }),
                    _ => false,
                }
            }
        }
    }

    /// The name, the checklist and other fields of the workbook itself.
    fn root_effects(&self, reading: &Reading<'_>, preview: &mut MergePreview) {
        let mut clauses: BTreeSet<String> = BTreeSet::new();
        let mut other: Vec<String> = Vec::new();
        let root_keys: Vec<&String> = reading
            .slots
            .keys()
            .filter(|(o, _)| o.is_none())
            .map(|(_, k)| k)
            .collect();
        for key in root_keys {
            let before = self.doc.get(ROOT, key.as_str()).ok().flatten();
            let before_op = before.as_ref().and_then(|(_, id)| exop(id));
            let shown = reading.shown(None, Some(&ROOT), key);
            let (after_value, after_op): (Option<ScalarValue>, Option<Op>) = match &shown {
                Shown::New(Write::Put(v)) => (Some(v.clone()), None),
                Shown::New(_) | Shown::Nothing => (None, None),
                Shown::Here(Value::Scalar(v), id) => (Some(v.as_ref().clone()), exop(id)),
                Shown::Here(_, id) => (None, exop(id)),
            };
            let before_value = match &before {
                Some((Value::Scalar(v), _)) => Some(v.as_ref().clone()),
                _ => None,
            };
            if key == KEY_NAME {
                let name = after_value
                    .as_ref()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                if name != self.name() {
                    preview.renamed_to = Some(name);
                }
            } else if let Some(clause) = checklist::clause_of_key(key) {
                let changed = if key.contains("/evidence/") {
                    before.is_some() != !matches!(shown, Shown::Nothing | Shown::New(Write::Delete))
                } else {
                    // The value shown, or whether people disagree on it.
                    let texts = |values: Vec<Option<ScalarValue>>| -> Vec<Option<String>> {
                        values
                            .into_iter()
                            .map(|v| v.and_then(|v| v.as_str().map(str::to_owned)))
                            .collect()
                    };
                    let disagree = |v: &[Option<String>]| v.iter().any(|x| *x != v[0]);
                    let now = texts(
                        self.doc
                            .get_all(ROOT, key.as_str())
                            .unwrap_or_default()
                            .into_iter()
                            .map(|(v, _)| scalar(&v))
                            .collect(),
                    );
                    let after = texts(
                        reading
                            .visible(None, Some(&ROOT), key)
                            .into_iter()
                            .map(|(_, s)| match s {
                                Shown::New(Write::Put(v)) => Some(v.clone()),
                                Shown::Here(v, _) => scalar(&v),
                                _ => None,
                            })
                            .collect(),
                    );
                    // As the item reads: no value reads as an empty one,
                    // an unknown status as "not started".
                    let reads = |v: &Option<ScalarValue>| {
                        let t = v.as_ref().and_then(|v| v.as_str()).unwrap_or_default();
                        if key.ends_with("/status") {
                            ItemStatus::from_key(t).unwrap_or_default().key().to_owned()
                        } else {
                            t.to_owned()
                        }
                    };
                    reads(&after_value) != reads(&before_value)
                        || disagree(&now) != disagree(&after)
                };
                if changed {
                    clauses.insert(clause.to_owned());
                }
            } else if key != KEY_RECORDS {
                // Another value, or the same value written again, is a
                // change of the workbook's own fields.
                let same = after_op.is_some() && after_op == before_op;
                if !same && !other.contains(key) {
                    other.push(key.clone());
                }
            }
        }
        crate::order::sort(&mut other);
        preview.other_fields = other;
        preview.checklist_items = clauses.len();
    }
}
