//! An HTTP/1.1 server on eddy with hyper: hello world at `/`, a JSON echo at `POST /echo`,
//! keep-alive, and a graceful shutdown on Ctrl-C that lets in-flight requests finish.
//!
//! ```text
//! cargo run --release --features hyper --example http_server -- 127.0.0.1:8080
//! curl http://127.0.0.1:8080/
//! curl -d '{"hello": [1, 2, 3]}' http://127.0.0.1:8080/echo
//! cargo run --release --features hyper --example http_client -- http://127.0.0.1:8080/
//! ```
//!
//! With `STATS_EVERY=10` in its environment it prints the runtime's live tasks, I/O sources
//! and timers to stderr every 10 s (`examples/support/stats.rs`; `.ci/soak` reads them).
//!
//! The routes live in `service.rs`, shared with the tokio twin that scripts/load.sh runs
//! against the same load.

pub mod graceful;
pub mod service;
#[allow(dead_code)] // The integration tests include this file and never call `main`.
#[path = "../support/stats.rs"]
mod stats;

use std::future::Future;
use std::io;
use std::pin::{pin, Pin};
use std::time::Duration;

use eddy::hyper::EddyTimer;
use eddy::net::{TcpListener, TcpStream};
use eddy::sync::watch;
use hyper::server::conn::http1;
use hyper::service::service_fn;

/// How long in-flight requests get to finish after Ctrl-C.
const GRACE: Duration = Duration::from_secs(10);

/// A silent client is dropped after this long without a complete request head.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

#[allow(dead_code)] // The integration tests include this file and call `serve` themselves.
fn main() -> io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    eddy::run(async move {
        let listener = TcpListener::bind(addr.as_str())
            .await
            .map_err(|err| io::Error::new(err.kind(), format!("cannot listen on {addr}: {err}")))?;
        println!("listening on http://{}", listener.local_addr()?);
        stats::spawn_from_env();
        serve(listener, eddy::signal::ctrl_c()).await
    })
}

/// Serves `listener` until `shutdown` completes, then stops accepting, asks each
/// connection to finish its in-flight request and close, and waits for them (at most
/// [`GRACE`]; stragglers are then dropped).
pub async fn serve(
    listener: TcpListener,
    shutdown: impl Future<Output = io::Result<()>>,
) -> io::Result<()> {
    graceful::serve_until(listener, shutdown, GRACE, |stream, _peer, stop| {
        connection(stream, stop)
    })
    .await
}

/// Serves one connection until the client closes it or `stop` turns true; then hyper
/// finishes the request in flight, if any, and closes.
async fn connection(stream: TcpStream, mut stop: watch::Receiver<bool>) {
    let _ = stream.set_nodelay(true);
    let service = service_fn(|req| service::handle(req, sleep));
    let mut builder = http1::Builder::new();
    builder
        .timer(EddyTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    let mut conn = pin!(builder.serve_connection(stream, service));
    let result = eddy::select! {
        result = conn.as_mut() => result,
        _ = stop.wait_for(|stop| *stop) => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(err) = result {
        // A client that resets or times out is routine for a server; anything else is
        // worth a line.
        if !err.is_incomplete_message() && !err.is_timeout() {
            eprintln!("connection error: {err}");
        }
    }
}

/// eddy's sleep, boxed for the runtime-independent service.
fn sleep(duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(eddy::time::sleep(duration))
}
