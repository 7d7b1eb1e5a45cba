use leptos::prelude::*;
use sms_core::{risk, RecordId, RiskDraft, RiskField, RiskStatus, ScoreBand, Treatment};

use super::Screen;
use crate::state::AppState;

const LIKELIHOOD: [&str; 5] = ["Rare", "Unlikely", "Possible", "Likely", "Almost certain"];
const IMPACT: [&str; 5] = ["Negligible", "Minor", "Moderate", "Major", "Severe"];

enum Control {
    Text(usize),
    LongText(usize),
    Select(Vec<(String, String)>),
    Date,
}

fn rating_options(words: [&str; 5]) -> Vec<(String, String)> {
    words
        .iter()
        .enumerate()
        .map(|(i, w)| ((i + 1).to_string(), format!("{} — {w}", i + 1)))
        .collect()
}

/// Add or edit one risk. Nothing is stored until every field is valid.
#[component]
pub fn RiskForm(editing: Option<RecordId>, initial: RiskDraft) -> impl IntoView {
    let state = expect_context::<AppState>();
    let screen = expect_context::<RwSignal<Screen>>();
    let notice = expect_context::<RwSignal<Option<String>>>();
    let draft = RwSignal::new(initial);
    // Errors show after the first attempt to save, then follow every keystroke.
    let tried = RwSignal::new(false);
    let save_error = RwSignal::new(None::<String>);
    let is_new = editing.is_none();

    let score = move || {
        draft.with(|d| {
            let l = d.likelihood.parse::<u8>().ok()?;
            let i = d.impact.parse::<u8>().ok()?;
            ((1..=5).contains(&l) && (1..=5).contains(&i)).then(|| l * i)
        })
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        tried.set(true);
        let risk = match draft.get_untracked().validate() {
            Ok(r) => r,
            Err(errors) => {
                // Take the person to the first field that needs attention.
                if let Some(first) = errors.first() {
                    focus(&control_id(first.field));
                }
                return;
            }
        };
        let result = match &editing {
            None => {
                let id = crate::platform::new_record_id();
                state.edit(|wb, ctx| wb.add_risk(&id, &risk, ctx))
            }
            Some(id) => state.edit(|wb, ctx| wb.update_risk(id, &risk, ctx).map(|_| ())),
        };
        match result {
            Ok(()) => {
                notice.set(Some(if is_new {
                    format!("Added “{}”.", risk.title)
                } else {
                    format!("Saved changes to “{}”.", risk.title)
                }));
                screen.set(Screen::List);
            }
            Err(e) => save_error.set(Some(format!("Could not save: {e}."))),
        }
    };

    // Start at the top of the form, in its first field.
    Effect::new(move |_| {
        window().scroll_to_with_x_and_y(0.0, 0.0);
        focus(&control_id(RiskField::Title));
    });

    let field = move |f: RiskField, control: Control, hint: Option<&'static str>| {
        field_view(f, control, hint, draft, tried)
    };

    view! {
        <section aria-labelledby="risk-form-heading" class="form-page">
            <h2 id="risk-form-heading">{if is_new { "Add a risk" } else { "Edit risk" }}</h2>
            <form class="record-form" on:submit=submit novalidate>
                {field(RiskField::Title, Control::Text(risk::TITLE_MAX), None)}
                {field(
                    RiskField::Description,
                    Control::LongText(risk::DESCRIPTION_MAX),
                    Some("What could happen, why, and what it would affect."),
                )}
                <div class="pair">
                    {field(RiskField::Likelihood, Control::Select(rating_options(LIKELIHOOD)), None)}
                    {field(RiskField::Impact, Control::Select(rating_options(IMPACT)), None)}
                </div>
                <p class="score-preview" aria-live="polite">
                    {move || match score() {
                        Some(s) => format!("Score {s} of 25 — {}", ScoreBand::of(s).label()),
                        None => "Score appears when likelihood and impact are chosen".into(),
                    }}
                </p>
                {field(RiskField::Owner, Control::Text(risk::OWNER_MAX), Some("The person accountable for this risk."))}
                <div class="pair">
                    {field(
                        RiskField::Treatment,
                        Control::Select(
                            Treatment::ALL.iter().map(|t| (t.key().into(), t.label().into())).collect(),
                        ),
                        None,
                    )}
                    {field(
                        RiskField::Status,
                        Control::Select(
                            RiskStatus::ALL.iter().map(|s| (s.key().into(), s.label().into())).collect(),
                        ),
                        None,
                    )}
                </div>
                {field(RiskField::ReviewDate, Control::Date, Some("When the risk is next reviewed."))}
                {move || save_error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
                <div class="buttons">
                    <button type="submit" class="primary">"Save risk"</button>
                    <button type="button" on:click=move |_| screen.set(Screen::List)>"Cancel"</button>
                </div>
            </form>
        </section>
    }
}

fn focus(id: &str) {
    use wasm_bindgen::JsCast;
    if let Some(el) = document()
        .get_element_by_id(id)
        .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}

fn control_id(f: RiskField) -> String {
    format!("risk-{}", f.key().replace('_', "-"))
}

fn field_view(
    f: RiskField,
    control: Control,
    hint: Option<&'static str>,
    draft: RwSignal<RiskDraft>,
    tried: RwSignal<bool>,
) -> impl IntoView {
    let id = control_id(f);
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let error = Memo::new(move |_| {
        if !tried.get() {
            return None;
        }
        draft.with(|d| d.field_error(f)).map(|e| e.message)
    });
    let value = move || draft.with(|d| d.get(f).to_owned());
    let set = move |v: String| draft.update(|d| d.set(f, v));
    let described_by = {
        let (error_id, hint_id) = (error_id.clone(), hint_id.clone());
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if error.with(Option::is_some) {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    let invalid = move || error.with(Option::is_some).then_some("true");
    let required = !matches!(f, RiskField::Description | RiskField::ReviewDate);

    let input = match control {
        Control::Text(max) => view! {
            <input
                id=id.clone()
                type="text"
                maxlength=max
                required=required
                aria-invalid=invalid
                aria-describedby=described_by
                prop:value=value
                on:input=move |ev| set(event_target_value(&ev))
            />
        }
        .into_any(),
        Control::LongText(max) => view! {
            <textarea
                id=id.clone()
                rows="4"
                maxlength=max
                aria-invalid=invalid
                aria-describedby=described_by
                prop:value=value
                on:input=move |ev| set(event_target_value(&ev))
            ></textarea>
        }
        .into_any(),
        Control::Select(options) => view! {
            <select
                id=id.clone()
                aria-invalid=invalid
                aria-describedby=described_by
                prop:value=value
                on:change=move |ev| set(event_target_value(&ev))
            >
                {options
                    .into_iter()
                    .map(|(k, label)| {
                        let selected = value() == k;
                        view! { <option value=k selected=selected>{label}</option> }
                    })
                    .collect_view()}
            </select>
        }
        .into_any(),
        Control::Date => view! {
            <input
                id=id.clone()
                type="date"
                aria-invalid=invalid
                aria-describedby=described_by
                prop:value=value
                on:input=move |ev| set(event_target_value(&ev))
            />
        }
        .into_any(),
    };

    view! {
        <div class="field" class:has-error=move || error.with(Option::is_some)>
            <label for=id.clone()>
                {f.label()}
                {(!required).then(|| view! { <span class="optional">" (optional)"</span> })}
            </label>
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{h}</p> })}
            {input}
            <p class="field-error" id=error_id.clone() aria-live="polite">
                {move || error.get()}
            </p>
        </div>
    }
}
