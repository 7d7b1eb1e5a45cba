//! One client's connection: `hello`, admission, the backlog, then pushes,
//! snapshots and live entries until either side leaves.
//!
//! Generic over the socket (any `Stream` + `Sink` of WebSocket messages),
//! so the whole conversation can be driven without a network.

use std::convert::Infallible;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes};
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use sms_core::crypto::{b64, token_hash, RoomId};
use sms_core::wire::{self, ClientFrame, ErrorCode, Hello, Refusal, ServerFrame};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::watch;
use tokio::time::{timeout, timeout_at, Instant};
use tracing::{debug, error, info, warn, Instrument};

use crate::rate::TokenBucket;
use crate::relay::{Live, Membership, Relay};
use crate::store::{Appended, Entry, RoomMeta, SnapshotStored, StoreError};

const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
/// A client that takes longer than this to take one frame is dropped.
const SEND_TIMEOUT: Duration = Duration::from_secs(30);
/// Time allowed for the error frame and the closing handshake.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);
/// Bytes of log read from storage at a time while sending a backlog.
const BACKLOG_PAGE_BYTES: usize = 1 << 20;

/// WebSocket close codes (RFC 6455 §7.4.1).
const GOING_AWAY: u16 = 1001;
const POLICY_VIOLATION: u16 = 1008;
const MESSAGE_TOO_BIG: u16 = 1009;
const INTERNAL_ERROR: u16 = 1011;
const TRY_AGAIN_LATER: u16 = 1013;

/// Why a connection ends.
enum End {
    /// Refused: an `error` frame, then the close.
    Refused(ErrorCode, &'static str),
    /// The client closed, or the connection broke.
    Gone,
    /// The client stopped taking frames.
    Stalled,
    /// The client fell further behind the room than the relay buffers.
    Lagged,
    /// The client sent nothing for longer than the relay waits.
    Idle,
    /// The room's owner deleted the room.
    Deleted,
    Shutdown,
    Storage(StoreError),
}

impl From<Refusal> for End {
    fn from(r: Refusal) -> Self {
        End::Refused(r.code, r.message)
    }
}

const TOO_BIG: End = End::Refused(
    ErrorCode::TooBig,
    "the frame is larger than this relay accepts",
);

const ROOM_FULL: End = End::Refused(
    ErrorCode::RoomFull,
    "the room holds as much as this relay allows",
);

const RELAY_FULL: End = End::Refused(
    ErrorCode::RoomFull,
    "the relay holds as much as it allows, all rooms together",
);

const ALREADY_SAID_HELLO: End = End::Refused(ErrorCode::BadFrame, "hello was already sent");

/// Serves one upgraded connection from `peer` to its end; `refused` says
/// why it is refused at once (one connection too many).
pub async fn serve<S>(relay: Arc<Relay>, socket: S, peer: IpAddr, refused: Option<&'static str>)
where
    S: Stream<Item = Result<Message, axum::Error>> + Sink<Message, Error = axum::Error> + Unpin,
{
    let id = relay.connection_id();
    let span = tracing::info_span!("conn", id, room = tracing::field::Empty);
    async move {
        debug!("connected");
        let limits = relay.limits();
        let now = std::time::Instant::now();
        let mut conn = Conn {
            bucket: TokenBucket::new(limits.messages_per_second, limits.burst_messages, now),
            // A whole frame of the largest size always fits in the burst.
            bytes: TokenBucket::new(
                limits.bytes_per_second,
                u32::try_from(limits.max_frame_bytes.saturating_mul(2))
                    .unwrap_or(u32::MAX)
                    .max(limits.bytes_per_second),
                now,
            ),
            relay,
            socket,
            id,
            peer,
            role: Role::Member,
            pushed: std::collections::BTreeSet::new(),
        };
        let end = match refused {
            Some(why) => End::Refused(ErrorCode::TooFast, why),
            None => match conn.session().await {
                Ok(never) => match never {},
                Err(end) => end,
            },
        };
        conn.end(end).await;
    }
    .instrument(span)
    .await
}

struct Conn<S> {
    relay: Arc<Relay>,
    socket: S,
    id: u64,
    peer: IpAddr,
    /// Frames per second.
    bucket: TokenBucket,
    /// Bytes per second.
    bytes: TokenBucket,
    role: Role,
    /// Entries this connection pushed, after the last one it holds.
    pushed: std::collections::BTreeSet<u64>,
}

/// What a connection may do in its room.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// Showed the owner's secret: may also replace history and delete.
    Owner,
    Member,
    /// A room created without an owner (by an older app): every member
    /// may replace its history, as before.
    Unowned,
}

impl<S> Conn<S>
where
    S: Stream<Item = Result<Message, axum::Error>> + Sink<Message, Error = axum::Error> + Unpin,
{
    async fn session(&mut self) -> Result<Infallible, End> {
        let mut shutdown = self.relay.shutdown();
        if *shutdown.borrow_and_update() {
            return Err(End::Shutdown);
        }
        let hello = self.hello(&mut shutdown).await?;
        tracing::Span::current().record("room", tracing::field::display(hello.room.to_hex()));
        // Subscribe before reading the log: an entry committed meanwhile
        // then comes either from the log or live (or both; see `last`).
        let member = self.relay.join(hello.room);
        let mut live = member.room.live.subscribe();
        let meta = self.admit(&hello).await?;
        let mut last = self.backlog(&hello, &meta).await?;
        let idle = self.relay.limits().idle;
        let mut heard = Instant::now();
        loop {
            tokio::select! {
                msg = self.socket.next() => {
                    let msg = received(msg)?;
                    heard = Instant::now();
                    self.frame(msg, &hello.room, &member).await?;
                    self.skip_own(&mut last);
                }
                _ = tokio::time::sleep_until(heard + idle) => return Err(End::Idle),
                entry = live.recv() => match entry {
                    Ok(entry) if entry.deleted => return Err(End::Deleted),
                    Ok(entry) => {
                        self.skip_own(&mut last);
                        if entry.from != self.id && entry.seq > last {
                            if entry.seq > last + 1 {
                                // Announced out of turn (another relay
                                // process committed the ones before it):
                                // those come from the log first.
                                self.fill(hello.room, &mut last, entry.seq - 1).await?;
                            }
                            if entry.seq > last {
                                last = entry.seq;
                                self.send(Message::Text(entry.frame.clone())).await?;
                            }
                        }
                    }
                    Err(RecvError::Lagged(_)) => return Err(End::Lagged),
                    Err(RecvError::Closed) => return Err(End::Shutdown),
                },
                _ = shutdown.changed() => return Err(End::Shutdown),
            }
        }
    }

    /// Moves `last` past this connection's own entries that follow it (a
    /// client never gets its own pushes back).
    fn skip_own(&mut self, last: &mut u64) {
        while self.pushed.remove(&(*last + 1)) {
            *last += 1;
        }
        let held = *last;
        self.pushed.retain(|s| *s > held);
    }

    /// Sends, from the log, the entries after `last` up to `upto` that this
    /// connection did not push itself.
    async fn fill(&mut self, room: RoomId, last: &mut u64, upto: u64) -> Result<(), End> {
        loop {
            self.skip_own(last);
            if *last >= upto {
                return Ok(());
            }
            let after = *last;
            let page = self
                .relay
                .store(move |s| s.entries_after(&room, after, BACKLOG_PAGE_BYTES))
                .await
                .map_err(End::Storage)?;
            // None, or replaced by a snapshot meanwhile: the client asks
            // for what it lacks when it reconnects.
            if page.first().is_none_or(|e| e.seq != after + 1) {
                return Ok(());
            }
            for entry in page.into_iter().take_while(|e| e.seq <= upto) {
                if !self.pushed.contains(&entry.seq) {
                    self.feed_entry(&entry).await?;
                }
                *last = entry.seq;
            }
            self.flush().await?;
        }
    }

    /// Waits for the first frame, which must be a `hello`.
    async fn hello(&mut self, shutdown: &mut watch::Receiver<bool>) -> Result<Hello, End> {
        let deadline = Instant::now() + HELLO_TIMEOUT;
        loop {
            let msg = tokio::select! {
                msg = timeout_at(deadline, self.socket.next()) => msg.map_err(|_| {
                    End::Refused(ErrorCode::BadHello, "no hello within 10 seconds")
                })?,
                _ = shutdown.changed() => return Err(End::Shutdown),
            };
            match received(msg)? {
                Message::Text(text) => {
                    self.check_rate()?;
                    self.check_size(&text)?;
                    return match wire::parse(&text)? {
                        ClientFrame::Hello(hello) => Ok(hello),
                        _ => Err(End::Refused(
                            ErrorCode::BadHello,
                            "the first frame must be a hello",
                        )),
                    };
                }
                Message::Binary(_) => {
                    self.check_rate()?;
                    return Err(End::Refused(ErrorCode::BadFrame, "frames are JSON text"));
                }
                Message::Ping(_) | Message::Pong(_) => self.check_rate()?,
                Message::Close(_) => return Err(End::Gone),
            }
        }
    }

    /// Checks the token, creating the room if asked to (within the rooms
    /// the relay holds and those one address may create per hour).
    async fn admit(&mut self, hello: &Hello) -> Result<RoomMeta, End> {
        let hash = token_hash(&hello.token);
        let room = hello.room;
        let limits = self.relay.limits();
        let existing = self
            .relay
            .store(move |s| s.room(&room))
            .await
            .map_err(End::Storage)?;
        let (meta, created) = match existing {
            Some(meta) => (meta, false),
            None if hello.create => {
                if !self.relay.may_create_room(self.peer) {
                    return Err(End::Refused(
                        ErrorCode::TooFast,
                        "this address created as many rooms this hour as this relay allows",
                    ));
                }
                let owner = hello.owner.map(|o| token_hash(&o));
                let made = self
                    .relay
                    .store(move |s| s.create_room(&room, &hash, owner.as_ref(), limits.max_rooms))
                    .await
                    .map_err(End::Storage)?;
                let Some(meta) = made else {
                    return Err(End::Refused(
                        ErrorCode::RoomFull,
                        "the relay holds as many rooms as it allows",
                    ));
                };
                (meta, true)
            }
            None => return Err(End::Refused(ErrorCode::NoRoom, "no such room")),
        };
        if !same_hash(&meta.token_hash, &hash) {
            return Err(End::Refused(
                ErrorCode::Forbidden,
                "this token does not open this room",
            ));
        }
        self.role = match (&meta.owner_hash, &hello.owner) {
            (None, _) => Role::Unowned,
            (Some(owner), Some(secret)) if same_hash(owner, &token_hash(secret)) => Role::Owner,
            (Some(_), _) => Role::Member,
        };
        if created && meta.head == 0 {
            info!("room created");
        } else {
            // In use: not idle, for retention.
            self.relay
                .store(move |s| s.touch(&room))
                .await
                .map_err(End::Storage)?;
        }
        debug!(since = hello.since, head = meta.head, "joined");
        Ok(meta)
    }

    /// Sends `welcome`, the snapshot if the client is behind it, every
    /// entry after what it holds, and `caught_up`. Returns the last entry
    /// the client now holds.
    async fn backlog(&mut self, hello: &Hello, meta: &RoomMeta) -> Result<u64, End> {
        self.send_frame(&ServerFrame::Welcome {
            head: meta.head,
            snapshot: meta.snapshot_upto,
        })
        .await?;
        if hello.since > meta.head {
            warn!(
                since = hello.since,
                head = meta.head,
                "a client holds entries this room does not (data restored from an older backup?)"
            );
        }
        let room = hello.room;
        let mut next = hello.since;
        let mut head = meta.head;
        if next < meta.snapshot_upto {
            next = self.send_snapshot(room).await?;
            head = head.max(next);
        }
        loop {
            let after = next;
            let page = self
                .relay
                .store(move |s| s.entries_after(&room, after, BACKLOG_PAGE_BYTES))
                .await
                .map_err(End::Storage)?;
            let Some(first) = page.first() else { break };
            if first.seq > next + 1 {
                // A snapshot replaced these entries while this client was
                // catching up: it holds them.
                let upto = self.send_snapshot(room).await?;
                if upto + 1 < first.seq {
                    return Err(End::Storage(StoreError::Io(std::io::Error::other(
                        "the room's log has a gap no snapshot covers",
                    ))));
                }
                next = next.max(upto);
                head = head.max(next);
                continue;
            }
            for entry in page {
                self.feed_entry(&entry).await?;
                next = entry.seq;
            }
            head = head.max(next);
            self.flush().await?;
        }
        self.send_frame(&ServerFrame::CaughtUp { head }).await?;
        Ok(next)
    }

    /// Sends the room's snapshot; returns its `upto`.
    async fn send_snapshot(&mut self, room: RoomId) -> Result<u64, End> {
        let snapshot = self
            .relay
            .store(move |s| s.snapshot(&room))
            .await
            .map_err(End::Storage)?
            .ok_or_else(|| {
                End::Storage(StoreError::Io(std::io::Error::other(
                    "the room names a snapshot it does not hold",
                )))
            })?;
        let blob = b64::encode(&snapshot.blob);
        self.send_frame(&ServerFrame::Snapshot {
            upto: snapshot.upto,
            blob: &blob,
        })
        .await?;
        Ok(snapshot.upto)
    }

    /// Handles one frame after the hello.
    async fn frame(&mut self, msg: Message, room: &RoomId, member: &Membership) -> Result<(), End> {
        let text = match msg {
            Message::Text(text) => text,
            Message::Binary(_) => {
                self.check_rate()?;
                return Err(End::Refused(ErrorCode::BadFrame, "frames are JSON text"));
            }
            Message::Ping(_) | Message::Pong(_) => return self.check_rate(),
            Message::Close(_) => return Err(End::Gone),
        };
        self.check_rate()?;
        self.check_size(&text)?;
        let room = *room;
        let quota = self.relay.limits().quota();
        let frame = wire::parse(&text).map_err(|refusal| match refusal.code {
            ErrorCode::BadHello => ALREADY_SAID_HELLO,
            _ => End::from(refusal),
        })?;
        match frame {
            ClientFrame::Hello(_) => Err(ALREADY_SAID_HELLO),
            ClientFrame::Ping => self.send_frame(&ServerFrame::Pong).await,
            ClientFrame::Delete { id } => {
                if self.role != Role::Owner {
                    return Err(End::Refused(
                        ErrorCode::Forbidden,
                        "only the room's owner can delete it",
                    ));
                }
                {
                    // No push is between its commit and its fan-out now.
                    let _in_order = member.room.writing.lock().await;
                    self.relay
                        .store(move |s| s.delete_room(&room))
                        .await
                        .map_err(End::Storage)?;
                    let _ = member.room.live.send(Arc::new(Live {
                        seq: u64::MAX,
                        from: self.id,
                        frame: Utf8Bytes::from_static(""),
                        deleted: true,
                    }));
                }
                info!("room deleted by its owner");
                self.send_frame(&ServerFrame::Ack { id, seq: 0 }).await?;
                Err(End::Deleted)
            }
            ClientFrame::Push { id, text, blob } => {
                let appended = {
                    // Commit and hand to the room in one step, so live
                    // entries go out in sequence order.
                    let _in_order = member.room.writing.lock().await;
                    let appended = self
                        .relay
                        .store(move |s| s.append(&room, &blob, quota))
                        .await
                        .map_err(gone_or_storage)?;
                    if let Appended::Seq(seq) = appended {
                        if member.room.live.receiver_count() > 1 {
                            let frame = ServerFrame::Blob { seq, blob: text }.to_json();
                            // Fails only when nobody listens; then nobody misses it.
                            let _ = member.room.live.send(Arc::new(Live {
                                seq,
                                from: self.id,
                                frame: frame.into(),
                                deleted: false,
                            }));
                        }
                    }
                    appended
                };
                match appended {
                    Appended::Seq(seq) => {
                        self.pushed.insert(seq);
                        self.send_frame(&ServerFrame::Ack { id, seq }).await
                    }
                    Appended::RoomFull => Err(ROOM_FULL),
                    Appended::RelayFull => Err(RELAY_FULL),
                }
            }
            ClientFrame::Snapshot { id, upto, blob } => {
                if self.role == Role::Member {
                    return Err(End::Refused(
                        ErrorCode::Forbidden,
                        "only the room's owner can replace its history",
                    ));
                }
                let stored = self
                    .relay
                    .store(move |s| s.put_snapshot(&room, upto, &blob, quota))
                    .await
                    .map_err(gone_or_storage)?;
                match stored {
                    SnapshotStored::Stored | SnapshotStored::Covered => {
                        debug!(upto, "snapshot stored");
                        self.send_frame(&ServerFrame::Ack { id, seq: upto }).await
                    }
                    SnapshotStored::BadUpto => Err(End::Refused(
                        ErrorCode::BadSnapshot,
                        "upto must be between 1 and the room's head",
                    )),
                    SnapshotStored::RoomFull => Err(ROOM_FULL),
                    SnapshotStored::RelayFull => Err(RELAY_FULL),
                }
            }
            // Attached files: any member may store and fetch them; they
            // count in the room's bytes.
            ClientFrame::Files { id, files } => {
                let held = self
                    .relay
                    .store(move |s| s.files_held(&room, &files))
                    .await
                    .map_err(gone_or_storage)?;
                let have: Vec<String> = held.iter().map(hex).collect();
                self.send_frame(&ServerFrame::Files { id, have: &have })
                    .await
            }
            ClientFrame::FilePut {
                id,
                file,
                part,
                parts,
                blob,
            } => {
                let stored = self
                    .relay
                    .store(move |s| s.put_file_part(&room, &file, (part, parts), &blob, quota))
                    .await
                    .map_err(gone_or_storage)?;
                match stored {
                    Appended::Seq(_) => self.send_frame(&ServerFrame::Ack { id, seq: 0 }).await,
                    Appended::RoomFull => Err(ROOM_FULL),
                    Appended::RelayFull => Err(RELAY_FULL),
                }
            }
            ClientFrame::FileGet { id, file } => {
                let whole = self
                    .relay
                    .store(move |s| s.files_held(&room, &[file]))
                    .await
                    .map_err(gone_or_storage)?;
                if whole.is_empty() {
                    return self.send_frame(&ServerFrame::NoFile { id }).await;
                }
                // One part in memory at a time.
                let mut part = 0;
                loop {
                    let got = self
                        .relay
                        .store(move |s| s.file_part(&room, &file, part))
                        .await
                        .map_err(gone_or_storage)?;
                    let Some((parts, blob)) = got.filter(|(parts, _)| part < *parts) else {
                        // Replaced or deleted meanwhile.
                        return self.send_frame(&ServerFrame::NoFile { id }).await;
                    };
                    let blob = b64::encode(&blob);
                    self.send_frame(&ServerFrame::FilePart {
                        id,
                        part,
                        parts,
                        blob: &blob,
                    })
                    .await?;
                    part += 1;
                    if part == parts {
                        return Ok(());
                    }
                }
            }
        }
    }

    fn check_rate(&mut self) -> Result<(), End> {
        if self.bucket.take(std::time::Instant::now()) {
            Ok(())
        } else {
            Err(End::Refused(
                ErrorCode::TooFast,
                "more frames per second than this relay accepts",
            ))
        }
    }

    /// Refuses a frame over the size limit, or one more byte per second
    /// than the connection may send.
    fn check_size(&mut self, text: &str) -> Result<(), End> {
        if text.len() > self.relay.limits().max_frame_bytes {
            Err(TOO_BIG)
        } else if !self.bytes.take_n(text.len(), std::time::Instant::now()) {
            Err(End::Refused(
                ErrorCode::TooFast,
                "more bytes per second than this relay accepts",
            ))
        } else {
            Ok(())
        }
    }

    async fn send_frame(&mut self, frame: &ServerFrame<'_>) -> Result<(), End> {
        self.send(Message::Text(frame.to_json().into())).await
    }

    async fn send(&mut self, msg: Message) -> Result<(), End> {
        sent(timeout(SEND_TIMEOUT, self.socket.send(msg)).await)
    }

    async fn feed(&mut self, text: String) -> Result<(), End> {
        sent(timeout(SEND_TIMEOUT, self.socket.feed(Message::Text(text.into()))).await)
    }

    /// Queues a log entry as a `blob` frame (sent at the next flush).
    async fn feed_entry(&mut self, entry: &Entry) -> Result<(), End> {
        let blob = b64::encode(&entry.blob);
        self.feed(
            ServerFrame::Blob {
                seq: entry.seq,
                blob: &blob,
            }
            .to_json(),
        )
        .await
    }

    async fn flush(&mut self) -> Result<(), End> {
        sent(timeout(SEND_TIMEOUT, self.socket.flush()).await)
    }

    /// Says why the connection ends, when there is someone to tell.
    async fn end(&mut self, end: End) {
        let (code, reason) = match end {
            End::Refused(code, message) => {
                info!(?code, message, "refused");
                let error = ServerFrame::Error { code, message }.to_json();
                if timeout(CLOSE_TIMEOUT, self.socket.send(Message::Text(error.into())))
                    .await
                    .is_err()
                {
                    return;
                }
                let close = if code == ErrorCode::TooBig {
                    MESSAGE_TOO_BIG
                } else {
                    POLICY_VIOLATION
                };
                (close, message)
            }
            End::Gone => {
                debug!("disconnected");
                return;
            }
            End::Stalled => {
                info!("dropped a client that stopped reading");
                return;
            }
            End::Lagged => {
                info!("closed a client that fell behind; it catches up on reconnecting");
                (TRY_AGAIN_LATER, "fell behind the room; reconnect")
            }
            End::Deleted => {
                let error = ServerFrame::Error {
                    code: ErrorCode::NoRoom,
                    message: "the room's owner deleted it",
                }
                .to_json();
                let _ = timeout(CLOSE_TIMEOUT, self.socket.send(Message::Text(error.into()))).await;
                (GOING_AWAY, "the room was deleted")
            }
            End::Idle => {
                debug!("closed an idle connection");
                (GOING_AWAY, "idle for too long")
            }
            End::Shutdown => (GOING_AWAY, "the relay is shutting down"),
            End::Storage(e) => {
                error!(error = %e, "storage failed");
                (INTERNAL_ERROR, "storage failed")
            }
        };
        let frame = Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        }));
        let _ = timeout(CLOSE_TIMEOUT, async {
            self.socket.send(frame).await?;
            // Read up to the client's close, so that closing with unread
            // data does not reset the connection under what was just sent.
            while let Some(Ok(msg)) = self.socket.next().await {
                if matches!(msg, Message::Close(_)) {
                    break;
                }
            }
            Ok::<_, axum::Error>(())
        })
        .await;
    }
}

/// A room deleted meanwhile, or a storage failure.
/// A file id in lower-case hex.
fn hex(bytes: &[u8; 32]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn gone_or_storage(e: StoreError) -> End {
    match e {
        StoreError::NoRoom => End::Deleted,
        e => End::Storage(e),
    }
}

fn sent(result: Result<Result<(), axum::Error>, tokio::time::error::Elapsed>) -> Result<(), End> {
    match result {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err(End::Gone),
        Err(_) => Err(End::Stalled),
    }
}

fn received(msg: Option<Result<Message, axum::Error>>) -> Result<Message, End> {
    use tungstenite::error::{Error as WsError, ProtocolError};
    match msg {
        None => Err(End::Gone),
        Some(Ok(msg)) => Ok(msg),
        Some(Err(e)) => Err(match e.into_inner().downcast::<WsError>().map(|e| *e) {
            Ok(WsError::Capacity(_)) => TOO_BIG,
            Ok(WsError::Utf8(_)) => End::Refused(ErrorCode::BadFrame, "a text frame is not UTF-8"),
            Ok(WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake)) => End::Gone,
            Ok(WsError::Protocol(_)) => {
                End::Refused(ErrorCode::BadFrame, "not a valid WebSocket frame")
            }
            _ => End::Gone,
        }),
    }
}

/// Compares token hashes in time independent of where they differ.
fn same_hash(a: &[u8; 32], b: &[u8; 32]) -> bool {
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}
