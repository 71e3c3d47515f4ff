//! examples/https_server on tokio: the same service (examples/http_server's `service.rs`)
//! and the same rustls configuration (`https_server/tls.rs`) behind the same accept loop,
//! with tokio-rustls and hyper-util's tokio glue. scripts/load.sh runs it beside the eddy
//! build under the same wrk load, so the pair compares runtimes, not servers.
//!
//! ```text
//! cargo run --release -p eddy-interop --example https_server_tokio -- \
//!     127.0.0.1:8444 /tmp/eddy-tls/cert.pem /tmp/eddy-tls/key.pem
//! ```

#[path = "../../examples/http_server/service.rs"]
mod service;
#[path = "https_server/tls.rs"]
mod tls;

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::pin::{pin, Pin};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::{http1, http2};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use rustls::ServerConfig;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

const GRACE: Duration = Duration::from_secs(10);
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [addr, cert, key] = &args[..] else {
        eprintln!("usage: https_server_tokio ADDR CERT.pem KEY.pem");
        return ExitCode::from(2);
    };
    let result = tls::server_config(Path::new(cert), Path::new(key)).and_then(|config| {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?
            .block_on(serve(addr, config))
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("https_server_tokio: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(addr: &str, config: Arc<ServerConfig>) -> io::Result<()> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|err| io::Error::new(err.kind(), format!("cannot listen on {addr}: {err}")))?;
    println!("listening on https://{}", listener.local_addr()?);
    let acceptor = TlsAcceptor::from(config);
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut shutdown = pin!(tokio::signal::ctrl_c());
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let _ = stream.set_nodelay(true);
                    let acceptor = acceptor.clone();
                    connections.spawn(connection(acceptor, stream, peer, stop_rx.clone()));
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

async fn connection(
    acceptor: TlsAcceptor,
    stream: TcpStream,
    peer: SocketAddr,
    mut stop: watch::Receiver<bool>,
) {
    let stream = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(err)) => return eprintln!("TLS handshake with {peer} failed: {err}"),
        Err(_) => return eprintln!("TLS handshake with {peer}: nothing for {HANDSHAKE_TIMEOUT:?}"),
    };
    let h2 = stream.get_ref().1.alpn_protocol() == Some(tls::H2);
    let io = TokioIo::new(stream);
    let service = service_fn(|req| service::handle(req, sleep));
    let result = if h2 {
        let mut builder = http2::Builder::new(TokioExecutor::new());
        builder.timer(TokioTimer::new());
        let conn = builder.serve_connection(io, service);
        until_stopped(conn, &mut stop, |conn| conn.graceful_shutdown()).await
    } else {
        let mut builder = http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(HEADER_READ_TIMEOUT);
        let conn = builder.serve_connection(io, service);
        until_stopped(conn, &mut stop, |conn| conn.graceful_shutdown()).await
    };
    if let Err(err) = result {
        if !is_routine(&err) {
            eprintln!("connection error with {peer}: {err}");
        }
    }
}

async fn until_stopped<C>(
    conn: C,
    stop: &mut watch::Receiver<bool>,
    graceful: impl FnOnce(Pin<&mut C>),
) -> hyper::Result<()>
where
    C: Future<Output = hyper::Result<()>>,
{
    let mut conn = pin!(conn);
    tokio::select! {
        result = conn.as_mut() => result,
        // (tokio's `wait_for` returns a guard that is not Send: drop it at once.)
        _ = async { drop(stop.wait_for(|stop| *stop).await) } => {
            graceful(conn.as_mut());
            conn.await
        }
    }
}

fn is_routine(err: &hyper::Error) -> bool {
    let io_kind = std::error::Error::source(err)
        .and_then(|source| source.downcast_ref::<io::Error>())
        .map(io::Error::kind);
    err.is_incomplete_message()
        || err.is_timeout()
        || matches!(
            io_kind,
            Some(
                io::ErrorKind::UnexpectedEof
                    | io::ErrorKind::ConnectionReset
                    | io::ErrorKind::BrokenPipe
            )
        )
}

fn sleep(duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(tokio::time::sleep(duration))
}
