//! Reports people print or save as PDF: compliance status, management review
//! pack, service report, internal audit report, with charts. Each is drawn
//! from `sms_core::reports` and prints with the workbook's name, the date
//! and page numbers on every page.

use chrono::{Datelike, NaiveDate};
use leptos::prelude::*;
use sms_core::{
    reports::{self, Report},
    RecordId,
};
use wasm_bindgen::JsCast;

use crate::{charts, platform, route::Route, state::AppState};

#[component]
pub fn ReportsPage() -> impl IntoView {
    view! {
        <section aria-labelledby="reports-heading">
            <h2 id="reports-heading">"Reports"</h2>
            <p class="lede">"Complete reports drawn from this workbook, ready to print or save as PDF (choose “Save as PDF” in the print dialog)."</p>
            <ul class="report-list">
                {reports::KINDS.iter().map(|(key, title, about)| view! {
                    <li>
                        <a href=Route::Report(key).href()>{*title}</a>
                        <p class="hint">{*about}</p>
                    </li>
                }).collect_view()}
            </ul>
        </section>
    }
}

/// The evidence pack download: a zip with a folder per checklist item
/// holding its files and its evidence records' files, and an index.
fn evidence_pack() -> impl IntoView {
    let state = expect_context::<AppState>();
    let said = RwSignal::new(None::<(bool, String)>);
    let busy = RwSignal::new(false);
    let download = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        said.set(Some((true, "Preparing the evidence pack…".into())));
        leptos::task::spawn_local(async move {
            let name = state
                .summary_untracked(|s| s.name.clone())
                .unwrap_or_default();
            let file = sms_core::exchange::export_name(
                &format!("{name} evidence pack"),
                "zip",
                platform::now().date_naive(),
            );
            let result = crate::carry::pack(state)
                .await
                .map_err(|e| e.to_string())
                .and_then(|w| crate::exchange::save_bytes(&file, &w.bytes).map(|()| w));
            busy.set(false);
            said.set(Some(match result {
                Ok(w) => {
                    let mut words = format!(
                        "Downloaded “{file}”, with {}.",
                        crate::carry::files(w.carried)
                    );
                    if w.missing > 0 {
                        words.push_str(&format!(
                            " Not on this device, so in the index only: {}.",
                            crate::carry::files(w.missing)
                        ));
                    }
                    (true, words)
                }
                Err(e) => (false, format!("Could not make the evidence pack: {e}.")),
            }));
        });
    };
    view! {
        <button type="button" on:click=download aria-disabled=move || busy.get().to_string()>
            "Download the evidence pack"
        </button>
        {crate::display::said(said)}
    }
}

/// Puts the workbook's name and today's date at the top of printed pages
/// (a CSS `@page` rule set through the CSS object model, which the
/// Content-Security-Policy allows, unlike an inline style).
pub fn set_print_header(text: &str) {
    let Some(sheet) = document()
        .style_sheets()
        .get(0)
        .and_then(|s| s.dyn_into::<web_sys::CssStyleSheet>().ok())
    else {
        return;
    };
    let escaped: String = text
        .chars()
        .filter(|c| !c.is_control())
        .flat_map(|c| match c {
            '"' => vec!['\\', '"'],
            '\\' => vec!['\\', '\\'],
            c => vec![c],
        })
        .collect();
    // Replace an earlier header rule, if any: ours is always the last rule,
    // and the only one with a top-left box.
    if let Ok(rules) = sheet.css_rules() {
        let n = rules.length();
        if n > 0 {
            if let Some(last) = rules.get(n - 1) {
                if last.css_text().contains("@top-left") {
                    let _ = sheet.delete_rule(n - 1);
                }
            }
        }
    }
    let n = sheet.css_rules().map(|r| r.length()).unwrap_or(0);
    let rule =
        format!("@page {{ @top-left {{ content: \"{escaped}\"; font-size: 9pt; color: #333; }} }}");
    let _ = sheet.insert_rule_with_index(&rule, n);
}

fn report_view(r: Report, prelude: AnyView) -> impl IntoView {
    view! {
        <article class="report">
            <header class="report-head">
                <h2>{r.title}</h2>
                <p class="lede">{r.subtitle}</p>
            </header>
            {prelude}
            {r.sections.into_iter().map(|s| view! {
                <section class="report-section">
                    <h3>{s.heading}</h3>
                    {(!s.facts.is_empty()).then(|| view! {
                        <dl class="facts">
                            {s.facts.into_iter().map(|(k, v)| view! { <div><dt>{k}</dt><dd>{v}</dd></div> }).collect_view()}
                        </dl>
                    })}
                    {s.tables.into_iter().map(|t| {
                        if t.rows.is_empty() {
                            view! { <p class="empty"><strong>{t.caption}": "</strong>{t.empty}</p> }.into_any()
                        } else {
                            view! {
                                <table class="register report-table">
                                    <caption>{t.caption}</caption>
                                    <thead><tr>{t.columns.into_iter().map(|c| view! { <th scope="col">{c}</th> }).collect_view()}</tr></thead>
                                    <tbody>
                                        {t.rows.into_iter().map(|row| {
                                            let id = row.id;
                                            view! {
                                                <tr>
                                                    {row.cells.into_iter().enumerate().map(|(i, c)| match (&id, i) {
                                                        (Some(id), 0) => view! { <td><a href=Route::Record(id.clone()).href()>{c}</a></td> }.into_any(),
                                                        _ => view! { <td>{c}</td> }.into_any(),
                                                    }).collect_view()}
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            }.into_any()
                        }
                    }).collect_view()}
                    {s.notes_space.then(|| view! {
                        <div class="notes-space" aria-hidden="true">
                            {(0..8).map(|_| view! { <div class="line"></div> }).collect_view()}
                        </div>
                    })}
                </section>
            }).collect_view()}
        </article>
    }
}

fn quarter_start(d: NaiveDate) -> NaiveDate {
    let m = (d.month0() / 3) * 3 + 1;
    NaiveDate::from_ymd_opt(d.year(), m, 1).unwrap_or(d)
}

#[component]
pub fn ReportPage(kind: &'static str) -> impl IntoView {
    let state = expect_context::<AppState>();
    let today = platform::now().date_naive();
    let title = reports::KINDS
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map(|(_, t, _)| *t)
        .unwrap_or("Report");
    Effect::new(move |_| {
        let name = state.summary(|s| s.name.clone()).unwrap_or_default();
        set_print_header(&format!(
            "{name} · {title} · printed {}",
            reports::long_date(today)
        ));
    });
    // Period and subject, where the report needs them.
    let from = RwSignal::new(match kind {
        "review" => today - chrono::Days::new(365),
        _ => quarter_start(today),
    });
    let to = RwSignal::new(today);
    let services = Memo::new(move |_| {
        state.index(|ix| {
            let mut v: Vec<(RecordId, String)> = ix
                .live("service")
                .map(|e| (e.id.clone(), e.title().to_owned()))
                .collect();
            sms_core::order::sort_by(&mut v, |a, b| a.1.cmp(&b.1));
            v
        })
    });
    let audits = Memo::new(move |_| {
        state.index(|ix| {
            let mut v: Vec<(RecordId, String)> = ix
                .live("audit")
                .map(|e| (e.id.clone(), e.title().to_owned()))
                .collect();
            sms_core::order::sort_by(&mut v, |a, b| a.1.cmp(&b.1));
            v
        })
    });
    let subject = RwSignal::new(None::<RecordId>);
    Effect::new(move |_| {
        if subject.get_untracked().is_none() {
            let first = match kind {
                "service" => services.with(|s| s.first().map(|x| x.0.clone())),
                "audit" => audits.with(|s| s.first().map(|x| x.0.clone())),
                _ => None,
            };
            subject.set(first);
        }
    });

    let date_input = move |label: &'static str, id: &'static str, sig: RwSignal<NaiveDate>| {
        view! {
            <label for=id>{label}</label>
            <input
                id=id
                type="date"
                prop:value=move || sms_core::dates::iso(sig.get())
                on:change=move |ev| {
                    if let Some(d) = sms_core::dates::parse_iso(&event_target_value(&ev)) {
                        sig.set(d);
                    }
                }
            />
        }
    };
    let choose = move |label: &'static str, options: Memo<Vec<(RecordId, String)>>| {
        view! {
            <label for="report-subject">{label}</label>
            <select
                id="report-subject"
                prop:value=move || subject.get().map(|s| s.to_string()).unwrap_or_default()
                on:change=move |ev| subject.set(RecordId::parse(&event_target_value(&ev)))
            >
                {move || options.get().into_iter().map(|(id, t)| view! { <option value=id.to_string()>{t}</option> }).collect_view()}
            </select>
        }
    };
    let controls = match kind {
        "review" => Some(view! { <div class="report-controls">{date_input("From", "report-from", from)}{date_input("To", "report-to", to)}</div> }.into_any()),
        "service" => Some(view! { <div class="report-controls">{choose("Service", services)}{date_input("From", "report-from", from)}{date_input("To", "report-to", to)}</div> }.into_any()),
        "audit" => Some(view! { <div class="report-controls">{choose("Audit", audits)}</div> }.into_any()),
        _ => None,
    };

    let body = move || {
        state.revision.track();
        let (f, t, s) = (from.get(), to.get(), subject.get());
        state
            .summary_untracked(|summary| {
                state.index_untracked(|ix| -> Option<AnyView> {
                    let charts = reports::charts(summary, ix, today);
                    Some(match kind {
                        "compliance" => report_view(
                            reports::compliance(summary, ix),
                            view! { <div class="charts">{charts::checklist_progress(&charts)}</div> }.into_any(),
                        )
                        .into_any(),
                        "review" => report_view(
                            reports::review_pack(ix, f, t),
                            view! {
                                <div class="charts">
                                    {charts::heat_map("inherent", "Risks before treatment (inherent)", &charts.inherent)}
                                    {charts::heat_map("residual", "Risks after treatment (residual)", &charts.residual)}
                                    {charts::sla_by_month(&charts)}
                                    {charts::incidents_by_month(&charts)}
                                    {charts::nc_ages(&charts)}
                                </div>
                            }
                            .into_any(),
                        )
                        .into_any(),
                        "service" => report_view(reports::service_report(ix, &s?, f, t)?, ().into_any()).into_any(),
                        "audit" => report_view(reports::audit_report(ix, &s?)?, ().into_any()).into_any(),
                        _ => return None,
                    })
                })
            })
            .flatten()
            .unwrap_or_else(|| {
                view! { <p class="empty">"Nothing to report yet: add a record of this kind first."</p> }.into_any()
            })
    };

    view! {
        <section aria-labelledby="report-page-heading" class="report-page">
            <p class="breadcrumb"><a href=Route::Reports.href()>"Reports"</a></p>
            <h2 id="report-page-heading" class="visually-hidden">{title}</h2>
            <div class="report-actions">
                {controls}
                <button type="button" class="primary" on:click=move |_| { let _ = window().print(); }>"Print / Save as PDF"</button>
                {(kind == "compliance").then(evidence_pack)}
            </div>
            {body}
        </section>
    }
}
