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
fn haystack(def: &RegisterDef, r: &Record) -> String {
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

impl Query {
    /// Indices into `rows` of the records to show, in order.
    pub fn apply(&self, def: &RegisterDef, rows: &[(RecordId, Record)]) -> Vec<usize> {
        let terms: Vec<String> = self
            .search
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        let mut out: Vec<usize> = rows
            .iter()
            .enumerate()
            .filter(|(_, (_, r))| {
                self.filters.iter().all(|(k, want)| {
                    r.get(k).map(Value::to_draft).as_deref() == Some(want.as_str())
                })
            })
            .filter(|(_, (_, r))| {
                if terms.is_empty() {
                    return true;
                }
                let hay = haystack(def, r);
                terms.iter().all(|t| hay.contains(t.as_str()))
            })
            .map(|(i, _)| i)
            .collect();
        let (key, dir) = self.sort.unwrap_or(def.sort);
        let field = def.field(key);
        let title = def.title;
        out.sort_by(|&a, &b| {
            let (ra, rb) = (&rows[a].1, &rows[b].1);
            let va = field.and_then(|f| ra.value_of(f));
            let vb = field.and_then(|f| rb.value_of(f));
            let primary = match (va, vb) {
                (Some(x), Some(y)) => {
                    let o = compare(&x, &y);
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
                .then_with(|| {
                    ra.text(title)
                        .to_lowercase()
                        .cmp(&rb.text(title).to_lowercase())
                })
                .then_with(|| rows[a].0.cmp(&rows[b].0))
        });
        out
    }
}

fn compare(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Text(x), Value::Text(y)) => x.to_lowercase().cmp(&y.to_lowercase()),
        (Value::Date(x), Value::Date(y)) => x.cmp(y),
        (Value::DateTime(x), Value::DateTime(y)) => x.cmp(y),
        (Value::Flag(x), Value::Flag(y)) => x.cmp(y),
        (Value::Links(x), Value::Links(y)) => x.len().cmp(&y.len()),
        _ => match (a.as_f64(), b.as_f64()) {
            (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
            _ => a.to_draft().cmp(&b.to_draft()),
        },
    }
}
