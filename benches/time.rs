//! Timer benchmarks: eddy vs tokio vs smol (async-io's `Timer` on async-executor), 2
//! worker threads each, in one process run. See docs/benchmarks.md.
//!
//! * `timeout_cancelled` — 100,000 tasks each awaiting `timeout(1 s, f)` where `f` is
//!   ready after one yield: the common case, a timer registered and then cancelled.
//! * `sleeps_fire` — 10,000 tasks each sleeping a pseudo-random 1–10 ms; all fire.
//! * `sleep_1ms_x100` — one task sleeping 1 ms 100 times in a row: precision. The floor
//!   is 100 ms.
// criterion's macros generate undocumented items; the trait spells out `Send + 'static`
// futures and the impls keep that shape for clarity.
#![allow(missing_docs, clippy::manual_async_fn)]

mod common;

use std::future::Future;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion};

use common::{workload, NUM_WORKERS};

trait Rt: Sized {
    const NAME: &'static str;
    type Join: Future + Send + 'static;
    fn build() -> Self;
    fn spawn(&self, f: impl Future<Output = ()> + Send + 'static) -> Self::Join;
    fn block_on<F: Future>(&self, f: F) -> F::Output;
    fn sleep(d: Duration) -> impl Future<Output = ()> + Send + 'static;
    /// `Some(output)` if `f` finished within `d`.
    fn timeout<F>(d: Duration, f: F) -> impl Future<Output = Option<F::Output>> + Send + 'static
    where
        F: Future + Send + 'static,
        F::Output: Send;
    fn yield_now() -> impl Future<Output = ()> + Send + 'static;
}

struct Eddy(eddy::Runtime);

impl Rt for Eddy {
    const NAME: &'static str = "eddy";
    type Join = eddy::task::JoinHandle<()>;
    fn build() -> Self {
        Eddy(common::eddy_runtime(eddy::runtime::IoBackend::Auto))
    }
    fn spawn(&self, f: impl Future<Output = ()> + Send + 'static) -> Self::Join {
        self.0.spawn(f)
    }
    fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.0.block_on(f)
    }
    fn sleep(d: Duration) -> impl Future<Output = ()> + Send + 'static {
        eddy::time::sleep(d)
    }
    fn timeout<F>(d: Duration, f: F) -> impl Future<Output = Option<F::Output>> + Send + 'static
    where
        F: Future + Send + 'static,
        F::Output: Send,
    {
        async move { eddy::time::timeout(d, f).await.ok() }
    }
    fn yield_now() -> impl Future<Output = ()> + Send + 'static {
        eddy::task::yield_now()
    }
}

struct Tokio(tokio::runtime::Runtime);

impl Rt for Tokio {
    const NAME: &'static str = "tokio";
    type Join = tokio::task::JoinHandle<()>;
    fn build() -> Self {
        Tokio(common::tokio_runtime(false))
    }
    fn spawn(&self, f: impl Future<Output = ()> + Send + 'static) -> Self::Join {
        self.0.spawn(f)
    }
    fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.0.block_on(f)
    }
    fn sleep(d: Duration) -> impl Future<Output = ()> + Send + 'static {
        tokio::time::sleep(d)
    }
    fn timeout<F>(d: Duration, f: F) -> impl Future<Output = Option<F::Output>> + Send + 'static
    where
        F: Future + Send + 'static,
        F::Output: Send,
    {
        async move { tokio::time::timeout(d, f).await.ok() }
    }
    fn yield_now() -> impl Future<Output = ()> + Send + 'static {
        tokio::task::yield_now()
    }
}

/// smol: async-executor run by 2 threads, async-io's `Timer` (its reactor thread
/// `async-io` drives the timers, as in any smol program).
struct Smol(common::SmolPool);

impl Rt for Smol {
    const NAME: &'static str = "smol";
    type Join = async_executor::Task<()>;
    fn build() -> Self {
        Smol(common::SmolPool::new(NUM_WORKERS, |f| {
            async_io::block_on(f)
        }))
    }
    fn spawn(&self, f: impl Future<Output = ()> + Send + 'static) -> Self::Join {
        self.0.ex.spawn(f)
    }
    fn block_on<F: Future>(&self, f: F) -> F::Output {
        async_io::block_on(f)
    }
    fn sleep(d: Duration) -> impl Future<Output = ()> + Send + 'static {
        async move {
            async_io::Timer::after(d).await;
        }
    }
    fn timeout<F>(d: Duration, f: F) -> impl Future<Output = Option<F::Output>> + Send + 'static
    where
        F: Future + Send + 'static,
        F::Output: Send,
    {
        futures_lite::future::or(async { Some(f.await) }, async move {
            async_io::Timer::after(d).await;
            None
        })
    }
    fn yield_now() -> impl Future<Output = ()> + Send + 'static {
        futures_lite::future::yield_now()
    }
}

fn timeout_cancelled<R: Rt>(g: &mut BenchmarkGroup<'_, WallTime>) {
    const TASKS: usize = 100_000;
    let rt = R::build();
    let mut handles = Vec::with_capacity(TASKS);
    g.bench_function(R::NAME, |b| {
        b.iter(|| {
            for _ in 0..TASKS {
                handles.push(rt.spawn(async {
                    let out = R::timeout(Duration::from_secs(1), R::yield_now()).await;
                    assert!(out.is_some());
                }));
            }
            rt.block_on(async {
                for h in handles.drain(..) {
                    h.await;
                }
            });
        })
    });
}

fn sleeps_fire<R: Rt>(g: &mut BenchmarkGroup<'_, WallTime>) {
    const TASKS: u64 = 10_000;
    let rt = R::build();
    let mut handles = Vec::with_capacity(TASKS as usize);
    g.bench_function(R::NAME, |b| {
        b.iter(|| {
            for i in 0..TASKS {
                // 1..=10 ms, spread by a multiplicative hash (the same for every runtime).
                let micros = 1_000 + (i.wrapping_mul(2_654_435_761) >> 5) % 9_001;
                // Created inside the task: tokio's sleep needs its runtime at creation.
                handles
                    .push(rt.spawn(async move { R::sleep(Duration::from_micros(micros)).await }));
            }
            rt.block_on(async {
                for h in handles.drain(..) {
                    h.await;
                }
            });
        })
    });
}

fn sleep_1ms_x100<R: Rt>(g: &mut BenchmarkGroup<'_, WallTime>) {
    let rt = R::build();
    g.bench_function(R::NAME, |b| {
        b.iter(|| {
            let task = rt.spawn(async {
                for _ in 0..100 {
                    R::sleep(Duration::from_millis(1)).await;
                }
            });
            rt.block_on(task);
        })
    });
}

fn benches(c: &mut Criterion) {
    workload!(c, timeout_cancelled);
    workload!(c, sleeps_fire);
    workload!(c, sleep_1ms_x100);
}

criterion_group! {
    name = time;
    config = common::criterion(10, 3);
    targets = benches
}
criterion_main!(time);
