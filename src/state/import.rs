//! Importing checked records as one change, a slice at a time so the
//! page stays responsive, with progress on screen.

use leptos::prelude::*;
use sms_core::WorkbookError;

use super::AppState;
use crate::platform;

/// How long an import writes, or opening a view reads, before letting the
/// page breathe (ms).
pub(super) const SLICE_MS: f64 = 40.0;

impl AppState {
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
        let mut job = self
            .engine
            .try_update_value(|e| {
                e.as_mut()
                    .map(|e| e.workbook().begin_import(register, records, source))
            })
            .flatten()
            .ok_or_else(|| WorkbookError::Document("the workbook is still opening".into()))??;
        let total = job.total();
        self.importing.set(Some((0, total)));
        platform::next_paint().await;
        let mut outcome = Ok(());
        while !job.done() {
            let started = js_sys::Date::now();
            while !job.done() && js_sys::Date::now() - started < SLICE_MS {
                let step = self
                    .engine
                    .try_update_value(|e| {
                        e.as_mut()
                            .map(|e| e.workbook().import_step(&mut job, 25, &ctx))
                    })
                    .flatten()
                    .unwrap_or_else(|| Err(WorkbookError::Document("the workbook closed".into())));
                if let Err(e) = step {
                    outcome = Err(e);
                    break;
                }
            }
            if outcome.is_err() {
                break;
            }
            self.importing.set(Some((job.written(), total)));
            platform::next_paint().await;
        }
        let result = match outcome {
            Err(e) => Err(e),
            Ok(()) => self
                .engine
                .try_update_value(|e| {
                    e.as_mut().map(|e| {
                        let wb = e.workbook();
                        let r = wb.finish_import(job, &ctx);
                        (r, wb.take_delta())
                    })
                })
                .flatten()
                .map(|(r, delta)| r.map(|n| (n, delta)))
                .unwrap_or_else(|| Err(WorkbookError::Document("the workbook closed".into()))),
        };
        let result = match result {
            Ok((n, delta)) => {
                // The read model takes the new records in slices too.
                let mut ids: Vec<sms_core::RecordId> = delta.records.iter().cloned().collect();
                while !ids.is_empty() {
                    let rest = ids.split_off(ids.len().min(500));
                    let part = sms_core::Delta {
                        records: ids.into_iter().collect(),
                        ..sms_core::Delta::default()
                    };
                    let update = self
                        .engine
                        .try_update_value(|e| e.as_mut().map(|e| e.read(&part)))
                        .flatten();
                    if let Some(update) = update {
                        self.take_update(&update);
                    }
                    ids = rest;
                    platform::next_paint().await;
                }
                Ok(n)
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
