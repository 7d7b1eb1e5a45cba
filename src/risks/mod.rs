//! The risk and opportunity register (clause 6.1): list, form, delete.

mod form;
mod list;

use leptos::prelude::*;
use sms_core::{RecordId, RiskDraft};

/// Which view of the register is on screen.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Screen {
    List,
    New,
    Edit(RecordId),
}

#[component]
pub fn RiskRegister() -> impl IntoView {
    let screen = RwSignal::new(Screen::List);
    // After a save, a short confirmation is announced on the list.
    let notice = RwSignal::new(None::<String>);
    provide_context(screen);
    provide_context(notice);

    move || match screen.get() {
        Screen::List => list::RiskList().into_any(),
        Screen::New => {
            view! { <form::RiskForm editing=None initial=RiskDraft::new_risk() /> }.into_any()
        }
        Screen::Edit(id) => {
            let state = expect_context::<crate::state::AppState>();
            match state.read(|wb| wb.risk(&id)).flatten() {
                Some(r) => {
                    view! { <form::RiskForm editing=Some(id) initial=RiskDraft::from_risk(&r) /> }
                        .into_any()
                }
                None => {
                    notice.set(Some("That risk no longer exists.".into()));
                    screen.set(Screen::List);
                    ().into_any()
                }
            }
        }
    }
}
