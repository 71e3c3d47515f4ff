//! Blocking-pool benchmarks: eddy's `run_in_executor` against tokio's `spawn_blocking` and
//! smol's `blocking::unblock`, in one run.
//!
//! * `blocking_20k` — 20,000 short jobs (about 1 µs of work each) submitted at once from
//!   `block_on` and awaited together: the submit path, waking idle pool threads, and
//!   completing 20,000 join handles.
//! * `blocking_batches_x1`, `blocking_batches_x2` — the shape of tokio's own
//!   `spawn_blocking` benchmark: 1 (or 2) async tasks, each running 100 batches of 16
//!   no-op jobs, awaiting every batch before submitting the next. Measures the
//!   round-trip latency: task → pool thread → wake the task.
//!
//! Every runtime has 2 workers (smol: an `async-executor` run by 2 threads, its global
//! `blocking` pool) and its pool's default cap (512 for eddy and tokio, 500 for smol). A
//! runtime is built once per group and dropped before the next one's benchmark starts.
//!
//! Run with `cargo bench --bench blocking`; `python3 benches/ratios.py` prints the table.

// `criterion_group!` generates an undocumented `pub fn`.
#![allow(missing_docs)]

mod common;

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion};

use common::{workload, NUM_WORKERS};

/// Jobs per iteration of `blocking_20k`.
const NUM_JOBS: usize = 20_000;
/// Batches per task, and jobs per batch, of tokio's benchmark.
const NUM_BATCHES: usize = 100;
const BATCH_SIZE: usize = 16;

type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// What a workload needs from a runtime.
trait Rt: Sized {
    const NAME: &'static str;
    fn build() -> Self;
    /// Runs `f` on the pool; the future gives its output.
    fn unblock<R: Send + 'static>(
        f: impl FnOnce() -> R + Send + 'static,
    ) -> impl Future<Output = R> + Send + 'static;
    /// Runs the futures as tasks on the runtime's workers and waits for all of them.
    fn run_tasks(&self, tasks: Vec<BoxFuture>);
    fn block_on<F: Future>(&self, f: F) -> F::Output;
}

struct Eddy(eddy::Runtime);

impl Rt for Eddy {
    const NAME: &'static str = "eddy";

    fn build() -> Self {
        Eddy(common::eddy_runtime(eddy::runtime::IoBackend::Auto))
    }

    fn unblock<R: Send + 'static>(
        f: impl FnOnce() -> R + Send + 'static,
    ) -> impl Future<Output = R> + Send + 'static {
        let job = eddy::run_in_executor(f);
        async move { job.await.unwrap() }
    }

    fn run_tasks(&self, tasks: Vec<BoxFuture>) {
        let handles: Vec<_> = tasks.into_iter().map(|t| self.0.spawn(t)).collect();
        self.0.block_on(async {
            for h in handles {
                h.await.unwrap();
            }
        });
    }

    fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.0.block_on(f)
    }
}

struct Tokio(tokio::runtime::Runtime);

impl Rt for Tokio {
    const NAME: &'static str = "tokio";

    fn build() -> Self {
        Tokio(common::tokio_runtime(false))
    }

    fn unblock<R: Send + 'static>(
        f: impl FnOnce() -> R + Send + 'static,
    ) -> impl Future<Output = R> + Send + 'static {
        let job = tokio::task::spawn_blocking(f);
        async move { job.await.unwrap() }
    }

    fn run_tasks(&self, tasks: Vec<BoxFuture>) {
        let handles: Vec<_> = tasks.into_iter().map(|t| self.0.spawn(t)).collect();
        self.0.block_on(async {
            for h in handles {
                h.await.unwrap();
            }
        });
    }

    fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.0.block_on(f)
    }
}

struct Smol(common::SmolPool);

impl Rt for Smol {
    const NAME: &'static str = "smol";

    fn build() -> Self {
        Smol(common::SmolPool::new(NUM_WORKERS, |f| {
            futures_lite::future::block_on(f)
        }))
    }

    fn unblock<R: Send + 'static>(
        f: impl FnOnce() -> R + Send + 'static,
    ) -> impl Future<Output = R> + Send + 'static {
        blocking::unblock(f)
    }

    fn run_tasks(&self, tasks: Vec<BoxFuture>) {
        let handles: Vec<_> = tasks.into_iter().map(|t| self.0.ex.spawn(t)).collect();
        futures_lite::future::block_on(async {
            for h in handles {
                h.await;
            }
        });
    }

    fn block_on<F: Future>(&self, f: F) -> F::Output {
        futures_lite::future::block_on(f)
    }
}

/// About a microsecond of CPU work.
fn work() -> u64 {
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < Duration::from_micros(1) {
        n = std::hint::black_box(n.wrapping_add(1));
    }
    n
}

/// 20,000 short jobs submitted from `block_on`, then awaited in order.
fn blocking_20k<R: Rt>(g: &mut BenchmarkGroup<'_, WallTime>) {
    let rt = R::build();
    g.bench_function(R::NAME, |b| {
        b.iter(|| {
            rt.block_on(async {
                // The futures are made (and the jobs submitted) before the first await.
                let jobs: Vec<_> = (0..NUM_JOBS).map(|_| R::unblock(work)).collect();
                for job in jobs {
                    std::hint::black_box(job.await);
                }
            })
        })
    });
}

/// tokio's `spawn_blocking` benchmark: `tasks` async tasks, each 100 batches of 16
/// no-op jobs, each batch awaited before the next.
fn batches<R: Rt>(g: &mut BenchmarkGroup<'_, WallTime>, tasks: usize) {
    let rt = R::build();
    g.bench_function(R::NAME, |b| {
        b.iter(|| {
            let futures: Vec<BoxFuture> = (0..tasks)
                .map(|_| {
                    Box::pin(async {
                        for _ in 0..NUM_BATCHES {
                            let batch: Vec<_> = (0..BATCH_SIZE)
                                .map(|_| R::unblock(|| std::hint::black_box(())))
                                .collect();
                            for job in batch {
                                job.await;
                            }
                        }
                    }) as BoxFuture
                })
                .collect();
            rt.run_tasks(futures);
        })
    });
}

fn blocking_batches_x1<R: Rt>(g: &mut BenchmarkGroup<'_, WallTime>) {
    batches::<R>(g, 1);
}

fn blocking_batches_x2<R: Rt>(g: &mut BenchmarkGroup<'_, WallTime>) {
    batches::<R>(g, 2);
}

fn blocking_pool(c: &mut Criterion) {
    workload!(c, blocking_20k);
    workload!(c, blocking_batches_x1);
    workload!(c, blocking_batches_x2);
}

fn config() -> Criterion {
    common::criterion(20, 3)
}

criterion_group! {
    name = benches;
    config = config();
    targets = blocking_pool
}
criterion_main!(benches);
