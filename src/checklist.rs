//! The ISO/IEC 20000-1 compliance checklist: every checklist item with its
//! status, owner, notes and evidence, roll-ups by clause and overall
//! readiness.

use leptos::prelude::*;
use sms_core::engine::{Edit, Query};
use sms_core::{
    catalogue::{self, Clause},
    checklist::{rollups, ItemStatus, Rollup},
    registers, RecordId, WorkbookError,
};

use crate::{
    markdown::Markdown,
    register::Notice,
    route::{navigate, Route},
    state::AppState,
};

fn status_chip(s: ItemStatus) -> impl IntoView {
    view! { <span class=format!("chip status-{}", s.key().replace('_', "-"))>{s.label()}</span> }
}

fn bar(r: Rollup, label: String) -> impl IntoView {
    let pct = r.readiness();
    view! {
        <div class="progress" role="img" aria-label=format!("{label}: {pct}% ready")>
            <div class="progress-fill" style:width=format!("{pct}%")></div>
        </div>
    }
}

#[component]
pub fn ChecklistPage() -> impl IntoView {
    let state = expect_context::<AppState>();
    let notice = expect_context::<Notice>();
    let items = Memo::new(move |_| state.summary(|s| s.checklist.clone()).unwrap_or_default());
    let status_filter = RwSignal::new(String::new());
    let owner_filter = RwSignal::new(String::new());
    let clause_filter = RwSignal::new(String::new());

    let summary =
        Memo::new(move |_| items.with(|items| rollups(items.iter().map(|(c, s)| (*c, s.status)))));
    let owners = Memo::new(move |_| {
        let mut o: Vec<String> = items.with(|i| {
            i.iter()
                .map(|(_, s)| s.owner.clone())
                .filter(|o| !o.is_empty())
                .collect()
        });
        sms_core::order::sort(&mut o);
        o.dedup();
        o
    });
    let shown = Memo::new(move |_| {
        let (st, ow, cl) = (status_filter.get(), owner_filter.get(), clause_filter.get());
        items.with(|items| {
            items
                .iter()
                .filter(|(c, s)| {
                    (st.is_empty() || s.status.key() == st)
                        && (ow.is_empty() || s.owner == ow)
                        && (cl.is_empty() || c.number.split('.').next() == Some(cl.as_str()))
                })
                .cloned()
                .collect::<Vec<_>>()
        })
    });

    view! {
        <section aria-labelledby="checklist-heading">
            <h2 id="checklist-heading">"Compliance checklist"</h2>
            <p class="lede">
                "Every requirement of ISO/IEC 20000-1 clauses 4–10, in our own words: what you have in place, who owns it, and the records that prove it."
            </p>
            {move || notice.0.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
            <div class="readiness">
                <p class="readiness-figure">
                    <span class="big" data-testid="readiness">{move || format!("{}%", summary.with(|(_, all)| all.readiness()))}</span>
                    " ready"
                </p>
                <p class="muted">
                    {move || summary.with(|(_, a)| format!(
                        "{} of {} applicable items implemented or verified · {} in progress · {} not started · {} not applicable",
                        a.done(), a.applicable(), a.in_progress, a.not_started, a.not_applicable
                    ))}
                </p>
                {move || bar(summary.with(|(_, a)| *a), "Overall".into())}
            </div>
            <table class="register rollup">
                <caption>"Readiness by clause"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Clause"</th>
                        <th scope="col">"Items"</th>
                        <th scope="col">"Done"</th>
                        <th scope="col">"In progress"</th>
                        <th scope="col">"Not started"</th>
                        <th scope="col">"N/A"</th>
                        <th scope="col">"Ready"</th>
                    </tr>
                </thead>
                <tbody>
                    {move || summary.with(|(per, _)| per.iter().map(|(c, r)| {
                        let n = c.number;
                        view! {
                            <tr>
                                <th scope="row" data-label="Clause">
                                    <button type="button" class="link" on:click=move |_| clause_filter.set(n.to_owned())>
                                        {format!("{} {}", c.number, c.title)}
                                    </button>
                                </th>
                                <td data-label="Items">{r.total}</td>
                                <td data-label="Done">{r.done()}</td>
                                <td data-label="In progress">{r.in_progress}</td>
                                <td data-label="Not started">{r.not_started}</td>
                                <td data-label="N/A">{r.not_applicable}</td>
                                <td data-label="Ready">{format!("{}%", r.readiness())}</td>
                            </tr>
                        }
                    }).collect_view())}
                </tbody>
            </table>

            <div class="toolbar" role="search">
                <label class="filter">
                    <span>"Status"</span>
                    <select prop:value=status_filter on:change=move |ev| status_filter.set(event_target_value(&ev))>
                        <option value="">"All"</option>
                        {ItemStatus::ALL.iter().map(|s| view! { <option value=s.key()>{s.label()}</option> }).collect_view()}
                    </select>
                </label>
                <label class="filter">
                    <span>"Owner"</span>
                    <select prop:value=owner_filter on:change=move |ev| owner_filter.set(event_target_value(&ev))>
                        <option value="">"All"</option>
                        {move || owners.get().into_iter().map(|o| { let v = o.clone(); view! { <option value=v>{o}</option> } }).collect_view()}
                    </select>
                </label>
                <label class="filter">
                    <span>"Clause"</span>
                    <select prop:value=clause_filter on:change=move |ev| clause_filter.set(event_target_value(&ev))>
                        <option value="">"All"</option>
                        {catalogue::top_level().map(|c| view! { <option value=c.number>{format!("{} {}", c.number, c.title)}</option> }).collect_view()}
                    </select>
                </label>
            </div>
            <p class="count" aria-live="polite">{move || format!("{} items shown", shown.with(Vec::len))}</p>
            <ul class="checklist">
                {move || shown.get().into_iter().map(|(c, s)| view! {
                    <li class="checklist-item" data-clause=c.number>
                        <div class="item-head">
                            <a class="item-title" href=Route::Item(c.number).href()>
                                <span class="clause">{c.number}</span>" "{c.title}
                            </a>
                            {status_chip(s.status)}
                        </div>
                        <p class="muted">{c.summary}</p>
                        <p class="item-meta">
                            {if s.owner.is_empty() { "No owner".to_owned() } else { format!("Owner: {}", s.owner) }}
                            " · "
                            {match s.evidence.len() { 0 => "no evidence linked".to_owned(), 1 => "1 evidence record".to_owned(), n => format!("{n} evidence records") }}
                        </p>
                    </li>
                }).collect_view()}
            </ul>
        </section>
    }
}

/// One checklist item: its status, owner, notes and evidence.
#[component]
pub fn ItemPage(clause: &'static Clause) -> impl IntoView {
    let state = expect_context::<AppState>();
    let notice = expect_context::<Notice>();
    let initial = state
        .summary(|s| s.checklist_item(clause.number))
        .unwrap_or_default();
    // What the person saw: the heads the page opened at (the save is
    // written against them) and the item as last shown.
    let seen = StoredValue::new(state.heads());
    let base = StoredValue::new(initial.clone());
    let conflicted = RwSignal::new(initial.conflicts.clone());
    let others = RwSignal::new(Vec::<String>::new());
    let draft = RwSignal::new(initial);
    let errors = RwSignal::new(Vec::<sms_core::FieldError>::new());
    crate::conflicts::after_changes(
        state,
        Box::new(move || {
            if let Some(now) = state.summary_untracked(|s| s.checklist_item(clause.number)) {
                take_in_item_changes(state, clause, now, draft, base, conflicted, others);
            }
        }),
    );
    let error_of = move |field: &'static str| {
        move || {
            errors.with(|es| {
                es.iter()
                    .find(|e| e.field == field)
                    .map(|e| e.message.clone())
            })
        }
    };

    // Records of the registers that evidence this item, for choosing.
    let candidates = Memo::new(move |_| {
        state.index(|ix| {
            clause
                .registers
                .iter()
                .filter_map(|r| registers::register(r))
                .map(|def| {
                    let mut recs: Vec<(String, String)> = ix
                        .live(def.id)
                        .map(|e| (e.id.to_string(), e.title().to_owned()))
                        .collect();
                    sms_core::order::sort_by_key(&mut recs, |a| a.1.to_lowercase());
                    (def.name, recs)
                })
                .collect::<Vec<_>>()
        })
    });

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let s = draft.get_untracked();
        leptos::task::spawn_local(async move {
            match state
                .change(Edit::SetChecklistItem {
                    number: clause.number.to_owned(),
                    state: s.clone(),
                    seen: seen.get_value(),
                })
                .await
            {
                Ok(_) => {
                    errors.set(Vec::new());
                    let now = state
                        .summary(|s| s.checklist_item(clause.number))
                        .unwrap_or_default();
                    notice.0.set(Some(if now.conflicts.is_empty() {
                    format!("Saved {} {}.", clause.number, clause.title)
                } else {
                    format!(
                        "Saved {} {}. Someone else changed {} at the same time: both values are kept; choose one on the Conflicts page.",
                        clause.number,
                        clause.title,
                        now.conflicts.join(", ")
                    )
                }));
                    navigate(&Route::Checklist);
                }
                Err(WorkbookError::Invalid(es)) => errors.set(es),
                Err(e) => errors.set(vec![sms_core::FieldError {
                    field: "status",
                    message: format!("Could not save: {e}."),
                }]),
            }
        });
    };

    let title_of = move |id: &RecordId| {
        state.index(|ix| {
            ix.title_of(id).map(|(def, t, deleted)| {
                (
                    def,
                    if deleted {
                        format!("{t} (deleted)")
                    } else {
                        t.to_owned()
                    },
                )
            })
        })
    };

    view! {
        <section aria-labelledby="item-heading" class="form-page">
            <p class="breadcrumb"><a href=Route::Checklist.href()>"Compliance checklist"</a></p>
            <h2 id="item-heading"><span class="clause">{clause.number}</span>" "{clause.title}</h2>
            <p>{clause.summary}</p>
            <div class="auditor">
                <h3>"What an auditor asks to see"</h3>
                <p>{clause.evidence}</p>
                <p class="muted">
                    "Kept in: "
                    {clause.registers.iter().filter_map(|r| registers::register(r)).map(|d| view! {
                        <a class="chip-link" href=Route::List(d.id).href()>{d.name}</a>
                    }).collect_view()}
                </p>
            </div>
            {crate::conflicts::others_note(others)}
            <form class="record-form" on:submit=save novalidate>
                {conflict_slot(clause, "status", conflicted, draft)}
                <div class="field">
                    <label for="item-status">"Status"</label>
                    <select id="item-status" prop:value=move || draft.with(|d| d.status.key())
                        on:change=move |ev| {
                            let v = event_target_value(&ev);
                            draft.update(|d| d.status = ItemStatus::from_key(&v).unwrap_or_default());
                        }>
                        {ItemStatus::ALL.iter().map(|s| view! { <option value=s.key()>{s.label()}</option> }).collect_view()}
                    </select>
                    <p class="field-error" aria-live="polite">{error_of("status")}</p>
                </div>
                {conflict_slot(clause, "justification", conflicted, draft)}
                <Show when=move || draft.with(|d| d.status == ItemStatus::NotApplicable)>
                    <div class="field" class:has-error=move || error_of("justification")().is_some()>
                        <label for="item-justification">"Why it does not apply"</label>
                        <textarea id="item-justification" rows="3"
                            aria-invalid=move || error_of("justification")().map(|_| "true")
                            aria-describedby="item-justification-error"
                            prop:value=move || draft.with(|d| d.justification.clone())
                            on:input=move |ev| draft.update(|d| d.justification = event_target_value(&ev))></textarea>
                        <p class="field-error" id="item-justification-error" aria-live="polite">{error_of("justification")}</p>
                    </div>
                </Show>
                {conflict_slot(clause, "owner", conflicted, draft)}
                <div class="field">
                    <label for="item-owner">"Owner " <span class="optional">"(optional)"</span></label>
                    <input id="item-owner" type="text" maxlength="100"
                        prop:value=move || draft.with(|d| d.owner.clone())
                        on:input=move |ev| draft.update(|d| d.owner = event_target_value(&ev)) />
                    <p class="field-error" aria-live="polite">{error_of("owner")}</p>
                </div>
                {conflict_slot(clause, "notes", conflicted, draft)}
                <div class="field">
                    <label for="item-notes">"Notes " <span class="optional">"(optional)"</span></label>
                    <p class="hint" id="item-notes-hint">"Plain text with simple Markdown: **bold**, *italic*, lists with -, links like [title](https://…)."</p>
                    <textarea id="item-notes" rows="5" aria-describedby="item-notes-hint"
                        prop:value=move || draft.with(|d| d.notes.clone())
                        on:input=move |ev| draft.update(|d| d.notes = event_target_value(&ev))></textarea>
                    <p class="field-error" aria-live="polite">{error_of("notes")}</p>
                    <Show when=move || draft.with(|d| !d.notes.trim().is_empty())>
                        <p class="hint">"Preview"</p>
                        <div class="notes-preview">
                            <Markdown source=Signal::derive(move || draft.with(|d| d.notes.clone())) />
                        </div>
                    </Show>
                </div>
                <div class="field">
                    <label for="item-evidence">"Evidence " <span class="optional">"(optional)"</span></label>
                    <ul class="chips evidence">
                        {move || draft.with(|d| d.evidence.clone()).into_iter().map(|id| {
                            let (reg, label) = title_of(&id).map(|(d, t)| (d.singular, t)).unwrap_or(("record", "(missing record)".into()));
                            let remove = format!("Remove {label}");
                            let id2 = id.clone();
                            view! {
                                <li class="chip">
                                    <span class="muted">{format!("{reg}: ")}</span>
                                    <a href=Route::Record(id.clone()).href()>{label}</a>
                                    <button type="button" class="remove" aria-label=remove
                                        on:click=move |_| draft.update(|d| d.evidence.retain(|e| *e != id2))>"×"</button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    <select id="item-evidence" prop:value=""
                        on:change=move |ev| {
                            if let Some(id) = RecordId::parse(&event_target_value(&ev)) {
                                draft.update(|d| if !d.evidence.contains(&id) { d.evidence.push(id); sms_core::order::sort(&mut d.evidence); });
                            }
                            if let Some(sel) = ev.target().and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlSelectElement>(t).ok()) {
                                sel.set_value("");
                            }
                        }>
                        <option value="">"Add evidence…"</option>
                        {move || candidates.get().into_iter().map(|(name, recs)| view! {
                            <optgroup label=name>
                                {recs.into_iter().map(|(id, t)| view! { <option value=id>{t}</option> }).collect_view()}
                            </optgroup>
                        }).collect_view()}
                    </select>
                    <p class="field-error" aria-live="polite">{error_of("evidence")}</p>
                </div>
                <div class="buttons">
                    <button type="submit" class="primary">"Save item"</button>
                    <a class="button" href=Route::Checklist.href()>"Cancel"</a>
                </div>
            </form>
            <crate::attachments::Attachments on=sms_core::attachments::On::Item(clause) />
        </section>
    }
}

/// Takes changes others made to the open item into the page, like a
/// record's form does: untouched fields show the new value, fields the
/// person changed too are kept as typed, and the person is told either way.
fn take_in_item_changes(
    state: AppState,
    clause: &'static Clause,
    now: sms_core::checklist::ItemState,
    draft: RwSignal<sms_core::checklist::ItemState>,
    base: StoredValue<sms_core::checklist::ItemState>,
    conflicted: RwSignal<Vec<&'static str>>,
    others: RwSignal<Vec<String>>,
) {
    type Get = fn(&sms_core::checklist::ItemState) -> String;
    type Set = fn(&mut sms_core::checklist::ItemState, String);
    let fields: [(&'static str, Get, Set); 4] = [
        (
            "status",
            |s| s.status.key().to_owned(),
            |s, v| s.status = ItemStatus::from_key(&v).unwrap_or_default(),
        ),
        ("owner", |s| s.owner.clone(), |s, v| s.owner = v),
        ("notes", |s| s.notes.clone(), |s, v| s.notes = v),
        (
            "justification",
            |s| s.justification.clone(),
            |s, v| s.justification = v,
        ),
    ];
    let who = |field: &str| {
        Some(Query::ChecklistVersions {
            number: clause.number.to_owned(),
            field: field.to_owned(),
        })
    };
    let mut notes: Vec<crate::conflicts::Note> = Vec::new();
    for (field, get, set) in fields {
        let (new, saw) = (get(&now), base.with_value(get));
        if new == saw {
            continue;
        }
        let mine = draft.with_untracked(get);
        let label = sms_core::checklist::field_label(field);
        if mine == saw {
            draft.update(|d| set(d, new.clone()));
            notes.push((
                who(field),
                format!(
                    "{{who}} changed {label} while you were editing; the page shows the new value."
                ),
            ));
        } else if mine != new {
            notes.push((
                who(field),
                format!("{{who}} also changed {label} while you were editing. If you save, both values are kept as a conflict for you to choose from."),
            ));
        }
        base.update_value(|b| set(b, new));
    }
    // Evidence links are a set: take in what others added or removed.
    let saw = base.with_value(|b| b.evidence.clone());
    if now.evidence != saw {
        let added: Vec<RecordId> = now
            .evidence
            .iter()
            .filter(|e| !saw.contains(e))
            .cloned()
            .collect();
        let removed: Vec<RecordId> = saw
            .iter()
            .filter(|e| !now.evidence.contains(e))
            .cloned()
            .collect();
        draft.update(|d| {
            for e in &added {
                if !d.evidence.contains(e) {
                    d.evidence.push(e.clone());
                }
            }
            d.evidence.retain(|e| !removed.contains(e));
            sms_core::order::sort(&mut d.evidence);
        });
        base.update_value(|b| b.evidence = now.evidence.clone());
        notes.push((
            None,
            "Someone changed the evidence links while you were editing; the page shows them."
                .into(),
        ));
    }
    crate::conflicts::note_conflicts(conflicted, &now.conflicts);
    crate::conflicts::tell_who(state, others, notes);
}

/// Where the conflict box of `field` goes: shown while the field is
/// conflicted.
fn conflict_slot(
    clause: &'static Clause,
    field: &'static str,
    conflicted: RwSignal<Vec<&'static str>>,
    draft: RwSignal<sms_core::checklist::ItemState>,
) -> AnyView {
    (move || {
        conflicted
            .get()
            .contains(&field)
            .then(|| item_conflict_box(clause, field, draft))
    })
    .into_any()
}

/// Above a checklist field two people changed at once: each value with its
/// author and time, and "Keep this", written against what the page saw.
fn item_conflict_box(
    clause: &'static Clause,
    field: &'static str,
    draft: RwSignal<sms_core::checklist::ItemState>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let (versions, read_at) = crate::conflicts::read_versions(
        state,
        Query::ChecklistVersions {
            number: clause.number.to_owned(),
            field: field.to_owned(),
        },
    );
    let label = sms_core::checklist::field_label(field);
    let shown = move |v: &sms_core::FieldVersion| -> String {
        let text = v.value.as_ref().map(|x| x.to_draft()).unwrap_or_default();
        if field == "status" {
            ItemStatus::from_key(&text)
                .map(|s| s.label().to_owned())
                .unwrap_or(text)
        } else {
            text
        }
    };
    let keep = move |v: sms_core::FieldVersion| async move {
        let value = v.value.as_ref().map(|x| x.to_draft()).unwrap_or_default();
        let heads = read_at.get_value();
        state
            .change(Edit::ResolveChecklistField {
                number: clause.number.to_owned(),
                field: field.to_owned(),
                value: value.clone(),
                seen: heads.clone(),
            })
            .await
            .map_err(|e| e.to_string())?;
        draft.update(|d| match field {
            "status" => d.status = ItemStatus::from_key(&value).unwrap_or_default(),
            "owner" => d.owner = value.clone(),
            "notes" => d.notes = value.clone(),
            _ => d.justification = value.clone(),
        });
        Ok(())
    };
    crate::conflicts::versions_box(label, versions, shown, keep)
}
