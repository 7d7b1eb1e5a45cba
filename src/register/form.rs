//! The form of one record, generated from its register's declaration.

use leptos::prelude::*;
use sms_core::engine::{Edit, Query};
use sms_core::{
    registers::{FieldDef, Kind, RegisterDef},
    RecordDraft, RecordId, RecordIndex, WorkbookError,
};
use wasm_bindgen::JsCast;

use super::Notice;
use crate::display;
use crate::{
    route::{navigate, Route},
    state::AppState,
};

/// Add (`editing` is `None`) or edit one record. Nothing is stored until
/// every field is valid.
#[component]
pub fn RecordForm(
    def: &'static RegisterDef,
    editing: Option<RecordId>,
    initial: RecordDraft,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let notice = expect_context::<Notice>();
    if let Some(id) = editing.clone() {
        // Opened: no longer marked as changed by a merge.
        Effect::new(move |_| state.seen(&id));
    }
    // A stored value that does not pass the checks (written by another copy
    // or another tool) is flagged from the start, so it can be corrected.
    let stored_invalid = editing.is_some() && initial.validate(def).is_err();
    let draft = RwSignal::new(initial.clone());
    // Errors show after the first attempt to save, then follow every keystroke.
    let tried = RwSignal::new(stored_invalid);
    let invalid_note = stored_invalid.then(|| {
        view! {
            <p class="conflict-note" role="status">
                "Some values of this record do not pass the checks (they came from another copy or another program). They are marked below; correct them before saving."
            </p>
        }
    });
    // Errors only the workbook can find (a link to a record deleted meanwhile).
    let store_errors = RwSignal::new(Vec::<sms_core::FieldError>::new());
    let save_error = RwSignal::new(None::<String>);
    let is_new = editing.is_none();
    // Suggestions for every person field, read once per change of the workbook.
    let people = Memo::new(move |_| state.index(RecordIndex::people));
    // What the person saw: the document heads the form opened at (its save
    // is written against them, so nobody's change meanwhile is overwritten)
    // and each field's value as last shown.
    let seen = StoredValue::new(if is_new { Vec::new() } else { state.heads() });
    let base = StoredValue::new(initial.clone());
    // Fields with concurrent values: those at opening, and any that appear
    // while the form is open.
    let conflicted = RwSignal::new(
        editing
            .as_ref()
            .and_then(|id| state.index_untracked(|ix| ix.get(id).map(|e| e.conflicts.clone())))
            .unwrap_or_default(),
    );
    // What others changed while the form was open, in words.
    let others = RwSignal::new(Vec::<String>::new());
    if let Some(id) = editing.clone() {
        crate::conflicts::after_changes(
            state,
            Box::new(move || take_in_changes(state, def, &id, draft, base, conflicted, others)),
        );
    }

    Effect::new(move |_| {
        window().scroll_to_with_x_and_y(0.0, 0.0);
        if let Some(first) = def.stored_fields().next() {
            focus(&control_id(first));
        }
    });

    let edit_id = editing.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        tried.set(true);
        store_errors.set(Vec::new());
        let record = match draft.get_untracked().validate(def) {
            Ok(r) => r,
            Err(errors) => {
                if let Some(f) = errors.first().and_then(|e| def.field(e.field)) {
                    focus(&control_id(f));
                }
                return;
            }
        };
        let edit = match &edit_id {
            None => Edit::AddRecord {
                register: def.id.to_owned(),
                id: crate::platform::new_record_id(),
                record: record.clone(),
            },
            Some(id) => Edit::UpdateRecord {
                id: id.clone(),
                record: record.clone(),
                seen: seen.get_value(),
            },
        };
        let edit_id = edit_id.clone();
        leptos::task::spawn_local(async move {
            let result = state.change(edit).await.map(|_| ());
            let title = record.text(def.title).to_owned();
            match result {
                Ok(()) => {
                    // Fields someone else changed to another value meanwhile
                    // are now conflicts: say so rather than pick one.
                    let now_conflicted: Vec<String> = edit_id
                        .as_ref()
                        .and_then(|id| {
                            state.index_untracked(|ix| ix.get(id).map(|e| e.conflicts.clone()))
                        })
                        .unwrap_or_default()
                        .iter()
                        .filter_map(|k| def.field(k).map(|f| f.label_lower()))
                        .collect();
                    notice.0.set(Some(if is_new {
                    format!("Added “{title}”.")
                } else if now_conflicted.is_empty() {
                    format!("Saved changes to “{title}”.")
                } else {
                    format!(
                        "Saved changes to “{title}”. Someone else changed {} at the same time: both values are kept; choose one on the Conflicts page.",
                        now_conflicted.join(", ")
                    )
                }));
                    navigate(&Route::List(def.id));
                }
                Err(WorkbookError::Invalid(errors)) => {
                    if let Some(f) = errors.first().and_then(|e| def.field(e.field)) {
                        focus(&control_id(f));
                    }
                    store_errors.set(errors);
                }
                Err(e) => save_error.set(Some(format!("Could not save: {e}."))),
            }
        });
    };

    let heading = if is_new {
        format!("Add {}", article(def.singular))
    } else {
        format!("Edit {}", def.singular)
    };

    view! {
        <section aria-labelledby="record-form-heading" class="form-page">
            <p class="breadcrumb"><a href=Route::List(def.id).href()>{def.name}</a></p>
            <h2 id="record-form-heading">{heading}</h2>
            {move || {
                let labels: Vec<String> = conflicted
                    .get()
                    .iter()
                    .filter_map(|k| def.field(k).map(|f| f.label_lower()))
                    .collect();
                (!labels.is_empty()).then(|| view! {
                    <p class="conflict-note">
                        {format!(
                            "Two people changed {} at the same time. Both values are kept below; choose the one to keep.",
                            labels.join(", ")
                        )}
                    </p>
                })
            }}
            {crate::conflicts::others_note(others)}
            {invalid_note}
            <form class="record-form" on:submit=submit novalidate>
                {def
                    .fields
                    .iter()
                    .map(|f| {
                        let has_conflict = Memo::new(move |_| conflicted.with(|c| c.contains(&f.key)));
                        let conflict = editing.clone().map(|id| {
                            move || {
                                has_conflict
                                    .get()
                                    .then(|| crate::conflicts::conflict_box(def, id.clone(), f.key, draft))
                            }
                        });
                        view! {
                            {conflict}
                            {field_view(def, f, draft, tried, store_errors, people)}
                        }
                    })
                    .collect_view()}
                {move || save_error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
                <div class="buttons">
                    <button type="submit" class="primary">{format!("Save {}", def.singular)}</button>
                    <a class="button" href=Route::List(def.id).href()>"Cancel"</a>
                </div>
            </form>
            {editing.map(|id| view! {
                <crate::attachments::Attachments on=sms_core::attachments::On::Record(id.clone()) />
                <Backlinks id=id.clone() />
                <crate::history::RecordHistory id def draft />
            })}
        </section>
    }
}

fn article(noun: &str) -> String {
    let an = noun.starts_with(['a', 'e', 'i', 'o', 'u']) || noun.starts_with("SLA");
    format!("{} {noun}", if an { "an" } else { "a" })
}

fn focus(id: &str) {
    if let Some(el) = document()
        .get_element_by_id(id)
        .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}

fn control_id(f: &FieldDef) -> String {
    format!("field-{}", f.key.replace('_', "-"))
}

fn field_view(
    def: &'static RegisterDef,
    f: &'static FieldDef,
    draft: RwSignal<RecordDraft>,
    tried: RwSignal<bool>,
    store_errors: RwSignal<Vec<sms_core::FieldError>>,
    people: Memo<Vec<String>>,
) -> AnyView {
    let state = expect_context::<AppState>();
    let id = control_id(f);
    if let Kind::Computed(_) = f.kind {
        // Shown live from the other fields, never edited.
        let value = move || {
            let record = draft.with(|d| d.partial(def));
            Some(state.index(|ix| display::text(f, &record, ix)))
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| "—".into())
        };
        return view! {
            <div class="field computed">
                <span class="label" id=format!("{id}-label")>{f.label}</span>
                <output aria-labelledby=format!("{id}-label") aria-live="polite">{value}</output>
            </div>
        }
        .into_any();
    }

    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let error = Memo::new(move |_| {
        if let Some(e) = store_errors.with(|es| {
            es.iter()
                .find(|e| e.field == f.key)
                .map(|e| e.message.clone())
        }) {
            return Some(e);
        }
        if !tried.get() {
            return None;
        }
        draft.with(|d| d.field_error(def, f.key)).map(|e| e.message)
    });
    let value = move || draft.with(|d| d.get(f.key).to_owned());
    let set = move |v: String| draft.update(|d| d.set(f.key, v));
    let has_help = !f.help.is_empty();
    let described_by = {
        let (error_id, hint_id) = (error_id.clone(), hint_id.clone());
        move || {
            let mut ids = Vec::new();
            if has_help {
                ids.push(hint_id.clone());
            }
            if error.with(Option::is_some) {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    let invalid = move || error.with(Option::is_some).then_some("true");

    let control = match f.kind {
        Kind::Text { max } => view! {
            <input id=id.clone() type="text" maxlength=max required=f.required aria-invalid=invalid aria-describedby=described_by
                prop:value=value on:input=move |ev| set(event_target_value(&ev)) />
        }.into_any(),
        Kind::Person => {
            let list_id = format!("{id}-people");
            view! {
                <input id=id.clone() type="text" maxlength="100" autocomplete="off" list=list_id.clone() required=f.required
                    aria-invalid=invalid aria-describedby=described_by
                    prop:value=value on:input=move |ev| set(event_target_value(&ev)) />
                <datalist id=list_id>
                    {move || people.get().into_iter().map(|p| view! { <option value=p></option> }).collect_view()}
                </datalist>
            }.into_any()
        }
        Kind::LongText { max } => view! {
            <textarea id=id.clone() rows="4" maxlength=max aria-invalid=invalid aria-describedby=described_by
                prop:value=value on:input=move |ev| set(event_target_value(&ev))></textarea>
        }.into_any(),
        Kind::Choice(options) => {
            let opts: Vec<(String, String)> = options.iter().map(|(k, l)| ((*k).into(), (*l).into())).collect();
            select(id.clone(), f.required, opts, value, set, invalid, described_by).into_any()
        }
        Kind::Integer { min, max } if max - min <= 10 => {
            let opts = (min..=max).map(|i| (i.to_string(), i.to_string())).collect();
            select(id.clone(), f.required, opts, value, set, invalid, described_by).into_any()
        }
        Kind::Integer { min, max } => view! {
            <input id=id.clone() type="number" step="1" min=min max=max inputmode="numeric" aria-invalid=invalid aria-describedby=described_by
                prop:value=value on:input=move |ev| set(event_target_value(&ev)) />
        }.into_any(),
        Kind::Decimal { .. } => view! {
            <input id=id.clone() type="text" inputmode="decimal" aria-invalid=invalid aria-describedby=described_by
                prop:value=value on:input=move |ev| set(event_target_value(&ev)) />
        }.into_any(),
        Kind::Date => view! {
            <input id=id.clone() type="date" aria-invalid=invalid aria-describedby=described_by
                prop:value=value on:input=move |ev| set(event_target_value(&ev)) />
        }.into_any(),
        Kind::DateTime => view! {
            <input id=id.clone() type="datetime-local" aria-invalid=invalid aria-describedby=described_by
                prop:value=value on:input=move |ev| set(event_target_value(&ev)) />
        }.into_any(),
        Kind::Flag => view! {
            <input id=id.clone() type="checkbox" class="checkbox" aria-invalid=invalid aria-describedby=described_by
                prop:checked=move || value() == "true"
                on:change=move |ev| set(event_target_checked(&ev).to_string()) />
        }.into_any(),
        Kind::Link { to, many: false } => {
            let targets = targets_memo(state, to);
            let opts = move || targets.get().list;
            view! {
                <select id=id.clone() aria-invalid=invalid aria-describedby=described_by
                    prop:value=value on:change=move |ev| set(event_target_value(&ev))>
                    <option value="">"— none —"</option>
                    {move || {
                        let current = value();
                        opts().iter().map(|(k, l)| {
                            let selected = *k == current;
                            view! { <option value=k.clone() selected=selected>{l.clone()}</option> }
                        }).collect_view()
                    }}
                </select>
            }.into_any()
        }
        Kind::Link { to, many: true } => many_links(id.clone(), f, to, draft, invalid, described_by).into_any(),
        Kind::Computed(_) => unreachable!("handled above"),
    };

    let is_flag = matches!(f.kind, Kind::Flag);
    view! {
        <div class="field" class:has-error=move || error.with(Option::is_some) class:flag=is_flag>
            <label for=id.clone()>
                {f.label}
                {(!f.required && !is_flag).then(|| view! { <span class="optional">" (optional)"</span> })}
            </label>
            {has_help.then(|| view! { <p class="hint" id=hint_id.clone()>{f.help}</p> })}
            {control}
            <p class="field-error" id=error_id.clone() aria-live="polite">{move || error.get()}</p>
        </div>
    }
    .into_any()
}

fn select(
    id: String,
    required: bool,
    options: Vec<(String, String)>,
    value: impl Fn() -> String + Copy + Send + Sync + 'static,
    set: impl Fn(String) + Copy + 'static,
    invalid: impl Fn() -> Option<&'static str> + Copy + Send + Sync + 'static,
    described_by: impl Fn() -> Option<String> + Clone + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <select id=id aria-invalid=invalid aria-describedby=described_by
            prop:value=value on:change=move |ev| set(event_target_value(&ev))>
            <option value="">{if required { "Choose…" } else { "—" }}</option>
            {options.into_iter().map(|(k, l)| {
                let selected = value() == k;
                view! { <option value=k selected=selected>{l}</option> }
            }).collect_view()}
        </select>
    }
}

/// Names of people already in the workbook, for suggestions.
/// (id, title) of the live records of register `to`, by title.
fn link_targets(ix: &RecordIndex, to: &str) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = ix
        .live(to)
        .map(|e| (e.id.to_string(), e.title().to_owned()))
        .collect();
    sms_core::order::sort_by_cached_key(&mut v, |a| a.1.to_lowercase());
    v
}

/// The records a link field may point to, by title.
#[derive(Clone)]
struct Targets {
    /// The index serial the list was read at.
    serial: u64,
    list: std::sync::Arc<Vec<(String, String)>>,
}

impl PartialEq for Targets {
    fn eq(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(&self.list, &other.list)
    }
}

/// A link field's choices, read again only when a record of register `to`
/// changed (not after every edit of anything, which at tens of thousands
/// of records would cost every save a sort of them all).
fn targets_memo(state: AppState, to: &'static str) -> Memo<Targets> {
    Memo::new(move |prev: Option<&Targets>| {
        state.index(|ix| {
            if let Some(p) = prev {
                if ix.changed_since(to, p.serial).is_some_and(|c| c.is_empty()) {
                    return Targets {
                        serial: ix.serial(),
                        list: p.list.clone(),
                    };
                }
            }
            Targets {
                serial: ix.serial(),
                list: std::sync::Arc::new(link_targets(ix, to)),
            }
        })
    })
}

/// Several links: the chosen records as removable chips, and a list to add one.
fn many_links(
    id: String,
    f: &'static FieldDef,
    to: &'static str,
    draft: RwSignal<RecordDraft>,
    invalid: impl Fn() -> Option<&'static str> + Copy + Send + Sync + 'static,
    described_by: impl Fn() -> Option<String> + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let target_def = sms_core::registers::register(to).expect("declared");
    let targets = targets_memo(state, to);
    let chosen = move || -> Vec<String> {
        draft.with(|d| d.get(f.key).split_whitespace().map(str::to_owned).collect())
    };
    let set_chosen = move |ids: Vec<String>| draft.update(|d| d.set(f.key, ids.join(" ")));
    let title_of = move |rid: &str| -> String {
        RecordId::parse(rid)
            .and_then(|rid| {
                state.index(|ix| {
                    ix.title_of(&rid).map(|(_, t, deleted)| {
                        if deleted {
                            format!("{t} (deleted)")
                        } else {
                            t.to_owned()
                        }
                    })
                })
            })
            .unwrap_or_else(|| "(missing record)".into())
    };
    view! {
        <div class="links">
            <ul class="chips">
                {move || chosen().into_iter().map(|rid| {
                    let label = title_of(&rid);
                    let remove_label = format!("Remove {label}");
                    let rid2 = rid.clone();
                    view! {
                        <li class="chip">
                            <a href=format!("#/record/{rid}")>{label}</a>
                            <button type="button" class="remove" aria-label=remove_label on:click=move |_| {
                                set_chosen(chosen().into_iter().filter(|x| *x != rid2).collect());
                            }>"×"</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <select id=id.clone() aria-invalid=invalid aria-describedby=described_by
                prop:value=""
                on:change=move |ev| {
                    let v = event_target_value(&ev);
                    if !v.is_empty() {
                        let mut c = chosen();
                        if !c.contains(&v) {
                            c.push(v);
                        }
                        set_chosen(c);
                    }
                    // Back to the prompt, ready for the next one.
                    if let Some(sel) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok()) {
                        sel.set_value("");
                    }
                }>
                <option value="">{format!("Add a link to {}…", article(target_def.singular))}</option>
                {move || {
                    let c = chosen();
                    targets.get().list.iter().filter(|(k, _)| !c.contains(k)).map(|(k, l)| view! { <option value=k.clone()>{l.clone()}</option> }).collect_view()
                }}
            </select>
        </div>
    }
}

/// Records that link to this one, and checklist items it evidences.
#[component]
fn Backlinks(id: RecordId) -> impl IntoView {
    let state = expect_context::<AppState>();
    let evidences = {
        let id = id.clone();
        Memo::new(move |_| {
            state
                .summary(|s| s.evidenced_items(&id))
                .unwrap_or_default()
        })
    };
    let items = Memo::new(move |_| {
        state.index(|ix| {
            ix.backlinks(&id)
                .into_iter()
                .map(|(e, f)| (e.id.clone(), e.def.singular, f.label, e.title().to_owned()))
                .collect::<Vec<_>>()
        })
    });
    view! {
        <section class="backlinks" aria-labelledby="backlinks-heading">
            <h3 id="backlinks-heading">"Linked from"</h3>
            <Show when=move || !items.with(Vec::is_empty) fallback=|| view! { <p class="empty">"No other record links here yet."</p> }>
                <ul>
                    {move || items.get().into_iter().map(|(rid, singular, field, title)| view! {
                        <li>
                            <span class="muted">{format!("{} ({}): ", capitalise(singular), field.to_lowercase())}</span>
                            <a href=Route::Record(rid).href()>{title}</a>
                        </li>
                    }).collect_view()}
                </ul>
            </Show>
            {move || (!evidences.with(Vec::is_empty)).then(|| view! {
                <h3>"Evidence for checklist items"</h3>
                <ul>
                    {move || evidences.get().into_iter().map(|c| view! {
                        <li><a href=Route::Item(c.number).href()>{format!("{} {}", c.number, c.title)}</a></li>
                    }).collect_view()}
                </ul>
            })}
        </section>
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) if f.is_lowercase() => f.to_uppercase().chain(c).collect(),
        Some(f) => std::iter::once(f).chain(c).collect(),
        None => String::new(),
    }
}

/// Takes changes others made to the open record into the form: a field the
/// person has not touched shows the new value; a field they changed too is
/// left as they typed it and they are told a save will keep both values.
fn take_in_changes(
    state: AppState,
    def: &'static RegisterDef,
    id: &RecordId,
    draft: RwSignal<RecordDraft>,
    base: StoredValue<RecordDraft>,
    conflicted: RwSignal<Vec<&'static str>>,
    others: RwSignal<Vec<String>>,
) {
    let Some((current, deleted, conflicts)) = state.index_untracked(|ix| {
        ix.get(id).map(|e| {
            (
                RecordDraft::from_record(def, &e.record),
                e.deleted,
                e.conflicts.clone(),
            )
        })
    }) else {
        return;
    };
    let mut notes: Vec<crate::conflicts::Note> = Vec::new();
    for f in def.stored_fields() {
        let now = current.get(f.key).to_owned();
        let saw = base.with_value(|b| b.get(f.key).to_owned());
        if now == saw {
            continue;
        }
        let q = Some(Query::FieldVersions {
            id: id.clone(),
            key: f.key.to_owned(),
        });
        let mine = draft.with_untracked(|d| d.get(f.key).to_owned());
        let label = f.label;
        if mine == saw {
            draft.update(|d| d.set(f.key, now.clone()));
            notes.push((
                q,
                format!(
                    "{{who}} changed {label} while you were editing; the form shows the new value."
                ),
            ));
        } else if mine != now {
            notes.push((
                q,
                format!("{{who}} also changed {label} while you were editing. If you save, both values are kept as a conflict for you to choose from."),
            ));
        }
        base.update_value(|b| b.set(f.key, now));
    }
    if deleted {
        notes.push((
            None,
            "Someone deleted this record while you were editing. Saving keeps your changes in it; restore it from the deleted records to see them."
                .into(),
        ));
    }
    crate::conflicts::note_conflicts(conflicted, &conflicts);
    crate::conflicts::tell_who(state, others, notes);
}
