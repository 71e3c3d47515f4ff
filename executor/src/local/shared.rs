//! The part of a [`LocalSet`](super::LocalSet) that its tasks hold: the shared queue and
//! the set's waker (one lock), the owned-task list, the debug settings. Every task's
//! scheduler handle is a [`Handle`] to it, so it is `Send + Sync` (wakers go anywhere);
//! nothing in it is a future or runs one.

use std::collections::VecDeque;
use std::fmt;
use std::mem;
use std::task::Waker;

use super::context;
use crate::debug::{DebugConfig, Report};
use crate::loom::sync::Mutex;
use crate::loom::Arc;
use crate::task::list::OwnedTasks;
use crate::task::{self, JoinError, Schedule, TaskInfo};
use crate::Spawner;

/// A ready task of a `LocalSet`.
pub(super) type Notified = task::Notified<Handle>;

/// A local task's scheduler: a counted reference to the set's [`Shared`] part.
#[derive(Clone)]
pub(crate) struct Handle(Arc<Shared>);

impl std::ops::Deref for Handle {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

pub(crate) struct Shared {
    /// Tasks woken from other threads, or while the set was not running, and the waker
    /// of whoever polls the set, under one lock (protocol 2 in `mod.rs`).
    remote: Mutex<Remote>,
    /// Every live task of the set, so that dropping the set reaches the idle ones.
    pub(super) owned: OwnedTasks<Handle>,
    /// Debug mode: count each task's polls (its `TaskSnapshot` shows them).
    pub(super) debug: bool,
    /// The executor whose unread-panic policy and report hook the set follows: the one
    /// it was made under, if any.
    reporter: Option<Spawner>,
}

/// The shared queue and the set's waker.
struct Remote {
    queue: VecDeque<Notified>,
    /// Stored when the set goes idle with this queue empty; taken by the first wake after.
    waker: Option<Waker>,
    /// The set was dropped: a late wake drops its `Notified` where it is (the task is
    /// complete by then, see `LocalSet`'s `Drop`).
    closed: bool,
}

impl Handle {
    pub(super) fn new(reporter: Option<Spawner>) -> Handle {
        Handle(Arc::new(Shared {
            remote: Mutex::new(Remote {
                queue: VecDeque::new(),
                waker: None,
                closed: false,
            }),
            // One shard: every spawn and completion happens on the owner thread, so the
            // lock is never contended.
            owned: OwnedTasks::new(1),
            debug: reporter.as_ref().is_some_and(Spawner::is_debug),
            reporter,
        }))
    }

    /// True when both are the same set.
    pub(super) fn same(&self, other: &Handle) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Shared {
    /// Queues a task woken away from the set's run and wakes the set. After the set is
    /// dropped, gives the task back for the caller to drop (outside the lock).
    fn schedule_remote(&self, task: Notified) -> Option<Notified> {
        let (waker, refused) = {
            let mut remote = self.remote.lock();
            if remote.closed {
                (None, Some(task))
            } else {
                remote.queue.push_back(task);
                (remote.waker.take(), None)
            }
        };
        // Woken (or dropped) after the lock is released: the waker may re-enter the set.
        if let Some(waker) = waker {
            waker.wake();
        }
        refused
    }

    /// One task from the shared queue (the owner's fairness check).
    pub(super) fn pop_remote(&self) -> Option<Notified> {
        self.remote.lock().queue.pop_front()
    }

    /// Everything in the shared queue, in order (the owner moves it to its own queue).
    pub(super) fn take_remote(&self) -> VecDeque<Notified> {
        mem::take(&mut self.remote.lock().queue)
    }

    /// The set is about to go idle (both queues found empty): stores `waker` for the
    /// next wake from afar, in the same critical section as a last look at the shared
    /// queue. True if a task arrived meanwhile: the caller must not sleep.
    pub(super) fn register_idle(&self, waker: &Waker) -> bool {
        let old = {
            let mut remote = self.remote.lock();
            if !remote.queue.is_empty() {
                return true;
            }
            match &remote.waker {
                Some(old) if old.will_wake(waker) => None,
                _ => remote.waker.replace(waker.clone()),
            }
        };
        // A replaced waker is dropped outside the lock.
        drop(old);
        false
    }

    /// Closes the shared queue for good and returns what it held (and the set's waker),
    /// for the caller to drop outside the lock.
    pub(super) fn close(&self) -> (VecDeque<Notified>, Option<Waker>) {
        let mut remote = self.remote.lock();
        remote.closed = true;
        (mem::take(&mut remote.queue), remote.waker.take())
    }
}

impl Schedule for Handle {
    /// On the owner thread while this set runs there: its own queue, no lock. Anywhere
    /// else (another thread, or this one while the set is not running, or another set
    /// running here): the shared queue, waking whoever polls the set.
    fn schedule(&self, task: Notified) {
        let Some(task) = context::push_if_running(self, task) else {
            return;
        };
        drop(self.schedule_remote(task));
    }

    // `yield_now` keeps the default: the back of the same queue, behind every ready task.

    fn release(&self, task: &task::Task<Handle>) -> Option<task::Task<Handle>> {
        self.owned.remove(task)
    }

    fn unhandled_panic(&self, task: TaskInfo, error: &JoinError) {
        match &self.reporter {
            // Reported as the executor reports its own tasks' panics (and, under
            // `ShutdownRuntime`, shutting it down).
            Some(spawner) => spawner.unhandled_panic(task, error),
            // No executor to follow: what an executor with the defaults does (report
            // the panic once, on stderr).
            None => DebugConfig::default().report(Report::UnretrievedPanic {
                task,
                message: error.panic_message().map(String::from),
                shutting_down: false,
            }),
        }
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalSetHandle")
            .field("debug", &self.debug)
            .finish_non_exhaustive()
    }
}
