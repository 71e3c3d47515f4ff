//! Counts behind two workloads of `benches/sync.rs`, `mpsc_4_producers` and
//! `oneshot_ping_pong` (the same work: 1,000,000 `u64`s from 4 producer tasks through a
//! bounded channel of 128 to one receiving task; 10,000 round trips of two oneshots
//! handed over an unbounded async-channel), on eddy or tokio. Per iteration it prints the
//! wall time, the process's CPU time (user + system, every thread) and context switches,
//! and for eddy each worker's polls, steals, parks, LIFO hits and spins that found work;
//! then the medians. CPU time and the counts move less than wall time when other programs
//! load the machine. `WORKERS=1` runs both runtimes on one worker thread: no cross-core
//! traffic, only the channels' and the scheduler's own cost.
//!
//! ```sh
//! cargo bench --bench sync_counts -- mpsc_4_producers eddy 10   # workload, runtime, iterations
//! WORKERS=1 cargo bench --bench sync_counts -- mpsc_4_producers tokio 10
//! # instructions (repeatable): the built binary under callgrind
//! valgrind --tool=callgrind target/release/deps/sync_counts-<hash> oneshot_ping_pong eddy 5
//! ```
//!
//! One warm-up iteration runs first and is not counted.

#![allow(missing_docs)]

#[allow(dead_code, unused_macros, unused_imports)]
mod common;

use std::time::Instant;

/// Messages per `mpsc_4_producers` iteration, as in `benches/sync.rs`.
const MESSAGES: u64 = 1_000_000;
/// The channel's capacity there.
const CAPACITY: usize = 128;
/// Producer tasks.
const PRODUCERS: u64 = 4;
/// Round trips per `oneshot_ping_pong` iteration.
const ROUND_TRIPS: usize = 10_000;

/// (CPU milliseconds, voluntary + involuntary context switches) of the whole process.
#[cfg(unix)]
fn usage() -> (f64, i64) {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: `getrusage` writes one `rusage` into the pointer it is given, which points
    // to a zeroed, properly aligned `rusage` that lives across the call.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) };
    assert_eq!(rc, 0, "getrusage: {}", std::io::Error::last_os_error());
    // SAFETY: `getrusage` returned 0, so it filled the struct (and it was zeroed before).
    let u = unsafe { usage.assume_init() };
    let ms = |t: libc::timeval| t.tv_sec as f64 * 1e3 + t.tv_usec as f64 / 1e3;
    (ms(u.ru_utime) + ms(u.ru_stime), u.ru_nvcsw + u.ru_nivcsw)
}

/// Not measured where `getrusage` does not exist (Windows): zero.
#[cfg(not(unix))]
fn usage() -> (f64, i64) {
    (0.0, 0)
}

async fn eddy_mpsc() {
    let (tx, mut rx) = eddy::sync::mpsc::channel::<u64>(CAPACITY);
    let senders: Vec<_> = (0..PRODUCERS)
        .map(|_| {
            let tx = tx.clone();
            eddy::spawn(async move {
                for i in 0..MESSAGES / PRODUCERS {
                    tx.send(i).await.unwrap();
                }
            })
        })
        .collect();
    drop(tx);
    let mut received = 0;
    while rx.recv().await.is_some() {
        received += 1;
    }
    assert_eq!(received, MESSAGES);
    for s in senders {
        s.await.unwrap();
    }
}

async fn tokio_mpsc() {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<u64>(CAPACITY);
    let senders: Vec<_> = (0..PRODUCERS)
        .map(|_| {
            let tx = tx.clone();
            tokio::spawn(async move {
                for i in 0..MESSAGES / PRODUCERS {
                    tx.send(i).await.unwrap();
                }
            })
        })
        .collect();
    drop(tx);
    let mut received = 0;
    while rx.recv().await.is_some() {
        received += 1;
    }
    assert_eq!(received, MESSAGES);
    for s in senders {
        s.await.unwrap();
    }
}

type EddyPair = (
    eddy::sync::oneshot::Receiver<u64>,
    eddy::sync::oneshot::Sender<u64>,
);

async fn eddy_oneshot() {
    let (ping_tx, ping_rx) = async_channel::unbounded::<EddyPair>();
    let ponger = eddy::spawn(async move {
        while let Ok((rx, tx)) = ping_rx.recv().await {
            let v = rx.await.unwrap();
            tx.send(v + 1).unwrap();
        }
    });
    let mut v = 0;
    for _ in 0..ROUND_TRIPS {
        let (tx, rx) = eddy::sync::oneshot::channel();
        let (back_tx, back_rx) = eddy::sync::oneshot::channel();
        ping_tx.try_send((rx, back_tx)).unwrap();
        tx.send(v).unwrap();
        v = back_rx.await.unwrap();
    }
    drop(ping_tx);
    ponger.await.unwrap();
    assert_eq!(v, ROUND_TRIPS as u64);
}

type TokioPair = (
    tokio::sync::oneshot::Receiver<u64>,
    tokio::sync::oneshot::Sender<u64>,
);

async fn tokio_oneshot() {
    let (ping_tx, ping_rx) = async_channel::unbounded::<TokioPair>();
    let ponger = tokio::spawn(async move {
        while let Ok((rx, tx)) = ping_rx.recv().await {
            let v = rx.await.unwrap();
            tx.send(v + 1).unwrap();
        }
    });
    let mut v = 0;
    for _ in 0..ROUND_TRIPS {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let (back_tx, back_rx) = tokio::sync::oneshot::channel();
        ping_tx.try_send((rx, back_tx)).unwrap();
        tx.send(v).unwrap();
        v = back_rx.await.unwrap();
    }
    drop(ping_tx);
    ponger.await.unwrap();
    assert_eq!(v, ROUND_TRIPS as u64);
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// Runs `iteration` once to warm up, then `iters` times, printing each; then medians.
fn measure(
    name: &str,
    iters: usize,
    eddy: Option<&eddy::runtime::Handle>,
    mut iteration: impl FnMut(),
) {
    iteration();
    let (mut wall, mut cpu) = (Vec::new(), Vec::new());
    for _ in 0..iters {
        let before = eddy.map(|h| h.metrics().workers);
        let (cpu0, cs0) = usage();
        let start = Instant::now();
        iteration();
        let ms = start.elapsed().as_secs_f64() * 1e3;
        let (cpu1, cs1) = usage();
        wall.push(ms);
        cpu.push(cpu1 - cpu0);
        println!(
            "{name}: {ms:.2} ms wall, {:.2} ms CPU, {} context switches",
            cpu1 - cpu0,
            cs1 - cs0
        );
        if let (Some(handle), Some(before)) = (eddy, before) {
            for (i, (b, a)) in before.iter().zip(handle.metrics().workers).enumerate() {
                println!(
                    "  worker {i}: {} polls, {} steals, {} parks, {} LIFO hits, {} spins found work",
                    a.polls - b.polls,
                    a.steals - b.steals,
                    a.parks - b.parks,
                    a.lifo_hits - b.lifo_hits,
                    a.spins_found - b.spins_found,
                );
            }
        }
    }
    println!(
        "{name}: median {:.2} ms wall, {:.2} ms CPU over {iters} iterations",
        median(&mut wall),
        median(&mut cpu)
    );
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let usage_msg = "usage: sync_counts mpsc_4_producers|oneshot_ping_pong eddy|tokio [ITERATIONS]";
    let (Some(workload), Some(runtime)) = (args.first(), args.get(1)) else {
        eprintln!("{usage_msg}");
        std::process::exit(2);
    };
    let iters = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(10);
    let workers = std::env::var("WORKERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(common::NUM_WORKERS);
    let name = format!("{workload}/{runtime} ({workers} workers)");
    match (workload.as_str(), runtime.as_str()) {
        (w @ ("mpsc_4_producers" | "oneshot_ping_pong"), "eddy") => {
            let rt = eddy::Runtime::builder()
                .worker_threads(workers)
                .build()
                .unwrap();
            let mpsc = w == "mpsc_4_producers";
            measure(&name, iters, Some(rt.handle()), || {
                if mpsc {
                    rt.block_on(rt.spawn(eddy_mpsc())).unwrap();
                } else {
                    rt.block_on(rt.spawn(eddy_oneshot())).unwrap();
                }
            });
        }
        (w @ ("mpsc_4_producers" | "oneshot_ping_pong"), "tokio") => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(workers)
                .enable_time()
                .build()
                .unwrap();
            let mpsc = w == "mpsc_4_producers";
            measure(&name, iters, None, || {
                if mpsc {
                    rt.block_on(rt.spawn(tokio_mpsc())).unwrap();
                } else {
                    rt.block_on(rt.spawn(tokio_oneshot())).unwrap();
                }
            });
        }
        _ => {
            eprintln!("{usage_msg}");
            std::process::exit(2);
        }
    }
}
