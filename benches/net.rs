//! Networking benchmarks: eddy::net against tokio::net and smol (async-net on async-io's
//! reactor, tasks on async-executor), 2 worker threads each, TCP on loopback.
//!
//! * `tcp_echo` — an echo server with one task per connection and 32 client connections
//!   (`TCP_NODELAY` on both sides), set up once per group. One iteration spawns one task
//!   per client, each doing [`ROUND_TRIPS`] 64-byte request/response round trips, and
//!   waits for all of them: latency of a wake-up through the reactor, many sockets at once.
//! * `tcp_bulk` — one connection, set up once per group. One iteration spawns a writer task
//!   sending 64 MiB in 256 KiB `write_all`s and a reader task reading it in 64 KiB reads,
//!   and waits for both (the reader has it all): syscall and wake-up cost per byte when
//!   the socket buffers fill and drain.
//!
//! As in `benches/scheduler.rs`, every workload is one criterion group with the benchmarks
//! `<workload>/eddy`, `<workload>/tokio` and `<workload>/smol` in one process, written once
//! generically over [`Rt`] (the runtime) and [`Conn`] (its TCP stream), so all three run
//! the same tasks with the same buffers; only sockets, reactor, spawning and waking differ.
//! A runtime is built once per group, its connections made before the timed loop, and it
//! is dropped (threads joined, every task finished) before the next runtime's benchmark.
//!
//! Run with `cargo bench --bench net`; `python3 benches/ratios.py` then prints the ratio
//! table (see `docs/benchmarks.md`).

// criterion's macros generate undocumented items; the traits spell out `Send` futures and
// the impls keep that shape.
#![allow(missing_docs, clippy::manual_async_fn)]

mod common;

use std::future::Future;
use std::io;
use std::net::SocketAddr;

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};

use common::{workload, NUM_WORKERS};

/// Client connections in `tcp_echo`.
const CLIENTS: usize = 32;
/// Round trips per client per `tcp_echo` iteration.
const ROUND_TRIPS: usize = 100;
/// Size of an echo request (and response).
const MESSAGE: usize = 64;
/// Bytes sent per `tcp_bulk` iteration.
const BULK_TOTAL: usize = 64 << 20;
/// Size of each `write_all` in `tcp_bulk`.
const BULK_WRITE: usize = 256 << 10;
/// Size of each read in `tcp_bulk`.
const BULK_READ: usize = 64 << 10;

// ---------------------------------------------------------------------------------------
// The three runtimes behind one interface.
// ---------------------------------------------------------------------------------------

/// A connected TCP stream, owned by one task at a time.
trait Conn: Send + Sized + 'static {
    fn set_nodelay(&self);
    fn read<'a>(
        &'a mut self,
        buf: &'a mut [u8],
    ) -> impl Future<Output = io::Result<usize>> + Send + 'a;
    fn read_exact<'a>(
        &'a mut self,
        buf: &'a mut [u8],
    ) -> impl Future<Output = io::Result<()>> + Send + 'a;
    fn write_all<'a>(
        &'a mut self,
        buf: &'a [u8],
    ) -> impl Future<Output = io::Result<()>> + Send + 'a;
}

/// What a workload needs from a runtime.
trait Rt: Sized {
    /// The benchmark's name within its group.
    const NAME: &'static str;
    type Listener;
    type Stream: Conn;

    /// A multi-threaded runtime with [`NUM_WORKERS`] workers and its reactor.
    fn build() -> Self;

    /// Spawns from the benchmark thread; the returned future is the task's output.
    fn spawn<T: Send + 'static>(
        &self,
        f: impl Future<Output = T> + Send + 'static,
    ) -> impl Future<Output = T> + Send + 'static;

    /// Runs `f` to completion on the calling thread (with the runtime's context, so
    /// sockets made there register with its reactor).
    fn block_on<F: Future>(&self, f: F) -> F::Output;

    /// A listener on `127.0.0.1`, port chosen by the kernel, and its address.
    fn bind() -> impl Future<Output = (Self::Listener, SocketAddr)>;
    fn accept(listener: &Self::Listener) -> impl Future<Output = Self::Stream> + '_;
    fn connect(addr: SocketAddr) -> impl Future<Output = Self::Stream>;
}

/// `Conn` through the runtime's own read / write extension traits.
macro_rules! conn {
    ($stream:ty, $read_ext:path, $write_ext:path) => {
        impl Conn for $stream {
            fn set_nodelay(&self) {
                <$stream>::set_nodelay(self, true).unwrap();
            }
            fn read<'a>(
                &'a mut self,
                buf: &'a mut [u8],
            ) -> impl Future<Output = io::Result<usize>> + Send + 'a {
                async move { <$stream as $read_ext>::read(self, buf).await }
            }
            fn read_exact<'a>(
                &'a mut self,
                buf: &'a mut [u8],
            ) -> impl Future<Output = io::Result<()>> + Send + 'a {
                // tokio's returns the length read, futures-lite's `()`.
                async move {
                    <$stream as $read_ext>::read_exact(self, buf)
                        .await
                        .map(drop)
                }
            }
            fn write_all<'a>(
                &'a mut self,
                buf: &'a [u8],
            ) -> impl Future<Output = io::Result<()>> + Send + 'a {
                async move { <$stream as $write_ext>::write_all(self, buf).await }
            }
        }
    };
}

conn!(
    eddy::net::TcpStream,
    futures_lite::AsyncReadExt,
    futures_lite::AsyncWriteExt
);
conn!(
    tokio::net::TcpStream,
    tokio::io::AsyncReadExt,
    tokio::io::AsyncWriteExt
);
conn!(
    async_net::TcpStream,
    futures_lite::AsyncReadExt,
    futures_lite::AsyncWriteExt
);

const LOOPBACK: &str = "127.0.0.1:0";

struct Eddy(eddy::Runtime);

impl Rt for Eddy {
    const NAME: &'static str = "eddy";
    type Listener = eddy::net::TcpListener;
    type Stream = eddy::net::TcpStream;

    fn build() -> Self {
        Eddy(common::eddy_runtime())
    }
    fn spawn<T: Send + 'static>(
        &self,
        f: impl Future<Output = T> + Send + 'static,
    ) -> impl Future<Output = T> + Send + 'static {
        let task = self.0.spawn(f);
        async move { task.await.unwrap() }
    }
    fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.0.block_on(f)
    }
    fn bind() -> impl Future<Output = (Self::Listener, SocketAddr)> {
        async {
            let listener = eddy::net::TcpListener::bind(LOOPBACK).await.unwrap();
            let addr = listener.local_addr().unwrap();
            (listener, addr)
        }
    }
    fn accept(listener: &Self::Listener) -> impl Future<Output = Self::Stream> + '_ {
        async { listener.accept().await.unwrap().0 }
    }
    fn connect(addr: SocketAddr) -> impl Future<Output = Self::Stream> {
        async move { eddy::net::TcpStream::connect(addr).await.unwrap() }
    }
}

struct Tokio(tokio::runtime::Runtime);

impl Rt for Tokio {
    const NAME: &'static str = "tokio";
    type Listener = tokio::net::TcpListener;
    type Stream = tokio::net::TcpStream;

    fn build() -> Self {
        // I/O and timers, as eddy's runtime has both.
        Tokio(common::tokio_runtime(true))
    }
    fn spawn<T: Send + 'static>(
        &self,
        f: impl Future<Output = T> + Send + 'static,
    ) -> impl Future<Output = T> + Send + 'static {
        let task = self.0.spawn(f);
        async move { task.await.unwrap() }
    }
    fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.0.block_on(f)
    }
    fn bind() -> impl Future<Output = (Self::Listener, SocketAddr)> {
        async {
            let listener = tokio::net::TcpListener::bind(LOOPBACK).await.unwrap();
            let addr = listener.local_addr().unwrap();
            (listener, addr)
        }
    }
    fn accept(listener: &Self::Listener) -> impl Future<Output = Self::Stream> + '_ {
        async { listener.accept().await.unwrap().0 }
    }
    fn connect(addr: SocketAddr) -> impl Future<Output = Self::Stream> {
        async move { tokio::net::TcpStream::connect(addr).await.unwrap() }
    }
}

/// smol: async-executor run by 2 threads, each in `async_io::block_on(ex.run(..))`, and
/// async-net's sockets on async-io's reactor (polled by whichever thread is idle in
/// `block_on`, else by the `async-io` thread), as in any smol program.
struct Smol(common::SmolPool);

impl Rt for Smol {
    const NAME: &'static str = "smol";
    type Listener = async_net::TcpListener;
    type Stream = async_net::TcpStream;

    fn build() -> Self {
        Smol(common::SmolPool::new(NUM_WORKERS, |f| {
            async_io::block_on(f)
        }))
    }
    fn spawn<T: Send + 'static>(
        &self,
        f: impl Future<Output = T> + Send + 'static,
    ) -> impl Future<Output = T> + Send + 'static {
        self.0.ex.spawn(f)
    }
    fn block_on<F: Future>(&self, f: F) -> F::Output {
        async_io::block_on(f)
    }
    fn bind() -> impl Future<Output = (Self::Listener, SocketAddr)> {
        async {
            let listener = async_net::TcpListener::bind(LOOPBACK).await.unwrap();
            let addr = listener.local_addr().unwrap();
            (listener, addr)
        }
    }
    fn accept(listener: &Self::Listener) -> impl Future<Output = Self::Stream> + '_ {
        async { listener.accept().await.unwrap().0 }
    }
    fn connect(addr: SocketAddr) -> impl Future<Output = Self::Stream> {
        async move { async_net::TcpStream::connect(addr).await.unwrap() }
    }
}

/// `n` connected pairs `(client, server)` through a fresh listener. All clients connect
/// first (the kernel completes the handshakes into the listen backlog), then all are
/// accepted; pairing does not matter to the workloads.
fn connect_pairs<R: Rt>(rt: &R, n: usize) -> (Vec<R::Stream>, Vec<R::Stream>) {
    rt.block_on(async {
        let (listener, addr) = R::bind().await;
        let mut clients = Vec::with_capacity(n);
        for _ in 0..n {
            clients.push(R::connect(addr).await);
        }
        let mut servers = Vec::with_capacity(n);
        for _ in 0..n {
            servers.push(R::accept(&listener).await);
        }
        (clients, servers)
    })
}

// ---------------------------------------------------------------------------------------
// Workloads, each written once for all runtimes.
// ---------------------------------------------------------------------------------------

/// Echoes until end-of-stream (or an error): read what is there, write it back.
async fn echo<S: Conn>(mut stream: S) {
    let mut buf = vec![0u8; 4096];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                if stream.write_all(&buf[..n]).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// [`ROUND_TRIPS`] request/response round trips of [`MESSAGE`] bytes; hands the stream
/// back for the next iteration.
async fn echo_client<S: Conn>(mut stream: S) -> S {
    let request = [0xa5u8; MESSAGE];
    let mut response = [0u8; MESSAGE];
    for _ in 0..ROUND_TRIPS {
        stream.write_all(&request).await.unwrap();
        stream.read_exact(&mut response).await.unwrap();
        assert_eq!(response, request);
    }
    stream
}

/// 32 clients, each with its own connection to an echo server task, doing their round
/// trips concurrently, each on its own task.
fn tcp_echo<R: Rt>(g: &mut BenchmarkGroup<'_, WallTime>) {
    let rt = R::build();
    let (mut clients, servers) = connect_pairs(&rt, CLIENTS);
    for stream in clients.iter().chain(&servers) {
        stream.set_nodelay();
    }
    let servers: Vec<_> = servers.into_iter().map(|s| rt.spawn(echo(s))).collect();
    let mut tasks = Vec::with_capacity(CLIENTS);

    g.bench_function(R::NAME, |b| {
        b.iter(|| {
            for stream in clients.drain(..) {
                tasks.push(rt.spawn(echo_client(stream)));
            }
            rt.block_on(async {
                for task in tasks.drain(..) {
                    clients.push(task.await);
                }
            });
        })
    });

    // Closing the clients ends the server tasks; wait for them before the runtime goes.
    drop(clients);
    rt.block_on(async {
        for server in servers {
            server.await;
        }
    });
}

/// Writes [`BULK_TOTAL`] bytes in [`BULK_WRITE`]-byte `write_all`s.
async fn bulk_writer<S: Conn>(mut stream: S, buf: Vec<u8>) -> (S, Vec<u8>) {
    for _ in 0..BULK_TOTAL / BULK_WRITE {
        stream.write_all(&buf).await.unwrap();
    }
    (stream, buf)
}

/// Reads until [`BULK_TOTAL`] bytes have arrived, [`BULK_READ`] bytes at most per read.
async fn bulk_reader<S: Conn>(mut stream: S, mut buf: Vec<u8>) -> (S, Vec<u8>) {
    let mut received = 0;
    while received < BULK_TOTAL {
        let n = stream.read(&mut buf).await.unwrap();
        assert!(n > 0, "end of stream after {received} bytes");
        received += n;
    }
    assert_eq!(received, BULK_TOTAL);
    (stream, buf)
}

/// One connection; a writer task sends 64 MiB to a reader task.
fn tcp_bulk<R: Rt>(g: &mut BenchmarkGroup<'_, WallTime>) {
    let rt = R::build();
    let (clients, servers) = connect_pairs(&rt, 1);
    let mut sender = Some((
        clients.into_iter().next().unwrap(),
        vec![0x5au8; BULK_WRITE],
    ));
    let mut receiver = Some((servers.into_iter().next().unwrap(), vec![0u8; BULK_READ]));

    g.bench_function(R::NAME, |b| {
        b.iter(|| {
            let (stream, buf) = receiver.take().unwrap();
            let reader = rt.spawn(bulk_reader(stream, buf));
            let (stream, buf) = sender.take().unwrap();
            let writer = rt.spawn(bulk_writer(stream, buf));
            rt.block_on(async {
                receiver = Some(reader.await);
                sender = Some(writer.await);
            });
        })
    });
}

// ---------------------------------------------------------------------------------------
// Groups.
// ---------------------------------------------------------------------------------------

fn net(c: &mut Criterion) {
    // Elements: round trips, so criterion prints round trips per second.
    workload!(
        c,
        tcp_echo,
        Throughput::Elements((CLIENTS * ROUND_TRIPS) as u64)
    );
    workload!(c, tcp_bulk, Throughput::Bytes(BULK_TOTAL as u64));
}

fn config() -> Criterion {
    // An iteration takes 15–40 ms: 20 samples (210 iterations) fit in 8 s, and the whole
    // run takes under two minutes.
    common::criterion(20, 8)
}

criterion_group! {
    name = benches;
    config = config();
    targets = net
}
criterion_main!(benches);
