use std::fmt;
use std::future::Future;

use std::sync::Arc;

use eddy_executor::blocking::BlockingSpawner;
use eddy_executor::task::{SpawnMeta, TaskSnapshot};
use eddy_executor::Spawner;

use super::driver::{blocking_job, Driver};

use super::context;
use super::{EnterGuard, IoBackend, Metrics};
use crate::task::JoinHandle;

/// A cheap, cloneable reference to a runtime — asyncio's `get_event_loop()`.
///
/// Spawn onto the runtime from any thread, or make it current on a thread that is not
/// one of its workers with [`enter`](Handle::enter).
///
/// # Examples
///
/// ```
/// let rt = eddy::Runtime::new().unwrap();
/// let handle = rt.handle().clone();
/// let job = std::thread::spawn(move || handle.spawn(async { "from another thread" }));
/// let task = job.join().unwrap();
/// assert_eq!(rt.block_on(task).unwrap(), "from another thread");
/// ```
#[derive(Clone)]
pub struct Handle {
    pub(crate) spawner: Spawner,
    pub(crate) driver: Arc<Driver>,
    pub(super) blocking: BlockingSpawner,
    /// The seed of the runtime's random choices (`Builder::rng_seed`).
    pub(super) seed: u64,
}

// See `Runtime`'s unwind-safety note: nothing a caught panic could leave inconsistent.
impl std::panic::UnwindSafe for Handle {}
impl std::panic::RefUnwindSafe for Handle {}

impl Handle {
    /// The runtime running the current thread's code.
    ///
    /// # Panics
    ///
    /// Outside a runtime (not in a task, not inside `block_on`, no [`enter`](Self::enter)
    /// guard). Use [`try_current`](Self::try_current) to check instead.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let handle = eddy::runtime::Handle::current();
    ///     assert_eq!(handle.spawn(async { 7 }).await.unwrap(), 7);
    /// });
    /// ```
    #[track_caller]
    pub fn current() -> Handle {
        match Handle::try_current() {
            Ok(handle) => handle,
            Err(err) => panic!("{err}"),
        }
    }

    /// The current runtime, or an error saying there is none.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(eddy::runtime::Handle::try_current().is_err());
    /// ```
    pub fn try_current() -> Result<Handle, TryCurrentError> {
        context::current().ok_or(TryCurrentError(()))
    }

    /// Spawns `future` as a task on this runtime — asyncio's `loop.create_task`.
    ///
    /// The task starts running on a worker at once; the [`JoinHandle`] awaits its output.
    /// If the runtime has shut down, the task is cancelled at once.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = eddy::Runtime::new().unwrap();
    /// let handle = rt.handle().clone();
    /// let task = handle.spawn(async { "spawned through a handle" });
    /// assert_eq!(rt.block_on(task).unwrap(), "spawned through a handle");
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.spawner.spawn_with(future, SpawnMeta::caller())
    }

    /// Spawns with an explicit name and spawn location.
    pub(crate) fn spawn_with<F>(&self, future: F, meta: SpawnMeta<'_>) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.spawner.spawn_with(future, meta)
    }

    /// Runs the blocking function `f` on the runtime's blocking pool — asyncio's
    /// `loop.run_in_executor(None, f)`, from any thread. See
    /// [`eddy::run_in_executor`](crate::run_in_executor) for the semantics; after the
    /// runtime shut down, the job is cancelled at once (the handle says so).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = eddy::Runtime::new().unwrap();
    /// let handle = rt.handle().clone();
    /// let job = std::thread::spawn(move || {
    ///     handle.run_in_executor(|| std::fs::metadata(".").is_ok())
    /// })
    /// .join()
    /// .unwrap();
    /// assert!(rt.block_on(job).unwrap());
    /// ```
    #[track_caller]
    pub fn run_in_executor<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let f = blocking_job(&self.driver, f);
        self.blocking.run_with(f, SpawnMeta::caller())
    }

    /// `run_in_executor` with an explicit name and submit location.
    pub(crate) fn run_in_executor_with<F, R>(&self, f: F, meta: SpawnMeta<'_>) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let f = blocking_job(&self.driver, f);
        self.blocking.run_with(f, meta)
    }

    /// As `run_in_executor`, but the job still runs if it is queued when the runtime
    /// shuts down (file writes, which must not be lost).
    #[track_caller]
    pub(crate) fn run_in_executor_mandatory<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let f = blocking_job(&self.driver, f);
        self.blocking.run_mandatory(f)
    }

    /// tokio's name for [`run_in_executor`](Self::run_in_executor).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = eddy::Runtime::new().unwrap();
    /// let job = rt.handle().spawn_blocking(|| 6 * 7);
    /// assert_eq!(rt.block_on(job).unwrap(), 42);
    /// ```
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let f = blocking_job(&self.driver, f);
        self.blocking.run_with(f, SpawnMeta::caller())
    }

    /// Makes this runtime current on this thread until the guard drops, so that
    /// [`eddy::spawn`](crate::spawn) and [`Handle::current`] work there.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = eddy::Runtime::new().unwrap();
    /// let _guard = rt.handle().enter();
    /// let task = eddy::spawn(async { 1 });
    /// assert_eq!(rt.block_on(task).unwrap(), 1);
    /// ```
    pub fn enter(&self) -> EnterGuard {
        context::enter(self.clone())
    }

    /// Runs `future` to completion on this thread, with this runtime current — tokio's
    /// `Handle::block_on`, for a thread outside the runtime that holds only a handle. On a
    /// multi-thread runtime the workers run the tasks meanwhile; on a current-thread one
    /// this thread runs them (as [`Runtime::block_on`](crate::Runtime::block_on)), unless
    /// another thread's `block_on` already does.
    ///
    /// # Panics
    ///
    /// With "this event loop is already running" when called from async code.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = eddy::Runtime::new().unwrap();
    /// let handle = rt.handle().clone();
    /// let answer = std::thread::spawn(move || {
    ///     handle.block_on(async { eddy::spawn(async { 6 * 7 }).await.unwrap() })
    /// })
    /// .join()
    /// .unwrap();
    /// assert_eq!(answer, 42);
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        if eddy_executor::is_entered() {
            super::already_running("Handle::block_on");
        }
        let _current = self.enter();
        self.spawner.block_on(future)
    }

    /// The seed of this runtime's random choices: [`Builder::rng_seed`]'s, `EDDY_SEED`'s,
    /// or the random one it drew. Building a runtime with this seed replays them.
    ///
    /// [`Builder::rng_seed`]: crate::Builder::rng_seed
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = eddy::Builder::new_current_thread().build()?;
    /// let seed = rt.handle().rng_seed();
    /// let again = eddy::Builder::new_current_thread().rng_seed(seed).build()?;
    /// assert_eq!(again.handle().rng_seed(), seed);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn rng_seed(&self) -> u64 {
        self.seed
    }

    /// True for a current-thread runtime.
    pub fn is_current_thread(&self) -> bool {
        self.spawner.is_current_thread()
    }

    /// The index of the current thread among this runtime's workers, if it is one.
    pub(crate) fn current_worker(&self) -> Option<usize> {
        self.spawner.current_worker()
    }

    /// The number of worker threads.
    pub fn num_workers(&self) -> usize {
        self.spawner.num_workers()
    }

    /// The number of I/O sources (sockets, [`Async`](crate::io::Async) fds) registered
    /// with this runtime's reactor. Zero once every socket is dropped: a quick leak
    /// check.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = eddy::Runtime::new().unwrap();
    /// let socket = rt.block_on(eddy::net::UdpSocket::bind("127.0.0.1:0")).unwrap();
    /// assert_eq!(rt.handle().io_sources(), 1);
    /// drop(socket);
    /// assert_eq!(rt.handle().io_sources(), 0);
    /// ```
    pub fn io_sources(&self) -> usize {
        self.driver.reactor().sources()
    }

    /// The OS poller this runtime's reactor drives: [`IoBackend::Epoll`],
    /// [`IoBackend::Polling`] or [`IoBackend::PollingOneshot`] (never `Auto`: what the
    /// builder or `EDDY_IO_BACKEND` resolved to).
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy::runtime::IoBackend;
    ///
    /// let rt = eddy::Runtime::new()?;
    /// let backend = rt.handle().io_backend();
    /// assert_ne!(backend, IoBackend::Auto);
    /// if cfg!(target_os = "macos") {
    ///     assert_ne!(backend, IoBackend::Epoll);
    /// }
    /// # std::io::Result::Ok(())
    /// ```
    pub fn io_backend(&self) -> IoBackend {
        IoBackend::of(self.driver.reactor().backend())
    }

    /// A snapshot of every live task — asyncio's `asyncio.all_tasks()`: id, name, spawn
    /// location, state (idle, scheduled, running) and, in [debug
    /// mode](crate::Builder::debug), poll count and age. Walks the runtime's task list
    /// under its locks (one shard at a time): fine for a debug endpoint, not for a hot
    /// loop. `run_in_executor` jobs are not tasks of the workers and are not listed
    /// (see [`metrics`](Self::metrics) for the blocking pool).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = eddy::Runtime::new().unwrap();
    /// let waiter = eddy::task::Builder::new()
    ///     .name("waiter")
    ///     .spawn_on(std::future::pending::<()>(), rt.handle());
    /// let tasks = rt.handle().tasks();
    /// let task = tasks.iter().find(|t| t.info.id() == waiter.id()).unwrap();
    /// assert_eq!(task.info.name(), Some("waiter"));
    /// assert_eq!(task.info.spawned_at().file(), file!());
    /// ```
    pub fn tasks(&self) -> Vec<TaskSnapshot> {
        self.spawner.tasks()
    }

    /// The runtime's counters and gauges: per-worker polls, steals, parks, LIFO hits and
    /// queue depth, the tasks alive, the injector's depth, the blocking pool's threads and
    /// queue, timers armed and I/O sources registered. Always on and cheap to keep so: see
    /// [`Metrics`]. Its `Display` is a table.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = eddy::Runtime::builder().worker_threads(2).build().unwrap();
    /// let metrics = rt.handle().metrics();
    /// assert_eq!(metrics.workers.len(), 2);
    /// assert!(metrics.to_string().contains("lifo hits"));
    /// ```
    pub fn metrics(&self) -> Metrics {
        Metrics {
            workers: self.spawner.worker_metrics(),
            tasks_alive: self.spawner.tasks_alive(),
            injector_depth: self.spawner.injector_depth(),
            blocking_threads: self.blocking.num_threads(),
            blocking_idle_threads: self.blocking.num_idle_threads(),
            blocking_queue_depth: self.blocking.queue_len(),
            timers_armed: self.driver.time.armed(),
            io_sources: self.io_sources(),
        }
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("workers", &self.num_workers())
            .finish_non_exhaustive()
    }
}

/// No runtime is current on this thread; returned by [`Handle::try_current`].
pub struct TryCurrentError(());

impl TryCurrentError {
    /// Always true: the only failure is the absence of a runtime.
    pub fn is_missing_context(&self) -> bool {
        true
    }
}

impl fmt::Display for TryCurrentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "there is no eddy runtime on this thread: `eddy::spawn` and `Handle::current()` \
             work only inside a runtime (in a task, or inside `Runtime::block_on` / \
             `eddy::run`). Start one with `eddy::run(main())` or `eddy::Runtime::new()`, or \
             pass a `Handle` to this thread and call `handle.spawn(..)` or `handle.enter()`",
        )
    }
}

impl fmt::Debug for TryCurrentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TryCurrentError")
            .field(&"no runtime")
            .finish()
    }
}

impl std::error::Error for TryCurrentError {}
