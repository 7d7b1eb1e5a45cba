//! Fan-out benchmark for the relay: many WebSocket clients in many rooms
//! push small sealed blobs; measures how long a push takes to reach the
//! room's other clients, and the relay's memory per connection.
//!
//! ```text
//! cargo build --release -p sms-relay --bins --examples
//! target/release/examples/bench                      # 1,000 clients, 100 rooms
//! target/release/examples/bench --rooms 10 --pushes 5
//! target/release/examples/bench --database-url 'host=… dbname=…' --processes 2
//! ```
//!
//! It starts the relay binary built next to it (or `--relay-bin`) on a free
//! port over a temporary data directory, raises its own open-file limit,
//! and reads the relay's VmRSS from /proc before and after the clients
//! connect (Linux). Each client holds one descriptor on each side: with
//! 1,000 clients, both processes need an open-file limit above 1,024
//! (`ulimit -n 4096`; the relay raises its soft limit to the hard limit
//! itself). Everything runs on loopback; the run ends on its own.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use sms_core::crypto::{b64, RoomId, RoomKey};
use sms_core::wire::{ClientOut, ServerIn};
use tokio::net::TcpStream;
use tokio::sync::{Barrier, Semaphore};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

#[derive(Parser, Debug, Clone)]
struct Args {
    /// The relay binary (default: `sms-relay` beside this program's folder).
    #[arg(long)]
    relay_bin: Option<PathBuf>,
    #[arg(long, default_value_t = 100)]
    rooms: usize,
    #[arg(long, default_value_t = 10)]
    per_room: usize,
    /// Pushes per client.
    #[arg(long, default_value_t = 10)]
    pushes: usize,
    /// Time between one client's pushes.
    #[arg(long, default_value_t = 1000)]
    interval_ms: u64,
    /// Plaintext bytes per blob (sealing adds 29).
    #[arg(long, default_value_t = 256)]
    blob_bytes: usize,
    /// Keep rooms in this PostgreSQL database instead of SQLite.
    #[arg(long)]
    database_url: Option<String>,
    /// Relay processes over the same rooms (more than one needs
    /// `--database-url`); a room's members are spread over them.
    #[arg(long, default_value_t = 1)]
    processes: usize,
}

#[derive(Default)]
struct Samples {
    /// Push sent → blob received by another member, in microseconds.
    fan_out: Vec<u64>,
    /// Push sent → ack received, in microseconds.
    ack: Vec<u64>,
    delivered: usize,
    acked: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let clients = args.rooms * args.per_room;
    let limit = rlimit::increase_nofile_limit(clients as u64 * 2 + 256)?;
    anyhow::ensure!(
        limit as usize > clients + 64,
        "open-file limit {limit} is too low for {clients} clients: raise it (ulimit -n 4096)"
    );

    anyhow::ensure!(
        args.processes == 1 || args.database_url.is_some(),
        "more than one relay process needs --database-url"
    );
    let data = tempfile::tempdir()?;
    let mut relays = Vec::new();
    let mut urls = Vec::new();
    for _ in 0..args.processes.max(1) {
        let (relay, url) = start_relay(&args, data.path())?;
        relays.push(relay);
        urls.push(url);
    }
    let pids: Vec<u32> = relays.iter().map(Child::id).collect();
    let rss = || -> anyhow::Result<u64> { pids.iter().map(|p| rss_kib(*p)).sum() };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rss_idle = rss()?;

    // Connect: each room's first client creates it, then the others join.
    let started = Instant::now();
    let gate = Arc::new(Semaphore::new(64));
    let mut joining = Vec::new();
    for room in 0..args.rooms {
        let (urls, gate) = (urls.clone(), gate.clone());
        let per_room = args.per_room;
        joining.push(tokio::spawn(async move {
            let (id, key) = room_of(room);
            let mut members = Vec::with_capacity(per_room);
            for member in 0..per_room {
                let _permit = gate.acquire().await.expect("open semaphore");
                // Members take turns between the relay processes.
                let url = &urls[member % urls.len()];
                members.push(join(url, &id, &key, member == 0).await?);
            }
            anyhow::Ok(members)
        }));
    }
    let mut rooms = Vec::new();
    for j in joining {
        rooms.push(j.await??);
    }
    let connect_time = started.elapsed();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_connected = rss()?;

    // Push and listen.
    let base = Instant::now();
    let barrier = Arc::new(Barrier::new(clients));
    let mut running = Vec::new();
    for (room, members) in rooms.into_iter().enumerate() {
        let (id, key) = room_of(room);
        for (member, ws) in members.into_iter().enumerate() {
            let index = (room * args.per_room + member) as u32;
            running.push(tokio::spawn(client(
                ws,
                id,
                key.clone(),
                index,
                args.clone(),
                base,
                barrier.clone(),
            )));
        }
    }
    let mut samples = Samples::default();
    for r in running {
        let s = r.await??;
        samples.fan_out.extend(s.fan_out);
        samples.ack.extend(s.ack);
        samples.delivered += s.delivered;
        samples.acked += s.acked;
    }
    let run_time = base.elapsed();
    let rss_after = rss()?;

    for (pid, mut relay) in pids.iter().zip(relays) {
        let _ = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status();
        let _ = relay.wait();
    }

    let pushes = clients * args.pushes;
    let expected = pushes * (args.per_room - 1);
    let per_conn = rss_connected.saturating_sub(rss_idle) as f64 / clients as f64;
    println!(
        "relay fan-out: {clients} clients in {} rooms ({} per room), {} pushes each, \
         {}-byte blobs, one push per {} ms per client; {} relay process(es) over {}",
        args.rooms,
        args.per_room,
        args.pushes,
        args.blob_bytes,
        args.interval_ms,
        args.processes,
        if args.database_url.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );
    println!("| measure | value |");
    println!("| --- | --- |");
    println!(
        "| connect + catch up, all clients | {:.2} s |",
        connect_time.as_secs_f64()
    );
    println!("| pushes acknowledged | {} / {pushes} |", samples.acked);
    println!("| blobs delivered | {} / {expected} |", samples.delivered);
    println!(
        "| messages lost | {} |",
        expected.saturating_sub(samples.delivered)
    );
    println!(
        "| fan-out p50 | {} |",
        ms(percentile(&mut samples.fan_out, 50.0))
    );
    println!(
        "| fan-out p99 | {} |",
        ms(percentile(&mut samples.fan_out, 99.0))
    );
    println!(
        "| fan-out max | {} |",
        ms(percentile(&mut samples.fan_out, 100.0))
    );
    println!(
        "| ack p50 / p99 | {} / {} |",
        ms(percentile(&mut samples.ack, 50.0)),
        ms(percentile(&mut samples.ack, 99.0))
    );
    println!("| relay RSS idle | {:.1} MiB |", rss_idle as f64 / 1024.0);
    println!(
        "| relay RSS, clients connected | {:.1} MiB |",
        rss_connected as f64 / 1024.0
    );
    println!("| relay memory per connection | {per_conn:.1} KiB |");
    println!(
        "| relay RSS after the run | {:.1} MiB |",
        rss_after as f64 / 1024.0
    );
    println!("| run time | {:.1} s |", run_time.as_secs_f64());
    Ok(())
}

fn room_of(n: usize) -> (RoomId, RoomKey) {
    let mut id = [0u8; 16];
    id[..8].copy_from_slice(&(n as u64 + 1).to_be_bytes());
    let mut key = [0x5a; 32];
    key[..8].copy_from_slice(&(n as u64).to_be_bytes());
    (RoomId(id), RoomKey::from_bytes(key))
}

fn start_relay(args: &Args, data: &std::path::Path) -> anyhow::Result<(Child, String)> {
    let bin = match &args.relay_bin {
        Some(bin) => bin.clone(),
        None => std::env::current_exe()?
            .parent()
            .and_then(|examples| examples.parent())
            .map(|dir| dir.join("sms-relay"))
            .ok_or_else(|| anyhow::anyhow!("no folder for the relay binary"))?,
    };
    anyhow::ensure!(
        bin.exists(),
        "{} not found: build it (cargo build --release -p sms-relay) or pass --relay-bin",
        bin.display()
    );
    let mut command = Command::new(&bin);
    command
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data);
    if let Some(db) = &args.database_url {
        command.args(["--database-url", db]);
    }
    let mut child = command
        // Every client comes from 127.0.0.1, and creates its room.
        .args([
            "--max-connections-per-address",
            "1000000",
            "--max-rooms-per-address-per-hour",
            "1000000",
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()?;
    let stdout = child.stdout.take().expect("piped");
    let mut lines = BufReader::new(stdout).lines();
    let addr = loop {
        let line = lines
            .next()
            .ok_or_else(|| anyhow::anyhow!("the relay exited before listening"))??;
        if let Some(addr) = line.strip_prefix("listening on ") {
            break addr.to_owned();
        }
    };
    Ok((child, format!("ws://{addr}/v1/ws")))
}

fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no VmRSS for process {pid}"))
}

async fn join(url: &str, room: &RoomId, key: &RoomKey, create: bool) -> anyhow::Result<Ws> {
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await?;
    let hello = ClientOut::Hello {
        room: &room.to_hex(),
        token: &b64::encode(&key.token()),
        since: 0,
        create,
        owner: None,
    };
    ws.send(Message::text(hello.to_json())).await?;
    loop {
        match next_frame(&mut ws, Duration::from_secs(30)).await? {
            ServerIn::CaughtUp { .. } => return Ok(ws),
            ServerIn::Welcome { .. } | ServerIn::Blob { .. } | ServerIn::Snapshot { .. } => {}
            frame => anyhow::bail!("unexpected frame while joining: {frame:?}"),
        }
    }
}

async fn next_frame<S>(ws: &mut S, wait: Duration) -> anyhow::Result<ServerIn>
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        match tokio::time::timeout(wait, ws.next()).await {
            Err(_) => anyhow::bail!("no frame in {wait:?}"),
            Ok(None) => anyhow::bail!("the relay closed the connection"),
            Ok(Some(msg)) => {
                if let Message::Text(text) = msg? {
                    return ServerIn::parse(&text).map_err(|e| {
                        anyhow::anyhow!("not a relay frame ({e}): {}", text.as_str())
                    });
                }
            }
        }
    }
}

async fn client(
    ws: Ws,
    room: RoomId,
    key: RoomKey,
    index: u32,
    args: Args,
    base: Instant,
    barrier: Arc<Barrier>,
) -> anyhow::Result<Samples> {
    let interval = Duration::from_millis(args.interval_ms);
    let expected = (args.per_room - 1) * args.pushes;
    let (mut tx, mut rx) = ws.split();
    let mut samples = Samples::default();
    let mut sent_at = Vec::with_capacity(args.pushes);
    barrier.wait().await;
    // Spread the clients' pushes over the interval.
    let offset = interval.mul_f64(f64::from(index.wrapping_mul(7919) % 1000) / 1000.0);
    let mut tick = tokio::time::interval_at(base + offset, interval);
    let deadline = base + interval * args.pushes as u32 + interval + Duration::from_secs(30);
    while samples.acked < args.pushes || samples.delivered < expected {
        tokio::select! {
            _ = tick.tick(), if sent_at.len() < args.pushes => {
                let n = sent_at.len() as u32;
                let now = base.elapsed().as_nanos() as u64;
                let mut plain = vec![0u8; args.blob_bytes.max(16)];
                plain[..4].copy_from_slice(&index.to_be_bytes());
                plain[4..8].copy_from_slice(&n.to_be_bytes());
                plain[8..16].copy_from_slice(&now.to_be_bytes());
                let mut nonce = [0u8; 12];
                nonce[..4].copy_from_slice(&index.to_be_bytes());
                nonce[4..8].copy_from_slice(&n.to_be_bytes());
                let blob = key.seal(&room, nonce, &plain);
                let push = ClientOut::Push { id: u64::from(n), blob: &b64::encode(&blob) };
                sent_at.push(Instant::now());
                tx.send(Message::text(push.to_json())).await?;
            }
            frame = next_frame(&mut rx, Duration::from_secs(60)) => {
                match frame? {
                    ServerIn::Ack { id, .. } => {
                        if let Some(at) = sent_at.get(id as usize) {
                            samples.ack.push(at.elapsed().as_micros() as u64);
                        }
                        samples.acked += 1;
                    }
                    ServerIn::Blob { blob, .. } => {
                        let received = base.elapsed().as_nanos() as u64;
                        let sealed = b64::decode(&blob).unwrap_or_default();
                        let plain = key
                            .open(&room, &sealed)
                            .map_err(|e| anyhow::anyhow!("a blob of another room? {e}"))?;
                        let sent = u64::from_be_bytes(plain[8..16].try_into()?);
                        samples.fan_out.push(received.saturating_sub(sent) / 1000);
                        samples.delivered += 1;
                    }
                    frame => anyhow::bail!("unexpected frame: {frame:?}"),
                }
            }
            _ = tokio::time::sleep_until(deadline) => break,
        }
    }
    let _ = tx.close().await;
    Ok(samples)
}

fn percentile(v: &mut [u64], p: f64) -> Option<u64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    let rank = ((p / 100.0) * (v.len() - 1) as f64).round() as usize;
    Some(v[rank])
}

fn ms(us: Option<u64>) -> String {
    us.map_or_else(|| "–".into(), |us| format!("{:.2} ms", us as f64 / 1000.0))
}
