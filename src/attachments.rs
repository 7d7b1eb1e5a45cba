//! Attached files on a record or checklist item: adding them (a file
//! picker or dropped files, read in slices with a progress bar, hashed by
//! the browser's own SHA-256 off the page's thread, stored once by hash in
//! IndexedDB, then described in the workbook), and the list — preview,
//! download with the original name and bytes, dates, remove.
//!
//! The bytes never enter the WebAssembly memory: they stay a `Blob` from
//! the picker to IndexedDB and back to a download or preview.

use js_sys::{ArrayBuffer, Uint8Array};
use leptos::prelude::*;
use sms_core::attachments::{Attachment, FileHash, NewAttachment, On, MAX_FILE_BYTES};
use sms_core::engine::Edit;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::exchange::js_text;
use crate::state::AppState;

/// Bytes read from a file per step (the progress bar moves each step).
const SLICE: f64 = 4.0 * 1024.0 * 1024.0;

/// Reads `file` in slices (reporting the fraction read) and returns its
/// SHA-256, computed by the browser.
async fn fingerprint(
    file: &web_sys::File,
    progress: impl Fn(&'static str, Option<f64>),
) -> Result<FileHash, String> {
    let size = file.size();
    let all = Uint8Array::new_with_length(size as u32);
    let mut at = 0.0;
    while at < size {
        let end = (at + SLICE).min(size);
        let part = file
            .slice_with_f64_and_f64(at, end)
            .map_err(|e| js_text(&e))?;
        let buf: ArrayBuffer = JsFuture::from(part.array_buffer())
            .await
            .map_err(|e| js_text(&e))?
            .unchecked_into();
        all.set(&Uint8Array::new(&buf), at as u32);
        at = end;
        progress("Reading", Some(at / size));
    }
    progress("Fingerprinting", None);
    let subtle = web_sys::window()
        .ok_or("no window")?
        .crypto()
        .map_err(|e| js_text(&e))?
        .subtle();
    let digest = subtle
        .digest_with_str_and_buffer_source("SHA-256", &all)
        .map_err(|e| js_text(&e))?;
    let digest: ArrayBuffer = JsFuture::from(digest)
        .await
        .map_err(|e| js_text(&e))?
        .unchecked_into();
    let bytes = Uint8Array::new(&digest).to_vec();
    Ok(FileHash(bytes.try_into().map_err(|_| {
        "the browser gave a fingerprint of the wrong size"
    })?))
}

/// Adds one file to `on`: refused in words, with nothing stored, when it
/// is too large or does not fit; its bytes are stored before the workbook
/// describes it, and taken away again if that fails.
async fn add_file(
    state: AppState,
    on: On,
    file: web_sys::File,
    effective: Option<chrono::NaiveDate>,
    valid_until: Option<chrono::NaiveDate>,
    progress: impl Fn(&'static str, Option<f64>),
) -> Result<String, String> {
    let name = file.name();
    let size = file.size();
    if size > MAX_FILE_BYTES as f64 {
        return Err(format!(
            "“{name}” is {}, more than the 50 MB a file may have; it was not added.",
            crate::pwa::human_size(size)
        ));
    }
    let store = state
        .store()
        .ok_or("This browser is not saving workbooks, so it cannot keep files.")?;
    let hash = fingerprint(&file, &progress)
        .await
        .map_err(|e| format!("“{name}” could not be read ({e}); it was not added."))?;
    progress("Storing", None);
    let hex = hash.to_hex();
    let new = store.put_file(&hex, &file).await.map_err(|e| match e {
        crate::idb::StorageError::Full => format!(
            "“{name}” does not fit: the disk is full or the browser's storage quota is used up. Nothing was added."
        ),
        e => format!("“{name}” could not be stored: {e}. Nothing was added."),
    })?;
    let attachment = NewAttachment {
        id: sms_core::AttachmentId::from_random(crate::platform::random16()),
        hash,
        name: name.clone(),
        media_type: file.type_(),
        size: size as u64,
        effective,
        valid_until,
    };
    if let Err(e) = state.change(Edit::Attach { on, attachment }).await {
        if new {
            let _ = store.delete_file(&hex).await;
        }
        return Err(format!("“{name}” was not added: {e}."));
    }
    Ok(name)
}

/// Offers an attached file's stored bytes as a download, or shows them.
async fn stored_blob(state: AppState, a: &Attachment) -> Result<web_sys::Blob, String> {
    let store = state
        .store()
        .ok_or("This browser is not saving workbooks.")?;
    let blob = store
        .file(&a.hash.to_hex())
        .await
        .map_err(|e| e.to_string())?
        .ok_or("this file is not on this device yet")?;
    // The stored bytes carry no name or type of their own: give them this
    // attachment's type, so a preview shows them as what they are.
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(&a.media_type);
    web_sys::Blob::new_with_blob_sequence_and_options(&js_sys::Array::of1(&blob), &options)
        .map_err(|e| js_text(&e))
}

/// The files attached to a record or checklist item, and adding more.
///
/// Kept small on purpose (it is on the start-up module): its state uses
/// signal types the app has already, and the rows are plain DOM.
#[component]
pub fn Attachments(on: On) -> impl IntoView {
    let state = expect_context::<AppState>();
    let on = StoredValue::new(on);
    let list = move || match on.get_value() {
        On::Record(id) => state
            .index(|ix| ix.get(&id).map(|e| e.attachments.clone()))
            .unwrap_or_default(),
        On::Item(c) => state
            .summary(|s| s.checklist_item(c.number).attachments)
            .unwrap_or_default(),
    };
    // Hashes whose bytes this browser holds, once asked (`checked`).
    let here = RwSignal::new(Vec::<String>::new());
    let checked = RwSignal::new(false);
    // What is being added ("" when nothing) and how far (below 0: unknown).
    let adding = RwSignal::new(String::new());
    let done = RwSignal::new(0.0_f64);
    let message = RwSignal::new(None::<(bool, String)>);
    let effective = RwSignal::new(String::new());
    let until = RwSignal::new(String::new());
    // Shown: [object URL, name, "pdf" or "img"], or nothing.
    let preview = RwSignal::new(Vec::<String>::new());
    // The attachment whose dates are being changed ("" when none).
    let dating = RwSignal::new(String::new());
    // Its dates as the fields showed them: only what the person changes
    // is written, whatever someone else changed meanwhile.
    let seen = StoredValue::new((None, None));
    let list_el = NodeRef::<leptos::html::Ul>::new();
    let asked = StoredValue::new((Vec::<String>::new(), 0));
    Effect::new(move |_| {
        let items = list();
        let hashes: Vec<String> = items.iter().map(|a| a.hash.to_hex()).collect();
        // Files' bytes that arrived (a workbook file, the relay) count too.
        let arrived = state.files.get();
        if let Some(ul) = list_el.get() {
            draw(
                &ul,
                &items,
                checked.get().then(|| here.get()).as_deref(),
                &dating.get(),
            );
        }
        // Asked again only when the files listed change.
        if asked.with_value(|a| a.0 != hashes || a.1 != arrived) {
            asked.set_value((hashes.clone(), arrived));
            let Some(store) = state.store() else {
                return;
            };
            {
                leptos::task::spawn_local(async move {
                    if let Ok(present) = store.files_here(&hashes).await {
                        here.set(
                            hashes
                                .into_iter()
                                .zip(present)
                                .filter_map(|(h, p)| p.then_some(h))
                                .collect(),
                        );
                        checked.set(true);
                    }
                });
            }
        }
    });

    // Leaves changing dates: the fields are for new files again.
    let stop_dating = move || {
        dating.set(String::new());
        effective.set(String::new());
        until.set(String::new());
    };
    let add_all = move |files: Vec<web_sys::File>| {
        if files.is_empty() || !adding.get_untracked().is_empty() {
            return;
        }
        // Dropped while dates were being changed: those are not theirs.
        if !dating.get_untracked().is_empty() {
            stop_dating();
        }
        let eff = sms_core::dates::parse_iso(&effective.get_untracked());
        let val = sms_core::dates::parse_iso(&until.get_untracked());
        message.set(None);
        leptos::task::spawn_local(async move {
            let (mut added, mut failed) = (Vec::new(), String::new());
            for file in files {
                let name = file.name();
                let progress = move |step: &str, d: Option<f64>| {
                    adding.set(format!("{step} “{name}”"));
                    done.set(d.unwrap_or(-1.0));
                };
                match add_file(state, on.get_value(), file, eff, val, progress).await {
                    Ok(name) => added.push(name),
                    Err(e) => {
                        failed.push(' ');
                        failed.push_str(&e);
                    }
                }
            }
            adding.set(String::new());
            let words = match added.len() {
                0 => String::new(),
                1 => format!("Attached “{}”.", added[0]),
                n => format!("Attached {n} files."),
            };
            message.set(Some((
                failed.is_empty(),
                format!("{words}{failed}").trim().to_owned(),
            )));
        });
    };
    let picked = move |ev: web_sys::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let files = input.files().map(|l| files_of(&l)).unwrap_or_default();
        input.set_value("");
        add_all(files);
    };
    let drop = move |ev: web_sys::DragEvent| {
        ev.prevent_default();
        add_all(
            ev.data_transfer()
                .and_then(|d| d.files())
                .map(|l| files_of(&l))
                .unwrap_or_default(),
        );
    };
    let close_preview = move || {
        if let Some(url) = preview.get_untracked().first() {
            let _ = web_sys::Url::revoke_object_url(url);
        }
        preview.set(Vec::new());
    };
    on_cleanup(close_preview);

    // One listener on the list serves every row's buttons.
    let clicked = move |ev: web_sys::MouseEvent| {
        let Some(button) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|e| e.closest("button[data-act]").ok().flatten())
        else {
            return;
        };
        let what = button.get_attribute("data-act").unwrap_or_default();
        let Some(a) = button
            .get_attribute("data-i")
            .and_then(|i| i.parse::<usize>().ok())
            .and_then(|i| untrack(list).get(i).cloned())
        else {
            return;
        };
        if what == "dates" {
            if dating.get_untracked() == a.id.as_str() {
                stop_dating();
            } else {
                let iso =
                    |d: Option<chrono::NaiveDate>| d.map(sms_core::dates::iso).unwrap_or_default();
                effective.set(iso(a.effective));
                until.set(iso(a.valid_until));
                seen.set_value((a.effective, a.valid_until));
                dating.set(a.id.to_string());
            }
            return;
        }
        leptos::task::spawn_local(async move {
            let failed = match what.as_str() {
                "remove" => match state
                    .change(Edit::RemoveAttachment {
                        on: on.get_value(),
                        id: a.id.clone(),
                    })
                    .await
                {
                    Ok(_) => {
                        message.set(Some((
                            true,
                            format!("Removed “{}”. Undo brings it back.", a.name),
                        )));
                        return;
                    }
                    Err(e) => format!("“{}” was not removed: {e}.", a.name),
                },
                _ => match stored_blob(state, &a).await {
                    Ok(blob) if what == "show" => {
                        close_preview();
                        if let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) {
                            let kind = if a.media_type == "application/pdf" {
                                "pdf"
                            } else {
                                "img"
                            };
                            preview.set(vec![url, a.name.clone(), kind.into()]);
                        }
                        return;
                    }
                    Ok(blob) => match crate::exchange::save_blob(&a.name, &blob) {
                        Ok(()) => return,
                        Err(e) => format!("“{}” could not be downloaded: {e}.", a.name),
                    },
                    Err(e) => format!("“{}” cannot be opened: {e}.", a.name),
                },
            };
            message.set(Some((false, failed)));
        });
    };
    // Saves the dates of the attachment being dated, from the date fields.
    let save_dates = move |_| {
        let Some(a) = untrack(list)
            .into_iter()
            .find(|a| a.id.as_str() == dating.get_untracked())
        else {
            return;
        };
        let e = sms_core::dates::parse_iso(&effective.get_untracked());
        let u = sms_core::dates::parse_iso(&until.get_untracked());
        leptos::task::spawn_local(async move {
            let r = state
                .change(Edit::DateAttachment {
                    on: on.get_value(),
                    id: a.id.clone(),
                    effective: e,
                    valid_until: u,
                    seen: seen.get_value(),
                })
                .await;
            message.set(Some(match r {
                Ok(_) => {
                    stop_dating();
                    (true, format!("Saved the dates of “{}”.", a.name))
                }
                Err(e) => (false, format!("The dates were not saved: {e}.")),
            }));
        });
    };

    view! {
        <section class="attachments" aria-labelledby="attachments-heading">
            <h3 id="attachments-heading">"Attached files"</h3>
            <p class="empty" hidden=move || !list().is_empty()>"No files attached yet."</p>
            <ul class="attachment-list" node_ref=list_el on:click=clicked></ul>
            {move || preview.with(|p| p.len() == 3).then(|| {
                let p = preview.get();
                let alt = format!("Preview of {}", p[1]);
                view! {
                    <figure class="attachment-preview">
                        {if p[2] == "pdf" {
                            view! { <iframe src=p[0].clone() title=alt></iframe> }.into_any()
                        } else {
                            view! { <img src=p[0].clone() alt=alt /> }.into_any()
                        }}
                        <figcaption>
                            {p[1].clone()} " "
                            <button type="button" on:click=move |_| close_preview()>"Close preview"</button>
                        </figcaption>
                    </figure>
                }
            })}
            <div class="drop-zone" on:dragover=move |ev: web_sys::DragEvent| ev.prevent_default() on:drop=drop>
                <p>{move || if dating.get().is_empty() {
                    "Drop files here, or choose them. Each may have up to 50 MB; the workbook keeps its own copy on this device.".to_owned()
                } else {
                    let name = untrack(list).into_iter().find(|a| a.id.as_str() == dating.get()).map(|a| a.name).unwrap_or_default();
                    format!("The dates of “{name}”:")
                }}</p>
                <div class="attachment-dates">
                    <label>
                        "Date of the evidence (optional)"
                        <input type="date" prop:value=move || effective.get()
                            on:change=move |ev| effective.set(event_target_value(&ev)) />
                    </label>
                    <label>
                        "Valid until (optional)"
                        <input type="date" prop:value=move || until.get()
                            on:change=move |ev| until.set(event_target_value(&ev)) />
                    </label>
                </div>
                {move || if dating.get().is_empty() {
                    view! {
                        <label class="button file-button">
                            "Choose files to attach…"
                            <input type="file" multiple class="visually-hidden" on:change=picked />
                        </label>
                    }.into_any()
                } else {
                    view! {
                        <p class="buttons">
                            <button type="button" class="primary" on:click=save_dates>"Save dates"</button>
                            <button type="button" on:click=move |_| stop_dating()>"Cancel"</button>
                        </p>
                    }.into_any()
                }}
            </div>
            <div class="attach-progress" role="status" hidden=move || adding.with(String::is_empty)>
                <span id="attach-progress-label">{move || adding.get()}</span>
                <progress aria-labelledby="attach-progress-label" max="1"
                    value=move || { let d = done.get(); (d >= 0.0).then(|| d.to_string()) }></progress>
            </div>
            {crate::display::said(message)}
        </section>
    }
}

/// What a row's button does.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Act {
    Show,
    Download,
    Dates,
    Remove,
}

impl Act {
    fn word(self) -> &'static str {
        match self {
            Act::Show => "Show",
            Act::Download => "Download",
            Act::Dates => "Dates",
            Act::Remove => "Remove",
        }
    }
}

/// Draws the rows of `list` into `ul`: what each file is, and its
/// buttons (shown and downloaded only when its bytes are here, `here`
/// being unknown until asked).
fn draw(ul: &web_sys::HtmlUListElement, list: &[Attachment], here: Option<&[String]>, open: &str) {
    let doc = document();
    let el = |tag: &str, class: &str, text: &str| {
        let e = doc.create_element(tag).expect("an element");
        if !class.is_empty() {
            e.set_class_name(class);
        }
        if !text.is_empty() {
            e.set_text_content(Some(text));
        }
        e
    };
    ul.set_text_content(None);
    let today = crate::platform::now().date_naive();
    for (i, a) in list.iter().enumerate() {
        let li = el("li", "attachment", "");
        let head = el("div", "", "");
        let _ = head.append_child(&el("span", "attachment-name", &a.name));
        let _ = head.append_child(&el(
            "span",
            "muted",
            &format!(
                " — {}, {}",
                kind_of(a),
                crate::pwa::human_size(a.size as f64)
            ),
        ));
        let _ = li.append_child(&head);
        let mut meta = format!(
            "Added by {}",
            if a.added_by.is_empty() {
                "someone"
            } else {
                &a.added_by
            }
        );
        if let Some(t) = a.added_at {
            meta += &format!(" on {}", sms_core::dates::short(t.date_naive()));
        }
        if let Some(d) = a.effective {
            meta += &format!(" · Evidence of {}", sms_core::dates::short(d));
        }
        if let Some(d) = a.valid_until {
            meta += &format!(" · Valid until {}", sms_core::dates::short(d));
        }
        let meta = el("div", "attachment-meta muted", &meta);
        if a.expired(today) {
            let _ = meta.append_child(&el("span", "chip warn", "Expired"));
        }
        let _ = li.append_child(&meta);
        let hex = a.hash.to_hex();
        let present = here.map(|h| h.contains(&hex));
        if present == Some(false) {
            let _ = li.append_child(&el(
                "p",
                "hint",
                "Not on this device yet: it arrives with the workbook file or through live sharing.",
            ));
        }
        let buttons = el("div", "buttons small", "");
        let mut acts = Vec::new();
        if present == Some(true) {
            if a.previewable() {
                acts.push(Act::Show);
            }
            acts.push(Act::Download);
        }
        acts.extend([Act::Dates, Act::Remove]);
        for what in acts {
            let b = el(
                "button",
                if what == Act::Remove { "danger" } else { "" },
                what.word(),
            );
            let _ = b.set_attribute("type", "button");
            let _ = b.set_attribute("data-act", &what.word().to_lowercase());
            let _ = b.set_attribute("data-i", &i.to_string());
            let label = match what {
                Act::Dates => {
                    let _ = b.set_attribute("aria-expanded", &(open == a.id.as_str()).to_string());
                    format!("Dates of {}", a.name)
                }
                _ => format!("{} {}", what.word(), a.name),
            };
            let _ = b.set_attribute("aria-label", &label);
            let _ = buttons.append_child(&b);
        }
        let _ = li.append_child(&buttons);
        let _ = ul.append_child(&li);
    }
}

/// The files of a file list.
fn files_of(list: &web_sys::FileList) -> Vec<web_sys::File> {
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

/// A file's kind in plain words.
fn kind_of(a: &Attachment) -> String {
    let t = a.media_type.as_str();
    match t {
        "application/pdf" => "PDF".into(),
        "" => "file".into(),
        _ if t.starts_with("image/") => format!("{} image", t[6..].to_uppercase()),
        _ if t.starts_with("text/") => "text".into(),
        _ => t.to_owned(),
    }
}
