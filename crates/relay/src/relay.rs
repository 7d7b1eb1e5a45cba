//! Shared state: the store, the limits, and the rooms that have connected
//! clients (each with the broadcast channel its live entries go out on).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::ws::Utf8Bytes;
use sms_core::crypto::RoomId;
use tokio::sync::{broadcast, mpsc, watch};

use crate::store::{Store, StoreError};
use crate::Limits;

/// Live entries a room buffers for its slowest client; one that falls
/// further behind is disconnected and catches up from the log.
const LIVE_BUFFER: usize = 256;

pub struct Relay {
    store: Arc<dyn Store>,
    limits: Limits,
    rooms: Mutex<HashMap<RoomId, Arc<Room>>>,
    shutdown: watch::Receiver<bool>,
    next_connection: AtomicU64,
    /// Dropped with the relay, which is when every connection has ended.
    _alive: mpsc::Sender<()>,
}

/// Resolves once the relay and every connection that held it are gone.
pub struct Drained(mpsc::Receiver<()>);

impl Drained {
    pub async fn wait(mut self) {
        while self.0.recv().await.is_some() {}
    }
}

/// A room with connected clients.
pub(crate) struct Room {
    pub live: broadcast::Sender<Arc<Live>>,
    /// Held from an append until its entry is on `live`, so entries go out
    /// in sequence order.
    pub writing: tokio::sync::Mutex<()>,
}

/// An entry as it goes out to the room's other clients.
pub(crate) struct Live {
    pub seq: u64,
    /// The connection that pushed it, which does not get it back.
    pub from: u64,
    pub frame: Utf8Bytes,
}

/// A connection's place in a room; leaving the last place drops the room
/// from memory.
pub(crate) struct Membership {
    relay: Arc<Relay>,
    id: RoomId,
    pub room: Arc<Room>,
}

impl Drop for Membership {
    fn drop(&mut self) {
        let mut rooms = self.relay.rooms.lock().unwrap_or_else(|e| e.into_inner());
        // The map and this membership: nobody else is in the room.
        if Arc::strong_count(&self.room) == 2 {
            rooms.remove(&self.id);
        }
    }
}

impl Relay {
    /// A relay over `store`; it winds down its connections when `shutdown`
    /// turns true.
    pub fn new(
        store: Arc<dyn Store>,
        limits: Limits,
        shutdown: watch::Receiver<bool>,
    ) -> (Arc<Relay>, Drained) {
        let (alive, drained) = mpsc::channel(1);
        let relay = Relay {
            store,
            limits,
            rooms: Mutex::new(HashMap::new()),
            shutdown,
            next_connection: AtomicU64::new(1),
            _alive: alive,
        };
        (Arc::new(relay), Drained(drained))
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    pub(crate) fn shutdown(&self) -> watch::Receiver<bool> {
        self.shutdown.clone()
    }

    pub(crate) fn connection_id(&self) -> u64 {
        self.next_connection.fetch_add(1, Ordering::Relaxed)
    }

    pub(crate) fn join(self: &Arc<Self>, id: RoomId) -> Membership {
        let mut rooms = self.rooms.lock().unwrap_or_else(|e| e.into_inner());
        let room = rooms
            .entry(id)
            .or_insert_with(|| {
                Arc::new(Room {
                    live: broadcast::channel(LIVE_BUFFER).0,
                    writing: tokio::sync::Mutex::new(()),
                })
            })
            .clone();
        Membership {
            relay: self.clone(),
            id,
            room,
        }
    }

    /// Runs a store call on a blocking thread.
    pub(crate) async fn store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let store = self.store.clone();
        match tokio::task::spawn_blocking(move || f(&*store)).await {
            Ok(out) => out,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(_) => Err(StoreError::Io(std::io::Error::other(
                "the storage call was cancelled",
            ))),
        }
    }
}
