//! The state the bounded and unbounded channels share.
//!
//! One lock guards the receiver's waker and the "closed" flags. The bounded channel adds a
//! [`batch_semaphore`] of `capacity` permits in front: a sender takes one before pushing
//! (that is the backpressure, FIFO and cancel-safe), the receiver gives one back per
//! message taken. The last (strong) sender to go marks the channel closed under the lock.
//!
//! # The buffer
//!
//! A bounded channel of at most [`RING_MAX`] slots buffers in a [`Ring`]: senders claim a
//! slot with one `fetch_add` and publish their value with a store, with no lock, so
//! producers do not contend with one another or with the receiver (`ring.rs`). Larger
//! bounded channels (whose ring would be allocated in full up front) and the unbounded
//! channel keep a `VecDeque` under the lock: there "nothing to receive, so register the
//! waker" and "push, so take the waker" are serialised by the lock itself.
//!
//! # Waking the receiver of a ring (no lock, no fence, no wake while it is not waiting)
//!
//! The receiver's two flags ride on the ring's `tail` (`ring.rs`, "The receiver's flags
//! ride on `tail`"): a sender's claim returns them, the receiver sets them with a
//! `fetch_or` that returns the positions claimed so far.
//!
//! * **Sleeping.** The receiver registers its waker under the lock, then sets
//!   `RX_WAITING`. If that finds a position claimed and not yet taken, a value is coming:
//!   it clears the flag and takes the value (waiting for it, briefly, if it is still being
//!   written). Otherwise it sleeps, and every later claim returns the flag: the sender
//!   publishes its value, and the first such sender to clear the flag takes the waker
//!   under the lock and wakes it; the others pay one load. A busy receiver (the flag
//!   clear) costs its senders nothing beyond their claim.
//! * **Dropped.** The receiver's drop sets `RX_DROPPED` under the lock and drains every
//!   position claimed before (waiting for those still being written), then leaves its
//!   [`Consumer`] token under the lock. A sender whose claim returns the flag publishes,
//!   then drains the ring itself with that token, so no value is left in the channel
//!   after both are done. `rx_dropped` (set under the lock too) lets a later sender give
//!   its value back without claiming, and the channels without a ring read it under the
//!   lock.
//!
//! # Weak senders
//!
//! A weak sender ([`WeakTx`]) keeps the channel's memory but not the channel open: only
//! `tx_count` (strong senders) decides when the receiver sees the end. `upgrade` raises
//! `tx_count` only from a non-zero value (a CAS loop), so once the last strong sender has
//! taken it to 0 — and is about to mark the channel closed — no weak sender can bring it
//! back; `tx_weak_count` is bookkeeping for `weak_count` only.
//!
//! # Closing with slots reserved
//!
//! [`Rx::close`] stops new reservations (it closes the semaphore) but not the ones already
//! made: a [`Permit`](super::Permit), or a `reserve` granted its slot but not yet polled,
//! may still deliver. So a closed receiver is done only once every permit is back: each
//! one is either free in the semaphore or held by a buffered message, i.e. free permits +
//! buffered messages = capacity. The receiver checks that under the lock; whoever gives a
//! reserved slot back unused (a dropped permit, a cancelled reserve) releases the permit
//! first and then takes the lock to wake a closed receiver ([`Chan::slot_returned`]), so
//! either the receiver's check sees the permit back or the giver sees its waker.
//!
//! [`batch_semaphore`]: crate::batch_semaphore

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::task::{Poll, Waker};

use crate::batch_semaphore as ll;
use crate::loom::atomic::{
    AtomicBool, AtomicUsize,
    Ordering::{AcqRel, Acquire, Relaxed},
};
use crate::loom::sync::Mutex;
use crate::loom::Arc;
use crate::Notify;

use super::ring::{Consumer, Padded, Ring, RX_DROPPED, RX_WAITING};

/// The largest bounded channel buffered in a [`Ring`] (its slots are allocated when the
/// channel is made); larger ones buffer in a `VecDeque` under the lock.
pub(crate) const RING_MAX: usize = 4096;

/// The fields in the order of their traffic (`repr(C)` keeps it): the ring's lines first
/// (`tail`, `head`, then its read-only bounds), then what every send reads and only a
/// sleeping or departing receiver writes, then the semaphore on lines of its own (every
/// send and every receive write its permit count), then what only waits touch.
#[repr(C)]
pub(crate) struct Chan<T> {
    /// The lock-free buffer of a bounded channel of at most [`RING_MAX`] slots.
    pub(super) ring: Option<Ring<T>>,
    /// The receiver was dropped: not even a reserved slot can deliver any more. Written
    /// under the lock; read without it by the senders of a ring, as a hint (the ring's
    /// `RX_DROPPED` decides, see the module docs).
    pub(super) rx_dropped: AtomicBool,
    /// Live senders; the channel is closed for the receiver when it reaches 0.
    tx_count: AtomicUsize,
    /// Live weak senders (reported by `weak_count`; they do not keep the channel open).
    tx_weak_count: AtomicUsize,
    /// The capacity of a bounded channel (the semaphore's full count); 0 if unbounded.
    bound: usize,
    /// Capacity permits of a bounded channel: see [`sem`](Chan::sem). Apart from the
    /// flags above, which every send of a ring reads: sharing their line, each receive's
    /// give-back made the next send's read a miss.
    sem: Padded<Option<ll::Semaphore>>,
    pub(super) state: Mutex<State<T>>,
    /// Senders waiting in `closed()`.
    pub(super) rx_gone: Notify,
}

// UnwindSafe and RefUnwindSafe, as tokio's: this lock-protected state changes only in
// whole steps, and no user code (no waker, no value's drop) runs while its lock is held,
// so a panic elsewhere cannot leave it half-updated for the code that catches it.
impl<T> std::panic::RefUnwindSafe for Chan<T> {}
impl<T> std::panic::UnwindSafe for Chan<T> {}

pub(super) struct State<T> {
    /// The buffer of a channel without a ring.
    pub(super) queue: VecDeque<T>,
    pub(super) rx_waker: Option<Waker>,
    /// The receiver closed the channel or was dropped.
    pub(super) rx_closed: bool,
    /// Every sender is gone.
    pub(super) tx_gone: bool,
    /// The ring's consumer token once the receiver is dropped (it holds it before).
    pub(super) orphan_consumer: Option<Consumer>,
}

/// A sender's counted reference to the channel.
pub(crate) struct Tx<T>(pub(crate) Arc<Chan<T>>);

/// The receiver's reference: closes and drains the channel when dropped (`rx.rs`).
pub(crate) struct Rx<T> {
    pub(crate) chan: Arc<Chan<T>>,
    /// The ring's consumer token (`None` without a ring, or once dropped).
    pub(super) consumer: Option<Consumer>,
}

pub(crate) fn new<T>(capacity: Option<usize>) -> (Tx<T>, Rx<T>) {
    let (ring, consumer) = match capacity {
        Some(capacity) if capacity <= RING_MAX => {
            let (ring, consumer) = Ring::new(capacity);
            (Some(ring), Some(consumer))
        }
        _ => (None, None),
    };
    let chan = Arc::new(Chan {
        state: Mutex::new(State {
            queue: VecDeque::new(),
            rx_waker: None,
            rx_closed: false,
            tx_gone: false,
            orphan_consumer: None,
        }),
        ring,
        rx_dropped: AtomicBool::new(false),
        tx_count: AtomicUsize::new(1),
        tx_weak_count: AtomicUsize::new(0),
        sem: Padded(capacity.map(ll::Semaphore::new)),
        bound: capacity.unwrap_or(0),
        rx_gone: Notify::new(),
    });
    (Tx(chan.clone()), Rx { chan, consumer })
}

impl<T> Chan<T> {
    /// The capacity permits of a bounded channel (`None` if unbounded).
    pub(crate) fn sem(&self) -> Option<&ll::Semaphore> {
        self.sem.0.as_ref()
    }

    /// Appends `value` and wakes the receiver. `reserved`: a bounded sender's permit pays
    /// for it, and a slot reserved before [`Rx::close`] may still deliver; otherwise
    /// (unbounded) a closed receiver refuses it. Gives the value back when refused.
    pub(crate) fn push(&self, value: T, reserved: bool) -> Result<(), T> {
        if let Some(ring) = &self.ring {
            return self.push_ring(ring, value);
        }
        let mut state = self.state.lock();
        let refused = if reserved {
            // Relaxed: written under the lock we hold.
            self.rx_dropped.load(Relaxed)
        } else {
            state.rx_closed
        };
        if refused {
            return Err(value);
        }
        state.queue.push_back(value);
        let waker = self.take_rx_waker(&mut state);
        drop(state);
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
    }

    /// [`push`](Chan::push) into the ring, with a permit (only bounded channels have one):
    /// no lock unless the receiver sleeps or is gone (see the module docs).
    fn push_ring(&self, ring: &Ring<T>, value: T) -> Result<(), T> {
        // Relaxed: a hint that saves the push; the flag the claim returns decides.
        if self.rx_dropped.load(Relaxed) {
            return Err(value);
        }
        let flags = ring.push(value);
        if flags & RX_DROPPED != 0 {
            self.drain_orphans();
        } else if flags & RX_WAITING != 0 && ring.clear_waiting() {
            // The receiver sleeps and we are the one to wake it: the lock orders the
            // waker's registration before our read of it (and our claim saw the flag the
            // receiver set after registering).
            let mut state = self.state.lock();
            let waker = state.rx_waker.take();
            drop(state);
            if let Some(waker) = waker {
                waker.wake();
            }
        }
        Ok(())
    }

    /// The receiver is gone while we pushed: drop what is left in the ring, as the
    /// receiver's drop does, with the consumer token it left under the lock. The values
    /// are dropped after the lock (their drops may send on this channel).
    fn drain_orphans(&self) {
        let Some(ring) = &self.ring else { return };
        let mut state = self.state.lock();
        let mut orphans = Vec::new();
        if let Some(consumer) = state.orphan_consumer.as_mut() {
            while let Some(value) = ring.pop(consumer) {
                orphans.push(value);
            }
        }
        drop(state);
        drop(orphans);
    }

    /// Takes the receiver's waker under the lock, and clears the ring's `RX_WAITING`
    /// with it (a sender that still sees it finds no waker and wakes nobody).
    pub(super) fn take_rx_waker(&self, state: &mut State<T>) -> Option<Waker> {
        if let Some(ring) = &self.ring {
            ring.clear_waiting();
        }
        state.rx_waker.take()
    }

    /// A reserved slot went back unused (its permit already released): a closed
    /// receiver waiting for the outstanding permits may be done now, so wake it.
    pub(crate) fn slot_returned(&self) {
        let mut state = self.state.lock();
        let waker = if state.rx_closed {
            self.take_rx_waker(&mut state)
        } else {
            None
        };
        drop(state);
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Whether no message can arrive any more: every sender is gone, or the receiver
    /// closed the channel and every permit is back (free, or held by a buffered message).
    pub(super) fn is_finished(&self, state: &State<T>) -> bool {
        state.tx_gone || (state.rx_closed && self.permits_all_back(state))
    }

    /// Free permits + buffered messages = capacity: no slot is reserved. Always true for
    /// an unbounded channel. Read under the lock (see the module docs). A ring's buffered
    /// messages count as 0: this is asked only when the receiver found the ring empty, and
    /// a message pushed since holds its permit until it is taken.
    fn permits_all_back(&self, state: &State<T>) -> bool {
        self.sem()
            .is_none_or(|sem| sem.available_permits() + state.queue.len() >= self.bound)
    }

    /// Whether the receiver is gone.
    pub(crate) fn is_closed(&self) -> bool {
        self.state.lock().rx_closed
    }

    /// Waits until the receiver is gone. Spends one unit of the cooperative budget per
    /// poll: on a closed channel it is always ready.
    pub(crate) async fn closed(&self) {
        // Notified first, then the check: a close in between still wakes us.
        let mut notified = std::pin::pin!(self.rx_gone.notified());
        std::future::poll_fn(|cx| {
            std::task::ready!(eddy_executor::coop::poll_proceed(cx));
            if self.is_closed() {
                return Poll::Ready(());
            }
            notified.as_mut().poll(cx)
        })
        .await
    }

    /// Buffered messages (in a ring: with those being written).
    pub(crate) fn len(&self) -> usize {
        match &self.ring {
            Some(ring) => ring.len(),
            None => self.state.lock().queue.len(),
        }
    }

    pub(crate) fn same_channel(&self, other: &Chan<T>) -> bool {
        std::ptr::eq(self, other)
    }

    /// Live strong senders.
    pub(crate) fn strong_count(&self) -> usize {
        // Acquire: pairs with the AcqRel updates of the count (a snapshot, as tokio's).
        self.tx_count.load(Acquire)
    }

    /// Live weak senders.
    pub(crate) fn weak_count(&self) -> usize {
        // Relaxed: a statistic that orders no other memory.
        self.tx_weak_count.load(Relaxed)
    }
}

impl<T> Tx<T> {
    pub(crate) fn clone_tx(&self) -> Tx<T> {
        // Relaxed would do (the count only goes up from a live sender), but loom models
        // are easier to read with one ordering for the count.
        self.0.tx_count.fetch_add(1, AcqRel);
        Tx(self.0.clone())
    }

    /// A weak sender of the same channel.
    pub(crate) fn downgrade(&self) -> WeakTx<T> {
        // Relaxed: the weak count is bookkeeping only (see the module docs).
        self.0.tx_weak_count.fetch_add(1, Relaxed);
        WeakTx(self.0.clone())
    }
}

/// A weak sender's reference: keeps the memory, not the channel, open.
pub(crate) struct WeakTx<T>(pub(crate) Arc<Chan<T>>);

impl<T> WeakTx<T> {
    /// A strong sender again, unless every strong sender is already gone (then the
    /// channel is closed for good).
    pub(crate) fn upgrade(&self) -> Option<Tx<T>> {
        let mut count = self.0.tx_count.load(Acquire);
        loop {
            if count == 0 {
                return None;
            }
            // AcqRel: ordered with the last sender's AcqRel decrement (see `Tx::drop`);
            // only a non-zero count is raised, so a closed channel stays closed.
            match self
                .0
                .tx_count
                .compare_exchange_weak(count, count + 1, AcqRel, Acquire)
            {
                Ok(_) => return Some(Tx(self.0.clone())),
                Err(actual) => count = actual,
            }
        }
    }
}

impl<T> Clone for WeakTx<T> {
    fn clone(&self) -> Self {
        self.0.tx_weak_count.fetch_add(1, Relaxed);
        WeakTx(self.0.clone())
    }
}

impl<T> Drop for WeakTx<T> {
    fn drop(&mut self) {
        self.0.tx_weak_count.fetch_sub(1, Relaxed);
    }
}

impl<T> Drop for Tx<T> {
    fn drop(&mut self) {
        // AcqRel: the last sender's Acquire sees every other sender's pushes (which were
        // made under the lock anyway) before it marks the channel closed.
        if self.0.tx_count.fetch_sub(1, AcqRel) != 1 {
            return;
        }
        let mut state = self.0.state.lock();
        state.tx_gone = true;
        let waker = self.0.take_rx_waker(&mut state);
        drop(state);
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<T> fmt::Debug for Chan<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let buffered = self.len();
        let state = self.state.lock();
        f.debug_struct("Chan")
            .field("buffered", &buffered)
            .field("rx_closed", &state.rx_closed)
            .field("tx_gone", &state.tx_gone)
            .finish()
    }
}
