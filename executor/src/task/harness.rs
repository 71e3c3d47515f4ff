//! The protocols of [the task state machine](super), one generic function each; the
//! vtable points here.

use std::future::Future;
use std::io;
use std::mem::ManuallyDrop;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::NonNull;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use super::core::{Cell, Core, Header, Stage, Trailer};
use super::state::{State, TransitionToAbortedInPlace, TransitionToIdle, TransitionToRunning};
use super::{identity, waker, Id, JoinError, Notified, RawTask, Schedule, Task};

/// A typed view of one task.
///
/// # Invariants
///
/// * `cell` is a live `Cell<T, S>`: the caller of each entry point holds a reference.
struct Harness<T: Future, S: 'static> {
    cell: NonNull<Cell<T, S>>,
}

impl<T: Future, S: Schedule> Harness<T, S> {
    /// # Safety
    ///
    /// * `ptr` is the header of a live `Cell<T, S>` and the caller holds a reference.
    unsafe fn from_raw(ptr: NonNull<Header>) -> Harness<T, S> {
        Harness { cell: ptr.cast() }
    }

    fn cell(&self) -> &Cell<T, S> {
        // SAFETY: live while the caller's reference is held (type invariant).
        unsafe { self.cell.as_ref() }
    }

    fn header(&self) -> &Header {
        &self.cell().header
    }

    fn state(&self) -> &State {
        &self.header().state
    }

    fn core(&self) -> &Core<T, S> {
        &self.cell().core
    }

    fn trailer(&self) -> &Trailer {
        &self.cell().trailer
    }

    fn id(&self) -> Id {
        self.header().id
    }

    fn raw(&self) -> RawTask {
        // SAFETY: the header is live; the RawTask is used by this harness's caller under
        // the reference it already holds.
        unsafe { RawTask::from_raw(self.cell.cast()) }
    }

    /// Protocol 1, run: `Notified` dequeued -> poll, then idle, reschedule or complete.
    fn poll(self) {
        match self.state().transition_to_running() {
            TransitionToRunning::Success => {
                // The waker lent to `poll` borrows the running reference: no ref count.
                let waker = ManuallyDrop::new(waker::borrowed(self.cell.cast()));
                let mut cx = Context::from_waker(&waker);
                // `task::id()` inside the poll: one thread-local write each way.
                let current = identity::enter(self.id());
                let poll = poll_future(self.core(), self.id(), &mut cx);
                drop(current);
                if poll.is_ready() {
                    return self.complete();
                }
                match self.state().transition_to_idle() {
                    TransitionToIdle::Ok => {}
                    TransitionToIdle::OkNotified => {
                        // Woken during its own poll: a self-wake is a yield, to the back.
                        // SAFETY: `transition_to_idle` added this Notified's reference.
                        let notified = unsafe { Notified::from_raw(self.raw()) };
                        self.core().scheduler.yield_now(notified);
                        self.raw().drop_reference();
                    }
                    TransitionToIdle::OkDealloc => self.dealloc(),
                    TransitionToIdle::Cancelled => {
                        cancel_task(self.core(), self.id(), None);
                        self.complete();
                    }
                }
            }
            TransitionToRunning::Cancelled => {
                cancel_task(self.core(), self.id(), None);
                self.complete();
            }
            TransitionToRunning::Failed => {}
            TransitionToRunning::Dealloc => self.dealloc(),
        }
    }

    /// Protocol 2, complete: the caller holds `RUNNING` and a reference, and the stage
    /// holds the output. Publishes it, wakes the JoinHandle, leaves the owned-task list
    /// and drops the references.
    fn complete(self) {
        let snapshot = self.state().transition_to_complete();
        // Nothing here may unwind into the worker: a panicking join waker or output
        // destructor is the user's bug, not the runtime's. Each step is contained on its
        // own, so the protocol's later steps still run.
        if !snapshot.is_join_interested() {
            // No JoinHandle will read the output: drop it now, on this thread.
            // SAFETY: COMPLETE without JOIN_INTEREST: the stage is ours.
            contain(|| unsafe { self.drop_unread_output() });
        } else if snapshot.is_join_waker_set() {
            // SAFETY: JOIN_WAKER is set, so the JoinHandle does not write the slot; we
            // only read it.
            contain(|| unsafe { self.trailer().wake_join() });
            let after = self.state().unset_waker_after_complete();
            if !after.is_join_interested() {
                // The JoinHandle was dropped meanwhile and left the waker to us.
                // SAFETY: JOIN_WAKER now unset and no JoinHandle: the slot is ours.
                contain(|| unsafe { self.trailer().set_waker(None) });
            }
        }
        // The owned-task list gives its reference back (unless shutdown took it).
        // SAFETY: a borrowed view: ManuallyDrop keeps it from dropping our reference.
        let me = ManuallyDrop::new(unsafe { Task::<S>::from_raw(self.raw()) });
        let released = match self.core().scheduler.release(&me) {
            Some(task) => {
                // Its reference is dropped together with ours below.
                std::mem::forget(task);
                2
            }
            None => 1,
        };
        if self.state().transition_to_terminal(released) {
            self.dealloc();
        }
    }

    /// Protocol 5, shutdown: cancel if idle; always consumes the caller's reference.
    /// `cause`: why, when the task is refused rather than shut down (its error says so).
    fn shutdown(self, cause: Option<Arc<io::Error>>) {
        if !self.state().transition_to_shutdown() {
            // Running elsewhere (it will see CANCELLED) or complete.
            self.raw().drop_reference();
            return;
        }
        cancel_task(self.core(), self.id(), cause);
        self.complete();
    }

    /// Protocol 5, abort, from a handle that keeps its reference. On a scheduler with
    /// `ABORT_IN_PLACE` a task nobody runs is cancelled right here; otherwise it is
    /// marked and, if idle, queued for a runtime thread to drop.
    fn abort(self) {
        if !S::ABORT_IN_PLACE {
            return self.raw().abort_by_scheduling();
        }
        match self.state().transition_to_aborted_in_place() {
            TransitionToAbortedInPlace::CancelHere => {
                cancel_task(self.core(), self.id(), None);
                self.complete();
            }
            TransitionToAbortedInPlace::DoNothing => {}
        }
    }

    /// Protocol 3, join: read the output, or register the waker.
    ///
    /// # Safety
    ///
    /// * The caller is the JoinHandle; `dst` points to a `Poll<Result<T::Output, _>>`.
    unsafe fn try_read_output(self, dst: *mut Poll<Result<T::Output, JoinError>>, waker: &Waker) {
        if can_read_output(self.state(), self.trailer(), waker) {
            // SAFETY: COMPLETE observed (Acquire) by the JoinHandle: the stage is ours.
            let output = unsafe { self.core().take_output() };
            // SAFETY: `dst` is valid for writes (caller's contract); the old value is a
            // `Poll::Pending`, which needs no drop.
            unsafe { *dst = Poll::Ready(output) };
        }
    }

    /// Protocol 4, detach: the JoinHandle goes away.
    fn drop_join_handle_slow(self) {
        let prev = self.state().transition_to_join_handle_dropped();
        if prev.is_complete() {
            // The completing thread saw JOIN_INTEREST and left the output to us.
            // SAFETY: COMPLETE with JOIN_INTEREST (ours): the stage is ours.
            contain(|| unsafe { self.drop_unread_output() });
        }
        if !(prev.is_complete() && prev.is_join_waker_set()) {
            // SAFETY: JOIN_WAKER is unset (we cleared it, or it was clear): the slot is
            // ours. Otherwise the completing thread drops it.
            contain(|| unsafe { self.trailer().set_waker(None) });
        }
        self.raw().drop_reference();
    }

    /// Drops an output that no `JoinHandle` will read; a panic in it is reported to the
    /// scheduler first (`Schedule::unhandled_panic`), so each unread panic is reported
    /// exactly once: by the completing thread if the handle was already gone, else by
    /// the handle's drop (the two are told apart by the state word, protocols 2 and 4).
    ///
    /// # Safety
    ///
    /// * The caller owns the stage: `COMPLETE`, and it is the completing thread without
    ///   `JOIN_INTEREST` or the `JoinHandle` dropping itself.
    unsafe fn drop_unread_output(&self) {
        // SAFETY: ownership of the stage is the caller's contract.
        let stage = unsafe { self.core().take_stage() };
        if let Stage::Finished(Err(err)) = &stage {
            if err.is_panic() {
                let info = self.raw().info();
                contain(|| self.core().scheduler.unhandled_panic(info, err));
            }
        }
        drop(stage);
    }

    fn dealloc(self) {
        // Under loom, record the free as a write to the task's cells, so a use of the
        // stage or join waker not ordered before the last reference drop is reported.
        #[cfg(eddy_loom)]
        {
            self.core().stage.with_mut(|_| ());
            self.trailer().waker.with_mut(|_| ());
        }
        // SAFETY: the caller held the last reference; the cell came from `Box::leak` in
        // `Cell::new` with this very type.
        drop(unsafe { Box::from_raw(self.cell.as_ptr()) });
    }
}

/// Polls the future; on `Ready` or panic, drops it and stores the result.
fn poll_future<T: Future, S>(core: &Core<T, S>, id: Id, cx: &mut Context<'_>) -> Poll<()> {
    // SAFETY: the caller holds RUNNING and the stage is `Running` (it is only replaced
    // below, after the last poll).
    let output = match catch_unwind(AssertUnwindSafe(|| unsafe { core.poll(cx) })) {
        Ok(Poll::Pending) => return Poll::Pending,
        Ok(Poll::Ready(output)) => Ok(output),
        Err(panic) => Err(JoinError::panic(id, panic)),
    };
    let output = match catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: the caller holds RUNNING.
        unsafe { core.set_stage(Stage::Consumed) }
    })) {
        Ok(()) => output,
        // The future's destructor panicked: report that instead of the output, which is
        // dropped here, contained (its own destructor may panic too).
        Err(panic) => {
            contain(move || drop(output));
            Err(JoinError::panic(id, panic))
        }
    };
    // SAFETY: the caller holds RUNNING; the stage is `Consumed`, so this drops nothing.
    unsafe { core.set_stage(Stage::Finished(output)) };
    Poll::Ready(())
}

/// Runs `f` (a destructor or a user waker), containing a panic: the payload is dropped
/// under its own guard and forgotten if even that panics. Nothing unwinds into a worker.
fn contain(f: impl FnOnce()) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(f)) {
        if let Err(again) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
            std::mem::forget(again);
        }
    }
}

/// Drops the future (catching a panicking destructor) and stores the cancellation.
fn cancel_task<T: Future, S>(core: &Core<T, S>, id: Id, cause: Option<Arc<io::Error>>) {
    let err = match catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: the caller holds RUNNING.
        unsafe { core.set_stage(Stage::Consumed) }
    })) {
        Ok(()) => JoinError::cancelled(id, cause),
        Err(panic) => JoinError::panic(id, panic),
    };
    // SAFETY: the caller holds RUNNING; the stage is `Consumed`.
    unsafe { core.set_stage(Stage::Finished(Err(err))) };
}

/// The JoinHandle's side of the join waker hand-off. True when the output is ready.
fn can_read_output(state: &State, trailer: &Trailer, waker: &Waker) -> bool {
    let snapshot = state.load();
    debug_assert!(snapshot.is_join_interested());
    if snapshot.is_complete() {
        return true;
    }
    if snapshot.is_join_waker_set() {
        // SAFETY: JOIN_WAKER set: we may read the slot (the runtime only reads it too).
        if unsafe { trailer.will_wake(waker) } {
            return false;
        }
        // Take the slot back to replace the waker; fails only if the task completed.
        if state.unset_waker().is_err() {
            return true;
        }
    }
    // SAFETY: JOIN_WAKER unset and not complete when we checked: the slot is ours (the
    // runtime only reads it while JOIN_WAKER is set).
    unsafe { trailer.set_waker(Some(waker.clone())) };
    // Release (inside the CAS): publishes the waker to the completing thread.
    state.set_join_waker().is_err()
}

// The vtable entries. Each has the contract of the `RawTask` method that calls it:
// `ptr` is a live `Cell<T, S>` and the caller holds (and, where noted, gives up) a
// reference.

pub(super) unsafe fn poll<T: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: see the note above the entries.
    unsafe { Harness::<T, S>::from_raw(ptr) }.poll()
}

pub(super) unsafe fn schedule<T: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: see the note above the entries.
    let harness = unsafe { Harness::<T, S>::from_raw(ptr) };
    // SAFETY: the caller added the reference this Notified owns.
    let notified = unsafe { Notified::from_raw(harness.raw()) };
    harness.core().scheduler.schedule(notified);
}

pub(super) unsafe fn dealloc<T: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: see the note above the entries; the caller held the last reference.
    unsafe { Harness::<T, S>::from_raw(ptr) }.dealloc()
}

pub(super) unsafe fn try_read_output<T: Future, S: Schedule>(
    ptr: NonNull<Header>,
    dst: *mut (),
    waker: &Waker,
) {
    // SAFETY: see the note above the entries; `dst`'s type is `RawTask::try_read_output`'s
    // contract.
    unsafe { Harness::<T, S>::from_raw(ptr).try_read_output(dst.cast(), waker) }
}

pub(super) unsafe fn drop_join_handle_slow<T: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: see the note above the entries.
    unsafe { Harness::<T, S>::from_raw(ptr) }.drop_join_handle_slow()
}

pub(super) unsafe fn shutdown<T: Future, S: Schedule>(
    ptr: NonNull<Header>,
    cause: Option<Arc<io::Error>>,
) {
    // SAFETY: see the note above the entries.
    unsafe { Harness::<T, S>::from_raw(ptr) }.shutdown(cause)
}

pub(super) unsafe fn abort<T: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: see the note above the entries (the caller keeps its reference).
    unsafe { Harness::<T, S>::from_raw(ptr) }.abort()
}
