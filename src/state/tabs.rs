//! Other tabs of this app on the same workbook: every chunk a tab stores is
//! announced on a BroadcastChannel and applied by the others.

use leptos::{prelude::*, task::spawn_local};
use sms_core::WorkbookId;
use wasm_bindgen::JsCast;

use super::AppState;

/// A chunk another tab stored: (workbook, its key if the tab said, bytes).
pub(super) type Told = (String, Option<String>, Vec<u8>);

/// The BroadcastChannel every tab of the app on this origin joins.
const CHANNEL: &str = "sms-workbook";

impl AppState {
    /// Other tabs on this workbook send every chunk they store; applying it
    /// shows their edits here at once (Automerge changes apply once, so a
    /// repeated or late message is harmless).
    pub(super) fn listen_to_other_tabs(&self) {
        if self.channel.with_value(Option::is_some) {
            return;
        }
        let Ok(channel) = web_sys::BroadcastChannel::new(CHANNEL) else {
            return;
        };
        let state = *self;
        let on_message = wasm_bindgen::closure::Closure::<dyn Fn(web_sys::MessageEvent)>::new(
            move |ev: web_sys::MessageEvent| {
                let data = ev.data();
                let id = js_sys::Reflect::get(&data, &"workbook".into())
                    .ok()
                    .and_then(|v| v.as_string());
                let bytes = js_sys::Reflect::get(&data, &"bytes".into())
                    .ok()
                    .and_then(|v| v.dyn_into::<js_sys::Uint8Array>().ok());
                let key = js_sys::Reflect::get(&data, &"key".into())
                    .ok()
                    .and_then(|v| v.as_string());
                if let (Some(id), Some(bytes)) = (id, bytes) {
                    state.absorb(&id, key, &bytes.to_vec());
                }
            },
        );
        channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        // Lives as long as the page.
        on_message.forget();
        self.channel.set_value(Some(channel));
    }

    /// Applies a chunk another tab stored (under `key`, if it said), if it
    /// is of the open workbook.
    pub(super) fn absorb(&self, workbook: &str, key: Option<String>, bytes: &[u8]) {
        if self.is_importing() {
            self.deferred
                .update_value(|d| d.push((workbook.to_owned(), key, bytes.to_vec())));
            return;
        }
        if self.workbook_id().as_ref().map(WorkbookId::as_str) != Some(workbook) {
            return;
        }
        if !self.ensure_loaded() {
            return;
        }
        let sent = self.doc().edit(
            &sms_core::engine::Edit::Absorb {
                bytes: bytes.to_vec(),
            },
            &self.context(),
        );
        let state = *self;
        spawn_local(async move {
            let (more, (r, update)) = match sent.await {
                Ok(answer) => answer,
                Err(e) => (
                    0,
                    (
                        Err(sms_core::WorkbookError::Document(e)),
                        Default::default(),
                    ),
                ),
            };
            // Even a refused chunk may have been applied in part.
            if more > 0 {
                state.took_sliced(&update, false, more).await;
            } else {
                state.take_update(&update);
            }
            if let Err(e) = r {
                // This tab keeps working without it; the chunk stays in
                // storage for the next start, which checks it again.
                state.report.set(Some(format!(
                    "Changes saved by another tab were not applied here: {e}. Your work in this tab is kept."
                )));
                return;
            }
            {
                let saver = state.saver.get_value();
                let mut s = saver.borrow_mut();
                match key {
                    Some(k) => {
                        s.known.insert(k);
                    }
                    // The view cannot say which chunks it reflects.
                    None => s.view_base_due = true,
                }
            }
            if !update.is_empty() {
                state.revision.update(|r| *r += 1);
            }
        });
    }

    /// Tells the other tabs about a chunk this tab has stored.
    pub(super) fn announce(&self, workbook: &WorkbookId, key: &str, bytes: &[u8]) {
        self.channel.with_value(|c| {
            if let Some(c) = c {
                let msg = js_sys::Object::new();
                let _ = js_sys::Reflect::set(&msg, &"workbook".into(), &workbook.as_str().into());
                let _ = js_sys::Reflect::set(&msg, &"key".into(), &key.into());
                let _ = js_sys::Reflect::set(
                    &msg,
                    &"bytes".into(),
                    &js_sys::Uint8Array::from(bytes).into(),
                );
                let _ = c.post_message(&msg);
            }
        });
    }
}
