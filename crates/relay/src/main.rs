//! `sms-relay`: serves the live-sync relay until ctrl-c or SIGTERM.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use sms_relay::store::{PgStore, SqliteStore, Store};
use sms_relay::{Config, Limits, Relay};
use tokio::sync::watch;
use tracing::{info, warn};
use tracing_subscriber::EnvFilter;

/// Threads for storage calls; SQLite commits one write at a time anyway.
const STORAGE_THREADS: usize = 8;
/// How long open connections get to finish once shutdown starts.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

fn main() -> anyhow::Result<()> {
    let config = Config::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    // One descriptor per client: take the hard limit rather than the
    // usual soft 1024.
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => info!(limit, "open-file limit"),
        Err(e) => warn!(error = %e, "could not raise the open-file limit"),
    }
    // Before the runtime starts: the PostgreSQL client blocks.
    let (store, notices): (Arc<dyn Store>, _) = match &config.database_url {
        Some(url) => {
            let pg = PgStore::open(url).context("opening the PostgreSQL database")?;
            let notices = pg.listen();
            (Arc::new(pg), Some(notices))
        }
        None => {
            let sqlite = SqliteStore::open(&config.data_dir).with_context(|| {
                format!("opening the data directory {}", config.data_dir.display())
            })?;
            (Arc::new(sqlite), None)
        }
    };
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(STORAGE_THREADS)
        .build()?
        .block_on(run(config, store, notices))
}

/// Other relay processes' notices (PostgreSQL only).
type Notices = Option<std::sync::mpsc::Receiver<sms_relay::store::Notice>>;

async fn run(config: Config, store: Arc<dyn Store>, notices: Notices) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("listening on {}", config.listen))?;
    let addr = listener.local_addr()?;
    let (stop, stopping) = watch::channel(false);
    let (relay, drained) = Relay::new(store.clone(), Limits::from(&config), stopping);
    match config.database_url {
        Some(_) => info!(%addr, "relay started, rooms in PostgreSQL"),
        None => info!(%addr, data_dir = %config.data_dir.display(), "relay started"),
    }
    if let Some(notices) = notices {
        // Other relay processes' commits reach this process's clients.
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        std::thread::spawn(move || {
            while let Ok(n) = notices.recv() {
                if tx.send(n).is_err() {
                    return;
                }
            }
        });
        let relay = Arc::downgrade(&relay);
        tokio::spawn(async move {
            while let Some(n) = rx.recv().await {
                let Some(relay) = relay.upgrade() else { return };
                relay.remote(n).await;
            }
        });
    }
    if config.retention_days > 0 {
        let keep = Duration::from_secs(config.retention_days.saturating_mul(86_400));
        tokio::spawn(sweep(store, keep));
    }
    // On stdout, one line that scripts and tests wait for.
    println!("listening on {addr}");
    std::io::stdout().flush()?;

    sms_relay::serve(
        listener,
        relay,
        Duration::from_secs(config.header_seconds),
        async move {
            signal().await;
            info!("shutting down");
            let _ = stop.send(true);
        },
    )
    .await;
    // Every acknowledged push is already committed; this only lets pushes
    // under way finish and closes connections politely.
    if tokio::time::timeout(DRAIN_TIMEOUT, drained.wait())
        .await
        .is_err()
    {
        warn!("some connections did not close in time");
    }
    info!("stopped");
    Ok(())
}

/// Deletes rooms idle for longer than `keep`, at start and then hourly.
async fn sweep(store: Arc<dyn Store>, keep: Duration) {
    let mut every = tokio::time::interval(Duration::from_secs(3600));
    loop {
        every.tick().await;
        let before = std::time::SystemTime::now()
            .checked_sub(keep)
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_secs() as i64);
        let store = store.clone();
        match tokio::task::spawn_blocking(move || store.delete_idle(before)).await {
            Ok(Ok(0)) => {}
            Ok(Ok(n)) => info!(rooms = n, "deleted idle rooms"),
            Ok(Err(e)) => warn!(error = %e, "could not delete idle rooms"),
            Err(e) => warn!(error = %e, "the retention sweep stopped"),
        }
    }
}

async fn signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
}
