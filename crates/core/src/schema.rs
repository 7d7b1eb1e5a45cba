//! The shape of the Automerge document (format version 2).
//!
//! Version history: 1 — risks only, long text as plain strings. 2 — the
//! register engine: every register, long text as Automerge Text, links to
//! several records as maps of record id → true, and the compliance
//! checklist as flat `checklist/<clause>/<field>` keys in the root map.
//!
//! ```text
//! root
//! ├─ format          "sms-workbook"        marks the document as a workbook
//! ├─ schema_version  uint                  see SCHEMA_VERSION
//! ├─ workbook_id     str (32 hex)          shared by every copy of the workbook
//! ├─ name            str
//! ├─ created_at      timestamp (ms)
//! └─ records         map: record id → record
//!       record: map { register: str, <field key>: scalar, …,
//!                     created_at: timestamp, created_by: str, deleted?: bool }
//! ```
//!
//! Records of every register live in the one `records` map, keyed by a random
//! id and tagged with their register. The skeleton above is created once, when
//! a workbook is created; adding a register later never creates a new shared
//! container, so two offline copies can never create the same object twice
//! (which would make Automerge keep only one of them).

/// Value of the root `format` key.
pub const FORMAT: &str = "sms-workbook";
/// The format version this build writes and the newest it reads.
pub const SCHEMA_VERSION: u64 = 2;

pub const KEY_FORMAT: &str = "format";
pub const KEY_SCHEMA_VERSION: &str = "schema_version";
pub const KEY_WORKBOOK_ID: &str = "workbook_id";
pub const KEY_NAME: &str = "name";
pub const KEY_CREATED_AT: &str = "created_at";
pub const KEY_RECORDS: &str = "records";

pub const REC_REGISTER: &str = "register";
pub const REC_CREATED_AT: &str = "created_at";
pub const REC_CREATED_BY: &str = "created_by";
pub const REC_DELETED: &str = "deleted";

/// Register tag of risks and opportunities (clause 6.1).
pub const REGISTER_RISKS: &str = "risk";

pub const NAME_MAX: usize = 120;
