//! The [`JoinSet`] itself: its tasks' handles by key, joined as the keys come in on the
//! ready list.
//!
//! The ready list gets a key when the task drops its future, just *before* the task
//! stores its output and becomes complete, so a handle taken from the ready list may still
//! say `Pending` for a moment; it is then kept on a re-check list, and its completion wakes
//! the set through the handle's own join waker.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use eddy_executor::coop;

use super::ready::{noop_waker, Ready};
use crate::task::{Id, JoinError, JoinHandle};

/// A set of tasks that finish in any order, joined as they finish — asyncio's
/// `TaskGroup` and `as_completed`.
///
/// [`spawn`](JoinSet::spawn) starts a task in the set; [`join_next`](JoinSet::join_next)
/// waits for the next one to finish, in completion order (not spawn order), and gives its
/// output or its [`JoinError`] (a panic comes back as [`JoinError::is_panic`]).
/// **Dropping the set aborts every task still in it**, as leaving a `TaskGroup` cancels
/// its tasks; [`detach_all`](JoinSet::detach_all) lets them run on instead.
///
/// # Examples
///
/// ```
/// use eddy::task::JoinSet;
///
/// eddy::run(async {
///     let mut set = JoinSet::new();
///     for i in 0..3u32 {
///         set.spawn(async move { i * 10 });
///     }
///     let mut outputs = Vec::new();
///     while let Some(result) = set.join_next().await {
///         outputs.push(result.unwrap());
///     }
///     outputs.sort();
///     assert_eq!(outputs, [0, 10, 20]);
///     assert!(set.is_empty());
/// });
/// ```
pub struct JoinSet<T> {
    /// The handles of the tasks in the set, by key.
    pub(super) tasks: HashMap<u64, JoinHandle<T>>,
    /// Keys the tasks pushed as they let go of their futures.
    pub(super) ready: Arc<Ready>,
    /// Keys taken from `ready` whose handle was not complete yet (see the module docs).
    recheck: VecDeque<u64>,
    /// The next key; keys are never reused, so a stale key from a detached task is
    /// simply not found.
    pub(super) next_key: u64,
}

impl<T> JoinSet<T> {
    /// An empty set.
    ///
    /// # Examples
    ///
    /// ```
    /// let set = eddy::task::JoinSet::<()>::new();
    /// assert!(set.is_empty());
    /// ```
    pub fn new() -> JoinSet<T> {
        JoinSet {
            tasks: HashMap::new(),
            ready: Ready::new(),
            recheck: VecDeque::new(),
            next_key: 0,
        }
    }

    /// The number of tasks in the set: spawned and not yet returned by
    /// [`join_next`](Self::join_next) (finished ones count until they are joined).
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let mut set = eddy::task::JoinSet::new();
    ///     set.spawn(async { 1 });
    ///     set.spawn(async { 2 });
    ///     assert_eq!(set.len(), 2);
    ///     set.join_next().await;
    ///     assert_eq!(set.len(), 1);
    /// });
    /// ```
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// True when the set holds no task.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let mut set = eddy::task::JoinSet::new();
    ///     set.spawn(async {});
    ///     assert!(!set.is_empty());
    ///     set.join_next().await;
    ///     assert!(set.is_empty());
    /// });
    /// ```
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// Aborts every task in the set. They stay in the set: [`join_next`](Self::join_next)
    /// returns each one, as a cancellation error unless it had already finished.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let mut set = eddy::task::JoinSet::new();
    ///     set.spawn(std::future::pending::<()>());
    ///     set.abort_all();
    ///     assert!(set.join_next().await.unwrap().unwrap_err().is_cancelled());
    /// });
    /// ```
    pub fn abort_all(&mut self) {
        for handle in self.tasks.values() {
            handle.abort();
        }
    }

    /// Removes every task from the set without aborting it: they run on, and their
    /// outputs are dropped when they finish.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let (tx, rx) = std::sync::mpsc::channel();
    ///     let mut set = eddy::task::JoinSet::new();
    ///     set.spawn(async move { tx.send("ran anyway").unwrap() });
    ///     set.detach_all();
    ///     drop(set); // does not abort the detached task
    ///     assert_eq!(rx.recv().unwrap(), "ran anyway");
    /// });
    /// ```
    pub fn detach_all(&mut self) {
        self.tasks.clear();
        self.recheck.clear();
        self.ready.clear();
    }

    /// Aborts every task and waits until all have finished, so that no future of the set
    /// is alive when it returns; the outputs are dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let mut set = eddy::task::JoinSet::new();
    ///     for _ in 0..3 {
    ///         set.spawn(std::future::pending::<()>());
    ///     }
    ///     set.shutdown().await;
    ///     assert!(set.is_empty());
    /// });
    /// ```
    pub async fn shutdown(&mut self) {
        self.abort_all();
        while self.join_next().await.is_some() {}
    }

    /// Waits for the next task to finish and returns its output, or `None` if the set is
    /// empty. Tasks come back in the order they finish.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped before it completes, no task's output is
    /// lost; the next call returns it.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let mut set = eddy::task::JoinSet::new();
    ///     let slow = set.spawn(std::future::pending::<&str>()); // spawned first
    ///     set.spawn(async { "fast" });
    ///     assert_eq!(set.join_next().await.unwrap().unwrap(), "fast");
    ///     slow.abort();
    ///     assert!(set.join_next().await.unwrap().unwrap_err().is_cancelled());
    ///     assert!(set.join_next().await.is_none());
    /// });
    /// ```
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        poll_fn(|cx| self.poll_join_next(cx)).await
    }

    /// Waits for every task in the set and returns their outputs in the order they
    /// finished (not the order they were spawned): [`join_next`](Self::join_next) in a
    /// loop.
    ///
    /// # Panics
    ///
    /// If a task fails: a task's panic is resumed with its own payload, and a cancelled
    /// task panics naming it. The set is dropped as the panic unwinds, which aborts the
    /// tasks still in it. To handle failures otherwise, call `join_next` in a loop.
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy::task::JoinSet;
    ///
    /// eddy::run(async {
    ///     let set: JoinSet<u32> = (1..=3).map(|i| async move { i * 10 }).collect();
    ///     let mut outputs = set.join_all().await;
    ///     outputs.sort();
    ///     assert_eq!(outputs, [10, 20, 30]);
    /// });
    /// ```
    pub async fn join_all(mut self) -> Vec<T> {
        let mut outputs = Vec::with_capacity(self.len());
        while let Some(result) = self.join_next().await {
            match result {
                Ok(output) => outputs.push(output),
                Err(err) => match err.try_into_panic() {
                    Ok(payload) => std::panic::resume_unwind(payload),
                    Err(err) => panic!("`JoinSet::join_all`: {err}"),
                },
            }
        }
        outputs
    }

    /// Like [`join_next`](Self::join_next), with the finished task's [`Id`] beside its
    /// output (a [`JoinError`] carries it as [`JoinError::id`]).
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let mut set = eddy::task::JoinSet::new();
    ///     let id = set.spawn(async { "done" }).id();
    ///     assert_eq!(set.join_next_with_id().await.unwrap().unwrap(), (id, "done"));
    /// });
    /// ```
    pub async fn join_next_with_id(&mut self) -> Option<Result<(Id, T), JoinError>> {
        poll_fn(|cx| self.poll_join_next_with_id(cx)).await
    }

    /// Returns the output of a task that has already finished, without waiting: `None`
    /// if no task has finished (or the set is empty).
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let mut set = eddy::task::JoinSet::new();
    ///     let handle = set.spawn(async { 7 });
    ///     while !handle.is_finished() {
    ///         eddy::task::yield_now().await;
    ///     }
    ///     assert_eq!(set.try_join_next().unwrap().unwrap(), 7);
    ///     assert!(set.try_join_next().is_none());
    /// });
    /// ```
    pub fn try_join_next(&mut self) -> Option<Result<T, JoinError>> {
        self.try_join_next_with_id()
            .map(|r| r.map(|(_, output)| output))
    }

    /// Like [`try_join_next`](Self::try_join_next), with the finished task's [`Id`] beside
    /// its output.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let mut set = eddy::task::JoinSet::new();
    ///     let handle = set.spawn(async { "done" });
    ///     while !handle.is_finished() {
    ///         eddy::task::yield_now().await;
    ///     }
    ///     let (id, output) = set.try_join_next_with_id().unwrap().unwrap();
    ///     assert_eq!((id, output), (handle.id(), "done"));
    /// });
    /// ```
    pub fn try_join_next_with_id(&mut self) -> Option<Result<(Id, T), JoinError>> {
        let waker = noop_waker();
        let mut cx = Context::from_waker(&waker);
        // Not a future, so it never stops early for the cooperative budget: awaiting a
        // handle spends a unit, and a loop of `try_join_next` would otherwise see `None`
        // once this poll's budget is gone, with finished tasks still in the set.
        coop::unconstrained(|| self.next_finished(&mut cx, false))
    }

    /// Polls for the next finished task: the poll form of [`join_next`](Self::join_next),
    /// for hand-written futures. `cx`'s waker is woken when a task finishes.
    pub fn poll_join_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        self.poll_join_next_with_id(cx)
            .map(|next| next.map(|r| r.map(|(_, output)| output)))
    }

    /// Polls for the next finished task with its id; see
    /// [`join_next_with_id`](Self::join_next_with_id).
    pub fn poll_join_next_with_id(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<(Id, T), JoinError>>> {
        if self.tasks.is_empty() {
            return Poll::Ready(None);
        }
        match self.next_finished(cx, true) {
            Some(done) => Poll::Ready(Some(done)),
            None => Poll::Pending,
        }
    }

    /// The result of a task that has finished, from the re-check list, then the ready
    /// list; `None` if none has. With `register`, `cx`'s waker is left on the ready list
    /// to be woken by the next task to finish.
    fn next_finished(
        &mut self,
        cx: &mut Context<'_>,
        register: bool,
    ) -> Option<Result<(Id, T), JoinError>> {
        // Keys seen before whose task had not quite completed: their join waker is the
        // last one they were polled with, and every poll of the set polls them again.
        for _ in 0..self.recheck.len() {
            let key = self.recheck.pop_front().expect("counted");
            if let Some(done) = self.poll_key(key, cx) {
                return Some(done);
            }
        }
        loop {
            let key = self.ready.pop(register.then_some(cx.waker()))?;
            if let Some(done) = self.poll_key(key, cx) {
                return Some(done);
            }
        }
    }

    /// Polls the handle of a task that let go of its future: its result if complete; else
    /// it goes on the re-check list (or is forgotten if the set no longer holds it).
    fn poll_key(&mut self, key: u64, cx: &mut Context<'_>) -> Option<Result<(Id, T), JoinError>> {
        let handle = self.tasks.get_mut(&key)?;
        match Pin::new(&mut *handle).poll(cx) {
            Poll::Ready(result) => {
                let id = handle.id();
                self.tasks.remove(&key);
                Some(result.map(|output| (id, output)))
            }
            Poll::Pending => {
                self.recheck.push_back(key);
                None
            }
        }
    }
}

impl<T> Drop for JoinSet<T> {
    fn drop(&mut self) {
        // Abort, then drop the handles (detaching): the runtime drops the futures.
        self.abort_all();
    }
}

impl<T> Default for JoinSet<T> {
    fn default() -> JoinSet<T> {
        JoinSet::new()
    }
}

impl<T> fmt::Debug for JoinSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinSet").field("len", &self.len()).finish()
    }
}
