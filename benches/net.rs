//! Networking benchmarks: eddy::net on each of its I/O backends against tokio::net and
//! smol (async-net on async-io's reactor, tasks on async-executor), 2 worker threads each,
//! TCP on loopback.
//!
//! * `tcp_echo` — an echo server with one task per connection and 32 client connections
//!   (`TCP_NODELAY` on both sides), set up once per group. One iteration spawns one task
//!   per client, each doing [`ROUND_TRIPS`] 64-byte request/response round trips, and
//!   waits for all of them: latency of a wake-up through the reactor, many sockets at once.
//! * `tcp_bulk` — one connection, set up once per group. One iteration spawns a writer task
//!   sending 64 MiB in 256 KiB `write_all`s and a reader task reading it in 64 KiB reads,
//!   and waits for both (the reader has it all): syscall and wake-up cost per byte when
//!   the socket buffers fill and drain.
//! * `tcp_churn` — one listener, set up once per group. One iteration makes 100,000
//!   connections ([`CHURN_ENV`] overrides the count), [`CHURN_CONCURRENCY`] at a time:
//!   connect, accept (an accept loop spawning one echo task per connection), one 64-byte
//!   request/response round trip, close; and waits until both ends of every connection
//!   are closed: the cost of a connection's life in the reactor (registering, the first
//!   wake-ups, deregistering) and in the scheduler (a task per connection).
//!
//! As in `benches/scheduler.rs`, every workload is one criterion group, written once
//! generically over [`Rt`] (the runtime) and [`Conn`] (its TCP stream), both in
//! `benches/net_rt`, so every runtime runs the same tasks with the same buffers; only
//! sockets, reactor, spawning and waking differ. eddy runs twice, once per I/O backend, so
//! a group has the benchmarks `<workload>/eddy-epoll`, `<workload>/eddy-polling`,
//! `<workload>/tokio` and `<workload>/smol`, in one process. A runtime is built once per
//! group, its connections made before the timed loop, and it is dropped (threads joined,
//! every task finished) before the next runtime's benchmark.
//!
//! Run with `cargo bench --bench net` (about 5 minutes; `EDDY_BENCH_CHURN=5000 cargo bench
//! --bench net -- tcp_churn` for a quick look at churn alone); `python3 benches/ratios.py`
//! then prints the ratio table (see `docs/benchmarks.md`).

// criterion's macros generate undocumented items; the traits spell out `Send` futures and
// the impls keep that shape.
#![allow(missing_docs, clippy::manual_async_fn)]

mod common;
mod net_rt;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, BenchmarkGroup, Criterion, SamplingMode, Throughput,
};

use common::workload;
use net_rt::{Conn, EddyEpoll, EddyPolling, Rt, Smol, Spawner, Tokio};

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
/// Connections per `tcp_churn` iteration, unless [`CHURN_ENV`] is set.
const CHURN_CONNECTIONS: usize = 100_000;
/// The environment variable that sets the connections per `tcp_churn` iteration, for a
/// quick run (criterion's throughput and measurement time follow it).
const CHURN_ENV: &str = "EDDY_BENCH_CHURN";
/// Connections open at once in `tcp_churn`: one client task each.
const CHURN_CONCURRENCY: usize = 64;

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

/// [`CHURN_CONNECTIONS`], or the positive count in [`CHURN_ENV`].
fn churn_connections() -> usize {
    let Ok(value) = std::env::var(CHURN_ENV) else {
        return CHURN_CONNECTIONS;
    };
    match value.trim().parse::<usize>() {
        Ok(n) if n > 0 => n,
        _ => panic!(
            "{CHURN_ENV}={value:?}: expected a positive number of connections per \
             tcp_churn iteration; unset it for the default {CHURN_CONNECTIONS}"
        ),
    }
}

/// Takes one connection out of the iteration's budget; `false` when none is left.
fn claim(remaining: &AtomicUsize) -> bool {
    // Relaxed: a counter only; the tasks' joins order everything else.
    remaining
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
        .is_ok()
}

/// Makes connections until the budget is spent, one at a time: connect, one round trip of
/// [`MESSAGE`] bytes, close.
///
/// How the connections close, and why: on loopback both ends are on this machine, and
/// every connection to the one listener takes an ephemeral port (28,232 of them by
/// default, `net.ipv4.ip_local_port_range`). The side that closes first normally keeps
/// the connection in TIME_WAIT for 60 s. Were that the client, 100,000 connections per
/// iteration would run out of ports within the first iteration (`connect` fails with
/// `EADDRNOTAVAIL`, or stalls on TIME_WAIT reuse); were it the server, every new SYN would
/// land on one of up to `tcp_max_tw_buckets` TIME_WAIT entries for the same four-tuple,
/// which the kernel may answer with an ACK instead of a SYN-ACK (a 1 s retransmit stall).
/// So the client, once it has read the whole response (nothing is left in flight either
/// way), closes first with `SO_LINGER` 0 ([`Conn::abort`]): `close` sends RST, both sockets
/// go straight to CLOSED, the port is free again at once and no TIME_WAIT state builds up
/// across iterations. The server's task sees the reset as its next read's error and ends,
/// as a server sees a client go away; both ends are closed when the iteration ends.
async fn churn_client<R: Rt>(addr: SocketAddr, remaining: Arc<AtomicUsize>) {
    let request = [0x3cu8; MESSAGE];
    let mut response = [0u8; MESSAGE];
    while claim(&remaining) {
        let mut stream = R::connect(addr).await;
        stream.write_all(&request).await.unwrap();
        stream.read_exact(&mut response).await.unwrap();
        assert_eq!(response, request);
        stream.abort();
    }
}

/// Accepts `n` connections, spawning an [`echo`] task for each, and returns the listener
/// once every one of those tasks has ended.
async fn churn_acceptor<R: Rt>(
    spawner: R::Spawner,
    listener: R::Listener,
    n: usize,
) -> R::Listener {
    // A wait group: each task holds a sender; `recv` fails once the last one is dropped.
    let (done, all_done) = async_channel::bounded::<()>(1);
    for _ in 0..n {
        let stream = R::accept(&listener).await;
        let done = done.clone();
        spawner.detach(async move {
            echo(stream).await;
            drop(done);
        });
    }
    drop(done);
    let _ = all_done.recv().await;
    listener
}

/// One listener; [`CHURN_CONCURRENCY`] client tasks make [`churn_connections`] connections
/// to it, each served by its own task.
fn tcp_churn<R: Rt>(g: &mut BenchmarkGroup<'_, WallTime>) {
    let n = churn_connections();
    // One iteration takes seconds: criterion's fewest samples, one iteration each (Flat
    // mode; the default Linear mode would run 55 iterations for 10 samples). criterion
    // then warns that 10 samples do not fit in 1 s; they are not meant to.
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(Duration::from_secs(1));
    let rt = R::build();
    let spawner = rt.spawner();
    let (listener, addr) = rt.block_on(R::bind());
    let mut listener = Some(listener);

    g.bench_function(R::NAME, |b| {
        b.iter(|| {
            let remaining = Arc::new(AtomicUsize::new(n));
            let acceptor = rt.spawn(churn_acceptor::<R>(
                spawner.clone(),
                listener.take().unwrap(),
                n,
            ));
            let clients: Vec<_> = (0..CHURN_CONCURRENCY)
                .map(|_| rt.spawn(churn_client::<R>(addr, remaining.clone())))
                .collect();
            rt.block_on(async {
                for client in clients {
                    client.await;
                }
                listener = Some(acceptor.await);
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
        [EddyEpoll, EddyPolling, Tokio, Smol],
        Throughput::Elements((CLIENTS * ROUND_TRIPS) as u64)
    );
    workload!(
        c,
        tcp_bulk,
        [EddyEpoll, EddyPolling, Tokio, Smol],
        Throughput::Bytes(BULK_TOTAL as u64)
    );
    // Elements: connections.
    workload!(
        c,
        tcp_churn,
        [EddyEpoll, EddyPolling, Tokio, Smol],
        Throughput::Elements(churn_connections() as u64)
    );
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
