//! Pure core of SMS Workbook.
//!
//! Everything that decides what a workbook *is* lives here: the Automerge
//! document schema, the domain records and their validation, merging, and the
//! storage policy (chunk keys, when to compact). The browser app is a thin
//! layer that feeds this crate events and performs the effects it asks for.
//!
//! Design reasons:
//! - No dependency on a browser, a UI framework or an async runtime, so every
//!   rule is tested natively with plain `cargo test`.
//! - Clock, ids and randomness are passed in ([`ChangeContext`], [`RecordId`],
//!   [`ActorBytes`]), so tests are deterministic.
//! - Records are kept in one map keyed by random ids, never list positions, and
//!   the document skeleton is created exactly once per workbook, so concurrent
//!   copies always merge without losing one side.

pub mod attachments;
mod binary;
pub mod catalogue;
mod change;
pub mod checklist;
pub mod conflicts;
pub mod container;
pub mod crypto;
pub mod csv;
pub mod dashboard;
pub mod dates;
pub mod demo;
pub mod engine;
mod error;
pub mod exchange;
pub mod guard;
mod history;
mod ids;
pub mod index;
pub mod markdown;
pub mod order;
pub mod pack;
mod preview;
pub mod registers;
pub mod reports;
pub mod risk;
pub mod schema;
mod seen;
pub mod storage;
pub mod sync;
pub mod transfer;
pub mod view;
pub mod wire;
mod workbook;

pub use change::{ChangeContext, ChangeMeta, Touches, UNNAMED};
pub use error::{LoadError, WorkbookError};
pub use history::{FieldChange, HistoryEntry, RecordChange, RecordEvent, UndoOutcome};
pub use ids::{ActorBytes, AttachmentId, RecordId, WorkbookId};
pub use index::{Entry, RecordIndex, SortedList};
pub use registers::{FieldError, Record, RecordDraft, RegisterDef, Value};
pub use risk::ScoreBand;
pub use workbook::{Delta, FieldVersion, Incoming, RecordInfo, StoredRecord, Workbook};

/// Re-exported so callers can name change hashes without depending on Automerge.
pub use automerge::ChangeHash;
