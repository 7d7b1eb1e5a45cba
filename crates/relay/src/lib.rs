//! The live-sync relay of SMS Workbook (protocol: docs/RELAY.md).
//!
//! A store-and-forward service for end-to-end-encrypted blobs: clients of a
//! room push sealed Automerge changes, the relay numbers them, commits them
//! to disk, acknowledges them and forwards them to the room's other
//! clients. It never holds a key, so it cannot read a record; it keeps only
//! sealed blobs and the SHA-256 of each room's token.
//!
//! Design reasons:
//! - An acknowledgement follows the commit, so a crash never loses a blob a
//!   client was told is stored; clients resend whatever was not
//!   acknowledged, and Automerge applies a change once however often it
//!   arrives.
//! - Each room's live entries go out through a broadcast channel that a
//!   sender never waits on: a client that falls too far behind is
//!   disconnected and catches up from the log when it reconnects, so one
//!   slow reader never holds up a room.
//! - Storage sits behind the [`store::Store`] trait; [`store::SqliteStore`]
//!   keeps everything in one SQLite file.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Extension;
use axum::Router;

mod connection;
mod rate;
mod relay;
mod serve;
pub mod store;

pub use relay::{Drained, Relay};
pub use serve::serve;

/// Command-line flags, each with an environment fallback.
#[derive(clap::Parser, Clone, Debug)]
#[command(
    name = "sms-relay",
    version,
    about = "Live-sync relay for SMS Workbook"
)]
pub struct Config {
    /// Address to listen on (port 0: any free port).
    #[arg(long, env = "SMS_RELAY_LISTEN", default_value = "127.0.0.1:8787")]
    pub listen: SocketAddr,
    /// Directory of the relay's database.
    #[arg(long, env = "SMS_RELAY_DATA_DIR", default_value = "./relay-data")]
    pub data_dir: PathBuf,
    /// A PostgreSQL database to keep rooms in instead of the SQLite file
    /// (`postgres://user:password@host/db` or `host=… dbname=…`); several
    /// relay processes may share it.
    #[arg(long, env = "SMS_RELAY_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Largest frame accepted, in bytes of JSON.
    #[arg(long, env = "SMS_RELAY_MAX_FRAME_BYTES", default_value_t = 2 * 1024 * 1024)]
    pub max_frame_bytes: usize,
    /// Most bytes of blobs stored per room (log and snapshot).
    #[arg(long, env = "SMS_RELAY_MAX_ROOM_BYTES", default_value_t = 256 * 1024 * 1024)]
    pub max_room_bytes: u64,
    /// Sustained frames per second per connection.
    #[arg(long, env = "SMS_RELAY_MAX_MESSAGES_PER_SECOND", default_value_t = 50,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_messages_per_second: u32,
    /// Frames a connection may send at once before the per-second rate applies.
    #[arg(long, env = "SMS_RELAY_BURST_MESSAGES", default_value_t = 200,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub burst_messages: u32,
    /// Sustained bytes per second a connection may send (frames' JSON).
    #[arg(long, env = "SMS_RELAY_MAX_BYTES_PER_SECOND", default_value_t = 4 * 1024 * 1024,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_bytes_per_second: u32,
    /// Rooms the relay holds at most (a hello creating one more is refused).
    #[arg(long, env = "SMS_RELAY_MAX_ROOMS", default_value_t = 10_000)]
    pub max_rooms: u64,
    /// Rooms one address may create per hour.
    #[arg(
        long,
        env = "SMS_RELAY_MAX_ROOMS_PER_ADDRESS_PER_HOUR",
        default_value_t = 20
    )]
    pub max_rooms_per_address_per_hour: u32,
    /// Bytes of blobs the relay holds at most, all rooms together.
    #[arg(long, env = "SMS_RELAY_MAX_TOTAL_BYTES", default_value_t = 10 * 1024 * 1024 * 1024)]
    pub max_total_bytes: u64,
    /// Open connections at most (HTTP and WebSocket).
    #[arg(long, env = "SMS_RELAY_MAX_CONNECTIONS", default_value_t = 10_000)]
    pub max_connections: u32,
    /// Open connections at most from one address.
    #[arg(
        long,
        env = "SMS_RELAY_MAX_CONNECTIONS_PER_ADDRESS",
        default_value_t = 64
    )]
    pub max_connections_per_address: u32,
    /// Seconds a client may stay silent after its hello (the app pings
    /// every 20 seconds).
    #[arg(long, env = "SMS_RELAY_IDLE_SECONDS", default_value_t = 90,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub idle_seconds: u64,
    /// Seconds a client may take to send a request's HTTP headers.
    #[arg(long, env = "SMS_RELAY_HEADER_SECONDS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub header_seconds: u64,
    /// Rooms nobody wrote to or joined for this many days are deleted with
    /// their blobs (0: kept for ever).
    #[arg(long, env = "SMS_RELAY_RETENTION_DAYS", default_value_t = 365)]
    pub retention_days: u64,
}

/// The limits a relay enforces.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_frame_bytes: usize,
    pub max_room_bytes: u64,
    pub messages_per_second: u32,
    pub burst_messages: u32,
    pub bytes_per_second: u32,
    pub max_rooms: u64,
    pub rooms_per_address_per_hour: u32,
    pub max_total_bytes: u64,
    pub max_connections: u32,
    pub max_connections_per_address: u32,
    pub idle: std::time::Duration,
}

impl From<&Config> for Limits {
    fn from(c: &Config) -> Self {
        Limits {
            max_frame_bytes: c.max_frame_bytes,
            max_room_bytes: c.max_room_bytes,
            messages_per_second: c.max_messages_per_second,
            burst_messages: c.burst_messages,
            bytes_per_second: c.max_bytes_per_second,
            max_rooms: c.max_rooms,
            rooms_per_address_per_hour: c.max_rooms_per_address_per_hour,
            max_total_bytes: c.max_total_bytes,
            max_connections: c.max_connections,
            max_connections_per_address: c.max_connections_per_address,
            idle: std::time::Duration::from_secs(c.idle_seconds),
        }
    }
}

impl Limits {
    /// What one write may leave stored.
    pub fn quota(&self) -> store::Quota {
        store::Quota {
            room: self.max_room_bytes,
            total: self.max_total_bytes,
        }
    }
}

/// The relay's routes: `GET /v1/ws` and `GET /health`.
pub fn app(relay: Arc<Relay>) -> Router {
    Router::new()
        .route("/v1/ws", get(websocket))
        .route("/health", get(health))
        .with_state(relay)
}

async fn websocket(
    State(relay): State<Arc<Relay>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    admission: Option<Extension<serve::Admission>>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let max = relay.limits().max_frame_bytes;
    let peer = peer.ip();
    let (counted, refused) = match admission.map(|a| a.0 .0) {
        Some(Ok(counted)) => (Some(counted), None),
        Some(Err(why)) => (None, Some(why)),
        None => (None, None),
    };
    upgrade
        // Larger messages fail while being read, before they are buffered.
        .max_message_size(max)
        .max_frame_size(max)
        // Most frames are small; the buffer grows for the rare large one.
        .read_buffer_size(4096)
        .on_upgrade(move |socket| async move {
            connection::serve(relay, socket, peer, refused).await;
            // The WebSocket counts against the limits until it ends.
            drop(counted);
        })
}

async fn health() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        r#"{"status":"ok"}"#,
    )
}
