//! Current-thread benchmarks: eddy's current-thread runtime against tokio's
//! `current_thread` runtime and smol's `LocalExecutor`, everything on the benchmark's
//! thread (no worker threads), in one process run.
//!
//! * **eddy** — `eddy::Builder::new_current_thread().build()`; local tasks with
//!   `eddy::task::spawn_local`, `Send` ones with `eddy::spawn`, inside `Runtime::block_on`.
//! * **tokio** — `tokio::runtime::Builder::new_current_thread().enable_time().build()`
//!   (timers on, I/O off, as `benches/scheduler.rs` and `time.rs` build tokio); `Send`
//!   tasks with `tokio::spawn` inside `Runtime::block_on`; local tasks with
//!   `tokio::task::spawn_local` inside `LocalSet::block_on(&rt, ..)`.
//! * **smol** — an `async_executor::LocalExecutor` driven by smol's own `block_on`
//!   (`async_io::block_on(ex.run(..))`, which is `smol::block_on`): the thread runs the
//!   executor and, when idle, async-io's reactor and timers, as eddy's and tokio's loops
//!   do. Every task is spawned with `LocalExecutor::spawn`.
//!
//! The workloads, each a criterion group with `<workload>/eddy`, `/tokio` and `/smol`,
//! named `ct_*` so that they do not share criterion's directories with the multi-thread
//! groups of the same workload (`ping_pong`, `yield_many` in `benches/scheduler.rs`):
//!
//! * `ct_spawn_local_100k` — 100,000 `!Send` tasks, each holding an `Rc` to a shared counter
//!   and bumping it, spawned from the main future and all awaited.
//! * `ct_ping_pong` — two tasks bouncing one message back and forth 10,000 times over two
//!   `async_channel::bounded(1)` channels (the channel `benches/scheduler.rs`'s ping_pong
//!   uses for every runtime).
//! * `ct_yield_many` — 200 tasks each calling the runtime's own `yield_now` 1,000 times (as
//!   in `benches/scheduler.rs`).
//! * `ct_timers_10k` — 10,000 tasks each sleeping 1 ms, all awaited; `ct_timers_10` is
//!   the same 10,000 tasks of which only 10 sleep, the others returning at once. Both
//!   include spawning and joining the tasks, the 1 ms sleep and the runtime's timer
//!   resolution, so the cost of inserting and firing 9,990 timers (and the extra wake and
//!   poll of each sleeper) is the difference of the two (docs/benchmarks.md,
//!   "Current-thread runtimes").
//!
//! Every runtime is built once per benchmark, outside the timed loop, and dropped before
//! the next one is built. Every iteration (criterion's `--test` mode runs one) asserts
//! that all of its work was done — task outputs summed and compared, in release builds
//! too — so nothing can be skipped.
//!
//! Run with `cargo bench --bench current_thread`; `python3 benches/ratios.py` then prints
//! the table.

// criterion's macros generate undocumented items; the trait spells out its futures' bounds
// and the impls keep that shape.
#![allow(missing_docs, clippy::manual_async_fn)]

// The multi-thread set-up in there (worker counts, smol's pool) is not used here.
#[allow(dead_code)]
mod common;

use std::cell::Cell;
use std::future::Future;
use std::hint::black_box;
use std::rc::Rc;
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion};

use common::workload;

// ---------------------------------------------------------------------------------------
// The three runtimes behind one interface.
// ---------------------------------------------------------------------------------------

/// What a workload needs from a single-threaded runtime.
trait Rt: Sized {
    /// The benchmark's name within its group.
    const NAME: &'static str;

    /// What a task needs to spawn another (eddy and tokio find their runtime in a
    /// thread-local; smol's tasks carry a `&'static LocalExecutor`).
    type Ctx: Copy + 'static;

    fn build() -> Self;

    fn ctx(&self) -> Self::Ctx;

    /// Runs `f` to completion on this thread, running the runtime's tasks meanwhile.
    fn block_on<F: Future>(&self, f: F) -> F::Output;

    /// As [`Rt::block_on`], for a future that spawns local tasks (tokio needs its
    /// `LocalSet` for those).
    fn block_on_local<F: Future>(&self, f: F) -> F::Output;

    /// Spawns a `Send` task from inside `block_on`; the returned future is its output.
    fn spawn<F>(ctx: Self::Ctx, f: F) -> impl Future<Output = F::Output> + 'static
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;

    /// Spawns a task whose future is not `Send`, from inside `block_on_local`.
    fn spawn_local<F>(ctx: Self::Ctx, f: F) -> impl Future<Output = F::Output> + 'static
    where
        F: Future + 'static,
        F::Output: 'static;

    /// The runtime's own `yield_now`.
    fn yield_now() -> impl Future<Output = ()> + Send + 'static;

    /// The runtime's own sleep.
    fn sleep(d: Duration) -> impl Future<Output = ()> + Send + 'static;
}

struct Eddy(eddy::Runtime);

impl Rt for Eddy {
    const NAME: &'static str = "eddy";
    type Ctx = ();

    fn build() -> Self {
        Eddy(eddy::Builder::new_current_thread().build().unwrap())
    }

    fn ctx(&self) {}

    fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.0.block_on(f)
    }

    fn block_on_local<F: Future>(&self, f: F) -> F::Output {
        self.0.block_on(f)
    }

    fn spawn<F>(_: (), f: F) -> impl Future<Output = F::Output> + 'static
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let join = eddy::spawn(f);
        async move { join.await.unwrap() }
    }

    fn spawn_local<F>(_: (), f: F) -> impl Future<Output = F::Output> + 'static
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let join = eddy::task::spawn_local(f);
        async move { join.await.unwrap() }
    }

    fn yield_now() -> impl Future<Output = ()> + Send + 'static {
        eddy::task::yield_now()
    }

    fn sleep(d: Duration) -> impl Future<Output = ()> + Send + 'static {
        eddy::time::sleep(d)
    }
}

struct Tokio {
    rt: tokio::runtime::Runtime,
    local: tokio::task::LocalSet,
}

impl Rt for Tokio {
    const NAME: &'static str = "tokio";
    type Ctx = ();

    fn build() -> Self {
        Tokio {
            rt: tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
                .unwrap(),
            local: tokio::task::LocalSet::new(),
        }
    }

    fn ctx(&self) {}

    fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    fn block_on_local<F: Future>(&self, f: F) -> F::Output {
        self.local.block_on(&self.rt, f)
    }

    fn spawn<F>(_: (), f: F) -> impl Future<Output = F::Output> + 'static
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let join = tokio::spawn(f);
        async move { join.await.unwrap() }
    }

    fn spawn_local<F>(_: (), f: F) -> impl Future<Output = F::Output> + 'static
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let join = tokio::task::spawn_local(f);
        async move { join.await.unwrap() }
    }

    fn yield_now() -> impl Future<Output = ()> + Send + 'static {
        tokio::task::yield_now()
    }

    fn sleep(d: Duration) -> impl Future<Output = ()> + Send + 'static {
        tokio::time::sleep(d)
    }
}

/// smol: a `LocalExecutor`, leaked (a few bytes per benchmark) so that tasks can hold a
/// `&'static` to it, as with the usual `thread_local!` executor.
struct Smol(&'static async_executor::LocalExecutor<'static>);

impl Rt for Smol {
    const NAME: &'static str = "smol";
    type Ctx = &'static async_executor::LocalExecutor<'static>;

    fn build() -> Self {
        Smol(Box::leak(Box::new(async_executor::LocalExecutor::new())))
    }

    fn ctx(&self) -> Self::Ctx {
        self.0
    }

    fn block_on<F: Future>(&self, f: F) -> F::Output {
        async_io::block_on(self.0.run(f))
    }

    fn block_on_local<F: Future>(&self, f: F) -> F::Output {
        self.block_on(f)
    }

    fn spawn<F>(ex: Self::Ctx, f: F) -> impl Future<Output = F::Output> + 'static
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        ex.spawn(f)
    }

    fn spawn_local<F>(ex: Self::Ctx, f: F) -> impl Future<Output = F::Output> + 'static
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        ex.spawn(f)
    }

    fn yield_now() -> impl Future<Output = ()> + Send + 'static {
        futures_lite::future::yield_now()
    }

    fn sleep(d: Duration) -> impl Future<Output = ()> + Send + 'static {
        async move {
            async_io::Timer::after(d).await;
        }
    }
}

// ---------------------------------------------------------------------------------------
// Workloads, each written once for all runtimes.
// ---------------------------------------------------------------------------------------

/// 100,000 `!Send` tasks spawned from the main future, each holding an `Rc` to a counter
/// it bumps and returning its index; all awaited, the outputs summed.
fn ct_spawn_local_100k<R: Rt>(g: &mut BenchmarkGroup<'_, WallTime>) {
    const TASKS: usize = 100_000;

    let rt = R::build();
    let ctx = rt.ctx();
    let run = || {
        rt.block_on_local(async move {
            let counter = Rc::new(Cell::new(0usize));
            let mut joins = Vec::with_capacity(TASKS);
            for i in 0..TASKS {
                let counter = counter.clone();
                joins.push(R::spawn_local(ctx, async move {
                    counter.set(counter.get() + 1);
                    black_box(i)
                }));
            }
            let mut sum = 0;
            for join in joins {
                sum += join.await;
            }
            (counter.get(), sum)
        })
    };
    let check = |(ran, sum)| {
        assert_eq!(ran, TASKS);
        assert_eq!(sum, TASKS * (TASKS - 1) / 2);
    };

    g.bench_function(R::NAME, |b| b.iter(|| check(black_box(run()))));
}

/// Two tasks bouncing a message back and forth 10,000 times over two
/// `async_channel::bounded(1)`.
fn ct_ping_pong<R: Rt>(g: &mut BenchmarkGroup<'_, WallTime>) {
    const ROUND_TRIPS: usize = 10_000;

    let rt = R::build();
    let ctx = rt.ctx();
    let run = || {
        rt.block_on(async move {
            let (ping_tx, ping_rx) = async_channel::bounded::<usize>(1);
            let (pong_tx, pong_rx) = async_channel::bounded::<usize>(1);
            let ponger = R::spawn(ctx, async move {
                let mut n = 0;
                while let Ok(i) = ping_rx.recv().await {
                    pong_tx.send(i).await.unwrap();
                    n += 1;
                }
                n
            });
            let pinger = R::spawn(ctx, async move {
                let mut n = 0;
                for i in 0..ROUND_TRIPS {
                    ping_tx.send(i).await.unwrap();
                    assert_eq!(pong_rx.recv().await.unwrap(), i);
                    n += 1;
                }
                n
            });
            // The pinger's end of the channel drops when it finishes: the ponger stops.
            (pinger.await, ponger.await)
        })
    };
    let check = |(pings, pongs)| {
        assert_eq!(pings, ROUND_TRIPS);
        assert_eq!(pongs, ROUND_TRIPS);
    };

    g.bench_function(R::NAME, |b| b.iter(|| check(black_box(run()))));
}

/// 200 tasks, each yielding 1,000 times with the runtime's own `yield_now`.
fn ct_yield_many<R: Rt>(g: &mut BenchmarkGroup<'_, WallTime>) {
    const TASKS: usize = 200;
    const NUM_YIELD: usize = 1_000;

    let rt = R::build();
    let ctx = rt.ctx();
    let run = || {
        rt.block_on(async move {
            let mut joins = Vec::with_capacity(TASKS);
            for _ in 0..TASKS {
                joins.push(R::spawn(ctx, async move {
                    let mut n = 0;
                    for _ in 0..NUM_YIELD {
                        R::yield_now().await;
                        n += 1;
                    }
                    n
                }));
            }
            let mut yields = 0;
            for join in joins {
                yields += join.await;
            }
            yields
        })
    };
    let check = |yields| assert_eq!(yields, TASKS * NUM_YIELD);

    g.bench_function(R::NAME, |b| b.iter(|| check(black_box(run()))));
}

/// 10,000 tasks, `sleepers` of which (evenly spread) sleep 1 ms (the sleep created inside
/// the task: tokio's needs its runtime then) while the others return at once; all awaited.
/// The iteration takes at least 1 ms, which is asserted.
fn timers<R: Rt>(g: &mut BenchmarkGroup<'_, WallTime>, sleepers: usize) {
    const TASKS: usize = 10_000;
    const SLEEP: Duration = Duration::from_millis(1);
    let every = TASKS / sleepers;

    let rt = R::build();
    let ctx = rt.ctx();
    let run = || {
        let start = Instant::now();
        let fired = rt.block_on(async move {
            let mut joins = Vec::with_capacity(TASKS);
            for i in 0..TASKS {
                let sleeps = i % every == 0;
                joins.push(R::spawn(ctx, async move {
                    if sleeps {
                        R::sleep(SLEEP).await;
                    }
                    usize::from(sleeps)
                }));
            }
            let mut fired = 0;
            for join in joins {
                fired += join.await;
            }
            fired
        });
        (fired, start.elapsed())
    };
    let check = |(fired, elapsed): (usize, Duration)| {
        assert_eq!(fired, sleepers);
        assert!(
            elapsed >= SLEEP,
            "{sleepers} sleeps of {SLEEP:?} took {elapsed:?}"
        );
    };

    g.bench_function(R::NAME, |b| b.iter(|| check(black_box(run()))));
}

/// 10,000 tasks each sleeping 1 ms: 10,000 timers inserted and fired, plus the sleep.
fn ct_timers_10k<R: Rt>(g: &mut BenchmarkGroup<'_, WallTime>) {
    timers::<R>(g, 10_000);
}

/// The same 10,000 tasks, 10 of which sleep: the floor of `ct_timers_10k` (the tasks, the
/// sleep and the timer resolution).
fn ct_timers_10<R: Rt>(g: &mut BenchmarkGroup<'_, WallTime>) {
    timers::<R>(g, 10);
}

// ---------------------------------------------------------------------------------------
// Groups.
// ---------------------------------------------------------------------------------------

fn current_thread(c: &mut Criterion) {
    workload!(c, ct_spawn_local_100k);
    workload!(c, ct_ping_pong);
    workload!(c, ct_yield_many);
    workload!(c, ct_timers_10k);
    workload!(c, ct_timers_10);
}

criterion_group! {
    name = benches;
    // As benches/scheduler.rs: 20 samples, 1 s warm-up, 3 s measurement.
    config = common::criterion(20, 3);
    targets = current_thread
}
criterion_main!(benches);
