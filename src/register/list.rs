//! The list of one register: search, filters, sorting, add, edit, delete.

use sms_core::engine::Edit;
use std::sync::Arc;

use leptos::{ev, html, prelude::*};
use sms_core::{
    registers::{Kind, Query, RegisterDef, SortDir},
    Entry, RecordId, SortedList,
};

use super::{ConfirmDelete, Notice};
use crate::display;
use crate::{route::Route, state::AppState};

/// Rows drawn above and below the ones on screen.
const OVERSCAN: usize = 15;
/// Height of a row before one has been measured, in CSS pixels.
const ROW_ESTIMATE: f64 = 45.0;

/// The rows a list shows; equal only to itself, so every new result is
/// drawn and an unchanged one is not.
#[derive(Clone)]
struct Rows(Arc<Vec<Arc<Entry>>>);

impl PartialEq for Rows {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

#[component]
pub fn RegisterList(def: &'static RegisterDef) -> impl IntoView {
    let state = expect_context::<AppState>();
    let notice = expect_context::<Notice>();
    let search = RwSignal::new(String::new());
    let filters = RwSignal::new(Vec::<(&'static str, String)>::new());
    let sort = RwSignal::new(None::<(&'static str, SortDir)>);
    let to_delete = RwSignal::new(None::<(RecordId, String)>);

    // The register in display order, brought up to date after each change by
    // moving only the records that changed.
    let list = Memo::new(move |prev: Option<&Arc<SortedList>>| {
        let wanted = sort.get();
        state.index(|ix| match prev {
            Some(p) if p.sort == wanted.unwrap_or(def.sort) => match p.refreshed(ix) {
                Some(next) => Arc::new(next),
                None => p.clone(),
            },
            _ => Arc::new(SortedList::new(ix, def, wanted)),
        })
    });
    let deleted_count = Memo::new(move |_| state.index(|ix| ix.deleted_count(def.id)));
    // Search and filters: one pass over the sorted rows, no sorting.
    let visible = Memo::new(move |_| {
        let q = Query {
            search: search.get(),
            filters: filters.get(),
            sort: None,
        };
        Rows(Arc::new(list.with(|l| l.filter(&q))))
    });
    // Printed pages say which workbook and register, and when.
    Effect::new(move |_| {
        let name = state.summary(|s| s.name.clone()).unwrap_or_default();
        let today = crate::platform::now().date_naive();
        crate::reports::set_print_header(&format!(
            "{name} · {} · printed {}",
            def.name,
            sms_core::reports::long_date(today)
        ));
    });
    let export_error = RwSignal::new(None::<String>);
    let export_note = RwSignal::new(false);
    // Every record in list order, as an Excel workbook (made in the
    // spreadsheet worker).
    let download_xlsx = move || {
        let rows: Vec<Arc<Entry>> = list.with_untracked(|l| l.rows().to_vec());
        let table = state.index_untracked(|ix| sms_core::transfer::register_table(def, &rows, ix));
        export_error.set(None);
        export_note.set(true);
        leptos::task::spawn_local(async move {
            let sheets = [crate::xlsx::Sheet {
                name: def.name.into(),
                rows: table,
            }];
            let name = sms_core::exchange::export_name(
                def.name,
                "xlsx",
                crate::platform::now().date_naive(),
            );
            let result = crate::xlsx::write(&sheets)
                .await
                .and_then(|bytes| crate::exchange::save_typed(&name, crate::xlsx::MIME, &bytes));
            export_note.set(false);
            export_error.set(result.err().map(|e| format!("Could not download: {e}.")));
        });
    };
    // Every record in list order, or only those the search and filters show.
    let download_csv = move |shown_only: bool| {
        let rows: Vec<Arc<Entry>> = if shown_only {
            visible.with_untracked(|v| v.0.as_ref().clone())
        } else {
            list.with_untracked(|l| l.rows().to_vec())
        };
        let text = state.index_untracked(|ix| {
            sms_core::csv::write(&sms_core::transfer::register_table(def, &rows, ix))
        });
        let name =
            sms_core::exchange::export_name(def.name, "csv", crate::platform::now().date_naive());
        match crate::exchange::save_typed(&name, "text/csv;charset=utf-8", text.as_bytes()) {
            Ok(()) => export_error.set(None),
            Err(e) => export_error.set(Some(format!("Could not download: {e}."))),
        }
    };

    // Only the rows near the screen are in the page; spacers stand in for
    // the rest, so a register of any size scrolls and filters smoothly.
    let tbody = NodeRef::<html::Tbody>::new();
    let row_height = RwSignal::new(ROW_ESTIMATE);
    let first_row = RwSignal::new(0usize);
    let screen_rows = RwSignal::new(30usize);
    let printing = RwSignal::new(false);
    let measure = move || {
        let Some(tb) = tbody.get_untracked() else {
            return;
        };
        let win = window();
        let view_h = win
            .inner_height()
            .ok()
            .and_then(|v| v.as_f64())
            .unwrap_or(800.0);
        // Average height of the rows drawn now (phones show rows as cards).
        let drawn = tb.query_selector_all("tr[data-record-id]").ok();
        if let Some(drawn) = drawn.filter(|d| d.length() > 0) {
            let mut total = 0.0;
            for i in 0..drawn.length() {
                if let Some(el) = drawn
                    .item(i)
                    .and_then(|n| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(n).ok())
                {
                    total += el.get_bounding_client_rect().height();
                }
            }
            let avg = total / f64::from(drawn.length());
            if avg > 4.0 && (avg - row_height.get_untracked()).abs() > 1.0 {
                row_height.set(avg);
            }
        }
        let h = row_height.get_untracked();
        let top = tb.get_bounding_client_rect().top();
        let first = ((-top) / h).floor().max(0.0) as usize;
        let rows_on_screen = (view_h / h).ceil() as usize + 1;
        if first_row.get_untracked() != first {
            first_row.set(first);
        }
        if screen_rows.get_untracked() != rows_on_screen {
            screen_rows.set(rows_on_screen);
        }
    };
    let on_scroll = window_event_listener(ev::scroll, move |_| measure());
    let on_resize = window_event_listener(ev::resize, move |_| measure());
    let before_print = window_event_listener(ev::beforeprint, move |_| printing.set(true));
    let after_print = window_event_listener(ev::afterprint, move |_| printing.set(false));
    on_cleanup(move || {
        on_scroll.remove();
        on_resize.remove();
        before_print.remove();
        after_print.remove();
    });
    // Measure again once new rows are drawn.
    Effect::new(move |_| {
        visible.track();
        measure();
    });
    let range = Memo::new(move |_| {
        let n = visible.with(|v| v.0.len());
        if printing.get() {
            return (0, n);
        }
        let first = first_row.get().min(n);
        let start = first.saturating_sub(OVERSCAN);
        let end = (first + screen_rows.get() + OVERSCAN).min(n);
        (start, end.max(start))
    });

    let columns: Vec<&'static sms_core::registers::FieldDef> =
        def.columns.iter().filter_map(|c| def.field(c)).collect();
    let filter_fields: Vec<&'static sms_core::registers::FieldDef> = def
        .columns
        .iter()
        .filter_map(|c| def.field(c))
        .filter(|f| matches!(f.kind, Kind::Choice(_)))
        .collect();
    let title_field = def.field(def.title).expect("declared");

    let header_cell = move |f: &'static sms_core::registers::FieldDef| {
        let current = move || sort.get().unwrap_or(def.sort);
        let aria = move || match current() {
            (k, SortDir::Asc) if k == f.key => "ascending",
            (k, SortDir::Desc) if k == f.key => "descending",
            _ => "none",
        };
        view! {
            <th scope="col" aria-sort=aria>
                <button
                    type="button"
                    class="sort"
                    on:click=move |_| {
                        let next = match current() {
                            (k, SortDir::Asc) if k == f.key => SortDir::Desc,
                            (k, SortDir::Desc) if k == f.key => SortDir::Asc,
                            _ => SortDir::Asc,
                        };
                        sort.set(Some((f.key, next)));
                    }
                >
                    {f.label}
                </button>
            </th>
        }
    };

    view! {
        <section aria-labelledby="register-heading">
            <div class="section-head">
                <div>
                    <h2 id="register-heading">{def.name}</h2>
                    <p class="lede">
                        <span class="clause">{format!("Clause {}", def.clause)}</span>
                        " · "
                        {def.about}
                    </p>
                </div>
                <a class="button primary" href=Route::New(def.id).href() on:click=move |_| notice.0.set(None)>
                    {format!("Add {}", def.singular)}
                </a>
            </div>
            <p class="list-actions">
                <button type="button" on:click=move |_| download_csv(false)>"Download CSV"</button>
                <button type="button" on:click=move |_| download_xlsx()>"Download Excel"</button>
                {move || (visible.with(|v| v.0.len()) != list.with(|l| l.len())).then(|| view! {
                    <button type="button" on:click=move |_| download_csv(true)>
                        {move || format!("Download the {} shown", visible.with(|v| v.0.len()))}
                    </button>
                })}
                <a class="button" href=Route::Import(def.id).href()>"Import…"</a>
                <button type="button" on:click=move |_| { let _ = window().print(); }>"Print"</button>
            </p>
            {crate::display::busy_note(export_note, "Preparing the spreadsheet…")}
            {move || export_error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            {move || notice.0.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
            <div class="toolbar" role="search">
                <label class="search">
                    <span>"Search"</span>
                    <input
                        type="search"
                        prop:value=search
                        on:input=move |ev| {
                            search.set(event_target_value(&ev));
                        }
                    />
                </label>
                {filter_fields
                    .into_iter()
                    .map(|f| {
                        let Kind::Choice(options) = f.kind else { unreachable!() };
                        let value = move || {
                            filters.with(|fs| fs.iter().find(|(k, _)| *k == f.key).map(|(_, v)| v.clone()).unwrap_or_default())
                        };
                        view! {
                            <label class="filter">
                                <span>{f.label}</span>
                                <select
                                    prop:value=value
                                    on:change=move |ev| {
                                        let v = event_target_value(&ev);
                                        filters.update(|fs| {
                                            fs.retain(|(k, _)| *k != f.key);
                                            if !v.is_empty() {
                                                fs.push((f.key, v));
                                            }
                                        });
                                                }
                                >
                                    <option value="">"All"</option>
                                    {options.iter().map(|(k, l)| view! { <option value=*k>{*l}</option> }).collect_view()}
                                </select>
                            </label>
                        }
                    })
                    .collect_view()}
            </div>
            <p class="count" aria-live="polite">
                {move || {
                    let total = list.with(|l| l.len());
                    let n = visible.with(|v| v.0.len());
                    if n == total {
                        format!("{n} {}", if n == 1 { "record" } else { "records" })
                    } else {
                        format!("{n} of {total} records match")
                    }
                }}
                {move || {
                    let d = deleted_count.get();
                    (d > 0).then(|| view! {
                        " · "
                        <a href=Route::Deleted(def.id).href()>{format!("{d} deleted")}</a>
                    })
                }}
            </p>
            <Show
                when=move || !visible.with(|v| v.0.is_empty())
                fallback=move || view! {
                    <p class="empty">
                        {move || if list.with(|l| l.is_empty()) {
                            format!("Nothing here yet. Use “Add {}” to record the first one.", def.singular)
                        } else {
                            "No records match the search or filters.".to_owned()
                        }}
                    </p>
                }
            >
                <table
                    class="register"
                    aria-rowcount=move || visible.with(|v| v.0.len()) + 1
                >
                    <caption class="visually-hidden">{def.name}</caption>
                    <thead>
                        <tr aria-rowindex="1">
                            {header_cell(title_field)}
                            {columns.iter().map(|f| header_cell(f)).collect_view()}
                            <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                        </tr>
                    </thead>
                    <tbody node_ref=tbody>
                        <tr class="spacer" aria-hidden="true">
                            <td
                                colspan=columns.len() + 2
                                style:height=move || format!("{}px", range.get().0 as f64 * row_height.get())
                            ></td>
                        </tr>
                        <For
                            each=move || {
                                let (start, end) = range.get();
                                visible.with(|v| {
                                    v.0[start..end]
                                        .iter()
                                        .enumerate()
                                        .map(|(i, e)| (start + i, e.clone()))
                                        .collect::<Vec<_>>()
                                })
                            }
                            key=|(at, e)| (*at, e.id.clone(), e.version)
                            children={
                                let columns = columns.clone();
                                move |(at, e)| row(state, def, &columns, at, e, to_delete)
                            }
                        />
                        <tr class="spacer" aria-hidden="true">
                            <td
                                colspan=columns.len() + 2
                                style:height=move || {
                                    let n = visible.with(|v| v.0.len());
                                    format!("{}px", n.saturating_sub(range.get().1) as f64 * row_height.get())
                                }
                            ></td>
                        </tr>
                    </tbody>
                </table>
            </Show>
        </section>
        <ConfirmDelete def to_delete />
    }
}

/// One row of a register list.
fn row(
    state: AppState,
    def: &'static RegisterDef,
    columns: &[&'static sms_core::registers::FieldDef],
    at: usize,
    e: Arc<Entry>,
    to_delete: RwSignal<Option<(RecordId, String)>>,
) -> impl IntoView {
    let title_field = def.field(def.title).expect("declared");
    let title = display::shorten(e.title().to_owned());
    let (edit_title, del_title) = (title.clone(), title.clone());
    let del_id = e.id.clone();
    let id = e.id.clone();
    let marked = {
        let id = id.clone();
        move || state.merged.with(|m| m.contains(&id))
    };
    let cells = columns
        .iter()
        .map(|&f| {
            let e = e.clone();
            let cell = if matches!(f.kind, Kind::Link { .. }) {
                // Titles of linked records follow their renames.
                (move || state.index(|ix| display::cell(f, &e.record, ix))).into_any()
            } else {
                state
                    .index_untracked(|ix| display::cell(f, &e.record, ix))
                    .into_any()
            };
            view! { <td data-label=f.label>{cell}</td> }
        })
        .collect_view();
    view! {
        <tr data-record-id=id.to_string() aria-rowindex=at + 2 class:merged=marked>
            <td data-label=title_field.label class="title-cell">
                <a class="record-title" href=Route::Record(id.clone()).href()>{title}</a>
                <Show when=marked.clone()>
                    " "
                    <span class="chip chip-merged">"Changed by merge"</span>
                </Show>
            </td>
            {cells}
            <td class="actions">
                <a class="button" href=Route::Record(id.clone()).href() aria-label=format!("Edit {edit_title}")>"Edit"</a>
                <button
                    type="button"
                    class="danger"
                    aria-label=format!("Delete {del_title}")
                    on:click=move |_| to_delete.set(Some((del_id.clone(), del_title.clone())))
                >
                    "Delete"
                </button>
            </td>
        </tr>
    }
}

/// Deleted records of a register, with a way to bring each back.
#[component]
pub fn DeletedList(def: &'static RegisterDef) -> impl IntoView {
    let state = expect_context::<AppState>();
    let notice = expect_context::<Notice>();
    let rows = Memo::new(move |_| {
        state.index(|ix| {
            ix.deleted(def.id)
                .map(|e| (e.id.clone(), e.record.clone()))
                .collect::<Vec<_>>()
        })
    });
    view! {
        <section aria-labelledby="deleted-heading">
            <h2 id="deleted-heading">{format!("Deleted {}", def.name.to_lowercase())}</h2>
            <p class="lede">"Deleted records stay in the workbook's history and can be brought back."</p>
            <p><a href=Route::List(def.id).href()>{format!("Back to {}", def.name.to_lowercase())}</a></p>
            {move || notice.0.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
            <Show when=move || !rows.with(Vec::is_empty) fallback=|| view! { <p class="empty">"Nothing has been deleted."</p> }>
                <ul class="deleted-list">
                    {move || rows.get().into_iter().map(|(id, r)| {
                        let title = r.text(def.title).to_owned();
                        let label = format!("Restore {title}");
                        view! {
                            <li>
                                <span>{title.clone()}</span>
                                <button type="button" aria-label=label on:click=move |_| {
                                    let (id, title) = (id.clone(), title.clone());
                                    leptos::task::spawn_local(async move {
                                        match state.change(Edit::RestoreRecord { id }).await {
                                            Ok(_) => notice.0.set(Some(format!("Restored “{title}”."))),
                                            Err(e) => notice.0.set(Some(format!("Could not restore: {e}."))),
                                        }
                                    });
                                }>"Restore"</button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </Show>
        </section>
    }
}
