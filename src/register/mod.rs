//! Every register's screens, generated from its declaration in
//! `sms_core::registers`: list, form, deleted records.

mod display;
mod form;
mod import;
mod list;

use leptos::prelude::*;
use sms_core::{
    registers::{self, RegisterDef},
    RecordDraft, RecordId,
};

use crate::{confirm::ConfirmDialog, route::Route, state::AppState};

/// A value as it reads on screen, "(empty)" when there is none.
pub fn display_value(
    f: &'static registers::FieldDef,
    v: Option<&sms_core::Value>,
    ix: &sms_core::RecordIndex,
) -> String {
    let mut r = sms_core::Record::default();
    if let Some(v) = v {
        r.set(f.key, v.clone());
    }
    let t = display::text(f, &r, ix);
    if t.is_empty() {
        "(empty)".into()
    } else {
        t
    }
}

/// A one-line confirmation shown on the next screen ("Added …").
#[derive(Clone, Copy)]
pub struct Notice(pub RwSignal<Option<String>>);

/// The main pane for the current route.
#[component]
pub fn Registers() -> impl IntoView {
    let route = expect_context::<RwSignal<Route>>();
    let state = expect_context::<AppState>();
    provide_context(Notice(RwSignal::new(None)));

    let current = move || {
        state.reloads.track();
        route.get()
    };
    move || match current() {
        Route::Dashboard => view! { <crate::dashboard::DashboardPage /> }.into_any(),
        Route::Workbooks => view! { <crate::workbooks::WorkbooksPage /> }.into_any(),
        Route::Conflicts => view! { <crate::conflicts::ConflictsPage /> }.into_any(),
        Route::Activity => view! { <crate::activity::ActivityPage /> }.into_any(),
        Route::Reports => view! { <crate::reports::ReportsPage /> }.into_any(),
        Route::Report(kind) => view! { <crate::reports::ReportPage kind /> }.into_any(),
        Route::Join(invite) => view! { <crate::live::JoinPage invite /> }.into_any(),
        Route::Checklist => view! { <crate::checklist::ChecklistPage /> }.into_any(),
        Route::Item(n) => {
            let clause = sms_core::catalogue::clause(n).expect("routes name catalogue items");
            view! { <crate::checklist::ItemPage clause /> }.into_any()
        }
        Route::List(r) => {
            let def = registers::register(r).expect("routes name declared registers");
            view! { <list::RegisterList def /> }.into_any()
        }
        Route::Import(r) => {
            let def = registers::register(r).expect("declared");
            view! { <import::ImportPage def /> }.into_any()
        }
        Route::Deleted(r) => {
            let def = registers::register(r).expect("declared");
            view! { <list::DeletedList def /> }.into_any()
        }
        Route::New(r) => {
            let def = registers::register(r).expect("declared");
            view! { <form::RecordForm def editing=None initial=RecordDraft::new(def) /> }.into_any()
        }
        // Read once per route: a change elsewhere must not redraw a form
        // that is being filled in.
        Route::Record(id) => match state.index_untracked(|ix| ix.live_record(&id).cloned()) {
            Some(e) => {
                let def = e.def;
                let initial = RecordDraft::from_record(def, &e.record);
                view! { <form::RecordForm def editing=Some(id) initial /> }.into_any()
            }
            None => view! {
                <section>
                    <h2>"Record not found"</h2>
                    <p>"This record does not exist in this workbook, or it was deleted."</p>
                    <p><a href=crate::route::HOME.href()>"Go to the dashboard"</a></p>
                </section>
            }
            .into_any(),
        },
    }
}

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
        match state.edit(|wb, ctx| wb.delete_record(&id, ctx)) {
            Ok(()) => {
                notice.0.set(Some(format!(
                    "Deleted “{title}”. You can restore it from the deleted records."
                )));
                error.set(None);
                to_delete.set(None);
            }
            Err(e) => error.set(Some(format!("Could not delete: {e}."))),
        }
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
