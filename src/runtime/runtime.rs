use std::fmt;
use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use eddy_executor::blocking::BlockingPool;
use eddy_executor::{CurrentThread, Executor};

use super::report::{PanicShutdown, UntilPanicShutdown};
use super::{Builder, Handle};
use crate::task::JoinHandle;

/// The event loop: worker threads that run tasks, and the entry point that runs a future
/// to completion — asyncio's loop with `run_until_complete`.
///
/// Dropping the runtime shuts it down: every worker finishes the poll it is in and exits
/// and is joined, then every task still alive has its future dropped (awaiting its
/// `JoinHandle` gives a cancellation error). [`run_in_executor`](crate::run_in_executor)
/// jobs still queued are cancelled, and the drop **waits for the running ones** to
/// return (a thread cannot be interrupted); use
/// [`shutdown_timeout`](Self::shutdown_timeout) to bound that wait or
/// [`shutdown_background`](Self::shutdown_background) to skip it.
///
/// # Examples
///
/// ```
/// let rt = eddy::Runtime::new().unwrap();
/// let answer = rt.block_on(async {
///     let task = eddy::spawn(async { 6 * 7 });
///     task.await.unwrap()
/// });
/// assert_eq!(answer, 42);
/// ```
pub struct Runtime {
    handle: Handle,
    scheduler: Option<Scheduler>,
    blocking: Option<BlockingPool>,
    /// Under `UnhandledPanic::ShutdownRuntime`: fired when a lost panic shuts us down.
    panic_shutdown: Option<Arc<PanicShutdown>>,
}

/// The runtime's flavour: worker threads, or the thread inside `block_on`.
pub(super) enum Scheduler {
    MultiThread(Executor),
    CurrentThread(CurrentThread),
}

// The runtime contains no state a caught panic could leave half-updated for the caller:
// tasks' panics are caught in the task harness, and every lock inside is released on
// unwind. tokio's Runtime and Handle are unwind-safe for the same reason, so that
// `catch_unwind(|| rt.block_on(..))` compiles.
impl std::panic::UnwindSafe for Runtime {}
impl std::panic::RefUnwindSafe for Runtime {}

impl Runtime {
    /// A runtime with the default configuration: one worker per CPU core.
    ///
    /// # Errors
    ///
    /// The OS error if a worker thread cannot be started.
    pub fn new() -> io::Result<Runtime> {
        Builder::new().build()
    }

    /// A [`Builder`] to configure the runtime.
    pub fn builder() -> Builder {
        Builder::new()
    }

    pub(super) fn from_parts(
        handle: Handle,
        scheduler: Scheduler,
        blocking: BlockingPool,
        panic_shutdown: Option<Arc<PanicShutdown>>,
    ) -> Runtime {
        Runtime {
            handle,
            scheduler: Some(scheduler),
            blocking: Some(blocking),
            panic_shutdown,
        }
    }

    /// Runs `future` to completion on the current thread — asyncio's
    /// `loop.run_until_complete(f)`. While it runs, this runtime is current on this
    /// thread. On a multi-thread runtime the future runs here and the tasks it spawns run
    /// on the workers; on a [current-thread](Builder::new_current_thread) runtime this
    /// thread runs the tasks, timers and I/O too (if another thread is already running
    /// them in its own `block_on`, this one polls its future and takes over when that one
    /// returns).
    ///
    /// # Panics
    ///
    /// With "this event loop is already running" if called from async code: inside a
    /// task, or inside another `block_on`. There, `.await` the future or spawn it. Under
    /// [`UnhandledPanic::ShutdownRuntime`](crate::runtime::UnhandledPanic::ShutdownRuntime),
    /// when a task's unretrieved panic shut the runtime down, naming the task.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = eddy::Runtime::new().unwrap();
    /// assert_eq!(rt.block_on(async { "done" }), "done");
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        if eddy_executor::is_entered() {
            already_running("Runtime::block_on");
        }
        let _current = self.handle.enter();
        match &self.panic_shutdown {
            None => self.handle.spawner.block_on(future),
            Some(signal) => self
                .handle
                .spawner
                .block_on(UntilPanicShutdown { future, signal }),
        }
    }

    /// Makes this runtime current on this thread until the guard drops, so that
    /// [`eddy::spawn`](crate::spawn), timers and sockets work outside `block_on` — tokio's
    /// `Runtime::enter`. The same as [`Handle::enter`].
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = eddy::Runtime::new().unwrap();
    /// let task = {
    ///     let _guard = rt.enter();
    ///     eddy::spawn(async { "spawned outside block_on" })
    /// };
    /// assert_eq!(rt.block_on(task).unwrap(), "spawned outside block_on");
    /// ```
    pub fn enter(&self) -> super::EnterGuard {
        self.handle.enter()
    }

    /// The runtime's [`Handle`], to spawn from other threads.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Spawns a task on this runtime; see [`Handle::spawn`].
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = eddy::Runtime::new().unwrap();
    /// let task = rt.spawn(async { "runs on a worker" });
    /// assert_eq!(rt.block_on(task).unwrap(), "runs on a worker");
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(future)
    }

    /// Runs the blocking function `f` on the runtime's blocking pool; see
    /// [`eddy::run_in_executor`](crate::run_in_executor).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = eddy::Runtime::new().unwrap();
    /// let job = rt.run_in_executor(|| std::env::current_dir().is_ok());
    /// assert!(rt.block_on(job).unwrap());
    /// ```
    #[track_caller]
    pub fn run_in_executor<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.handle.run_in_executor(f)
    }

    /// Shuts down, waiting at most `timeout` (in all, plus a little) for workers to finish
    /// their current poll and for running [`run_in_executor`](crate::run_in_executor)
    /// jobs to return.
    ///
    /// A worker stuck in a long poll is left to finish it on its own thread (its task's
    /// future is dropped when the poll returns); all other tasks are cancelled before this
    /// returns. Likewise a blocking job still running at the deadline is **left to finish
    /// on its own thread**, which then exits; queued jobs are cancelled.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = eddy::Runtime::new().unwrap();
    /// rt.spawn(std::future::pending::<()>());
    /// rt.shutdown_timeout(Duration::from_secs(1));
    /// ```
    pub fn shutdown_timeout(mut self, timeout: Duration) {
        self.shutdown(Some(timeout));
    }

    /// Shuts down without waiting for the workers: tasks are cancelled, and a worker in
    /// the middle of a poll exits when that poll returns. Queued blocking jobs are
    /// cancelled; running ones finish on their own threads, which then exit.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = eddy::Runtime::new().unwrap();
    /// let pending = rt.spawn(std::future::pending::<()>());
    /// rt.shutdown_background(); // returns at once
    /// assert!(eddy::run(pending).unwrap_err().is_cancelled());
    /// ```
    pub fn shutdown_background(mut self) {
        self.shutdown(Some(Duration::ZERO));
    }

    /// The shutdown order: the blocking pool first refuses new jobs and cancels queued
    /// ones (so none starts while the workers stop), then the workers stop and every task
    /// is cancelled, then the running blocking jobs get what is left of `timeout`.
    fn shutdown(&mut self, timeout: Option<Duration>) {
        let deadline = timeout.and_then(|t| std::time::Instant::now().checked_add(t));
        if let Some(pool) = &mut self.blocking {
            pool.begin_shutdown();
        }
        match self.scheduler.take() {
            Some(Scheduler::MultiThread(executor)) => match timeout {
                None => drop(executor),
                Some(t) if t.is_zero() => executor.shutdown_background(),
                Some(t) => drop(executor.shutdown_timeout(t)),
            },
            Some(Scheduler::CurrentThread(scheduler)) => match timeout {
                None => drop(scheduler),
                Some(t) => drop(scheduler.shutdown_timeout(t)),
            },
            None => {}
        }
        if let Some(mut pool) = self.blocking.take() {
            let left = match (timeout, deadline) {
                (None, _) => None,
                (Some(_), Some(deadline)) => {
                    Some(deadline.saturating_duration_since(std::time::Instant::now()))
                }
                (Some(t), None) => Some(t),
            };
            pool.shutdown(left);
        }
        self.handle.driver.shutdown();
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        if self.scheduler.is_none() {
            return;
        }
        if eddy_executor::is_entered() {
            // Joining workers here would block a thread that runs async code (and
            // deadlock on our own worker). Tear down without waiting, then say why.
            self.shutdown(Some(Duration::ZERO));
            if !std::thread::panicking() {
                panic!(
                    "a Runtime was dropped inside async code (this event loop is running: \
                     a task, or another runtime's `block_on`); dropping it there would \
                     block a worker. Drop it outside async code, or call \
                     `shutdown_background()` on it"
                );
            }
            return;
        }
        self.shutdown(None);
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("handle", &self.handle)
            .finish_non_exhaustive()
    }
}

pub(crate) use eddy_executor::already_running;
