//! The task allocation: one `Cell` per task holding header, trailer and core.
//!
//! ```text
//!  Cell<T, S>  (repr(C), one Box)
//!  +-------------------------------+
//!  | Header   state word (8 B)     |  non-generic: reached through `NonNull<Header>`,
//!  |          vtable ptr  (8 B)    |  which is also the Waker's data pointer
//!  |          owned-list links (16)|
//!  |          id          (8 B)    |
//!  |          origin      (8 B)    |  &'static Location of the spawn call, or (named
//!  |                               |  task, debug mode) a Meta box holding it
//!  +-------------------------------+
//!  | Trailer  join waker  (16 B)   |  non-generic, fixed offset
//!  +-------------------------------+
//!  | Core     scheduler S (8 B)    |  generic: only the vtable's functions, which know
//!  |          stage: future |      |  T and S, touch it
//!  |                 output |      |
//!  |                 consumed      |
//!  +-------------------------------+
//! ```
//!
//! `async {}` spawned on the multi-threaded scheduler allocates 104 bytes: header 48,
//! trailer 16, core 40 (the scheduler's `Arc` 8, the stage 32 — its largest variant is the
//! output `Result<(), JoinError>`, 24 bytes, plus the tag). Budget: 128, tokio's minimum
//! (see the `task_is_at_most_128_bytes` test).

use std::future::Future;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll, Waker};

use super::identity::Origin;
use super::list::Pointers;
use super::raw::Vtable;
use super::state::State;
use super::{Id, JoinError};
use crate::loom::UnsafeCell;

/// The whole task, in one allocation.
#[repr(C)]
pub(super) struct Cell<T: Future, S> {
    pub(super) header: Header,
    pub(super) trailer: Trailer,
    pub(super) core: Core<T, S>,
}

/// The part of a task every handle may touch without knowing its types.
///
/// # Invariants
///
/// * `header` is the first field of a `Cell<T, S>`, so a `NonNull<Header>` is a
///   `NonNull<Cell<T, S>>` for the `T, S` that `vtable` was made for.
/// * `owned` is only read or written under the lock of the owned-task shard for `id`.
#[repr(C)]
pub(crate) struct Header {
    pub(super) state: State,
    pub(super) vtable: &'static Vtable,
    pub(super) owned: Pointers,
    pub(super) id: Id,
    /// Where the task was spawned (`#[track_caller]`), and its name and debug-mode stats
    /// if it has them (out of line: no allocation for an unnamed task without debug
    /// mode). Immutable after the spawn (the stats are atomics).
    pub(super) origin: Origin,
}

/// The join waker slot; who may touch it is decided by the `JOIN_WAKER` bit.
pub(super) struct Trailer {
    pub(super) waker: UnsafeCell<Option<Waker>>,
}

/// The generic part: scheduler handle and stage.
///
/// # Invariants
///
/// * `stage` is only touched by the thread holding `RUNNING`, or after `COMPLETE` by the
///   JoinHandle (while `JOIN_INTEREST`) or the completing thread (otherwise).
pub(super) struct Core<T: Future, S> {
    pub(super) scheduler: S,
    pub(super) stage: UnsafeCell<Stage<T>>,
}

/// What the task holds: its future, then its output, then nothing.
pub(super) enum Stage<T: Future> {
    Running(T),
    Finished(Result<T::Output, JoinError>),
    Consumed,
}

impl<T: Future, S> Cell<T, S> {
    /// Allocates a task; returns the pointer every handle shares.
    pub(super) fn allocate(
        future: T,
        scheduler: S,
        id: Id,
        origin: Origin,
        vtable: &'static Vtable,
    ) -> NonNull<Header> {
        let cell = Box::new(Cell {
            header: Header {
                state: State::new(),
                vtable,
                owned: Pointers::new(),
                id,
                origin,
            },
            trailer: Trailer {
                waker: UnsafeCell::new(None),
            },
            core: Core {
                scheduler,
                stage: UnsafeCell::new(Stage::Running(future)),
            },
        });
        NonNull::from(Box::leak(cell)).cast()
    }
}

impl<T: Future, S> Core<T, S> {
    /// Polls the future.
    ///
    /// # Safety
    ///
    /// * The caller holds `RUNNING` and the stage is `Running`.
    pub(super) unsafe fn poll(&self, cx: &mut Context<'_>) -> Poll<T::Output> {
        self.stage.with_mut(|stage| {
            // SAFETY: holding RUNNING gives this thread exclusive access to the stage.
            let stage = unsafe { &mut *stage };
            let Stage::Running(future) = stage else {
                unreachable!("task polled after its future was dropped");
            };
            // SAFETY: the future lives inside the heap cell, which never moves, and is
            // dropped in place (by `set_stage`), never moved out.
            let future = unsafe { Pin::new_unchecked(future) };
            future.poll(cx)
        })
    }

    /// Replaces the stage, dropping the old one in place (the future, or an unread
    /// output).
    ///
    /// # Safety
    ///
    /// * The caller has exclusive access to the stage (see `Core`'s invariants).
    pub(super) unsafe fn set_stage(&self, new: Stage<T>) {
        // SAFETY: exclusive access is the caller's contract.
        self.stage.with_mut(|stage| unsafe { *stage = new });
    }

    /// Takes the stage out, leaving `Consumed` (to inspect an unread output before it is
    /// dropped).
    ///
    /// # Safety
    ///
    /// * The caller has exclusive access to the stage (see `Core`'s invariants).
    pub(super) unsafe fn take_stage(&self) -> Stage<T> {
        // SAFETY: exclusive access is the caller's contract.
        self.stage
            .with_mut(|stage| std::mem::replace(unsafe { &mut *stage }, Stage::Consumed))
    }

    /// Takes the output, leaving `Consumed`.
    ///
    /// # Safety
    ///
    /// * The caller is the JoinHandle and has observed `COMPLETE` with `JOIN_INTEREST`.
    pub(super) unsafe fn take_output(&self) -> Result<T::Output, JoinError> {
        self.stage.with_mut(|stage| {
            // SAFETY: after COMPLETE the JoinHandle owns the stage (caller's contract).
            match std::mem::replace(unsafe { &mut *stage }, Stage::Consumed) {
                Stage::Finished(output) => output,
                _ => panic!("JoinHandle polled after it returned `Poll::Ready`"),
            }
        })
    }
}

impl Trailer {
    /// # Safety
    ///
    /// * The caller owns the slot (`JOIN_WAKER` unset, and it is the JoinHandle or the
    ///   task is complete without `JOIN_INTEREST`).
    pub(super) unsafe fn set_waker(&self, waker: Option<Waker>) {
        // SAFETY: exclusive access is the caller's contract.
        self.waker.with_mut(|slot| unsafe { *slot = waker });
    }

    /// # Safety
    ///
    /// * The slot is readable: the caller owns it, or `JOIN_WAKER` is set and the caller
    ///   is the JoinHandle or the completing thread (readers only, then).
    pub(super) unsafe fn will_wake(&self, waker: &Waker) -> bool {
        self.waker.with(|slot| {
            // SAFETY: shared read access is the caller's contract.
            let slot = unsafe { &*slot };
            slot.as_ref().is_some_and(|w| w.will_wake(waker))
        })
    }

    /// # Safety
    ///
    /// * As `will_wake`.
    pub(super) unsafe fn wake_join(&self) {
        self.waker.with(|slot| {
            // SAFETY: shared read access is the caller's contract.
            if let Some(waker) = unsafe { &*slot }.as_ref() {
                waker.wake_by_ref();
            }
        });
    }
}
