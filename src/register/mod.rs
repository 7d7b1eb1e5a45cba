//! Every register's screens, generated from its declaration in
//! `sms_core::registers`: list, form, deleted records.

pub(crate) mod form;
pub(crate) mod import;
pub(crate) mod list;

use leptos::prelude::*;
use sms_core::{registers::RegisterDef, RecordId};

use crate::{confirm::ConfirmDialog, state::AppState};

/// A one-line confirmation shown on the next screen ("Added …").
#[derive(Clone, Copy)]
pub struct Notice(pub RwSignal<Option<String>>);

/// Asks before deleting a record.
#[component]
fn ConfirmDelete(
    def: &'static RegisterDef,
    to_delete: RwSignal<Option<(RecordId, String)>>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let notice = expect_context::<Notice>();
    let error = RwSignal::new(None::<String>);
    let confirm = move || {
        let Some((id, title)) = to_delete.get_untracked() else {
            return;
        };
        leptos::task::spawn_local(async move {
            match state
                .change(sms_core::engine::Edit::DeleteRecord { id })
                .await
            {
                Ok(_) => {
                    notice.0.set(Some(format!(
                        "Deleted “{title}”. You can restore it from the deleted records."
                    )));
                    error.set(None);
                    to_delete.set(None);
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
            title=format!("Delete this {}?", def.singular)
            body=Signal::derive(move || {
                to_delete
                    .get()
                    .map(|(_, t)| format!("“{t}” will be removed from {}. You can restore it later.", def.name.to_lowercase()))
                    .unwrap_or_default()
            })
            confirm_label="Yes, delete"
            error
        />
    }
}
