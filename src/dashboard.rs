//! The dashboard: readiness by clause, overdue reviews, open nonconformities
//! and corrective actions by age, the risk heat map, upcoming audits and
//! reviews. Every number leads to the records behind it.

use leptos::prelude::*;
use sms_core::{
    checklist::rollups,
    dashboard::{Aged, Dashboard, Dated, Subject, AGE_BANDS},
    registers, RecordId, ScoreBand,
};

use crate::{platform, route::Route, state::AppState};

fn dated_list(items: Vec<Dated>, empty: &'static str) -> AnyView {
    if items.is_empty() {
        return view! { <p class="empty">{empty}</p> }.into_any();
    }
    view! {
        <ul class="dash-list">
            {items.into_iter().map(|d| {
                let reg = registers::register(d.register).map_or("checklist item", |r| r.singular);
                let href = match d.subject {
                    Subject::Record(id) => Route::Record(id).href(),
                    Subject::Item(n) => Route::Item(n).href(),
                };
                view! {
                    <li>
                        <a href=href>{d.title}</a>
                        <span class="muted">{format!(" — {reg}, {} {}", d.what.to_lowercase(), sms_core::dates::short(d.date))}</span>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

fn aged_cell(items: &[Aged], band: (i64, i64), what: &'static str) -> impl IntoView {
    let inside: Vec<Aged> = Dashboard::in_band(items, band)
        .into_iter()
        .cloned()
        .collect();
    let n = inside.len();
    if n == 0 {
        return view! { <span class="zero">"0"</span> }.into_any();
    }
    view! {
        <details class="count-details">
            <summary aria-label=format!("{n} {what}")>{n}</summary>
            <ul>
                {inside.into_iter().map(|a| view! {
                    <li><a href=Route::Record(a.id).href()>{a.title}</a>{format!(" ({} days)", a.days)}</li>
                }).collect_view()}
            </ul>
        </details>
    }
    .into_any()
}

#[component]
pub fn DashboardPage() -> impl IntoView {
    let state = expect_context::<AppState>();
    let today = platform::now().date_naive();
    let data = Memo::new(move |_| {
        let mut d = state.index(|ix| Dashboard::compute(ix, today));
        state.summary(|s| d.add_items(&s.checklist, today));
        d
    });
    let readiness = Memo::new(move |_| {
        state
            .summary(|s| rollups(s.checklist.iter().map(|(c, s)| (*c, s.status))))
            .unwrap_or_default()
    });
    let cell = RwSignal::new(None::<(usize, usize)>);
    let cell_risks = Memo::new(move |_| {
        let Some((l, i)) = cell.get() else {
            return Vec::new();
        };
        let ids: Vec<RecordId> = data.with(|d| d.heat[l][i].clone());
        state.index(|ix| {
            ids.iter()
                .filter_map(|id| ix.title_of(id).map(|(_, t, _)| (id.clone(), t.to_owned())))
                .collect::<Vec<_>>()
        })
    });

    view! {
        <section aria-labelledby="dash-heading">
            <h2 id="dash-heading">"Dashboard"</h2>
            <p class="lede">{format!("Where the service management system stands today, {}.", sms_core::dates::long(today))}</p>
            <div class="cards">
                <article class="card" aria-labelledby="card-readiness">
                    <h3 id="card-readiness">"Readiness by clause"</h3>
                    <p>
                        <a class="big" href=Route::Checklist.href()>{move || format!("{}%", readiness.with(|(_, a)| a.readiness()))}</a>
                        " of applicable checklist items implemented or verified"
                    </p>
                    <table class="mini">
                        <caption class="visually-hidden">"Readiness by clause"</caption>
                        <tbody>
                            {move || readiness.with(|(per, _)| per.iter().map(|(c, r)| {
                                let pct = r.readiness();
                                view! {
                                    <tr>
                                        <th scope="row">{format!("{} {}", c.number, c.title)}</th>
                                        <td class="bar-cell">
                                            <div class="progress" role="img" aria-label=format!("{pct}% ready")>
                                                <div class="progress-fill" style:width=format!("{pct}%")></div>
                                            </div>
                                        </td>
                                        <td class="num">{format!("{pct}%")}</td>
                                    </tr>
                                }
                            }).collect_view())}
                        </tbody>
                    </table>
                </article>

                <article class="card" aria-labelledby="card-overdue">
                    <h3 id="card-overdue">
                        "Overdue reviews "
                        <span class="badge" data-testid="overdue-count">{move || data.with(|d| d.overdue.len())}</span>
                    </h3>
                    {move || dated_list(data.with(|d| d.overdue.clone()), "Nothing is overdue.")}
                </article>

                <article class="card" aria-labelledby="card-open">
                    <h3 id="card-open">"Open nonconformities and corrective actions, by age"</h3>
                    <table class="mini ages">
                        <thead>
                            <tr>
                                <th scope="col">"Open for"</th>
                                <th scope="col">"Nonconformities"</th>
                                <th scope="col">"Corrective actions"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {move || data.with(|d| AGE_BANDS.iter().map(|(label, lo, hi)| view! {
                                <tr>
                                    <th scope="row">{*label}</th>
                                    <td>{aged_cell(&d.open_nonconformities, (*lo, *hi), "nonconformities")}</td>
                                    <td>{aged_cell(&d.open_corrective_actions, (*lo, *hi), "corrective actions")}</td>
                                </tr>
                            }).collect_view())}
                        </tbody>
                    </table>
                </article>

                <article class="card" aria-labelledby="card-heat">
                    <h3 id="card-heat">"Risk heat map"</h3>
                    <p class="muted">"Open risks by likelihood and impact. Choose a number to see the risks."</p>
                    <table class="heat">
                        <caption class="visually-hidden">"Number of open risks by likelihood (rows) and impact (columns)"</caption>
                        <thead>
                            <tr>
                                <td></td>
                                {(1..=5).map(|i| view! { <th scope="col">{format!("Impact {i}")}</th> }).collect_view()}
                            </tr>
                        </thead>
                        <tbody>
                            {move || data.with(|d| (0..5).rev().map(|l| view! {
                                <tr>
                                    <th scope="row">{format!("Likelihood {}", l + 1)}</th>
                                    {(0..5).map(|i| {
                                        let n = d.heat[l][i].len();
                                        let band = ScoreBand::of(((l + 1) * (i + 1)) as u8).label().to_lowercase();
                                        view! {
                                            <td class=format!("heat-{band}")>
                                                {if n == 0 {
                                                    view! { <span class="zero" aria-label="none">"·"</span> }.into_any()
                                                } else {
                                                    view! {
                                                        <button type="button" class="heat-count"
                                                            aria-pressed=move || (cell.get() == Some((l, i))).to_string()
                                                            aria-label=format!("{n} risks with likelihood {} and impact {}", l + 1, i + 1)
                                                            on:click=move |_| cell.update(|c| *c = if *c == Some((l, i)) { None } else { Some((l, i)) })>
                                                            {n}
                                                        </button>
                                                    }.into_any()
                                                }}
                                            </td>
                                        }
                                    }).collect_view()}
                                </tr>
                            }).collect_view())}
                        </tbody>
                    </table>
                    {move || cell.get().is_some().then(|| view! {
                        <ul class="dash-list" aria-live="polite">
                            {move || cell_risks.get().into_iter().map(|(id, t)| view! {
                                <li><a href=Route::Record(id).href()>{t}</a></li>
                            }).collect_view()}
                        </ul>
                    })}
                </article>

                <article class="card" aria-labelledby="card-upcoming">
                    <h3 id="card-upcoming">"Upcoming audits and reviews"</h3>
                    {move || dated_list(data.with(|d| d.upcoming.clone()), "No audit or management review in the next 90 days.")}
                </article>
            </div>
        </section>
    }
}
