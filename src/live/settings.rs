//! The live settings of each shared workbook, kept in this browser's local
//! storage.

use gloo_storage::{LocalStorage, Storage};
use serde::{Deserialize, Serialize};
use sms_core::WorkbookId;

/// Live settings of one workbook, kept in this browser.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Saved {
    pub room: String,
    pub key: String,
    pub relay: String,
    pub seq: u64,
    #[serde(default)]
    pub snapshot_upto: u64,
    #[serde(default)]
    pub in_room: Vec<String>,
    /// The room still has to be created on the relay.
    #[serde(default)]
    pub create: bool,
    /// Changes from the room set aside for good (refused, or building on
    /// refused ones), so entries that need them are not asked for again.
    #[serde(default)]
    pub set_aside: Vec<String>,
    /// The owner's secret (base64url), in the browser that created the
    /// room only, never in a link: it lets this browser replace the
    /// room's history and delete the room.
    #[serde(default)]
    pub owner: Option<String>,
    /// The room the owner moved away from, still to be deleted on the
    /// relay once the new one is connected.
    #[serde(default)]
    pub retire: Option<Retire>,
}

impl Saved {
    /// Settings for a room this browser is about to join from the start:
    /// one it creates and owns (`owner`), or one it was sent to.
    pub fn fresh(room: String, key: String, relay: String, owner: Option<String>) -> Saved {
        Saved {
            room,
            key,
            relay,
            seq: 0,
            snapshot_upto: 0,
            in_room: Vec::new(),
            create: owner.is_some(),
            set_aside: Vec::new(),
            owner,
            retire: None,
        }
    }
}

/// A room to delete: the owner's old link.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Retire {
    pub room: String,
    pub key: String,
    pub owner: String,
    /// The last entry held, so nothing of the old room is read again.
    pub seq: u64,
}

pub(super) fn saved_key(id: &WorkbookId) -> String {
    format!("sms-workbook.live.{id}")
}

pub fn saved(id: &WorkbookId) -> Option<Saved> {
    LocalStorage::get(saved_key(id)).ok()
}

/// Keeps the settings; `false` when the browser refused to store them.
#[must_use]
pub fn keep(id: &WorkbookId, s: &Saved) -> bool {
    LocalStorage::set(saved_key(id), s).is_ok()
}

pub(super) const LAST_RELAY_KEY: &str = "sms-workbook.last-relay";

pub(super) fn forget(id: &WorkbookId) {
    LocalStorage::delete(saved_key(id));
}
