//! The list of one register: search, filters, sorting, add, edit, delete.

use leptos::prelude::*;
use sms_core::{
    registers::{Kind, Query, RegisterDef, SortDir},
    RecordId,
};

use super::{display, ConfirmDelete, Notice};
use crate::{route::Route, state::AppState};

/// Rows rendered at first and per "Show more"; keeps big registers fluid.
const PAGE: usize = 200;

#[component]
pub fn RegisterList(def: &'static RegisterDef) -> impl IntoView {
    let state = expect_context::<AppState>();
    let notice = expect_context::<Notice>();
    let search = RwSignal::new(String::new());
    let filters = RwSignal::new(Vec::<(&'static str, String)>::new());
    let sort = RwSignal::new(None::<(&'static str, SortDir)>);
    let shown = RwSignal::new(PAGE);
    let to_delete = RwSignal::new(None::<(RecordId, String)>);

    let rows = Memo::new(move |_| state.read(|wb| wb.records(def.id)).unwrap_or_default());
    let deleted_count = Memo::new(move |_| {
        state
            .read(|wb| wb.deleted_records(def.id).len())
            .unwrap_or(0)
    });
    let visible = Memo::new(move |_| {
        let q = Query {
            search: search.get(),
            filters: filters.get(),
            sort: sort.get(),
        };
        rows.with(|rows| q.apply(def, rows))
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
            {move || notice.0.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
            <div class="toolbar" role="search">
                <label class="search">
                    <span>"Search"</span>
                    <input
                        type="search"
                        prop:value=search
                        on:input=move |ev| {
                            search.set(event_target_value(&ev));
                            shown.set(PAGE);
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
                                        shown.set(PAGE);
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
                    let total = rows.with(Vec::len);
                    let n = visible.with(Vec::len);
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
                when=move || !visible.with(Vec::is_empty)
                fallback=move || view! {
                    <p class="empty">
                        {move || if rows.with(Vec::is_empty) {
                            format!("Nothing here yet. Use “Add {}” to record the first one.", def.singular)
                        } else {
                            "No records match the search or filters.".to_owned()
                        }}
                    </p>
                }
            >
                <table class="register">
                    <caption class="visually-hidden">{def.name}</caption>
                    <thead>
                        <tr>
                            {header_cell(title_field)}
                            {columns.iter().map(|f| header_cell(f)).collect_view()}
                            <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        {
                            let columns = columns.clone();
                            move || {
                                let cols = columns.clone();
                                state.read(|wb| {
                                    rows.with(|rows| {
                                        visible.with(|idx| {
                                            idx.iter().take(shown.get()).map(|&i| {
                                                let (id, r) = &rows[i];
                                                let title = r.text(def.title).to_owned();
                                                let (edit_title, del_title) = (title.clone(), title.clone());
                                                let del_id = id.clone();
                                                view! {
                                                    <tr data-record-id=id.to_string()>
                                                        <td data-label=title_field.label class="title-cell">
                                                            <a class="record-title" href=Route::Record(id.clone()).href()>{title}</a>
                                                        </td>
                                                        {cols.iter().map(|f| view! {
                                                            <td data-label=f.label>{display::cell(f, r, wb)}</td>
                                                        }).collect_view()}
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
                                            }).collect_view()
                                        })
                                    })
                                })
                            }
                        }
                    </tbody>
                </table>
                <Show when=move || { visible.with(Vec::len) > shown.get() }>
                    <button type="button" on:click=move |_| shown.update(|n| *n += PAGE)>
                        {move || format!("Show more ({} not shown)", visible.with(Vec::len) - shown.get())}
                    </button>
                </Show>
            </Show>
        </section>
        <ConfirmDelete def to_delete />
    }
}

/// Deleted records of a register, with a way to bring each back.
#[component]
pub fn DeletedList(def: &'static RegisterDef) -> impl IntoView {
    let state = expect_context::<AppState>();
    let notice = expect_context::<Notice>();
    let rows = Memo::new(move |_| {
        state
            .read(|wb| wb.deleted_records(def.id))
            .unwrap_or_default()
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
                                    match state.edit(|wb, ctx| wb.restore_record(&id, ctx)) {
                                        Ok(()) => notice.0.set(Some(format!("Restored “{title}”."))),
                                        Err(e) => notice.0.set(Some(format!("Could not restore: {e}."))),
                                    }
                                }>"Restore"</button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </Show>
        </section>
    }
}
