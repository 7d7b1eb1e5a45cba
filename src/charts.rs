//! Charts drawn as SVG from the workbook's figures (`sms_core::reports::
//! Charts`). Colours come from the stylesheet, so they follow dark mode and
//! print; every chart has a title, a description and a table with the same
//! figures as its text alternative.

use leptos::prelude::*;
use sms_core::{checklist::Rollup, reports::Charts, ScoreBand};

/// Bar length of the longest bar, in SVG units.
const BAR_W: f64 = 190.0;

fn chart_id(name: &str) -> String {
    format!("chart-{name}")
}

/// A horizontal bar per row; each bar has parts (value, CSS class).
fn bars(
    name: &'static str,
    title: String,
    desc: String,
    rows: Vec<(String, Vec<(usize, &'static str)>)>,
    legend: Vec<(&'static str, &'static str)>,
) -> impl IntoView {
    let max = rows
        .iter()
        .map(|(_, parts)| parts.iter().map(|(n, _)| n).sum::<usize>())
        .max()
        .unwrap_or(0)
        .max(1);
    let row_h = 22.0;
    let label_w = 125.0;
    let height = rows.len() as f64 * row_h + 4.0;
    let id = chart_id(name);
    let (t_id, d_id) = (format!("{id}-title"), format!("{id}-desc"));
    let labelled = format!("{t_id} {d_id}");
    let bars = rows
        .iter()
        .enumerate()
        .map(|(i, (label, parts))| {
            let y = i as f64 * row_h + 2.0;
            let mut x = label_w;
            let total: usize = parts.iter().map(|(n, _)| n).sum();
            let segs = parts
                .iter()
                .filter(|(n, _)| *n > 0)
                .map(|(n, class)| {
                    let w = *n as f64 / max as f64 * BAR_W;
                    let seg = view! { <rect class=*class x=x y=y width=w height=row_h - 6.0 rx="2" /> };
                    x += w;
                    seg
                })
                .collect_view();
            view! {
                <g>
                    <text class="chart-label" x=label_w - 6.0 y=y + 12.0 text-anchor="end">{label.clone()}</text>
                    {segs}
                    <text class="chart-value" x=x + 4.0 y=y + 12.0>{total}</text>
                </g>
            }
        })
        .collect_view();
    view! {
        <figure class="chart" id=id.clone()>
            <svg
                role="img"
                aria-labelledby=labelled
                viewBox=format!("0 0 {} {height}", label_w + BAR_W + 40.0)
                preserveAspectRatio="xMinYMin meet"
            >
                <title id=t_id>{title.clone()}</title>
                <desc id=d_id>{desc}</desc>
                {bars}
            </svg>
            <figcaption>
                {title.clone()}
                {(!legend.is_empty()).then(|| view! {
                    <span class="legend">
                        {legend.into_iter().map(|(class, label)| view! {
                            <span class="legend-item"><svg class="swatch" viewBox="0 0 10 10" aria-hidden="true"><rect class=class width="10" height="10" /></svg>{label}</span>
                        }).collect_view()}
                    </span>
                })}
            </figcaption>
            <details class="chart-data">
                <summary>"The figures"</summary>
                <table class="mini">
                    <caption class="visually-hidden">{title}</caption>
                    <tbody>
                        {rows.into_iter().map(|(label, parts)| view! {
                            <tr>
                                <th scope="row">{label}</th>
                                {parts.into_iter().map(|(n, _)| view! { <td class="num">{n}</td> }).collect_view()}
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </details>
        </figure>
    }
}

/// Checklist items per clause 4–10, by status.
pub fn checklist_progress(c: &Charts) -> impl IntoView {
    let rows = c
        .checklist
        .iter()
        .map(|(clause, r): &(_, Rollup)| {
            (
                format!("{} {}", clause.number, short(clause.title)),
                vec![
                    (r.verified, "bar-verified"),
                    (r.implemented, "bar-implemented"),
                    (r.in_progress, "bar-progress"),
                    (r.not_started, "bar-not-started"),
                    (r.not_applicable, "bar-na"),
                ],
            )
        })
        .collect::<Vec<_>>();
    let done: usize = c.checklist.iter().map(|(_, r)| r.done()).sum();
    let all: usize = c.checklist.iter().map(|(_, r)| r.total).sum();
    bars(
        "checklist",
        "Checklist progress by clause".into(),
        format!("{done} of {all} checklist items are implemented or verified. Bars per clause 4 to 10: verified, implemented, in progress, not started, not applicable."),
        rows,
        vec![
            ("bar-verified", "Verified"),
            ("bar-implemented", "Implemented"),
            ("bar-progress", "In progress"),
            ("bar-not-started", "Not started"),
            ("bar-na", "Not applicable"),
        ],
    )
}

fn short(title: &str) -> String {
    let t: String = title.chars().take(11).collect();
    if title.chars().count() > 11 {
        format!("{}…", t.trim_end())
    } else {
        t
    }
}

/// A 5×5 heat map of risks by likelihood and impact.
pub fn heat_map(name: &'static str, title: &str, grid: &[[usize; 5]; 5]) -> impl IntoView {
    let id = chart_id(name);
    let (t_id, d_id) = (format!("{id}-title"), format!("{id}-desc"));
    let labelled = format!("{t_id} {d_id}");
    let total: usize = grid.iter().flatten().sum();
    let cell = 40.0;
    let off = 70.0;
    let cells = (0..5)
        .flat_map(|l| (0..5).map(move |i| (l, i)))
        .map(|(l, i)| {
            let n = grid[l][i];
            let band = ScoreBand::of(((l + 1) * (i + 1)) as u8).label().to_lowercase();
            let x = off + i as f64 * cell;
            let y = (4 - l) as f64 * cell;
            view! {
                <g>
                    <rect class=format!("heat-{band}") x=x y=y width=cell - 3.0 height=cell - 3.0 rx="3" />
                    <text class=format!("heat-{band} heat-n") x=x + cell / 2.0 - 1.5 y=y + cell / 2.0 + 4.0 text-anchor="middle">
                        {if n == 0 { "·".to_owned() } else { n.to_string() }}
                    </text>
                </g>
            }
        })
        .collect_view();
    let axis = (0..5)
        .map(|k| {
            view! {
                <text class="chart-label" x=off - 6.0 y=(4 - k) as f64 * cell + cell / 2.0 + 4.0 text-anchor="end">{format!("L{}", k + 1)}</text>
                <text class="chart-label" x=off + k as f64 * cell + cell / 2.0 - 1.5 y=5.0 * cell + 14.0 text-anchor="middle">{format!("I{}", k + 1)}</text>
            }
        })
        .collect_view();
    let rows: Vec<String> = (0..5)
        .rev()
        .map(|l| {
            let cells: Vec<String> = (0..5).map(|i| grid[l][i].to_string()).collect();
            format!("likelihood {}: {}", l + 1, cells.join(", "))
        })
        .collect();
    view! {
        <figure class="chart heatmap" id=id.clone()>
            <svg role="img" aria-labelledby=labelled viewBox=format!("0 0 {} {}", off + 5.0 * cell + 10.0, 5.0 * cell + 22.0)>
                <title id=t_id>{title.to_owned()}</title>
                <desc id=d_id>{format!("{total} open risks by likelihood (L, rows, 5 at the top) and impact (I, columns). Counts per likelihood, impact 1 to 5: {}.", rows.join("; "))}</desc>
                {cells}
                {axis}
            </svg>
            <figcaption>{title.to_owned()}</figcaption>
        </figure>
    }
}

/// Incidents opened per month, the last 12 months.
pub fn incidents_by_month(c: &Charts) -> impl IntoView {
    let total: usize = c.incidents_by_month.iter().map(|(_, n)| n).sum();
    bars(
        "incidents",
        "Incidents opened per month".into(),
        format!("{total} incidents in the last 12 months."),
        c.incidents_by_month
            .iter()
            .map(|(m, n)| (m.clone(), vec![(*n, "bar-accent")]))
            .collect(),
        vec![],
    )
}

/// SLA results met and breached per month.
pub fn sla_by_month(c: &Charts) -> impl IntoView {
    let met: usize = c.sla_by_month.iter().map(|(_, m, _)| m).sum();
    let all: usize = c.sla_by_month.iter().map(|(_, _, a)| a).sum();
    bars(
        "sla",
        "SLA attainment per month".into(),
        format!("{met} of {all} SLA targets met in the last 12 months."),
        c.sla_by_month
            .iter()
            .map(|(m, met, all)| {
                (
                    m.clone(),
                    vec![(*met, "bar-verified"), (all - met, "bar-breached")],
                )
            })
            .collect(),
        vec![("bar-verified", "Met"), ("bar-breached", "Breached")],
    )
}

/// Open nonconformities by how long they have been open.
pub fn nc_ages(c: &Charts) -> impl IntoView {
    let total: usize = c.nc_ages.iter().map(|(_, n)| n).sum();
    bars(
        "nc-ages",
        "Open nonconformities by age".into(),
        format!("{total} nonconformities are open."),
        c.nc_ages
            .iter()
            .map(|(label, n)| ((*label).to_owned(), vec![(*n, "bar-breached")]))
            .collect(),
        vec![],
    )
}
