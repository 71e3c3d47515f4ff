use std::fmt;
use std::io;
use std::sync::Arc as StdArc;
use std::time::Duration;

use super::Executor;
use crate::current_thread::CurrentThread;
use crate::debug::{DebugConfig, Report, UnhandledPanic};
use crate::limits::{self, MAX_WORKER_THREADS};
use crate::park::{Park, ThreadPark};
use crate::threads::ThreadSettings;

/// Configures an [`Executor`]: worker count, thread names, per-thread hooks.
///
/// # Examples
///
/// ```
/// let executor = eddy_executor::Executor::builder()
///     .worker_threads(2)
///     .thread_name("my-worker")
///     .build()
///     .unwrap();
/// assert_eq!(executor.spawner().num_workers(), 2);
/// ```
pub struct Builder {
    worker_threads: Option<usize>,
    threads: ThreadSettings,
    debug: DebugConfig,
    rng_seed: Option<u64>,
}

impl Builder {
    /// The defaults: one worker per available core, threads named `eddy-worker-{i}`.
    pub fn new() -> Builder {
        Builder {
            worker_threads: None,
            threads: ThreadSettings::new("eddy-worker"),
            debug: DebugConfig::default(),
            rng_seed: None,
        }
    }

    /// The number of worker threads (default: `std::thread::available_parallelism`).
    /// Zero, or more than [`MAX_WORKER_THREADS`] (1,024), is refused by
    /// [`build`](Self::build) with an `InvalidInput` error.
    pub fn worker_threads(&mut self, n: usize) -> &mut Builder {
        self.worker_threads = Some(n);
        self
    }

    /// The worker threads' name (suffixed with `-{index}`). An empty name, or one with a
    /// NUL byte, is refused by [`build`](Self::build) with an `InvalidInput` error.
    pub fn thread_name(&mut self, name: impl Into<String>) -> &mut Builder {
        self.threads.thread_name(name);
        self
    }

    /// The worker threads' stack size in bytes (default: std's). Less than
    /// [`MIN_THREAD_STACK_SIZE`](limits::MIN_THREAD_STACK_SIZE) (16 KiB) or more than
    /// [`MAX_THREAD_STACK_SIZE`](limits::MAX_THREAD_STACK_SIZE) (1 GiB) is refused by
    /// [`build`](Self::build) with an `InvalidInput` error.
    pub fn thread_stack_size(&mut self, bytes: usize) -> &mut Builder {
        self.threads.thread_stack_size(bytes);
        self
    }

    /// Runs on each worker thread before it runs any task ([`Spawner::try_current`](super::Spawner::try_current)
    /// already returns this executor there).
    pub fn on_thread_start(&mut self, f: impl Fn() + Send + Sync + 'static) -> &mut Builder {
        self.threads.on_thread_start(f);
        self
    }

    /// Runs on each worker thread after it stops running tasks.
    pub fn on_thread_stop(&mut self, f: impl Fn() + Send + Sync + 'static) -> &mut Builder {
        self.threads.on_thread_stop(f);
        self
    }

    /// Debug mode — asyncio's `loop.set_debug(True)` (default off). Every poll is timed:
    /// one longer than [`slow_poll_threshold`](Self::slow_poll_threshold) is reported,
    /// and a watchdog thread reports a worker still stuck in one poll while it is stuck;
    /// tasks pending at shutdown are reported; task snapshots get poll counts and ages.
    /// See [`debug`](crate::debug) for the reports and what debug mode costs.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use std::time::Duration;
    ///
    /// let reports = Arc::new(Mutex::new(Vec::new()));
    /// let sink = reports.clone();
    /// let rt = eddy_executor::Executor::builder()
    ///     .worker_threads(1)
    ///     .debug(true)
    ///     .slow_poll_threshold(Duration::from_millis(10))
    ///     .on_report(move |report| sink.lock().unwrap().push(report.to_string()))
    ///     .build()
    ///     .unwrap();
    /// let slow = rt.spawner().spawn(async { std::thread::sleep(Duration::from_millis(30)) });
    /// eddy_executor::block_on(slow).unwrap();
    /// drop(rt); // joins the worker: its report is in
    /// assert!(reports.lock().unwrap().iter().any(|r| r.contains("in one poll")));
    /// ```
    pub fn debug(&mut self, enabled: bool) -> &mut Builder {
        self.debug.enabled = enabled;
        self
    }

    /// In debug mode, a poll longer than this is reported (default 100 ms, asyncio's
    /// `slow_callback_duration`). Zero is refused by [`build`](Self::build) with an
    /// `InvalidInput` error.
    pub fn slow_poll_threshold(&mut self, threshold: Duration) -> &mut Builder {
        self.debug.slow_poll_threshold = threshold;
        self
    }

    /// What to do with a task's panic that nobody will read (default
    /// [`UnhandledPanic::Report`]; works with or without debug mode).
    pub fn unhandled_panic(&mut self, policy: UnhandledPanic) -> &mut Builder {
        self.debug.unhandled_panic = policy;
        self
    }

    /// Where reports go (default: a line on stderr). Called on the thread that noticed:
    /// a worker, the watchdog, the thread dropping a `JoinHandle` or shutting down. A
    /// panic in it is contained.
    pub fn on_report(&mut self, f: impl Fn(&Report) + Send + Sync + 'static) -> &mut Builder {
        self.debug.hook = StdArc::new(f);
        self
    }

    /// Seeds every random choice the scheduler makes (a worker's first steal victim, and
    /// [`rand::thread_rng_n`](crate::rand::thread_rng_n) on the threads running its loop,
    /// which `select!` uses). Without it the seed is random. On a current-thread
    /// scheduler, the same seed and the same inputs give the same run.
    ///
    /// # Examples
    ///
    /// ```
    /// let draws = |seed| {
    ///     let rt = eddy_executor::Builder::new().rng_seed(seed).build_current_thread().unwrap();
    ///     rt.block_on(async {
    ///         (0..8).map(|_| eddy_executor::rand::thread_rng_n(100)).collect::<Vec<_>>()
    ///     })
    /// };
    /// assert_eq!(draws(7), draws(7));
    /// assert_ne!(draws(7), draws(8));
    /// ```
    pub fn rng_seed(&mut self, seed: u64) -> &mut Builder {
        self.rng_seed = Some(seed);
        self
    }

    /// The seed given to [`rng_seed`](Self::rng_seed), or a random one.
    fn resolved_seed(&self) -> u64 {
        match self.rng_seed {
            Some(seed) => seed,
            // Loom replays each execution: its choices must not vary between runs.
            None if cfg!(eddy_loom) => 0,
            None => crate::rand::random_seed(),
        }
    }

    /// Builds a current-thread scheduler (no worker threads: tasks run inside
    /// `block_on`) with the plain park hook. The worker settings are ignored;
    /// `on_thread_start`/`on_thread_stop` are not called (no thread is started).
    ///
    /// # Errors
    ///
    /// `InvalidInput` for a zero `slow_poll_threshold`.
    pub fn build_current_thread(&mut self) -> io::Result<CurrentThread> {
        self.build_current_thread_with_park(|_| StdArc::new(ThreadPark::new(1)))
    }

    /// Builds a current-thread scheduler that parks through `make_park(1)`'s worker 0.
    ///
    /// # Errors
    ///
    /// As [`build_current_thread`](Self::build_current_thread).
    pub fn build_current_thread_with_park(
        &mut self,
        make_park: impl FnOnce(usize) -> StdArc<dyn Park>,
    ) -> io::Result<CurrentThread> {
        self.validate_debug()?;
        Ok(CurrentThread::new(
            make_park(1),
            self.debug.clone(),
            self.resolved_seed(),
        ))
    }

    /// The worker count `build` will use.
    pub fn resolved_worker_threads(&self) -> usize {
        self.worker_threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
    }

    /// The worker threads' name, stack size and hooks, as set so far (a wrapper such as
    /// eddy's runtime builder names its own threads after them).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut builder = eddy_executor::Executor::builder();
    /// builder.thread_name("api");
    /// assert_eq!(builder.thread_settings().name(), "api");
    /// ```
    pub fn thread_settings(&self) -> &ThreadSettings {
        &self.threads
    }

    /// Checks the settings as [`build`](Self::build) does, without starting anything: a
    /// wrapper (eddy's runtime builder) calls it before it makes its own resources.
    ///
    /// # Errors
    ///
    /// `InvalidInput`, naming the setter, for a worker count of zero or above
    /// [`MAX_WORKER_THREADS`], an empty thread name (or one with a NUL byte), or a stack
    /// size outside the [`limits`].
    ///
    /// # Examples
    ///
    /// ```
    /// let mut builder = eddy_executor::Executor::builder();
    /// assert!(builder.validate().is_ok());
    /// let err = builder.thread_stack_size(512).validate().unwrap_err();
    /// assert!(err.to_string().contains("thread_stack_size"), "{err}");
    /// ```
    pub fn validate(&self) -> io::Result<()> {
        let workers = self.resolved_worker_threads();
        if workers == 0 {
            return Err(limits::invalid(
                "`worker_threads(0)`: a runtime needs at least one worker thread; \
                 pass 1 or more, or leave it unset for one per CPU core"
                    .into(),
            ));
        }
        if workers > MAX_WORKER_THREADS {
            return Err(limits::invalid(format!(
                "`worker_threads({workers})`: more than {MAX_WORKER_THREADS} worker threads; \
                 work stealing gains nothing beyond one per core — pass at most \
                 {MAX_WORKER_THREADS}, or leave it unset for one per CPU core"
            )));
        }
        self.threads.validate()?;
        self.validate_debug()
    }

    fn validate_debug(&self) -> io::Result<()> {
        if self.debug.slow_poll_threshold.is_zero() {
            return Err(limits::invalid(
                "`slow_poll_threshold(0)`: every poll would be reported as slow; pass a \
                 positive duration, or leave it unset for 100 ms"
                    .into(),
            ));
        }
        Ok(())
    }

    /// Starts the workers, parking them on plain thread parkers.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for a bad setting (see [`validate`](Self::validate)); the OS error
    /// if a thread cannot be started.
    pub fn build(&mut self) -> io::Result<Executor> {
        self.build_with_park(|n| StdArc::new(ThreadPark::new(n)))
    }

    /// Starts the workers with the park hook `make_park(worker_count)` — how the runtime
    /// joins the executor to its I/O and timer driver.
    ///
    /// # Errors
    ///
    /// As [`build`](Self::build).
    pub fn build_with_park(
        &mut self,
        make_park: impl FnOnce(usize) -> StdArc<dyn Park>,
    ) -> io::Result<Executor> {
        self.validate()?;
        let workers = self.resolved_worker_threads();
        Executor::start(
            workers,
            make_park(workers),
            self.threads.clone(),
            self.debug.clone(),
            self.resolved_seed(),
        )
    }
}

impl Default for Builder {
    fn default() -> Builder {
        Builder::new()
    }
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("worker_threads", &self.worker_threads)
            .field("threads", &self.threads)
            .field("debug", &self.debug)
            .field("rng_seed", &self.rng_seed)
            .finish_non_exhaustive()
    }
}
