//! List queries: full-text search, filters on choice fields, sorting.

use std::cmp::Ordering;

use super::{Kind, Record, RegisterDef, Value};
use crate::ids::RecordId;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortDir {
    Asc,
    Desc,
}

/// What a list shows: every term of `search` must appear in the record's
/// text, every filter must match, sorted by `sort` (the register's default
/// when `None`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Query {
    pub search: String,
    /// (field key, stored value) pairs; all must match.
    pub filters: Vec<(&'static str, String)>,
    pub sort: Option<(&'static str, SortDir)>,
}

/// Lower-cased searchable text of a record.
pub(crate) fn haystack(def: &RegisterDef, r: &Record) -> String {
    let mut s = String::new();
    for f in def.fields {
        let Some(v) = r.value_of(f) else { continue };
        match (f.kind, &v) {
            (Kind::Choice(_), Value::Text(k)) => s.push_str(f.choice_label(k).unwrap_or(k)),
            (Kind::Link { .. }, _) | (Kind::Flag, _) => continue,
            _ => s.push_str(&v.to_draft()),
        }
        s.push('\n');
    }
    s.to_lowercase()
}

/// What a record is sorted by: the sort field's value (empty last), then
/// the title without regard to case, then the id.
#[derive(Clone, Debug)]
pub(crate) struct SortKey {
    primary: Option<Key>,
    title: String,
    id: RecordId,
}

#[derive(Clone, Debug)]
enum Key {
    Text(String),
    Num(f64),
    Date(chrono::NaiveDate),
    DateTime(chrono::NaiveDateTime),
    Flag(bool),
    Count(usize),
}

impl SortKey {
    pub(crate) fn of(def: &RegisterDef, field: &str, r: &Record, id: &RecordId) -> Self {
        let primary = def
            .field(field)
            .and_then(|f| r.value_of(f))
            .map(|v| match v {
                Value::Text(t) => Key::Text(t.to_lowercase()),
                Value::Int(i) => Key::Num(i as f64),
                Value::Dec(d) => Key::Num(d),
                Value::Date(d) => Key::Date(d),
                Value::DateTime(d) => Key::DateTime(d),
                Value::Flag(b) => Key::Flag(b),
                Value::Links(ids) => Key::Count(ids.len()),
            });
        SortKey {
            primary,
            title: r.text(def.title).to_lowercase(),
            id: id.clone(),
        }
    }

    pub(crate) fn cmp(&self, other: &Self, dir: SortDir) -> Ordering {
        let primary = match (&self.primary, &other.primary) {
            (Some(x), Some(y)) => {
                let o = compare(x, y);
                if dir == SortDir::Desc {
                    o.reverse()
                } else {
                    o
                }
            }
            // Empty values go last whichever the direction.
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
        primary
            .then_with(|| self.title.cmp(&other.title))
            .then_with(|| self.id.cmp(&other.id))
    }
}

fn compare(a: &Key, b: &Key) -> Ordering {
    match (a, b) {
        (Key::Text(x), Key::Text(y)) => x.cmp(y),
        // total_cmp: a NaN from another copy sorts after every number instead
        // of making the order inconsistent (which a sort may panic on).
        (Key::Num(x), Key::Num(y)) => x.total_cmp(y),
        (Key::Date(x), Key::Date(y)) => x.cmp(y),
        (Key::DateTime(x), Key::DateTime(y)) => x.cmp(y),
        (Key::Flag(x), Key::Flag(y)) => x.cmp(y),
        (Key::Count(x), Key::Count(y)) => x.cmp(y),
        // Mixed kinds (data from another tool): by kind, so the order is total.
        _ => rank(a).cmp(&rank(b)),
    }
}

fn rank(k: &Key) -> u8 {
    match k {
        Key::Text(_) => 0,
        Key::Num(_) => 1,
        Key::Date(_) => 2,
        Key::DateTime(_) => 3,
        Key::Flag(_) => 4,
        Key::Count(_) => 5,
    }
}

impl Query {
    /// The search terms, lower-cased.
    pub fn terms(&self) -> Vec<String> {
        self.search
            .split_whitespace()
            .map(str::to_lowercase)
            .collect()
    }

    /// Whether a record matches every choice filter.
    pub fn matches_filters(&self, r: &Record) -> bool {
        self.filters.iter().all(|(k, want)| match r.get(k) {
            Some(Value::Text(t)) => t == want,
            Some(v) => v.to_draft() == *want,
            None => false,
        })
    }

    /// Indices into `rows` of the records to show, in order.
    pub fn apply(&self, def: &RegisterDef, rows: &[(RecordId, Record)]) -> Vec<usize> {
        let terms = self.terms();
        let (key, dir) = self.sort.unwrap_or(def.sort);
        let mut keyed: Vec<(SortKey, usize)> = rows
            .iter()
            .enumerate()
            .filter(|(_, (_, r))| self.matches_filters(r))
            .filter(|(_, (_, r))| {
                if terms.is_empty() {
                    return true;
                }
                let hay = haystack(def, r);
                terms.iter().all(|t| hay.contains(t.as_str()))
            })
            .map(|(i, (id, r))| (SortKey::of(def, key, r, id), i))
            .collect();
        crate::order::sort_by(&mut keyed, |a, b| a.0.cmp(&b.0, dir));
        keyed.into_iter().map(|(_, i)| i).collect()
    }
}
