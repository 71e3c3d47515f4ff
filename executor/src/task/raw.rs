//! `RawTask`: a type-erased pointer to a task, and the vtable behind it.

use std::future::Future;
use std::io;
use std::ptr::NonNull;
use std::sync::Arc;
use std::task::Waker;

use super::core::Header;
use super::harness;
use super::state::{State, TransitionToNotifiedByVal};
use super::{Id, Schedule, TaskInfo, TaskSnapshot, TaskState};

/// The functions that need the task's types, one table per `(T, S)`.
pub(crate) struct Vtable {
    /// Runs the task, consuming a `Notified`'s reference.
    pub(super) poll: unsafe fn(NonNull<Header>),
    /// Hands a new `Notified` (its reference already counted) to the task's scheduler.
    pub(super) schedule: unsafe fn(NonNull<Header>),
    /// Frees the allocation.
    pub(super) dealloc: unsafe fn(NonNull<Header>),
    /// JoinHandle poll: writes `Poll<Result<T::Output, JoinError>>` to the pointer when
    /// the output is ready, registers the waker otherwise.
    pub(super) try_read_output: unsafe fn(NonNull<Header>, *mut (), &Waker),
    /// JoinHandle drop after the fast path failed.
    pub(super) drop_join_handle_slow: unsafe fn(NonNull<Header>),
    /// Runtime shutdown: cancels the task, consuming a reference; with a cause when the
    /// task is refused (its `JoinError` says why).
    pub(super) shutdown: unsafe fn(NonNull<Header>, Option<Arc<io::Error>>),
    /// `abort()` from a handle (which keeps its reference).
    pub(super) abort: unsafe fn(NonNull<Header>),
}

/// The vtable for tasks of future `T` on scheduler `S`.
pub(super) fn vtable<T: Future, S: Schedule>() -> &'static Vtable {
    &Vtable {
        poll: harness::poll::<T, S>,
        schedule: harness::schedule::<T, S>,
        dealloc: harness::dealloc::<T, S>,
        try_read_output: harness::try_read_output::<T, S>,
        drop_join_handle_slow: harness::drop_join_handle_slow::<T, S>,
        shutdown: harness::shutdown::<T, S>,
        abort: harness::abort::<T, S>,
    }
}

/// A type-erased task pointer. Copying it does not count a reference: each owner type
/// (`Task`, `Notified`, `JoinHandle`, `AbortHandle`, `Waker`) holds one and says so.
///
/// # Invariants
///
/// * `ptr` points to a live task allocation for as long as the owner's reference is
///   counted in its state word.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawTask {
    ptr: NonNull<Header>,
}

impl RawTask {
    /// # Safety
    ///
    /// * `ptr` is a task header whose reference the new value's owner holds.
    pub(super) unsafe fn from_raw(ptr: NonNull<Header>) -> RawTask {
        RawTask { ptr }
    }

    pub(super) fn header_ptr(self) -> NonNull<Header> {
        self.ptr
    }

    pub(super) fn header(&self) -> &Header {
        // SAFETY: the owner's reference keeps the allocation alive (type invariant).
        unsafe { self.ptr.as_ref() }
    }

    pub(super) fn state(&self) -> &State {
        &self.header().state
    }

    pub(super) fn id(&self) -> Id {
        self.header().id
    }

    /// Who the task is.
    pub(super) fn info(&self) -> TaskInfo {
        let header = self.header();
        TaskInfo {
            id: header.id,
            name: header.origin.meta().and_then(|m| m.name.clone()),
            spawned_at: header.origin.location(),
        }
    }

    /// The task as a snapshot: who it is, what it is doing, and (debug mode) its stats.
    pub(super) fn snapshot(&self) -> TaskSnapshot {
        let snapshot = self.state().load();
        let state = if snapshot.is_running() {
            TaskState::Running
        } else if snapshot.is_notified() {
            TaskState::Scheduled
        } else {
            TaskState::Idle
        };
        let meta = self.header().origin.meta();
        TaskSnapshot {
            info: self.info(),
            state,
            polls: meta.and_then(|m| m.polls()),
            age: meta.and_then(|m| m.age()),
        }
    }

    /// Counts a poll (debug mode). The caller is about to take `RUNNING`.
    pub(super) fn record_poll(&self) {
        if let Some(meta) = self.header().origin.meta() {
            meta.record_poll();
        }
    }

    /// Runs the task, consuming the caller's (`Notified`'s) reference.
    pub(super) fn poll(self) {
        // SAFETY: the vtable matches the allocation (Header invariant); the caller gives
        // up its reference, as `poll` expects.
        unsafe { (self.header().vtable.poll)(self.ptr) }
    }

    /// Cancels the task for shutdown, consuming the caller's reference; `cause` says why
    /// it was refused, if it was (see [`JoinError::is_cancelled`](super::JoinError)).
    pub(super) fn shutdown(self, cause: Option<Arc<io::Error>>) {
        // SAFETY: as in `poll`.
        unsafe { (self.header().vtable.shutdown)(self.ptr, cause) }
    }

    /// # Safety
    ///
    /// * `dst` points to a `Poll<Result<T::Output, JoinError>>` for this task's `T`.
    /// * The caller is the task's JoinHandle.
    pub(super) unsafe fn try_read_output(self, dst: *mut (), waker: &Waker) {
        // SAFETY: the vtable matches (Header invariant); `dst`'s type is the caller's
        // contract.
        unsafe { (self.header().vtable.try_read_output)(self.ptr, dst, waker) }
    }

    /// Drops the JoinHandle's reference and interest.
    pub(super) fn drop_join_handle_slow(self) {
        // SAFETY: the vtable matches (Header invariant); called once, by the JoinHandle.
        unsafe { (self.header().vtable.drop_join_handle_slow)(self.ptr) }
    }

    /// Adds a reference for a new owner.
    pub(super) fn ref_inc(self) {
        self.state().ref_inc();
    }

    /// Drops the caller's reference, freeing the task if it was the last.
    pub(super) fn drop_reference(self) {
        if self.state().ref_dec() {
            self.dealloc();
        }
    }

    fn dealloc(self) {
        // SAFETY: the vtable matches (Header invariant); the caller held the last
        // reference, so no one else can reach the allocation.
        unsafe { (self.header().vtable.dealloc)(self.ptr) }
    }

    /// Submits a `Notified` whose reference the caller already added.
    fn schedule(self) {
        // SAFETY: the vtable matches (Header invariant).
        unsafe { (self.header().vtable.schedule)(self.ptr) }
    }

    /// `Waker::wake_by_ref`.
    pub(super) fn wake_by_ref(self) {
        if self.state().transition_to_notified_by_ref() {
            self.schedule();
        }
    }

    /// `Waker::wake`: consumes the waker's reference.
    pub(super) fn wake_by_val(self) {
        match self.state().transition_to_notified_by_val() {
            TransitionToNotifiedByVal::Submit => {
                // The waker's reference keeps the task (and its scheduler) alive while
                // `schedule` runs; drop it afterwards.
                self.schedule();
                self.drop_reference();
            }
            TransitionToNotifiedByVal::DoNothing => {}
            TransitionToNotifiedByVal::Dealloc => self.dealloc(),
        }
    }

    /// `abort()` from a JoinHandle or AbortHandle (which keeps the task alive).
    pub(super) fn remote_abort(self) {
        // SAFETY: the vtable matches (Header invariant); the caller's handle holds a
        // reference for the whole call.
        unsafe { (self.header().vtable.abort)(self.ptr) }
    }

    /// Protocol 5 on a scheduler that does not cancel in place: mark, and queue the task
    /// if it was idle so that a runtime thread drops the future.
    pub(super) fn abort_by_scheduling(self) {
        if self.state().transition_to_notified_and_cancel() {
            self.schedule();
        }
    }
}

// SAFETY: a RawTask is only a pointer; which thread may do what through it is governed by
// the state word, whose transitions are atomic. The future and output are `Send` (spawn's
// bounds), so moving a reference between threads moves nothing that is not `Send`.
unsafe impl Send for RawTask {}
// SAFETY: as for `Send`; `&RawTask` offers nothing beyond copying the pointer.
unsafe impl Sync for RawTask {}
