//! Exchanging workbook files with other people: download the open workbook
//! as one `.smsw` file, and open a file — merged into the open workbook
//! after a summary the person confirms, or kept as another workbook.

use leptos::{prelude::*, task::spawn_local};
use sms_core::{
    engine::{Answer, Edit, Query},
    exchange::{file_name, MergePreview},
};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::{keep::KeepError, platform, state::AppState};

/// Plain workbook files larger than this are refused (a workbook of 50,000
/// records is a few MB).
const MAX_FILE_BYTES: f64 = 256.0 * 1024.0 * 1024.0;
/// A workbook file carrying attached files (a container) may be larger, up
/// to this (refused before reading): the zip worker holds it and its parts
/// at once.
const MAX_CONTAINER_BYTES: f64 = 1024.0 * 1024.0 * 1024.0;

/// The file chosen and what merging it would change.
#[derive(Clone)]
struct Pending {
    file: String,
    preview: MergePreview,
    /// The name of the other workbook in this browser the file belongs to,
    /// when it is not the open one.
    into_stored: Option<String>,
}

/// Download and open-file controls, for the workbooks page.
#[component]
pub fn Exchange(#[prop(into)] on_added: Callback<()>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let message = RwSignal::new(None::<(bool, String)>);
    let pending = RwSignal::new(None::<Pending>);
    // The open workbook's engine holds the changes a preview showed.
    let incoming = StoredValue::new_local(false);
    let into_stored = StoredValue::new_local(None::<crate::keep::Target>);
    // The attached files the chosen file carried, stored when it is merged.
    let carried = StoredValue::new_local(None::<crate::carry::Carried>);
    let busy = RwSignal::new(false);

    let preparing = RwSignal::new(false);
    let download = move |_| {
        if preparing.get_untracked() {
            return;
        }
        preparing.set(true);
        message.set(None);
        spawn_local(async move {
            // Let "Preparing the file…" show before the document is written
            // out (a large workbook takes a moment).
            crate::platform::next_paint().await;
            let out = match state.ask(Query::File).await {
                Some(Answer::File { name, bytes }) => Some((name, bytes)),
                _ => None,
            };
            let Some((name, bytes)) = out else {
                preparing.set(false);
                message.set(Some((false, not_now(state))));
                return;
            };
            let file = file_name(&name, platform::now().date_naive());
            let result = write_file(state, &file, bytes).await;
            preparing.set(false);
            match result {
                Ok(words) => message.set(Some((true, words))),
                Err(e) => message.set(Some((false, format!("Could not download: {e}.")))),
            }
        });
    };

    // Every record and the checklist in plain JSON, for other programs.
    let download_json = move |_| {
        let out = state.summary_untracked(|summary| {
            let json = state.index_untracked(|ix| {
                sms_core::transfer::workbook_json(summary, ix, platform::now())
            });
            (summary.name.clone(), serde_json::to_vec_pretty(&json))
        });
        let Some((name, bytes)) = out else {
            message.set(Some((false, not_now(state))));
            return;
        };
        let bytes = match bytes {
            Ok(b) => b,
            Err(e) => {
                message.set(Some((false, format!("Could not write the file: {e}."))));
                return;
            }
        };
        let file = sms_core::exchange::export_name(&name, "json", platform::now().date_naive());
        match save_typed(&file, "application/json", &bytes) {
            Ok(()) => message.set(Some((true, format!("Downloaded “{file}”.")))),
            Err(e) => message.set(Some((false, format!("Could not download: {e}.")))),
        }
    };

    // One sheet per register and one for the checklist, made in the
    // spreadsheet worker.
    let download_xlsx = move |_| {
        if preparing.get_untracked() {
            return;
        }
        let out = state.summary_untracked(|summary| {
            let sheets: Vec<crate::xlsx::Sheet> = state.index_untracked(|ix| {
                let mut sheets: Vec<crate::xlsx::Sheet> = sms_core::registers::REGISTERS
                    .iter()
                    .map(|def| {
                        let rows = sms_core::SortedList::new(ix, def, None).rows().to_vec();
                        crate::xlsx::Sheet {
                            name: def.name.into(),
                            rows: sms_core::transfer::register_table(def, &rows, ix),
                        }
                    })
                    .collect();
                sheets.insert(
                    0,
                    crate::xlsx::Sheet {
                        name: "Checklist".into(),
                        rows: sms_core::transfer::checklist_table(summary, ix),
                    },
                );
                sheets
            });
            (summary.name.clone(), sheets)
        });
        let Some((name, sheets)) = out else {
            message.set(Some((false, not_now(state))));
            return;
        };
        preparing.set(true);
        message.set(None);
        spawn_local(async move {
            let file = sms_core::exchange::export_name(&name, "xlsx", platform::now().date_naive());
            let result = crate::xlsx::write(&sheets).await.and_then(|bytes| {
                save_typed(&file, crate::xlsx::MIME, &bytes).map(|()| bytes.len())
            });
            preparing.set(false);
            match result {
                Ok(n) => message.set(Some((
                    true,
                    format!(
                        "Downloaded “{file}” ({}).",
                        crate::pwa::human_size(n as f64)
                    ),
                ))),
                Err(e) => message.set(Some((false, format!("Could not download: {e}.")))),
            }
        });
    };

    let chosen = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        // Choosing the same file again must fire `change` again.
        input.set_value("");
        forget_preview(state, incoming);
        into_stored.set_value(None);
        carried.set_value(None);
        pending.set(None);
        message.set(None);
        busy.set(true);
        spawn_local(async move {
            let result = open_file(state, &file, incoming, carried).await;
            busy.set(false);
            match result {
                Ok(Opened::Preview(preview)) if preview.is_empty() => {
                    // Nothing to merge, but the file may bring the bytes of
                    // files this workbook describes.
                    forget_preview(state, incoming);
                    let files = carried.try_update_value(Option::take).flatten();
                    let words = match crate::carry::store(state, files).await {
                        Ok(0) => (true, String::new()),
                        Ok(n) => (
                            true,
                            format!(" Its {} are now stored here.", crate::carry::files(n)),
                        ),
                        Err(e) => (false, format!(" Nothing was stored: {e}.")),
                    };
                    message.set(Some((
                        words.0,
                        format!(
                            "“{}” holds nothing new: every change in it is already in this workbook.{}",
                            file.name(),
                            words.1
                        ),
                    )))
                }
                Ok(Opened::Preview(preview)) => pending.set(Some(Pending {
                    file: file.name(),
                    preview,
                    into_stored: None,
                })),
                Ok(Opened::PreviewStored(target, preview)) if preview.is_empty() => {
                    let stored = target.name.clone();
                    carried.set_value(None);
                    message.set(Some((
                        true,
                        format!(
                            "“{}” belongs to “{stored}”, another workbook in this browser, and holds nothing new for it.",
                            file.name()
                        ),
                    )))
                }
                Ok(Opened::PreviewStored(target, preview)) => {
                    let stored = target.name.clone();
                    into_stored.set_value(Some(*target));
                    pending.set(Some(Pending {
                        file: file.name(),
                        preview,
                        into_stored: Some(stored),
                    }));
                }
                Ok(Opened::Kept(text)) => {
                    message.set(Some((true, text)));
                    on_added.run(());
                }
                Err(text) => message.set(Some((false, text))),
            }
        });
    };

    let confirm = move |_| {
        let Some(p) = pending.get_untracked() else {
            return;
        };
        if p.into_stored.is_some() {
            let Some(target) = into_stored.try_update_value(Option::take).flatten() else {
                return;
            };
            pending.set(None);
            busy.set(true);
            let files = carried.try_update_value(Option::take).flatten();
            spawn_local(async move {
                let result = match crate::carry::store(state, files).await {
                    Ok(n) => merge_into_stored(state, target).await.map(|s| (s, n)),
                    Err(e) => Err(e),
                };
                busy.set(false);
                match result {
                    Ok((stored, n)) => {
                        message.set(Some((
                            true,
                            format!(
                                "Merged {}{} from “{}” into “{stored}”. Open it from the list to see them.",
                                plural(p.preview.changes, "change"),
                                crate::carry::and_files(n),
                                p.file
                            ),
                        )));
                        on_added.run(());
                    }
                    Err(e) => message.set(Some((
                        false,
                        format!("Could not merge: {e}. Nothing was changed."),
                    ))),
                }
            });
            return;
        }
        if !incoming.get_value() {
            return;
        }
        pending.set(None);
        let files = carried.try_update_value(Option::take).flatten();
        spawn_local(async move {
            // The files' bytes first, so the workbook never describes a
            // carried file this browser does not have.
            let stored = match crate::carry::store(state, files).await {
                Ok(n) => n,
                Err(e) => {
                    forget_preview(state, incoming);
                    message.set(Some((
                        false,
                        format!("Could not merge: {e}. Nothing was changed."),
                    )));
                    return;
                }
            };
            incoming.set_value(false);
            match state.change(Edit::MergePreviewed).await {
                Ok(_) => {
                    let ids = p.preview.records.clone();
                    state.mark_merged(ids);
                    message.set(Some((
                        true,
                        format!(
                            "Merged {}{} from “{}”.",
                            plural(p.preview.changes, "change"),
                            crate::carry::and_files(stored),
                            p.file
                        ),
                    )));
                }
                Err(e) => message.set(Some((
                    false,
                    format!("Could not merge: {e}. Nothing was changed."),
                ))),
            }
        });
    };
    let cancel = move |_| {
        forget_preview(state, incoming);
        into_stored.set_value(None);
        carried.set_value(None);
        pending.set(None);
        message.set(Some((true, "Nothing was merged.".into())));
    };

    view! {
        <h3>"Share with others"</h3>
        <p class="hint">
            "A workbook file holds every record, its history and the files attached to it. Send it to a colleague: opening it in their copy of the workbook merges your changes with theirs, and nobody's work is lost."
        </p>
        <p class="exchange-actions">
            <button type="button" on:click=download aria-disabled=move || preparing.get().to_string()>
                "Download this workbook"
            </button>
            <button type="button" on:click=download_json>"Download as JSON"</button>
            <button type="button" on:click=download_xlsx>"Download as Excel"</button>
            <label class="button file-button">
                "Open a workbook file…"
                <input
                    type="file"
                    accept=".smsw,application/octet-stream"
                    class="visually-hidden"
                    disabled=move || busy.get()
                    on:change=chosen
                />
            </label>
        </p>
        {crate::display::busy_note(busy, "Reading the file…")}
        {crate::display::busy_note(preparing, "Preparing the file…")}
        {crate::display::said(message)}
        {move || pending.get().map(|p| view! {
            <section class="merge-preview" aria-labelledby="merge-heading">
                <h4 id="merge-heading">{match &p.into_stored {
                    None => format!("Merge “{}” into this workbook?", p.file),
                    Some(stored) => format!("Merge “{}” into “{stored}”, another workbook in this browser?", p.file),
                }}</h4>
                <p>{summary_line(&p.preview)}</p>
                {warnings(&p.preview).map(|w| view! { <p class="conflict-note" role="alert">{w}</p> })}
                {(!p.preview.registers.is_empty()).then(|| view! {
                    <table class="mini">
                        <caption class="visually-hidden">"Records the merge changes"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"Register"</th>
                                <th scope="col">"Added"</th>
                                <th scope="col">"Changed"</th>
                                <th scope="col">"Deleted"</th>
                                <th scope="col">"Restored"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {p.preview.registers.iter().map(|r| view! {
                                <tr>
                                    <th scope="row">{r.def.name}</th>
                                    <td>{r.added}</td>
                                    <td>{r.changed}</td>
                                    <td>{r.deleted}</td>
                                    <td>{r.restored}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                })}
                {(p.preview.checklist_items > 0).then(|| view! {
                    <p>{format!("Checklist: {} changed.", plural(p.preview.checklist_items, "item"))}</p>
                })}
                {p.preview.renamed_to.clone().map(|n| view! {
                    <p>{format!("The workbook will be named “{n}”.")}</p>
                })}
                <p class="actions">
                    <button type="button" class="primary" on:click=confirm>{if p.into_stored.is_some() { "Merge into that workbook" } else { "Merge into this workbook" }}</button>
                    <button type="button" on:click=cancel>"Cancel"</button>
                </p>
            </section>
        })}
    }
}

enum Opened {
    /// A copy of the open workbook: what merging it would change.
    Preview(MergePreview),
    /// A copy of another workbook of this browser, loaded, and what
    /// merging the file into it would change.
    PreviewStored(Box<crate::keep::Target>, MergePreview),
    /// Another workbook, kept in this browser; the message says how.
    Kept(String),
}

/// The open workbook's engine forgets the changes it holds for a merge.
fn forget_preview(state: AppState, incoming: StoredValue<bool, LocalStorage>) {
    if incoming.get_value() {
        incoming.set_value(false);
        spawn_local(async move {
            state.ask(Query::DropPreview).await;
        });
    }
}

/// Asks the open workbook's engine what merging `changes` would do; it
/// keeps them for the merge (`incoming` says so).
async fn preview(
    state: AppState,
    name: &str,
    changes: Vec<u8>,
    incoming: StoredValue<bool, LocalStorage>,
) -> Result<Opened, String> {
    match state.ask(Query::Preview { changes }).await {
        Some(Answer::Preview(Ok(p))) => {
            incoming.set_value(true);
            Ok(Opened::Preview(p))
        }
        Some(Answer::Preview(Err(e))) => Err(format!(
            "“{name}” could not be compared: {e}. Nothing was changed."
        )),
        _ => Err(STILL_OPENING.into()),
    }
}

const STILL_OPENING: &str = "The workbook is still opening; try again in a moment.";

/// Reads a chosen file. Of a copy of the open workbook, the changes it
/// brings are kept by the engine for the merge (the copy itself is dropped
/// before the preview, so a large workbook is never held three times); any other workbook is stored (merged into the stored copy
/// if this browser has one). Errors are sentences for the person; nothing
/// is changed when one is returned.
async fn open_file(
    state: AppState,
    file: &web_sys::File,
    incoming: StoredValue<bool, LocalStorage>,
    carried: StoredValue<Option<crate::carry::Carried>, LocalStorage>,
) -> Result<Opened, String> {
    let name = file.name();
    let too_large = || format!("“{name}” is too large to be a workbook file. Nothing was changed.");
    if file.size() > MAX_CONTAINER_BYTES {
        return Err(too_large());
    }
    let buffer = JsFuture::from(file.array_buffer()).await.map_err(|e| {
        format!(
            "“{name}” could not be read ({}). Nothing was changed.",
            js_text(&e)
        )
    })?;
    // A container's files stay JavaScript arrays, read by the zip worker.
    let array = js_sys::Uint8Array::new(&buffer);
    let head = array.subarray(0, 64).to_vec();
    let container = sms_core::container::is_container(&head);
    if !container && file.size() > MAX_FILE_BYTES {
        return Err(too_large());
    }
    let bytes = if container {
        let (document, files) = crate::carry::unpack(&array)
            .await
            .map_err(|e| cannot_open(&name, e))?;
        carried.set_value(Some(files));
        document
    } else {
        array.to_vec()
    };
    drop(array);

    // The file worker reads the file, off the page: for a file of the open
    // workbook it sends back only the changes the workbook lacks (the
    // engine previews and merges them); another workbook's file it merges
    // into this browser's copy of that workbook, or keeps whole.
    let open_id = state.workbook_id();
    let have = match open_id {
        Some(_) => match state.ask(Query::ChangeHashes).await {
            Some(Answer::ChangeHashes(h)) => h,
            _ => return Err(STILL_OPENING.into()),
        },
        None => Vec::new(),
    };
    let id = match crate::file_worker::read(&bytes, open_id.as_ref(), &have).await {
        Ok(crate::file_worker::Read::Same(changes)) => {
            return preview(state, &name, changes, incoming).await;
        }
        Ok(crate::file_worker::Read::Other { id }) => id,
        Err(e) => return Err(cannot_open(&name, e)),
    };

    // Another workbook this browser holds: previewed and confirmed like
    // the open one, never merged straight away.
    let (target, preview) = crate::keep::prepare(state, &bytes, false, &id)
        .await
        .map_err(|e| match e {
            KeepError::NotSaving => format!(
                "“{name}” is another workbook, and this browser is not saving workbooks, so it cannot be kept. Nothing was changed."
            ),
            e => format!("“{name}” could not be opened: {e}. Nothing was changed."),
        })?;
    drop(bytes);
    if let Some(preview) = preview {
        return Ok(Opened::PreviewStored(Box::new(target), preview));
    }
    let files = carried.try_update_value(Option::take).flatten();
    let stored = crate::carry::store(state, files)
        .await
        .map_err(|e| format!("“{name}” could not be stored: {e}. Nothing was changed."))?;
    crate::keep::store(state, &target)
        .await
        .map_err(|e| format!("“{name}” could not be stored: {e}. Nothing was changed."))?;
    Ok(Opened::Kept(format!(
        "“{}” was added to the workbooks in this browser{}. Open it from the list.",
        target.name,
        if stored == 0 {
            String::new()
        } else {
            format!(", with {}", crate::carry::files(stored))
        }
    )))
}

/// Why a chosen file could not be opened, in words.
fn cannot_open(name: &str, e: crate::worker::Failed) -> String {
    match e {
        crate::worker::Failed::Said(e) => {
            format!("“{name}” could not be opened: {e}. Nothing was changed.")
        }
        crate::worker::Failed::Module(e) => format!(
            "“{name}” could not be opened: the app's file reader could not start ({e}). Reload the page and try again. Nothing was changed."
        ),
    }
}

/// Why the open workbook cannot be written to a file at this moment.
fn not_now(state: AppState) -> String {
    if state.is_importing() {
        "Nothing was downloaded: an import is running; try again when it has finished.".into()
    } else {
        "Nothing was downloaded: the workbook is not open (it is still opening, or could not be read).".into()
    }
}

/// Stores a confirmed merge into another workbook of this browser;
/// returns its name.
async fn merge_into_stored(state: AppState, target: crate::keep::Target) -> Result<String, String> {
    crate::keep::store(state, &target)
        .await
        .map_err(|e| e.to_string())?;
    Ok(target.name)
}

/// What a merge would do beyond editing records, in words, if anything.
fn warnings(p: &MergePreview) -> Option<String> {
    let mut parts = Vec::new();
    if p.removed > 0 {
        parts.push(format!(
            "remove {} from the workbook for good",
            plural(p.removed, "record")
        ));
    }
    if p.moved > 0 {
        parts.push(format!(
            "move {} to another register",
            plural(p.moved, "record")
        ));
    }
    for key in &p.other_fields {
        parts.push(match key.as_str() {
            sms_core::schema::KEY_SCHEMA_VERSION => {
                "upgrade the workbook's format version".to_owned()
            }
            other => format!("change the workbook's field “{other}”"),
        });
    }
    (!parts.is_empty()).then(|| {
        format!(
            "This merge would also {}. Merge only if you expected this.",
            join_words(&parts)
        )
    })
}

/// "7 changes by Ben Harris (4) and Cleo Ortiz (3), 27 Nov 2026 to 28 Nov 2026."
fn summary_line(p: &MergePreview) -> String {
    let who: Vec<String> = p
        .authors
        .iter()
        .map(|a| format!("{} ({})", a.name, a.changes))
        .collect();
    let first = p.authors.iter().filter_map(|a| a.first).min();
    let last = p.authors.iter().filter_map(|a| a.last).max();
    let when = match (first, last) {
        (Some(f), Some(l)) if f.date_naive() == l.date_naive() => {
            format!(", on {}", sms_core::dates::short(f.date_naive()))
        }
        (Some(f), Some(l)) => format!(
            ", {} to {}",
            sms_core::dates::short(f.date_naive()),
            sms_core::dates::short(l.date_naive())
        ),
        _ => String::new(),
    };
    format!(
        "{} by {}{when}.",
        plural(p.changes, "change"),
        join_words(&who)
    )
}

fn join_words(items: &[String]) -> String {
    match items {
        [] => "unknown authors".into(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

pub(crate) fn js_text(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "unknown error".into())
}

/// Offers the workbook file `bytes` as a download named `name`, as a
/// container carrying the attached files this browser has when it refers to
/// any; returns what was downloaded, in words.
async fn write_file(state: AppState, name: &str, bytes: Vec<u8>) -> Result<String, String> {
    let container = crate::carry::container(state, &bytes)
        .await
        .map_err(|e| e.to_string())?;
    let (size, carried, missing) = match container {
        None => {
            save_file(name, &bytes)?;
            (bytes.len() as f64, 0, 0)
        }
        Some(w) => {
            drop(bytes);
            save_bytes(name, &w.bytes)?;
            (w.bytes.length() as f64, w.carried, w.missing)
        }
    };
    let mut words = format!("Downloaded “{name}” ({}", crate::pwa::human_size(size));
    if carried > 0 {
        words.push_str(&format!(", with {}", crate::carry::files(carried)));
    }
    words.push_str(").");
    if missing > 0 {
        words.push_str(&format!(
            " Not on this device, so not in the file: {}.",
            crate::carry::files(missing)
        ));
    }
    Ok(words)
}

/// Offers `bytes` as a download named `name`.
fn save_file(name: &str, bytes: &[u8]) -> Result<(), String> {
    save_typed(name, "application/octet-stream", bytes)
}

/// Offers the JavaScript array `bytes` as a download named `name`.
pub(crate) fn save_bytes(name: &str, bytes: &js_sys::Uint8Array) -> Result<(), String> {
    let blob = web_sys::Blob::new_with_u8_array_sequence(&js_sys::Array::of1(bytes))
        .map_err(|e| js_text(&e))?;
    save_blob(name, &blob)
}

/// Offers `bytes` as a download named `name`, of MIME type `mime`.
pub(crate) fn save_typed(name: &str, mime: &str, bytes: &[u8]) -> Result<(), String> {
    let array = js_sys::Uint8Array::from(bytes);
    let parts = js_sys::Array::of1(&array);
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)
        .map_err(|e| js_text(&e))?;
    save_blob(name, &blob)
}

/// Offers `blob` as a download named `name`.
pub(crate) fn save_blob(name: &str, blob: &web_sys::Blob) -> Result<(), String> {
    let url = web_sys::Url::create_object_url_with_blob(blob).map_err(|e| js_text(&e))?;
    let document = document();
    let a: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(|e| js_text(&e))?
        .unchecked_into();
    a.set_href(&url);
    a.set_download(name);
    a.set_hidden(true);
    let body = document.body().ok_or("the page has no body")?;
    body.append_child(&a).map_err(|e| js_text(&e))?;
    a.click();
    a.remove();
    // Let the download start before the URL is released.
    let release = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    let _ = window()
        .set_timeout_with_callback_and_timeout_and_arguments_0(release.unchecked_ref(), 10_000);
    Ok(())
}
