//! History on screen: the header's "Undo" (one's own last change), and a
//! record's timeline — who changed which fields when, old → new — with the
//! record as it was after any change.

use leptos::prelude::*;
use sms_core::engine::{Answer, Query};
use sms_core::{
    registers::{Kind, RegisterDef},
    ChangeHash, RecordChange, RecordDraft, RecordEvent, RecordId, StoredRecord,
};

use crate::{display::display_value, state::AppState};

/// Longest value shown in a timeline line; the full text is in "as it was".
const SHORT: usize = 160;

/// "Undo" in the header: takes back this tab's last change (not someone
/// else's), keeping anything changed again since.
#[component]
pub fn UndoButton() -> impl IntoView {
    let state = expect_context::<AppState>();
    let message = RwSignal::new(None::<String>);
    // Asked only once the document is loaded (never loading it for this).
    let entry = state.answer(
        move || state.is_loaded().then_some(Query::Undoable),
        |a| match a {
            Answer::Entry(e) => Some(e),
            _ => None,
        },
    );
    let candidate = Memo::new(move |_| entry.get().flatten().map(|e| (e.hash, e.meta.summary)));
    // A message stays until the next change.
    let seen = StoredValue::new(0u64);
    Effect::new(move |_| {
        let r = state.revision.get();
        if r != seen.get_value() + 1 {
            message.set(None);
        }
        seen.set_value(r);
    });
    let route = expect_context::<RwSignal<crate::route::Route>>();
    let undo = move |_| {
        let Some((hash, _)) = candidate.get_untracked() else {
            return;
        };
        // The record whose form is open, read now: the task below runs
        // outside the component.
        let open = match route.get_untracked() {
            crate::route::Route::Record(id) => Some(id),
            _ => None,
        };
        leptos::task::spawn_local(async move {
            message.set(Some(match state.undo(&hash, open).await {
                Ok(o) if o.reverted == 0 => format!(
                    "Nothing undone: what “{}” changed has been changed again since.",
                    o.undone
                ),
                Ok(o) if o.kept > 0 => format!(
                    "Undone: {}. {} value{} changed again since {} kept.",
                    o.undone,
                    o.kept,
                    if o.kept == 1 { "" } else { "s" },
                    if o.kept == 1 { "was" } else { "were" }
                ),
                Ok(o) => format!("Undone: {}.", o.undone),
                Err(e) => format!("Could not undo: {e}."),
            }));
        });
    };
    view! {
        <Show when=move || candidate.with(Option::is_some)>
            <button
                type="button"
                class="undo"
                title=move || candidate.get().map(|(_, s)| format!("Undo: {s}")).unwrap_or_default()
                aria-label="Undo my last change"
                on:click=undo
            >
                "Undo"
            </button>
        </Show>
        <p class="undo-message" role="status">{move || message.get()}</p>
    }
}

fn when(c: &RecordChange) -> (String, String) {
    let at = c.entry.at();
    (
        at.map(|t| t.to_rfc3339()).unwrap_or_default(),
        at.map(|t| sms_core::dates::short_minute(t.naive_utc()))
            .unwrap_or_else(|| "At an unknown time".into()),
    )
}

fn what(c: &RecordChange, def: &RegisterDef) -> String {
    match c.event {
        RecordEvent::Added => format!("added this {}", def.singular),
        RecordEvent::Deleted => format!("deleted this {}", def.singular),
        RecordEvent::Restored => format!("restored this {}", def.singular),
        RecordEvent::Edited if c.fields.is_empty() => match c.files.as_slice() {
            [(name, event)] => format!("{} “{name}”", file_verb(event)),
            files => format!("changed {} attached files", files.len()),
        },
        RecordEvent::Edited if c.fields.len() == 1 => {
            format!("changed {}", c.fields[0].field.label_lower())
        }
        RecordEvent::Edited => format!("changed {} fields", c.fields.len()),
    }
}

fn file_verb(e: &sms_core::attachments::FileEvent) -> &'static str {
    use sms_core::attachments::FileEvent;
    match e {
        FileEvent::Attached => "attached",
        FileEvent::Removed => "removed",
        FileEvent::Restored => "brought back",
        FileEvent::Dated => "changed the dates of",
    }
}

fn short(s: String) -> String {
    if s.chars().count() <= SHORT {
        s
    } else {
        let cut: String = s.chars().take(SHORT).collect();
        format!("{cut}…")
    }
}

/// A record's history, newest first, read when the person opens it.
#[component]
pub fn RecordHistory(
    id: RecordId,
    def: &'static RegisterDef,
    draft: RwSignal<RecordDraft>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let open = RwSignal::new(false);
    let viewing = RwSignal::new(None::<ChangeHash>);
    let status = RwSignal::new(None::<String>);
    // `None` until the timeline has come.
    let asked = {
        let id = id.clone();
        state.answer(
            move || open.get().then(|| Query::RecordHistory { id: id.clone() }),
            |a| match a {
                Answer::RecordHistory(h) => Some(h),
                _ => None,
            },
        )
    };
    let timeline = move || -> Option<Vec<RecordChange>> {
        if !open.get() {
            return Some(Vec::new());
        }
        let mut t = asked.get()?;
        t.reverse();
        Some(t)
    };
    // The record as it was after the change being looked at, once read.
    let old_record = RwSignal::new(None::<(ChangeHash, Option<StoredRecord>)>);
    let id_at = StoredValue::new(id.clone());
    Effect::new(move |_| {
        let Some(hash) = viewing.get() else {
            return;
        };
        leptos::task::spawn_local(async move {
            let id = id_at.get_value();
            if let Some(Answer::RecordAt(r)) = state.ask(Query::RecordAt { id, hash }).await {
                old_record.set(Some((hash, r)));
            }
        });
    });
    let as_it_was = move |hash: ChangeHash, label: String| {
        let Some(old) = old_record.with(|o| {
            o.as_ref()
                .filter(|(h, _)| *h == hash)
                .map(|(_, r)| r.clone())
        }) else {
            return ().into_any();
        };
        let Some(old) = old else {
            return view! { <p class="empty">"The record did not exist then."</p> }.into_any();
        };
        let rows = state.index_untracked(|ix| {
            def.stored_fields()
                .map(|f| (f.label, display_value(f, old.record.get(f.key), ix)))
                .collect::<Vec<_>>()
        });
        let values = old.record.clone();
        let heading = format!("As it was {label}");
        let aria = heading.clone();
        view! {
            <div class="as-it-was" role="group" aria-label=aria>
                <h4 tabindex="-1">{heading}</h4>
                {old.deleted.then(|| view! { <p class="muted">"It was deleted at that point."</p> })}
                <dl>
                    {rows
                        .into_iter()
                        .map(|(label, value)| view! { <dt>{label}</dt><dd>{value}</dd> })
                        .collect_view()}
                </dl>
                <div class="buttons">
                    <button
                        type="button"
                        on:click=move |_| {
                            draft.set(RecordDraft::from_record(def, &values));
                            viewing.set(None);
                            status.set(Some("The form above now holds these values. Save to keep them, or Cancel to leave the record as it is.".into()));
                        }
                    >
                        "Put these values in the form"
                    </button>
                    <button type="button" on:click=move |_| viewing.set(None)>"Close"</button>
                </div>
            </div>
        }
        .into_any()
    };
    let as_it_was = StoredValue::new(as_it_was);
    let entries = move || {
        let Some(t) = timeline() else {
            return ().into_any();
        };
        if open.get() && t.is_empty() {
            return view! { <p class="empty">"No changes recorded for this record."</p> }
                .into_any();
        }
        let items = t
            .into_iter()
            .map(|c| {
                let (datetime, label) = when(&c);
                let who = c.entry.author().to_owned();
                let line = what(&c, def);
                let hash = c.entry.hash;
                let fields = state.index_untracked(|ix| {
                    c.fields
                        .iter()
                        .filter(|_| c.event != RecordEvent::Added)
                        .map(|fc| {
                            let long = matches!(fc.field.kind, Kind::LongText { .. });
                            let before = display_value(fc.field, fc.before.as_ref(), ix);
                            let after = display_value(fc.field, fc.after.as_ref(), ix);
                            let (before, after) = if long { (short(before), short(after)) } else { (before, after) };
                            (fc.field.label, before, after)
                        })
                        .collect::<Vec<_>>()
                });
                let files: Vec<String> = if c.fields.is_empty() && c.files.len() <= 1 {
                    Vec::new()
                } else {
                    c.files
                        .iter()
                        .map(|(name, e)| format!("{} “{name}”", crate::display::capitalised(file_verb(e))))
                        .collect()
                };
                let when_label = format!("on {label}, after {who}'s change");
                view! {
                    <li>
                        <p>
                            <time datetime=datetime>{label}</time>
                            " · "
                            <strong>{who}</strong>
                            " "
                            {line}
                        </p>
                        {(!fields.is_empty()).then(|| view! {
                            <ul class="field-changes">
                                {fields.into_iter().map(|(l, b, a)| view! {
                                    <li>
                                        <span class="field-name">{l}</span>": "
                                        <del>{b}</del>
                                        <span aria-hidden="true">" → "</span>
                                        <span class="visually-hidden">" became "</span>
                                        <ins>{a}</ins>
                                    </li>
                                }).collect_view()}
                            </ul>
                        })}
                        {(!files.is_empty()).then(|| view! {
                            <ul class="field-changes">
                                {files.into_iter().map(|f| view! { <li>{f}</li> }).collect_view()}
                            </ul>
                        })}
                        <button
                            type="button"
                            class="link-button"
                            aria-expanded=move || (viewing.get() == Some(hash)).to_string()
                            on:click=move |_| {
                                viewing.update(|v| *v = if *v == Some(hash) { None } else { Some(hash) });
                            }
                        >
                            "See it as it was"
                        </button>
                        {move || (viewing.get() == Some(hash)).then(|| as_it_was.with_value(|f| f(hash, when_label.clone())))}
                    </li>
                }
            })
            .collect_view();
        view! { <ol class="timeline">{items}</ol> }.into_any()
    };
    view! {
        <section class="record-history" aria-labelledby="history-heading">
            <details prop:open=open on:toggle=move |ev| open.set(event_target::<web_sys::HtmlDetailsElement>(&ev).open())>
                <summary><h3 id="history-heading">"History"</h3></summary>
                {move || status.get().map(|s| view! { <p class="notice" role="status">{s}</p> })}
                {entries}
            </details>
        </section>
    }
}
