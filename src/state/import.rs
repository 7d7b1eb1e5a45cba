//! Importing checked records as one change, a slice at a time so the
//! page stays responsive, with progress on screen.

use leptos::prelude::*;
use sms_core::{
    engine::{Done, Edit},
    WorkbookError,
};

use super::AppState;
use crate::platform;

/// How long an import writes, or opening a view reads, before letting the
/// page breathe (ms).
pub(super) const SLICE_MS: f64 = 40.0;

impl AppState {
    /// One step of an import, sent to the engine.
    fn run_import(
        &self,
        edit: Edit,
        ctx: &sms_core::ChangeContext,
    ) -> Result<(Done, sms_core::engine::Update), WorkbookError> {
        let (r, update) = self
            .engine
            .try_update_value(|e| e.as_mut().map(|e| e.edit(edit, ctx)))
            .flatten()
            .ok_or_else(|| WorkbookError::Document("the workbook is still opening".into()))?;
        r.map(|done| (done, update))
    }

    /// Imports checked records into `register` as one change, writing them
    /// a slice at a time and letting the page breathe in between, with
    /// `importing` telling the screen how far it has got.
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
        self.ensure_loaded();
        let total = match self.run_import(
            Edit::BeginImport {
                register: register.to_owned(),
                records,
                source: source.to_owned(),
            },
            &ctx,
        )? {
            (Done::Import { total, .. }, _) => total,
            _ => return Err(WorkbookError::Document("the import did not start".into())),
        };
        self.importing.set(Some((0, total)));
        platform::next_paint().await;
        let mut outcome = Ok(());
        let mut written = 0;
        while written < total {
            let started = js_sys::Date::now();
            while written < total && js_sys::Date::now() - started < SLICE_MS {
                match self.run_import(Edit::ImportStep { n: 25 }, &ctx) {
                    Ok((Done::Import { written: w, .. }, _)) => written = w,
                    Ok(_) => {}
                    Err(e) => {
                        outcome = Err(e);
                        break;
                    }
                }
            }
            if outcome.is_err() {
                break;
            }
            self.importing.set(Some((written, total)));
            platform::next_paint().await;
        }
        let result = match outcome {
            Err(e) => Err(e),
            Ok(()) => self.run_import(Edit::FinishImport, &ctx),
        };
        let result = match result {
            Ok((done, update)) => {
                // The read model takes the new records in slices too.
                for part in update.split(500) {
                    self.take_update(&part);
                    platform::next_paint().await;
                }
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
