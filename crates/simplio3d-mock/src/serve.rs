//! The accept loop: hyper's HTTP/1 server with a timer.
//!
//! Not `axum::serve`: it configures no timer, so hyper's header read timeout never fires and
//! a client that sends half a request line (slowloris) holds its connection and task forever.
//! The body read timeout is the handler's (`handler.rs`), since only it can answer 408.

use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch};
use tokio::task::JoinSet;

/// Serves `app` on `listener` until `stop` fires, then lets in-flight requests finish.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    header_read_timeout: Duration,
    mut stop: oneshot::Receiver<()>,
) {
    let (stopping, stopping_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    loop {
        let accepted = tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => accepted,
            // Reap finished connections so the set does not grow with the server's lifetime.
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of file descriptors and the like: back off instead of spinning.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(app.clone());
        let mut stopping = stopping_rx.clone();
        let stopped = async move {
            // The guard `wait_for` returns is not `Send`: drop it before any await.
            let _ = stopping.wait_for(|s| *s).await;
        };
        connections.spawn(async move {
            let connection = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_read_timeout)
                .serve_connection(TokioIo::new(stream), service);
            tokio::pin!(connection);
            tokio::select! {
                result = connection.as_mut() => log(result),
                () = stopped => {
                    connection.as_mut().graceful_shutdown();
                    log(connection.await);
                }
            }
        });
    }
    let _ = stopping.send(true);
    while connections.join_next().await.is_some() {}
}

fn log(result: Result<(), hyper::Error>) {
    if let Err(e) = result {
        // Timeouts and clients hanging up are normal for a test server.
        tracing::debug!(error = %e, "connection ended with an error");
    }
}
