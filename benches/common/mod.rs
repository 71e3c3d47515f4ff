//! Shared by the benchmark files: the runtimes' set-up (the same worker count for
//! eddy, tokio and smol's standard multi-threaded pool), criterion's settings, and the
//! one-group-per-workload layout that `benches/ratios.py` reads.

use std::future::Future;
use std::pin::Pin;
use std::thread;
use std::time::Duration;

use criterion::Criterion;

/// Worker threads for every runtime.
pub const NUM_WORKERS: usize = 2;

/// eddy's multi-threaded runtime with [`NUM_WORKERS`] workers on `backend`'s poller
/// (`IoBackend::Auto`: `EDDY_IO_BACKEND` if set, else epoll on Linux).
pub fn eddy_runtime(backend: eddy::runtime::IoBackend) -> eddy::Runtime {
    eddy::Runtime::builder()
        .worker_threads(NUM_WORKERS)
        .io_backend(backend)
        .build()
        .unwrap()
}

/// tokio's multi-threaded runtime with [`NUM_WORKERS`] workers and its timer driver (as
/// eddy's runtime has one); `enable_io` adds its I/O driver (`enable_all`).
pub fn tokio_runtime(enable_io: bool) -> tokio::runtime::Runtime {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder.worker_threads(NUM_WORKERS).enable_time();
    if enable_io {
        builder.enable_io();
    }
    builder.build().unwrap()
}

/// criterion's settings: `sample_size` samples, 1 s of warm-up, `measurement_secs` of
/// measurement per benchmark.
pub fn criterion(sample_size: usize, measurement_secs: u64) -> Criterion {
    Criterion::default()
        .sample_size(sample_size)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(measurement_secs))
}

/// One criterion group per workload, named after it, with the benchmarks `eddy`, `tokio`
/// and `smol` in it (in that order): `$workload::<Eddy>`, `::<Tokio>` and `::<Smol>`,
/// the types of the calling file. A list of types in brackets after the workload replaces
/// those three (`benches/net.rs` runs eddy once per I/O backend). An optional `Throughput`
/// is declared for the group.
macro_rules! workload {
    ($c:expr, $workload:ident, [$($rt:ty),+ $(,)?] $(, $throughput:expr)?) => {{
        let mut g = $c.benchmark_group(stringify!($workload));
        $(g.throughput($throughput);)?
        $($workload::<$rt>(&mut g);)+
        g.finish();
    }};
    ($c:expr, $workload:ident $(, $throughput:expr)?) => {
        workload!($c, $workload, [Eddy, Tokio, Smol] $(, $throughput)?)
    };
}
pub(crate) use workload;

/// A future the pool's threads run until shutdown.
pub type Runner = Pin<Box<dyn Future<Output = ()> + Send>>;

/// An `async_executor::Executor` run by N threads, each in `block_on(ex.run(..))`.
/// Leaked (a few bytes per benchmark group) so tasks can hold a `&'static` to it, as with
/// the usual `static EX: Executor`.
pub struct SmolPool {
    pub ex: &'static async_executor::Executor<'static>,
    shutdown: Option<async_channel::Sender<()>>,
    threads: Vec<thread::JoinHandle<()>>,
}

impl SmolPool {
    /// `workers` threads, each blocking in `block_on` — futures-lite's (a plain parker),
    /// or async-io's (which also drives async-io's timers while idle).
    pub fn new(workers: usize, block_on: fn(Runner)) -> SmolPool {
        let ex: &'static async_executor::Executor<'static> =
            Box::leak(Box::new(async_executor::Executor::new()));
        let (shutdown, signal) = async_channel::bounded::<()>(1);
        let threads = (0..workers)
            .map(|i| {
                let signal = signal.clone();
                thread::Builder::new()
                    .name(format!("smol-worker-{i}"))
                    .spawn(move || {
                        block_on(Box::pin(ex.run(async move {
                            // Returns when the sender is dropped.
                            let _ = signal.recv().await;
                        })))
                    })
                    .unwrap()
            })
            .collect();
        SmolPool {
            ex,
            shutdown: Some(shutdown),
            threads,
        }
    }
}

impl Drop for SmolPool {
    fn drop(&mut self) {
        drop(self.shutdown.take());
        for t in self.threads.drain(..) {
            t.join().unwrap();
        }
    }
}
