use std::fmt;
use std::io;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use eddy_executor::blocking::{BlockingPool, BlockingSpawner};
use eddy_executor::debug::{Report, UnhandledPanic};
use eddy_executor::limits::MAX_BLOCKING_THREADS;

use super::driver::Driver;
use super::io_backend::{IoBackend, IO_BACKEND_ENV};
use super::report::{self, PanicShutdown};
use super::{context, Handle, Runtime};

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
    executor: eddy_executor::Builder,
    blocking: BlockingConfig,
    debug: bool,
    unhandled_panic: UnhandledPanic,
    io_backend: IoBackend,
}

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
    /// The defaults: one worker per CPU core, threads named `eddy-worker-{i}`.
    pub fn new() -> Builder {
        Builder {
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
        // Each worker makes the runtime current on its thread before running any task,
        // and forgets it when it stops. The hooks cannot capture the Handle (the workers
        // own the hooks: a cycle); the worker's own executor is current when they run.
        let driver = Arc::new(Driver::new(
            self.executor.resolved_worker_threads().max(1),
            backend,
        )?);
        let (blocking, executor_slot) = self.build_blocking_pool(&driver)?;
        let for_workers = Arc::downgrade(&driver);
        let blocking_for_workers = blocking.spawner();
        self.executor.on_thread_start(move || {
            let spawner = eddy_executor::Spawner::try_current();
            if let (Some(spawner), Some(driver)) = (spawner, for_workers.upgrade()) {
                let blocking = blocking_for_workers.clone();
                context::set_for_worker(Handle {
                    spawner,
                    driver,
                    blocking,
                });
            }
        });
        self.executor.on_thread_stop(context::clear_for_worker);
        let park = driver.clone();
        let executor = self.executor.build_with_park(move |_| park)?;
        let _ = executor_slot.set(executor.spawner());
        let handle = Handle {
            spawner: executor.spawner(),
            driver,
            blocking: blocking.spawner(),
        };
        Ok(Runtime::from_parts(
            handle,
            executor,
            blocking,
            panic_shutdown,
        ))
    }

    /// The checks `build` makes before it starts anything. The executor builder checks
    /// the worker settings (its setters have the same names as ours); the blocking ones
    /// are checked here, so that the message names our setter and not the pool's.
    fn validate(&self) -> io::Result<()> {
        let invalid = |msg: String| io::Error::new(io::ErrorKind::InvalidInput, msg);
        self.executor.validate()?;
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

    /// The pool for `run_in_executor`. Its threads make the runtime current (so
    /// `eddy::spawn` and `Handle::current()` work in a job); the hook finds the executor
    /// in a slot filled once the executor is built (no job can run before that: jobs
    /// are submitted through the runtime's handle).
    fn build_blocking_pool(
        &self,
        driver: &Arc<Driver>,
    ) -> io::Result<(BlockingPool, Arc<OnceLock<eddy_executor::Spawner>>)> {
        let slot = Arc::new(OnceLock::<eddy_executor::Spawner>::new());
        let (for_threads, driver) = (slot.clone(), Arc::downgrade(driver));
        let workers = self.executor.thread_settings();
        let mut builder = BlockingPool::builder();
        if self.blocking.named_after_workers {
            builder.thread_name(format!("{}-blocking", workers.name()));
        }
        if let Some(bytes) = workers.stack_size() {
            builder.thread_stack_size(bytes);
        }
        builder
            .max_threads(self.blocking.max_threads)
            .keep_alive(self.blocking.keep_alive)
            .on_thread_start(move || {
                let parts = (
                    for_threads.get().cloned(),
                    driver.upgrade(),
                    BlockingSpawner::try_current(),
                );
                if let (Some(spawner), Some(driver), Some(blocking)) = parts {
                    context::set_for_worker(Handle {
                        spawner,
                        driver,
                        blocking,
                    });
                }
            })
            .on_thread_stop(context::clear_for_worker)
            .debug(self.debug)
            .on_report(report::emit);
        Ok((builder.build()?, slot))
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
            .field("executor", &self.executor)
            .field("blocking", &self.blocking)
            .field("debug", &self.debug)
            .field("unhandled_panic", &self.unhandled_panic)
            .finish()
    }
}
