//! examples/http_server on tokio: the same service (`service.rs` is that example's file)
//! behind the same accept loop, with hyper-util's tokio glue. scripts/load.sh runs it
//! beside the eddy build under the same wrk load.
//!
//! `cargo run --release -p eddy-twins --bin http_server_tokio -- 127.0.0.1:8081`

#[path = "../../../../examples/http_server/service.rs"]
mod service;

use std::future::Future;
use std::io;
use std::pin::{pin, Pin};
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

const GRACE: Duration = Duration::from_secs(10);
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

#[tokio::main]
async fn main() -> io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    let listener = TcpListener::bind(addr.as_str())
        .await
        .map_err(|err| io::Error::new(err.kind(), format!("cannot listen on {addr}: {err}")))?;
    println!("listening on http://{}", listener.local_addr()?);

    let (stop_tx, stop_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut shutdown = pin!(tokio::signal::ctrl_c());
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    connections.spawn(connection(stream, stop_rx.clone()));
                }
                Err(err) => {
                    eprintln!("accept failed: {err}");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            signal = &mut shutdown => {
                signal?;
                break;
            }
        }
    }
    drop(listener);
    println!(
        "shutting down: letting {} connection(s) finish",
        connections.len()
    );
    let _ = stop_tx.send(true);
    let drained = tokio::time::timeout(GRACE, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        connections.shutdown().await;
    }
    println!("bye");
    Ok(())
}

async fn connection(stream: TcpStream, mut stop: watch::Receiver<bool>) {
    let _ = stream.set_nodelay(true);
    let service = service_fn(|req| service::handle(req, sleep));
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    let mut conn = pin!(builder.serve_connection(TokioIo::new(stream), service));
    let result = tokio::select! {
        result = conn.as_mut() => result,
        // (tokio's `wait_for` returns a guard that is not Send: drop it at once.)
        _ = async { drop(stop.wait_for(|stop| *stop).await) } => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(err) = result {
        if !err.is_incomplete_message() && !err.is_timeout() {
            eprintln!("connection error: {err}");
        }
    }
}

fn sleep(duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(tokio::time::sleep(duration))
}
