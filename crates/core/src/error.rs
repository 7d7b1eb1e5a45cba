use thiserror::Error;

/// Why bytes could not be opened as a workbook. Each variant is a message a
/// person can act on; the open workbook is never touched when this is returned.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum LoadError {
    #[error("the data is damaged or is not an Automerge document ({0})")]
    Corrupt(String),
    #[error("the document is not an SMS workbook")]
    NotAWorkbook,
    #[error(
        "this workbook was made by a newer version of SMS Workbook (format {found}, this version reads up to {supported}); update the app to open it"
    )]
    NewerVersion { found: u64, supported: u64 },
    /// A copy whose own history rewrote what makes it a workbook.
    #[error("{0}")]
    Refused(crate::guard::Refusal),
}

/// Why an operation on an open workbook failed.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum WorkbookError {
    #[error("no record with id {0}")]
    NotFound(String),
    #[error("a record with id {0} already exists")]
    Duplicate(String),
    #[error("the entry has {} invalid field(s)", .0.len())]
    Invalid(Vec<crate::registers::FieldError>),
    #[error("the workbook document could not be changed: {0}")]
    Document(String),
    /// An attached file that cannot be written as asked, in words.
    #[error("{0}")]
    Attachment(String),
    /// Changes from elsewhere that would break the workbook; nothing of
    /// them was applied.
    #[error("{0}")]
    Refused(crate::guard::Refusal),
}

impl From<automerge::AutomergeError> for WorkbookError {
    fn from(e: automerge::AutomergeError) -> Self {
        WorkbookError::Document(e.to_string())
    }
}
