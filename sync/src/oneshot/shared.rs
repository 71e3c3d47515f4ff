//! The oneshot's one allocation — the state word and two slots — and its protocol.
//!
//! ```text
//!  Shared<T>  (one Box, 40 bytes for a T of up to 16)
//!  +------------------------------+
//!  | state    AtomicUsize  (8 B)  |  the flags below; no lock, no Arc count
//!  | rx_waker Waker        (16 B) |  the receiver's waker, while RX_TASK_SET
//!  | slot     T | Waker   (16 B+) |  the sender's waker (TX_TASK_SET, before a send)
//!  |                              |  or the value (VALUE_SENT): never both
//!  +------------------------------+
//! ```
//!
//! The sender writes its waker into `slot` only before it sends; sending takes the waker
//! back first (a CAS that fails once the receiver closed). So the value and the sender's
//! waker share the slot, and a `u64` channel fits in 40 bytes.
//!
//! # Who may touch what
//!
//! | part | who | when |
//! |---|---|---|
//! | `rx_waker` | the receiver (write, drop) | while `RX_TASK_SET` is unset and not `COMPLETE` |
//! | `rx_waker` | the receiver (read: `will_wake`) | while `RX_TASK_SET` is set |
//! | `rx_waker` | the sender (move out, wake) | after its `COMPLETE` step found `RX_TASK_SET` |
//! | `slot` as value | the sender (write) | before it sets `VALUE_SENT` |
//! | `slot` as value | the receiver (move out), or the last one out (drop) | after `VALUE_SENT` |
//! | `slot` as tx waker | the sender (write, drop) | while `TX_TASK_SET` is unset, before `CLOSED` |
//! | `slot` as tx waker | the sender (read: `will_wake`) | while `TX_TASK_SET` is set |
//! | `slot` as tx waker | the receiver (move out, wake) | after its `CLOSED` step found `TX_TASK_SET` |
//!
//! The allocation is freed by whichever side sets the second of `TX_DONE` and `RX_DONE`
//! (or sees the other's already set and needs no step of its own). A side that still
//! has to move a waker out after its main step sets its `*_DONE` bit in a second step,
//! after the move, so the other side cannot free the memory under it; it wakes the waker
//! last, touching nothing shared.

#![allow(unsafe_code)]

use std::mem::{ManuallyDrop, MaybeUninit};
use std::ptr::NonNull;
use std::task::Waker;

use crate::loom::atomic::{AtomicUsize, Ordering::*};
use crate::loom::cell::UnsafeCell;

/// `rx_waker` holds the receiver's waker. After `COMPLETE` it is the sender's to take.
pub(super) const RX_TASK_SET: usize = 1 << 0;
/// `slot` holds the value. Set with `COMPLETE`, by the sender.
pub(super) const VALUE_SENT: usize = 1 << 1;
/// The sender sent or was dropped: no value will come beyond the one there may be.
pub(super) const COMPLETE: usize = 1 << 2;
/// The sender is gone for good: it touches nothing shared any more.
pub(super) const TX_DONE: usize = 1 << 3;
/// The receiver closed or was dropped: a send fails.
pub(super) const CLOSED: usize = 1 << 4;
/// `slot` holds the sender's waker (for `Sender::closed`). After `CLOSED` it is the
/// receiver's to take.
pub(super) const TX_TASK_SET: usize = 1 << 5;
/// The receiver is gone for good (dropped, or it returned its result).
pub(super) const RX_DONE: usize = 1 << 6;

/// Room for the value or the sender's waker (only its size and alignment are used; the
/// slot is reached through casts of its address, where both fields start).
#[repr(C)]
union Slot<T> {
    _value: ManuallyDrop<T>,
    _waker: ManuallyDrop<Waker>,
}

pub(super) struct Shared<T> {
    pub(super) state: AtomicUsize,
    rx_waker: UnsafeCell<MaybeUninit<Waker>>,
    slot: UnsafeCell<MaybeUninit<Slot<T>>>,
}

impl<T> Shared<T> {
    /// A new channel's allocation; each half holds the returned pointer.
    pub(super) fn allocate() -> NonNull<Shared<T>> {
        let shared = Box::new(Shared {
            state: AtomicUsize::new(0),
            rx_waker: UnsafeCell::new(MaybeUninit::uninit()),
            slot: UnsafeCell::new(MaybeUninit::uninit()),
        });
        NonNull::from(Box::leak(shared))
    }

    pub(super) fn load(&self) -> usize {
        self.state.load(Acquire)
    }

    /// One atomic step: `f` maps the current state to the next, or refuses (`None`),
    /// which returns the current state as the error.
    pub(super) fn update(&self, mut f: impl FnMut(usize) -> Option<usize>) -> Result<usize, usize> {
        let mut cur = self.state.load(Acquire);
        loop {
            let next = f(cur).ok_or(cur)?;
            match self.state.compare_exchange_weak(cur, next, AcqRel, Acquire) {
                Ok(prev) => return Ok(prev),
                Err(actual) => cur = actual,
            }
        }
    }

    /// Sets `bits`; returns the state before.
    pub(super) fn set(&self, bits: usize) -> usize {
        self.state.fetch_or(bits, AcqRel)
    }

    /// Flips `bits` (the caller knows their values); returns the state before.
    pub(super) fn toggle(&self, bits: usize) -> usize {
        self.state.fetch_xor(bits, AcqRel)
    }

    /// Clears `bit` unless one of `unless` is set; returns the state before, or the
    /// state that refused.
    pub(super) fn clear_unless(&self, bit: usize, unless: usize) -> Result<usize, usize> {
        self.update(|cur| (cur & unless == 0).then_some(cur & !bit))
    }

    /// Sets `bit` unless one of `unless` is set; as `clear_unless`.
    pub(super) fn set_unless(&self, bit: usize, unless: usize) -> Result<usize, usize> {
        self.update(|cur| (cur & unless == 0).then_some(cur | bit))
    }

    /// # Safety
    ///
    /// * The caller owns `rx_waker` for writing (the table above) and it is empty.
    pub(super) unsafe fn put_rx_waker(&self, waker: Waker) {
        // SAFETY: exclusive access is the caller's contract.
        self.rx_waker.with_mut(|p| unsafe { (*p).write(waker) });
    }

    /// # Safety
    ///
    /// * The caller owns `rx_waker` for moving out, and it holds a waker.
    pub(super) unsafe fn take_rx_waker(&self) -> Waker {
        // SAFETY: ownership and initialization are the caller's contract.
        self.rx_waker.with(|p| unsafe { (*p).assume_init_read() })
    }

    /// # Safety
    ///
    /// * `rx_waker` holds a waker and nobody writes it meanwhile (`RX_TASK_SET`).
    pub(super) unsafe fn rx_will_wake(&self, waker: &Waker) -> bool {
        // SAFETY: shared read of an initialized slot, the caller's contract.
        self.rx_waker
            .with(|p| unsafe { (*p).assume_init_ref() }.will_wake(waker))
    }

    /// # Safety
    ///
    /// * The caller owns `slot` for writing and it is empty.
    pub(super) unsafe fn put_tx_waker(&self, waker: Waker) {
        // SAFETY: exclusive access is the caller's contract; the slot has the room and
        // alignment of a waker (`Slot`) and starts at its address (`repr(C)` union).
        self.slot
            .with_mut(|p| unsafe { p.cast::<Waker>().write(waker) });
    }

    /// # Safety
    ///
    /// * The caller owns `slot` for moving out, and it holds the sender's waker.
    pub(super) unsafe fn take_tx_waker(&self) -> Waker {
        // SAFETY: as `put_tx_waker`; initialized (contract).
        self.slot.with(|p| unsafe { p.cast::<Waker>().read() })
    }

    /// # Safety
    ///
    /// * `slot` holds the sender's waker and nobody writes it meanwhile (`TX_TASK_SET`).
    pub(super) unsafe fn tx_will_wake(&self, waker: &Waker) -> bool {
        // SAFETY: shared read of an initialized waker (contract; layout as above).
        self.slot
            .with(|p| unsafe { &*p.cast::<Waker>() }.will_wake(waker))
    }

    /// # Safety
    ///
    /// * The caller is the sender, owns `slot` for writing, and it is empty.
    pub(super) unsafe fn put_value(&self, value: T) {
        // SAFETY: as `put_tx_waker`, for a `T`.
        self.slot
            .with_mut(|p| unsafe { p.cast::<T>().write(value) });
    }

    /// # Safety
    ///
    /// * The caller owns `slot` for moving out and it holds the value.
    pub(super) unsafe fn take_value(&self) -> T {
        // SAFETY: as `take_tx_waker`, for a `T`.
        self.slot.with(|p| unsafe { p.cast::<T>().read() })
    }

    /// Frees the allocation, dropping a value nobody took (`VALUE_SENT` still set, and
    /// not `took_value`: the receiver moved it out without a step of the state word).
    ///
    /// # Safety
    ///
    /// * The caller is the last one out: it set, or saw set (Acquire), both `TX_DONE`
    ///   and `RX_DONE`, or the other side's with its own role ended. `ptr` is then not
    ///   used again.
    pub(super) unsafe fn free(ptr: NonNull<Shared<T>>, took_value: bool) {
        // SAFETY: nobody else can reach the allocation (contract); it came from
        // `Box::leak` in `allocate` with this very type.
        let shared = unsafe { Box::from_raw(ptr.as_ptr()) };
        if !took_value && shared.state.load(Acquire) & VALUE_SENT != 0 {
            // SAFETY: VALUE_SENT and nobody took it: the slot holds the value, ours now.
            drop(unsafe { shared.take_value() });
        }
        drop(shared);
    }
}
