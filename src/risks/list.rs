use leptos::{html, prelude::*};
use sms_core::{RecordId, Risk};

use super::Screen;
use crate::{platform, state::AppState};

#[component]
pub fn RiskList() -> impl IntoView {
    let state = expect_context::<AppState>();
    let screen = expect_context::<RwSignal<Screen>>();
    let notice = expect_context::<RwSignal<Option<String>>>();
    let risks = Memo::new(move |_| state.read(|wb| wb.risks()).unwrap_or_default());
    let to_delete = RwSignal::new(None::<(RecordId, String)>);
    let today = platform::now().date_naive();

    view! {
        <section aria-labelledby="risks-heading">
            <div class="section-head">
                <div>
                    <h2 id="risks-heading">"Risks and opportunities"</h2>
                    <p class="lede">
                        "Clause 6.1: what could help or harm the service management system and its services, how likely and how serious it is, and what you do about it."
                    </p>
                </div>
                <button
                    type="button"
                    class="primary"
                    on:click=move |_| {
                        notice.set(None);
                        screen.set(Screen::New)
                    }
                >
                    "Add risk"
                </button>
            </div>
            {move || notice.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
            <Show
                when=move || !risks.with(Vec::is_empty)
                fallback=|| {
                    view! {
                        <p class="empty">
                            "No risks yet. Use “Add risk” to record the first one."
                        </p>
                    }
                }
            >
                <p class="count">
                    {move || {
                        let n = risks.with(Vec::len);
                        if n == 1 { "1 risk".to_owned() } else { format!("{n} risks") }
                    }}
                </p>
                <table class="register">
                    <caption class="visually-hidden">"Risks and opportunities, most severe first"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Risk"</th>
                            <th scope="col">"Score"</th>
                            <th scope="col">"Owner"</th>
                            <th scope="col">"Treatment"</th>
                            <th scope="col">"Status"</th>
                            <th scope="col">"Review"</th>
                            <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        <For
                            each=move || risks.get()
                            key=|(id, r)| (id.clone(), r.clone())
                            children=move |(id, risk)| row(id, risk, today, screen, to_delete)
                        />
                    </tbody>
                </table>
            </Show>
        </section>
        <ConfirmDelete to_delete />
    }
}

fn row(
    id: RecordId,
    r: Risk,
    today: chrono::NaiveDate,
    screen: RwSignal<Screen>,
    to_delete: RwSignal<Option<(RecordId, String)>>,
) -> impl IntoView {
    let band = r.band();
    let overdue = r.review_overdue(today);
    let review = r
        .review_date
        .map(|d| d.format("%-d %b %Y").to_string())
        .unwrap_or_else(|| "—".into());
    let edit_id = id.clone();
    let title = r.title.clone();
    let row_id = id.to_string();
    view! {
        <tr data-risk-id=row_id>
            <td data-label="Risk" class="title-cell">
                <span class="risk-title">{r.title.clone()}</span>
            </td>
            <td data-label="Score">
                <span class=format!("score band-{}", band.label().to_lowercase())>
                    {r.score()} " " <span class="band-label">{band.label()}</span>
                </span>
                <span class="visually-hidden">
                    {format!(" (likelihood {}, impact {})", r.likelihood, r.impact)}
                </span>
            </td>
            <td data-label="Owner">{r.owner.clone()}</td>
            <td data-label="Treatment">{r.treatment.label()}</td>
            <td data-label="Status">{r.status.label()}</td>
            <td data-label="Review" class:overdue=overdue>
                {review}
                {overdue.then(|| view! { <span class="tag">" overdue"</span> })}
            </td>
            <td class="actions">
                <button
                    type="button"
                    aria-label=format!("Edit {}", r.title)
                    on:click=move |_| screen.set(Screen::Edit(edit_id.clone()))
                >
                    "Edit"
                </button>
                <button
                    type="button"
                    class="danger"
                    aria-label=format!("Delete {}", r.title)
                    on:click=move |_| to_delete.set(Some((id.clone(), title.clone())))
                >
                    "Delete"
                </button>
            </td>
        </tr>
    }
}

/// Asks before deleting; the person can back out with Escape or "Keep it".
#[component]
fn ConfirmDelete(to_delete: RwSignal<Option<(RecordId, String)>>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let notice = expect_context::<RwSignal<Option<String>>>();
    let dialog = NodeRef::<html::Dialog>::new();
    let error = RwSignal::new(None::<String>);

    Effect::new(move |_| {
        let Some(d) = dialog.get() else { return };
        if to_delete.get().is_some() {
            if !d.open() {
                let _ = d.show_modal();
            }
        } else if d.open() {
            d.close();
        }
    });

    let confirm = move |_| {
        let Some((id, title)) = to_delete.get_untracked() else {
            return;
        };
        match state.edit(|wb, ctx| wb.delete_risk(&id, ctx)) {
            Ok(()) => {
                notice.set(Some(format!("Deleted “{title}”.")));
                error.set(None);
                to_delete.set(None);
            }
            Err(e) => error.set(Some(format!("Could not delete: {e}."))),
        }
    };

    view! {
        <dialog
            node_ref=dialog
            class="confirm"
            aria-labelledby="confirm-delete-title"
            on:close=move |_| to_delete.set(None)
        >
            <h2 id="confirm-delete-title">"Delete this risk?"</h2>
            <p>
                {move || to_delete.get().map(|(_, t)| format!("“{t}” will be removed from the register."))}
            </p>
            {move || error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            <div class="buttons">
                <button type="button" class="danger" on:click=confirm>"Yes, delete"</button>
                <button type="button" autofocus on:click=move |_| to_delete.set(None)>"Keep it"</button>
            </div>
        </dialog>
    }
}
