//! Fields two people changed at the same time. Automerge keeps every value;
//! the app says so (a badge in the header, a list of the records, a box on
//! each conflicted field) and lets a person keep one of them.

use leptos::prelude::*;
use sms_core::engine::{Answer, Edit, Query};
use sms_core::{registers::RegisterDef, FieldVersion, RecordDraft, RecordId};

use crate::{display::display_value, route::Route, state::AppState};

/// "2 conflicts" in the header, while there are any.
#[component]
pub fn ConflictBadge() -> impl IntoView {
    let state = expect_context::<AppState>();
    let count = Memo::new(move |_| {
        state.index(|ix| ix.conflict_count()) + checklist_conflicts(state).len()
    });
    move || {
        let n = count.get();
        (n > 0).then(|| {
            view! {
                <a class="conflict-badge" href=Route::Conflicts.href()>
                    {if n == 1 { "1 conflict".to_owned() } else { format!("{n} conflicts") }}
                </a>
            }
        })
    }
}

/// Checklist items with concurrent values: (item, its fields' labels).
fn checklist_conflicts(state: AppState) -> Vec<(&'static sms_core::catalogue::Clause, String)> {
    state
        .summary(|s| {
            s.checklist
                .iter()
                .filter(|(_, item)| !item.conflicts.is_empty())
                .map(|(c, item)| {
                    let labels: Vec<String> = item
                        .conflicts
                        .iter()
                        .map(|k| sms_core::checklist::field_label(k).to_owned())
                        .collect();
                    (*c, labels.join(", "))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Every record and checklist item with an unsettled conflict.
#[component]
pub fn ConflictsPage() -> impl IntoView {
    let state = expect_context::<AppState>();
    let items_of_checklist = Memo::new(move |_| checklist_conflicts(state));
    let items = Memo::new(move |_| {
        state.index(|ix| {
            ix.conflicted()
                .into_iter()
                .map(|e| {
                    let fields: Vec<&'static str> = e
                        .conflicts
                        .iter()
                        .filter_map(|k| e.def.field(k).map(|f| f.label))
                        .collect();
                    (
                        e.id.clone(),
                        e.def.name,
                        e.title().to_owned(),
                        fields.join(", "),
                    )
                })
                .collect::<Vec<_>>()
        })
    });
    view! {
        <section aria-labelledby="conflicts-heading">
            <h2 id="conflicts-heading">"Conflicts"</h2>
            <p class="lede">
                "When two people change the same field at the same time, both values are kept. Open a record or checklist item to choose which one stays."
            </p>
            {move || (!items_of_checklist.with(Vec::is_empty)).then(|| view! {
                <h3>"Compliance checklist"</h3>
                <ul class="conflict-list">
                    {move || items_of_checklist.get().into_iter().map(|(c, fields)| view! {
                        <li>
                            <a href=Route::Item(c.number).href()>{format!("{} {}", c.number, c.title)}</a>
                            <span class="muted">{format!(" · Checklist · {fields}")}</span>
                        </li>
                    }).collect_view()}
                </ul>
            })}
            {move || (!items.with(Vec::is_empty)).then(|| view! {
                <h3>"Records"</h3>
                <ul class="conflict-list">
                    {move || items.get().into_iter().map(|(id, register, title, fields)| view! {
                        <li>
                            <a href=Route::Record(id).href()>{title}</a>
                            <span class="muted">{format!(" · {register} · {fields}")}</span>
                        </li>
                    }).collect_view()}
                </ul>
            })}
            {move || (items.with(Vec::is_empty) && items_of_checklist.with(Vec::is_empty)).then(|| view! {
                <p class="empty">"No conflicts: every change has merged cleanly."</p>
            })}
        </section>
    }
}

/// On a record's form, above a conflicted field: every value with its
/// author and time, and a button to keep each. Keeping one stores it at once
/// and puts it into the form.
pub fn conflict_box(
    def: &'static RegisterDef,
    id: RecordId,
    key: &'static str,
    draft: RwSignal<RecordDraft>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let f = def.field(key).expect("conflicts name declared fields");
    let (versions, read_at) = read_versions(
        state,
        Query::FieldVersions {
            id: id.clone(),
            key: key.to_owned(),
        },
    );
    let id = StoredValue::new(id);
    let keep = move |v: FieldVersion| async move {
        let id = id.get_value();
        let heads = read_at.get_value();
        state
            .change(Edit::ResolveField {
                id: id.clone(),
                key: key.to_owned(),
                value: v.value.clone(),
                seen: heads.clone(),
            })
            .await
            .map_err(|e| e.to_string())?;
        let draft_value = v.value.as_ref().map(|x| x.to_draft()).unwrap_or_default();
        draft.update(|d| d.set(key, draft_value));
        Ok(())
    };
    let shown = move |v: &FieldVersion| state.index(|ix| display_value(f, v.value.as_ref(), ix));
    versions_box(f.label, versions, shown, keep)
}

/// The values a conflicted field holds, read once (`q` asks for them),
/// and the heads they were read at: keeping one supersedes exactly them,
/// and a value that arrives later stays as a conflict.
pub(crate) fn read_versions(
    state: AppState,
    q: Query,
) -> (
    RwSignal<Vec<FieldVersion>>,
    StoredValue<Vec<sms_core::ChangeHash>>,
) {
    let versions = RwSignal::new(Vec::new());
    let read_at = StoredValue::new(state.heads());
    leptos::task::spawn_local(async move {
        read_at.set_value(state.heads());
        if let Some(Answer::Versions(v)) = state.ask(q).await {
            versions.set(v);
        }
    });
    (versions, read_at)
}

/// The box above a field (of a record or a checklist item) two people
/// changed at the same time: every value with its author and time, and
/// "Keep this" on each. `keep` stores the chosen value; once it has, the
/// box says whose value was kept.
pub(crate) fn versions_box<Keep>(
    label: &'static str,
    versions: RwSignal<Vec<FieldVersion>>,
    shown: impl Fn(&FieldVersion) -> String + 'static,
    keep: impl Fn(FieldVersion) -> Keep + 'static,
) -> impl IntoView
where
    Keep: std::future::Future<Output = Result<(), String>> + 'static,
{
    let error = RwSignal::new(None::<String>);
    let settled = RwSignal::new(None::<String>);
    let shown = StoredValue::new_local(shown);
    let keep = StoredValue::new_local(keep);
    let choose = move |v: FieldVersion| {
        let author = v.author.clone();
        let kept = keep.with_value(|k| k(v));
        leptos::task::spawn_local(async move {
            match kept.await {
                Ok(()) => {
                    settled.set(Some(format!("Kept the value by {author}.")));
                    versions.set(Vec::new());
                }
                Err(e) => error.set(Some(format!("Could not keep it: {e}."))),
            }
        });
    };
    view! {
        <Show when=move || !versions.with(Vec::is_empty) fallback=move || settled.get().map(|m| view! { <p class="notice" role="status">{m}</p> })>
            <div class="conflict" role="group" aria-label=format!("Conflict in {}", label.to_lowercase())>
                <p><strong>{format!("{label} was changed by two people at the same time.")}</strong>" Choose the value to keep:"</p>
                <ul>
                    {move || versions.get().into_iter().map(|v| {
                        let text = shown.with_value(|s| s(&v));
                        let when = v.at.map(|t| format!(" on {}", sms_core::dates::short_at(t.naive_utc()))).unwrap_or_default();
                        let aria = format!("Keep this: “{text}” by {}", v.author);
                        view! {
                            <li>
                                <span>{format!("“{text}” — {}{when}", v.author)}</span>
                                " "
                                <button type="button" aria-label=aria on:click=move |_| choose(v.clone())>"Keep this"</button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            </div>
        </Show>
    }
}

/// Runs `then` after every change of the workbook from now on (not now):
/// how an open form hears of changes made elsewhere. Boxed, so every form
/// shares one piece of code.
pub(crate) fn after_changes(state: AppState, then: Box<dyn Fn()>) {
    Effect::new(move |prev: Option<()>| {
        state.revision.track();
        if prev.is_some() {
            then();
        }
    });
}

/// What others changed while a form was open, as a list in words.
pub(crate) fn others_note(others: RwSignal<Vec<String>>) -> impl IntoView {
    view! {
        <Show when=move || !others.with(Vec::is_empty)>
            <div class="notice others" role="status" aria-live="polite">
                <ul>
                    {move || others.get().into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
                </ul>
            </div>
        </Show>
    }
}

/// What a form tells about a change made elsewhere: the words, with
/// `{who}` standing for the last person who changed the field the query
/// asks about (found first), or plain words.
pub(crate) type Note = (Option<Query>, String);

/// Adds notes that name who changed a field, once those are found.
pub(crate) fn tell_who(state: AppState, others: RwSignal<Vec<String>>, notes: Vec<Note>) {
    if notes.is_empty() {
        return;
    }
    leptos::task::spawn_local(async move {
        let mut out = Vec::with_capacity(notes.len());
        for (q, text) in notes {
            let who = match q {
                Some(q) => match state.ask(q).await {
                    Some(Answer::Versions(v)) => v
                        .into_iter()
                        .max_by_key(|v| v.at)
                        .map(|v| v.author)
                        .filter(|a| !a.trim().is_empty() && a != sms_core::UNNAMED),
                    _ => None,
                }
                .unwrap_or_else(|| "Someone".into()),
                None => String::new(),
            };
            out.push(text.replace("{who}", &who));
        }
        tell(others, out);
    });
}

/// Adds what a form says others changed while it was open, each once.
pub(crate) fn tell(others: RwSignal<Vec<String>>, notes: Vec<String>) {
    if notes.is_empty() {
        return;
    }
    others.update(|o| {
        for n in notes {
            if !o.contains(&n) {
                o.push(n);
            }
        }
    });
}

/// Adds fields that became conflicted to those a form shows boxes for.
pub(crate) fn note_conflicts(shown: RwSignal<Vec<&'static str>>, now: &[&'static str]) {
    let new: Vec<&'static str> = now
        .iter()
        .copied()
        .filter(|k| !shown.with_untracked(|c| c.contains(k)))
        .collect();
    if !new.is_empty() {
        shown.update(|c| c.extend(new));
    }
}
