//! Synchronization benchmarks: `eddy::sync` against `tokio::sync` and smol's
//! `async-channel` / `async-lock`, each on its own runtime with 2 worker threads.
//!
//! Every workload is a criterion group with `<workload>/eddy`, `<workload>/tokio` and
//! `<workload>/smol`, run in the same process. The workload is written once, generic over
//! [`Lib`] (a runtime plus its primitives), so all three do the same work: the same task
//! counts, message counts and capacities. The whole workload runs inside one spawned task
//! (so every task is on a worker, none on the benchmark thread), and each iteration waits
//! for all of its tasks.
//!
//! Run with `cargo bench --bench sync`; `python3 benches/ratios.py` prints the table (see
//! `docs/benchmarks.md`).

// `criterion_group!` generates an undocumented `pub fn`.
#![allow(missing_docs)]

mod common;

use std::future::Future;

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion};

use common::{workload, NUM_WORKERS};

/// Messages per iteration of the mpsc workloads.
const MESSAGES: u64 = 1_000_000;
/// Buffer of the bounded channel in the mpsc workloads.
const CAPACITY: usize = 128;
/// Tasks contending for the mutex / semaphore.
const CONTENDERS: usize = 8;
/// Lock (or acquire) operations per contending task.
const OPS: usize = 5_000;
/// Round trips in the oneshot ping-pong.
const ROUND_TRIPS: usize = 10_000;

/// A runtime and its synchronization primitives.
trait Lib: Sized + 'static {
    const NAME: &'static str;

    type Runtime;
    /// What a task needs to spawn another (smol tasks carry a `&'static Executor`).
    type Ctx: Copy + Send + Sync + 'static;
    fn build() -> (Self::Runtime, Self::Ctx);
    /// Runs `f` as a task on a worker and waits for it from the benchmark thread.
    fn run<T: Send + 'static>(
        rt: &Self::Runtime,
        ctx: Self::Ctx,
        f: impl Future<Output = T> + Send + 'static,
    ) -> T;
    /// Spawns from inside a task; the future joins it.
    fn spawn<T: Send + 'static>(
        ctx: Self::Ctx,
        f: impl Future<Output = T> + Send + 'static,
    ) -> impl Future<Output = T> + Send + 'static;

    type Tx: Clone + Send + Sync + 'static;
    type Rx: Send + 'static;
    fn channel(capacity: usize) -> (Self::Tx, Self::Rx);
    fn send(tx: &Self::Tx, v: u64) -> impl Future<Output = ()> + Send + '_;
    fn recv(rx: &mut Self::Rx) -> impl Future<Output = Option<u64>> + Send + '_;

    type Mutex: Send + Sync + 'static;
    fn mutex() -> Self::Mutex;
    fn lock_and_increment(m: &Self::Mutex) -> impl Future<Output = ()> + Send + '_;

    type Semaphore: Send + Sync + 'static;
    fn semaphore(permits: usize) -> Self::Semaphore;
    fn acquire_and_release(s: &Self::Semaphore) -> impl Future<Output = ()> + Send + '_;

    type OneTx: Send + 'static;
    type OneRx: Send + 'static;
    fn oneshot() -> (Self::OneTx, Self::OneRx);
    fn oneshot_send(tx: Self::OneTx, v: u64);
    fn oneshot_recv(rx: Self::OneRx) -> impl Future<Output = u64> + Send;
}

struct Eddy;

impl Lib for Eddy {
    const NAME: &'static str = "eddy";
    type Runtime = eddy::Runtime;
    type Ctx = ();

    fn build() -> (eddy::Runtime, ()) {
        (common::eddy_runtime(eddy::runtime::IoBackend::Auto), ())
    }

    fn run<T: Send + 'static>(
        rt: &eddy::Runtime,
        _: (),
        f: impl Future<Output = T> + Send + 'static,
    ) -> T {
        let task = rt.spawn(f);
        rt.block_on(task).unwrap()
    }

    fn spawn<T: Send + 'static>(
        _: (),
        f: impl Future<Output = T> + Send + 'static,
    ) -> impl Future<Output = T> + Send + 'static {
        let task = eddy::spawn(f);
        async move { task.await.unwrap() }
    }

    type Tx = eddy::sync::mpsc::Sender<u64>;
    type Rx = eddy::sync::mpsc::Receiver<u64>;
    fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
        eddy::sync::mpsc::channel(capacity)
    }
    async fn send(tx: &Self::Tx, v: u64) {
        tx.send(v).await.unwrap()
    }
    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv().await
    }

    type Mutex = eddy::sync::Mutex<u64>;
    fn mutex() -> Self::Mutex {
        eddy::sync::Mutex::new(0)
    }
    async fn lock_and_increment(m: &Self::Mutex) {
        *m.lock().await += 1;
    }

    type Semaphore = eddy::sync::Semaphore;
    fn semaphore(permits: usize) -> Self::Semaphore {
        eddy::sync::Semaphore::new(permits)
    }
    async fn acquire_and_release(s: &Self::Semaphore) {
        drop(s.acquire().await.unwrap());
    }

    type OneTx = eddy::sync::oneshot::Sender<u64>;
    type OneRx = eddy::sync::oneshot::Receiver<u64>;
    fn oneshot() -> (Self::OneTx, Self::OneRx) {
        eddy::sync::oneshot::channel()
    }
    fn oneshot_send(tx: Self::OneTx, v: u64) {
        tx.send(v).unwrap();
    }
    async fn oneshot_recv(rx: Self::OneRx) -> u64 {
        rx.await.unwrap()
    }
}

struct Tokio;

impl Lib for Tokio {
    const NAME: &'static str = "tokio";
    type Runtime = tokio::runtime::Runtime;
    type Ctx = ();

    fn build() -> (tokio::runtime::Runtime, ()) {
        // As in the scheduler benchmarks: timers on (eddy's runtime has a timer driver).
        (common::tokio_runtime(false), ())
    }

    fn run<T: Send + 'static>(
        rt: &tokio::runtime::Runtime,
        _: (),
        f: impl Future<Output = T> + Send + 'static,
    ) -> T {
        let task = rt.spawn(f);
        rt.block_on(task).unwrap()
    }

    fn spawn<T: Send + 'static>(
        _: (),
        f: impl Future<Output = T> + Send + 'static,
    ) -> impl Future<Output = T> + Send + 'static {
        let task = tokio::spawn(f);
        async move { task.await.unwrap() }
    }

    type Tx = tokio::sync::mpsc::Sender<u64>;
    type Rx = tokio::sync::mpsc::Receiver<u64>;
    fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
        tokio::sync::mpsc::channel(capacity)
    }
    async fn send(tx: &Self::Tx, v: u64) {
        tx.send(v).await.unwrap()
    }
    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv().await
    }

    type Mutex = tokio::sync::Mutex<u64>;
    fn mutex() -> Self::Mutex {
        tokio::sync::Mutex::new(0)
    }
    async fn lock_and_increment(m: &Self::Mutex) {
        *m.lock().await += 1;
    }

    type Semaphore = tokio::sync::Semaphore;
    fn semaphore(permits: usize) -> Self::Semaphore {
        tokio::sync::Semaphore::new(permits)
    }
    async fn acquire_and_release(s: &Self::Semaphore) {
        drop(s.acquire().await.unwrap());
    }

    type OneTx = tokio::sync::oneshot::Sender<u64>;
    type OneRx = tokio::sync::oneshot::Receiver<u64>;
    fn oneshot() -> (Self::OneTx, Self::OneRx) {
        tokio::sync::oneshot::channel()
    }
    fn oneshot_send(tx: Self::OneTx, v: u64) {
        tx.send(v).unwrap();
    }
    async fn oneshot_recv(rx: Self::OneRx) -> u64 {
        rx.await.unwrap()
    }
}

/// smol: async-executor run by [`NUM_WORKERS`] threads; async-channel and async-lock.
/// smol has no oneshot: a `bounded(1)` async-channel stands in (sent with `try_send`).
struct Smol;

impl Lib for Smol {
    const NAME: &'static str = "smol";
    type Runtime = common::SmolPool;
    type Ctx = &'static async_executor::Executor<'static>;

    fn build() -> (common::SmolPool, Self::Ctx) {
        let pool = common::SmolPool::new(NUM_WORKERS, futures_lite::future::block_on);
        let ex = pool.ex;
        (pool, ex)
    }

    fn run<T: Send + 'static>(
        _: &common::SmolPool,
        ex: Self::Ctx,
        f: impl Future<Output = T> + Send + 'static,
    ) -> T {
        futures_lite::future::block_on(ex.spawn(f))
    }

    fn spawn<T: Send + 'static>(
        ex: Self::Ctx,
        f: impl Future<Output = T> + Send + 'static,
    ) -> impl Future<Output = T> + Send + 'static {
        ex.spawn(f)
    }

    type Tx = async_channel::Sender<u64>;
    type Rx = async_channel::Receiver<u64>;
    fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
        async_channel::bounded(capacity)
    }
    async fn send(tx: &Self::Tx, v: u64) {
        tx.send(v).await.unwrap()
    }
    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv().await.ok()
    }

    type Mutex = async_lock::Mutex<u64>;
    fn mutex() -> Self::Mutex {
        async_lock::Mutex::new(0)
    }
    async fn lock_and_increment(m: &Self::Mutex) {
        *m.lock().await += 1;
    }

    type Semaphore = async_lock::Semaphore;
    fn semaphore(permits: usize) -> Self::Semaphore {
        async_lock::Semaphore::new(permits)
    }
    async fn acquire_and_release(s: &Self::Semaphore) {
        drop(s.acquire().await);
    }

    type OneTx = async_channel::Sender<u64>;
    type OneRx = async_channel::Receiver<u64>;
    fn oneshot() -> (Self::OneTx, Self::OneRx) {
        async_channel::bounded(1)
    }
    fn oneshot_send(tx: Self::OneTx, v: u64) {
        tx.try_send(v).unwrap();
    }
    async fn oneshot_recv(rx: Self::OneRx) -> u64 {
        rx.recv().await.unwrap()
    }
}

// ---------------------------------------------------------------------------------------
// Workloads, each written once for all three.
// ---------------------------------------------------------------------------------------

/// [`MESSAGES`] u64s through a bounded channel of [`CAPACITY`], from `producers` tasks to
/// one receiving task.
fn mpsc<L: Lib>(g: &mut BenchmarkGroup<'_, WallTime>, producers: u64) {
    let (rt, ctx) = L::build();
    g.bench_function(L::NAME, |b| {
        b.iter(|| {
            L::run(&rt, ctx, async move {
                let (tx, mut rx) = L::channel(CAPACITY);
                let senders: Vec<_> = (0..producers)
                    .map(|_| {
                        let tx = tx.clone();
                        L::spawn(ctx, async move {
                            for i in 0..MESSAGES / producers {
                                L::send(&tx, i).await;
                            }
                        })
                    })
                    .collect();
                drop(tx);
                let mut received = 0;
                while L::recv(&mut rx).await.is_some() {
                    received += 1;
                }
                assert_eq!(received, MESSAGES);
                for s in senders {
                    s.await;
                }
            })
        })
    });
}

fn mpsc_1_producer<L: Lib>(g: &mut BenchmarkGroup<'_, WallTime>) {
    mpsc::<L>(g, 1);
}

fn mpsc_4_producers<L: Lib>(g: &mut BenchmarkGroup<'_, WallTime>) {
    mpsc::<L>(g, 4);
}

/// [`CONTENDERS`] tasks each lock a shared mutex [`OPS`] times and increment the count.
fn mutex_contended<L: Lib>(g: &mut BenchmarkGroup<'_, WallTime>) {
    let (rt, ctx) = L::build();
    g.bench_function(L::NAME, |b| {
        b.iter(|| {
            L::run(&rt, ctx, async move {
                let m = std::sync::Arc::new(L::mutex());
                let tasks: Vec<_> = (0..CONTENDERS)
                    .map(|_| {
                        let m = m.clone();
                        L::spawn(ctx, async move {
                            for _ in 0..OPS {
                                L::lock_and_increment(&m).await;
                            }
                        })
                    })
                    .collect();
                for t in tasks {
                    t.await;
                }
            })
        })
    });
}

/// [`CONTENDERS`] tasks each acquire and release one of 2 permits [`OPS`] times.
fn semaphore_contended<L: Lib>(g: &mut BenchmarkGroup<'_, WallTime>) {
    let (rt, ctx) = L::build();
    g.bench_function(L::NAME, |b| {
        b.iter(|| {
            L::run(&rt, ctx, async move {
                let s = std::sync::Arc::new(L::semaphore(2));
                let tasks: Vec<_> = (0..CONTENDERS)
                    .map(|_| {
                        let s = s.clone();
                        L::spawn(ctx, async move {
                            for _ in 0..OPS {
                                L::acquire_and_release(&s).await;
                            }
                        })
                    })
                    .collect();
                for t in tasks {
                    t.await;
                }
            })
        })
    });
}

/// Two tasks bounce a counter [`ROUND_TRIPS`] times, each hop a fresh oneshot that
/// carries the sender of the reply.
fn oneshot_ping_pong<L: Lib>(g: &mut BenchmarkGroup<'_, WallTime>) {
    let (rt, ctx) = L::build();
    g.bench_function(L::NAME, |b| {
        b.iter(|| {
            L::run(&rt, ctx, async move {
                // Each round's pair of oneshots reaches the ponger over one unbounded
                // async-channel (the same for all three), sent before the ping.
                let (ping_tx, mut ping_rx) = pair_channel::<L>();
                let ponger = L::spawn(ctx, async move {
                    while let Some((rx, tx)) = ping_rx.recv().await {
                        let v = L::oneshot_recv(rx).await;
                        L::oneshot_send(tx, v + 1);
                    }
                });
                let mut v = 0;
                for _ in 0..ROUND_TRIPS {
                    let (tx, rx) = L::oneshot();
                    let (back_tx, back_rx) = L::oneshot();
                    ping_tx.send((rx, back_tx)).unwrap();
                    L::oneshot_send(tx, v);
                    v = L::oneshot_recv(back_rx).await;
                }
                drop(ping_tx);
                ponger.await;
                assert_eq!(v, ROUND_TRIPS as u64);
            })
        })
    });
}

/// How the ping-pong hands each round's oneshots to the ponger: the same unbounded
/// async-channel for every library, so only the oneshots differ.
struct PairRx<L: Lib>(async_channel::Receiver<(L::OneRx, L::OneTx)>);

impl<L: Lib> PairRx<L> {
    async fn recv(&mut self) -> Option<(L::OneRx, L::OneTx)> {
        self.0.recv().await.ok()
    }
}

struct PairTx<L: Lib>(async_channel::Sender<(L::OneRx, L::OneTx)>);

impl<L: Lib> PairTx<L> {
    fn send(&self, pair: (L::OneRx, L::OneTx)) -> Result<(), ()> {
        self.0.try_send(pair).map_err(|_| ())
    }
}

fn pair_channel<L: Lib>() -> (PairTx<L>, PairRx<L>) {
    let (tx, rx) = async_channel::unbounded();
    (PairTx(tx), PairRx(rx))
}

// ---------------------------------------------------------------------------------------
// Groups.
// ---------------------------------------------------------------------------------------

fn sync(c: &mut Criterion) {
    workload!(c, mpsc_1_producer);
    workload!(c, mpsc_4_producers);
    workload!(c, mutex_contended);
    workload!(c, semaphore_contended);
    workload!(c, oneshot_ping_pong);
}

fn config() -> Criterion {
    // 1M-message iterations take tens of milliseconds: 10 samples keep the run short.
    common::criterion(10, 3)
}

criterion_group! {
    name = benches;
    config = config();
    targets = sync
}
criterion_main!(benches);
