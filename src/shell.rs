//! The frame around every screen: header (workbook name, save state, who is
//! editing), the sidebar of SMS areas, and the main pane.

use leptos::prelude::*;

use sms_core::{
    catalogue,
    registers::{self, RegisterDef},
};

use crate::{
    route::Route,
    state::{AppState, SaveState},
};

#[component]
pub fn Shell(children: Children) -> impl IntoView {
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <Header />
        <SaveBanner />
        <ReportBanner />
        <crate::pwa::UpdateBanner />
        <div class="layout">
            <Sidebar />
            <main id="main" tabindex="-1">
                {children()}
            </main>
        </div>
    }
}

#[component]
fn Header() -> impl IntoView {
    let state = expect_context::<AppState>();
    let name = move || state.summary(|s| s.name.clone()).unwrap_or_default();
    view! {
        <header class="topbar">
            <span class="brand" aria-hidden="true">"SMS Workbook"</span>
            <h1 class="workbook-name">{name}</h1>
            <SaveIndicator />
            <crate::history::UndoButton />
            <crate::conflicts::ConflictBadge />
            <crate::live::LiveBadge />
            <crate::pwa::ConnectivityBadge />
            <crate::pwa::StorageStatus />
            <Author />
        </header>
    }
}

#[component]
fn SaveIndicator() -> impl IntoView {
    let state = expect_context::<AppState>();
    let label = move || match state.save.get() {
        _ if state.opening.get() => ("opening", "Opening the whole workbook…"),
        SaveState::Opening => ("opening", "Opening…"),
        SaveState::Saved => ("saved", "Saved"),
        SaveState::Saving => ("saving", "Saving…"),
        SaveState::Failed(_) => ("error", "Not saved"),
        SaveState::NotSaving(_) => ("error", "Not saving"),
    };
    view! {
        <p role="status" aria-live="polite" class=move || format!("save-state {}", label().0)>
            {move || label().1}
        </p>
    }
}

/// Says in words why work is not being saved, with a way to retry.
#[component]
fn SaveBanner() -> impl IntoView {
    let state = expect_context::<AppState>();
    let message = move || match state.save.get() {
        SaveState::Failed(m) => Some((m, true)),
        SaveState::NotSaving(m) => Some((m, false)),
        _ => None,
    };
    move || {
        message().map(|(text, can_retry)| {
            view! {
                <div class="banner error" role="alert">
                    <p>{text}</p>
                    {can_retry.then(|| view! {
                        <button type="button" on:click=move |_| state.request_save()>
                            "Try again"
                        </button>
                    })}
                </div>
            }
        })
    }
}

/// Says in words that something from elsewhere was not applied, or that
/// the screen was read again, until the person dismisses it.
#[component]
fn ReportBanner() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        state.report.get().map(|text| {
            view! {
                <div class="banner warning" role="alert">
                    <p>{text}</p>
                    <button type="button" on:click=move |_| state.report.set(None)>"Dismiss"</button>
                </div>
            }
        })
    }
}

/// The display name that goes into every change.
#[component]
fn Author() -> impl IntoView {
    let state = expect_context::<AppState>();
    let draft = RwSignal::new(String::new());
    let open = RwSignal::new(false);
    let note = RwSignal::new(None::<&'static str>);
    let summary = move || {
        let a = state.author.get();
        if a.is_empty() {
            "Set your name".to_owned()
        } else {
            format!("You: {a}")
        }
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let remembered = state.set_author(&draft.get_untracked());
        note.set((!remembered).then_some(
            "This browser would not remember your name; it is used until you close the tab.",
        ));
        open.set(false);
    };
    view! {
        <details
            class="author"
            prop:open=open
            on:toggle=move |ev| open.set(event_target::<web_sys::HtmlDetailsElement>(&ev).open())
        >
            // Fill the field when opening, in the click itself: the toggle
            // event comes later, after the person may have typed already.
            <summary on:click=move |_| {
                if !open.get_untracked() {
                    draft.set(state.author.get_untracked());
                }
            }>{summary}</summary>
            <form class="author-form" on:submit=save>
                <label for="author-name">"Your name, shown on your changes"</label>
                <input
                    id="author-name"
                    type="text"
                    maxlength="80"
                    autocomplete="name"
                    prop:value=draft
                    on:input=move |ev| draft.set(event_target_value(&ev))
                />
                <button type="submit">"Save name"</button>
            </form>
        </details>
        {move || note.get().map(|n| view! { <p class="hint" role="status">{n}</p> })}
    }
}

#[component]
fn Sidebar() -> impl IntoView {
    let route = expect_context::<RwSignal<crate::route::Route>>();
    let current = move || match route.get() {
        Route::List(r) | Route::New(r) | Route::Deleted(r) | Route::Import(r) => Some(r),
        Route::Record(id) => expect_context::<AppState>().index(|ix| ix.get(&id).map(|e| e.def.id)),
        Route::Checklist | Route::Item(_) => Some("checklist"),
        Route::Dashboard => Some("dashboard"),
        Route::Workbooks => Some("workbooks"),
        Route::Conflicts => None,
        Route::Activity => Some("activity"),
        Route::Join(_) => Some("workbooks"),
        Route::Reports | Route::Report(_) => Some("reports"),
    };
    let groups = catalogue::top_level().map(|clause| {
        let regs: Vec<&'static RegisterDef> = registers::REGISTERS
            .iter()
            .filter(|d| d.clause_group() == clause.number)
            .collect();
        view! {
            <li>
                <h2 class="sidebar-heading">{format!("{} {}", clause.number, clause.title)}</h2>
                <ul>
                    {regs
                        .into_iter()
                        .map(|d| {
                            let is_current = move || (current() == Some(d.id)).then_some("page");
                            view! {
                                <li>
                                    <a class="register-link" href=Route::List(d.id).href() aria-current=is_current>
                                        <span class="clause">{d.clause}</span>
                                        " "
                                        {d.name}
                                    </a>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </li>
        }
    });
    let wide = window()
        .inner_width()
        .ok()
        .and_then(|w| w.as_f64())
        .is_none_or(|w| w > 768.0);
    view! {
        <nav class="sidebar" aria-label="Workbook areas">
            // Open beside the content on wide screens; folded above it on phones.
            <details class="sidebar-toggle" prop:open=wide>
                <summary>"Areas of the workbook"</summary>
                <ul class="groups">
                    <li>
                        <ul>
                            <li>
                                <a
                                    href=Route::Dashboard.href()
                                    aria-current=move || (current() == Some("dashboard")).then_some("page")
                                >
                                    "Dashboard"
                                </a>
                            </li>
                            <li>
                                <a
                                    href=Route::Workbooks.href()
                                    aria-current=move || (current() == Some("workbooks")).then_some("page")
                                >
                                    "Workbooks"
                                </a>
                            </li>
                            <li>
                                <a
                                    href=Route::Checklist.href()
                                    aria-current=move || (current() == Some("checklist")).then_some("page")
                                >
                                    "Compliance checklist"
                                </a>
                            </li>
                            <li>
                                <a
                                    href=Route::Reports.href()
                                    aria-current=move || (current() == Some("reports")).then_some("page")
                                >
                                    "Reports"
                                </a>
                            </li>
                            <li>
                                <a
                                    href=Route::Activity.href()
                                    aria-current=move || (current() == Some("activity")).then_some("page")
                                >
                                    "Activity"
                                </a>
                            </li>
                        </ul>
                    </li>
                    {groups.collect_view()}
                </ul>
            </details>
        </nav>
    }
}
