//! Opening a workbook: from its stored view at once (the document loads
//! when first needed, or after painting), or from its document; the demo on
//! a first visit; in memory only when storage cannot be used.

use leptos::{prelude::*, task::spawn_local};
use sms_core::{
    engine,
    storage::load_order,
    view::{chunk_digest, Assembler, Summary, ViewError},
    ChangeHash, RecordIndex, WorkbookId,
};

use super::{AppState, Phase, SaveState};
use crate::{
    idb::{ChunkStore, StorageError, DB_NAME},
    platform,
};

/// A workbook shown from its stored view whose document is not loaded yet.
pub(super) struct Pending {
    pub(super) chunks: Vec<(String, Vec<u8>)>,
    pub(super) actor: sms_core::ActorBytes,
    /// The heads the view reflects.
    pub(super) heads: Vec<ChangeHash>,
}

/// A workbook the document worker opened: its id and the read model it
/// sends (everything, when the screen showed something else): the first
/// slice, and how many more it sends when asked.
pub(super) struct Opened {
    pub(super) id: WorkbookId,
    pub(super) update: Option<engine::Update>,
    pub(super) more: u64,
}

impl From<sms_core::engine::host::OpenedAnswer> for Opened {
    fn from(a: sms_core::engine::host::OpenedAnswer) -> Self {
        Opened {
            id: a.id,
            update: a.update,
            more: a.more,
        }
    }
}

impl AppState {
    /// Asks the document worker to open the document of a workbook shown
    /// from its stored view, if that has not happened yet. The worker
    /// loads it off the page, so the person can keep reading meanwhile;
    /// requests made after this are answered after it (an edit made
    /// during the load waits for it, and is never lost). The read model
    /// stays as it is when the document's heads are the view's; otherwise
    /// it is read again from the document. Returns whether a document is
    /// open or being opened.
    pub fn ensure_loaded(&self) -> bool {
        let Some(p) = self.pending.try_update_value(Option::take).flatten() else {
            return self.is_loaded();
        };
        platform::mark("sms:document-load-start");
        self.opening.set(true);
        let chunks: Vec<Vec<u8>> = p.chunks.into_iter().map(|(_, b)| b).collect();
        let opening = self
            .doc()
            .open(p.actor, &self.context(), Some(&p.heads), &chunks);
        drop(chunks);
        self.loaded.set_value(true);
        let state = *self;
        let actor = p.actor;
        spawn_local(async move {
            match opening.await {
                Ok(opened) => {
                    if opened.update.is_some() {
                        // The view was not the document's state after all.
                        state.saver.get_value().borrow_mut().view_base_due = true;
                        state.fill_screen(opened.into()).await;
                    }
                    platform::mark("sms:document-loaded");
                    state.revision.update(|r| *r += 1);
                    state.request_save();
                }
                Err(e) => {
                    state.loaded.set_value(false);
                    state.unreadable(actor, &e);
                }
            }
            state.opening.set(false);
        });
        true
    }

    /// Starts loading the document after the next paint, unless it is
    /// loaded.
    pub fn preload(&self) {
        if self.pending.with_value(Option::is_none) {
            return;
        }
        let state = *self;
        spawn_local(async move {
            platform::next_paint().await;
            state.ensure_loaded();
        });
    }

    /// Makes a workbook the worker opened the open workbook, with the read
    /// model its update lists.
    pub(super) async fn set_opened(&self, opened: Opened) {
        let id = opened.id.clone();
        self.show_marks(&id);
        self.loaded.set_value(true);
        self.fill_screen(opened).await;
        self.listen_to_other_tabs();
    }

    /// Takes a whole read model the worker sends in slices: the first makes
    /// the screen, the rest are asked for and taken one per frame, so a
    /// large workbook never holds the page for long. Nothing is saved
    /// meanwhile (the stored view must not be written from half a screen);
    /// edits made meanwhile are answered in between, and the worker leaves
    /// out of later slices what they gave newer.
    async fn fill_screen(&self, opened: Opened) {
        let Opened { id, update, more } = opened;
        let first = update.unwrap_or_default();
        self.shown_heads.set_value(first.heads.clone());
        let (index, summary) = first.screen(id);
        self.index.set_value(index);
        self.summary.set_value(Some(summary));
        if more == 0 {
            return;
        }
        self.filling.update_value(|n| *n += 1);
        self.revision.update(|r| *r += 1);
        self.take_rest(more).await;
        self.filling.update_value(|n| *n -= 1);
        self.request_save();
    }

    /// Shows a workbook from its stored view; its document is loaded when
    /// first needed ([`AppState::ensure_loaded`]).
    pub(super) fn set_view(&self, summary: Summary, index: RecordIndex, pending: Pending) {
        self.shown_heads.set_value(pending.heads.clone());
        self.index.set_value(index);
        self.show_marks(&summary.id);
        self.summary.set_value(Some(summary));
        self.pending.set_value(Some(pending));
        self.listen_to_other_tabs();
    }

    /// Opens the workbook saved in this browser, or creates the demo
    /// workbook on a first visit.
    pub async fn boot(self) {
        let actor = platform::new_actor();
        let store = match ChunkStore::open(DB_NAME).await {
            Ok(store) => store,
            Err(e) => {
                self.open_in_memory(actor, not_saving_message(&e));
                return;
            }
        };
        match store.current().await {
            Ok(Some(id)) => match store.load_with_view(&id).await {
                Ok((mut chunks, stored_view)) if !chunks.is_empty() => {
                    load_order(&mut chunks);
                    {
                        let saver = self.saver.get_value();
                        let mut s = saver.borrow_mut();
                        for (k, b) in &chunks {
                            s.ledger.stored(k.clone(), b.len());
                            s.known.insert(k.clone());
                        }
                    }
                    let stored = chunk_digest(chunks.iter().map(|(k, _)| k.as_str()));
                    let patches: Vec<&[u8]> =
                        stored_view.patches.iter().map(Vec::as_slice).collect();
                    let view = match Assembler::new(&id, stored_view.base, &patches, stored) {
                        Ok(a) => read_view(a).await,
                        Err(e) => Err(e),
                    };
                    {
                        let saver = self.saver.get_value();
                        saver.borrow_mut().store = Some(store.clone());
                    }
                    match view {
                        // Shown at once; the document loads when needed.
                        Ok((summary, heads, index)) => {
                            platform::mark("sms:open-from-view");
                            self.set_view(
                                summary,
                                index,
                                Pending {
                                    chunks,
                                    actor,
                                    heads,
                                },
                            );
                            self.ready(SaveState::Saved);
                        }
                        // Missing, damaged or stale: the document decides,
                        // and a new view is stored for next time.
                        Err(_) => {
                            platform::mark("sms:open-from-document");
                            self.saver.get_value().borrow_mut().view_base_due = true;
                            self.open_document(&store, &id, chunks, actor).await;
                        }
                    }
                }
                Ok(_) => self.create_demo(store, actor).await,
                Err(e) => self.open_in_memory(actor, not_saving_message(&e)),
            },
            Ok(None) => self.create_demo(store, actor).await,
            Err(e) => self.open_in_memory(actor, not_saving_message(&e)),
        }
    }

    /// Opens a stored workbook by loading its whole document.
    pub(super) async fn open_document(
        self,
        store: &ChunkStore,
        id: &WorkbookId,
        chunks: Vec<(String, Vec<u8>)>,
        actor: sms_core::ActorBytes,
    ) {
        // Documents from an older version are upgraded in one change,
        // saved like any other edit.
        let chunks: Vec<Vec<u8>> = chunks.into_iter().map(|(_, b)| b).collect();
        let opening = self.doc().open(actor, &self.context(), None, &chunks);
        drop(chunks);
        match opening.await {
            Ok(opened) => {
                if let Some(name) = opened.update.as_ref().and_then(|u| u.name.as_ref()) {
                    let _ = store.set_name(id, name).await;
                }
                self.set_opened(opened.into()).await;
                self.ready(SaveState::Saved);
                platform::mark("sms:document-loaded");
                // Writes the upgrade, if any, and the new view.
                self.request_save();
            }
            Err(e) => self.unreadable(actor, &e),
        }
    }

    /// The stored workbook could not be read: it is never overwritten.
    /// Saving stops and the demo opens in memory, with the reason shown.
    pub(super) fn unreadable(self, actor: sms_core::ActorBytes, e: &str) {
        self.saver.get_value().borrow_mut().store = None;
        self.open_in_memory(
            actor,
            format!(
                "The saved workbook could not be opened: {e}. It is left untouched; this demo workbook is not saved."
            ),
        );
    }

    /// Opens a new copy of the demo workbook, with its own id; if its data
    /// cannot be fetched, an empty workbook, and the person is told why.
    /// `None` when the document module cannot open even that (said in
    /// the report).
    pub(super) async fn demo(&self, actor: sms_core::ActorBytes) -> Option<Opened> {
        let id = platform::new_workbook_id();
        let ctx = self.context();
        let why = match crate::demo::build(id.clone(), actor, &ctx).await {
            Ok(demo) => match self.doc().open(actor, &ctx, None, &[demo.bytes]).await {
                Ok(opened) => return Some(opened.into()),
                Err(e) => e,
            },
            Err(e) => e,
        };
        self.report.set(Some(format!(
            "{}. An empty workbook was started instead; you can open a copy of the demo later from Workbooks.",
            crate::display::capitalised(&why)
        )));
        match self.doc().create(&id, EMPTY_NAME, actor, &ctx).await {
            Ok(opened) => Some(opened.into()),
            Err(e) => {
                self.report.set(Some(format!(
                    "{}. No workbook can be opened in this browser.",
                    crate::display::capitalised(&e)
                )));
                None
            }
        }
    }

    pub(super) async fn create_demo(self, store: ChunkStore, actor: sms_core::ActorBytes) {
        let Some(opened) = self.demo(actor).await else {
            self.ready(SaveState::NotSaving(
                "Not saving: the app's document module could not be started. Reload the page to try again."
                    .into(),
            ));
            return;
        };
        if let Some(name) = opened.update.as_ref().and_then(|u| u.name.as_ref()) {
            let _ = store.set_name(&opened.id, name).await;
        }
        let saver = self.saver.get_value();
        {
            let mut s = saver.borrow_mut();
            s.store = Some(store);
            // The first write is a snapshot that also records this workbook
            // as the one to open next time.
            s.needs_snapshot = true;
        }
        self.set_opened(opened).await;
        self.ready(SaveState::Saving);
        self.request_save();
    }

    pub(super) fn open_in_memory(self, actor: sms_core::ActorBytes, why: String) {
        spawn_local(async move {
            if let Some(opened) = self.demo(actor).await {
                self.set_opened(opened).await;
            }
            self.ready(SaveState::NotSaving(why));
        });
    }

    pub(super) fn ready(self, save: SaveState) {
        self.save.set(save);
        self.phase.set(Phase::Ready);
        self.revision.update(|r| *r += 1);
    }
}

/// Reads a stored view and builds the read model from it, a slice of
/// records at a time with the page free in between, so even a large
/// workbook never holds the page for long while it opens.
async fn read_view(mut a: Assembler) -> Result<(Summary, Vec<ChangeHash>, RecordIndex), ViewError> {
    loop {
        let started = js_sys::Date::now();
        let mut done = false;
        while !done && js_sys::Date::now() - started < SLICE_MS {
            done = a.step(250)?;
        }
        if done {
            break;
        }
        platform::yield_now().await;
    }
    let view = a.finish()?;
    platform::yield_now().await;
    let mut records = view.records.into_iter();
    let mut index = RecordIndex::from_stored(std::iter::empty());
    loop {
        let started = js_sys::Date::now();
        let mut done = false;
        while !done && js_sys::Date::now() - started < SLICE_MS {
            let slice: Vec<_> = records.by_ref().take(250).collect();
            done = slice.is_empty();
            index.add_stored(slice);
        }
        if done {
            break;
        }
        platform::yield_now().await;
    }
    Ok((view.summary, view.heads, index))
}

/// How long opening a view reads before letting the page breathe (ms).
const SLICE_MS: f64 = 40.0;

/// The name of the workbook started when the demo could not be loaded.
const EMPTY_NAME: &str = "My service management system";

fn not_saving_message(e: &StorageError) -> String {
    format!("Not saving: {e}. You can keep working, but changes are lost when this tab closes.")
}
