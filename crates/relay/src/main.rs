//! `sms-relay`: serves the live-sync relay until ctrl-c or SIGTERM.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use sms_relay::store::SqliteStore;
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
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(STORAGE_THREADS)
        .build()?
        .block_on(run(config))
}

async fn run(config: Config) -> anyhow::Result<()> {
    let store = SqliteStore::open(&config.data_dir)
        .with_context(|| format!("opening the data directory {}", config.data_dir.display()))?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("listening on {}", config.listen))?;
    let addr = listener.local_addr()?;
    let (stop, stopping) = watch::channel(false);
    let (relay, drained) = Relay::new(Arc::new(store), Limits::from(&config), stopping);
    info!(%addr, data_dir = %config.data_dir.display(), "relay started");
    // On stdout, one line that scripts and tests wait for.
    println!("listening on {addr}");
    std::io::stdout().flush()?;

    axum::serve(listener, sms_relay::app(relay))
        .with_graceful_shutdown(async move {
            signal().await;
            info!("shutting down");
            let _ = stop.send(true);
        })
        .await?;
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
