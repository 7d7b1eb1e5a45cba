//! How values read in lists and on screen.

use leptos::prelude::*;
use sms_core::{
    registers::{FieldDef, Kind},
    Record, RecordIndex, Value,
};

use crate::route::Route;

/// Plain-text form of a field's value ("" when empty).
pub fn text(f: &FieldDef, r: &Record, ix: &RecordIndex) -> String {
    let Some(v) = r.value_of(f) else {
        return String::new();
    };
    match (&f.kind, &v) {
        (Kind::Choice(_), Value::Text(k)) => f.choice_label(k).unwrap_or(k).to_owned(),
        (_, Value::Date(d)) => sms_core::dates::short(*d),
        (_, Value::DateTime(d)) => sms_core::dates::short_minute(*d),
        (_, Value::Flag(b)) => if *b { "Yes" } else { "No" }.into(),
        (_, Value::Links(ids)) => ids
            .iter()
            .map(|id| {
                ix.title_of(id)
                    .map(|(_, t, deleted)| {
                        if deleted {
                            format!("{t} (deleted)")
                        } else {
                            t.to_owned()
                        }
                    })
                    .unwrap_or_else(|| "(missing record)".into())
            })
            .collect::<Vec<_>>()
            .join(", "),
        _ => v.to_draft(),
    }
}

/// How much of a text a list cell shows: a value of many megabytes (from
/// another copy or program) must not make the list slow to draw.
pub const CELL_CHARS: usize = 300;

/// `s`, cut to [`CELL_CHARS`] characters with "…" when longer.
/// `s` with its first letter in capitals (words that begin a sentence).
pub fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

pub fn shorten(s: String) -> String {
    match s.char_indices().nth(CELL_CHARS) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s,
    }
}

/// A list cell: links become links, computed labels become chips.
pub fn cell(f: &'static FieldDef, r: &Record, ix: &RecordIndex) -> AnyView {
    match (f.kind, r.value_of(f)) {
        (Kind::Link { .. }, Some(Value::Links(ids))) => ids
            .iter()
            .map(|id| {
                let label = ix
                    .title_of(id)
                    .map(|(_, t, _)| t.to_owned())
                    .unwrap_or_else(|| "(missing record)".into());
                view! { <a class="chip-link" href=Route::Record(id.clone()).href()>{label}</a> }
            })
            .collect_view()
            .into_any(),
        (Kind::Computed(_), Some(Value::Text(t))) | (Kind::Choice(_), Some(Value::Text(t))) => {
            let label = f.choice_label(&t).map(str::to_owned).unwrap_or(t.clone());
            view! { <span class=format!("chip chip-{}", t.to_lowercase().replace([' ', '_'], "-"))>{label}</span> }
                .into_any()
        }
        (Kind::Flag, Some(Value::Flag(false))) => "".into_any(),
        _ => shorten(text(f, r, ix)).into_any(),
    }
}

/// A value as it reads on screen, "(empty)" when there is none.
pub fn display_value(
    f: &'static FieldDef,
    v: Option<&sms_core::Value>,
    ix: &sms_core::RecordIndex,
) -> String {
    let mut r = sms_core::Record::default();
    if let Some(v) = v {
        r.set(f.key, v.clone());
    }
    let t = text(f, &r, ix);
    if t.is_empty() {
        "(empty)".into()
    } else {
        t
    }
}

/// What came of an action, in words: a status when it went well, an alert
/// when not (one view for every page, so the app carries it once).
pub fn said(message: RwSignal<Option<(bool, String)>>) -> impl IntoView {
    move || {
        message.get().map(|(ok, m)| {
            view! {
                <p class=if ok { "notice" } else { "field-error" } role=if ok { "status" } else { "alert" }>{m}</p>
            }
        })
    }
}

/// A line in words shown while `on` is set (work under way).
pub fn busy_note(on: RwSignal<bool>, words: &'static str) -> impl IntoView {
    move || {
        on.get()
            .then(|| view! { <p class="progress-note" role="status">{words}</p> })
    }
}
