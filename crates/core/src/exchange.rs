//! Workbook files exchanged between people: reading one safely, and saying
//! before anything is written what merging it would change.
//!
//! A workbook file (`.smsw`) is the whole Automerge document, saved; see
//! docs/FORMAT.md. Opening one never touches the open workbook: it is read
//! into a workbook of its own, and merged only when the person confirms.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};

use crate::registers::{self, RegisterDef};
use crate::RecordId;

/// File name extension of workbook files.
pub const EXTENSION: &str = "smsw";

/// What merging a file would change in one register.
#[derive(Clone, Debug)]
pub struct RegisterChanges {
    pub def: &'static RegisterDef,
    pub added: usize,
    pub changed: usize,
    pub deleted: usize,
    pub restored: usize,
}

/// Someone whose changes a file brings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorChanges {
    pub name: String,
    pub changes: usize,
    pub first: Option<DateTime<Utc>>,
    pub last: Option<DateTime<Utc>>,
}

/// What merging a file into the open workbook would change.
#[derive(Clone, Debug, Default)]
pub struct MergePreview {
    /// Changes in the file that this workbook does not have yet.
    pub changes: usize,
    /// By register, in register order; registers with no change left out.
    pub registers: Vec<RegisterChanges>,
    /// Records the merge would add, change, delete or restore.
    pub records: BTreeSet<RecordId>,
    /// Checklist items whose state would change.
    pub checklist_items: usize,
    /// The workbook's name after the merge, if it would change.
    pub renamed_to: Option<String>,
    /// Whose changes they are, most changes first.
    pub authors: Vec<AuthorChanges>,
    /// Records that would no longer be in the workbook at all (not deleted
    /// with a mark, which can be undone: gone). The checks on incoming
    /// changes refuse this, so a preview shows it only if they did not.
    pub removed: usize,
    /// Records that would move to another register.
    pub moved: usize,
    /// Other fields of the workbook itself that would change (not the name
    /// or the checklist), by key.
    pub other_fields: Vec<String>,
}

impl MergePreview {
    /// The file holds nothing this workbook lacks.
    pub fn is_empty(&self) -> bool {
        self.changes == 0
    }

    pub(crate) fn count(&mut self, def: &'static RegisterDef, kind: Kind) {
        let entry = match self.registers.iter_mut().find(|r| r.def.id == def.id) {
            Some(e) => e,
            None => {
                self.registers.push(RegisterChanges {
                    def,
                    added: 0,
                    changed: 0,
                    deleted: 0,
                    restored: 0,
                });
                self.registers.last_mut().expect("just pushed")
            }
        };
        match kind {
            Kind::Added => entry.added += 1,
            Kind::Changed => entry.changed += 1,
            Kind::Deleted => entry.deleted += 1,
            Kind::Restored => entry.restored += 1,
        }
    }

    pub(crate) fn finish(&mut self, authors: BTreeMap<String, AuthorChanges>) {
        let order = |id: &str| registers::REGISTERS.iter().position(|r| r.id == id);
        crate::order::sort_by_key(&mut self.registers, |r| order(r.def.id));
        self.authors = authors.into_values().collect();
        crate::order::sort_by(&mut self.authors, |a, b| {
            b.changes.cmp(&a.changes).then_with(|| a.name.cmp(&b.name))
        });
    }
}

/// How one record would change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Added,
    Changed,
    Deleted,
    Restored,
}

/// The file name offered when a workbook is downloaded: its name (without
/// characters file systems refuse) and the date, e.g.
/// `Northwind IT Services 2026-11-27.smsw`.
pub fn file_name(workbook_name: &str, today: NaiveDate) -> String {
    export_name(workbook_name, EXTENSION, today)
}

/// A safe dated file name "<name> <YYYY-MM-DD>.<extension>" for any export.
pub fn export_name(name: &str, extension: &str, today: NaiveDate) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => ' ',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    let name = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    let name = name.trim_matches('.');
    let name = if name.is_empty() { "Workbook" } else { name };
    let name: String = name.chars().take(80).collect();
    format!(
        "{} {}.{extension}",
        name.trim_end(),
        crate::dates::iso(today)
    )
}

/// Another workbook (not the open one) made ready to keep in this
/// browser: read from a file or a shared room, and merged into this
/// browser's copy of it when there is one. Nothing is stored by this: the
/// caller stores `snapshot` once the person has confirmed `preview`.
#[derive(Debug)]
pub struct IntoCopy {
    pub id: crate::WorkbookId,
    /// Its name, after the merge.
    pub name: String,
    /// What the merge changes in this browser's copy (`None`: there was no
    /// copy, so the whole workbook is new here).
    pub preview: Option<MergePreview>,
    /// The whole workbook to store, merged.
    pub snapshot: Vec<u8>,
}

/// Why another workbook could not be made ready to keep.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum IntoCopyError {
    #[error("{0}")]
    Unreadable(crate::LoadError),
    /// This browser's copy of it could not be read.
    #[error("this browser's copy could not be read ({0})")]
    Stored(crate::LoadError),
    #[error("{0}")]
    Merge(crate::WorkbookError),
}

/// Where another workbook goes in this browser.
#[derive(Debug)]
pub enum KeepAs<'a> {
    /// As itself: merged into `stored`, this browser's copy of the same
    /// workbook in load order, when it has one.
    Itself { stored: Option<&'a [Vec<u8>]> },
    /// Apart from any copy of it here: under a new id and name
    /// ([`crate::Workbook::keep_apart`]), so nothing merges with it.
    Apart {
        id: crate::WorkbookId,
        ctx: crate::ChangeContext,
    },
}

/// Reads `incoming` (a workbook file, or with `parts` the parts of a shared
/// room) and makes it ready to keep as `keep` says. Runs off the page (the
/// document worker): it may hold two documents at once.
pub fn into_copy(
    incoming: &[u8],
    parts: bool,
    keep: KeepAs,
    actor: crate::ActorBytes,
) -> Result<IntoCopy, IntoCopyError> {
    use crate::Workbook;
    let mut other = if parts {
        Workbook::load(std::iter::once(incoming), actor)
    } else {
        Workbook::read_file(incoming, actor)
    }
    .map_err(IntoCopyError::Unreadable)?;
    let stored = match keep {
        KeepAs::Itself { stored } => stored,
        KeepAs::Apart { id, ctx } => {
            other.keep_apart(id, &ctx).map_err(IntoCopyError::Merge)?;
            None
        }
    };
    let Some(stored) = stored else {
        return Ok(IntoCopy {
            id: other.id().clone(),
            name: other.name(),
            preview: None,
            snapshot: other.save(),
        });
    };
    let mut copy =
        Workbook::load(stored.iter().map(Vec::as_slice), actor).map_err(IntoCopyError::Stored)?;
    let changes = copy.incoming(&mut other).map_err(IntoCopyError::Merge)?;
    drop(other);
    let preview = copy.preview_incoming(&changes);
    copy.merge_incoming(changes).map_err(IntoCopyError::Merge)?;
    Ok(IntoCopy {
        id: copy.id().clone(),
        name: copy.name(),
        preview: Some(preview),
        snapshot: copy.save(),
    })
}
