//! Timer lateness under CPU load: how late a 1 ms interval tick runs while other tasks
//! burn the CPU in 100 µs slices — eddy against tokio and smol, in one run.
//!
//! Each runtime has two workers (smol: an `async_executor::Executor` run by two threads
//! in async-io's `block_on`, its timers in async-io's reactor, as in any smol program).
//! On it run [`BURNERS_PER_WORKER`] × 2 burner tasks, each a loop of a 100 µs busy spin
//! followed by the runtime's own `yield_now`, so every worker always has work; then one
//! ticker task takes the runtime's 1 ms interval (eddy's `time::interval`, tokio's
//! `time::interval`, async-io's `Timer::interval`; all three catch up on missed ticks in
//! a burst, their default) for a few seconds and records, for every tick, how long after
//! its own deadline it ran (`Instant::now()` when the tick returns, less the deadline the
//! tick returns).
//!
//! A tick's lateness is the timer's resolution plus the scheduling delay (how soon a busy
//! worker notices the due timer, how soon the woken task runs behind the burners), and
//! this benchmark does not separate the two. tokio's wheel has 1 ms resolution (a
//! deadline waits for the wheel's next millisecond), so tokio's median lateness is
//! mostly that rounding, not its scheduling; eddy's wheel ticks every 1 µs and async-io
//! keeps exact `Instant` deadlines. The tail (p99, max) says more about scheduling
//! behind busy workers than the median does.
//!
//! A tick that returns before its deadline is counted apart as *early* (recorded as 0
//! lateness) and the count printed: an interval must never tick early, so for eddy any
//! early tick is a bug.
//!
//! The runtimes take turns, [`ROUNDS`] rounds (each round starts with the next runtime),
//! and the table gives, per runtime, the median over rounds of each round's p50, p99 and
//! maximum lateness, the maximum over all rounds, the early ticks over all rounds, and
//! eddy's ratios to tokio and smol.
//!
//! Run with `cargo bench --bench lateness`; `LATENESS_SECS` (default 3) sets the seconds
//! per round and `LATENESS_ROUNDS` (default 5) the rounds. Without `--bench` (as `cargo
//! test --benches` runs it) it makes one short round, as a smoke test.

// The trait spells out `Send` futures and the impls keep that shape.
#![allow(missing_docs, clippy::manual_async_fn)]

// Shared with the criterion benches; this one uses a part of it.
#[allow(dead_code, unused_imports, unused_macros)]
mod common;

use std::future::Future;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use common::NUM_WORKERS;

/// The interval's period.
const PERIOD: Duration = Duration::from_millis(1);
/// CPU time a burner spins between yields.
const SLICE: Duration = Duration::from_micros(100);
/// Burner tasks per worker thread.
const BURNERS_PER_WORKER: usize = 4;
/// Rounds per runtime by default.
const ROUNDS: usize = 5;

/// A runtime under test: spawn, yield, and a ticker that returns each tick's deadline.
trait Rt {
    const NAME: &'static str;
    fn build() -> Self;
    fn spawn(&self, f: impl Future<Output = ()> + Send + 'static);
    fn yield_now() -> impl Future<Output = ()> + Send;
    /// Runs `ticks` ticks of a `PERIOD` interval (after its first, immediate one) and
    /// returns each one's lateness against its own deadline.
    fn ticker(ticks: usize) -> impl Future<Output = Ticks> + Send + 'static;
}

/// A ticker's record.
#[derive(Default)]
struct Ticks {
    /// Each tick's lateness (0 for an early tick).
    late: Vec<Duration>,
    /// Ticks that returned before their deadline.
    early: usize,
}

impl Ticks {
    fn with_capacity(ticks: usize) -> Ticks {
        Ticks {
            late: Vec::with_capacity(ticks),
            early: 0,
        }
    }

    /// Records a tick due at `due`, now.
    fn record(&mut self, due: Instant) {
        match Instant::now().checked_duration_since(due) {
            Some(late) => self.late.push(late),
            None => {
                self.early += 1;
                self.late.push(Duration::ZERO);
            }
        }
    }
}

struct Eddy(eddy::Runtime);

impl Rt for Eddy {
    const NAME: &'static str = "eddy";
    fn build() -> Self {
        Eddy(common::eddy_runtime(eddy::runtime::IoBackend::Auto))
    }
    fn spawn(&self, f: impl Future<Output = ()> + Send + 'static) {
        drop(self.0.handle().spawn(f));
    }
    fn yield_now() -> impl Future<Output = ()> + Send {
        eddy::task::yield_now()
    }
    fn ticker(ticks: usize) -> impl Future<Output = Ticks> + Send + 'static {
        async move {
            let mut every = eddy::time::interval(PERIOD);
            every.tick().await;
            let mut late = Ticks::with_capacity(ticks);
            for _ in 0..ticks {
                let due = every.tick().await.into_std();
                late.record(due);
            }
            late
        }
    }
}

struct Tokio(tokio::runtime::Runtime);

impl Rt for Tokio {
    const NAME: &'static str = "tokio";
    fn build() -> Self {
        Tokio(common::tokio_runtime(true))
    }
    fn spawn(&self, f: impl Future<Output = ()> + Send + 'static) {
        drop(self.0.spawn(f));
    }
    fn yield_now() -> impl Future<Output = ()> + Send {
        tokio::task::yield_now()
    }
    fn ticker(ticks: usize) -> impl Future<Output = Ticks> + Send + 'static {
        async move {
            let mut every = tokio::time::interval(PERIOD);
            every.tick().await;
            let mut late = Ticks::with_capacity(ticks);
            for _ in 0..ticks {
                let due = every.tick().await.into_std();
                late.record(due);
            }
            late
        }
    }
}

struct Smol(common::SmolPool);

impl Rt for Smol {
    const NAME: &'static str = "smol";
    fn build() -> Self {
        Smol(common::SmolPool::new(NUM_WORKERS, |f| {
            async_io::block_on(f)
        }))
    }
    fn spawn(&self, f: impl Future<Output = ()> + Send + 'static) {
        self.0.ex.spawn(f).detach();
    }
    fn yield_now() -> impl Future<Output = ()> + Send {
        futures_lite::future::yield_now()
    }
    fn ticker(ticks: usize) -> impl Future<Output = Ticks> + Send + 'static {
        use futures_lite::StreamExt;
        async move {
            // async-io's `interval` starts one period from now; `interval_at(now)` ticks
            // first at once, as the other two.
            let mut every = async_io::Timer::interval_at(Instant::now(), PERIOD);
            every.next().await;
            let mut late = Ticks::with_capacity(ticks);
            for _ in 0..ticks {
                let due = every.next().await.expect("an interval never ends");
                late.record(due);
            }
            late
        }
    }
}

/// Spins for `SLICE` of wall time.
fn burn() {
    let start = Instant::now();
    while start.elapsed() < SLICE {
        std::hint::spin_loop();
    }
}

/// One round on a fresh runtime: the burners, then the ticker for `ticks` ticks. Returns
/// the ticks' record, lateness sorted.
fn round<R: Rt>(ticks: usize) -> Ticks {
    let rt = R::build();
    let stop = Arc::new(AtomicBool::new(false));
    let (done_tx, done_rx) = mpsc::channel::<()>();
    for _ in 0..BURNERS_PER_WORKER * NUM_WORKERS {
        let stop = stop.clone();
        let done_tx = done_tx.clone();
        rt.spawn(async move {
            while !stop.load(Relaxed) {
                burn();
                R::yield_now().await;
            }
            drop(done_tx);
        });
    }
    drop(done_tx);
    let (late_tx, late_rx) = mpsc::channel();
    rt.spawn(async move {
        let late = R::ticker(ticks).await;
        late_tx.send(late).unwrap();
    });
    let mut late = late_rx.recv().expect("the ticker finishes");
    stop.store(true, Relaxed);
    // Every burner has dropped its sender once this returns.
    assert!(done_rx.recv().is_err());
    drop(rt);
    late.late.sort_unstable();
    late
}

/// The `q` quantile of sorted durations, in microseconds.
fn quantile_us(sorted: &[Duration], q: f64) -> f64 {
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i].as_secs_f64() * 1e6
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn env_or(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a whole number, not {v:?}")),
        Err(_) => default,
    }
}

/// (p50, p99, max) in microseconds, and the early ticks.
type Stats = (f64, f64, f64, usize);

/// One of [`Stats`]' figures.
type Pick = fn(&Stats) -> f64;

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let (secs, rounds) = if bench {
        (
            env_or("LATENESS_SECS", 3),
            env_or("LATENESS_ROUNDS", ROUNDS),
        )
    } else {
        (0, 1)
    };
    // A smoke run (no --bench) makes 200 ticks.
    let ticks = if bench { secs * 1000 } else { 200 };
    assert!(
        ticks > 0 && rounds > 0,
        "LATENESS_SECS and LATENESS_ROUNDS must be > 0"
    );

    type RoundFn = fn(usize) -> Ticks;
    let runtimes: [(&str, RoundFn); 3] = [
        (Eddy::NAME, round::<Eddy>),
        (Tokio::NAME, round::<Tokio>),
        (Smol::NAME, round::<Smol>),
    ];
    println!(
        "lateness of a {PERIOD:?} interval's ticks, {} burners spinning {SLICE:?} slices on {NUM_WORKERS} workers, \
         {ticks} ticks x {rounds} round(s)",
        BURNERS_PER_WORKER * NUM_WORKERS
    );
    let mut stats: Vec<Vec<Stats>> = vec![Vec::new(); runtimes.len()];
    for r in 0..rounds {
        for k in 0..runtimes.len() {
            let i = (k + r) % runtimes.len();
            let (name, run) = runtimes[i];
            let Ticks { late, early } = run(ticks);
            let s = (
                quantile_us(&late, 0.5),
                quantile_us(&late, 0.99),
                quantile_us(&late, 1.0),
                early,
            );
            println!(
                "  round {} {name:<6} p50 {:>8.1} us  p99 {:>8.1} us  max {:>8.1} us  early {}",
                r + 1,
                s.0,
                s.1,
                s.2,
                s.3
            );
            stats[i].push(s);
        }
    }
    let med: Vec<Stats> = stats
        .iter()
        .map(|s| {
            (
                median(s.iter().map(|x| x.0).collect()),
                median(s.iter().map(|x| x.1).collect()),
                median(s.iter().map(|x| x.2).collect()),
                s.iter().map(|x| x.3).sum(),
            )
        })
        .collect();
    // The maximum over every tick of every round.
    let overall_max: Vec<f64> = stats
        .iter()
        .map(|s| s.iter().map(|x| x.2).fold(0.0, f64::max))
        .collect();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "\nmedians of {rounds} round(s) (load average {})",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!("| lateness | eddy | tokio | smol | eddy / tokio | eddy / smol |");
    println!("|---|---:|---:|---:|---:|---:|");
    let rows: [(&str, Pick); 3] = [
        ("p50", |s| s.0),
        ("p99", |s| s.1),
        ("max (median of rounds)", |s| s.2),
    ];
    let row = |label: &str, e: f64, t: f64, s: f64| {
        println!(
            "| {label} | {e:.1} µs | {t:.1} µs | {s:.1} µs | {:.2} | {:.2} |",
            e / t,
            e / s
        )
    };
    for (label, get) in rows {
        row(label, get(&med[0]), get(&med[1]), get(&med[2]));
    }
    row(
        "max (all rounds)",
        overall_max[0],
        overall_max[1],
        overall_max[2],
    );
    println!(
        "| early ticks (all rounds) | {} | {} | {} | | |",
        med[0].3, med[1].3, med[2].3
    );
    if med[0].3 > 0 {
        println!(
            "\nBUG: eddy's interval ticked {} time(s) before the deadline it returned",
            med[0].3
        );
    }
}
