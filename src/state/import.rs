//! Importing checked records as one change, written by the document
//! worker a step at a time, with progress on screen.

use leptos::prelude::*;
use sms_core::{
    engine::{Done, Edit},
    WorkbookError,
};

use super::AppState;

/// Records an import step writes: the worker writes them while the page
/// stays free, so a step is sized for progress, not for the page.
const STEP: usize = 250;

impl AppState {
    /// One step of an import, sent to the engine.
    async fn run_import(
        &self,
        edit: Edit,
        ctx: &sms_core::ChangeContext,
    ) -> Result<(Done, sms_core::engine::Update, u64), WorkbookError> {
        let (more, (r, update)) = self
            .doc()
            .edit(&edit, ctx)
            .await
            .map_err(WorkbookError::Document)?;
        r.map(|done| (done, update, more))
    }

    /// Imports checked records into `register` as one change, written by
    /// the document worker a step at a time, with `importing` telling the
    /// screen how far it has got.
    pub async fn import(
        &self,
        register: &'static str,
        records: Vec<(sms_core::RecordId, sms_core::Record)>,
        source: &str,
    ) -> Result<usize, WorkbookError> {
        if self.is_importing() {
            return Err(WorkbookError::Document("another import is running".into()));
        }
        let ctx = self.context();
        if !self.ensure_loaded() {
            return Err(WorkbookError::Document("no workbook is open".into()));
        }
        // Marked before the first await, so nothing else is sent to the
        // worker while its import is open.
        self.importing.set(Some((0, records.len())));
        let begun = self
            .run_import(
                Edit::BeginImport {
                    register: register.to_owned(),
                    records,
                    source: source.to_owned(),
                },
                &ctx,
            )
            .await;
        let total = match begun {
            Ok((Done::Import { total, .. }, _, _)) => total,
            Ok(_) => {
                self.importing.set(None);
                return Err(WorkbookError::Document("the import did not start".into()));
            }
            Err(e) => {
                self.importing.set(None);
                return Err(e);
            }
        };
        self.importing.set(Some((0, total)));
        let mut outcome = Ok(());
        let mut written = 0;
        while written < total {
            match self.run_import(Edit::ImportStep { n: STEP }, &ctx).await {
                Ok((Done::Import { written: w, .. }, _, _)) => written = w,
                Ok(_) => {}
                Err(e) => {
                    outcome = Err(e);
                    break;
                }
            }
            self.importing.set(Some((written, total)));
        }
        let result = match outcome {
            Err(e) => Err(e),
            Ok(()) => self.run_import(Edit::FinishImport, &ctx).await,
        };
        let result = match result {
            Ok((done, update, more)) => {
                // The read model takes the new records a slice at a time
                // (saving waits for the last: the import ends with one).
                self.take_update(&update);
                self.take_rest(more).await;
                match done {
                    Done::Imported(n) => Ok(n),
                    _ => Ok(0),
                }
            }
            Err(e) => Err(e),
        };
        self.importing.set(None);
        for (workbook, key, bytes) in self
            .deferred
            .try_update_value(std::mem::take)
            .unwrap_or_default()
        {
            self.absorb(&workbook, key, &bytes);
        }
        self.revision.update(|r| *r += 1);
        self.request_save();
        result
    }
}
