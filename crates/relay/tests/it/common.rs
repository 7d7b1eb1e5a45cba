//! The relay binary as a child process, a raw WebSocket client that speaks
//! the protocol frame by frame, and `Peer`: a copy of a workbook that syncs
//! through the relay with `sms_core::sync::LiveSync`, as the app does.

use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use chrono::{TimeZone, Utc};
use futures_util::{SinkExt, StreamExt};
use sms_core::crypto::{b64, RoomId, RoomKey};
use sms_core::sync::LiveSync;
use sms_core::wire::{ClientOut, ErrorCode, FileIn, FileOut, ServerIn};
use sms_core::{
    registers, ActorBytes, ChangeContext, ChangeHash, Record, RecordDraft, RecordId, Workbook,
    WorkbookId,
};
use tokio::net::TcpStream;
use tokio::time::{timeout, Instant};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// The longest any single expected frame may take.
pub const STEP: Duration = Duration::from_secs(10);
/// The longest peers may take to converge.
pub const SETTLE: Duration = Duration::from_secs(20);

// ---- the relay process ------------------------------------------------

pub struct RelayProcess {
    child: Child,
    pub addr: SocketAddr,
    data_dir: std::path::PathBuf,
    /// The PostgreSQL database it keeps rooms in, when the tests run
    /// against PostgreSQL.
    database: Option<String>,
}

/// The PostgreSQL server the tests run against, when
/// `SMS_RELAY_TEST_POSTGRES=1`: libpq's settings (`PGHOST`, `PGPORT`,
/// `PGUSER`, `PGPASSWORD`, as `pg_virtualenv` sets them) without a
/// database name. Otherwise the relay keeps rooms in SQLite.
pub fn postgres() -> Option<String> {
    if std::env::var("SMS_RELAY_TEST_POSTGRES").ok().as_deref() != Some("1") {
        return None;
    }
    let mut conn = String::new();
    for (var, key) in [
        ("PGHOST", "host"),
        ("PGPORT", "port"),
        ("PGUSER", "user"),
        ("PGPASSWORD", "password"),
    ] {
        if let Ok(v) = std::env::var(var) {
            conn.push_str(&format!("{key}='{v}' "));
        }
    }
    assert!(
        !conn.is_empty(),
        "SMS_RELAY_TEST_POSTGRES=1 needs a server: run the tests under pg_virtualenv (scripts/test.sh does)"
    );
    Some(conn)
}

/// A database of its own for the relay over `data_dir` (the same one each
/// time, so a restarted relay finds its rooms), created if missing.
fn database_for(server: &str, data_dir: &Path) -> String {
    // The blocking client runs its own runtime: off the test's.
    let (server, data_dir) = (server.to_owned(), data_dir.to_owned());
    std::thread::spawn(move || create_database(&server, &data_dir))
        .join()
        .expect("the database is ready")
}

fn create_database(server: &str, data_dir: &Path) -> String {
    let hash = sms_core::crypto::token_hash(data_dir.to_string_lossy().as_bytes());
    let name: String = hash[..8].iter().map(|b| format!("{b:02x}")).collect();
    let name = format!("relay_{name}");
    let mut admin =
        postgres::Client::connect(&format!("{server} dbname=postgres"), postgres::NoTls)
            .expect("the PostgreSQL server answers");
    let exists = admin
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
        .expect("list databases")
        .is_some();
    if !exists {
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create the test database");
    }
    format!("{server} dbname={name}")
}

impl RelayProcess {
    /// Starts the relay on a free port over `data_dir`, with extra flags
    /// (over PostgreSQL instead, see [`postgres`]).
    pub fn start(data_dir: &Path, flags: &[&str]) -> Self {
        let database = postgres().map(|server| database_for(&server, data_dir));
        Self::spawn(data_dir, database, flags)
    }

    /// Another relay process over the same rooms (PostgreSQL only).
    pub fn start_beside(&self, flags: &[&str]) -> Self {
        assert!(self.database.is_some(), "only over PostgreSQL");
        Self::spawn(&self.data_dir, self.database.clone(), flags)
    }

    /// Breaks every relay process's connection listening for the others'
    /// notices on this database (PostgreSQL only), as a network failure
    /// or a database restart would; how many were broken.
    pub fn cut_listeners(&self) -> u64 {
        let db = self.database.clone().expect("only over PostgreSQL");
        // The blocking client runs its own runtime: off the test's.
        std::thread::spawn(move || {
            let mut c = postgres::Client::connect(&db, postgres::NoTls).unwrap();
            let row = c
                .query_one(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
                     WHERE datname = current_database() AND query LIKE 'LISTEN%' \
                     AND pid <> pg_backend_pid()",
                    &[],
                )
                .unwrap();
            row.get::<_, i64>(0) as u64
        })
        .join()
        .unwrap()
    }

    /// Every byte the relay keeps: its files (SQLite), or every stored
    /// value of every row (PostgreSQL).
    pub fn stored(&self) -> Vec<u8> {
        match &self.database {
            None => {
                let mut all = Vec::new();
                for f in std::fs::read_dir(&self.data_dir).unwrap() {
                    all.extend(std::fs::read(f.unwrap().path()).unwrap_or_default());
                }
                all
            }
            Some(db) => {
                let db = db.clone();
                // The blocking client runs its own runtime: off the test's.
                std::thread::spawn(move || {
                    let mut c = postgres::Client::connect(&db, postgres::NoTls).unwrap();
                    let mut all = Vec::new();
                    for sql in [
                        "SELECT id || token_hash || COALESCE(owner_hash, ''::bytea) FROM rooms",
                        "SELECT room || blob FROM entries",
                        "SELECT room || blob FROM snapshots",
                        "SELECT room || file || blob FROM files",
                    ] {
                        for row in c.query(sql, &[]).unwrap() {
                            all.extend(row.get::<_, Vec<u8>>(0));
                        }
                    }
                    all
                })
                .join()
                .unwrap()
            }
        }
    }

    fn spawn(data_dir: &Path, database: Option<String>, flags: &[&str]) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_sms-relay"));
        command
            .args(["--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir);
        if let Some(db) = &database {
            command.args(["--database-url", db]);
        }
        let mut child = command
            .args(flags)
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the relay starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(addr) = line.strip_prefix("listening on ") {
                    let _ = tx.send(addr.parse::<SocketAddr>().expect("an address"));
                }
            }
        });
        let addr = rx
            .recv_timeout(STEP)
            .expect("the relay prints the address it listens on");
        RelayProcess {
            child,
            addr,
            data_dir: data_dir.to_owned(),
            database,
        }
    }

    pub fn url(&self) -> String {
        format!("ws://{}/v1/ws", self.addr)
    }

    /// SIGKILL: no chance to flush or close anything.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then waits for the process to exit.
    pub fn terminate(&mut self) -> ExitStatus {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        let deadline = std::time::Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the relay did not stop after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for RelayProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

// ---- a raw protocol client ----------------------------------------------
//
// Frames go out as `ClientOut` and come back through `ServerIn::parse`;
// tests that send malformed frames on purpose use `send_text`.

pub struct Raw {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl Raw {
    pub async fn connect(url: &str) -> Raw {
        let (ws, _) = timeout(STEP, tokio_tungstenite::connect_async(url))
            .await
            .expect("connect in time")
            .expect("the relay accepts WebSocket connections");
        Raw { ws }
    }

    /// Connects and says hello.
    pub async fn hello(url: &str, room: &RoomId, token: &[u8], since: u64, create: bool) -> Raw {
        Raw::hello_as(url, room, token, since, create, None).await
    }

    /// Connects and says hello, showing `owner` (the owner's secret).
    pub async fn hello_as(
        url: &str,
        room: &RoomId,
        token: &[u8],
        since: u64,
        create: bool,
        owner: Option<&[u8; 32]>,
    ) -> Raw {
        let mut raw = Raw::connect(url).await;
        raw.send(ClientOut::Hello {
            room: &room.to_hex(),
            token: &b64::encode(token),
            since,
            create,
            owner: owner.map(|o| b64::encode(o)).as_deref(),
        })
        .await;
        raw
    }

    pub async fn send(&mut self, frame: ClientOut<'_>) {
        self.send_text(frame.to_json()).await;
    }

    pub async fn send_file(&mut self, frame: FileOut<'_>) {
        self.send_text(frame.to_json()).await;
    }

    /// The next frame, read as an answer about files (`None` once closed).
    pub async fn recv_file(&mut self) -> Option<FileIn> {
        loop {
            let msg = timeout(STEP, self.ws.next())
                .await
                .expect("a frame or the close arrives in time");
            match msg {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return None,
                Some(Ok(Message::Text(text))) => {
                    return Some(FileIn::parse(&text).unwrap_or_else(|e| {
                        panic!("not a frame of the protocol ({e}): {}", text.as_str())
                    }))
                }
                Some(Ok(_)) => continue,
            }
        }
    }

    pub async fn try_send(&mut self, frame: ClientOut<'_>) -> Result<(), String> {
        self.ws
            .send(Message::text(frame.to_json()))
            .await
            .map_err(|e| e.to_string())
    }

    /// Reads `welcome`, the backlog and `caught_up`; returns the head
    /// `caught_up` names.
    pub async fn catch_up(&mut self) -> u64 {
        let welcome = self.next().await;
        assert!(matches!(welcome, ServerIn::Welcome { .. }), "{welcome:?}");
        loop {
            match self.next().await {
                ServerIn::Blob { .. } | ServerIn::Snapshot { .. } => continue,
                ServerIn::CaughtUp { head } => return head,
                frame => panic!("unexpected frame in a backlog: {frame:?}"),
            }
        }
    }

    pub async fn send_text(&mut self, text: String) {
        self.ws
            .send(Message::text(text))
            .await
            .expect("the frame is sent");
    }

    pub async fn send_binary(&mut self, bytes: Vec<u8>) {
        self.ws
            .send(Message::binary(bytes))
            .await
            .expect("the frame is sent");
    }

    /// Queues many frames and sends them in one go (a flood).
    pub async fn flood(&mut self, frames: usize, frame: ClientOut<'_>) {
        let text = frame.to_json();
        for _ in 0..frames {
            if self.ws.feed(Message::text(text.clone())).await.is_err() {
                return;
            }
        }
        let _ = self.ws.flush().await;
    }

    /// The next frame, or `None` once the relay has closed.
    pub async fn recv_within(&mut self, wait: Duration) -> Result<Option<ServerIn>, ()> {
        let deadline = Instant::now() + wait;
        loop {
            let msg = match tokio::time::timeout_at(deadline, self.ws.next()).await {
                Err(_) => return Err(()),
                Ok(msg) => msg,
            };
            match msg {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return Ok(None),
                Some(Ok(Message::Text(text))) => {
                    return Ok(Some(ServerIn::parse(&text).unwrap_or_else(|e| {
                        panic!("not a frame of the protocol ({e}): {}", text.as_str())
                    })))
                }
                Some(Ok(_)) => continue,
            }
        }
    }

    pub async fn recv(&mut self) -> Option<ServerIn> {
        self.recv_within(STEP)
            .await
            .expect("a frame or the close arrives in time")
    }

    /// The next frame; the relay must not close first.
    pub async fn next(&mut self) -> ServerIn {
        self.recv().await.expect("a frame, not the close")
    }

    /// Skips other frames (pongs, blobs) up to an `error` with `code`,
    /// then the relay must close.
    pub async fn expect_refusal(&mut self, code: ErrorCode) {
        loop {
            match self.recv().await {
                Some(ServerIn::Error { code: got, message }) => {
                    assert_eq!(got, code, "{message}");
                    break;
                }
                Some(_) => continue,
                None => panic!("closed without an error frame (expected {code:?})"),
            }
        }
        self.expect_closed().await;
    }

    /// The refusal this connection gets (skipping other frames): its code
    /// and words; the relay must then close.
    pub async fn refusal(&mut self) -> (ErrorCode, String) {
        loop {
            match self.recv().await {
                Some(ServerIn::Error { code, message }) => {
                    self.expect_closed().await;
                    return (code, message);
                }
                Some(_) => continue,
                None => panic!("closed without an error frame"),
            }
        }
    }

    pub async fn expect_closed(&mut self) {
        while let Some(frame) = self.recv().await {
            assert!(
                !matches!(frame, ServerIn::Blob { .. }),
                "no blob after a refusal: {frame:?}"
            );
        }
    }
}

// ---- workbooks --------------------------------------------------------

pub fn ctx(author: &str, secs: i64) -> ChangeContext {
    ChangeContext::new(author, Utc.timestamp_opt(1_790_000_000 + secs, 0).unwrap())
}

pub fn new_workbook() -> Workbook {
    Workbook::create(
        WorkbookId::from_random([0xab; 16]),
        "Relay test workbook",
        ActorBytes([1; 16]),
        &ctx("Ana", 0),
    )
    .unwrap()
}

pub fn risk(title: &str) -> Record {
    let def = registers::register("risk").unwrap();
    let mut d = RecordDraft::new(def);
    for (k, v) in [
        ("title", title),
        ("owner", "Ana"),
        ("likelihood", "3"),
        ("impact", "4"),
    ] {
        d.set(k, v);
    }
    d.validate(def).unwrap_or_else(|e| panic!("{e:?}"))
}

pub fn risks(wb: &Workbook) -> Vec<(RecordId, Record)> {
    let mut v = wb.records("risk");
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

pub fn titles(wb: &Workbook) -> BTreeSet<String> {
    wb.records("risk")
        .into_iter()
        .map(|(_, r)| r.text("title").to_owned())
        .collect()
}

pub fn room_and_key(n: u8) -> (RoomId, RoomKey) {
    (
        RoomId([n; 16]),
        RoomKey::from_bytes([n.wrapping_mul(7); 32]),
    )
}

// ---- a syncing copy ---------------------------------------------------

/// One copy of a workbook, syncing through the relay as the app does.
pub struct Peer {
    pub name: &'static str,
    tag: u8,
    pub wb: Workbook,
    pub sync: LiveSync,
    conn: Option<Raw>,
    nonces: u64,
    next_id: u64,
    added: u8,
    /// Push id → the heads and records it carries.
    in_flight: HashMap<u64, (Vec<ChangeHash>, Vec<RecordId>)>,
    /// Records in a push the relay acknowledged.
    pub acked_records: BTreeSet<RecordId>,
    pub acked_seqs: BTreeSet<u64>,
    /// Every frame received after a hello, but its blob.
    pub log: Vec<Got>,
}

/// A frame a peer received, without its blob.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Got {
    /// Its `seq`.
    Ack(u64),
    Blob(u64),
    /// Its `upto`.
    Snapshot(u64),
    /// Its `head`.
    CaughtUp(u64),
}

impl Peer {
    /// `tag` makes the peer's actor, record ids and nonces its own.
    pub fn new(name: &'static str, tag: u8, wb: Workbook, room: RoomId, key: RoomKey) -> Peer {
        Peer {
            name,
            tag,
            wb,
            sync: LiveSync::new(room, key),
            conn: None,
            nonces: 0,
            next_id: 1,
            added: 0,
            in_flight: HashMap::new(),
            acked_records: BTreeSet::new(),
            acked_seqs: BTreeSet::new(),
            log: Vec::new(),
        }
    }

    fn nonce(&mut self) -> [u8; 12] {
        self.nonces += 1;
        let mut n = [0; 12];
        n[0] = self.tag;
        n[4..].copy_from_slice(&self.nonces.to_be_bytes());
        n
    }

    /// (Re)connects with `since` = what it holds, and takes the backlog up
    /// to `caught_up`. Returns the `welcome`.
    pub async fn connect(&mut self, url: &str, create: bool) -> ServerIn {
        self.sync.disconnected();
        self.in_flight.clear();
        self.log.clear();
        let mut raw = Raw::hello(
            url,
            &self.sync.room,
            &self.sync.token(),
            self.sync.seq,
            create,
        )
        .await;
        let welcome = raw.next().await;
        assert!(matches!(welcome, ServerIn::Welcome { .. }), "{welcome:?}");
        self.conn = Some(raw);
        loop {
            let frame = self.conn().next().await;
            self.handle(&frame);
            if let ServerIn::CaughtUp { .. } = frame {
                break;
            }
        }
        welcome
    }

    fn conn(&mut self) -> &mut Raw {
        self.conn.as_mut().expect("connected")
    }

    pub fn disconnect(&mut self) {
        self.conn = None;
    }

    /// Adds a risk titled `title`.
    pub fn add_risk(&mut self, title: &str) -> RecordId {
        self.added += 1;
        let id = RecordId::from_random([
            self.tag, self.added, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        ]);
        self.wb
            .add_record(
                "risk",
                &id,
                &risk(title),
                &ctx(self.name, i64::from(self.added)),
            )
            .unwrap();
        id
    }

    /// Pushes whatever has not been pushed yet.
    pub async fn push(&mut self) {
        let nonce = self.nonce();
        let Some(out) = self.sync.outgoing(&mut self.wb, nonce) else {
            return;
        };
        let id = self.next_id;
        self.next_id += 1;
        let records = self.wb.record_ids();
        self.in_flight.insert(id, (out.heads, records));
        self.conn()
            .send(ClientOut::Push {
                id,
                blob: &b64::encode(&out.blob),
            })
            .await;
    }

    /// Uploads a snapshot of the whole document holding entries up to
    /// `upto`; returns the push id used.
    pub async fn send_snapshot(&mut self, upto: u64) -> u64 {
        let nonce = self.nonce();
        let out = self.sync.snapshot(&mut self.wb, nonce);
        let id = self.next_id;
        self.next_id += 1;
        self.conn()
            .send(ClientOut::Snapshot {
                id,
                upto,
                blob: &b64::encode(&out.blob),
            })
            .await;
        id
    }

    /// Handles one frame from the relay.
    pub fn handle(&mut self, frame: &ServerIn) {
        let blob = |text: &str| b64::decode(text).expect("base64url");
        match *frame {
            ServerIn::Ack { id, seq } => {
                if let Some((heads, records)) = self.in_flight.remove(&id) {
                    self.sync.acked(&mut self.wb, &heads, Some(seq));
                    self.acked_records.extend(records);
                    self.acked_seqs.insert(seq);
                }
                self.log.push(Got::Ack(seq));
            }
            ServerIn::Blob {
                seq,
                blob: ref text,
            } => {
                self.sync
                    .incoming(&mut self.wb, seq, &blob(text))
                    .unwrap_or_else(|e| panic!("{}: a blob of this room applies: {e}", self.name));
                self.log.push(Got::Blob(seq));
            }
            ServerIn::Snapshot {
                upto,
                blob: ref text,
            } => {
                self.sync
                    .incoming(&mut self.wb, upto, &blob(text))
                    .unwrap_or_else(|e| panic!("{}: the snapshot applies: {e}", self.name));
                self.sync.snapshot_upto = upto;
                self.log.push(Got::Snapshot(upto));
            }
            ServerIn::CaughtUp { head } => self.log.push(Got::CaughtUp(head)),
            ServerIn::Pong => {}
            _ => panic!("{}: unexpected frame {frame:?}", self.name),
        }
    }

    /// Handles frames until none arrives for `quiet`.
    pub async fn poll(&mut self, quiet: Duration) {
        loop {
            let frame = match self.conn().recv_within(quiet).await {
                Err(()) => return,
                Ok(None) => panic!("{}: the relay closed the connection", self.name),
                Ok(Some(frame)) => frame,
            };
            self.handle(&frame);
        }
    }

    /// Pushes sent and not yet acknowledged.
    pub fn unacked(&self) -> usize {
        self.in_flight.len()
    }

    /// Whether every change of this copy is acknowledged by the room.
    pub fn idle(&mut self) -> bool {
        self.in_flight.is_empty() && !self.sync.pending(&mut self.wb)
    }
}

/// Pushes and receives until every peer holds the same document and has
/// nothing unacknowledged.
pub async fn settle(peers: &mut [&mut Peer]) {
    let deadline = Instant::now() + SETTLE;
    loop {
        for p in peers.iter_mut() {
            p.push().await;
            p.poll(Duration::from_millis(20)).await;
        }
        let mut heads: Vec<Vec<ChangeHash>> = peers
            .iter_mut()
            .map(|p| {
                let mut h = p.wb.heads();
                h.sort();
                h
            })
            .collect();
        heads.dedup();
        if heads.len() == 1 && peers.iter_mut().all(|p| p.idle()) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "peers did not converge: {:?}",
            peers
                .iter()
                .map(|p| (p.name, p.sync.seq, titles(&p.wb).len()))
                .collect::<Vec<_>>()
        );
    }
}

/// Every peer holds the same risks, and the same heads.
pub fn assert_converged(peers: &mut [&mut Peer]) {
    let first = risks(&peers[0].wb);
    let mut heads = peers[0].wb.heads();
    heads.sort();
    for p in peers.iter_mut().skip(1) {
        assert_eq!(risks(&p.wb), first, "{} holds other records", p.name);
        let mut h = p.wb.heads();
        h.sort();
        assert_eq!(h, heads, "{} has other heads", p.name);
    }
}
