//! Cost growth, idle-task axis: N tasks, each parked on a oneshot receiver whose sender
//! the benchmark holds, for N = 1k, 10k, 100k and 1M — eddy vs tokio vs smol in one run,
//! each on a multi-threaded runtime with 2 workers (smol: an `async_executor::Executor`
//! run by 2 threads).
//!
//! Each measurement, on a fresh runtime:
//!
//! 1. One task spawns the N idle tasks (`spawn_ns_per_task`: the spawn loop's wall time
//!    over N; `spawn_cpu_ns_per_task`: its thread's CPU time over N, which the other
//!    threads of a shared machine do not inflate), each `async move { POLLED += 1; rx.await }`, keeping the senders and the
//!    join handles in vectors allocated beforehand.
//! 2. Once every task has been polled once (the `POLLED` counter) and so holds its
//!    waker in the oneshot, the counting allocator's live bytes minus the baseline,
//!    over N, is `bytes_per_task` (what the runtime and the oneshot asked for); the same
//!    with `malloc_usable_size` is `usable_bytes_per_task` (glibc's rounding included);
//!    the resident set (`/proc/self/statm`) minus the baseline, over N, is
//!    `rss_bytes_per_task`, the check on the allocator's own overhead.
//! 3. Every sender sends, every handle is joined (each task returns its value), and the
//!    live bytes left over (`leftover_bytes`, the whole run, not per task) must be small
//!    and must not grow with N — everything was freed.
//!
//! The oneshots: `eddy::sync::oneshot`, `tokio::sync::oneshot`, and for smol
//! `futures::channel::oneshot` (futures-channel). smol has no oneshot of its own; its
//! users take the runtime-neutral one from `futures`. The other candidate, the
//! `async-channel` `bounded(1)` that smol re-exports as `smol::channel` (benches/sync.rs
//! uses it for speed), is a general MPMC channel of about 1 KB: it would measure the
//! channel, not the executor. The value is a `u64`.
//!
//! Rounds are interleaved (every N and runtime once per round) and the CSV holds the
//! medians: `target/growth/tasks.csv`, rows `tasks,<runtime>,<n>,<metric>,<value>,<unit>`.
//! `GROWTH_ROUNDS` (default 5) and `GROWTH_MAX_N` (default 1000000) shrink the run.
//!
//! Run with `cargo bench --bench growth_tasks`. Linux with glibc only.

#![allow(missing_docs)]

// Only the smol pool is used from the shared set-up.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(dead_code, unused_macros, unused_imports)]
mod common;

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn main() {
    bench::main();
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn main() {
    eprintln!("growth_tasks needs glibc (malloc_usable_size, malloc_trim) and /proc: Linux only");
}

/// The benchmark (glibc and /proc: Linux with glibc only).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod bench {
    use crate::common;

    use std::alloc::{GlobalAlloc, Layout, System};
    use std::collections::BTreeMap;
    use std::fmt::Write as _;
    use std::future::Future;
    use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering::Relaxed};
    use std::time::{Duration, Instant};

    /// Counts what is asked for and what glibc hands out, live.
    struct Counting;

    static LIVE: AtomicIsize = AtomicIsize::new(0);
    static USABLE: AtomicIsize = AtomicIsize::new(0);

    fn usable(ptr: *mut u8) -> isize {
        // SAFETY: `ptr` is a live block from the system allocator (glibc's malloc).
        unsafe { libc::malloc_usable_size(ptr.cast()) as isize }
    }

    // SAFETY: every call is forwarded to `System`; the counters only observe.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            // SAFETY: forwarded with the caller's contract.
            let ptr = unsafe { System.alloc(layout) };
            if !ptr.is_null() {
                LIVE.fetch_add(layout.size() as isize, Relaxed);
                USABLE.fetch_add(usable(ptr), Relaxed);
            }
            ptr
        }

        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            // SAFETY: forwarded with the caller's contract.
            let ptr = unsafe { System.alloc_zeroed(layout) };
            if !ptr.is_null() {
                LIVE.fetch_add(layout.size() as isize, Relaxed);
                USABLE.fetch_add(usable(ptr), Relaxed);
            }
            ptr
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            LIVE.fetch_sub(layout.size() as isize, Relaxed);
            USABLE.fetch_sub(usable(ptr), Relaxed);
            // SAFETY: forwarded with the caller's contract.
            unsafe { System.dealloc(ptr, layout) }
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            let before = usable(ptr);
            // SAFETY: forwarded with the caller's contract.
            let new = unsafe { System.realloc(ptr, layout, new_size) };
            if !new.is_null() {
                LIVE.fetch_add(new_size as isize - layout.size() as isize, Relaxed);
                USABLE.fetch_add(usable(new) - before, Relaxed);
            }
            new
        }
    }

    #[global_allocator]
    static ALLOC: Counting = Counting;

    /// Tasks polled at least once, in this measurement.
    static POLLED: AtomicUsize = AtomicUsize::new(0);

    const NS: [usize; 4] = [1_000, 10_000, 100_000, 1_000_000];

    fn rss_bytes() -> isize {
        let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm");
        let pages: isize = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
        // SAFETY: sysconf has no preconditions.
        pages * unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as isize
    }

    /// Gives freed memory back to the OS, so the next resident-set baseline is low.
    fn trim() {
        // SAFETY: malloc_trim has no preconditions.
        unsafe { libc::malloc_trim(0) };
    }

    /// This thread's CPU time: the spawn loop's cost without the time the OS gave to other
    /// threads (the machine may be shared; the loop never awaits, so it stays on one thread).
    fn thread_cpu() -> Duration {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid timespec to write to.
        let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
        assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
        Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
    }

    struct Sample {
        bytes: f64,
        usable: f64,
        rss: f64,
        spawn_ns: f64,
        spawn_cpu_ns: f64,
        leftover: f64,
    }

    /// A runtime, its oneshot and its spawn.
    trait Lib {
        const NAME: &'static str;
        type Rt;
        type Tx: Send + 'static;
        type Handle: Send + 'static;
        fn build() -> Self::Rt;
        /// Runs `f` as a task on a worker and waits for it.
        fn run<T: Send + 'static>(rt: &Self::Rt, f: impl Future<Output = T> + Send + 'static) -> T;
        /// From inside a task: a oneshot, and a task parked on its receiver.
        fn spawn_idle(ctx: Ctx) -> (Self::Tx, Self::Handle);
        fn send(tx: Self::Tx, v: u64);
        fn join(h: Self::Handle) -> impl Future<Output = u64> + Send;
        /// What each task is handed (the runtime's context, where it needs one).
        fn ctx(rt: &Self::Rt) -> Ctx;
    }

    /// What a spawning task needs to reach its runtime.
    #[derive(Clone, Copy)]
    enum Ctx {
        None,
        Smol(&'static async_executor::Executor<'static>),
    }

    struct Eddy;

    impl Lib for Eddy {
        const NAME: &'static str = "eddy";
        type Rt = eddy::Runtime;
        type Tx = eddy::sync::oneshot::Sender<u64>;
        type Handle = eddy::task::JoinHandle<u64>;
        fn build() -> eddy::Runtime {
            common::eddy_runtime(eddy::runtime::IoBackend::Auto)
        }
        fn run<T: Send + 'static>(
            rt: &eddy::Runtime,
            f: impl Future<Output = T> + Send + 'static,
        ) -> T {
            let task = rt.spawn(f);
            rt.block_on(task).unwrap()
        }
        fn spawn_idle(_: Ctx) -> (Self::Tx, Self::Handle) {
            let (tx, rx) = eddy::sync::oneshot::channel();
            let handle = eddy::spawn(async move {
                POLLED.fetch_add(1, Relaxed);
                rx.await.unwrap()
            });
            (tx, handle)
        }
        fn send(tx: Self::Tx, v: u64) {
            tx.send(v).unwrap();
        }
        async fn join(h: Self::Handle) -> u64 {
            h.await.unwrap()
        }
        fn ctx(_: &eddy::Runtime) -> Ctx {
            Ctx::None
        }
    }

    struct Tokio;

    impl Lib for Tokio {
        const NAME: &'static str = "tokio";
        type Rt = tokio::runtime::Runtime;
        type Tx = tokio::sync::oneshot::Sender<u64>;
        type Handle = tokio::task::JoinHandle<u64>;
        fn build() -> tokio::runtime::Runtime {
            common::tokio_runtime(true)
        }
        fn run<T: Send + 'static>(
            rt: &tokio::runtime::Runtime,
            f: impl Future<Output = T> + Send + 'static,
        ) -> T {
            let task = rt.spawn(f);
            rt.block_on(task).unwrap()
        }
        fn spawn_idle(_: Ctx) -> (Self::Tx, Self::Handle) {
            let (tx, rx) = tokio::sync::oneshot::channel();
            let handle = tokio::spawn(async move {
                POLLED.fetch_add(1, Relaxed);
                rx.await.unwrap()
            });
            (tx, handle)
        }
        fn send(tx: Self::Tx, v: u64) {
            tx.send(v).unwrap();
        }
        async fn join(h: Self::Handle) -> u64 {
            h.await.unwrap()
        }
        fn ctx(_: &tokio::runtime::Runtime) -> Ctx {
            Ctx::None
        }
    }

    struct Smol;

    impl Lib for Smol {
        const NAME: &'static str = "smol";
        type Rt = common::SmolPool;
        type Tx = futures_channel::oneshot::Sender<u64>;
        type Handle = async_executor::Task<u64>;
        fn build() -> common::SmolPool {
            common::SmolPool::new(common::NUM_WORKERS, futures_lite::future::block_on)
        }
        fn run<T: Send + 'static>(
            rt: &common::SmolPool,
            f: impl Future<Output = T> + Send + 'static,
        ) -> T {
            futures_lite::future::block_on(rt.ex.spawn(f))
        }
        fn spawn_idle(ctx: Ctx) -> (Self::Tx, Self::Handle) {
            let Ctx::Smol(ex) = ctx else {
                unreachable!("smol's context")
            };
            let (tx, rx) = futures_channel::oneshot::channel();
            let handle = ex.spawn(async move {
                POLLED.fetch_add(1, Relaxed);
                rx.await.unwrap()
            });
            (tx, handle)
        }
        fn send(tx: Self::Tx, v: u64) {
            tx.send(v).unwrap();
        }
        async fn join(h: Self::Handle) -> u64 {
            h.await
        }
        fn ctx(rt: &common::SmolPool) -> Ctx {
            Ctx::Smol(rt.ex)
        }
    }

    /// One measurement of `n` idle tasks on a fresh runtime.
    fn measure<L: Lib>(n: usize) -> Sample
    where
        L::Rt: 'static,
    {
        let rt = L::build();
        let ctx = L::ctx(&rt);
        // Warm the runtime up (threads started, thread-locals made) outside the baseline.
        L::run(&rt, async {});
        let mut txs: Vec<L::Tx> = Vec::with_capacity(n);
        let mut handles: Vec<L::Handle> = Vec::with_capacity(n);
        POLLED.store(0, Relaxed);
        trim();
        let (live0, usable0, rss0) = (LIVE.load(Relaxed), USABLE.load(Relaxed), rss_bytes());

        // The spawn loop runs in a task, as a server's accept loop would.
        let (txs_back, handles_back, spawn_time, spawn_cpu) = L::run(&rt, async move {
            let (start, cpu) = (Instant::now(), thread_cpu());
            for _ in 0..n {
                let (tx, handle) = L::spawn_idle(ctx);
                txs.push(tx);
                handles.push(handle);
            }
            let (elapsed, cpu) = (start.elapsed(), thread_cpu() - cpu);
            (txs, handles, elapsed, cpu)
        });
        let (mut txs, handles) = (txs_back, handles_back);
        let deadline = Instant::now() + Duration::from_secs(120);
        while POLLED.load(Relaxed) < n {
            assert!(
                Instant::now() < deadline,
                "{}: tasks were not all polled",
                L::NAME
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        // Let the workers go idle (queues drained, nothing in flight).
        std::thread::sleep(Duration::from_millis(20));
        let live = LIVE.load(Relaxed) - live0;
        let usable = USABLE.load(Relaxed) - usable0;
        let rss = rss_bytes() - rss0;

        for (i, tx) in txs.drain(..).enumerate() {
            L::send(tx, i as u64);
        }
        let sum = L::run(&rt, async move {
            let mut sum = 0u64;
            for h in handles {
                sum += L::join(h).await;
            }
            sum
        });
        assert_eq!(
            sum,
            (n as u64) * (n as u64 - 1) / 2,
            "{}: every task returned its value",
            L::NAME
        );
        drop(txs);
        std::thread::sleep(Duration::from_millis(20));
        // The two vectors were allocated before the baseline and are freed now.
        let vecs = n * (std::mem::size_of::<L::Tx>() + std::mem::size_of::<L::Handle>());
        let leftover = LIVE.load(Relaxed) - live0 + vecs as isize;
        drop(rt);
        let nf = n as f64;
        Sample {
            bytes: live as f64 / nf,
            usable: usable as f64 / nf,
            rss: rss as f64 / nf,
            spawn_ns: spawn_time.as_nanos() as f64 / nf,
            spawn_cpu_ns: spawn_cpu.as_nanos() as f64 / nf,
            leftover: leftover as f64,
        }
    }

    fn median(v: &mut [f64]) -> f64 {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let m = v.len() / 2;
        if v.len() % 2 == 1 {
            v[m]
        } else {
            (v[m - 1] + v[m]) / 2.0
        }
    }

    fn env_usize(name: &str, default: usize) -> usize {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    }

    pub fn main() {
        // `cargo bench` passes `--bench`; `cargo test --benches` does not: then one small
        // round checks that the benchmark runs.
        let bench = std::env::args().any(|a| a == "--bench");
        let rounds = if bench {
            env_usize("GROWTH_ROUNDS", 5)
        } else {
            1
        };
        let max_n = if bench {
            env_usize("GROWTH_MAX_N", 1_000_000)
        } else {
            1_000
        };
        let ns: Vec<usize> = NS.iter().copied().filter(|&n| n <= max_n).collect();

        // (runtime, n) -> samples
        let mut samples: BTreeMap<(&str, usize), Vec<Sample>> = BTreeMap::new();
        for round in 0..rounds {
            for &n in &ns {
                for (name, s) in [
                    (Eddy::NAME, measure::<Eddy>(n)),
                    (Tokio::NAME, measure::<Tokio>(n)),
                    (Smol::NAME, measure::<Smol>(n)),
                ] {
                    eprintln!(
                    "round {round} {name:5} n={n:7}: {:6.1} B/task ({:6.1} usable, {:6.1} rss), {:6.1} ns/spawn ({:6.1} cpu), {} B left",
                    s.bytes, s.usable, s.rss, s.spawn_ns, s.spawn_cpu_ns, s.leftover
                );
                    samples.entry((name, n)).or_default().push(s);
                }
            }
        }

        let mut csv = String::new();
        let mut table = String::new();
        writeln!(
            table,
            "{:6} {:>8} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}",
            "rt", "n", "B/task", "usable", "rss", "ns/spawn", "cpu ns", "left B"
        )
        .unwrap();
        for &n in &ns {
            for name in [Eddy::NAME, Tokio::NAME, Smol::NAME] {
                let s = &samples[&(name, n)];
                let med = |f: fn(&Sample) -> f64| median(&mut s.iter().map(f).collect::<Vec<_>>());
                let row = [
                    ("bytes_per_task", med(|s| s.bytes), "B"),
                    ("usable_bytes_per_task", med(|s| s.usable), "B"),
                    ("rss_bytes_per_task", med(|s| s.rss), "B"),
                    ("spawn_ns_per_task", med(|s| s.spawn_ns), "ns"),
                    ("spawn_cpu_ns_per_task", med(|s| s.spawn_cpu_ns), "ns"),
                    ("leftover_bytes", med(|s| s.leftover), "B"),
                ];
                for (metric, value, unit) in row {
                    writeln!(csv, "tasks,{name},{n},{metric},{value:.1},{unit}").unwrap();
                }
                writeln!(
                    table,
                    "{name:6} {n:>8} {:>10.1} {:>10.1} {:>10.1} {:>10.1} {:>10.1} {:>10.0}",
                    row[0].1, row[1].1, row[2].1, row[3].1, row[4].1, row[5].1
                )
                .unwrap();
            }
        }
        println!("idle tasks awaiting a oneshot, medians of {rounds} round(s):\n{table}");
        if bench {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/growth");
            let dir = std::env::var_os("CARGO_TARGET_DIR")
                .map(|t| std::path::PathBuf::from(t).join("growth"))
                .unwrap_or(dir);
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join("tasks.csv");
            std::fs::write(&path, csv).unwrap();
            println!("wrote {}", path.display());
        }
    }
}
