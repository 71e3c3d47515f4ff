//! The bounded channel's buffer: a ring of slots that senders fill without a lock.
//!
//! # Protocol
//!
//! Positions count up from 0; position `pos` lives in slot `pos & mask` (the ring has
//! `capacity` rounded up to a power of two slots, and at least two: with one, "free for
//! `pos + 1`" and "full for `pos`" would be the same stamp). Each slot has a `stamp`:
//!
//! * `stamp == pos`: the slot is free for the sender of position `pos`;
//! * `stamp == pos + 1`: that sender's value is in it, ready for the receiver;
//! * the receiver takes it and sets `stamp = pos + slots`, freeing it for the position one
//!   lap later.
//!
//! A sender claims a position with one `fetch_add` on `tail` — the only read-modify-write
//! senders share — writes its value and publishes it with a Release store of the stamp.
//! Senders never wait for one another: each owns its slot once it has claimed the
//! position. The receiver reads the stamp of `head`'s slot and, if the value is ready,
//! moves it out; `head` is written by the consumer only.
//!
//! A value can be published before the one ahead of it: a sender that claimed `pos`
//! may still be writing when the sender of `pos + 1` has published and returned. So a
//! receiver that finds the head not ready while `tail` is past it waits for the head
//! ([`Ring::pop_settled`]), as tokio's does: a send that returned is never missed. The
//! wait is short and bounded: from its claim to its publishing store a sender runs no
//! user code, takes no lock and cannot panic (it moves the value into the slot, and the
//! stamp it checks first is free at once, see below).
//!
//! # Invariants
//!
//! * **A claimed slot is free.** The channel's semaphore bounds the slots in use: a sender
//!   pushes only with a permit, and the receiver gives the permit back only after it freed
//!   the slot. So at most `capacity` positions are claimed and not yet taken, and the slot
//!   of a new claim `pos` was last used by `pos - slots <= pos - capacity`, which the
//!   receiver has taken. `push` still checks the stamp (Acquire, pairing with the
//!   receiver's Release store that freed it) and would wait if it were not free: it never
//!   does while the invariant holds.
//! * **One consumer.** `pop` needs the [`Consumer`] token, of which there is one per ring:
//!   the receiver holds it, then the channel's lock once the receiver is dropped.
//!
//! # The receiver's flags ride on `tail`
//!
//! `tail` holds the next position above two flags the receiver sets: [`RX_WAITING`] (it
//! registered its waker and is about to sleep) and [`RX_DROPPED`] (it is gone). A claim is
//! a `fetch_add` of one position that returns the flags with the position, so a sender
//! learns whether to wake or drain from the read-modify-write it does anyway: no fence,
//! no second load. The receiver sets a flag with a `fetch_or` on the same word, which
//! returns the positions claimed so far. Both are read-modify-writes of one atomic, so
//! one comes first: either the claim comes first and the receiver's `fetch_or` sees the
//! position claimed (it waits for that value instead of sleeping, or drains it), or the
//! flag comes first and the claim returns it (the sender wakes the receiver after
//! publishing, or drains its own value). That is the whole hand-shake of `chan.rs`
//! ("Waking the receiver of a ring").
//!
//! Positions count modulo 2^(usize bits - 2) (the bits of `tail` above the flags); with a power-of-two
//! ring the slot index and the stamps stay consistent across the wrap.

#![allow(unsafe_code)]

use std::fmt;
use std::mem::MaybeUninit;

use crate::loom::atomic::{
    AtomicUsize,
    Ordering::{AcqRel, Acquire, Relaxed, Release},
};
use crate::loom::cell::UnsafeCell;

/// Keeps what it holds on cache lines of its own (128 bytes: adjacent-line prefetching
/// pairs 64-byte lines): here `tail` (hit by every sender) and `head` (written by the
/// receiver); in `chan.rs` the channel's semaphore.
#[repr(align(128))]
pub(super) struct Padded<T>(pub(super) T);

/// Flag in `tail`: the receiver registered its waker and may be asleep.
pub(crate) const RX_WAITING: usize = 1;
/// Flag in `tail`: the receiver is gone; a sender drains its own value.
pub(crate) const RX_DROPPED: usize = 2;
/// `tail`'s flag bits; one position is the next bit up.
const FLAGS: usize = RX_WAITING | RX_DROPPED;
const ONE: usize = FLAGS + 1;
/// Positions are counted in the bits of `tail` above the flags.
const POS_MASK: usize = usize::MAX >> ONE.trailing_zeros();

/// `pos + n`, modulo the position range.
fn pos_add(pos: usize, n: usize) -> usize {
    pos.wrapping_add(n) & POS_MASK
}

/// The position part of a `tail` word.
fn pos_of(tail: usize) -> usize {
    tail >> ONE.trailing_zeros()
}

pub(crate) struct Ring<T> {
    /// The next position to claim, above the receiver's flags (module docs).
    tail: Padded<AtomicUsize>,
    /// The next position to take; written by the holder of the [`Consumer`] only.
    head: Padded<AtomicUsize>,
    /// `slots.len() - 1`; `slots.len()` is a power of two.
    mask: usize,
    slots: Box<[Slot<T>]>,
}

struct Slot<T> {
    /// See the module docs.
    stamp: AtomicUsize,
    /// Initialised exactly while `stamp == pos + 1` for the position it holds.
    value: UnsafeCell<MaybeUninit<T>>,
}

/// The right to take values out of a [`Ring`]: one per ring, not `Clone`.
#[derive(Debug)]
pub(crate) struct Consumer(());

// SAFETY: values move between threads through the ring (sent on one, dropped or taken on
// another), hence `T: Send`. Shared access to a slot's value is ordered by its stamp: the
// sender that claimed the position is its only writer until its Release store of the
// stamp, the holder of the one `Consumer` its only reader after an Acquire load of that
// stamp (module docs, "Invariants").
unsafe impl<T: Send> Send for Ring<T> {}
// SAFETY: as for `Send`.
unsafe impl<T: Send> Sync for Ring<T> {}

impl<T> Ring<T> {
    /// A ring for `capacity` values, and its one consumer token.
    pub(crate) fn new(capacity: usize) -> (Ring<T>, Consumer) {
        let len = capacity.max(2).next_power_of_two();
        let slots = (0..len)
            .map(|i| Slot {
                stamp: AtomicUsize::new(i),
                value: UnsafeCell::new(MaybeUninit::uninit()),
            })
            .collect();
        let ring = Ring {
            tail: Padded(AtomicUsize::new(0)),
            head: Padded(AtomicUsize::new(0)),
            mask: len - 1,
            slots,
        };
        (ring, Consumer(()))
    }

    /// Appends `value`; returns the receiver's flags as the claim found them (module
    /// docs). The caller holds one of the channel's permits for it ("Invariants"); it
    /// passes to the value, and the receiver gives it back.
    pub(crate) fn push(&self, value: T) -> usize {
        // Acquire: pairs with the receiver's Release `fetch_or` of a flag we see, so what
        // it did before (its waker registered, under the channel's lock) happens before
        // what we do about the flag. The claim itself orders nothing: the slot's stamp
        // carries the value.
        let tail = self.tail.0.fetch_add(ONE, Acquire);
        let pos = pos_of(tail);
        let slot = &self.slots[pos & self.mask];
        // Acquire: pairs with the Release store in `pop` that freed the slot, so the
        // receiver's move out of it happens before our write. Free at once (see the
        // invariant); the loop is the defence, not the protocol.
        while slot.stamp.load(Acquire) != pos {
            crate::loom::hint::spin_loop();
        }
        slot.value.with_mut(|p| {
            // SAFETY: `stamp == pos`: the slot is free and this thread, which claimed
            // `pos`, is its only accessor until the store below publishes it.
            unsafe { (*p).write(value) };
        });
        // Release: pairs with the Acquire load in `pop`; the value is written before.
        slot.stamp.store(pos_add(pos, 1), Release);
        tail & FLAGS
    }

    /// Takes the value at the head, if it is in: `None` when the ring is empty or the
    /// sender of the head position has claimed it but not yet written it.
    pub(crate) fn pop(&self, _consumer: &mut Consumer) -> Option<T> {
        // Relaxed: only the consumer writes `head`, and the token's hand-overs (a `&mut`,
        // or the channel's lock) order its previous writes before this read.
        let pos = self.head.0.load(Relaxed);
        let slot = &self.slots[pos & self.mask];
        // Acquire: pairs with the Release store in `push`: the value is written.
        if slot.stamp.load(Acquire) != pos_add(pos, 1) {
            return None;
        }
        let value = slot.value.with(|p| {
            // SAFETY: `stamp == pos + 1`: the value is initialised, and its sender is done
            // with it. The `Consumer` token makes us the only reader, and the slot is not
            // freed for the next writer until the store below.
            unsafe { (*p).assume_init_read() }
        });
        // Release: pairs with the Acquire load in `push` one lap later (the read above
        // happens before that sender's write).
        slot.stamp.store(pos_add(pos, self.slots.len()), Release);
        // Release: pairs with the Acquire load in `len`.
        self.head.0.store(pos_add(pos, 1), Release);
        Some(value)
    }

    /// [`pop`](Ring::pop), but a head position that is claimed and still being written
    /// is waited for (module docs): `None` only when no position is claimed and untaken.
    pub(crate) fn pop_settled(&self, consumer: &mut Consumer) -> Option<T> {
        loop {
            if let Some(value) = self.pop(consumer) {
                return Some(value);
            }
            // Relaxed: only the consumer writes `head`.
            let head = self.head.0.load(Relaxed);
            // Relaxed: the claims are one read-modify-write chain, so a `tail` past
            // `head` means the position `head` was claimed; the stamp, read with Acquire
            // in `pop`, carries the value. A claim that happened before our call (a send
            // that returned) is seen here by coherence.
            if pos_of(self.tail.0.load(Relaxed)) == head {
                return None;
            }
            crate::loom::hint::spin_loop();
        }
    }

    /// The receiver is about to sleep: sets [`RX_WAITING`], so that every later claim
    /// wakes it. Returns whether some position is claimed and not yet taken: then a
    /// value is coming (or there) and the receiver must not sleep (module docs).
    pub(crate) fn set_waiting(&self, _consumer: &Consumer) -> bool {
        // Relaxed: only the consumer writes `head`.
        let head = self.head.0.load(Relaxed);
        // AcqRel: Release pairs with the Acquire claim that sees the flag (module docs);
        // Acquire, for symmetry with `push`: the values themselves come with their stamps.
        pos_of(self.tail.0.fetch_or(RX_WAITING, AcqRel)) != head
    }

    /// Clears [`RX_WAITING`]; returns whether it was set. Of the senders that saw the flag
    /// in their claim, the one whose clear finds it set wakes the receiver; the receiver
    /// clears it itself when it does not sleep after all.
    pub(crate) fn clear_waiting(&self) -> bool {
        // Relaxed: the channel's lock orders the waker's hand-over; this only elects the
        // one sender that takes it. A load first: the senders that lose the election, and
        // a receiver with nothing to clear, do not write the line.
        self.tail.0.load(Relaxed) & RX_WAITING != 0
            && self.tail.0.fetch_and(!RX_WAITING, Relaxed) & RX_WAITING != 0
    }

    /// The receiver is dropped: sets [`RX_DROPPED`], so that every later claim drains its
    /// own value, and moves out every value claimed before, waiting for those still being
    /// written (module docs: short and bounded).
    pub(crate) fn close_and_drain(&self, consumer: &mut Consumer, sink: &mut impl FnMut(T)) {
        // AcqRel: as `set_waiting`; a sender that sees the flag drains under the channel's
        // lock, which we hold, and finds the consumer token there once we are done.
        let end = pos_of(self.tail.0.fetch_or(RX_DROPPED, AcqRel));
        // Relaxed: only the consumer writes `head`.
        let mut waits = 0u32;
        while self.head.0.load(Relaxed) != end {
            match self.pop(consumer) {
                Some(value) => sink(value),
                // A sender between its claim and its write: a few instructions, unless
                // the OS preempted it there. Then spinning (with the channel's lock held)
                // would burn our time slice while it waits for a CPU: give ours up.
                None => {
                    waits += 1;
                    if waits % 64 == 0 {
                        crate::loom::hint::yield_thread();
                    } else {
                        crate::loom::hint::spin_loop();
                    }
                }
            }
        }
    }

    /// Positions claimed and not yet taken: buffered values, and any being written.
    pub(crate) fn len(&self) -> usize {
        // Acquire, head first: pairs with `pop`'s Release store of `head`, which comes
        // after the claims of every position below it, so the `tail` read next is at
        // least `head`.
        let head = self.head.0.load(Acquire);
        let tail = pos_of(self.tail.0.load(Acquire));
        (tail.wrapping_sub(head) & POS_MASK).min(self.slots.len())
    }
}

impl<T> Drop for Ring<T> {
    fn drop(&mut self) {
        // `&mut self`: every sender and the consumer are gone, and their writes happened
        // before (the channel's `Arc` dropped last orders them); no position is claimed
        // and unwritten.
        let mut consumer = Consumer(());
        while self.pop(&mut consumer).is_some() {}
    }
}

impl<T> fmt::Debug for Ring<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ring")
            .field("len", &self.len())
            .field("slots", &self.slots.len())
            .finish()
    }
}
