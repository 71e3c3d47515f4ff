//! gRPC on eddy: a tonic service (one unary call, one server-streaming call) served by
//! hyper's HTTP/2 on eddy, and a tonic client over an eddy `TcpStream`. No tokio runtime
//! (but in `bench`, which compares with one), and no protoc: the code generated from `proto/greeter.proto` is checked in under
//! `generated/` (scripts/regen-grpc.sh regenerates it, with protox).
//!
//! ```text
//! cargo run --release -p eddy-interop --example grpc                  # both ends, once
//! cargo run --release -p eddy-interop --example grpc -- serve 127.0.0.1:50051
//! cargo run --release -p eddy-interop --example grpc -- call 127.0.0.1:50051 Ada
//! cargo run --release -p eddy-interop --example grpc -- bench [CALLS [CONCURRENCY]]
//! ```
//!
//! The server stops on Ctrl-C: it stops accepting, sends each connection a GOAWAY, lets
//! the calls in flight finish (at most [`GRACE`]) and exits.
//!
//! * `greeter.rs`: the service, with no runtime in it;
//! * `deadline.rs`: the client's `grpc-timeout`, enforced on eddy's timers;
//! * `channel.rs`: the client's HTTP/2 connection as the tower service tonic calls;
//! * `bench.rs`: unary calls per second on eddy and on tokio, the same code on both.

pub mod bench;
pub mod channel;
pub mod deadline;
#[path = "../../../examples/http_server/graceful.rs"]
pub mod graceful;
pub mod greeter;

/// The messages, client and server generated from `proto/greeter.proto`.
#[rustfmt::skip]
#[allow(clippy::all, clippy::pedantic, missing_docs, missing_debug_implementations)]
#[path = "generated/eddy.greeter.v1.rs"]
pub mod pb;

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::{pin, Pin};
use std::time::Duration;

use eddy::hyper::{EddyExecutor, EddyTimer};
use eddy::net::{TcpListener, TcpStream};
use eddy::sync::watch;
use hyper::server::conn::http2;
use hyper_util::service::TowerToHyperService;

use self::deadline::Deadline;
use self::greeter::Greeter;
use self::pb::{CountdownRequest, HelloRequest};

/// How long the calls in flight get to finish after Ctrl-C.
pub const GRACE: Duration = Duration::from_secs(10);

#[allow(dead_code)] // The integration tests include this file and call `serve` themselves.
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        [] => eddy::run(demo()),
        ["serve", addr] => eddy::run(serve_until_ctrl_c(addr)),
        ["call", addr, name] => parse_addr(addr).and_then(|addr| eddy::run(call(addr, name))),
        ["bench", rest @ ..] if rest.len() <= 2 => {
            parse_load(rest).and_then(|load| bench::run(load, 3))
        }
        _ => {
            eprintln!("usage: grpc [serve ADDR | call ADDR NAME | bench [CALLS [CONCURRENCY]]]");
            std::process::exit(2);
        }
    };
    if let Err(err) = result {
        eprintln!("grpc: {err}");
        std::process::exit(1);
    }
}

fn parse_addr(addr: &str) -> io::Result<SocketAddr> {
    addr.parse().map_err(|err| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{addr:?} is not an address such as 127.0.0.1:50051: {err}"),
        )
    })
}

/// `bench`'s arguments: how many calls (default 100000), how many at once (default 64).
fn parse_load(args: &[&str]) -> io::Result<bench::Load> {
    let number = |arg: Option<&&str>, default: usize, what: &str| match arg {
        None => Ok(default),
        Some(text) => match text.parse::<usize>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{what} must be a positive number, not {text:?}"),
            )),
        },
    };
    Ok(bench::Load {
        calls: number(args.first(), 100_000, "CALLS")?,
        concurrency: number(args.get(1), 64, "CONCURRENCY")?,
        workers: std::thread::available_parallelism().map_or(2, usize::from),
    })
}

/// The greeter as served by this example: countdowns sleep on eddy's timers, and a
/// countdown the client abandons is reported.
pub fn greeter() -> Greeter {
    Greeter::new(sleep).on_stream_end(|end| {
        if !end.completed {
            println!(
                "a countdown ended after {} tick(s): the client left",
                end.sent
            );
        }
    })
}

/// eddy's sleep, boxed for the runtime-independent service.
fn sleep(duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(eddy::time::sleep(duration))
}

async fn serve_until_ctrl_c(addr: &str) -> io::Result<()> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|err| io::Error::new(err.kind(), format!("cannot listen on {addr}: {err}")))?;
    println!("gRPC server listening on {}", listener.local_addr()?);
    serve(listener, greeter(), eddy::signal::ctrl_c()).await
}

/// Serves `greeter` on `listener` until `shutdown` completes, then stops accepting, asks
/// each connection to finish its calls in flight and close (HTTP/2 GOAWAY), and waits
/// for them (at most [`GRACE`]; stragglers are then dropped).
pub async fn serve(
    listener: TcpListener,
    greeter: Greeter,
    shutdown: impl Future<Output = io::Result<()>>,
) -> io::Result<()> {
    graceful::serve_until(listener, shutdown, GRACE, |stream, _peer, stop| {
        connection(stream, greeter.clone(), stop)
    })
    .await
}

/// Serves one HTTP/2 connection until the client closes it or `stop` turns true; then
/// hyper sends GOAWAY, finishes the calls in flight and closes.
///
/// hyper spawns a task per HTTP/2 stream through [`EddyExecutor`]; [`EddyTimer`] runs its
/// keep-alive pings and timeouts; hyper-util's [`TowerToHyperService`] turns tonic's
/// tower service into a hyper one.
async fn connection(stream: TcpStream, greeter: Greeter, mut stop: watch::Receiver<bool>) {
    let _ = stream.set_nodelay(true);
    let service = TowerToHyperService::new(Deadline::new(greeter.into_server()));
    let mut builder = http2::Builder::new(EddyExecutor::new());
    builder
        .timer(EddyTimer::new())
        // A peer that stops answering pings is dropped rather than held forever.
        .keep_alive_interval(Duration::from_secs(60))
        .keep_alive_timeout(Duration::from_secs(20));
    let mut conn = pin!(builder.serve_connection(stream, service));
    let result = eddy::select! {
        result = conn.as_mut() => result,
        _ = stop.wait_for(|stop| *stop) => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(err) = result {
        // A client that resets or goes away is routine for a server; anything else is
        // worth a line.
        if !err.is_incomplete_message() && !err.is_canceled() {
            eprintln!("connection error: {err}");
        }
    }
}

/// The client's side: a greeting, then a short countdown, printed as it streams in.
async fn call(addr: SocketAddr, name: &str) -> io::Result<()> {
    let mut client = channel::connect(addr).await?;
    let reply = client
        .say_hello(HelloRequest { name: name.into() })
        .await
        .map_err(status_error)?;
    println!("{}", reply.into_inner().message);
    let mut ticks = client
        .countdown(CountdownRequest {
            from: 3,
            interval_ms: 300,
        })
        .await
        .map_err(status_error)?
        .into_inner();
    while let Some(tick) = ticks.message().await.map_err(status_error)? {
        println!("{}...", tick.remaining);
    }
    println!("liftoff");
    Ok(())
}

/// Both ends in one process: a server on a free port, one call, then a shutdown.
async fn demo() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop_tx, stop_rx) = eddy::sync::oneshot::channel::<()>();
    let server = eddy::spawn(serve(listener, greeter(), async move {
        let _ = stop_rx.await;
        Ok(())
    }));
    println!("gRPC server on {addr}; calling it");
    let called = call(addr, "eddy").await;
    let _ = stop_tx.send(());
    server
        .await
        .map_err(|err| io::Error::other(format!("the server task failed: {err}")))??;
    called
}

/// A gRPC status as an I/O error, for `main`'s exit.
fn status_error(status: tonic::Status) -> io::Error {
    io::Error::other(format!(
        "the call failed: {:?}: {}",
        status.code(),
        status.message()
    ))
}
