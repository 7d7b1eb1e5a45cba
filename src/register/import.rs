//! Import a CSV file into a register: the columns are matched to fields
//! (guessed from the header, changeable), every row is checked, the person
//! sees what would be added and what is wrong with which line, and nothing
//! is written until they confirm — then all of it in one change.

use leptos::prelude::*;
use sms_core::{
    csv,
    registers::RegisterDef,
    transfer::{guess_mapping, plan_import, ImportPlan, Mapping, ID_COLUMN},
};
use wasm_bindgen_futures::JsFuture;

use super::Notice;
use crate::{
    platform,
    route::{navigate, Route},
    state::AppState,
};

/// Larger files are refused before they are read.
const MAX_BYTES: f64 = 50.0 * 1024.0 * 1024.0;
/// Rows shown in the preview.
const PREVIEW: usize = 5;
/// Problems listed at most (the count says how many there are).
const MAX_PROBLEMS: usize = 200;

#[derive(Clone)]
struct Loaded {
    file: String,
    table: std::sync::Arc<csv::Table>,
}

#[component]
pub fn ImportPage(def: &'static RegisterDef) -> impl IntoView {
    let state = expect_context::<AppState>();
    let notice = expect_context::<Notice>();
    let loaded = RwSignal::new(None::<Loaded>);
    let mapping = RwSignal::new(Mapping::new());
    let message = RwSignal::new(None::<String>);
    let busy = RwSignal::new(None::<&'static str>);

    let chosen = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        input.set_value("");
        message.set(None);
        loaded.set(None);
        let name = file.name();
        if file.size() > MAX_BYTES {
            message.set(Some(format!(
                "“{name}” is larger than 50 MB; split it into smaller files."
            )));
            return;
        }
        busy.set(Some("Reading the file…"));
        let spreadsheet = name.to_lowercase().ends_with(".xlsx");
        leptos::task::spawn_local(async move {
            let table = if spreadsheet {
                let bytes = JsFuture::from(file.array_buffer())
                    .await
                    .map(|b| js_sys::Uint8Array::new(&b).to_vec());
                match bytes {
                    Ok(bytes) => crate::xlsx::read(&bytes).await.map(|(_, rows)| rows),
                    Err(_) => Err("it could not be read".to_owned()),
                }
            } else {
                match JsFuture::from(file.text())
                    .await
                    .ok()
                    .and_then(|t| t.as_string())
                {
                    Some(text) => csv::read(&text).map_err(|e| e.to_string()),
                    None => Err("it could not be read".to_owned()),
                }
            };
            busy.set(None);
            match table {
                Ok(table) if !table.is_empty() => {
                    mapping.set(guess_mapping(def, &table[0]));
                    loaded.set(Some(Loaded {
                        file: name,
                        table: std::sync::Arc::new(table),
                    }));
                }
                Ok(_) => message.set(Some(format!(
                    "“{name}” holds no rows. Nothing was imported."
                ))),
                Err(e) => message.set(Some(format!(
                    "“{name}” could not be read: {e}. Nothing was imported."
                ))),
            }
        });
    };

    // Every row checked against the mapping; ids for new records are drawn
    // once per plan.
    let plan = Memo::new(move |_| {
        let l = loaded.get()?;
        let m = mapping.get();
        state.revision.track();
        Some(std::sync::Arc::new(state.index_untracked(|ix| {
            plan_import(def, &l.table, &m, ix, platform::new_record_id)
        })))
    });

    let import = move |skip_bad: bool| {
        let (Some(l), Some(p)) = (loaded.get_untracked(), plan.get_untracked()) else {
            return;
        };
        let good = p.good();
        if good.is_empty() || (!skip_bad && p.bad().next().is_some()) {
            return;
        }
        leptos::task::spawn_local(async move {
            let result = state.import(def.id, good, &l.file).await;
            match result {
                Ok(n) => {
                    notice.0.set(Some(format!(
                        "Imported {n} {} from “{}”.",
                        if n == 1 {
                            def.singular.to_owned()
                        } else {
                            def.name.to_lowercase()
                        },
                        l.file
                    )));
                    navigate(&Route::List(def.id));
                }
                Err(e) => message.set(Some(format!("Nothing was imported: {e}."))),
            }
        });
    };

    view! {
        <section aria-labelledby="import-heading" class="import-page">
            <p class="breadcrumb"><a href=Route::List(def.id).href()>{def.name}</a></p>
            <h2 id="import-heading">{format!("Import {} from a spreadsheet", def.name.to_lowercase())}</h2>
            <p class="lede">
                "Choose an Excel workbook (.xlsx; its first sheet is read) or a CSV file (comma or semicolon separated), with the column names in the first row. You will see what would be added, and what is wrong with which line, before anything is stored."
            </p>
            <p>
                <label class="button file-button">
                    "Choose a CSV or Excel file…"
                    <input type="file" accept=".csv,text/csv,.xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" class="visually-hidden" on:change=chosen />
                </label>
            </p>
            {move || busy.get().map(|b| view! { <p role="status" class="progress-note">{b}</p> })}
            {move || state.importing.get().map(|(done, total)| view! {
                <div class="import-progress" role="status">
                    <label for="import-bar">{format!("Importing… {done} of {total}")}</label>
                    <progress id="import-bar" max=total value=done></progress>
                </div>
            })}
            {move || message.get().map(|m| view! { <p class="field-error" role="alert">{m}</p> })}
            {move || loaded.get().map(|l| view! {
                <MappingTable def table=l.table.clone() mapping />
            })}
            {move || plan.get().map(|p| {
                let l = loaded.get_untracked();
                view! { <PlanView def plan=p file=l.map(|l| l.file).unwrap_or_default() import /> }
            })}
        </section>
    }
}

/// One select per column: which field it fills.
#[component]
fn MappingTable(
    def: &'static RegisterDef,
    table: std::sync::Arc<csv::Table>,
    mapping: RwSignal<Mapping>,
) -> impl IntoView {
    let header = table[0].clone();
    let sample = table.get(1).cloned().unwrap_or_default();
    view! {
        <h3>"Columns"</h3>
        <table class="register mapping">
            <caption class="visually-hidden">"Which field each column of the file fills"</caption>
            <thead>
                <tr>
                    <th scope="col">"Column in the file"</th>
                    <th scope="col">"First value"</th>
                    <th scope="col">"Goes into"</th>
                </tr>
            </thead>
            <tbody>
                {header
                    .into_iter()
                    .enumerate()
                    .map(|(i, h)| {
                        let first = sample.get(i).cloned().unwrap_or_default();
                        let label = format!("Field for column “{h}”");
                        let current = move || {
                            mapping.with(|m| m.get(i).copied().flatten().unwrap_or("").to_owned())
                        };
                        view! {
                            <tr>
                                <th scope="row">{h.clone()}</th>
                                <td class="sample">{first}</td>
                                <td>
                                    <select
                                        aria-label=label
                                        prop:value=current
                                        on:change=move |ev| {
                                            let v = event_target_value(&ev);
                                            let target = if v == ID_COLUMN {
                                                Some(ID_COLUMN)
                                            } else {
                                                def.stored_fields().find(|f| f.key == v).map(|f| f.key)
                                            };
                                            mapping.update(|m| {
                                                if m.len() <= i {
                                                    m.resize(i + 1, None);
                                                }
                                                m[i] = target;
                                            });
                                        }
                                    >
                                        <option value="">"(ignore this column)"</option>
                                        <option value=ID_COLUMN>"ID (keep the record's id)"</option>
                                        {def.stored_fields().map(|f| view! { <option value=f.key>{f.label}</option> }).collect_view()}
                                    </select>
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn PlanView(
    def: &'static RegisterDef,
    plan: std::sync::Arc<ImportPlan>,
    file: String,
    import: impl Fn(bool) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let good = plan.good();
    let bad: Vec<(usize, Vec<String>)> = plan.bad().map(|(l, e)| (l, e.clone())).collect();
    let n_good = good.len();
    let n_bad = bad.len();
    let noun = move |n: usize| {
        if n == 1 {
            def.singular.to_owned()
        } else {
            def.name.to_lowercase()
        }
    };
    let preview: Vec<String> = good
        .iter()
        .take(PREVIEW)
        .map(|(_, r)| r.text(def.title).to_owned())
        .collect();
    view! {
        <h3>"What would be imported"</h3>
        <p class="import-summary" role="status">
            {format!(
                "{n_good} {} ready to import from “{file}”{}.",
                noun(n_good),
                if n_bad == 0 { String::new() } else { format!("; {n_bad} line{} with problems", if n_bad == 1 { "" } else { "s" }) }
            )}
        </p>
        {(!preview.is_empty()).then(|| view! {
            <p class="hint">"First records: " {preview.join(" · ")}</p>
        })}
        {(n_bad > 0).then(|| view! {
            <table class="register import-problems">
                <caption>"Lines with problems (not imported)"</caption>
                <thead><tr><th scope="col">"Line"</th><th scope="col">"What is wrong"</th></tr></thead>
                <tbody>
                    {bad.into_iter().take(MAX_PROBLEMS).map(|(line, errors)| view! {
                        <tr>
                            <td>{line}</td>
                            <td><ul>{errors.into_iter().map(|e| view! { <li>{e}</li> }).collect_view()}</ul></td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        })}
        <p class="buttons">
            {(n_good > 0 && n_bad == 0).then(|| view! {
                <button type="button" class="primary" on:click=move |_| import(false)>
                    {format!("Import {n_good} {}", noun(n_good))}
                </button>
            })}
            {(n_good > 0 && n_bad > 0).then(|| view! {
                <button type="button" on:click=move |_| import(true)>
                    {format!("Import {n_good} {}, skip {n_bad} line{} with problems", noun(n_good), if n_bad == 1 { "" } else { "s" })}
                </button>
            })}
            <a class="button" href=Route::List(def.id).href()>"Cancel"</a>
        </p>
    }
}
