//! Accepting connections: each is counted against the relay's limits (in
//! total and per address) for as long as it is open, must send its HTTP
//! headers in time, and reaches the routes with its peer address.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tower::ServiceExt;
use tracing::{debug, warn};

use crate::Relay;

/// A connection's place within the limits: counted while the HTTP
/// connection or the WebSocket it became holds it; or why it is one too
/// many (its WebSocket is told so in an `error` frame and closed).
#[derive(Clone)]
pub(crate) struct Admission(pub Result<Arc<crate::relay::Counted>, &'static str>);

/// Serves the relay's routes on `listener` until `shutdown` resolves.
/// A connection that has not sent a request's headers within
/// `header_timeout` is closed.
pub async fn serve(
    listener: TcpListener,
    relay: Arc<Relay>,
    header_timeout: Duration,
    shutdown: impl Future<Output = ()>,
) {
    let router = crate::app(relay.clone());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of descriptors, most often: wait rather than spin.
                    warn!(error = %e, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => return,
        };
        let admission = Admission(relay.open_connection(peer.ip()).map(Arc::new));
        if let Err(why) = admission.0 {
            debug!(%peer, why, "one connection too many");
        }
        let router = router.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
                req.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
                req.extensions_mut().insert(admission.clone());
                let router = router.clone();
                async move {
                    Ok::<_, Infallible>(router.oneshot(req).await.unwrap_or_else(|e| match e {}))
                }
            });
            let served = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades()
                .await;
            if let Err(e) = served {
                debug!(%peer, error = %e, "connection ended");
            }
        });
    }
}
