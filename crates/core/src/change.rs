use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

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
            "Unnamed"
        } else {
            a
        }
    }
}

/// The metadata of one committed change, as stored in the Automerge change
/// message (JSON) and timestamp (seconds since the Unix epoch, as Automerge
/// documents it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeMeta {
    /// Display name of the person who made the change.
    pub author: String,
    /// One line saying what changed, in plain words.
    pub summary: String,
    /// When, from the change timestamp.
    #[serde(skip)]
    pub at: Option<DateTime<Utc>>,
}

impl ChangeMeta {
    pub(crate) fn encode(ctx: &ChangeContext, summary: &str) -> String {
        serde_json::json!({ "author": ctx.author_or_default(), "summary": summary }).to_string()
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
            },
        }
    }
}
