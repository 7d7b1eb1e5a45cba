//! Exchanging workbook files with other people: download the open workbook
//! as one `.smsw` file, and open a file — merged into the open workbook
//! after a summary the person confirms, or kept as another workbook.

use leptos::{prelude::*, task::spawn_local};
use sms_core::engine::{Answer, Edit, Query};
use sms_core::{
    exchange::{file_name, MergePreview},
    storage::{chunk_key, load_order, ChunkKind},
    Workbook,
};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::{platform, state::AppState};

/// Files larger than this are refused before reading (a workbook of 50,000
/// records is a few MB).
const MAX_FILE_BYTES: f64 = 256.0 * 1024.0 * 1024.0;

/// The file chosen and what merging it would change.
#[derive(Clone)]
struct Pending {
    file: String,
    preview: MergePreview,
    /// The name of the other workbook in this browser the file belongs to,
    /// when it is not the open one.
    into_stored: Option<String>,
}

/// A workbook of this browser that is not open, loaded to merge a file
/// into it once the person confirms, with the changes the file brings.
struct StoredTarget {
    workbook: Workbook,
    changes: sms_core::Incoming,
}

/// A file size in words people read ("2.4 MB").
fn size_label(bytes: usize) -> String {
    match bytes {
        0..1_000 => format!("{bytes} bytes"),
        1_000..1_000_000 => format!("{:.0} KB", bytes as f64 / 1e3),
        _ => format!("{:.1} MB", bytes as f64 / 1e6),
    }
}

/// Download and open-file controls, for the workbooks page.
#[component]
pub fn Exchange(#[prop(into)] on_added: Callback<()>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let message = RwSignal::new(None::<(bool, String)>);
    let pending = RwSignal::new(None::<Pending>);
    // The open workbook's engine holds the changes a preview showed.
    let incoming = StoredValue::new_local(false);
    let into_stored = StoredValue::new_local(None::<StoredTarget>);
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
            let out = match state.ask(Query::File) {
                Some(Answer::File { name, bytes }) => Some((name, bytes)),
                _ => None,
            };
            preparing.set(false);
            let Some((name, bytes)) = out else {
                message.set(Some((false, not_now(state))));
                return;
            };
            let file = file_name(&name, platform::now().date_naive());
            match save_file(&file, &bytes) {
                Ok(()) => message.set(Some((
                    true,
                    format!("Downloaded “{file}” ({}).", size_label(bytes.len())),
                ))),
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
                    format!("Downloaded “{file}” ({}).", size_label(n)),
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
        pending.set(None);
        message.set(None);
        busy.set(true);
        spawn_local(async move {
            let result = open_file(state, &file, incoming).await;
            busy.set(false);
            match result {
                Ok(Opened::Preview(preview)) if preview.is_empty() => message.set(Some((
                    true,
                    format!(
                        "“{}” holds nothing new: every change in it is already in this workbook.",
                        file.name()
                    ),
                ))),
                Ok(Opened::Preview(preview)) => pending.set(Some(Pending {
                    file: file.name(),
                    preview,
                    into_stored: None,
                })),
                Ok(Opened::PreviewStored(target, preview)) if preview.is_empty() => {
                    let stored = target.workbook.name();
                    message.set(Some((
                        true,
                        format!(
                            "“{}” belongs to “{stored}”, another workbook in this browser, and holds nothing new for it.",
                            file.name()
                        ),
                    )))
                }
                Ok(Opened::PreviewStored(target, preview)) => {
                    let stored = target.workbook.name();
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
            spawn_local(async move {
                let result = merge_into_stored(state, target).await;
                busy.set(false);
                match result {
                    Ok(stored) => {
                        message.set(Some((
                            true,
                            format!(
                                "Merged {} from “{}” into “{stored}”. Open it from the list to see them.",
                                plural(p.preview.changes, "change"),
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
        incoming.set_value(false);
        match state.change(Edit::MergePreviewed) {
            Ok(_) => {
                let ids = p.preview.records.clone();
                state.mark_merged(ids);
                message.set(Some((
                    true,
                    format!(
                        "Merged {} from “{}”.",
                        plural(p.preview.changes, "change"),
                        p.file
                    ),
                )));
            }
            Err(e) => message.set(Some((
                false,
                format!("Could not merge: {e}. Nothing was changed."),
            ))),
        }
        pending.set(None);
    };
    let cancel = move |_| {
        forget_preview(state, incoming);
        into_stored.set_value(None);
        pending.set(None);
        message.set(Some((true, "Nothing was merged.".into())));
    };

    view! {
        <h3>"Share with others"</h3>
        <p class="hint">
            "A workbook file holds every record and its history. Send it to a colleague: opening it in their copy of the workbook merges your changes with theirs, and nobody's work is lost."
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
        <Show when=move || busy.get()>
            <p role="status">"Reading the file…"</p>
        </Show>
        <Show when=move || preparing.get()>
            <p role="status" class="progress-note">"Preparing the file…"</p>
        </Show>
        {move || message.get().map(|(ok, m)| {
            if ok {
                view! { <p class="notice" role="status">{m}</p> }.into_any()
            } else {
                view! { <p class="field-error" role="alert">{m}</p> }.into_any()
            }
        })}
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
    PreviewStored(Box<StoredTarget>, MergePreview),
    /// Another workbook, kept in this browser; the message says how.
    Kept(String),
}

/// The open workbook's engine forgets the changes it holds for a merge.
fn forget_preview(state: AppState, incoming: StoredValue<bool, LocalStorage>) {
    if incoming.get_value() {
        incoming.set_value(false);
        state.ask(Query::DropPreview);
    }
}

/// Asks the open workbook's engine what merging `changes` would do; it
/// keeps them for the merge (`incoming` says so).
fn preview(
    state: AppState,
    name: &str,
    changes: Vec<u8>,
    incoming: StoredValue<bool, LocalStorage>,
) -> Result<Opened, String> {
    match state.ask(Query::Preview { changes }) {
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
) -> Result<Opened, String> {
    let name = file.name();
    if file.size() > MAX_FILE_BYTES {
        return Err(format!(
            "“{name}” is too large to be a workbook file. Nothing was changed."
        ));
    }
    let buffer = JsFuture::from(file.array_buffer()).await.map_err(|e| {
        format!(
            "“{name}” could not be read ({}). Nothing was changed.",
            js_text(&e)
        )
    })?;
    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();

    // A file of the open workbook is read by the file worker, which sends
    // back only the changes it lacks: the file's whole document is never
    // loaded on the page. (Another workbook's file is kept or merged into
    // this browser's copy of it, which needs its document here.)
    if let Some(open_id) = state.workbook_id() {
        let have = match state.ask(Query::ChangeHashes) {
            Some(Answer::ChangeHashes(h)) => h,
            _ => return Err(STILL_OPENING.into()),
        };
        match crate::file_worker::read(&bytes, &open_id, &have).await {
            Ok(crate::file_worker::Read::Same(changes)) => {
                return preview(state, &name, changes, incoming);
            }
            Ok(crate::file_worker::Read::Other) => {}
            Err(crate::worker::Failed::Said(e)) => {
                return Err(format!(
                    "“{name}” could not be opened: {e}. Nothing was changed."
                ))
            }
            // Without the worker (it could not start), the page reads the
            // file itself, as below.
            Err(crate::worker::Failed::Module(_)) => {}
        }
    }

    if let Some(needed) = memory_short_for(bytes.len()) {
        return Err(format!(
            "“{name}” is too large to open beside this workbook in this tab: it would need about {needed:.1} GB of memory, more than a browser tab can use. Merging files of workbooks this large is not possible in the browser yet. Nothing was changed."
        ));
    }
    let mut other = Workbook::read_file(&bytes, platform::new_actor())
        .map_err(|e| format!("“{name}” could not be opened: {e}. Nothing was changed."))?;

    let open_id = state.summary(|s| s.id.clone());
    if open_id.as_ref() == Some(other.id()) {
        // What the file holds beyond the open workbook, checked and
        // previewed by the engine like the file worker's answer.
        let have: std::collections::HashSet<_> = match state.ask(Query::ChangeHashes) {
            Some(Answer::ChangeHashes(h)) => h.into_iter().collect(),
            _ => return Err(STILL_OPENING.into()),
        };
        let changes = other.changes_not_in(&have);
        drop(other);
        return preview(state, &name, changes, incoming);
    }

    // Another workbook this browser holds: previewed and confirmed like
    // the open one, never merged straight away.
    if let Some(target) = load_stored(state, &mut other).await? {
        drop(other);
        let preview = target.workbook.preview_incoming(&target.changes);
        return Ok(Opened::PreviewStored(Box::new(target), preview));
    }

    match keep_workbook(state, &mut other).await {
        Ok(Kept::Added) => Ok(Opened::Kept(format!(
            "“{}” was added to the workbooks in this browser. Open it from the list.",
            other.name()
        ))),
        Ok(Kept::MergedInto(stored)) => Ok(Opened::Kept(format!(
            "“{name}” belongs to “{stored}”, another workbook in this browser; it was merged into it. Open it from the list to see the changes."
        ))),
        Err(KeepError::NotSaving) => Err(format!(
            "“{name}” is another workbook, and this browser is not saving workbooks, so it cannot be kept. Nothing was changed."
        )),
        Err(KeepError::Storage(e)) => Err(format!("“{name}” could not be stored: {e}. Nothing was changed.")),
        Err(KeepError::Unreadable { stored, why }) => Err(format!(
            "The copy of “{stored}” in this browser could not be read ({why}), so “{name}” was not merged into it."
        )),
        Err(KeepError::Merge(e)) => Err(format!("“{name}” could not be merged: {e}. Nothing was changed.")),
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

/// This browser's copy of `other`'s workbook (not the open one) with the
/// changes `other` brings to it, or `None` if this browser has no copy.
async fn load_stored(
    state: AppState,
    other: &mut Workbook,
) -> Result<Option<StoredTarget>, String> {
    let Some(store) = state.store() else {
        return Ok(None);
    };
    let found = stored_copy(&store, other.id()).await.map_err(|e| match e {
        KeepError::Unreadable { stored, why } => format!(
            "The copy of “{stored}” in this browser could not be read ({why}), so nothing was merged into it."
        ),
        e => format!("The workbooks in this browser could not be read: {e}. Nothing was changed."),
    })?;
    let Some(mut workbook) = found else {
        return Ok(None);
    };
    let changes = workbook.incoming(other).map_err(|e| {
        format!(
            "The file could not be compared with “{}”: {e}. Nothing was changed.",
            workbook.name()
        )
    })?;
    workbook.track_changes();
    Ok(Some(StoredTarget { workbook, changes }))
}

/// Merges a confirmed file into another workbook of this browser and
/// stores it; returns its name.
async fn merge_into_stored(state: AppState, target: StoredTarget) -> Result<String, String> {
    let StoredTarget {
        mut workbook,
        changes,
    } = target;
    let store = state
        .store()
        .ok_or("this browser is not saving workbooks")?;
    workbook
        .merge_incoming(changes)
        .map_err(|e| e.to_string())?;
    store_copy(&store, &mut workbook)
        .await
        .map_err(|e| e.to_string())?;
    Ok(workbook.name())
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

/// How much memory reading a workbook file, previewing and merging it
/// takes, per byte of the file, at most: loading the file's document peaks
/// at about 130 (a 9.7 MB file of a 50,000-record workbook took 1.25 GB,
/// measured natively with `merge_memory`); the preview and the merge, made
/// in small batches, add nothing measurable. In the page the growth is
/// smaller still, as memory freed after the workbook's own load is used
/// again (a 1.9 MB file at 10,000 records: 20 MB; docs/PERFORMANCE.md).
const MEMORY_PER_FILE_BYTE: f64 = 150.0;

/// The most memory a WebAssembly page can address (4 GiB), less a margin.
const MEMORY_LIMIT: f64 = 0.95 * 4.0 * 1024.0 * 1024.0 * 1024.0;

/// If opening a file of `len` bytes would take the page past what it can
/// address — where it would stop with an error, not a message — the total
/// it would need, in GB.
fn memory_short_for(len: usize) -> Option<f64> {
    #[cfg(target_arch = "wasm32")]
    let in_use = core::arch::wasm32::memory_size(0) as f64 * 65536.0;
    #[cfg(not(target_arch = "wasm32"))]
    let in_use = 0.0;
    let needed = in_use + len as f64 * MEMORY_PER_FILE_BYTE;
    (needed > MEMORY_LIMIT).then_some(needed / 1e9)
}

/// How [`keep_workbook`] kept a workbook.
pub(crate) enum Kept {
    /// As a new workbook in this browser.
    Added,
    /// Merged into this browser's copy of it, now named so.
    MergedInto(String),
}

/// Why [`keep_workbook`] kept nothing.
pub(crate) enum KeepError {
    NotSaving,
    Storage(crate::idb::StorageError),
    /// This browser's copy of that workbook (so named) could not be read.
    Unreadable {
        stored: String,
        why: String,
    },
    Merge(String),
}

impl std::fmt::Display for KeepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeepError::NotSaving => f.write_str("this browser is not saving workbooks"),
            KeepError::Storage(e) => write!(f, "{e}"),
            KeepError::Unreadable { stored, why } => {
                write!(
                    f,
                    "the copy of “{stored}” in this browser could not be read ({why})"
                )
            }
            KeepError::Merge(e) => f.write_str(e),
        }
    }
}

/// Stores `wb` (not the open workbook) in this browser: merged into the
/// stored copy of that workbook if there is one, else as a new workbook.
/// Nothing is stored when an error is returned.
pub(crate) async fn keep_workbook(state: AppState, wb: &mut Workbook) -> Result<Kept, KeepError> {
    let store = state.store().ok_or(KeepError::NotSaving)?;
    let Some(mut stored) = stored_copy(&store, wb.id()).await? else {
        store_copy(&store, wb).await.map_err(KeepError::Storage)?;
        return Ok(Kept::Added);
    };
    stored
        .merge(wb)
        .map_err(|e| KeepError::Merge(e.to_string()))?;
    store_copy(&store, &mut stored)
        .await
        .map_err(KeepError::Storage)?;
    Ok(Kept::MergedInto(stored.name()))
}

/// This browser's copy of workbook `id`, read from storage, if it has one.
async fn stored_copy(
    store: &crate::idb::ChunkStore,
    id: &sms_core::WorkbookId,
) -> Result<Option<Workbook>, KeepError> {
    let known = store.workbooks().await.map_err(KeepError::Storage)?;
    let Some((_, stored_name)) = known.iter().find(|(k, _)| k == id) else {
        return Ok(None);
    };
    let mut chunks = store.load(id).await.map_err(KeepError::Storage)?;
    load_order(&mut chunks);
    Workbook::load(
        chunks.iter().map(|(_, b)| b.as_slice()),
        platform::new_actor(),
    )
    .map(Some)
    .map_err(|e| KeepError::Unreadable {
        stored: stored_name.clone(),
        why: e.to_string(),
    })
}

/// Stores a whole workbook that is not the open one, as one snapshot beside
/// any chunks it already has (its changes are identified by hash, so
/// nothing is doubled), with its name.
async fn store_copy(
    store: &crate::idb::ChunkStore,
    wb: &mut Workbook,
) -> Result<(), crate::idb::StorageError> {
    let bytes = wb.save();
    let key = chunk_key(wb.id(), ChunkKind::Snapshot, &bytes);
    store.write(&[(&key, &bytes)], &[], None).await?;
    store.set_name(wb.id(), &wb.name()).await
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
            format!(", on {}", f.format("%-d %b %Y"))
        }
        (Some(f), Some(l)) => format!(", {} to {}", f.format("%-d %b %Y"), l.format("%-d %b %Y")),
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

fn js_text(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "unknown error".into())
}

/// Offers `bytes` as a download named `name`.
fn save_file(name: &str, bytes: &[u8]) -> Result<(), String> {
    save_typed(name, "application/octet-stream", bytes)
}

/// Offers `bytes` as a download named `name`, of MIME type `mime`.
pub(crate) fn save_typed(name: &str, mime: &str, bytes: &[u8]) -> Result<(), String> {
    let array = js_sys::Uint8Array::from(bytes);
    let parts = js_sys::Array::of1(&array);
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)
        .map_err(|e| js_text(&e))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| js_text(&e))?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_too_large_for_the_page_memory_are_refused_before_reading() {
        // A 50,000-record workbook's file (about 9.7 MB) can be merged; a
        // file three times that size would need more than 4 GiB.
        assert_eq!(memory_short_for(9_700_000), None);
        let needed = memory_short_for(30_000_000).expect("refused");
        assert!((4.0..5.0).contains(&needed), "{needed} GB");
    }
}
