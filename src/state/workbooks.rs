//! The workbooks kept in this browser: create, open, delete, rename.

use leptos::{prelude::*, task::spawn_local};
use sms_core::{
    storage::{chunk_key, ChunkKind},
    ChangeHash, WorkbookError, WorkbookId,
};

use super::AppState;
use crate::platform;

impl AppState {
    /// Creates a workbook — empty, or a fresh copy of the demo — stores it,
    /// and opens it.
    pub async fn create_workbook(self, name: Option<String>) -> Result<(), String> {
        let store = self.store().ok_or("this browser is not saving workbooks")?;
        let actor = platform::new_actor();
        let id = platform::new_workbook_id();
        let ctx = self.context();
        let (bytes, name) = match name {
            Some(name) => (self.doc().blank(&id, &name, actor, &ctx).await?, name),
            None => {
                let demo = crate::demo::build(id.clone(), actor, &ctx).await?;
                (demo.bytes, demo.name)
            }
        };
        let key = chunk_key(&id, ChunkKind::Snapshot, &bytes);
        store
            .write(&[(&key, &bytes)], &[], Some(&id))
            .await
            .map_err(|e| e.to_string())?;
        store
            .set_name(&id, &name)
            .await
            .map_err(|e| e.to_string())?;
        reload();
        Ok(())
    }

    /// Opens another stored workbook.
    pub async fn open_workbook(self, id: WorkbookId) -> Result<(), String> {
        let store = self.store().ok_or("this browser is not saving workbooks")?;
        store.set_current(&id).await.map_err(|e| e.to_string())?;
        reload();
        Ok(())
    }

    /// Deletes a stored workbook. Deleting the open one opens another, or a
    /// new demo workbook when none is left.
    pub async fn delete_workbook(self, id: WorkbookId) -> Result<(), String> {
        let store = self.store().ok_or("this browser is not saving workbooks")?;
        store
            .delete_workbook(&id)
            .await
            .map_err(|e| e.to_string())?;
        platform::set_merged_marks(&id, &[]);
        let open = self.workbook_id();
        if open.as_ref() == Some(&id) {
            let rest = store.workbooks().await.map_err(|e| e.to_string())?;
            if let Some((other, _)) = rest.first() {
                store.set_current(other).await.map_err(|e| e.to_string())?;
            }
            reload();
        }
        Ok(())
    }

    /// Renames the open workbook from a form opened at `seen` (a rename
    /// made elsewhere meanwhile is not silently overwritten: both stay, as
    /// concurrent values, and one is shown on every copy).
    pub async fn rename(&self, name: &str, seen: &[ChangeHash]) -> Result<(), WorkbookError> {
        self.change(sms_core::engine::Edit::Rename {
            name: name.to_owned(),
            seen: seen.to_vec(),
        })
        .await?;
        if let (Some(store), Some((id, name))) = (
            self.store(),
            self.summary(|s| (s.id.clone(), s.name.clone())),
        ) {
            spawn_local(async move {
                let _ = store.set_name(&id, &name).await;
            });
        }
        Ok(())
    }
}

fn reload() {
    let _ = window().location().reload();
}
