use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use eddy_executor::debug::{Report, UnhandledPanic};
use eddy_executor::limits::MAX_BLOCKING_THREADS;

use super::driver::{Clock, Driver};
use super::io_backend::{IoBackend, IO_BACKEND_ENV};
use super::report::{self, PanicShutdown};
mod threads;

use self::threads::{thread_started, thread_stopping};
use super::runtime::Scheduler;
use super::{Handle, Runtime};

/// Configures and builds a [`Runtime`].
///
/// # Examples
///
/// ```
/// let rt = eddy::Runtime::builder()
///     .worker_threads(2)
///     .thread_name("api-worker")
///     .build()
///     .unwrap();
/// assert_eq!(rt.block_on(async { 40 + 2 }), 42);
/// ```
pub struct Builder {
    flavor: Flavor,
    executor: eddy_executor::Builder,
    blocking: BlockingConfig,
    debug: bool,
    unhandled_panic: UnhandledPanic,
    io_backend: IoBackend,
    start_paused: bool,
    rng_seed: Option<u64>,
    on_thread_start: Option<Hook>,
    on_thread_stop: Option<Hook>,
}

/// A thread start or stop callback.
type Hook = Arc<dyn Fn() + Send + Sync>;

/// Where tasks run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flavor {
    MultiThread,
    CurrentThread,
}

/// The environment variable that overrides [`Builder::rng_seed`].
pub(crate) const SEED_ENV: &str = "EDDY_SEED";

/// The blocking pool's own settings. Its threads' name and stack size follow the
/// workers', which the executor builder keeps (the one place `thread_name` and
/// `thread_stack_size` are recorded and checked).
#[derive(Debug)]
struct BlockingConfig {
    max_threads: usize,
    keep_alive: Duration,
    /// Set by `thread_name`: blocking threads are then `{name}-blocking-{i}`, and
    /// `eddy-blocking-{i}` until then.
    named_after_workers: bool,
}

impl Builder {
    /// A multi-thread runtime with the defaults: one worker per CPU core, threads named
    /// `eddy-worker-{i}`. The same as [`new_multi_thread`](Self::new_multi_thread).
    pub fn new() -> Builder {
        Builder::new_multi_thread()
    }

    /// A multi-thread, work-stealing runtime (tokio's `new_multi_thread`): tasks run on
    /// worker threads, one per CPU core by default.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = eddy::Builder::new_multi_thread().worker_threads(2).build()?;
    /// assert_eq!(rt.handle().num_workers(), 2);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn new_multi_thread() -> Builder {
        Builder::with_flavor(Flavor::MultiThread)
    }

    /// A current-thread runtime — asyncio's event loop: no worker threads; `block_on`
    /// runs the tasks, timers and I/O on the thread that calls it, and tasks spawned
    /// meanwhile wait for the next `block_on`. [`Handle::spawn`] from another thread wakes
    /// it. The blocking pool still starts threads on demand for
    /// [`run_in_executor`](crate::run_in_executor). Tasks need not be `Send` when spawned
    /// with [`spawn_local`](crate::task::spawn_local), and the clock can be
    /// [paused](Self::start_paused). `worker_threads` and the worker thread settings
    /// are ignored.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// let rt = eddy::Builder::new_current_thread().build()?;
    /// let here = std::thread::current().id();
    /// let (thread, shared) = rt.block_on(async {
    ///     let thread = eddy::spawn(async { std::thread::current().id() }).await.unwrap();
    ///     // !Send futures too: everything runs on this thread.
    ///     let shared = Rc::new(41);
    ///     let mine = shared.clone();
    ///     let local = eddy::task::spawn_local(async move { *mine + 1 });
    ///     (thread, local.await.unwrap())
    /// });
    /// assert_eq!((thread, shared), (here, 42));
    /// # std::io::Result::Ok(())
    /// ```
    pub fn new_current_thread() -> Builder {
        Builder::with_flavor(Flavor::CurrentThread)
    }

    fn with_flavor(flavor: Flavor) -> Builder {
        Builder {
            flavor,
            start_paused: false,
            rng_seed: None,
            on_thread_start: None,
            on_thread_stop: None,
            executor: eddy_executor::Builder::new(),
            blocking: BlockingConfig {
                max_threads: 512,
                keep_alive: Duration::from_secs(10),
                named_after_workers: false,
            },
            debug: false,
            unhandled_panic: UnhandledPanic::default(),
            io_backend: IoBackend::Auto,
        }
    }

    /// The OS poller the reactor drives (default [`IoBackend::Auto`]: the environment
    /// variable `EDDY_IO_BACKEND` if set, else epoll on Linux and Android and `polling`
    /// elsewhere). An explicit choice here wins over the variable. [`IoBackend`] compares
    /// the backends.
    ///
    /// `build()` fails with `InvalidInput` for a backend this OS lacks
    /// ([`IoBackend::Epoll`] off Linux and Android).
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy::runtime::IoBackend;
    /// use futures_lite::{AsyncReadExt, AsyncWriteExt};
    ///
    /// let rt = eddy::Builder::new().io_backend(IoBackend::Polling).build()?;
    /// assert_eq!(rt.handle().io_backend(), IoBackend::Polling);
    /// // The sockets of that runtime wait in `polling`'s poller.
    /// let echoed = rt.block_on(async {
    ///     let listener = eddy::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let addr = listener.local_addr()?;
    ///     let client = eddy::spawn(async move {
    ///         let mut stream = eddy::net::TcpStream::connect(addr).await?;
    ///         stream.write_all(b"hi").await?;
    ///         std::io::Result::Ok(())
    ///     });
    ///     let (mut server, _) = listener.accept().await?;
    ///     let mut buf = [0; 2];
    ///     server.read_exact(&mut buf).await?;
    ///     client.await.unwrap()?;
    ///     std::io::Result::Ok(buf)
    /// })?;
    /// assert_eq!(&echoed, b"hi");
    /// # std::io::Result::Ok(())
    /// ```
    pub fn io_backend(&mut self, backend: IoBackend) -> &mut Builder {
        self.io_backend = backend;
        self
    }

    /// Debug mode — asyncio's `asyncio.run(main(), debug=True)` (default off). What a
    /// server author debugging a stuck service needs, reported with each task's id, name
    /// and spawn location (docs/debugging.md):
    ///
    /// * a poll longer than [`slow_poll_threshold`](Self::slow_poll_threshold) (100 ms)
    ///   is reported with its duration, and a watchdog thread reports a worker still
    ///   stuck inside one poll *while* it is stuck (again at 2×, 4×, ... the threshold);
    /// * at shutdown, every task still pending is listed ("was destroyed but it is
    ///   pending");
    /// * `run_in_executor` jobs still running when the shutdown timeout runs out are
    ///   listed;
    /// * [`Handle::tasks`] adds each task's poll count and age.
    ///
    /// Reports are `tracing` events (target `eddy::debug`), or lines on stderr when no
    /// subscriber is installed. Debug mode costs two clock reads and two uncontended
    /// locks per poll; without it the workers take no timestamps at all.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = eddy::Runtime::builder()
    ///     .debug(true)
    ///     .slow_poll_threshold(Duration::from_millis(50))
    ///     .build()
    ///     .unwrap();
    /// rt.block_on(async {
    ///     // Reported: "task 3 'sleepy' spawned at src/main.rs:10:5 took 80.1ms in one poll ..."
    ///     let sleepy = eddy::task::Builder::new()
    ///         .name("sleepy")
    ///         .spawn(async { std::thread::sleep(Duration::from_millis(80)) });
    ///     sleepy.await.unwrap();
    /// });
    /// ```
    pub fn debug(&mut self, enabled: bool) -> &mut Builder {
        self.debug = enabled;
        self.executor.debug(enabled);
        self
    }

    /// In [debug mode](Self::debug), a poll that takes longer than this is reported
    /// (default 100 ms, asyncio's `slow_callback_duration`); the watchdog reports a
    /// worker stuck in one poll for this long. Zero makes [`build`](Self::build) fail
    /// with an error naming this setter.
    pub fn slow_poll_threshold(&mut self, threshold: Duration) -> &mut Builder {
        self.executor.slow_poll_threshold(threshold);
        self
    }

    /// What happens when a task panics and its [`JoinHandle`](crate::task::JoinHandle)
    /// is dropped without being awaited — asyncio's "Task exception was never
    /// retrieved". With or without debug mode:
    ///
    /// * [`UnhandledPanic::Report`] (the default): reported once, as an error, with the
    ///   task's id, name, spawn location and panic message;
    /// * [`UnhandledPanic::Ignore`]: nothing beyond the panic hook's own message;
    /// * [`UnhandledPanic::ShutdownRuntime`]: reported, then the runtime shuts down and
    ///   [`Runtime::block_on`] (so `eddy::run`, `#[eddy::main]`) panics naming the task —
    ///   crash and restart rather than run on with a task silently gone.
    ///
    /// A panic read through the handle (`.await`) is never reported.
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy::runtime::UnhandledPanic;
    ///
    /// let rt = eddy::Runtime::builder()
    ///     .unhandled_panic(UnhandledPanic::ShutdownRuntime)
    ///     .build()
    ///     .unwrap();
    /// let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
    ///     rt.block_on(async {
    ///         drop(eddy::spawn(async { panic!("lost") }));
    ///         std::future::pending::<()>().await
    ///     })
    /// }));
    /// assert!(outcome.is_err(), "block_on panicked when the runtime shut down");
    /// ```
    pub fn unhandled_panic(&mut self, policy: UnhandledPanic) -> &mut Builder {
        self.unhandled_panic = policy;
        self.executor.unhandled_panic(policy);
        self
    }

    /// The number of worker threads that run tasks (default: one per CPU core, from
    /// `std::thread::available_parallelism`). Zero, or more than
    /// [`MAX_WORKER_THREADS`](eddy_executor::limits::MAX_WORKER_THREADS) (1,024: a fixed
    /// cap, so a configuration that builds on one machine builds on all), makes
    /// [`build`](Self::build) fail with an error naming this setter.
    pub fn worker_threads(&mut self, n: usize) -> &mut Builder {
        self.executor.worker_threads(n);
        self
    }

    /// The worker threads' name; each gets `-{index}` appended (default `eddy-worker`).
    /// Blocking threads are then named `{name}-blocking-{i}`. An empty name (or one with a
    /// NUL byte) makes [`build`](Self::build) fail with an error naming this setter.
    pub fn thread_name(&mut self, name: impl Into<String>) -> &mut Builder {
        self.executor.thread_name(name);
        self.blocking.named_after_workers = true;
        self
    }

    /// The worker threads' stack size in bytes (default: the platform's, as std uses).
    /// Less than 16 KiB or more than 1 GiB (the bounds in [`eddy_executor::limits`]) makes
    /// [`build`](Self::build) fail with an error naming this setter.
    pub fn thread_stack_size(&mut self, bytes: usize) -> &mut Builder {
        self.executor.thread_stack_size(bytes);
        self
    }

    /// The most threads [`run_in_executor`](crate::run_in_executor) jobs run on at once
    /// (default 512, as tokio). Threads start only when a job finds none idle; jobs
    /// beyond the cap wait in FIFO order. Blocking threads are named `eddy-blocking-{i}`,
    /// or `{name}-blocking-{i}` after [`thread_name`](Self::thread_name). Zero, or more
    /// than [`MAX_BLOCKING_THREADS`] (100,000), makes [`build`](Self::build) fail with an
    /// error naming this setter.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = eddy::Runtime::builder().max_blocking_threads(4).build().unwrap();
    /// let job = rt.handle().run_in_executor(|| std::thread::current().name().map(String::from));
    /// let name = rt.block_on(job).unwrap().unwrap();
    /// assert!(name.starts_with("eddy-blocking-"), "{name}");
    /// ```
    pub fn max_blocking_threads(&mut self, n: usize) -> &mut Builder {
        self.blocking.max_threads = n;
        self
    }

    /// How long a blocking thread waits idle for a job before it exits (default 10 s, as
    /// tokio; smol's is 500 ms). Zero makes [`build`](Self::build) fail with an error
    /// naming this setter.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = eddy::Runtime::builder()
    ///     .blocking_keep_alive(Duration::from_millis(500))
    ///     .build()
    ///     .unwrap();
    /// let sum = rt.block_on(async { eddy::run_in_executor(|| 2 + 2).await.unwrap() });
    /// assert_eq!(sum, 4);
    /// ```
    pub fn blocking_keep_alive(&mut self, keep_alive: Duration) -> &mut Builder {
        self.blocking.keep_alive = keep_alive;
        self
    }

    /// Starts the runtime with its clock paused (default false) — tokio's `start_paused`,
    /// for tests: time moves only through [`eddy::time::advance`](crate::time::advance),
    /// or, when the runtime has nothing to run, jumps to the next timer. A current-thread
    /// runtime only: on a multi-thread one, [`build`](Self::build) fails with an error
    /// naming this setter.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = eddy::Builder::new_current_thread().start_paused(true).build()?;
    /// let took = rt.block_on(async {
    ///     let start = std::time::Instant::now();
    ///     eddy::time::sleep(Duration::from_secs(3600)).await; // returns at once
    ///     start.elapsed()
    /// });
    /// assert!(took < Duration::from_secs(60));
    /// # std::io::Result::Ok(())
    /// ```
    pub fn start_paused(&mut self, paused: bool) -> &mut Builder {
        self.start_paused = paused;
        self
    }

    /// Seeds every random choice the runtime makes: `select!`'s first branch, a worker's
    /// first steal victim. On a current-thread runtime with a paused clock, a program's
    /// interleaving is then a pure function of the seed, so a failure seen once can be
    /// replayed. The environment variable `EDDY_SEED` overrides it; without either, the
    /// seed is random. [`Handle::rng_seed`] tells the seed in use (`#[eddy::test]`
    /// prints it when a test fails).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = eddy::Builder::new_current_thread().rng_seed(7).build()?;
    /// if std::env::var_os("EDDY_SEED").is_none() {
    ///     assert_eq!(rt.handle().rng_seed(), 7);
    /// }
    /// # std::io::Result::Ok(())
    /// ```
    pub fn rng_seed(&mut self, seed: u64) -> &mut Builder {
        self.rng_seed = Some(seed);
        self
    }

    /// Calls `f` on each thread the runtime starts — its workers and its blocking
    /// threads — before it runs anything (tokio's `on_thread_start`). The runtime is
    /// current there, so `f` may call [`Handle::current`]. A current-thread runtime has no
    /// workers: only its blocking threads call it.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    ///
    /// let started = Arc::new(AtomicUsize::new(0));
    /// let counter = started.clone();
    /// let rt = eddy::Builder::new_multi_thread()
    ///     .worker_threads(2)
    ///     .on_thread_start(move || {
    ///         counter.fetch_add(1, Ordering::SeqCst);
    ///     })
    ///     .build()?;
    /// rt.block_on(async {});
    /// drop(rt);
    /// assert!(started.load(Ordering::SeqCst) >= 2);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn on_thread_start(&mut self, f: impl Fn() + Send + Sync + 'static) -> &mut Builder {
        self.on_thread_start = Some(Arc::new(f));
        self
    }

    /// Calls `f` on each thread the runtime started — workers and blocking threads — as
    /// it stops (tokio's `on_thread_stop`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    ///
    /// let stopped = Arc::new(AtomicUsize::new(0));
    /// let counter = stopped.clone();
    /// let rt = eddy::Builder::new_multi_thread()
    ///     .worker_threads(2)
    ///     .on_thread_stop(move || {
    ///         counter.fetch_add(1, Ordering::SeqCst);
    ///     })
    ///     .build()?;
    /// drop(rt); // joins the workers
    /// assert_eq!(stopped.load(Ordering::SeqCst), 2);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn on_thread_stop(&mut self, f: impl Fn() + Send + Sync + 'static) -> &mut Builder {
        self.on_thread_stop = Some(Arc::new(f));
        self
    }

    /// Builds the runtime and starts its workers.
    ///
    /// # Errors
    ///
    /// `InvalidInput`, with a message naming the setter, for a setting out of range:
    /// `worker_threads` of 0 or above 1,024, `max_blocking_threads` of 0 or above
    /// [`MAX_BLOCKING_THREADS`] (100,000), a zero `blocking_keep_alive`, an empty
    /// `thread_name`, a `thread_stack_size` under 16 KiB or over 1 GiB (the bounds are in
    /// [`eddy_executor::limits`]). Nothing is started before these checks. Otherwise the
    /// OS error if a thread or the I/O poller cannot be created.
    ///
    /// # Examples
    ///
    /// ```
    /// let err = eddy::Runtime::builder()
    ///     .max_blocking_threads(1_000_000)
    ///     .build()
    ///     .unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    /// assert!(err.to_string().contains("max_blocking_threads"), "{err}");
    /// ```
    pub fn build(&mut self) -> io::Result<Runtime> {
        self.validate()?;
        // eddy-sync has no clock: lend it eddy's sleep for `mpsc::Sender::send_timeout`.
        eddy_sync::timer::install_sleep(|d| Box::pin(crate::time::sleep(d)));
        // eddy-sync has no clock: lend it eddy's sleep for `mpsc::Sender::send_timeout`.
        eddy_sync::timer::install_sleep(|d| Box::pin(crate::time::sleep(d)));
        let env = std::env::var(IO_BACKEND_ENV).ok();
        let backend = self.io_backend.resolve(env.as_deref())?;
        let panic_shutdown = (self.unhandled_panic == UnhandledPanic::ShutdownRuntime)
            .then(|| Arc::new(PanicShutdown::default()));
        let signal = panic_shutdown.clone();
        self.executor.on_report(move |r: &Report| {
            report::emit(r);
            if let (
                Report::UnretrievedPanic {
                    shutting_down: true,
                    ..
                },
                Some(signal),
            ) = (r, &signal)
            {
                signal.fire(r);
            }
        });
        let seed = self.resolved_seed()?;
        self.executor.rng_seed(seed);
        // Each worker makes the runtime current on its thread before running any task,
        // and forgets it when it stops. The hooks cannot capture the Handle (the workers
        // own the hooks: a cycle); the worker's own executor is current when they run.
        let workers = match self.flavor {
            Flavor::MultiThread => self.executor.resolved_worker_threads().max(1),
            Flavor::CurrentThread => 1,
        };
        let current_thread = self.flavor == Flavor::CurrentThread;
        let clock = Clock::new(current_thread, current_thread && self.start_paused);
        let driver = Arc::new(Driver::new(workers, backend, clock)?);
        let (blocking, executor_slot) = self.build_blocking_pool(&driver, seed)?;
        let park = driver.clone();
        let scheduler = match self.flavor {
            Flavor::MultiThread => {
                let for_workers = Arc::downgrade(&driver);
                let blocking_for_workers = blocking.spawner();
                let on_start = self.on_thread_start.clone();
                self.executor.on_thread_start(move || {
                    let parts = eddy_executor::Spawner::try_current()
                        .zip(for_workers.upgrade())
                        .map(|(spawner, driver)| (spawner, driver, blocking_for_workers.clone()));
                    thread_started(parts, seed, on_start.as_ref());
                });
                let on_stop = self.on_thread_stop.clone();
                self.executor
                    .on_thread_stop(move || thread_stopping(on_stop.as_ref()));
                let built = self.executor.build_with_park(move |_| park);
                // The hook holds this runtime's blocking pool, and through it the runtime
                // (its driver's fds): the builder must not keep it once built. The next
                // build sets its own.
                self.executor.on_thread_start(|| {});
                Scheduler::MultiThread(built?)
            }
            Flavor::CurrentThread => Scheduler::CurrentThread(
                self.executor
                    .build_current_thread_with_park(move |_| park)?,
            ),
        };
        let spawner = match &scheduler {
            Scheduler::MultiThread(executor) => executor.spawner(),
            Scheduler::CurrentThread(scheduler) => scheduler.spawner(),
        };
        let _ = executor_slot.set(spawner.clone());
        let handle = Handle {
            spawner,
            driver,
            blocking: blocking.spawner(),
            seed,
        };
        Ok(Runtime::from_parts(
            handle,
            scheduler,
            blocking,
            panic_shutdown,
        ))
    }

    /// The seed: `EDDY_SEED` if set, else `rng_seed`'s, else random.
    fn resolved_seed(&self) -> io::Result<u64> {
        match std::env::var(SEED_ENV) {
            Ok(value) => value.trim().parse::<u64>().map_err(|_| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "`{SEED_ENV}={value}`: the seed must be an unsigned 64-bit integer, \
                         as in `{SEED_ENV}=12345`; unset it for a random seed"
                    ),
                )
            }),
            Err(_) => Ok(self.rng_seed.unwrap_or_else(|| fastrand::u64(..))),
        }
    }

    /// The checks `build` makes before it starts anything. The executor builder checks
    /// the worker settings (its setters have the same names as ours); the blocking ones
    /// are checked here, so that the message names our setter and not the pool's.
    fn validate(&self) -> io::Result<()> {
        let invalid = |msg: String| io::Error::new(io::ErrorKind::InvalidInput, msg);
        if self.flavor == Flavor::MultiThread {
            self.executor.validate()?;
            if self.start_paused {
                return Err(invalid(
                    "`start_paused(true)` on a multi-thread runtime: a paused clock needs \
                     the current-thread runtime (`eddy::Builder::new_current_thread()`, or \
                     `#[eddy::test(start_paused = true)]`, which uses it)"
                        .into(),
                ));
            }
        }
        let max = self.blocking.max_threads;
        if max == 0 {
            return Err(invalid(
                "`max_blocking_threads(0)`: run_in_executor needs at least one thread; pass \
                 1 or more, or leave it unset for the default of 512"
                    .into(),
            ));
        }
        if max > MAX_BLOCKING_THREADS {
            return Err(invalid(format!(
                "`max_blocking_threads({max})`: more than {MAX_BLOCKING_THREADS} threads; the \
                 OS runs out of threads or stack memory first — pass at most \
                 {MAX_BLOCKING_THREADS}, or leave it unset for the default of 512"
            )));
        }
        if self.blocking.keep_alive.is_zero() {
            return Err(invalid(
                "`blocking_keep_alive(0)`: an idle blocking thread would exit before it \
                 could take the next job; pass a positive duration, or leave it unset for \
                 10 s"
                    .into(),
            ));
        }
        Ok(())
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
            .field("flavor", &self.flavor)
            .field("executor", &self.executor)
            .field("start_paused", &self.start_paused)
            .field("rng_seed", &self.rng_seed)
            .field("blocking", &self.blocking)
            .field("debug", &self.debug)
            .field("unhandled_panic", &self.unhandled_panic)
            .finish()
    }
}
