//! [`LocalSet`] and [`spawn_local`](super::spawn_local): tasks whose futures are not `Send`, kept on one
//! thread — tokio's `LocalSet`; in asyncio every task is such a task.
//!
//! The set itself is `eddy_executor::local::LocalSet` (its module docs tell how a local
//! task is kept on its thread); this wrapper adds [`LocalSet::block_on`] and takes the
//! current runtime's debug settings.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::JoinHandle;
use crate::runtime::context;
use crate::Runtime;

/// A set of tasks that run on the thread that made it, so their futures (and outputs)
/// need not be `Send`: an `Rc<RefCell<_>>` can be shared between them, as asyncio's
/// tasks share plain objects on their loop's thread.
///
/// Drive the set from its own thread:
///
/// * [`block_on(&rt, future)`](Self::block_on): `rt.block_on(local.run_until(future))`,
///   the usual entry point.
/// * [`run_until(future).await`](Self::run_until): runs the set's tasks while `future`
///   is polled; inside it, [`spawn_local`](super::spawn_local) spawns onto this set.
/// * `local.await`: the set is a future that completes when its last task has.
///
/// One poll of the set runs at most 61 of its tasks, then returns to its caller (waking
/// it if more are ready). A local task woken from another thread (a channel sent from a
/// worker, a `std::thread`) is queued for this thread and wakes the set. `abort`,
/// [`JoinError`](super::JoinError), `is_finished` and [`yield_now`](super::yield_now)
/// work as for other tasks.
///
/// Dropping the set cancels every task it still holds: their futures are dropped on this
/// thread, and their `JoinHandle`s report cancellation.
///
/// Made where a runtime is current (inside `block_on`, a task, a `run_in_executor` job,
/// or under [`Handle::enter`](crate::Handle::enter)), the set follows that runtime's
/// [debug mode](crate::Builder::debug) (poll counts in [`tasks`](Self::tasks)) and its
/// [`unhandled_panic`](crate::Builder::unhandled_panic) policy.
///
/// # Examples
///
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
///
/// use eddy::task::{spawn_local, LocalSet};
///
/// let rt = eddy::Runtime::new().unwrap();
/// let local = LocalSet::new();
/// let log = Rc::new(RefCell::new(Vec::new())); // Rc: not Send, so not for eddy::spawn
/// local.block_on(&rt, async {
///     let tasks: Vec<_> = ["one", "two", "three"]
///         .into_iter()
///         .map(|word| {
///             let log = log.clone();
///             spawn_local(async move {
///                 eddy::task::yield_now().await;
///                 log.borrow_mut().push(word);
///             })
///         })
///         .collect();
///     for task in tasks {
///         task.await.unwrap();
///     }
/// });
/// assert_eq!(*log.borrow(), ["one", "two", "three"]);
/// ```
///
/// A `LocalSet` cannot move to another thread, so a task of the multi-threaded runtime
/// cannot hold one across an `.await`; run it on a thread of its own (a
/// `run_in_executor` job, or a `std::thread`) instead:
///
/// ```compile_fail,E0277
/// eddy::run(async {
///     eddy::spawn(async {
///         let local = eddy::task::LocalSet::new();
///         local.run_until(async {}).await; // error: the future is not Send
///     });
/// });
/// ```
pub struct LocalSet {
    inner: eddy_executor::local::LocalSet,
}

impl LocalSet {
    /// An empty set; see the type's docs for the debug settings it takes from the
    /// current runtime, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// let local = eddy::task::LocalSet::new();
    /// assert!(local.tasks().is_empty());
    /// ```
    pub fn new() -> LocalSet {
        let inner = context::with_current(|handle| {
            eddy_executor::local::LocalSet::with_settings_of(&handle.spawner)
        });
        LocalSet {
            inner: inner.unwrap_or_default(),
        }
    }

    /// Spawns `future` as a task of this set; it runs when the set is driven (see the
    /// type's docs). Neither the future nor its output need be `Send`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// let rt = eddy::Runtime::new().unwrap();
    /// let local = eddy::task::LocalSet::new();
    /// let task = local.spawn_local(async { Rc::new("not Send") });
    /// let output = local.block_on(&rt, task).unwrap();
    /// assert_eq!(*output, "not Send");
    /// ```
    #[track_caller]
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.inner.spawn_local(future)
    }

    /// Runs `future` to completion, running the set's tasks while it waits. Inside it,
    /// [`spawn_local`](super::spawn_local) spawns onto this set. Tasks still pending when `future` completes
    /// stay in the set, for its next run.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = eddy::Runtime::new().unwrap();
    /// let local = eddy::task::LocalSet::new();
    /// let answer = rt.block_on(local.run_until(async {
    ///     eddy::task::spawn_local(async { 42 }).await.unwrap()
    /// }));
    /// assert_eq!(answer, 42);
    /// ```
    pub async fn run_until<F: Future>(&self, future: F) -> F::Output {
        self.inner.run_until(future).await
    }

    /// Runs `future` on `rt` from this thread, with the set's tasks running here while
    /// it waits: `rt.block_on(local.run_until(future))`. Tasks spawned with
    /// [`eddy::spawn`](crate::spawn) still run on `rt`'s workers.
    ///
    /// # Panics
    ///
    /// As [`Runtime::block_on`]: with "this event loop is already running" from async
    /// code.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// let rt = eddy::Runtime::new().unwrap();
    /// let local = eddy::task::LocalSet::new();
    /// let total = local.block_on(&rt, async {
    ///     let from_worker = eddy::spawn(async { 20 }); // Send: runs on a worker
    ///     let here = Rc::new(22); // not Send: stays here
    ///     let local_task = eddy::task::spawn_local(async move { *here });
    ///     from_worker.await.unwrap() + local_task.await.unwrap()
    /// });
    /// assert_eq!(total, 42);
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, rt: &Runtime, future: F) -> F::Output {
        rt.block_on(self.run_until(future))
    }

    /// A snapshot of every live task of the set (asyncio's `all_tasks()` for it); with
    /// debug mode, poll counts and ages too.
    ///
    /// # Examples
    ///
    /// ```
    /// let local = eddy::task::LocalSet::new();
    /// let task = local.spawn_local(std::future::pending::<()>());
    /// assert_eq!(local.tasks()[0].info.id(), task.id());
    /// ```
    pub fn tasks(&self) -> Vec<super::TaskSnapshot> {
        self.inner.tasks()
    }
}

/// Runs the set's tasks until none is left.
///
/// # Examples
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
///
/// let rt = eddy::Runtime::new().unwrap();
/// let local = eddy::task::LocalSet::new();
/// let done = Rc::new(Cell::new(0));
/// for _ in 0..3 {
///     let done = done.clone();
///     local.spawn_local(async move { done.set(done.get() + 1) });
/// }
/// rt.block_on(local);
/// assert_eq!(done.get(), 3);
/// ```
impl Future for LocalSet {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.inner).poll(cx)
    }
}

impl Default for LocalSet {
    fn default() -> LocalSet {
        LocalSet::new()
    }
}

impl fmt::Debug for LocalSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalSet").finish_non_exhaustive()
    }
}
