//! The read model: every record of a workbook materialized once, then kept
//! in step by re-reading only the records a [`Delta`] names. Lists, link
//! titles, back-links, person suggestions and the dashboard read from here,
//! never from the Automerge document, so the screen's work after an edit or
//! a merge grows with the change, not with the workbook.
//!
//! [`SortedList`] is one register's list in display order; it is refreshed
//! by taking the changed records out and inserting their new versions, and
//! filtered (search, choice filters) without sorting again.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Arc;

use crate::registers::{query, FieldDef, Kind, Query, Record, RegisterDef, SortDir};
use crate::workbook::{Delta, RecordInfo, StoredRecord, Workbook};
use crate::RecordId;

/// One record as the screen shows it.
#[derive(Debug)]
pub struct Entry {
    pub id: RecordId,
    pub def: &'static RegisterDef,
    pub deleted: bool,
    pub record: Record,
    pub info: RecordInfo,
    /// The index serial at which this version was read; a view that keys a
    /// row on `(id, version)` redraws exactly the rows that changed.
    pub version: u64,
    /// Fields people changed concurrently, not yet settled.
    pub conflicts: Vec<&'static str>,
    /// Files attached to it, in id order.
    pub attachments: Vec<crate::attachments::Attachment>,
    /// Lower-cased searchable text, built once per version.
    haystack: String,
}

impl Entry {
    pub fn title(&self) -> &str {
        self.record.text(self.def.title)
    }

    /// Whether every search term (already lower-cased) occurs in the record.
    pub fn matches_terms(&self, terms: &[String]) -> bool {
        terms.iter().all(|t| self.haystack.contains(t.as_str()))
    }
}

/// Changes kept for [`RecordIndex::changed_since`]; older ones make a list
/// rebuild itself instead.
const LOG_LIMIT: usize = 8192;

/// Every record of a workbook, by id, with back-links.
#[derive(Debug, Default)]
pub struct RecordIndex {
    entries: HashMap<RecordId, Arc<Entry>>,
    /// Register id → ids of its records, live and deleted.
    by_register: HashMap<&'static str, BTreeSet<RecordId>>,
    /// Register id → how many of its records are deleted.
    deleted: HashMap<&'static str, usize>,
    /// Live records with unsettled conflicts.
    conflicted: BTreeSet<RecordId>,
    /// Target → (live source, link field key).
    backlinks: HashMap<RecordId, BTreeSet<(RecordId, &'static str)>>,
    /// Every name in a person field of a live record, with how many such
    /// fields hold it (so suggestions cost nothing to keep in step).
    people: BTreeMap<String, usize>,
    serial: u64,
    /// Recent record changes: (serial, register, id).
    log: VecDeque<(u64, &'static str, RecordId)>,
    /// Changes at or before this serial may be missing from `log`.
    log_floor: u64,
}

impl RecordIndex {
    /// Reads every record of `wb`.
    pub fn build(wb: &Workbook) -> Self {
        let mut index = RecordIndex::default();
        index.read_all(wb);
        index
    }

    fn read_all(&mut self, wb: &Workbook) {
        self.replace_stored(
            wb.record_ids()
                .into_iter()
                .filter_map(|id| wb.stored_record(&id).map(|r| (id, r))),
        );
    }

    /// Starts again from `records` (every record of the workbook, read
    /// elsewhere), as a new version of everything.
    pub fn replace_stored(&mut self, records: impl IntoIterator<Item = (RecordId, StoredRecord)>) {
        self.entries.clear();
        self.by_register.clear();
        self.deleted.clear();
        self.conflicted.clear();
        self.backlinks.clear();
        self.people.clear();
        self.log.clear();
        self.serial += 1;
        self.log_floor = self.serial;
        for (id, stored) in records {
            self.insert(&id, stored);
        }
    }

    /// Brings the index up to date with `wb` after the changes in `delta`.
    pub fn apply(&mut self, wb: &Workbook, delta: &Delta) {
        if delta.everything {
            self.read_all(wb);
            return;
        }
        self.apply_stored(
            delta
                .records
                .iter()
                .map(|id| (id.clone(), wb.stored_record(id))),
        );
    }

    /// Takes in records changed elsewhere, each with its new state (`None`:
    /// the document no longer holds it), as one new version.
    pub fn apply_stored(
        &mut self,
        records: impl IntoIterator<Item = (RecordId, Option<StoredRecord>)>,
    ) {
        let mut records = records.into_iter().peekable();
        if records.peek().is_none() {
            return;
        }
        self.serial += 1;
        for (id, stored) in records {
            let old = self.remove(&id);
            let new = stored.map(|s| self.insert(&id, s));
            for def in [old, new].into_iter().flatten() {
                self.log.push_back((self.serial, def.id, id.clone()));
            }
        }
        while self.log.len() > LOG_LIMIT {
            if let Some((s, _, _)) = self.log.pop_front() {
                self.log_floor = s;
            }
        }
    }

    fn remove(&mut self, id: &RecordId) -> Option<&'static RegisterDef> {
        let old = self.entries.remove(id)?;
        if let Some(ids) = self.by_register.get_mut(old.def.id) {
            ids.remove(id);
        }
        self.conflicted.remove(id);
        if old.deleted {
            if let Some(n) = self.deleted.get_mut(old.def.id) {
                *n -= 1;
            }
        } else {
            for name in person_names(&old) {
                if let Some(n) = self.people.get_mut(name) {
                    *n -= 1;
                    if *n == 0 {
                        self.people.remove(name);
                    }
                }
            }
            for (target, key) in link_targets(&old) {
                if let Some(set) = self.backlinks.get_mut(target) {
                    set.remove(&(id.clone(), key));
                    if set.is_empty() {
                        self.backlinks.remove(target);
                    }
                }
            }
        }
        Some(old.def)
    }

    /// An index of records read before (a stored view, see
    /// [`crate::view`]), without the document.
    pub fn from_stored(records: impl IntoIterator<Item = (RecordId, StoredRecord)>) -> Self {
        let mut index = RecordIndex {
            serial: 1,
            log_floor: 1,
            ..RecordIndex::default()
        };
        for (id, stored) in records {
            index.insert(&id, stored);
        }
        index
    }

    /// Adds records read before to an index made by [`Self::from_stored`]
    /// (so a large one can be built a slice at a time).
    pub fn add_stored(&mut self, records: impl IntoIterator<Item = (RecordId, StoredRecord)>) {
        for (id, stored) in records {
            self.insert(&id, stored);
        }
    }

    /// Every record, live and deleted, in no particular order.
    pub fn entries(&self) -> impl Iterator<Item = &Arc<Entry>> {
        self.entries.values()
    }

    /// How many records (live and deleted) the index holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn insert(&mut self, id: &RecordId, stored: StoredRecord) -> &'static RegisterDef {
        let def = stored.def;
        let haystack = query::haystack(stored.def, &stored.record);
        let entry = Arc::new(Entry {
            id: id.clone(),
            def: stored.def,
            deleted: stored.deleted,
            record: stored.record,
            info: stored.info,
            conflicts: stored.conflicts,
            attachments: stored.attachments,
            version: self.serial,
            haystack,
        });
        if entry.deleted {
            *self.deleted.entry(entry.def.id).or_default() += 1;
        } else {
            for name in person_names(&entry) {
                *self.people.entry(name.to_owned()).or_default() += 1;
            }
            for (target, key) in link_targets(&entry) {
                self.backlinks
                    .entry(target.clone())
                    .or_default()
                    .insert((id.clone(), key));
            }
            if !entry.conflicts.is_empty() {
                self.conflicted.insert(id.clone());
            }
        }
        self.by_register
            .entry(entry.def.id)
            .or_default()
            .insert(id.clone());
        self.entries.insert(id.clone(), entry);
        def
    }

    /// Grows by one with every [`Self::apply`] that changed a record.
    pub fn serial(&self) -> u64 {
        self.serial
    }

    /// Records of `register` changed after `serial`, or `None` when that is
    /// no longer known (the caller then starts over).
    pub fn changed_since(&self, register: &str, serial: u64) -> Option<BTreeSet<RecordId>> {
        if serial < self.log_floor {
            return None;
        }
        Some(
            self.log
                .iter()
                .rev()
                .take_while(|(s, _, _)| *s > serial)
                .filter(|(_, r, _)| *r == register)
                .map(|(_, _, id)| id.clone())
                .collect(),
        )
    }

    pub fn get(&self, id: &RecordId) -> Option<&Arc<Entry>> {
        self.entries.get(id)
    }

    /// A live record.
    pub fn live_record(&self, id: &RecordId) -> Option<&Arc<Entry>> {
        self.entries.get(id).filter(|e| !e.deleted)
    }

    /// Title of a record (deleted or not), for showing links.
    pub fn title_of(&self, id: &RecordId) -> Option<(&'static RegisterDef, &str, bool)> {
        self.entries.get(id).map(|e| (e.def, e.title(), e.deleted))
    }

    fn of_register<'a>(
        &'a self,
        register: &str,
        deleted: bool,
    ) -> impl Iterator<Item = &'a Arc<Entry>> + 'a {
        self.by_register
            .get(register)
            .into_iter()
            .flatten()
            .filter_map(|id| self.entries.get(id))
            .filter(move |e| e.deleted == deleted)
    }

    /// Live records of a register, in id order.
    pub fn live<'a>(&'a self, register: &str) -> impl Iterator<Item = &'a Arc<Entry>> + 'a {
        self.of_register(register, false)
    }

    /// Deleted records of a register, in id order.
    pub fn deleted<'a>(&'a self, register: &str) -> impl Iterator<Item = &'a Arc<Entry>> + 'a {
        self.of_register(register, true)
    }

    /// Live records that link to `id`, with the linking field, by register
    /// name then id.
    pub fn backlinks(&self, id: &RecordId) -> Vec<(&Arc<Entry>, &'static FieldDef)> {
        let mut out: Vec<_> = self
            .backlinks
            .get(id)
            .into_iter()
            .flatten()
            .filter_map(|(source, key)| {
                let e = self.entries.get(source)?;
                Some((e, e.def.field(key)?))
            })
            .collect();
        crate::order::sort_by(&mut out, |a, b| {
            (a.0.def.name, &a.0.id).cmp(&(b.0.def.name, &b.0.id))
        });
        out
    }

    /// Live records with unsettled conflicts, by register then title.
    pub fn conflicted(&self) -> Vec<&Arc<Entry>> {
        let mut out: Vec<_> = self
            .conflicted
            .iter()
            .filter_map(|id| self.entries.get(id))
            .collect();
        crate::order::sort_by(&mut out, |a, b| {
            (a.def.name, a.title()).cmp(&(b.def.name, b.title()))
        });
        out
    }

    /// How many live records have unsettled conflicts.
    pub fn conflict_count(&self) -> usize {
        self.conflicted.len()
    }

    /// How many records of a register are deleted (and can be restored).
    pub fn deleted_count(&self, register: &str) -> usize {
        self.deleted.get(register).copied().unwrap_or(0)
    }

    /// Every name entered in a person field of a live record, sorted.
    pub fn people(&self) -> Vec<String> {
        self.people.keys().cloned().collect()
    }
}

/// The names in a record's person fields (trimmed, not empty).
fn person_names(e: &Entry) -> impl Iterator<Item = &str> + '_ {
    e.def
        .fields
        .iter()
        .filter(|f| matches!(f.kind, Kind::Person))
        .map(move |f| e.record.text(f.key).trim())
        .filter(|n| !n.is_empty())
}

/// (target, field key) of every link a record holds.
fn link_targets(e: &Entry) -> impl Iterator<Item = (&RecordId, &'static str)> + '_ {
    e.def
        .fields
        .iter()
        .filter(|f| matches!(f.kind, Kind::Link { .. }))
        .flat_map(move |f| e.record.links(f.key).iter().map(move |t| (t, f.key)))
}

/// One register's live records in display order.
#[derive(Clone, Debug)]
pub struct SortedList {
    pub def: &'static RegisterDef,
    pub sort: (&'static str, SortDir),
    /// The index serial this list reflects.
    pub serial: u64,
    rows: Vec<Arc<Entry>>,
}

impl PartialEq for SortedList {
    fn eq(&self, other: &Self) -> bool {
        self.def.id == other.def.id && self.sort == other.sort && self.serial == other.serial
    }
}

impl SortedList {
    /// Sorts every live record of `def` by `sort` (the register's default
    /// when `None`).
    pub fn new(
        index: &RecordIndex,
        def: &'static RegisterDef,
        sort: Option<(&'static str, SortDir)>,
    ) -> Self {
        let sort = sort.unwrap_or(def.sort);
        let mut keyed: Vec<(query::SortKey, Arc<Entry>)> = index
            .live(def.id)
            .map(|e| (query::SortKey::of(def, sort.0, &e.record, &e.id), e.clone()))
            .collect();
        crate::order::sort_by(&mut keyed, |a, b| a.0.cmp(&b.0, sort.1));
        SortedList {
            def,
            sort,
            serial: index.serial(),
            rows: keyed.into_iter().map(|(_, e)| e).collect(),
        }
    }

    /// This list brought up to date with `index`: the changed records are
    /// taken out and their live versions inserted in order. `None` when
    /// nothing in this register changed.
    pub fn refreshed(&self, index: &RecordIndex) -> Option<SortedList> {
        if index.serial() == self.serial {
            return None;
        }
        let Some(changed) = index.changed_since(self.def.id, self.serial) else {
            return Some(SortedList::new(index, self.def, Some(self.sort)));
        };
        if changed.is_empty() {
            return None;
        }
        let mut rows: Vec<Arc<Entry>> = self
            .rows
            .iter()
            .filter(|e| !changed.contains(&e.id))
            .cloned()
            .collect();
        let (key, dir) = self.sort;
        for id in &changed {
            let Some(e) = index.live_record(id) else {
                continue;
            };
            if e.def.id != self.def.id {
                continue;
            }
            let k = query::SortKey::of(self.def, key, &e.record, &e.id);
            let at = rows.partition_point(|r| {
                query::SortKey::of(self.def, key, &r.record, &r.id).cmp(&k, dir)
                    == std::cmp::Ordering::Less
            });
            rows.insert(at, e.clone());
        }
        Some(SortedList {
            def: self.def,
            sort: self.sort,
            serial: index.serial(),
            rows,
        })
    }

    pub fn rows(&self) -> &[Arc<Entry>] {
        &self.rows
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The rows that match the search and filters of `q`, in list order
    /// (`q.sort` is ignored: the list is already sorted).
    pub fn filter(&self, q: &Query) -> Vec<Arc<Entry>> {
        let terms = q.terms();
        if terms.is_empty() && q.filters.is_empty() {
            return self.rows.clone();
        }
        self.rows
            .iter()
            .filter(|e| q.matches_filters(&e.record) && e.matches_terms(&terms))
            .cloned()
            .collect()
    }
}
