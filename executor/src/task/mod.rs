//! Tasks: one allocation per spawned future, and the handles that share it.
//!
//! A task is a `Cell` (`core.rs`) holding a header (the state word, a vtable, owned-list links,
//! the id, and its origin: the spawn location, or a box with it and the name — `identity.rs`), a trailer (the join waker) and a core (the scheduler handle and the future or
//! its output). Every handle is a pointer to that one allocation with a counted
//! reference: `Task` (held by the scheduler's owned-task list), `Notified` (held by a
//! run queue), [`JoinHandle`], [`AbortHandle`], and each cloned `Waker`. The waker lent to
//! `poll` borrows the poller's reference and counts nothing.
//!
//! Tasks know nothing of the scheduler beyond the `Schedule` trait (CONTRIBUTING.md, rule 2): the
//! unit tests drive them with a scheduler that only pushes to a `VecDeque`.
//!
//! # The state word
//!
//! One `AtomicUsize` (see `state.rs` for each bit's documentation):
//!
//! ```text
//!  63 ........................... 6   5          4          3            2         1         0
//! +--------------------------------+----------+----------+-------------+---------+---------+---------+
//! | reference count                | CANCELLED| JOIN_WAKER|JOIN_INTEREST| NOTIFIED| COMPLETE| RUNNING |
//! +--------------------------------+----------+----------+-------------+---------+---------+---------+
//! ```
//!
//! A new task starts with three references (list, first `Notified`, `JoinHandle`),
//! `NOTIFIED` and `JOIN_INTEREST`.
//!
//! # Lifecycle
//!
//! Edges name the transition (in `state.rs`) and the function (in `harness.rs`) taking it.
//!
//! ```text
//!                 wake / wake_by_ref (transition_to_notified_*)
//!            +-------------------------------------------------+
//!            v                                                 |
//!   spawn -> IDLE+NOTIFIED --poll: transition_to_running--> RUNNING --poll: transition_to_idle--> IDLE
//!            |                                               |  |  (woken meanwhile: OkNotified,
//!            |                                               |  |   reschedule to the back)
//!            | abort: transition_to_notified_and_cancel      |  +--Ready / panic: complete
//!            | (CANCELLED; queued if it was idle)            |     transition_to_complete --> COMPLETE
//!            v                                               |                                  |
//!   CANCELLED --poll: transition_to_running = Cancelled -----+--cancel_task + complete -------->+
//!                                                                                                |
//!   shutdown: transition_to_shutdown (takes RUNNING if idle) --> cancel_task + complete -------->+
//!                                                                                                v
//!                                   last reference dropped (transition_to_terminal) --> dealloc
//! ```
//!
//! # Who may touch what
//!
//! | field | who | when |
//! |---|---|---|
//! | stage (future) | the thread holding `RUNNING` | between taking `RUNNING` and `COMPLETE` |
//! | stage (output) | the `JoinHandle` | after it observes `COMPLETE` while it has `JOIN_INTEREST` |
//! | stage (output) | the completing thread | right after `COMPLETE` if `JOIN_INTEREST` was already gone |
//! | join waker slot | the `JoinHandle` (write, drop) | while `JOIN_WAKER` is unset (also after `COMPLETE`, when the completing thread has cleared it) |
//! | join waker slot | the `JoinHandle` (read: `will_wake`) | while `JOIN_WAKER` is set |
//! | join waker slot | the completing thread (read, wake) | while `JOIN_WAKER` is set after `COMPLETE` |
//! | join waker slot | the completing thread (drop) | after it clears `JOIN_WAKER` and finds `JOIN_INTEREST` gone |
//! | owned-list links | whoever holds the shard lock | always |
//!
//! # Protocols
//!
//! 1. **Run** (`Harness::poll`): a worker pops a `Notified` and takes `RUNNING` (clearing
//!    `NOTIFIED`), or drops the reference if someone else runs it or it is complete.
//!    After `Pending` it releases `RUNNING`; if the task was woken during its poll
//!    (`NOTIFIED` set while `RUNNING`) it submits a new `Notified` to the back of the
//!    queue — a self-wake is a yield. If `CANCELLED` was set it drops the future instead.
//!    At most one thread polls a task at a time, and a wake is never lost: either it finds
//!    the task idle and queues it, or it finds it running and sets `NOTIFIED`, which the
//!    runner sees in the same CAS that releases `RUNNING`.
//! 2. **Complete** (`Harness::complete`): the runner stores the output, then sets
//!    `COMPLETE` and clears `RUNNING` in one step. If no `JoinHandle` is interested it drops
//!    the output itself (reporting a panic in it to `Schedule::unhandled_panic`: nobody
//!    else will see it); otherwise, if `JOIN_WAKER` is set, it wakes the join waker, then
//!    clears `JOIN_WAKER` and drops the waker if the handle went away meanwhile. Then it
//!    removes the task from the owned list and drops two references (its own, the
//!    list's).
//! 3. **Join** (`can_read_output`): the handle reads the output once `COMPLETE`. Otherwise
//!    it stores its waker while `JOIN_WAKER` is unset, then sets `JOIN_WAKER` with a CAS
//!    that fails if the task completed meanwhile (then it reads the output). To replace a
//!    waker it first clears `JOIN_WAKER` with a CAS that fails on `COMPLETE`.
//! 4. **Detach** (`drop_join_handle_*`): clears `JOIN_INTEREST` (and `JOIN_WAKER` if not
//!    complete). If the task was complete the handle drops the output (reporting an
//!    unread panic to `Schedule::unhandled_panic`: exactly one of protocols 2 and 4 owns
//!    the output); it drops the waker unless the completing thread still holds it
//!    (`COMPLETE` with `JOIN_WAKER`).
//! 5. **Abort** (`Harness::abort`): sets `CANCELLED`. An idle task is also marked `NOTIFIED`
//!    and queued, so a runtime thread drops its future; a queued task sees `CANCELLED`
//!    when dequeued; a running task sees it when its poll ends. A complete task keeps its
//!    output. On a scheduler with `Schedule::ABORT_IN_PLACE` (the blocking pool) a task
//!    that nobody runs — idle or queued — is cancelled by the aborting thread itself
//!    (`transition_to_aborted_in_place` takes `RUNNING`), so its JoinHandle reports the
//!    cancellation at once; the queue entry later finds it complete and drops its
//!    reference.
//! 6. **Shutdown** (`Harness::shutdown`): the scheduler closes the owned list, pops each
//!    task and sets `CANCELLED`, taking `RUNNING` if the task is idle to drop the future
//!    on the spot. Spawns after that are cancelled at once.

mod core;
mod error;
mod harness;
mod id;
mod identity;
mod join;
pub(crate) mod list;
pub(crate) mod local_list;
mod raw;
mod state;
mod waker;
mod yield_now;

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;

pub use self::error::JoinError;
pub use self::id::Id;
pub(crate) use self::identity::Origin;
pub use self::identity::{id, try_id, SpawnMeta, TaskInfo, TaskSnapshot, TaskState};
pub use self::join::{AbortHandle, JoinHandle};
pub(crate) use self::raw::RawTask;
pub use self::yield_now::yield_now;
pub use crate::local::{spawn_local, try_spawn_local};

/// What a task needs from whoever runs it. The only door from tasks to the scheduler.
pub(crate) trait Schedule: Send + Sync + Sized + 'static {
    /// Queue a woken task (it was idle).
    fn schedule(&self, task: Notified<Self>);

    /// Queue a task that woke itself during its poll: behind the tasks already waiting.
    fn yield_now(&self, task: Notified<Self>) {
        self.schedule(task);
    }

    /// The task completed: remove it from the owned-task list, returning the list's
    /// reference if it was there.
    fn release(&self, task: &Task<Self>) -> Option<Task<Self>>;

    /// A task panicked and nobody will read the panic: it had no `JoinHandle` left when
    /// it finished, or its `JoinHandle` was dropped with the panic unread — asyncio's
    /// "Task exception was never retrieved". Called once per such panic, on the thread
    /// that found it out (a worker, or wherever the handle was dropped). Any panic in
    /// here is contained.
    fn unhandled_panic(&self, _task: TaskInfo, _error: &JoinError) {}

    /// Whether `abort()` may drop the future of a task that nobody runs on the aborting
    /// thread, instead of queueing it for one of the scheduler's threads. Right for the
    /// blocking pool (its "future" is a closure that has not started; waiting for a pool
    /// thread to reach the queue entry could take as long as the jobs ahead of it); wrong
    /// for the workers, whose futures may expect to be dropped on a runtime thread.
    const ABORT_IN_PLACE: bool = false;
}

/// The owned-task list's reference to a task.
pub(crate) struct Task<S: 'static> {
    raw: RawTask,
    _scheduler: PhantomData<S>,
}

/// A task that is ready to run: a run queue's reference. Running it consumes it.
pub(crate) struct Notified<S: 'static> {
    raw: RawTask,
    _scheduler: PhantomData<S>,
}

/// Allocates a task for `future` on `scheduler`: the list's, the queue's and the
/// JoinHandle's references.
pub(crate) fn new_task<T, S>(
    future: T,
    scheduler: S,
    id: Id,
    spawn: SpawnMeta<'_>,
    debug: bool,
) -> (Task<S>, Notified<S>, JoinHandle<T::Output>)
where
    T: Future + Send + 'static,
    T::Output: Send + 'static,
    S: Schedule,
{
    // SAFETY: `T` and its output are `Send`, so any thread may poll, drop or read them.
    unsafe { new_local_task(future, scheduler, id, spawn, debug) }
}

/// [`new_task`] for a future that need not be `Send` (`spawn_local`).
///
/// # Safety
///
/// * `scheduler` polls the task, and drops it at shutdown, only on the thread that calls
///   this (the future and its output never leave it). Waking, aborting and dropping
///   references may happen anywhere: they touch only the state word, and a wake hands a
///   `Notified` to `scheduler.schedule`, which must send it back to that thread.
/// * If `T::Output` is not `Send`, neither is the returned `JoinHandle`, so the output is
///   read or dropped on this thread too (when the task completes with no handle left, the
///   completing thread, which is this one, drops it). One hole remains, as in tokio: a
///   handle leaked with `mem::forget` leaves the output to whoever drops the last
///   reference, perhaps a waker on another thread.
pub(crate) unsafe fn new_local_task<T, S>(
    future: T,
    scheduler: S,
    id: Id,
    spawn: SpawnMeta<'_>,
    debug: bool,
) -> (Task<S>, Notified<S>, JoinHandle<T::Output>)
where
    T: Future + 'static,
    T::Output: 'static,
    S: Schedule,
{
    let origin = Origin::new(spawn.location, spawn.name, debug);
    let ptr = core::Cell::allocate(future, scheduler, id, origin, raw::vtable::<T, S>());
    // SAFETY: a fresh task holds exactly these three references (state::INITIAL).
    unsafe {
        let raw = RawTask::from_raw(ptr);
        (
            Task::from_raw(raw),
            Notified::from_raw(raw),
            JoinHandle::new(raw),
        )
    }
}

/// The size of one task allocation for future `T` on scheduler `S`.
#[cfg(test)]
pub(crate) fn allocation_size<T: Future, S: Schedule>() -> usize {
    std::mem::size_of::<core::Cell<T, S>>()
}

/// The sizes of a task's parts for future `T` on scheduler `S`: header, trailer, core
/// (of which the stage), and the whole allocation.
#[cfg(test)]
pub(crate) fn layout<T: Future, S: Schedule>() -> [usize; 5] {
    use std::mem::size_of;
    [
        size_of::<core::Header>(),
        size_of::<core::Trailer>(),
        size_of::<core::Core<T, S>>(),
        size_of::<core::Stage<T>>(),
        size_of::<core::Cell<T, S>>(),
    ]
}

impl<S: Schedule> Task<S> {
    /// # Safety
    ///
    /// * `raw`'s task runs on scheduler `S`, and the caller passes on a reference — or
    ///   wraps the result in `ManuallyDrop` and only lends it out by `&` (a borrowed view
    ///   under a reference the caller holds, as `Harness::complete` does for `release`).
    pub(crate) unsafe fn from_raw(raw: RawTask) -> Task<S> {
        Task {
            raw,
            _scheduler: PhantomData,
        }
    }

    pub(crate) fn raw(&self) -> RawTask {
        self.raw
    }

    /// Gives up ownership without dropping the reference.
    pub(crate) fn into_raw(self) -> RawTask {
        ManuallyDrop::new(self).raw
    }

    /// Cancels the task for shutdown (dropping the future if it is idle).
    pub(crate) fn shutdown(self) {
        self.into_raw().shutdown(None);
    }
}

impl<S: 'static> Notified<S> {
    /// Who the task is (for debug mode's reports; clones the name's `Arc` if it has one).
    pub(crate) fn info(&self) -> TaskInfo {
        self.raw.info()
    }

    /// Counts a poll in the task's debug stats (nothing without debug mode).
    pub(crate) fn record_poll(&self) {
        self.raw.record_poll();
    }
}

impl<S: 'static> Drop for Task<S> {
    fn drop(&mut self) {
        self.raw.drop_reference();
    }
}

impl<S: Schedule> Notified<S> {
    /// # Safety
    ///
    /// * `raw`'s task runs on scheduler `S`, and the caller passes on a reference
    ///   counted for this `Notified` (with `NOTIFIED` set).
    pub(crate) unsafe fn from_raw(raw: RawTask) -> Notified<S> {
        Notified {
            raw,
            _scheduler: PhantomData,
        }
    }

    /// Polls the task once (or drops its future, if it was aborted).
    pub(crate) fn run(self) {
        ManuallyDrop::new(self).raw.poll();
    }

    /// Cancels a task that will never run (its scheduler shut down), consuming this
    /// reference: the future is dropped here unless someone else holds `RUNNING`.
    pub(crate) fn shutdown(self) {
        ManuallyDrop::new(self).raw.shutdown(None);
    }

    /// Cancels a blocking job that can never run because the pool could not start a
    /// thread (`cause`, the OS's error): as [`shutdown`](Self::shutdown), and its
    /// `JoinError` says why.
    pub(crate) fn refuse(self, cause: std::sync::Arc<std::io::Error>) {
        ManuallyDrop::new(self).raw.shutdown(Some(cause));
    }
}

impl<S: 'static> Drop for Notified<S> {
    fn drop(&mut self) {
        self.raw.drop_reference();
    }
}

impl<S: 'static> fmt::Debug for Task<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Task({:?})", self.raw.id())
    }
}

impl<S: 'static> fmt::Debug for Notified<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Notified({:?})", self.raw.id())
    }
}
