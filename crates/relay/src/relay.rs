//! Shared state: the store, the limits, and the rooms that have connected
//! clients (each with the broadcast channel its live entries go out on).

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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
    connections: Arc<Connections>,
    /// When each address created its rooms in the last hour.
    created: Mutex<HashMap<IpAddr, VecDeque<Instant>>>,
    /// Dropped with the relay, which is when every connection has ended.
    _alive: mpsc::Sender<()>,
}

/// Open connections, in total and per address.
#[derive(Default)]
struct Connections {
    open: Mutex<(u32, HashMap<IpAddr, u32>)>,
}

/// One open connection, counted until it is dropped.
pub struct Counted {
    connections: Arc<Connections>,
    peer: IpAddr,
}

impl Drop for Counted {
    fn drop(&mut self) {
        let mut open = self
            .connections
            .open
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        open.0 = open.0.saturating_sub(1);
        if let Some(n) = open.1.get_mut(&self.peer) {
            *n -= 1;
            if *n == 0 {
                open.1.remove(&self.peer);
            }
        }
    }
}

const HOUR: Duration = Duration::from_secs(3600);

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
    /// Not an entry: the owner deleted the room; everyone in it is closed.
    pub deleted: bool,
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
            connections: Arc::default(),
            created: Mutex::new(HashMap::new()),
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

    /// Counts a new connection from `peer`, or says why it is one too many.
    pub fn open_connection(&self, peer: IpAddr) -> Result<Counted, &'static str> {
        let mut open = self
            .connections
            .open
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if open.0 >= self.limits.max_connections {
            return Err("the relay has as many connections as it serves; try again later");
        }
        let from_peer = open.1.entry(peer).or_insert(0);
        if *from_peer >= self.limits.max_connections_per_address {
            if *from_peer == 0 {
                open.1.remove(&peer);
            }
            return Err("too many connections from this address");
        }
        *from_peer += 1;
        open.0 += 1;
        Ok(Counted {
            connections: self.connections.clone(),
            peer,
        })
    }

    /// Whether `peer` may create one more room this hour; counts it if so.
    pub(crate) fn may_create_room(&self, peer: IpAddr) -> bool {
        let now = Instant::now();
        let mut created = self.created.lock().unwrap_or_else(|e| e.into_inner());
        // Forget addresses whose hour has passed, so the map stays small.
        created.retain(|_, times| {
            while times
                .front()
                .is_some_and(|t| now.duration_since(*t) >= HOUR)
            {
                times.pop_front();
            }
            !times.is_empty()
        });
        let times = created.entry(peer).or_default();
        if times.len() >= self.limits.rooms_per_address_per_hour as usize {
            return false;
        }
        times.push_back(now);
        true
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

    /// Hands what another relay process committed to this process's
    /// clients of the room, if it has any: an entry (read from the store)
    /// or the room's deletion.
    pub async fn remote(self: &Arc<Self>, notice: crate::store::Notice) {
        use crate::store::Notice;
        let (room_id, seq) = match notice {
            Notice::Entry { room, seq } => (room, Some(seq)),
            Notice::Deleted { room } => (room, None),
            Notice::Listening => return self.catch_up().await,
        };
        let room = self
            .rooms
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&room_id)
            .cloned();
        let Some(room) = room else { return };
        let live = match seq {
            None => Live {
                seq: u64::MAX,
                from: 0,
                frame: Utf8Bytes::from_static(""),
                deleted: true,
            },
            Some(seq) => {
                let read = self
                    .store(move |s| s.entries_after(&room_id, seq.saturating_sub(1), 1))
                    .await;
                let Some(entry) = read.ok().and_then(|e| e.into_iter().find(|e| e.seq == seq))
                else {
                    // Replaced by a snapshot already: clients catch up from it.
                    return;
                };
                let blob = sms_core::crypto::b64::encode(&entry.blob);
                Live {
                    seq,
                    // No connection here pushed it.
                    from: 0,
                    frame: sms_core::wire::ServerFrame::Blob { seq, blob: &blob }
                        .to_json()
                        .into(),
                    deleted: false,
                }
            }
        };
        let _ = room.live.send(Arc::new(live));
    }

    /// After notices may have been missed: hands each room this process
    /// serves its latest entry (its clients fill any gap before it from the
    /// log, and skip what they hold).
    async fn catch_up(self: &Arc<Self>) {
        let rooms: Vec<RoomId> = self
            .rooms
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .keys()
            .copied()
            .collect();
        for room in rooms {
            let notice = match self.store(move |s| s.room(&room)).await {
                Ok(Some(meta)) if meta.head > 0 => crate::store::Notice::Entry {
                    room,
                    seq: meta.head,
                },
                // Empty, or not there: a room may be joined before it is
                // created, so a missing one is not taken for deleted (its
                // members learn of a deletion when they next write).
                Ok(_) => continue,
                // The database is unreachable again: the next `Listening`
                // comes once it is back.
                Err(_) => return,
            };
            Box::pin(self.remote(notice)).await;
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
