//! The compliance checklist: for every checklist item of the clause
//! catalogue, its status, owner, notes and evidence, and roll-ups by clause.
//!
//! Stored as flat keys of the document root — `checklist/<clause>/<field>`,
//! and `checklist/<clause>/evidence/<record id>` for each evidence link — so
//! no container object is ever created, and two people who touch the same
//! item offline can never create it twice (Automerge would keep only one).

use crate::catalogue::{self, Clause};
use crate::ids::RecordId;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum ItemStatus {
    #[default]
    NotStarted,
    InProgress,
    Implemented,
    Verified,
    NotApplicable,
}

impl ItemStatus {
    pub const ALL: [ItemStatus; 5] = [
        ItemStatus::NotStarted,
        ItemStatus::InProgress,
        ItemStatus::Implemented,
        ItemStatus::Verified,
        ItemStatus::NotApplicable,
    ];

    pub fn key(self) -> &'static str {
        match self {
            ItemStatus::NotStarted => "not_started",
            ItemStatus::InProgress => "in_progress",
            ItemStatus::Implemented => "implemented",
            ItemStatus::Verified => "verified",
            ItemStatus::NotApplicable => "not_applicable",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ItemStatus::NotStarted => "Not started",
            ItemStatus::InProgress => "In progress",
            ItemStatus::Implemented => "Implemented",
            ItemStatus::Verified => "Verified",
            ItemStatus::NotApplicable => "Not applicable",
        }
    }

    pub fn from_key(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.key() == s)
    }

    /// Whether the item counts as done for readiness.
    pub fn is_done(self) -> bool {
        matches!(self, ItemStatus::Implemented | ItemStatus::Verified)
    }
}

/// The state of one checklist item.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ItemState {
    pub status: ItemStatus,
    pub owner: String,
    /// Markdown, rendered safely by the app.
    pub notes: String,
    /// Why the item does not apply; required when not applicable.
    pub justification: String,
    /// Records that evidence the item, in id order.
    pub evidence: Vec<RecordId>,
    /// Files attached to the item (not removed), in id order.
    pub attachments: Vec<crate::attachments::Attachment>,
    /// Fields people changed concurrently to different values (of
    /// `status`, `owner`, `notes`, `justification`); read from the
    /// document, never written from here.
    pub conflicts: Vec<&'static str>,
}

/// What a checklist item's field is called on screen and in messages.
pub fn field_label(field: &str) -> &'static str {
    match field {
        "status" => "Status",
        "owner" => "Owner",
        "notes" => "Notes",
        "justification" => "Why it does not apply",
        _ => "Evidence",
    }
}

pub const NOTES_MAX: usize = 20_000;
pub const OWNER_MAX: usize = 100;

/// What is wrong with an item's state, in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemError {
    /// "status", "owner", "notes" or "justification".
    pub field: &'static str,
    pub message: String,
}

impl ItemState {
    /// Checks the state before it is stored.
    pub fn validate(&self) -> Result<(), Vec<ItemError>> {
        let mut errors = Vec::new();
        if self.status == ItemStatus::NotApplicable && self.justification.trim().is_empty() {
            errors.push(ItemError {
                field: "justification",
                message: "Say why this item does not apply; auditors ask for the justification."
                    .into(),
            });
        }
        if self.owner.trim().chars().count() > OWNER_MAX {
            errors.push(ItemError {
                field: "owner",
                message: format!("Keep the owner to {OWNER_MAX} characters or fewer."),
            });
        }
        if self.notes.chars().count() > NOTES_MAX {
            errors.push(ItemError {
                field: "notes",
                message: format!("Keep the notes to {NOTES_MAX} characters or fewer."),
            });
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// Counts of items by status, and readiness.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rollup {
    pub total: usize,
    pub not_started: usize,
    pub in_progress: usize,
    pub implemented: usize,
    pub verified: usize,
    pub not_applicable: usize,
}

impl Rollup {
    pub fn add(&mut self, s: ItemStatus) {
        self.total += 1;
        match s {
            ItemStatus::NotStarted => self.not_started += 1,
            ItemStatus::InProgress => self.in_progress += 1,
            ItemStatus::Implemented => self.implemented += 1,
            ItemStatus::Verified => self.verified += 1,
            ItemStatus::NotApplicable => self.not_applicable += 1,
        }
    }

    /// Items that apply.
    pub fn applicable(&self) -> usize {
        self.total - self.not_applicable
    }

    pub fn done(&self) -> usize {
        self.implemented + self.verified
    }

    /// Share of applicable items implemented or verified, 0–100, rounded
    /// down; 100 when nothing applies.
    pub fn readiness(&self) -> u32 {
        match self.applicable() {
            0 => 100,
            n => (self.done() * 100 / n) as u32,
        }
    }
}

/// Roll-ups per top-level clause (4–10), in order, and overall.
pub fn rollups<'a>(
    items: impl IntoIterator<Item = (&'a Clause, ItemStatus)>,
) -> (Vec<(&'static Clause, Rollup)>, Rollup) {
    let mut per: Vec<(&'static Clause, Rollup)> = catalogue::top_level()
        .map(|c| (c, Rollup::default()))
        .collect();
    let mut all = Rollup::default();
    for (clause, status) in items {
        let top = clause.number.split('.').next().unwrap_or_default();
        if let Some((_, r)) = per.iter_mut().find(|(c, _)| c.number == top) {
            r.add(status);
        }
        all.add(status);
    }
    (per, all)
}

pub(crate) fn key(number: &str, field: &str) -> String {
    format!("checklist/{number}/{field}")
}

pub(crate) fn evidence_prefix(number: &str) -> String {
    format!("checklist/{number}/evidence/")
}

/// The clause number a root key of the checklist belongs to.
pub(crate) fn clause_of_key(key: &str) -> Option<&str> {
    key.strip_prefix("checklist/")?.split('/').next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_applicable_needs_a_justification() {
        let mut s = ItemState {
            status: ItemStatus::NotApplicable,
            ..Default::default()
        };
        assert_eq!(s.validate().unwrap_err()[0].field, "justification");
        s.justification = "We have no internal suppliers.".into();
        assert!(s.validate().is_ok());
    }

    #[test]
    fn readiness_counts_done_items_among_applicable_ones() {
        let items = catalogue::checklist_items().collect::<Vec<_>>();
        let statuses = [
            ItemStatus::Implemented,
            ItemStatus::Verified,
            ItemStatus::NotApplicable,
            ItemStatus::InProgress,
        ];
        let (per, all) = rollups(items.iter().enumerate().map(|(i, c)| {
            (
                *c,
                if i < 4 {
                    statuses[i]
                } else {
                    ItemStatus::NotStarted
                },
            )
        }));
        assert_eq!(all.total, items.len());
        assert_eq!((all.done(), all.applicable()), (2, items.len() - 1));
        assert_eq!(all.readiness(), (200 / (items.len() - 1)) as u32);
        assert_eq!(per.len(), 7);
        assert_eq!(per.iter().map(|(_, r)| r.total).sum::<usize>(), items.len());
        // The first four items are all in clause 4.
        let (c4, r4) = per[0];
        assert_eq!(c4.number, "4");
        assert_eq!(
            (
                r4.implemented,
                r4.verified,
                r4.not_applicable,
                r4.in_progress
            ),
            (1, 1, 1, 1)
        );
        assert_eq!(r4.readiness(), 66);
    }

    #[test]
    fn nothing_applicable_is_fully_ready() {
        let mut r = Rollup::default();
        r.add(ItemStatus::NotApplicable);
        assert_eq!(r.readiness(), 100);
        assert_eq!(Rollup::default().readiness(), 100);
    }
}
