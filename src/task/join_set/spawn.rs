//! Spawning into a [`JoinSet`]: tasks, local tasks and blocking jobs, each carrying the
//! guard that reports to the set when the task lets go of its future or closure.

use std::future::Future;

use super::ready::{Guard, Notifying};
use super::JoinSet;
use crate::runtime::Handle;
use crate::task::{AbortHandle, JoinHandle, LocalSet};

impl<T: Send + 'static> JoinSet<T> {
    /// Spawns `future` as a task in the set on the current runtime, returning a handle to
    /// abort it on its own.
    ///
    /// # Panics
    ///
    /// Outside a runtime, as [`eddy::spawn`](crate::spawn) does; use
    /// [`spawn_on`](Self::spawn_on) with a [`Handle`] there.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let mut set = eddy::task::JoinSet::new();
    ///     let abort = set.spawn(std::future::pending::<()>());
    ///     abort.abort();
    ///     assert!(set.join_next().await.unwrap().unwrap_err().is_cancelled());
    /// });
    /// ```
    #[track_caller]
    pub fn spawn<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
    {
        let future = Notifying::new(future, self.next_guard());
        self.insert(crate::spawn(future))
    }

    /// Spawns `future` as a task in the set on the runtime of `handle`.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = eddy::Runtime::new().unwrap();
    /// let mut set = eddy::task::JoinSet::new();
    /// set.spawn_on(async { "from outside" }, rt.handle());
    /// let out = rt.block_on(set.join_next()).unwrap().unwrap();
    /// assert_eq!(out, "from outside");
    /// ```
    #[track_caller]
    pub fn spawn_on<F>(&mut self, future: F, handle: &Handle) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
    {
        let future = Notifying::new(future, self.next_guard());
        self.insert(handle.spawn(future))
    }

    /// Runs the blocking closure `f` on the current runtime's blocking pool as a member
    /// of the set (asyncio's `run_in_executor`, joined with the rest). Aborting it before
    /// it starts cancels it; once it runs, it runs to the end.
    ///
    /// # Panics
    ///
    /// Outside a runtime, as [`eddy::run_in_executor`](crate::run_in_executor) does; use
    /// [`spawn_blocking_on`](Self::spawn_blocking_on) with a [`Handle`] there.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let mut set = eddy::task::JoinSet::new();
    ///     set.spawn_blocking(|| std::fs::metadata(".").is_ok());
    ///     set.spawn(async { true });
    ///     assert_eq!(set.join_all().await, [true, true]);
    /// });
    /// ```
    #[track_caller]
    pub fn spawn_blocking<F>(&mut self, f: F) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
    {
        let guard = self.next_guard();
        self.insert(crate::task::spawn_blocking(move || {
            // Dropped when `f` returns or unwinds, or with the closure if the job is
            // cancelled before it runs: the set hears of every end.
            let _guard = guard;
            f()
        }))
    }

    /// Runs the blocking closure `f` on the blocking pool of `handle`'s runtime as a
    /// member of the set.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = eddy::Runtime::new().unwrap();
    /// let mut set = eddy::task::JoinSet::new();
    /// set.spawn_blocking_on(|| 6 * 7, rt.handle());
    /// assert_eq!(rt.block_on(set.join_next()).unwrap().unwrap(), 42);
    /// ```
    #[track_caller]
    pub fn spawn_blocking_on<F>(&mut self, f: F, handle: &Handle) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
    {
        let guard = self.next_guard();
        self.insert(handle.run_in_executor(move || {
            let _guard = guard;
            f()
        }))
    }
}

impl<T: 'static> JoinSet<T> {
    /// Spawns the `!Send` `future` as a local task in the set, as
    /// [`eddy::task::spawn_local`](crate::task::spawn_local) does: inside a [`LocalSet`]
    /// or on a current-thread runtime's loop thread. The set itself then stays on that
    /// thread (it holds `!Send` outputs only if `T` is `!Send`).
    ///
    /// # Panics
    ///
    /// Where `spawn_local` panics: with neither a `LocalSet` nor a current-thread loop
    /// here.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// let rt = eddy::Builder::new_current_thread().build().unwrap();
    /// rt.block_on(async {
    ///     let mut set = eddy::task::JoinSet::new();
    ///     for i in 0..3 {
    ///         let shared = Rc::new(i);
    ///         set.spawn_local(async move { *shared * 2 });
    ///     }
    ///     let mut doubled = set.join_all().await;
    ///     doubled.sort();
    ///     assert_eq!(doubled, [0, 2, 4]);
    /// });
    /// ```
    #[track_caller]
    pub fn spawn_local<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
    {
        let future = Notifying::new(future, self.next_guard());
        self.insert(crate::task::spawn_local(future))
    }

    /// Spawns the `!Send` `future` as a task of `local_set` and a member of this set; it
    /// runs when `local_set` is driven.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// let rt = eddy::Runtime::new().unwrap();
    /// let local = eddy::task::LocalSet::new();
    /// let mut set = eddy::task::JoinSet::new();
    /// let name = Rc::new("local");
    /// set.spawn_local_on(async move { name.len() }, &local);
    /// let len = local.block_on(&rt, set.join_next()).unwrap().unwrap();
    /// assert_eq!(len, 5);
    /// ```
    #[track_caller]
    pub fn spawn_local_on<F>(&mut self, future: F, local_set: &LocalSet) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
    {
        let future = Notifying::new(future, self.next_guard());
        self.insert(local_set.spawn_local(future))
    }
}

impl<T> JoinSet<T> {
    /// A guard for the next task's key.
    fn next_guard(&mut self) -> Guard {
        let key = self.next_key;
        self.next_key += 1;
        Guard::new(key, self.ready.clone())
    }

    /// Adds the handle of the task `next_guard` was last made for.
    fn insert(&mut self, handle: JoinHandle<T>) -> AbortHandle {
        let abort = handle.abort_handle();
        self.tasks.insert(self.next_key - 1, handle);
        abort
    }
}
