//! The workbook's activity: every change, newest first, with who made it and
//! when — from this browser, other tabs and merged files alike.

use leptos::prelude::*;
use sms_core::engine::{Answer, Query};

use crate::{route::Route, state::AppState};

/// Changes shown at first and per "Show older changes".
const PAGE: usize = 100;

#[component]
pub fn ActivityPage() -> impl IntoView {
    let state = expect_context::<AppState>();
    let shown = RwSignal::new(PAGE);
    let history = state.answer(
        || Some(Query::History),
        |a| match a {
            Answer::History(h) => Some(h),
            _ => None,
        },
    );
    let changes = Memo::new(move |_| {
        let mut all = history.get().unwrap_or_default();
        all.reverse();
        all
    });
    let rows = move || {
        changes.with(|all| {
            all.iter()
                .take(shown.get())
                .map(|c| {
                    let when = c
                        .at()
                        .map(|t| sms_core::dates::short_minute(t.naive_utc()))
                        .unwrap_or_default();
                    let at = c.at().map(|t| t.to_rfc3339()).unwrap_or_default();
                    // A change of one record that still exists links to it.
                    let link = c
                        .only_record()
                        .filter(|id| state.index_untracked(|ix| ix.live_record(id).is_some()));
                    let what = match link {
                        Some(id) => {
                            view! { <a href=Route::Record(id).href()>{c.summary().to_owned()}</a> }
                                .into_any()
                        }
                        None => c.summary().to_owned().into_any(),
                    };
                    view! {
                        <tr>
                            <td><time datetime=at>{when}</time></td>
                            <td>{c.author().to_owned()}</td>
                            <td>{what}</td>
                        </tr>
                    }
                })
                .collect_view()
        })
    };
    view! {
        <section aria-labelledby="activity-heading">
            <h2 id="activity-heading">"Activity"</h2>
            <p class="lede">"Every change to this workbook, newest first: made here, in another tab, or merged from a colleague's file."</p>
            <p class="count">
                {move || {
                    if history.with(Option::is_none) {
                        return "Reading the changes…".to_owned();
                    }
                    let n = changes.with(Vec::len);
                    if n == 1 { "1 change".to_owned() } else { format!("{n} changes") }
                }}
            </p>
            <table class="register activity">
                <caption class="visually-hidden">"Changes, newest first"</caption>
                <thead>
                    <tr>
                        <th scope="col">"When"</th>
                        <th scope="col">"Who"</th>
                        <th scope="col">"What"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            <Show when=move || { changes.with(Vec::len) > shown.get() }>
                <p>
                    <button type="button" on:click=move |_| shown.update(|n| *n += PAGE)>
                        {move || format!("Show older changes ({} more)", changes.with(Vec::len) - shown.get())}
                    </button>
                </p>
            </Show>
        </section>
    }
}
