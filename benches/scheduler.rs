//! Scheduler benchmarks: eddy against tokio and smol (async-executor) on the workloads of
//! tokio's `benches/rt_multi_threaded.rs`.
//!
//! Every workload is a criterion group with three benchmarks, `<workload>/eddy`,
//! `<workload>/tokio` and `<workload>/smol`, run in the same process. The workload is
//! written once, generically over [`Rt`], so all three runtimes do exactly the same work:
//! same task counts, same channels (`std::sync::mpsc` to tell the benchmark thread that
//! everything finished, `async-channel` between tasks), the same two worker threads. Only
//! spawning, waking, yielding and parking differ — the schedulers under test.
//!
//! A runtime is built once per group (not per iteration) and dropped, its threads joined,
//! before the next runtime's benchmark starts, so one runtime's threads never compete with
//! another's measurement. Every iteration waits for all of its tasks to finish.
//!
//! Run with `cargo bench --bench scheduler`; `python3 benches/ratios.py` then prints the
//! ratio table (see `docs/benchmarks.md`).

// `criterion_group!` generates an undocumented `pub fn`.
#![allow(missing_docs)]

mod common;

use std::future::Future;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion};

use common::{workload, NUM_WORKERS};

/// Tasks spawned per iteration by the `spawn_many_*` workloads.
const NUM_SPAWN: usize = 10_000;
/// CPU time a busy task burns between yields in `spawn_many_remote_busy1`.
const STALL_DUR: Duration = Duration::from_micros(10);

// ---------------------------------------------------------------------------------------
// The three runtimes behind one interface.
// ---------------------------------------------------------------------------------------

/// What a workload needs from a runtime.
trait Rt: Sized {
    /// The benchmark's name within its group.
    const NAME: &'static str;

    /// What a task needs to spawn another task (eddy and tokio find their runtime in a
    /// thread-local; smol tasks carry a `&'static Executor`).
    type Ctx: Copy + Send + Sync + 'static;

    /// The handle returned by a spawn from outside the runtime.
    type Join: Future + Send + 'static;

    /// A multi-threaded runtime with [`NUM_WORKERS`] workers.
    fn build() -> Self;

    fn ctx(&self) -> Self::Ctx;

    /// Spawns from outside the runtime (the benchmark thread), keeping a handle.
    fn spawn_remote(&self, f: impl Future<Output = ()> + Send + 'static) -> Self::Join;

    /// Spawns from outside the runtime without keeping a handle.
    fn spawn_remote_detached(&self, f: impl Future<Output = ()> + Send + 'static);

    /// Spawns from inside a task running on this runtime, without keeping a handle.
    fn spawn_local(ctx: Self::Ctx, f: impl Future<Output = ()> + Send + 'static);

    /// Checks a joined task's output (eddy and tokio return a `Result`).
    fn join_ok(out: <Self::Join as Future>::Output);

    /// Runs `f` to completion on the calling thread.
    fn block_on<F: Future>(&self, f: F) -> F::Output;

    /// The runtime's own `yield_now`.
    fn yield_now() -> impl Future<Output = ()> + Send;
}

struct Eddy(eddy::Runtime);

impl Rt for Eddy {
    const NAME: &'static str = "eddy";
    type Ctx = ();
    type Join = eddy::task::JoinHandle<()>;

    fn build() -> Self {
        Eddy(common::eddy_runtime(eddy::runtime::IoBackend::Auto))
    }

    fn ctx(&self) {}

    fn spawn_remote(&self, f: impl Future<Output = ()> + Send + 'static) -> Self::Join {
        self.0.handle().spawn(f)
    }

    fn spawn_remote_detached(&self, f: impl Future<Output = ()> + Send + 'static) {
        drop(self.0.handle().spawn(f));
    }

    fn spawn_local(_: (), f: impl Future<Output = ()> + Send + 'static) {
        drop(eddy::spawn(f));
    }

    fn join_ok(out: Result<(), eddy::task::JoinError>) {
        out.unwrap()
    }

    fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.0.block_on(f)
    }

    fn yield_now() -> impl Future<Output = ()> + Send {
        eddy::task::yield_now()
    }
}

struct Tokio(tokio::runtime::Runtime);

impl Rt for Tokio {
    const NAME: &'static str = "tokio";
    type Ctx = ();
    type Join = tokio::task::JoinHandle<()>;

    fn build() -> Self {
        // Timers on, I/O off: eddy's runtime has a timer driver (and no reactor yet),
        // so tokio parks through its time driver too rather than in epoll.
        Tokio(common::tokio_runtime(false))
    }

    fn ctx(&self) {}

    fn spawn_remote(&self, f: impl Future<Output = ()> + Send + 'static) -> Self::Join {
        self.0.handle().spawn(f)
    }

    fn spawn_remote_detached(&self, f: impl Future<Output = ()> + Send + 'static) {
        drop(self.0.handle().spawn(f));
    }

    fn spawn_local(_: (), f: impl Future<Output = ()> + Send + 'static) {
        drop(tokio::spawn(f));
    }

    fn join_ok(out: Result<(), tokio::task::JoinError>) {
        out.unwrap()
    }

    fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.0.block_on(f)
    }

    fn yield_now() -> impl Future<Output = ()> + Send {
        tokio::task::yield_now()
    }
}

/// smol's executor: an `async_executor::Executor` run by [`NUM_WORKERS`] threads, each in
/// `block_on(ex.run(shutdown))` — the standard multi-threaded smol setup.
struct Smol(common::SmolPool);

impl Rt for Smol {
    const NAME: &'static str = "smol";
    type Ctx = &'static async_executor::Executor<'static>;
    type Join = async_executor::Task<()>;

    fn build() -> Self {
        Smol(common::SmolPool::new(NUM_WORKERS, |f| {
            futures_lite::future::block_on(f)
        }))
    }

    fn ctx(&self) -> Self::Ctx {
        self.0.ex
    }

    fn spawn_remote(&self, f: impl Future<Output = ()> + Send + 'static) -> Self::Join {
        self.0.ex.spawn(f)
    }

    fn spawn_remote_detached(&self, f: impl Future<Output = ()> + Send + 'static) {
        self.0.ex.spawn(f).detach();
    }

    fn spawn_local(ex: Self::Ctx, f: impl Future<Output = ()> + Send + 'static) {
        ex.spawn(f).detach();
    }

    fn join_ok(_: ()) {}

    fn block_on<F: Future>(&self, f: F) -> F::Output {
        futures_lite::future::block_on(f)
    }

    fn yield_now() -> impl Future<Output = ()> + Send {
        futures_lite::future::yield_now()
    }
}

// ---------------------------------------------------------------------------------------
// Workloads, each written once for all runtimes.
// ---------------------------------------------------------------------------------------

/// 10,000 empty tasks spawned from inside a task running on a worker; each decrements a
/// shared counter and the last one tells the benchmark thread over a std channel.
fn spawn_many_local<R: Rt>(g: &mut BenchmarkGroup<'_, WallTime>) {
    let rt = R::build();
    let ctx = rt.ctx();
    let (tx, rx) = mpsc::sync_channel(1000);
    let rem = Arc::new(AtomicUsize::new(0));

    g.bench_function(R::NAME, |b| {
        b.iter(|| {
            rem.store(NUM_SPAWN, Relaxed);
            let tx = tx.clone();
            let rem = rem.clone();
            rt.spawn_remote_detached(async move {
                for _ in 0..NUM_SPAWN {
                    let tx = tx.clone();
                    let rem = rem.clone();
                    R::spawn_local(ctx, async move {
                        if 1 == rem.fetch_sub(1, Relaxed) {
                            tx.send(()).unwrap();
                        }
                    });
                }
            });
            rx.recv().unwrap();
        })
    });
}

/// 10,000 empty tasks spawned from the benchmark thread onto an idle runtime, then all
/// their handles awaited.
fn spawn_many_remote_idle<R: Rt>(g: &mut BenchmarkGroup<'_, WallTime>) {
    let rt = R::build();
    let mut handles = Vec::with_capacity(NUM_SPAWN);

    g.bench_function(R::NAME, |b| {
        b.iter(|| {
            for _ in 0..NUM_SPAWN {
                handles.push(rt.spawn_remote(async {}));
            }
            rt.block_on(async {
                for h in handles.drain(..) {
                    R::join_ok(h.await);
                }
            });
        })
    });
}

/// As `spawn_many_remote_idle`, while 2 × NUM_WORKERS tasks keep every worker busy:
/// each loops `yield_now` then burns 10 µs of CPU. The busy tasks run only during this
/// runtime's benchmark and have finished before the next runtime is built.
fn spawn_many_remote_busy1<R: Rt>(g: &mut BenchmarkGroup<'_, WallTime>) {
    let rt = R::build();
    let mut handles = Vec::with_capacity(NUM_SPAWN);
    let flag = Arc::new(AtomicBool::new(true));

    let busy: Vec<_> = (0..2 * NUM_WORKERS)
        .map(|_| {
            let flag = flag.clone();
            rt.spawn_remote(async move {
                while flag.load(Relaxed) {
                    R::yield_now().await;
                    stall();
                }
            })
        })
        .collect();

    g.bench_function(R::NAME, |b| {
        b.iter(|| {
            for _ in 0..NUM_SPAWN {
                handles.push(rt.spawn_remote(async {}));
            }
            rt.block_on(async {
                for h in handles.drain(..) {
                    R::join_ok(h.await);
                }
            });
        })
    });

    flag.store(false, Relaxed);
    rt.block_on(async {
        for h in busy {
            R::join_ok(h.await);
        }
    });
}

/// 200 tasks spawned from the benchmark thread, each yielding 1,000 times with the
/// runtime's own `yield_now`, then reporting over a std channel.
fn yield_many<R: Rt>(g: &mut BenchmarkGroup<'_, WallTime>) {
    const NUM_YIELD: usize = 1_000;
    const TASKS: usize = 200;

    let rt = R::build();
    let (tx, rx) = mpsc::sync_channel(TASKS);

    g.bench_function(R::NAME, |b| {
        b.iter(|| {
            for _ in 0..TASKS {
                let tx = tx.clone();
                rt.spawn_remote_detached(async move {
                    for _ in 0..NUM_YIELD {
                        R::yield_now().await;
                    }
                    tx.send(()).unwrap();
                });
            }
            for _ in 0..TASKS {
                rx.recv().unwrap();
            }
        })
    });
}

/// One task spawns 1,000 tasks; each spawns a partner, sends it a ping over an
/// `async_channel::bounded(1)` and awaits the pong on another. The last pair to finish
/// tells the benchmark thread.
fn ping_pong<R: Rt>(g: &mut BenchmarkGroup<'_, WallTime>) {
    const NUM_PINGS: usize = 1_000;

    let rt = R::build();
    let ctx = rt.ctx();
    let (done_tx, done_rx) = mpsc::sync_channel(1000);
    let rem = Arc::new(AtomicUsize::new(0));

    g.bench_function(R::NAME, |b| {
        b.iter(|| {
            rem.store(NUM_PINGS, Relaxed);
            let done_tx = done_tx.clone();
            let rem = rem.clone();
            rt.spawn_remote_detached(async move {
                for _ in 0..NUM_PINGS {
                    let done_tx = done_tx.clone();
                    let rem = rem.clone();
                    R::spawn_local(ctx, async move {
                        let (ping_tx, ping_rx) = async_channel::bounded::<()>(1);
                        let (pong_tx, pong_rx) = async_channel::bounded::<()>(1);
                        R::spawn_local(ctx, async move {
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
        })
    });
}

/// A chain of 1,000 tasks, each spawning the next from inside the runtime; the last tells
/// the benchmark thread.
fn chained_spawn<R: Rt>(g: &mut BenchmarkGroup<'_, WallTime>) {
    const ITER: usize = 1_000;

    fn chain<R: Rt>(ctx: R::Ctx, done_tx: mpsc::SyncSender<()>, n: usize) {
        if n == 0 {
            done_tx.send(()).unwrap();
        } else {
            R::spawn_local(ctx, async move { chain::<R>(ctx, done_tx, n - 1) });
        }
    }

    let rt = R::build();
    let ctx = rt.ctx();
    let (done_tx, done_rx) = mpsc::sync_channel(1000);

    g.bench_function(R::NAME, |b| {
        b.iter(|| {
            let done_tx = done_tx.clone();
            rt.spawn_remote_detached(async move { chain::<R>(ctx, done_tx, ITER) });
            done_rx.recv().unwrap();
        })
    });
}

/// Burns [`STALL_DUR`] of CPU, letting other threads in, as tokio's benchmark does.
fn stall() {
    let now = Instant::now();
    while now.elapsed() < STALL_DUR {
        thread::yield_now();
    }
}

// ---------------------------------------------------------------------------------------
// Groups.
// ---------------------------------------------------------------------------------------

fn scheduler(c: &mut Criterion) {
    workload!(c, spawn_many_local);
    workload!(c, spawn_many_remote_idle);
    workload!(c, spawn_many_remote_busy1);
    workload!(c, yield_many);
    workload!(c, ping_pong);
    workload!(c, chained_spawn);
}

fn config() -> Criterion {
    // Quick enough for a shared 2-core machine: the whole run takes a few minutes.
    common::criterion(20, 3)
}

criterion_group! {
    name = benches;
    config = config();
    targets = scheduler
}
criterion_main!(benches);
