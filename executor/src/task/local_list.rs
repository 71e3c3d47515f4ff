//! The owned-task list of one thread's local tasks: `list.rs`'s intrusive list without
//! its lock, because only the owning thread ever links, unlinks or walks it (a local
//! task is spawned, polled, completed and shut down on that thread). Another thread may
//! only close it to new tasks.

use std::cell::UnsafeCell;
use std::fmt;
use std::marker::PhantomData;

use super::list::Shard;
use super::{Notified, RawTask, Schedule, Task, TaskSnapshot};
use crate::loom::atomic::{AtomicBool, Ordering};

/// Every live local task of one scheduler, owned by one thread.
///
/// # Invariants
///
/// * `shard` (and the links of its members) is touched only by the owner thread: every
///   method that does is `unsafe`, with that as its contract.
pub(crate) struct LocalOwnedTasks<S: 'static> {
    shard: UnsafeCell<Shard>,
    /// Set by `close` from any thread: later binds are refused.
    closed: AtomicBool,
    _scheduler: PhantomData<S>,
}

// SAFETY: the shard is touched only by its owner thread (type invariant, upheld by the
// callers of the unsafe methods); `closed` is atomic. The tasks are `Send` as handles
// (`RawTask`); their futures stay on the owner thread (`task::new_local_task`).
unsafe impl<S> Sync for LocalOwnedTasks<S> {}
// SAFETY: as above.
unsafe impl<S> Send for LocalOwnedTasks<S> {}

impl<S: Schedule> LocalOwnedTasks<S> {
    pub(crate) fn new() -> LocalOwnedTasks<S> {
        LocalOwnedTasks {
            shard: UnsafeCell::new(Shard::new()),
            closed: AtomicBool::new(false),
            _scheduler: PhantomData,
        }
    }

    /// Adds a new task; if the list is closed, cancels it at once and returns `None`.
    ///
    /// # Safety
    ///
    /// * Called on the owner thread.
    pub(crate) unsafe fn bind(&self, task: Task<S>, notified: Notified<S>) -> Option<Notified<S>> {
        // SAFETY: the owner thread (contract) has the shard to itself.
        let shard = unsafe { &mut *self.shard.get() };
        if shard.closed || self.closed.load(Ordering::Acquire) {
            task.shutdown();
            drop(notified);
            return None;
        }
        // SAFETY: the owner thread has the shard to itself; the task is new, live and in
        // no list, and its list reference goes to the shard.
        unsafe { shard.link(task.into_raw().header_ptr()) };
        Some(notified)
    }

    /// Removes a completing task, returning the list's reference.
    ///
    /// # Safety
    ///
    /// * Called on the owner thread, for a task of this list.
    pub(crate) unsafe fn remove(&self, task: &Task<S>) -> Option<Task<S>> {
        let ptr = task.raw().header_ptr();
        // SAFETY: the owner thread has the shard to itself; the caller's reference keeps
        // the task live, and it was only ever linked here.
        if !unsafe { (*self.shard.get()).unlink(ptr) } {
            return None;
        }
        // SAFETY: the list's reference, handed back.
        Some(unsafe { Task::from_raw(RawTask::from_raw(ptr)) })
    }

    /// Closes the list, then cancels every task in it, dropping idle futures here.
    ///
    /// # Safety
    ///
    /// * Called on the owner thread.
    pub(crate) unsafe fn close_and_shutdown_all(&self) {
        self.close();
        loop {
            // SAFETY: the owner thread has the shard to itself; the borrow ends before the
            // task is shut down (its destructor may spawn, refused, or complete others).
            let popped = unsafe {
                let shard = &mut *self.shard.get();
                shard.closed = true;
                shard.pop()
            };
            let Some(ptr) = popped else { return };
            // SAFETY: the list's reference, handed to us by `pop`.
            unsafe { Task::<S>::from_raw(RawTask::from_raw(ptr)) }.shutdown();
        }
    }

    /// Refuses later binds; from any thread. The tasks already in the list stay there.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
    }

    /// How many tasks the list holds.
    ///
    /// # Safety
    ///
    /// * Called on the owner thread.
    pub(crate) unsafe fn len(&self) -> usize {
        // SAFETY: the owner thread has the shard to itself.
        unsafe { (*self.shard.get()).len() }
    }

    /// A snapshot of every task in the list.
    ///
    /// # Safety
    ///
    /// * Called on the owner thread.
    pub(crate) unsafe fn snapshot(&self) -> Vec<TaskSnapshot> {
        let mut tasks = Vec::new();
        // SAFETY: the owner thread has the shard to itself.
        unsafe { (*self.shard.get()).snapshot_into(&mut tasks) };
        tasks
    }
}

impl<S> fmt::Debug for LocalOwnedTasks<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalOwnedTasks")
            .field("closed", &self.closed.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}
