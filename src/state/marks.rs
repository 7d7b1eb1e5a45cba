//! Records a merged file added or changed, marked in lists until the
//! person opens them (remembered in this browser, per workbook).

use leptos::prelude::*;
use sms_core::WorkbookId;

use super::AppState;
use crate::platform;

impl AppState {
    pub(super) fn show_marks(&self, id: &WorkbookId) {
        self.merged.set(
            platform::merged_marks(id)
                .iter()
                .filter_map(|s| sms_core::RecordId::parse(s))
                .collect(),
        );
    }

    /// Marks records as changed by a merge, until opened.
    pub fn mark_merged(&self, ids: impl IntoIterator<Item = sms_core::RecordId>) {
        self.merged.update(|m| m.extend(ids));
        self.keep_marks();
    }

    /// The person opened `id`: it is no longer marked.
    pub fn seen(&self, id: &sms_core::RecordId) {
        if self.merged.with_untracked(|m| m.contains(id)) {
            self.merged.update(|m| {
                m.remove(id);
            });
            self.keep_marks();
        }
    }

    pub(super) fn keep_marks(&self) {
        if let Some(id) = self.workbook_id() {
            let marks: Vec<String> = self
                .merged
                .with_untracked(|m| m.iter().map(|r| r.to_string()).collect());
            if !platform::set_merged_marks(&id, &marks) {
                self.report.set(Some(
                    "This browser would not store which records a merge changed (storage full or blocked); the marks last until you close this tab."
                        .into(),
                ));
            }
        }
    }
}
