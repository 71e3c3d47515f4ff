//! The owner-thread part of a `LocalSet`: its own queue, the loop that runs a turn of
//! tasks, spawning and cancelling. It lives in an `Rc` (held by the `LocalSet` and, while
//! the set runs, by the thread-local in `context.rs`) and is `!Send` itself, so each of
//! its methods runs on the thread that made the set. That is the whole argument that a
//! local task never leaves its thread: only these methods poll a task or drop its future.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::marker::PhantomData;
use std::task::{Context, Poll};

use super::shared::{Handle, Notified};
use crate::coop;
use crate::task::{self, Id, JoinHandle, Schedule, SpawnMeta, TaskSnapshot};

/// Tasks run in one turn before the set returns to whoever polls it (tokio's figure), so
/// the future passed to `run_until` and the caller's other work get their turn too.
pub(super) const MAX_TASKS_PER_TICK: usize = 61;

/// Every this many tasks the shared queue is served first, so tasks woken from other
/// threads do not wait behind a local queue that never empties (tokio's figure).
const REMOTE_FIRST_INTERVAL: u8 = 31;

/// # Invariants
///
/// * Only the thread that made it touches it (`!Send` by `_not_send`, and shared only
///   through `Rc`).
/// * `queue` is borrowed only inside `push` and `pop_local`, never across a poll or a
///   drop of a task.
pub(super) struct Owner {
    pub(super) handle: Handle,
    /// Tasks woken or spawned on this thread while the set runs: no lock.
    queue: RefCell<VecDeque<Notified>>,
    /// Tasks taken so far, for the shared queue's turn.
    tick: Cell<u8>,
    _not_send: PhantomData<*const ()>,
}

impl Owner {
    pub(super) fn new(handle: Handle) -> Owner {
        Owner {
            handle,
            queue: RefCell::new(VecDeque::new()),
            tick: Cell::new(0),
            _not_send: PhantomData,
        }
    }

    /// Spawns `future` as a task of this set: bound to its owned list (refused, and
    /// cancelled at once, after the set was dropped) and queued.
    pub(super) fn spawn<F>(&self, future: F, meta: SpawnMeta<'_>) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        // SAFETY: `new_local_task`'s contract, bullet by bullet:
        // * The task is polled only by `Owner::run` (through `tick`), and shut down only
        //   by `Owner::shutdown` (the set's drop) or by `bind` below, all on this thread:
        //   `self` is an `Owner`, which never leaves the thread that made it (type
        //   invariant), and that is the thread calling this.
        // * A wake hands the `Notified` to `Handle::schedule`, which puts it in this
        //   `Owner`'s queue (only when this set runs on the waking thread, which is then
        //   this thread) or in the shared queue, which only this `Owner` drains. Once the
        //   set is dropped the shared queue refuses it and it is dropped where it is:
        //   the drop completed every task first (cancelling it here), so only a
        //   reference goes, never the future.
        // * A `JoinHandle` of a non-`Send` output is itself not `Send` (its impls), so
        //   the output is read or dropped here too.
        let (task, notified, join) = unsafe {
            task::new_local_task(
                future,
                self.handle.clone(),
                Id::next(),
                meta,
                self.handle.debug,
            )
        };
        if let Some(notified) = self.handle.owned.bind(task, notified) {
            self.handle.schedule(notified);
        }
        join
    }

    /// Queues a task on this thread. Gives it back, for the shared queue, if the queue is
    /// borrowed: never, by the type invariant, but a wake is no place to panic.
    pub(super) fn push(&self, task: Notified) -> Option<Notified> {
        match self.queue.try_borrow_mut() {
            Ok(mut queue) => {
                queue.push_back(task);
                None
            }
            Err(_) => Some(task),
        }
    }

    fn pop_local(&self) -> Option<Notified> {
        self.queue.borrow_mut().pop_front()
    }

    /// The next task: this thread's queue first, except every
    /// [`REMOTE_FIRST_INTERVAL`]th time; when it is empty, the whole shared queue moves
    /// over (one lock for the lot).
    fn next_task(&self) -> Option<Notified> {
        let tick = self.tick.get().wrapping_add(1);
        self.tick.set(tick);
        if tick % REMOTE_FIRST_INTERVAL == 0 {
            if let Some(task) = self.handle.pop_remote() {
                return Some(task);
            }
        }
        if let Some(task) = self.pop_local() {
            return Some(task);
        }
        let mut remote = self.handle.take_remote();
        let first = remote.pop_front();
        if !remote.is_empty() {
            self.queue.borrow_mut().extend(remote);
        }
        first
    }

    /// Runs up to [`MAX_TASKS_PER_TICK`] tasks. True if it stopped because the budget
    /// was spent (more may be ready); false once both queues were found empty.
    fn tick(&self) -> bool {
        for _ in 0..MAX_TASKS_PER_TICK {
            match self.next_task() {
                Some(task) => self.run(task),
                None => return false,
            }
        }
        true
    }

    /// One poll's worth of the set's tasks for `run_until`: a turn, then either a wake
    /// of `cx` (the budget was spent, or a task arrived from afar while it went idle) or
    /// the waker stored for the next wake from afar.
    pub(super) fn run_ready(&self, cx: &mut Context<'_>) {
        if self.tick() || self.handle.register_idle(cx.waker()) {
            cx.waker().wake_by_ref();
        }
    }

    /// One poll of the set as a future: a turn, and `Ready` once it has no task left.
    pub(super) fn poll_until_empty(&self, cx: &mut Context<'_>) -> Poll<()> {
        if self.tick() {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        if self.handle.owned.is_empty() {
            return Poll::Ready(());
        }
        if self.handle.register_idle(cx.waker()) {
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }

    /// Polls one task, with a fresh cooperative budget (the caller's is restored after).
    fn run(&self, task: Notified) {
        if self.handle.debug {
            task.record_poll();
        }
        run_contained(task);
    }

    /// The set's drop: cancels every task, dropping each future here. None is running
    /// (its poll would be inside a run of the set, which borrows the `LocalSet` the
    /// caller is dropping); were one, `shutdown` would leave its future to the end of
    /// that poll, on this thread too. Then closes the shared queue and drops every
    /// queued reference. The JoinHandles report cancellation.
    pub(super) fn shutdown(&self) {
        self.handle.owned.close_and_shutdown_all();
        // Dropped outside the lock, one by one: a reference may be a task's last.
        let (remote, waker) = self.handle.close();
        drop(remote);
        drop(waker);
        // A destructor run above may have woken tasks onto this queue (they are all
        // complete now: the wake was a no-op or queued a reference).
        while let Some(task) = self.pop_local() {
            drop(task);
        }
    }

    /// A snapshot of every live task of the set.
    pub(super) fn tasks(&self) -> Vec<TaskSnapshot> {
        self.handle.owned.snapshot()
    }
}

/// Polls a task: `coop::run_contained` (a fresh budget; an escaped panic aborts rather
/// than unwind through a half-run task into the caller).
fn run_contained(task: Notified) {
    coop::run_contained(|| task.run());
}
