use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// The author written into a change by someone who set no name.
pub const UNNAMED: &str = "Unnamed";

/// Who makes a change and when, passed in by the caller (the browser clock in
/// the app, a fixed time in tests). Every commit carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangeContext {
    pub author: String,
    pub at: DateTime<Utc>,
}

impl ChangeContext {
    pub fn new(author: impl Into<String>, at: DateTime<Utc>) -> Self {
        Self {
            author: author.into(),
            at,
        }
    }

    /// Display name written into the change; never empty.
    pub(crate) fn author_or_default(&self) -> &str {
        let a = self.author.trim();
        if a.is_empty() {
            UNNAMED
        } else {
            a
        }
    }
}

/// The metadata of one committed change, as stored in the Automerge change
/// message (JSON) and timestamp (seconds since the Unix epoch, as Automerge
/// documents it).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeMeta {
    /// Display name of the person who made the change.
    pub author: String,
    /// One line saying what changed, in plain words.
    pub summary: String,
    /// What the change touched, when it says so (every change this app
    /// writes does); `None` for changes written by other tools or by older
    /// versions, which are examined op by op instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub touches: Option<Touches>,
    /// The change this one undid (hex hash).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undoes: Option<String>,
    /// When, from the change timestamp.
    #[serde(skip)]
    pub at: Option<DateTime<Utc>>,
}

/// What one change touched: record ids, checklist items, and whether it
/// changed the workbook's own fields (its name).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Touches {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub records: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checklist: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub workbook: bool,
}

impl Touches {
    pub fn is_empty(&self) -> bool {
        self.records.is_empty() && self.checklist.is_empty() && !self.workbook
    }
}

impl ChangeMeta {
    pub(crate) fn encode(
        ctx: &ChangeContext,
        summary: &str,
        touches: Touches,
        undoes: Option<String>,
    ) -> String {
        let meta = ChangeMeta {
            author: ctx.author_or_default().to_owned(),
            summary: summary.to_owned(),
            touches: Some(touches),
            undoes,
            at: None,
        };
        serde_json::to_string(&meta).expect("plain strings serialise")
    }

    /// Reads the metadata of a change; changes written by other tools, with
    /// a plain-text or no message, are still described.
    pub fn decode(message: Option<&str>, timestamp_secs: i64) -> Self {
        let at = (timestamp_secs != 0)
            .then(|| Utc.timestamp_opt(timestamp_secs, 0).single())
            .flatten();
        match message.and_then(|m| serde_json::from_str::<ChangeMeta>(m).ok()) {
            Some(meta) => ChangeMeta { at, ..meta },
            None => ChangeMeta {
                author: "Unknown".into(),
                summary: message.unwrap_or("").to_owned(),
                at,
                ..ChangeMeta::default()
            },
        }
    }
}
