//! `grpc bench`: unary calls per second, the same tonic service and client on eddy and on
//! tokio, one after the other in one process.
//!
//! Each side runs a server and a client on one runtime of `workers` threads, over one
//! loopback HTTP/2 connection, with `concurrency` callers each making unary `SayHello`
//! calls until `calls` are done. eddy: hyper with `EddyExecutor`, `EddyTimer` and eddy's
//! `TcpStream`; tokio: hyper with hyper-util's `TokioExecutor`, `TokioTimer` and `TokioIo`,
//! as tonic's own `transport` serves. The service stack is the same on both: tonic's
//! generated server through `TowerToHyperService` (no deadline layer), and tonic's
//! generated client through [`Http2Channel`]. A rough number, not a benchmark suite: run
//! it on a quiet machine, in release, and compare the two lines, not the absolute rates.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::time::{Duration, Instant};

use hyper::Uri;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;

use super::channel::Http2Channel;
use super::greeter::Greeter;
use super::pb::greeter_client::GreeterClient;
use super::pb::HelloRequest;

/// What one run measures.
#[derive(Clone, Copy, Debug)]
pub struct Load {
    /// Unary calls in all.
    pub calls: usize,
    /// Callers at once, all on the one connection.
    pub concurrency: usize,
    /// Runtime threads, for each runtime.
    pub workers: usize,
}

/// Runs the load on eddy, then on tokio, `rounds` times each, and prints calls per second.
pub fn run(load: Load, rounds: usize) -> io::Result<()> {
    println!(
        "{} unary calls, {} at once on one HTTP/2 connection, {} worker(s), {rounds} round(s)",
        load.calls, load.concurrency, load.workers
    );
    for round in 1..=rounds {
        let eddy = rate(load, eddy_round(load)?);
        let tokio = rate(load, tokio_round(load)?);
        println!(
            "round {round}: eddy {eddy:.0} calls/s, tokio {tokio:.0} calls/s, eddy/tokio {:.2}",
            eddy / tokio
        );
    }
    Ok(())
}

fn rate(load: Load, elapsed: Duration) -> f64 {
    load.calls as f64 / elapsed.as_secs_f64()
}

/// Splits `calls` among `concurrency` callers.
fn shares(load: Load) -> impl Iterator<Item = usize> {
    let base = load.calls / load.concurrency;
    let extra = load.calls % load.concurrency;
    (0..load.concurrency).map(move |i| base + usize::from(i < extra))
}

async fn calls(mut client: GreeterClient<Http2Channel>, n: usize) {
    for _ in 0..n {
        let reply = client
            .say_hello(HelloRequest {
                name: "bench".into(),
            })
            .await
            .expect("a unary call failed");
        debug_assert_eq!(reply.get_ref().message, "Hello, bench!");
    }
}

fn origin(addr: SocketAddr) -> Uri {
    format!("http://{addr}")
        .parse()
        .expect("an address is a URI authority")
}

fn eddy_sleep(duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(eddy::time::sleep(duration))
}

fn tokio_sleep(duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(tokio::time::sleep(duration))
}

fn eddy_round(load: Load) -> io::Result<Duration> {
    use eddy::hyper::{EddyExecutor, EddyTimer};

    let runtime = eddy::Runtime::builder()
        .worker_threads(load.workers)
        .build()?;
    runtime.block_on(async {
        let listener = eddy::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let server = eddy::spawn(async move {
            let (stream, _) = listener.accept().await.expect("accept");
            stream.set_nodelay(true).expect("nodelay");
            let service = TowerToHyperService::new(Greeter::new(eddy_sleep).into_server());
            let _ = hyper::server::conn::http2::Builder::new(EddyExecutor::new())
                .timer(EddyTimer::new())
                .serve_connection(stream, service)
                .await;
        });
        let client = GreeterClient::with_origin(Http2Channel::connect(addr).await?, origin(addr));
        let start = Instant::now();
        let callers: Vec<_> = shares(load)
            .map(|n| eddy::spawn(calls(client.clone(), n)))
            .collect();
        for caller in callers {
            caller.await.map_err(io::Error::other)?;
        }
        let elapsed = start.elapsed();
        drop(client);
        server.await.map_err(io::Error::other)?;
        Ok(elapsed)
    })
}

fn tokio_round(load: Load) -> io::Result<Duration> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(load.workers)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let server = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.expect("accept");
            stream.set_nodelay(true).expect("nodelay");
            let service = TowerToHyperService::new(Greeter::new(tokio_sleep).into_server());
            let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                .timer(TokioTimer::new())
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
        let stream = tokio::net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        let (sender, connection) = hyper::client::conn::http2::Builder::new(TokioExecutor::new())
            .timer(TokioTimer::new())
            .handshake(TokioIo::new(stream))
            .await
            .map_err(io::Error::other)?;
        tokio::spawn(connection);
        let client = GreeterClient::with_origin(Http2Channel::new(sender), origin(addr));
        let start = Instant::now();
        let callers: Vec<_> = shares(load)
            .map(|n| tokio::spawn(calls(client.clone(), n)))
            .collect();
        for caller in callers {
            caller.await.map_err(io::Error::other)?;
        }
        let elapsed = start.elapsed();
        drop(client);
        server.await.map_err(io::Error::other)?;
        Ok(elapsed)
    })
}
