//! The main pane: which page the current route shows.

use leptos::prelude::*;
use sms_core::{registers, RecordDraft};

use crate::register::{form, import, list, Notice};
use crate::{route::Route, state::AppState};

/// The main pane for the current route.
#[component]
pub fn Pages() -> impl IntoView {
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
