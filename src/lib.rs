//! SMS Workbook, the browser app: a thin Leptos layer over `sms_core`.
//!
//! - `state`: the open workbook, its save state and the save pipeline.
//! - `idb`: the IndexedDB adapter (the only module that touches IndexedDB).
//! - `platform`: randomness, clock and display name from the browser.
//! - `shell`: header, save indicator, sidebar; `route`: hash routes.
//! - `register`: every register's list and form, generated from its declaration.

mod activity;
mod attachments;
mod carry;
mod charts;
mod checklist;
mod confirm;
mod conflicts;
mod dashboard;
mod demo;
mod display;
mod doc;
mod exchange;
mod file_worker;
mod history;
pub mod idb;
mod keep;
mod live;
mod markdown;
mod pages;
pub mod platform;
mod pwa;
mod register;
mod reports;
mod route;
mod share_link;
mod shell;
pub mod state;
mod workbooks;
mod worker;
mod xlsx;

use leptos::prelude::*;
use state::{AppState, Phase, SaveState};

#[component]
fn App() -> impl IntoView {
    let state = AppState::new();
    provide_context(state);
    let live = live::Live::new();
    provide_context(live);
    let route = route::provide_route();
    leptos::task::spawn_local(state.boot());

    // Every change of the workbook (made here, in another tab, merged from
    // a file) is offered to the live room, if the workbook is shared.
    Effect::new(move |_| {
        state.revision.track();
        live.flush(state);
    });

    // Lets people and tests know the workbook is on screen.
    let resumed = StoredValue::new(false);
    Effect::new(move |_| {
        if state.phase.get() == Phase::Ready {
            if !resumed.get_value() {
                resumed.set_value(true);
                live.resume(state);
            }
            if let Some(body) = document().body() {
                let _ = body.set_attribute("data-ready", "true");
            }
        }
    });

    // A workbook shown from its stored view loads its document once the
    // person opens something they may edit (a record, a checklist item, a
    // report), after that page is on screen, rather than when they save.
    Effect::new(move |_| {
        let r = route.get();
        if state.phase.get() == Phase::Ready
            && !matches!(
                r,
                route::Route::List(_)
                    | route::Route::Deleted(_)
                    | route::Route::Dashboard
                    | route::Route::Checklist
                    | route::Route::Workbooks
            )
        {
            state.preload();
        }
    });

    // Warn before leaving while a change is not yet on disk.
    let _ = window_event_listener(leptos::ev::beforeunload, move |ev| {
        if matches!(
            state.save.get_untracked(),
            SaveState::Saving | SaveState::Failed(_)
        ) {
            ev.prevent_default();
        }
    });

    view! {
        <shell::Shell>
            <Show
                when=move || state.phase.get() == Phase::Ready
                fallback=|| view! { <p class="loading">"Opening your workbook…"</p> }
            >
                <pages::Pages />
            </Show>
        </shell::Shell>
    }
}

/// Mounts the app on the page.
pub fn start() {
    mount_to_body(App);
}
