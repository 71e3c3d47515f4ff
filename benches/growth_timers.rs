//! Cost growth, the timers axis: what one pending timer costs to insert, to cancel and to
//! fire when 1k, 10k, 100k or 1M of them are pending at once — eddy vs tokio vs smol
//! (async-io's `Timer` on async-executor), 2 worker threads each, in one process run.
//!
//! The shape is a server's: timeouts registered from tasks running on every worker, spread
//! over the future, most of them cancelled, the rest firing and waking their tasks.
//!
//! * **insert**: [`HOLDERS`] tasks share the N sleeps; each creates its share with
//!   `sleep(d)` (what a server's `timeout(d, ..)` does) and polls each once, [`CHUNK`] per
//!   task poll, then yields (a server's task registers a timer or two per poll, so no task
//!   poll registers more than the runtimes' cooperative budget allows). The sleeps stay in
//!   the task's own buffer, as a timeout sits inside its task's future: no box per timer.
//! * **cancel**: the same tasks drop their sleeps (all still pending).
//! * Both figures are net of the harness: each round first runs the same two phases with
//!   holders that create and poll no sleep (the same spawns, chunks, yields, channel and
//!   buffer), and that baseline's CPU time is subtracted before dividing by N. Otherwise
//!   the fixed costs, divided by N, would inflate the small Ns and make the curve fall.
//! * Below [`MIN_TIMERS`] a round repeats both (baseline, then with sleeps) until it has
//!   handled that many timers, N pending at a time, and divides the sums: at N = 1k one
//!   pass is ~0.1 ms of work against a baseline whose wake-ups and parks vary by about as
//!   much, so single passes gave anything from negative figures to twice the true cost.
//! * **fire**: N tasks, one per sleep (a server's connection task waiting on its timeout),
//!   each registers its sleep in its first poll and finishes when it fires. Measured from
//!   the moment every sleep is registered (before the first deadline) to the last task's
//!   end: the wheel's walk, the wake-ups, the tasks' polls and their completion.
//!
//! Every cost is **CPU time of the whole process** (`getrusage`, user + system, every
//! thread) during the phase, divided by N: with two workers, wall time would halve the
//! cost of whichever runtime spreads the work best, and idle time (waiting for deadlines)
//! is not a cost.
//!
//! Deadlines (the same for all three runtimes): timer `i` of N sleeps
//! `50 ms + 5 µs·N + spread(i)`, `spread(i)` a multiplicative hash of `i` modulo N µs:
//! one deadline per µs on average whatever N is (the same density), late enough that the
//! insert phase and the fire phase's spawning end before the first one. A fire round in
//! which a deadline came before every sleep was registered is reported and discarded.
//!
//! Rounds are interleaved (eddy, tokio, smol, eddy, ...); each figure is the median of
//! [`ROUNDS`] rounds, at every N. Rows `timers,<runtime>,<n>,<metric>,<value>,ns`
//! go to `target/growth/timers.csv` (`$CARGO_TARGET_DIR/growth/` if set), for
//! `python3 scripts/chart.py growth`.
//!
//! Run with `cargo bench --bench growth_timers` (about three minutes, most of it the 1M
//! fire phases waiting for their deadlines, ~6 s each); arguments after `--`
//! pick the Ns (`cargo bench --bench growth_timers -- 1000 10000`).

// The runtimes' wrappers are written out for each; their items need no docs.
#![allow(missing_docs)]

#[cfg(unix)]
#[allow(dead_code, unused_imports, unused_macros)]
mod common;

#[cfg(unix)]
fn main() {
    bench::main();
}

#[cfg(not(unix))]
fn main() {
    eprintln!("growth_timers measures CPU time with getrusage: Unix only");
}

#[cfg(unix)]
mod bench {
    use std::future::{poll_fn, Future};
    use std::io::Write;
    use std::pin::{pin, Pin};
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::*};
    use std::sync::Arc;
    use std::task::Poll;
    use std::time::{Duration, Instant};

    use crate::common::{self, NUM_WORKERS};

    /// Tasks that share the sleeps of the insert and cancel phases.
    pub const HOLDERS: usize = 8;
    /// Sleeps a holder creates and polls per task poll (below both runtimes' budget, 128).
    pub const CHUNK: usize = 100;
    /// Rounds per runtime and N.
    pub const ROUNDS: usize = 5;
    /// Timers an insert/cancel measurement handles at least, in passes of N (module docs).
    pub const MIN_TIMERS: usize = 100_000;
    /// The Ns, unless given on the command line.
    const SIZES: [usize; 4] = [1_000, 10_000, 100_000, 1_000_000];

    /// What the workloads need from a runtime.
    trait Rt: Sized + 'static {
        const NAME: &'static str;
        type Sleep: Future + Send + 'static;
        fn build() -> Self;
        fn spawn(&self, f: impl Future<Output = ()> + Send + 'static);
        fn block_on<F: Future>(&self, f: F) -> F::Output;
        /// Created inside a task (tokio's needs its runtime then).
        fn sleep(d: Duration) -> Self::Sleep;
        fn yield_now() -> impl Future<Output = ()> + Send;
    }

    struct Eddy(eddy::Runtime);

    impl Rt for Eddy {
        const NAME: &'static str = "eddy";
        type Sleep = eddy::time::Sleep;
        fn build() -> Self {
            Eddy(common::eddy_runtime(eddy::runtime::IoBackend::Auto))
        }
        fn spawn(&self, f: impl Future<Output = ()> + Send + 'static) {
            drop(self.0.spawn(f));
        }
        fn block_on<F: Future>(&self, f: F) -> F::Output {
            self.0.block_on(f)
        }
        fn sleep(d: Duration) -> Self::Sleep {
            eddy::time::sleep(d)
        }
        fn yield_now() -> impl Future<Output = ()> + Send {
            eddy::task::yield_now()
        }
    }

    struct Tokio(tokio::runtime::Runtime);

    impl Rt for Tokio {
        const NAME: &'static str = "tokio";
        type Sleep = tokio::time::Sleep;
        fn build() -> Self {
            Tokio(common::tokio_runtime(false))
        }
        fn spawn(&self, f: impl Future<Output = ()> + Send + 'static) {
            drop(self.0.spawn(f));
        }
        fn block_on<F: Future>(&self, f: F) -> F::Output {
            self.0.block_on(f)
        }
        fn sleep(d: Duration) -> Self::Sleep {
            tokio::time::sleep(d)
        }
        fn yield_now() -> impl Future<Output = ()> + Send {
            tokio::task::yield_now()
        }
    }

    /// smol: async-executor run by 2 threads in `async_io::block_on`, async-io's `Timer`
    /// (driven by whichever thread polls async-io's reactor), as in any smol program.
    struct Smol(common::SmolPool);

    impl Rt for Smol {
        const NAME: &'static str = "smol";
        type Sleep = async_io::Timer;
        fn build() -> Self {
            Smol(common::SmolPool::new(NUM_WORKERS, |f| {
                async_io::block_on(f)
            }))
        }
        fn spawn(&self, f: impl Future<Output = ()> + Send + 'static) {
            self.0.ex.spawn(f).detach();
        }
        fn block_on<F: Future>(&self, f: F) -> F::Output {
            async_io::block_on(f)
        }
        fn sleep(d: Duration) -> Self::Sleep {
            async_io::Timer::after(d)
        }
        fn yield_now() -> impl Future<Output = ()> + Send {
            futures_lite::future::yield_now()
        }
    }

    /// The shortest delay when `n` are pending: 50 ms + 5 µs per timer.
    fn base(n: usize) -> Duration {
        Duration::from_micros(50_000 + 5 * n as u64)
    }

    /// Timer `i`'s delay when `n` are pending (module docs): the base plus a spread of
    /// `n` µs.
    fn delay(i: usize, n: usize) -> Duration {
        let spread = ((i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 16) % n as u64;
        base(n) + Duration::from_micros(spread)
    }

    /// Counts arrivals; the last one tells the benchmark thread.
    struct Countdown {
        left: AtomicUsize,
        done: async_channel::Sender<()>,
    }

    impl Countdown {
        fn new(n: usize) -> (Arc<Countdown>, async_channel::Receiver<()>) {
            let (done, wait) = async_channel::bounded(1);
            let left = AtomicUsize::new(n);
            (Arc::new(Countdown { left, done }), wait)
        }

        fn arrive(&self) {
            // AcqRel: the last arrival sees every earlier one's work.
            if self.left.fetch_sub(1, AcqRel) == 1 {
                self.done.try_send(()).unwrap();
            }
        }
    }

    /// Process CPU time (user + system, all threads).
    fn cpu_time() -> Duration {
        // SAFETY: `getrusage` writes a `rusage` into the zeroed one we pass (a plain C
        // struct for which all-zero is valid) and reads nothing else.
        let usage = unsafe {
            let mut usage: libc::rusage = std::mem::zeroed();
            assert_eq!(libc::getrusage(libc::RUSAGE_SELF, &mut usage), 0);
            usage
        };
        let tv = |t: libc::timeval| {
            Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
        };
        tv(usage.ru_utime) + tv(usage.ru_stime)
    }

    /// One round's costs at N, in ns per timer (CPU), and the wall times.
    #[derive(Clone, Copy, Debug, Default)]
    struct Round {
        insert: f64,
        cancel: f64,
        fire: f64,
        insert_wall: f64,
        cancel_wall: f64,
        /// False if a deadline came before every sleep of the fire phase was registered.
        fire_valid: bool,
    }

    /// A holder: creates and polls its share of the sleeps, reports, waits for the signal
    /// to cancel, drops them, reports. With `create` false (the baseline) it does all of
    /// that but create and poll the sleeps.
    async fn holder<R: Rt>(
        create: bool,
        share: std::ops::Range<usize>,
        n: usize,
        inserted: Arc<Countdown>,
        cancel: async_channel::Receiver<()>,
        cancelled: Arc<Countdown>,
        early: Arc<AtomicBool>,
    ) {
        let mut sleeps: Vec<R::Sleep> = Vec::with_capacity(share.len());
        let mut next = share.start;
        while next < share.end {
            let end = (next + CHUNK).min(share.end);
            poll_fn(|cx| {
                if !create {
                    return Poll::Ready(());
                }
                for i in next..end {
                    sleeps.push(R::sleep(delay(i, n)));
                    let sleep = sleeps.last_mut().unwrap();
                    // SAFETY: the capacity was reserved up front, so pushing never
                    // reallocates: no sleep moves from here until the vector is dropped,
                    // which drops each in place.
                    let sleep = unsafe { Pin::new_unchecked(sleep) };
                    if sleep.poll(cx).is_ready() {
                        early.store(true, Relaxed);
                    }
                }
                Poll::Ready(())
            })
            .await;
            next = end;
            R::yield_now().await;
        }
        inserted.arrive();
        cancel.recv().await.unwrap();
        drop(sleeps);
        cancelled.arrive();
    }

    /// A fire-phase task: registers its sleep, reports, waits for it.
    async fn sleeper<R: Rt>(i: usize, n: usize, registered: Arc<Countdown>, fired: Arc<Countdown>) {
        let mut sleep = pin!(R::sleep(delay(i, n)));
        let first = poll_fn(|cx| Poll::Ready(sleep.as_mut().poll(cx).is_pending())).await;
        registered.arrive();
        if first {
            sleep.await;
        }
        fired.arrive();
    }

    /// The insert and cancel phases' CPU and wall times, with sleeps (`create`) or without
    /// (the baseline).
    fn insert_cancel<R: Rt>(rt: &R, n: usize, create: bool) -> [Duration; 4] {
        let (inserted, inserted_wait) = Countdown::new(HOLDERS);
        let (cancelled, cancelled_wait) = Countdown::new(HOLDERS);
        let (cancel, cancel_wait) = async_channel::bounded(HOLDERS);
        let early = Arc::new(AtomicBool::new(false));
        let (cpu, wall) = (cpu_time(), Instant::now());
        for h in 0..HOLDERS {
            let share = h * n / HOLDERS..(h + 1) * n / HOLDERS;
            rt.spawn(holder::<R>(
                create,
                share,
                n,
                inserted.clone(),
                cancel_wait.clone(),
                cancelled.clone(),
                early.clone(),
            ));
        }
        rt.block_on(inserted_wait.recv()).unwrap();
        let (insert, insert_wall) = (cpu_time() - cpu, wall.elapsed());
        assert!(
            !early.load(Relaxed),
            "{}: a sleep of the insert phase completed in its first poll",
            R::NAME
        );
        let (cpu, wall) = (cpu_time(), Instant::now());
        for _ in 0..HOLDERS {
            cancel.try_send(()).unwrap();
        }
        rt.block_on(cancelled_wait.recv()).unwrap();
        [insert, insert_wall, cpu_time() - cpu, wall.elapsed()]
    }

    fn round<R: Rt>(rt: &R, n: usize) -> Round {
        let per_ns = |d: Duration| d.as_nanos() as f64 / n as f64;
        // Net of the baseline; getrusage's noise can make a small N's figure negative,
        // which is kept (the median over rounds settles it) rather than hidden.
        let net = |with: Duration, without: Duration| per_ns(with) - per_ns(without);
        let mut out = Round::default();

        // Insert, then cancel: the baseline, then with the sleeps; in passes of N until
        // MIN_TIMERS have been handled.
        let passes = MIN_TIMERS.div_ceil(n).max(1);
        let (mut harness, mut with) = ([Duration::ZERO; 4], [Duration::ZERO; 4]);
        for _ in 0..passes {
            let h = insert_cancel(rt, n, false);
            let w = insert_cancel(rt, n, true);
            for i in 0..4 {
                harness[i] += h[i];
                with[i] += w[i];
            }
        }
        let per_pass = |d: Duration| d / passes as u32;
        let net = |w: Duration, h: Duration| net(per_pass(w), per_pass(h));
        out.insert = net(with[0], harness[0]);
        out.insert_wall = net(with[1], harness[1]);
        out.cancel = net(with[2], harness[2]);
        out.cancel_wall = net(with[3], harness[3]);

        // Fire.
        let (registered, registered_wait) = Countdown::new(n);
        let (fired, fired_wait) = Countdown::new(n);
        // Every sleep is created after this, so no deadline comes before it.
        let first_deadline = Instant::now() + base(n);
        for i in 0..n {
            rt.spawn(sleeper::<R>(i, n, registered.clone(), fired.clone()));
        }
        rt.block_on(registered_wait.recv()).unwrap();
        out.fire_valid = Instant::now() < first_deadline;
        let cpu = cpu_time();
        rt.block_on(fired_wait.recv()).unwrap();
        out.fire = per_ns(cpu_time() - cpu);
        out
    }

    fn median(mut xs: Vec<f64>) -> f64 {
        xs.sort_by(f64::total_cmp);
        let m = xs.len() / 2;
        if xs.len() % 2 == 1 {
            xs[m]
        } else {
            (xs[m - 1] + xs[m]) / 2.0
        }
    }

    /// The rounds of one runtime at one N.
    #[derive(Default)]
    struct Series {
        rounds: Vec<Round>,
    }

    impl Series {
        fn metric(&self, f: impl Fn(&Round) -> f64) -> f64 {
            median(self.rounds.iter().map(f).collect())
        }
        fn fire(&self) -> f64 {
            let valid: Vec<f64> = self
                .rounds
                .iter()
                .filter(|r| r.fire_valid)
                .map(|r| r.fire)
                .collect();
            if valid.is_empty() {
                f64::NAN
            } else {
                median(valid)
            }
        }
    }

    fn sizes() -> Vec<usize> {
        let given: Vec<usize> = std::env::args()
            .skip(1)
            .filter_map(|a| a.parse().ok())
            .collect();
        if given.is_empty() {
            SIZES.to_vec()
        } else {
            given
        }
    }

    pub fn main() {
        let sizes = sizes();
        // `eddy-only` on the command line: eddy alone (for a profiler), no CSV.
        if std::env::args().any(|a| a == "eddy-only") {
            let eddy = Eddy::build();
            for &n in &sizes {
                for _ in 0..ROUNDS {
                    let r = round(&eddy, n);
                    println!("{n} {:.1} {:.1} {:.1}", r.insert, r.cancel, r.fire);
                }
            }
            return;
        }
        let (eddy, tokio, smol) = (Eddy::build(), Tokio::build(), Smol::build());
        // Warm-up: allocators, thread pools, the wheels' arenas.
        round(&eddy, 10_000);
        round(&tokio, 10_000);
        round(&smol, 10_000);

        let mut results: Vec<(usize, [Series; 3])> = Vec::new();
        for &n in &sizes {
            let mut series: [Series; 3] = Default::default();
            for r in 0..ROUNDS {
                let got = [round(&eddy, n), round(&tokio, n), round(&smol, n)];
                for (name, (s, g)) in ["eddy", "tokio", "smol"]
                    .iter()
                    .zip(series.iter_mut().zip(got))
                {
                    if !g.fire_valid {
                        eprintln!("{name} n={n} round {r}: fire phase discarded (a deadline came before every sleep was registered)");
                    }
                    s.rounds.push(g);
                }
            }
            results.push((n, series));
        }

        let dir = std::path::PathBuf::from(
            std::env::var_os("CARGO_TARGET_DIR").unwrap_or_else(|| "target".into()),
        )
        .join("growth");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("timers.csv");
        let mut csv = String::from("axis,runtime,n,metric,value,unit\n");
        println!(
            "{:>8} {:>6} {:>10} {:>10} {:>10} {:>11} {:>11}",
            "n", "rt", "insert", "cancel", "fire", "insert wall", "cancel wall"
        );
        for (n, series) in &results {
            for (name, s) in ["eddy", "tokio", "smol"].iter().zip(series) {
                let (insert, cancel, fire) =
                    (s.metric(|r| r.insert), s.metric(|r| r.cancel), s.fire());
                println!(
                    "{n:>8} {name:>6} {insert:>10.1} {cancel:>10.1} {fire:>10.1} {:>11.1} {:>11.1}",
                    s.metric(|r| r.insert_wall),
                    s.metric(|r| r.cancel_wall)
                );
                for (metric, v) in [
                    ("insert_ns_per_timer", insert),
                    ("cancel_ns_per_timer", cancel),
                    ("fire_ns_per_timer", fire),
                ] {
                    if v.is_finite() {
                        csv.push_str(&format!("timers,{name},{n},{metric},{v:.1},ns\n"));
                    }
                }
            }
        }
        println!(
            "(ns of process CPU per timer, medians; insert and cancel net of the harness baseline; \
             wall: ns per timer with {NUM_WORKERS} workers)"
        );
        println!("\neddy/tokio, eddy/smol:");
        for (n, [e, t, s]) in &results {
            let r = |a: f64, b: f64| a / b;
            println!(
                "{n:>8} insert {:.2} {:.2}  cancel {:.2} {:.2}  fire {:.2} {:.2}",
                r(e.metric(|r| r.insert), t.metric(|r| r.insert)),
                r(e.metric(|r| r.insert), s.metric(|r| r.insert)),
                r(e.metric(|r| r.cancel), t.metric(|r| r.cancel)),
                r(e.metric(|r| r.cancel), s.metric(|r| r.cancel)),
                r(e.fire(), t.fire()),
                r(e.fire(), s.fire()),
            );
        }
        std::fs::File::create(&path)
            .and_then(|mut f| f.write_all(csv.as_bytes()))
            .unwrap();
        println!("wrote {}", path.display());
    }
}
