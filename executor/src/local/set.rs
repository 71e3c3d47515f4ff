//! [`LocalSet`]: the handle a program holds. It owns the set's [`Owner`] (the
//! owner-thread part) through an `Rc`, so it is neither `Send` nor `Sync`.

use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::task::{Context, Poll};

use super::context;
use super::owner::Owner;
use super::shared::Handle;
use crate::task::{JoinHandle, SpawnMeta, TaskSnapshot};
use crate::Spawner;

/// A set of tasks that run on the thread that made it, so their futures need not be
/// `Send` — tokio's `LocalSet`; asyncio's tasks, which all run on their loop's thread.
///
/// Spawn with [`spawn_local`](LocalSet::spawn_local) (or the free function
/// [`task::spawn_local`](crate::task::spawn_local) from inside the set), then drive the set
/// from the thread that owns it: [`run_until`](LocalSet::run_until) runs its tasks
/// while a future of yours is polled, and the set is itself a future that completes
/// once it has no task left. Each poll runs at most 61 tasks before it returns to its
/// caller. Wakes from other threads are queued for this thread and wake the set.
///
/// Dropping the set cancels every task that is left: their futures are dropped on this
/// thread, and their `JoinHandle`s report cancellation.
///
/// The set follows the debug settings of the executor it is made under (see
/// [`new`](LocalSet::new)).
///
/// # Examples
///
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
///
/// use eddy_executor::local::LocalSet;
///
/// let local = LocalSet::new();
/// let log = Rc::new(RefCell::new(Vec::new())); // not Send: spawn could not take it
/// let output = eddy_executor::block_on(local.run_until(async {
///     let log2 = log.clone();
///     let task = eddy_executor::task::spawn_local(async move {
///         log2.borrow_mut().push("in a local task");
///         Rc::new(7) // the output need not be Send either
///     });
///     *task.await.unwrap()
/// }));
/// assert_eq!(output, 7);
/// assert_eq!(*log.borrow(), ["in a local task"]);
/// ```
///
/// It stays on its thread:
///
/// ```compile_fail,E0277
/// fn assert_send<T: Send>(_: T) {}
/// assert_send(eddy_executor::local::LocalSet::new());
/// ```
///
/// ```compile_fail,E0277
/// fn assert_sync<T: Sync>(_: &T) {}
/// assert_sync(&eddy_executor::local::LocalSet::new());
/// ```
pub struct LocalSet {
    owner: Rc<Owner>,
}

impl LocalSet {
    /// An empty set. Made on a worker thread of an [`Executor`](crate::Executor), it
    /// follows that executor's settings, as [`with_settings_of`](Self::with_settings_of)
    /// does; elsewhere, the defaults (no debug mode; an unread panic is reported on
    /// stderr).
    ///
    /// # Examples
    ///
    /// ```
    /// let local = eddy_executor::local::LocalSet::new();
    /// let task = local.spawn_local(async { "ran" });
    /// assert_eq!(eddy_executor::block_on(local.run_until(task)).unwrap(), "ran");
    /// ```
    pub fn new() -> LocalSet {
        LocalSet::with_reporter(Spawner::try_current())
    }

    /// An empty set that follows `executor`'s settings: in debug mode it counts each
    /// task's polls (see [`tasks`](Self::tasks)), and a panic nobody reads is handled as
    /// the executor handles its own tasks' (its `UnhandledPanic` policy and report
    /// hook). Its tasks still run here, not on the executor.
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy_executor::local::LocalSet;
    ///
    /// let executor = eddy_executor::Executor::builder()
    ///     .worker_threads(1)
    ///     .debug(true)
    ///     .build()
    ///     .unwrap();
    /// let local = LocalSet::with_settings_of(&executor.spawner());
    /// local.spawn_local(std::future::pending::<()>());
    /// // One turn: the task is polled once and waits.
    /// eddy_executor::block_on(local.run_until(eddy_executor::task::yield_now()));
    /// assert_eq!(local.tasks()[0].polls, Some(1)); // debug mode counts polls
    /// ```
    pub fn with_settings_of(executor: &Spawner) -> LocalSet {
        LocalSet::with_reporter(Some(executor.clone()))
    }

    fn with_reporter(reporter: Option<Spawner>) -> LocalSet {
        LocalSet {
            owner: Rc::new(Owner::new(Handle::new(reporter))),
        }
    }

    /// Spawns `future` as a task of this set; it runs when the set is driven. Neither
    /// the future nor its output need be `Send`. The returned [`JoinHandle`] awaits the
    /// output (from this thread, if the output is not `Send`), aborts the task or tells
    /// whether it finished, as for any task.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// let local = eddy_executor::local::LocalSet::new();
    /// let shared = Rc::new(5);
    /// let task = local.spawn_local({
    ///     let shared = shared.clone();
    ///     async move { *shared * 2 }
    /// });
    /// eddy_executor::block_on(local); // runs until no task is left
    /// assert!(task.is_finished());
    /// assert_eq!(eddy_executor::block_on(task).unwrap(), 10);
    /// ```
    #[track_caller]
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.owner.spawn(future, SpawnMeta::caller())
    }

    /// [`spawn_local`](Self::spawn_local) with an explicit name and spawn location
    /// (see [`SpawnMeta`]), for wrappers that spawn on their caller's behalf.
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy_executor::task::SpawnMeta;
    ///
    /// let local = eddy_executor::local::LocalSet::new();
    /// let task = local.spawn_local_with(async {}, SpawnMeta::caller().with_name("ui"));
    /// assert_eq!(task.info().name(), Some("ui"));
    /// ```
    pub fn spawn_local_with<F>(&self, future: F, meta: SpawnMeta<'_>) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.owner.spawn(future, meta)
    }

    /// Runs `future` to completion, running the set's tasks while it waits — asyncio's
    /// `run_until_complete` for a loop that holds other tasks. Inside `future` (and
    /// inside the tasks) [`task::spawn_local`](crate::task::spawn_local) spawns onto this
    /// set. Each poll polls `future` once, then runs at most 61 of the set's tasks
    /// (waking itself if more are ready) and returns, so a busy set still lets the
    /// caller's other work in. Tasks not finished when `future` is are kept for the
    /// next run (or cancelled when the set is dropped).
    ///
    /// # Examples
    ///
    /// ```
    /// let local = eddy_executor::local::LocalSet::new();
    /// let sum = eddy_executor::block_on(local.run_until(async {
    ///     let tasks: Vec<_> = (1..=4)
    ///         .map(|i| eddy_executor::task::spawn_local(async move { i * i }))
    ///         .collect();
    ///     let mut sum = 0;
    ///     for task in tasks {
    ///         sum += task.await.unwrap();
    ///     }
    ///     sum
    /// }));
    /// assert_eq!(sum, 30);
    /// ```
    pub async fn run_until<F: Future>(&self, future: F) -> F::Output {
        let mut future = pin!(future);
        poll_fn(|cx| {
            let _running = context::enter(&self.owner);
            if let Poll::Ready(output) = future.as_mut().poll(cx) {
                return Poll::Ready(output);
            }
            self.owner.run_ready(cx);
            Poll::Pending
        })
        .await
    }

    /// A snapshot of every live task of the set — asyncio's `all_tasks()` for this
    /// set: id, name, spawn location, state, and with debug mode (see
    /// [`with_settings_of`](Self::with_settings_of)) poll count and age.
    ///
    /// # Examples
    ///
    /// ```
    /// let local = eddy_executor::local::LocalSet::new();
    /// let task = local.spawn_local(std::future::pending::<()>());
    /// let tasks = local.tasks();
    /// assert_eq!(tasks.len(), 1);
    /// assert_eq!(tasks[0].info.id(), task.id());
    /// ```
    pub fn tasks(&self) -> Vec<TaskSnapshot> {
        self.owner.tasks()
    }
}

/// Runs the set's tasks until none is left (each poll runs at most 61 of them, then
/// wakes itself and returns if more are ready).
///
/// # Examples
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
///
/// let local = eddy_executor::local::LocalSet::new();
/// let count = Rc::new(Cell::new(0));
/// for _ in 0..3 {
///     let count = count.clone();
///     local.spawn_local(async move { count.set(count.get() + 1) });
/// }
/// eddy_executor::block_on(local);
/// assert_eq!(count.get(), 3);
/// ```
impl Future for LocalSet {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let _running = context::enter(&self.owner);
        self.owner.poll_until_empty(cx)
    }
}

impl Default for LocalSet {
    fn default() -> LocalSet {
        LocalSet::new()
    }
}

/// Cancels every task left, on this thread: their futures are dropped here (each as if
/// aborted), and their `JoinHandle`s report cancellation.
impl Drop for LocalSet {
    fn drop(&mut self) {
        // Running while it tears down: tasks woken by the destructors queue here, and a
        // `spawn_local` from one finds this set (closed: the task is cancelled at once)
        // rather than an outer one.
        let _running = context::enter(&self.owner);
        self.owner.shutdown();
    }
}

impl fmt::Debug for LocalSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalSet")
            .field("handle", &self.owner.handle)
            .finish_non_exhaustive()
    }
}
