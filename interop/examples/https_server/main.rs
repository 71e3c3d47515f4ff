//! An HTTPS server on eddy: hyper over rustls (futures-rustls, ring) on eddy's
//! `TcpStream`, serving HTTP/2 or HTTP/1.1 as the client chose by ALPN, with the routes of
//! eddy's `examples/http_server` (hello world at `/`, a JSON echo at `POST /echo`,
//! `/delay/{ms}`), keep-alive, and a graceful shutdown on Ctrl-C.
//!
//! ```text
//! cargo run --release -p eddy-interop --example gen_cert -- /tmp/eddy-tls
//! cargo run --release -p eddy-interop --example https_server -- \
//!     127.0.0.1:8443 /tmp/eddy-tls/cert.pem /tmp/eddy-tls/key.pem
//! curl --cacert /tmp/eddy-tls/cert.pem https://localhost:8443/
//! curl --cacert /tmp/eddy-tls/cert.pem --http1.1 -d '{"a": 1}' https://localhost:8443/echo
//! ```
//!
//! A client that fails the handshake (a bad certificate, plain HTTP on this port) or says
//! nothing for [`HANDSHAKE_TIMEOUT`] loses only its own connection. The TLS settings live
//! in `tls.rs`, shared with the tokio twin (`https_server_tokio`) that scripts/load.sh
//! runs against the same load. `eddy::hyper::EddyIo` hands the TLS stream (a futures-io
//! stream) to hyper.

#[path = "../../../examples/http_server/graceful.rs"]
pub mod graceful;
#[path = "../../../examples/http_server/service.rs"]
pub mod service;
pub mod tls;

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::pin::{pin, Pin};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use eddy::hyper::{EddyExecutor, EddyIo, EddyTimer};
use eddy::net::{TcpListener, TcpStream};
use eddy::sync::watch;
use futures_rustls::TlsAcceptor;
use hyper::server::conn::{http1, http2};
use hyper::service::service_fn;
use rustls::ServerConfig;

/// How long in-flight requests get to finish after Ctrl-C.
const GRACE: Duration = Duration::from_secs(10);

/// A silent client is dropped after this long without a complete request head.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// A client is dropped if its TLS handshake has not completed after this long.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

const USAGE: &str = "usage: https_server ADDR CERT.pem KEY.pem
  e.g. https_server 127.0.0.1:8443 cert.pem key.pem
  (`cargo run -p eddy-interop --example gen_cert -- DIR` writes a self-signed pair)";

#[allow(dead_code)] // The integration tests include this file and call `serve` themselves.
fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [addr, cert, key] = &args[..] else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let result = tls::server_config(Path::new(cert), Path::new(key)).and_then(|config| {
        eddy::run(async move {
            let listener = TcpListener::bind(addr.as_str()).await.map_err(|err| {
                io::Error::new(err.kind(), format!("cannot listen on {addr}: {err}"))
            })?;
            println!("listening on https://{}", listener.local_addr()?);
            serve(listener, config, HANDSHAKE_TIMEOUT, eddy::signal::ctrl_c()).await
        })
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("https_server: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Serves HTTPS on `listener` with `config` until `shutdown` completes, then stops
/// accepting, asks each connection to finish its in-flight requests and close, and waits
/// for them (at most [`GRACE`]; stragglers are then dropped). A connection whose
/// handshake takes longer than `handshake_timeout` is dropped.
pub async fn serve(
    listener: TcpListener,
    config: Arc<ServerConfig>,
    handshake_timeout: Duration,
    shutdown: impl Future<Output = io::Result<()>>,
) -> io::Result<()> {
    let acceptor = TlsAcceptor::from(config);
    graceful::serve_until(listener, shutdown, GRACE, |stream, peer, stop| {
        let _ = stream.set_nodelay(true);
        connection(acceptor.accept(stream), peer, handshake_timeout, stop)
    })
    .await
}

/// Completes the TLS handshake (or drops the connection), then serves the protocol the
/// client chose by ALPN until the client closes or `stop` turns true; then hyper finishes
/// the requests in flight and closes.
async fn connection(
    handshake: futures_rustls::Accept<TcpStream>,
    peer: SocketAddr,
    handshake_timeout: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let stream = match eddy::time::timeout(handshake_timeout, handshake).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(err)) => return eprintln!("TLS handshake with {peer} failed: {err}"),
        Err(_) => return eprintln!("TLS handshake with {peer}: nothing for {handshake_timeout:?}"),
    };
    let h2 = stream.get_ref().1.alpn_protocol() == Some(tls::H2);
    let io = EddyIo::new(stream);
    let service = service_fn(|req| service::handle(req, sleep));
    let result = if h2 {
        let mut builder = http2::Builder::new(EddyExecutor::new());
        builder.timer(EddyTimer::new());
        let conn = builder.serve_connection(io, service);
        until_stopped(conn, &mut stop, |conn| conn.graceful_shutdown()).await
    } else {
        let mut builder = http1::Builder::new();
        builder
            .timer(EddyTimer::new())
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

/// Drives `conn` to its end; if `stop` turns true first, starts its graceful shutdown
/// (`graceful`) and drives it to the end of that.
async fn until_stopped<C>(
    conn: C,
    stop: &mut watch::Receiver<bool>,
    graceful: impl FnOnce(Pin<&mut C>),
) -> hyper::Result<()>
where
    C: Future<Output = hyper::Result<()>>,
{
    let mut conn = pin!(conn);
    eddy::select! {
        result = conn.as_mut() => result,
        _ = stop.wait_for(|stop| *stop) => {
            graceful(conn.as_mut());
            conn.await
        }
    }
}

/// A client that resets, times out, or closes without TLS's `close_notify` (as most do
/// between requests) is routine for a server; anything else is worth a line.
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

/// eddy's sleep, boxed for the runtime-independent service.
fn sleep(duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(eddy::time::sleep(duration))
}
