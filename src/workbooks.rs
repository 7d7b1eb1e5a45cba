//! Workbooks kept in this browser: list, open, rename, delete, create an
//! empty one or a fresh copy of the demo.

use leptos::{prelude::*, task::spawn_local};
use sms_core::WorkbookId;

use crate::{
    confirm::ConfirmDialog,
    state::{AppState, SaveState},
};

#[component]
pub fn WorkbooksPage() -> impl IntoView {
    let state = expect_context::<AppState>();
    let open_id = state.summary(|s| s.id.clone());
    // The workbooks stored here, read again after a change to the list
    // (what was read last stays shown meanwhile).
    let list = RwSignal::new(None::<Result<Vec<(WorkbookId, String)>, String>>);
    let refetch = move || {
        spawn_local(async move {
            list.set(Some(match state.store() {
                Some(store) => store.workbooks().await.map_err(|e| e.to_string()),
                None => {
                    Err("This browser is not saving workbooks, so only the open one exists.".into())
                }
            }));
        })
    };
    refetch();
    let message = RwSignal::new(None::<String>);
    let new_name = RwSignal::new(String::new());
    let new_error = RwSignal::new(None::<String>);
    let rename_to = RwSignal::new(state.summary(|s| s.name.clone()).unwrap_or_default());
    // The name as the person saw it: the rename is written against it.
    let rename_seen = StoredValue::new(state.heads());
    let rename_msg = RwSignal::new(None::<(bool, String)>);
    let to_delete = RwSignal::new(None::<(WorkbookId, String)>);
    // Switching reloads the page: only when every change is on disk.
    let settled = move || state.save.get() == SaveState::Saved;

    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let name = new_name.get_untracked();
        if name.trim().is_empty() {
            new_error.set(Some("Enter a name for the new workbook.".into()));
            return;
        }
        new_error.set(None);
        spawn_local(async move {
            if let Err(e) = state.create_workbook(Some(name)).await {
                new_error.set(Some(format!("Could not create the workbook: {e}.")));
            }
        });
    };
    let demo = move |_| {
        spawn_local(async move {
            if let Err(e) = state.create_workbook(None).await {
                message.set(Some(format!("Could not create the demo workbook: {e}.")));
            }
        });
    };
    let rename = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        spawn_local(async move {
            match state
                .rename(&rename_to.get_untracked(), &rename_seen.get_value())
                .await
            {
                Ok(()) => {
                    rename_seen.set_value(state.heads());
                    rename_msg.set(Some((true, "Renamed.".into())));
                    refetch();
                }
                Err(e) => rename_msg.set(Some((false, format!("Could not rename: {e}.")))),
            }
        });
    };

    view! {
        <section aria-labelledby="workbooks-heading" class="form-page">
            <h2 id="workbooks-heading">"Workbooks"</h2>
            <p class="lede">"Each workbook is a separate service management system, kept in this browser."</p>
            {move || message.get().map(|m| view! { <p class="field-error" role="alert">{m}</p> })}
            {move || (!settled()).then(|| view! {
                <p class="hint">"Opening another workbook waits until every change is saved."</p>
            })}
            {move || {
                    let open_id = open_id.clone();
                    match list.get() {
                        None => view! { <p>"Reading the list of workbooks…"</p> }.into_any(),
                        Some(Ok(items)) => view! {
                            <ul class="workbook-list">
                                {items.into_iter().map(|(id, name)| {
                                    let is_open = open_id.as_ref() == Some(&id);
                                    let (id_open, id_del, name_del) = (id.clone(), id.clone(), name.clone());
                                    view! {
                                        <li class:current=is_open>
                                            <span class="wb-name">{name.clone()}</span>
                                            {if is_open {
                                                view! { <span class="chip">"Open now"</span> }.into_any()
                                            } else {
                                                view! {
                                                    <button type="button" disabled=move || !settled()
                                                        aria-label=format!("Open {name}")
                                                        on:click=move |_| {
                                                            let id = id_open.clone();
                                                            spawn_local(async move {
                                                                if let Err(e) = state.open_workbook(id).await {
                                                                    message.set(Some(format!("Could not open it: {e}.")));
                                                                }
                                                            });
                                                        }>"Open"</button>
                                                }.into_any()
                                            }}
                                            <button type="button" class="danger" disabled=move || !settled()
                                                aria-label=format!("Delete {name_del}")
                                                on:click=move |_| to_delete.set(Some((id_del.clone(), name_del.clone())))>
                                                "Delete"
                                            </button>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Some(Err(e)) => view! { <p class="hint">{e}</p> }.into_any(),
                    }
                }}

            <crate::exchange::Exchange on_added=move |_| refetch() />
            <crate::live::ShareLive />

            <h3>"Rename this workbook"</h3>
            <form class="inline-form" on:submit=rename>
                <label for="rename-workbook">"Name"</label>
                <input id="rename-workbook" type="text" maxlength="120" prop:value=rename_to
                    on:input=move |ev| rename_to.set(event_target_value(&ev)) />
                <button type="submit">"Rename"</button>
            </form>
            {crate::display::said(rename_msg)}

            <h3>"Start another workbook"</h3>
            <form class="inline-form" on:submit=create>
                <label for="new-workbook">"Name of the new, empty workbook"</label>
                <input id="new-workbook" type="text" maxlength="120" prop:value=new_name
                    aria-describedby="new-workbook-error"
                    on:input=move |ev| new_name.set(event_target_value(&ev)) />
                <button type="submit" class="primary" disabled=move || !settled()>"Create workbook"</button>
                <p class="field-error" id="new-workbook-error" aria-live="polite">{move || new_error.get()}</p>
            </form>
            <p>
                <button type="button" disabled=move || !settled() on:click=demo>"Open a fresh copy of the demo workbook"</button>
            </p>
        </section>
        <ConfirmDeleteWorkbook to_delete />
    }
}

#[component]
fn ConfirmDeleteWorkbook(to_delete: RwSignal<Option<(WorkbookId, String)>>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let error = RwSignal::new(None::<String>);
    let confirm = move || {
        let Some((id, _)) = to_delete.get_untracked() else {
            return;
        };
        spawn_local(async move {
            match state.delete_workbook(id).await {
                Ok(()) => {
                    to_delete.set(None);
                    // The list is read afresh.
                    let _ = window().location().reload();
                }
                Err(e) => error.set(Some(format!("Could not delete: {e}."))),
            }
        });
    };
    view! {
        <ConfirmDialog
            open=Signal::derive(move || to_delete.with(Option::is_some))
            on_cancel=move || to_delete.set(None)
            on_confirm=confirm
            title="Delete this workbook?".to_owned()
            body=Signal::derive(move || {
                to_delete
                    .get()
                    .map(|(_, n)| format!("“{n}” and all its records will be removed from this browser. This cannot be undone; download a copy first if you may need it."))
                    .unwrap_or_default()
            })
            confirm_label="Yes, delete the workbook"
            error
        />
    }
}
