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
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

mod connection;
mod rate;
mod relay;
pub mod store;

pub use relay::{Drained, Relay};

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
}

/// The limits a relay enforces.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_frame_bytes: usize,
    pub max_room_bytes: u64,
    pub messages_per_second: u32,
    pub burst_messages: u32,
}

impl From<&Config> for Limits {
    fn from(c: &Config) -> Self {
        Limits {
            max_frame_bytes: c.max_frame_bytes,
            max_room_bytes: c.max_room_bytes,
            messages_per_second: c.max_messages_per_second,
            burst_messages: c.burst_messages,
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

async fn websocket(State(relay): State<Arc<Relay>>, upgrade: WebSocketUpgrade) -> Response {
    let max = relay.limits().max_frame_bytes;
    upgrade
        // Larger messages fail while being read, before they are buffered.
        .max_message_size(max)
        .max_frame_size(max)
        // Most frames are small; the buffer grows for the rare large one.
        .read_buffer_size(4096)
        .on_upgrade(move |socket| connection::serve(relay, socket))
}

async fn health() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        r#"{"status":"ok"}"#,
    )
}
