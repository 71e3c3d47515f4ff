//! The task's state word: flags in the low bits, the reference count above them.
//!
//! Every transition of [the task state machine](super) is one method here, returning a
//! `#[must_use]` value that the caller matches exhaustively (CONTRIBUTING.md, rule 4).
//! No other file touches the atomic.

use std::fmt;

use crate::loom::atomic::{AtomicUsize, Ordering::*};

/// The task's future is being polled (or cancelled) by the thread that set this bit; that
/// thread alone may touch the stage until it clears `RUNNING` or sets `COMPLETE`.
const RUNNING: usize = 0b00_0001;

/// The future is gone and the stage holds the output (or the `JoinError`). Set once, by
/// the thread holding `RUNNING`, in the same atomic step that clears `RUNNING`.
const COMPLETE: usize = 0b00_0010;

/// A [`Notified`](super::Notified) exists (in a queue, or about to be) or, while
/// `RUNNING`, the task was woken during its poll and must be rescheduled when it ends.
const NOTIFIED: usize = 0b00_0100;

/// The `JoinHandle` is alive; it alone may read the output after `COMPLETE`.
const JOIN_INTEREST: usize = 0b00_1000;

/// The join waker slot holds a waker the runtime may read: while set, the `JoinHandle`
/// does not touch the slot; while unset, the runtime does not.
const JOIN_WAKER: usize = 0b01_0000;

/// Abort was requested: the next thread to hold `RUNNING` drops the future instead of
/// polling it.
const CANCELLED: usize = 0b10_0000;

/// Number of flag bits; the reference count lives above them.
const REF_COUNT_SHIFT: usize = 6;

/// One reference.
const REF_ONE: usize = 1 << REF_COUNT_SHIFT;

/// The state of a freshly spawned task: three references (the owned-task list, the first
/// `Notified`, the `JoinHandle`), `NOTIFIED` because it is about to be queued, and
/// `JOIN_INTEREST` because the `JoinHandle` exists.
const INITIAL: usize = (3 * REF_ONE) | NOTIFIED | JOIN_INTEREST;

/// The atomic state word of one task.
pub(super) struct State {
    val: AtomicUsize,
}

/// A copy of the state word at one instant.
#[derive(Copy, Clone, PartialEq, Eq)]
pub(super) struct Snapshot(usize);

/// What the thread that dequeued a `Notified` should do.
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(super) enum TransitionToRunning {
    /// The thread holds `RUNNING`: poll the future.
    Success,
    /// The thread holds `RUNNING` and abort was requested: drop the future.
    Cancelled,
    /// Someone else holds `RUNNING` or the task is complete; the `Notified`'s reference
    /// has been dropped.
    Failed,
    /// As `Failed`, and that was the last reference: deallocate.
    Dealloc,
}

/// What the thread that polled the future to `Pending` should do.
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(super) enum TransitionToIdle {
    /// Idle; the running reference has been dropped.
    Ok,
    /// Idle, but woken during the poll: a reference was added for a new `Notified`,
    /// which the caller must submit before dropping its own running reference.
    OkNotified,
    /// Idle and the running reference was the last one: deallocate.
    OkDealloc,
    /// Abort was requested during the poll: the caller still holds `RUNNING` and must
    /// drop the future and complete the task.
    Cancelled,
}

/// What an `abort` should do on a scheduler whose queued tasks are cancelled in place
/// (`Schedule::ABORT_IN_PLACE`).
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(super) enum TransitionToAbortedInPlace {
    /// The caller now holds `RUNNING` and a new running reference: drop the future and
    /// complete the task, here, on the aborting thread.
    CancelHere,
    /// Running (its runner sees `CANCELLED`) or already complete: nothing to do.
    DoNothing,
}

/// What a `wake` (by value) should do; the waker's reference is consumed.
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(super) enum TransitionToNotifiedByVal {
    /// Nothing to submit; the waker's reference has been dropped.
    DoNothing,
    /// A reference was added for a new `Notified`: submit it, then drop the waker's
    /// reference.
    Submit,
    /// The waker's reference was the last one: deallocate.
    Dealloc,
}

impl State {
    /// The state of a task about to be spawned.
    pub(super) fn new() -> State {
        State {
            val: AtomicUsize::new(INITIAL),
        }
    }

    /// Loads the current state. Acquire: pairs with the AcqRel of
    /// `transition_to_complete`, so a reader that sees `COMPLETE` sees the output.
    pub(super) fn load(&self) -> Snapshot {
        Snapshot(self.val.load(Acquire))
    }

    /// `Notified` dequeued -> try to take `RUNNING`. Consumes the `Notified`'s
    /// reference on failure; on success it becomes the running reference.
    pub(super) fn transition_to_running(&self) -> TransitionToRunning {
        let mut action = TransitionToRunning::Success;
        self.fetch_update(|mut next| {
            if !next.is_idle() {
                // Already running (it will see any new NOTIFIED itself) or complete.
                next.ref_dec();
                action = if next.ref_count() == 0 {
                    TransitionToRunning::Dealloc
                } else {
                    TransitionToRunning::Failed
                };
                return next;
            }
            next.0 = (next.0 & !NOTIFIED) | RUNNING;
            action = if next.is_cancelled() {
                TransitionToRunning::Cancelled
            } else {
                TransitionToRunning::Success
            };
            next
        });
        action
    }

    /// Poll returned `Pending` -> release `RUNNING` (unless cancelled meanwhile).
    pub(super) fn transition_to_idle(&self) -> TransitionToIdle {
        let mut action = TransitionToIdle::Ok;
        self.fetch_update(|mut next| {
            debug_assert!(next.is_running());
            if next.is_cancelled() {
                action = TransitionToIdle::Cancelled;
                return next;
            }
            next.0 &= !RUNNING;
            if next.is_notified() {
                // Woken while running: the new Notified needs its own reference.
                next.ref_inc();
                action = TransitionToIdle::OkNotified;
            } else {
                next.ref_dec();
                action = if next.ref_count() == 0 {
                    TransitionToIdle::OkDealloc
                } else {
                    TransitionToIdle::Ok
                };
            }
            next
        });
        action
    }

    /// Output stored -> `RUNNING` off, `COMPLETE` on, in one step. Returns the new state.
    /// AcqRel: the Release half publishes the output to whoever Acquires `COMPLETE`
    /// (`load`, the JoinHandle's CAS loops); the Acquire half makes the join waker the
    /// JoinHandle stored before setting `JOIN_WAKER` visible to us.
    pub(super) fn transition_to_complete(&self) -> Snapshot {
        let prev = Snapshot(self.val.fetch_xor(RUNNING | COMPLETE, AcqRel));
        debug_assert!(prev.is_running() && !prev.is_complete());
        Snapshot(prev.0 ^ (RUNNING | COMPLETE))
    }

    /// Drops `count` references at once; true when they were the last.
    /// AcqRel: every use of the task by other reference holders happens before the
    /// deallocation (the same reason as `Arc`'s drop).
    pub(super) fn transition_to_terminal(&self, count: usize) -> bool {
        let prev = Snapshot(self.val.fetch_sub(count * REF_ONE, AcqRel));
        assert!(prev.ref_count() >= count, "task reference count underflow");
        prev.ref_count() == count
    }

    /// `wake_by_ref`: true when the caller must submit a new `Notified` (a reference
    /// was added for it).
    pub(super) fn transition_to_notified_by_ref(&self) -> bool {
        let mut submit = false;
        self.fetch_update(|mut next| {
            submit = false;
            if next.is_complete() || next.is_notified() {
                return next;
            }
            next.0 |= NOTIFIED;
            if !next.is_running() {
                next.ref_inc();
                submit = true;
            }
            next
        });
        submit
    }

    /// `wake` (by value): like `transition_to_notified_by_ref`, consuming the waker's
    /// reference unless a `Notified` must be submitted.
    pub(super) fn transition_to_notified_by_val(&self) -> TransitionToNotifiedByVal {
        let mut action = TransitionToNotifiedByVal::DoNothing;
        self.fetch_update(|mut next| {
            if next.is_complete() || next.is_notified() || next.is_running() {
                if next.is_running() {
                    // The running thread holds a reference, so this is not the last.
                    next.0 |= NOTIFIED;
                }
                next.ref_dec();
                action = if next.ref_count() == 0 {
                    TransitionToNotifiedByVal::Dealloc
                } else {
                    TransitionToNotifiedByVal::DoNothing
                };
                return next;
            }
            // Idle: the new Notified gets a reference; the caller still holds the
            // waker's while it submits, so the task outlives `schedule`.
            next.0 |= NOTIFIED;
            next.ref_inc();
            action = TransitionToNotifiedByVal::Submit;
            next
        });
        action
    }

    /// `abort` from any thread: true when the caller must submit a new `Notified` (a
    /// reference was added for it) so that a runtime thread drops the future.
    pub(super) fn transition_to_notified_and_cancel(&self) -> bool {
        let mut submit = false;
        self.fetch_update(|mut next| {
            submit = false;
            if next.is_complete() || next.is_cancelled() {
                return next;
            }
            next.0 |= CANCELLED;
            if !next.is_running() && !next.is_notified() {
                // Idle and not queued: queue it so a worker drops the future.
                next.0 |= NOTIFIED;
                next.ref_inc();
                submit = true;
            }
            // Running: the poller sees CANCELLED in `transition_to_idle`.
            // Queued: the worker sees it in `transition_to_running`.
            next
        });
        submit
    }

    /// `abort` on a scheduler that cancels in place (the blocking pool): marks the task
    /// cancelled and, if nobody runs it — idle, or queued with `NOTIFIED` — takes
    /// `RUNNING` and adds the running reference in the same step, so the aborting thread
    /// drops the future at once. A queue entry left behind finds the task complete and
    /// only drops its reference (`transition_to_running` = `Failed`).
    pub(super) fn transition_to_aborted_in_place(&self) -> TransitionToAbortedInPlace {
        let mut action = TransitionToAbortedInPlace::DoNothing;
        self.fetch_update(|mut next| {
            if next.is_complete() {
                action = TransitionToAbortedInPlace::DoNothing;
                return next;
            }
            next.0 |= CANCELLED;
            if next.is_running() {
                // The runner sees CANCELLED in `transition_to_idle` (a blocking job never
                // returns Pending, so it simply completes with its output).
                action = TransitionToAbortedInPlace::DoNothing;
            } else {
                next.0 |= RUNNING;
                // The caller's JoinHandle or AbortHandle reference keeps the task alive
                // while we add one, so the count cannot be zero here.
                next.ref_inc();
                action = TransitionToAbortedInPlace::CancelHere;
            }
            next
        });
        action
    }

    /// Runtime shutdown: marks the task cancelled and, if it is idle, takes `RUNNING`
    /// so the caller can drop the future. True when the caller now holds `RUNNING`.
    pub(super) fn transition_to_shutdown(&self) -> bool {
        let mut took_running = false;
        self.fetch_update(|mut next| {
            took_running = next.is_idle();
            next.0 |= CANCELLED;
            if took_running {
                next.0 |= RUNNING;
            }
            next
        });
        took_running
    }

    /// The JoinHandle is dropped before anything happened to the task: one CAS from the
    /// initial state, the common case of a detached spawn.
    pub(super) fn drop_join_handle_fast(&self) -> Result<(), ()> {
        self.val
            .compare_exchange_weak(
                INITIAL,
                (INITIAL - REF_ONE) & !JOIN_INTEREST,
                // Release: a later deallocator (AcqRel) sees our prior uses.
                Release,
                Relaxed,
            )
            .map(|_| ())
            .map_err(|_| ())
    }

    /// The JoinHandle is dropped: clears `JOIN_INTEREST`, and `JOIN_WAKER` too unless
    /// the task is complete. Returns the state before.
    ///
    /// Afterwards the JoinHandle owns the output if the task was complete, and owns the
    /// join waker slot unless the task was complete with `JOIN_WAKER` set (then the
    /// completing thread drops the waker, see `unset_waker_after_complete`).
    pub(super) fn transition_to_join_handle_dropped(&self) -> Snapshot {
        self.fetch_update(|mut next| {
            debug_assert!(next.is_join_interested());
            next.0 &= !JOIN_INTEREST;
            if !next.is_complete() {
                next.0 &= !JOIN_WAKER;
            }
            next
        })
    }

    /// The JoinHandle has written the join waker slot: hand it to the runtime. Fails
    /// (with the current state) if the task completed meanwhile; the slot stays the
    /// JoinHandle's.
    pub(super) fn set_join_waker(&self) -> Result<Snapshot, Snapshot> {
        self.try_update(|mut next| {
            debug_assert!(next.is_join_interested() && !next.is_join_waker_set());
            if next.is_complete() {
                return None;
            }
            next.0 |= JOIN_WAKER;
            Some(next)
        })
    }

    /// The JoinHandle wants the join waker slot back, to replace the waker. Fails if
    /// the task completed meanwhile (the runtime may be reading the slot).
    pub(super) fn unset_waker(&self) -> Result<Snapshot, Snapshot> {
        self.try_update(|mut next| {
            debug_assert!(next.is_join_interested() && next.is_join_waker_set());
            if next.is_complete() {
                return None;
            }
            next.0 &= !JOIN_WAKER;
            Some(next)
        })
    }

    /// The completing thread has woken the join waker and gives the slot up. Returns
    /// the new state: if `JOIN_INTEREST` is gone, the caller drops the waker.
    pub(super) fn unset_waker_after_complete(&self) -> Snapshot {
        // AcqRel: orders our read of the slot before the JoinHandle's next write.
        let prev = Snapshot(self.val.fetch_and(!JOIN_WAKER, AcqRel));
        debug_assert!(prev.is_complete() && prev.is_join_waker_set());
        Snapshot(prev.0 & !JOIN_WAKER)
    }

    /// Adds a reference (a waker clone, an `AbortHandle`).
    pub(super) fn ref_inc(&self) {
        // Relaxed: a new reference can only be made from an existing one, which keeps
        // the task alive meanwhile (the `Arc::clone` argument).
        let prev = self.val.fetch_add(REF_ONE, Relaxed);
        if prev > isize::MAX as usize {
            // Overflow means ~2^57 leaked wakers: abort rather than risk a use-after-free.
            std::process::abort();
        }
    }

    /// Drops a reference; true when it was the last.
    pub(super) fn ref_dec(&self) -> bool {
        self.transition_to_terminal(1)
    }

    /// CAS loop applying `f` to the state; returns the state before.
    fn fetch_update(&self, mut f: impl FnMut(Snapshot) -> Snapshot) -> Snapshot {
        let mut curr = Snapshot(self.val.load(Acquire));
        loop {
            let next = f(curr);
            // AcqRel on success: each transition both publishes what this thread did to
            // the task and observes what the previous owner did. Acquire on failure:
            // the retry reads a state whose writes we may act on.
            match self
                .val
                .compare_exchange_weak(curr.0, next.0, AcqRel, Acquire)
            {
                Ok(_) => return curr,
                Err(actual) => curr = Snapshot(actual),
            }
        }
    }

    /// CAS loop that may give up: `f` returns `None` to stop. Ok(new) or Err(current).
    fn try_update(
        &self,
        mut f: impl FnMut(Snapshot) -> Option<Snapshot>,
    ) -> Result<Snapshot, Snapshot> {
        let mut curr = Snapshot(self.val.load(Acquire));
        loop {
            let Some(next) = f(curr) else {
                return Err(curr);
            };
            // Orderings as in `fetch_update`.
            match self
                .val
                .compare_exchange_weak(curr.0, next.0, AcqRel, Acquire)
            {
                Ok(_) => return Ok(next),
                Err(actual) => curr = Snapshot(actual),
            }
        }
    }
}

impl Snapshot {
    /// Neither running nor complete.
    pub(super) fn is_idle(self) -> bool {
        self.0 & (RUNNING | COMPLETE) == 0
    }

    pub(super) fn is_running(self) -> bool {
        self.0 & RUNNING != 0
    }

    pub(super) fn is_complete(self) -> bool {
        self.0 & COMPLETE != 0
    }

    pub(super) fn is_notified(self) -> bool {
        self.0 & NOTIFIED != 0
    }

    pub(super) fn is_cancelled(self) -> bool {
        self.0 & CANCELLED != 0
    }

    pub(super) fn is_join_interested(self) -> bool {
        self.0 & JOIN_INTEREST != 0
    }

    pub(super) fn is_join_waker_set(self) -> bool {
        self.0 & JOIN_WAKER != 0
    }

    pub(super) fn ref_count(self) -> usize {
        self.0 >> REF_COUNT_SHIFT
    }

    fn ref_inc(&mut self) {
        self.0 += REF_ONE;
    }

    fn ref_dec(&mut self) {
        assert!(self.ref_count() > 0, "task reference count underflow");
        self.0 -= REF_ONE;
    }
}

impl fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Snapshot")
            .field("running", &self.is_running())
            .field("complete", &self.is_complete())
            .field("notified", &self.is_notified())
            .field("cancelled", &self.is_cancelled())
            .field("join_interest", &self.is_join_interested())
            .field("join_waker", &self.is_join_waker_set())
            .field("refs", &self.ref_count())
            .finish()
    }
}

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.load().fmt(f)
    }
}
