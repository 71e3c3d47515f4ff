use std::fmt;
use std::future::Future;
use std::io;
use std::sync::Arc as StdArc;
use std::time::Duration;

use super::metrics::WorkerMetrics;
use super::shared::Handle;
use super::{context, queue, worker, Builder};
use crate::current_thread;
use crate::debug::DebugConfig;
use crate::loom::thread;
use crate::park::Park;
use crate::task::{JoinError, JoinHandle, Schedule, SpawnMeta, TaskInfo, TaskSnapshot};
use crate::threads::ThreadSettings;

/// The multi-threaded, work-stealing scheduler: N worker threads and their queues.
///
/// Dropping it shuts it down: every worker finishes its current poll and exits, is
/// joined, and every task's future is dropped (their `JoinHandle`s report cancellation).
///
/// # Examples
///
/// ```
/// let executor = eddy_executor::Executor::builder().worker_threads(2).build().unwrap();
/// let spawner = executor.spawner();
/// let tasks: Vec<_> = (0..10u64).map(|i| spawner.spawn(async move { i * i })).collect();
/// let sum: u64 = eddy_executor::block_on(async {
///     let mut sum = 0;
///     for t in tasks {
///         sum += t.await.unwrap();
///     }
///     sum
/// });
/// assert_eq!(sum, 285);
/// ```
pub struct Executor {
    shared: Handle,
    workers: Vec<thread::JoinHandle<()>>,
    /// Debug mode's watchdog thread.
    #[cfg(not(eddy_loom))]
    watchdog: Option<super::watchdog::Watchdog>,
}

/// A cheap, cloneable handle that spawns onto an [`Executor`] from any thread.
///
/// # Examples
///
/// ```
/// let executor = eddy_executor::Executor::builder().worker_threads(2).build().unwrap();
/// let spawner = executor.spawner();
/// let from_thread = std::thread::spawn(move || spawner.spawn(async { 1 + 1 }))
///     .join()
///     .unwrap();
/// assert_eq!(eddy_executor::block_on(from_thread).unwrap(), 2);
/// ```
#[derive(Clone)]
pub struct Spawner {
    kind: Kind,
}

/// Which scheduler a [`Spawner`] spawns onto.
#[derive(Clone)]
enum Kind {
    MultiThread(Handle),
    CurrentThread(current_thread::Handle),
}

impl Executor {
    /// A [`Builder`] with the defaults.
    pub fn builder() -> Builder {
        Builder::new()
    }

    pub(super) fn start(
        workers: usize,
        park: StdArc<dyn Park>,
        threads: ThreadSettings,
        debug: DebugConfig,
        seed: u64,
    ) -> io::Result<Executor> {
        let (locals, stealers): (Vec<_>, Vec<_>) = (0..workers).map(|_| queue::local()).unzip();
        let debug_enabled = debug.enabled;
        let shared = Handle::new(stealers.into_boxed_slice(), park, debug);
        let mut executor = Executor {
            shared: shared.clone(),
            workers: Vec::with_capacity(workers),
            #[cfg(not(eddy_loom))]
            watchdog: None,
        };
        #[cfg(not(eddy_loom))]
        if debug_enabled {
            executor.watchdog = Some(super::watchdog::Watchdog::start(
                shared.clone(),
                threads.thread_name_of("watchdog"),
            )?);
        }
        #[cfg(eddy_loom)]
        let _ = debug_enabled;
        for (index, local) in locals.into_iter().enumerate() {
            let shared = shared.clone();
            let on_start = threads.on_start().cloned();
            let on_stop = threads.on_stop().cloned();
            let spawned = threads.spawn(eddy_faults::Call::SpawnWorker, index, move || {
                // Counts the exit even if a hook panics, so shutdown never waits forever.
                struct Exit(Handle);
                impl Drop for Exit {
                    fn drop(&mut self) {
                        self.0.worker_exited();
                    }
                }
                let exit = Exit(shared.clone());
                worker::run(shared, index, local, seed, on_start.as_deref());
                if let Some(f) = &on_stop {
                    f();
                }
                drop(exit);
            });
            match spawned {
                Ok(handle) => executor.workers.push(handle),
                // Dropping `executor` stops the workers already started.
                Err(err) => return Err(err),
            }
        }
        Ok(executor)
    }

    /// A handle for spawning tasks.
    pub fn spawner(&self) -> Spawner {
        Spawner {
            kind: Kind::MultiThread(self.shared.clone()),
        }
    }

    /// Shuts down, waiting at most `timeout` for the workers to finish their current
    /// polls. A worker stuck in a poll longer than that is left running on its own (its
    /// task is cancelled when the poll returns); everything else is torn down as in
    /// `Drop`. Returns true if every worker was joined.
    pub fn shutdown_timeout(mut self, timeout: Duration) -> bool {
        self.shutdown(Some(timeout))
    }

    /// Shuts down without waiting for the workers (they exit after their current poll).
    pub fn shutdown_background(mut self) {
        self.shutdown(Some(Duration::ZERO));
    }

    fn shutdown(&mut self, timeout: Option<Duration>) -> bool {
        if self.workers.is_empty() && self.shared.is_shutdown() {
            return true;
        }
        self.shared.begin_shutdown();
        let on_own_worker =
            context::with_worker(|cx| cx.is_some_and(|cx| cx.shared.same(&self.shared)));
        let joined = if on_own_worker {
            // Joining ourselves would deadlock: the other workers exit by themselves.
            self.workers.clear();
            false
        } else {
            self.join_workers(timeout)
        };
        #[cfg(not(eddy_loom))]
        if let Some(mut watchdog) = self.watchdog.take() {
            watchdog.stop();
        }
        if self.shared.debug.enabled {
            // Named before their futures go: "Task was destroyed but it is pending!"
            self.shared.report_pending_tasks();
        }
        // No worker polls anymore (or the stuck ones will see CANCELLED): drop every
        // future, then the cancelled tasks' queue entries.
        self.shared.owned.close_and_shutdown_all();
        self.shared.drain_injector();
        if joined {
            // A worker still stuck in a poll owns its queue; it drains it when it exits.
            self.shared.drain_local_queues();
        }
        joined
    }

    #[cfg(not(eddy_loom))]
    fn join_workers(&mut self, timeout: Option<Duration>) -> bool {
        let all_exited = match timeout {
            None => true,
            Some(timeout) => {
                let deadline = std::time::Instant::now()
                    .checked_add(timeout)
                    .unwrap_or_else(|| {
                        std::time::Instant::now() + Duration::from_secs(86400 * 365)
                    });
                self.shared.wait_for_workers(deadline)
            }
        };
        for handle in self.workers.drain(..) {
            if all_exited || handle.is_finished() {
                let _ = handle.join();
            }
            // Otherwise detached: it exits when its poll returns.
        }
        all_exited
    }

    #[cfg(eddy_loom)]
    fn join_workers(&mut self, _timeout: Option<Duration>) -> bool {
        for handle in self.workers.drain(..) {
            handle.join().unwrap();
        }
        true
    }
}

impl Drop for Executor {
    fn drop(&mut self) {
        self.shutdown(None);
    }
}

impl Spawner {
    pub(crate) fn current_thread(handle: current_thread::Handle) -> Spawner {
        Spawner {
            kind: Kind::CurrentThread(handle),
        }
    }

    /// Spawns `future` as a task — asyncio's `loop.create_task`. It starts running on a
    /// worker right away (on a current-thread scheduler: when the thread in `block_on`
    /// gets to it); the returned [`JoinHandle`] awaits its output. After the executor
    /// shut down, the task is cancelled at once (the handle says so). The task records
    /// the caller's source location ([`JoinHandle::info`]).
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.spawn_with(future, SpawnMeta::caller())
    }

    /// Spawns `future` with an explicit name and spawn location (see [`SpawnMeta`]):
    /// for wrappers that spawn on their caller's behalf.
    pub fn spawn_with<F>(&self, future: F, meta: SpawnMeta<'_>) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match &self.kind {
            Kind::MultiThread(shared) => shared.spawn(future, meta),
            Kind::CurrentThread(handle) => handle.spawn(future, meta),
        }
    }

    /// Spawns a future that need not be `Send` on a current-thread scheduler: it runs
    /// only on the calling thread, which must be the thread that spawned the scheduler's
    /// first local task (the first call fixes it). Gives the future back on a
    /// multi-thread executor, or on another thread.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// let rt = eddy_executor::Builder::new().build_current_thread().unwrap();
    /// let spawner = rt.spawner();
    /// let shared = Rc::new(20);
    /// let answer = rt.block_on(async move {
    ///     let mine = shared.clone();
    ///     let meta = eddy_executor::task::SpawnMeta::caller();
    ///     let task = spawner.spawn_local(async move { *mine + 1 }, meta);
    ///     task.ok().unwrap().await.unwrap() + *shared + 1
    /// });
    /// assert_eq!(answer, 42);
    /// ```
    pub fn spawn_local<F>(&self, future: F, meta: SpawnMeta<'_>) -> Result<JoinHandle<F::Output>, F>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        match &self.kind {
            Kind::MultiThread(_) => Err(future),
            Kind::CurrentThread(handle) => handle.spawn_local(future, meta),
        }
    }

    /// Runs `future` to completion on this thread. On a current-thread scheduler this
    /// thread runs the scheduler's tasks while it waits (unless another thread is already
    /// doing so); on a multi-thread one the workers run them and this thread parks.
    ///
    /// # Panics
    ///
    /// With "this event loop is already running" when called from async code.
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        match &self.kind {
            Kind::MultiThread(_) => crate::block_on(future),
            Kind::CurrentThread(handle) => current_thread::block_on(handle, future),
        }
    }

    /// True for a current-thread scheduler.
    pub fn is_current_thread(&self) -> bool {
        matches!(self.kind, Kind::CurrentThread(_))
    }

    /// A snapshot of every live task — asyncio's `all_tasks()`: id, name, spawn
    /// location, state, and in debug mode its poll count and age. A current-thread
    /// scheduler's local tasks are listed only when called on their thread.
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy_executor::task::SpawnMeta;
    ///
    /// let rt = eddy_executor::Executor::builder().worker_threads(1).build().unwrap();
    /// let meta = SpawnMeta::caller().with_name("forever");
    /// let handle = rt.spawner().spawn_with(std::future::pending::<()>(), meta);
    /// let tasks = rt.spawner().tasks();
    /// let task = tasks.iter().find(|t| t.info.id() == handle.id()).unwrap();
    /// assert_eq!(task.info.name(), Some("forever"));
    /// ```
    pub fn tasks(&self) -> Vec<TaskSnapshot> {
        match &self.kind {
            Kind::MultiThread(shared) => shared.tasks(),
            Kind::CurrentThread(handle) => {
                let mut tasks = handle.owned.snapshot();
                tasks.extend(handle.local_tasks());
                tasks
            }
        }
    }

    /// How many tasks are alive (spawned and not yet completed or cancelled): what
    /// [`tasks`](Self::tasks) lists, counted without walking the list (a count per shard
    /// of the task list, kept under the lock a spawn and a completion take anyway). A
    /// current-thread scheduler's local tasks are counted only when called on their
    /// thread.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = eddy_executor::Executor::builder().worker_threads(1).build().unwrap();
    /// let spawner = rt.spawner();
    /// let _a = spawner.spawn(std::future::pending::<()>());
    /// let _b = spawner.spawn(std::future::pending::<()>());
    /// assert_eq!(spawner.tasks_alive(), 2);
    /// assert_eq!(spawner.tasks_alive(), spawner.tasks().len());
    /// ```
    pub fn tasks_alive(&self) -> usize {
        match &self.kind {
            Kind::MultiThread(shared) => shared.tasks_alive(),
            Kind::CurrentThread(handle) => handle.owned.len() + handle.local_tasks_alive(),
        }
    }

    /// Every worker's counters (polls, steals, parks, LIFO hits, queue depth). A
    /// current-thread scheduler reports one "worker": the loop.
    pub fn worker_metrics(&self) -> Vec<WorkerMetrics> {
        match &self.kind {
            Kind::MultiThread(shared) => shared.worker_metrics(),
            Kind::CurrentThread(handle) => vec![handle.counters.read(handle.queue_depth())],
        }
    }

    /// Tasks waiting in the global injector queue.
    pub fn injector_depth(&self) -> usize {
        match &self.kind {
            Kind::MultiThread(shared) => shared.injector_depth(),
            Kind::CurrentThread(handle) => handle.injector_depth(),
        }
    }

    /// True when the executor runs in debug mode.
    pub fn is_debug(&self) -> bool {
        match &self.kind {
            Kind::MultiThread(shared) => shared.debug.enabled,
            Kind::CurrentThread(handle) => handle.debug.enabled,
        }
    }

    /// The executor whose loop this thread runs, if any: a worker thread, or the thread
    /// inside a current-thread scheduler's `block_on`.
    pub fn try_current() -> Option<Spawner> {
        let worker = context::with_worker(|cx| {
            cx.map(|cx| Spawner {
                kind: Kind::MultiThread(cx.shared.clone()),
            })
        });
        worker.or_else(|| current_thread::current().map(Spawner::current_thread))
    }

    /// The index of the current thread among this executor's workers (`0..num_workers`),
    /// or `None` if it is not one of them. On a current-thread scheduler, `Some(0)` on
    /// the thread running its loop.
    pub fn current_worker(&self) -> Option<usize> {
        match &self.kind {
            Kind::MultiThread(shared) => context::with_worker(|cx| {
                cx.filter(|cx| cx.shared.same(shared)).map(|cx| cx.index())
            }),
            Kind::CurrentThread(handle) => current_thread::runs_here(handle).then_some(0),
        }
    }

    /// The number of worker threads (1 for a current-thread scheduler: its loop).
    pub fn num_workers(&self) -> usize {
        match &self.kind {
            Kind::MultiThread(shared) => shared.num_workers(),
            Kind::CurrentThread(_) => 1,
        }
    }

    /// True once the executor has begun shutting down.
    pub fn is_shutdown(&self) -> bool {
        match &self.kind {
            Kind::MultiThread(shared) => shared.is_shutdown(),
            Kind::CurrentThread(handle) => handle.is_shutdown(),
        }
    }

    /// Handles a panic nobody will read as this executor handles its own tasks' (its
    /// `UnhandledPanic` policy and report hook): for a `LocalSet` that follows it.
    pub(crate) fn unhandled_panic(&self, task: TaskInfo, error: &JoinError) {
        match &self.kind {
            Kind::MultiThread(shared) => Schedule::unhandled_panic(shared, task, error),
            Kind::CurrentThread(handle) => Schedule::unhandled_panic(handle, task, error),
        }
    }

    /// True when both handles spawn onto the same executor.
    pub fn same_executor(&self, other: &Spawner) -> bool {
        match (&self.kind, &other.kind) {
            (Kind::MultiThread(a), Kind::MultiThread(b)) => a.same(b),
            (Kind::CurrentThread(a), Kind::CurrentThread(b)) => a.same(b),
            _ => false,
        }
    }
}

impl fmt::Debug for Executor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Executor")
            .field("shared", &self.shared)
            .finish()
    }
}

impl fmt::Debug for Spawner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut f = f.debug_struct("Spawner");
        match &self.kind {
            Kind::MultiThread(shared) => f.field("shared", shared),
            Kind::CurrentThread(handle) => f.field("shared", handle),
        };
        f.finish()
    }
}
