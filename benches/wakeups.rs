//! Wake-up counts per request: `ping_pong` (as in `benches/scheduler.rs`) and `tcp_echo`
//! (as in `benches/net.rs`) run a fixed number of iterations on one runtime, then print
//! the wall time and the process's context switches per request (`getrusage`: voluntary
//! and involuntary, all threads). Counts, unlike times, barely move when other programs
//! load the machine, so they show what a scheduler change did even on a busy one.
//!
//! ```sh
//! cargo bench --bench wakeups -- ping_pong eddy 200     # workload, runtime, iterations
//! cargo bench --bench wakeups -- tcp_echo tokio 200
//! # system calls per request: run the built binary under strace
//! strace -c -f -o counts.txt target/release/deps/wakeups-<hash> tcp_echo eddy 200
//! ```
//!
//! A request is one ping-pong pair (`ping_pong`: 1,000 per iteration) or one echo round
//! trip (`tcp_echo`: 32 clients x 100 per iteration). Runtimes: `eddy`, `tokio`, `smol`.
//! One warm-up iteration runs before counting starts (and before the time is taken).

#![allow(missing_docs, clippy::manual_async_fn)]

#[allow(dead_code, unused_macros, unused_imports)]
mod common;
#[allow(dead_code)]
mod net_rt;

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{mpsc, Arc};
use std::time::Instant;

use net_rt::{Conn, EddyEpoll, Rt, Smol, Spawner, Tokio};

/// Ping-pong pairs per `ping_pong` iteration.
const NUM_PINGS: usize = 1_000;
/// Client connections in `tcp_echo`.
const CLIENTS: usize = 32;
/// Round trips per client per `tcp_echo` iteration.
const ROUND_TRIPS: usize = 100;

/// The process's context switches so far: (voluntary, involuntary), every thread.
#[cfg(unix)]
fn context_switches() -> (i64, i64) {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: `getrusage` writes one `rusage` into the pointer it is given, which points
    // to a zeroed, properly aligned `rusage` that lives across the call.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) };
    assert_eq!(rc, 0, "getrusage: {}", std::io::Error::last_os_error());
    // SAFETY: `getrusage` returned 0, so it filled the struct (and it was zeroed before).
    let usage = unsafe { usage.assume_init() };
    (usage.ru_nvcsw, usage.ru_nivcsw)
}

/// Not counted where `getrusage` does not exist (Windows): zero.
#[cfg(not(unix))]
fn context_switches() -> (i64, i64) {
    (0, 0)
}

/// eddy's worker counters, to print per iteration (`None` for the other runtimes).
type EddyMetrics<'a> = Option<&'a eddy::runtime::Handle>;

/// Runs `iteration` once to warm up, then `iters` times counted; prints the results (and
/// eddy's per-worker counters per iteration).
fn measure(
    name: &str,
    runtime: &str,
    (iters, requests): (usize, usize),
    eddy: EddyMetrics<'_>,
    mut iteration: impl FnMut(),
) {
    iteration();
    let before = eddy.map(|h| h.metrics().workers);
    let (v0, i0) = context_switches();
    let start = Instant::now();
    for _ in 0..iters {
        iteration();
    }
    let elapsed = start.elapsed();
    let (v1, i1) = context_switches();
    let n = (iters * requests) as f64;
    println!(
        "{name} {runtime}: {:.3} us/request, {:.3} voluntary + {:.3} involuntary context \
         switches/request ({} requests)",
        elapsed.as_secs_f64() * 1e6 / n,
        (v1 - v0) as f64 / n,
        (i1 - i0) as f64 / n,
        iters * requests,
    );
    if let (Some(handle), Some(before)) = (eddy, before) {
        for (i, (b, a)) in before.iter().zip(handle.metrics().workers).enumerate() {
            let per = |x: u64, y: u64| (x - y) as f64 / iters as f64;
            println!(
                "  eddy worker {i}, per iteration: {:.1} polls, {:.2} steals, {:.2} parks, \
                 {:.1} LIFO hits, {:.2} spins, {:.2} found work",
                per(a.polls, b.polls),
                per(a.steals, b.steals),
                per(a.parks, b.parks),
                per(a.lifo_hits, b.lifo_hits),
                per(a.spins, b.spins),
                per(a.spins_found, b.spins_found),
            );
        }
    }
}

/// `benches/scheduler.rs`'s `ping_pong`: one task spawns 1,000 tasks; each spawns a
/// partner, pings it over an `async_channel::bounded(1)` and awaits the pong.
fn ping_pong<S: Spawner>(spawner: S, runtime: &str, iters: usize, eddy: EddyMetrics<'_>) {
    let (done_tx, done_rx) = mpsc::sync_channel(1000);
    let rem = Arc::new(AtomicUsize::new(0));
    measure("ping_pong", runtime, (iters, NUM_PINGS), eddy, || {
        rem.store(NUM_PINGS, Relaxed);
        let done_tx = done_tx.clone();
        let rem = rem.clone();
        let inner = spawner.clone();
        spawner.detach(async move {
            for _ in 0..NUM_PINGS {
                let done_tx = done_tx.clone();
                let rem = rem.clone();
                let partner = inner.clone();
                inner.detach(async move {
                    let (ping_tx, ping_rx) = async_channel::bounded::<()>(1);
                    let (pong_tx, pong_rx) = async_channel::bounded::<()>(1);
                    partner.detach(async move {
                        ping_rx.recv().await.unwrap();
                        pong_tx.try_send(()).unwrap();
                    });
                    ping_tx.try_send(()).unwrap();
                    pong_rx.recv().await.unwrap();
                    if 1 == rem.fetch_sub(1, Relaxed) {
                        done_tx.send(()).unwrap();
                    }
                });
            }
        });
        done_rx.recv().unwrap();
    });
}

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

async fn echo_client<S: Conn>(mut stream: S) -> S {
    let request = [0xa5u8; 64];
    let mut response = [0u8; 64];
    for _ in 0..ROUND_TRIPS {
        stream.write_all(&request).await.unwrap();
        stream.read_exact(&mut response).await.unwrap();
        assert_eq!(response, request);
    }
    stream
}

/// `benches/net.rs`'s `tcp_echo`: 32 clients, each with its own connection to an echo
/// task, 100 round trips of 64 bytes each per iteration.
fn tcp_echo<R: Rt>(iters: usize, eddy: impl Fn(&R) -> EddyMetrics<'_>) {
    let rt = R::build();
    let (mut clients, servers) = rt.block_on(async {
        let (listener, addr) = R::bind().await;
        let mut clients = Vec::new();
        for _ in 0..CLIENTS {
            clients.push(R::connect(addr).await);
        }
        let mut servers = Vec::new();
        for _ in 0..CLIENTS {
            servers.push(R::accept(&listener).await);
        }
        (clients, servers)
    });
    for stream in clients.iter().chain(&servers) {
        stream.set_nodelay();
    }
    let servers: Vec<_> = servers.into_iter().map(|s| rt.spawn(echo(s))).collect();
    let mut tasks = Vec::new();
    let requests = (iters, CLIENTS * ROUND_TRIPS);
    measure("tcp_echo", R::NAME, requests, eddy(&rt), || {
        for stream in clients.drain(..) {
            tasks.push(rt.spawn(echo_client(stream)));
        }
        rt.block_on(async {
            for task in tasks.drain(..) {
                clients.push(task.await);
            }
        });
    });
    drop(clients);
    rt.block_on(async {
        for server in servers {
            server.await;
        }
    });
}

fn block<F: Future>(f: F) -> F::Output {
    futures_lite::future::block_on(f)
}

fn main() {
    // `cargo bench` passes `--bench`; skip flags.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let workload = args.first().map(String::as_str).unwrap_or("ping_pong");
    let runtime = args.get(1).map(String::as_str).unwrap_or("eddy");
    let iters: usize = args.get(2).map_or(100, |n| n.parse().expect("iterations"));
    match (workload, runtime) {
        ("ping_pong", "eddy") => {
            // As benches/scheduler.rs: eddy's runtime with its reactor (it has no other).
            let rt = common::eddy_runtime(eddy::runtime::IoBackend::Auto);
            ping_pong(rt.handle().clone(), runtime, iters, Some(rt.handle()));
        }
        ("ping_pong", "tokio") => {
            // As benches/scheduler.rs: timers on, I/O off.
            let rt = common::tokio_runtime(false);
            ping_pong(rt.handle().clone(), runtime, iters, None);
        }
        ("ping_pong", "smol") => {
            let pool = common::SmolPool::new(common::NUM_WORKERS, block);
            ping_pong(pool.ex, runtime, iters, None);
        }
        ("tcp_echo", "eddy") => tcp_echo::<EddyEpoll>(iters, |rt| Some(rt.handle())),
        ("tcp_echo", "tokio") => tcp_echo::<Tokio>(iters, |_| None),
        ("tcp_echo", "smol") => tcp_echo::<Smol>(iters, |_| None),
        _ => panic!("usage: wakeups ping_pong|tcp_echo eddy|tokio|smol [iterations]"),
    }
}
