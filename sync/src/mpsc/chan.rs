//! The state the bounded and unbounded channels share.
//!
//! One lock guards the buffer (a `VecDeque`), the receiver's waker and the "closed"
//! flags, so "nothing to receive, so register the waker" and "push, so take the waker"
//! can never interleave badly. The bounded channel adds a [`batch_semaphore`] of
//! `capacity` permits in front: a sender takes one before pushing (that is the
//! backpressure, FIFO and cancel-safe), the receiver gives one back per message taken.
//! The only atomics are the sender counts; the last (strong) sender to go marks the
//! channel closed under the lock.
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
use std::task::{Context, Poll, Waker};

use crate::batch_semaphore as ll;
use crate::loom::atomic::{
    AtomicUsize,
    Ordering::{AcqRel, Acquire, Relaxed},
};
use crate::loom::sync::Mutex;
use crate::loom::Arc;
use crate::wait_queue::replace_waker;
use crate::Notify;

use super::error::TryRecvError;

pub(crate) struct Chan<T> {
    state: Mutex<State<T>>,
    /// Live senders; the channel is closed for the receiver when it reaches 0.
    tx_count: AtomicUsize,
    /// Live weak senders (reported by `weak_count`; they do not keep the channel open).
    tx_weak_count: AtomicUsize,
    /// Capacity permits of a bounded channel.
    pub(super) sem: Option<ll::Semaphore>,
    /// The capacity of a bounded channel (the semaphore's full count); 0 if unbounded.
    bound: usize,
    /// Senders waiting in `closed()`.
    rx_gone: Notify,
}

// UnwindSafe and RefUnwindSafe, as tokio's: this lock-protected state changes only in
// whole steps, and no user code (no waker, no value's drop) runs while its lock is held,
// so a panic elsewhere cannot leave it half-updated for the code that catches it.
impl<T> std::panic::RefUnwindSafe for Chan<T> {}
impl<T> std::panic::UnwindSafe for Chan<T> {}

struct State<T> {
    queue: VecDeque<T>,
    rx_waker: Option<Waker>,
    /// The receiver closed the channel or was dropped.
    rx_closed: bool,
    /// Every sender is gone.
    tx_gone: bool,
    /// The receiver was dropped: not even a reserved slot can deliver any more.
    rx_dropped: bool,
}

/// A sender's counted reference to the channel.
pub(crate) struct Tx<T>(pub(crate) Arc<Chan<T>>);

/// The receiver's reference: closes and drains the channel when dropped.
pub(crate) struct Rx<T>(pub(crate) Arc<Chan<T>>);

pub(crate) fn new<T>(capacity: Option<usize>) -> (Tx<T>, Rx<T>) {
    let chan = Arc::new(Chan {
        state: Mutex::new(State {
            queue: VecDeque::new(),
            rx_waker: None,
            rx_closed: false,
            tx_gone: false,
            rx_dropped: false,
        }),
        tx_count: AtomicUsize::new(1),
        tx_weak_count: AtomicUsize::new(0),
        sem: capacity.map(ll::Semaphore::new),
        bound: capacity.unwrap_or(0),
        rx_gone: Notify::new(),
    });
    (Tx(chan.clone()), Rx(chan))
}

impl<T> Chan<T> {
    /// Appends `value` and wakes the receiver. `reserved`: a bounded sender's permit pays
    /// for it, and a slot reserved before [`Rx::close`] may still deliver; otherwise
    /// (unbounded) a closed receiver refuses it. Gives the value back when refused.
    pub(crate) fn push(&self, value: T, reserved: bool) -> Result<(), T> {
        let mut state = self.state.lock();
        let refused = if reserved {
            state.rx_dropped
        } else {
            state.rx_closed
        };
        if refused {
            return Err(value);
        }
        state.queue.push_back(value);
        let waker = state.rx_waker.take();
        drop(state);
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
    }

    /// A reserved slot went back unused (its permit already released): a closed
    /// receiver waiting for the outstanding permits may be done now, so wake it.
    pub(crate) fn slot_returned(&self) {
        let mut state = self.state.lock();
        let waker = if state.rx_closed {
            state.rx_waker.take()
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
    fn is_finished(&self, state: &State<T>) -> bool {
        state.tx_gone || (state.rx_closed && self.permits_all_back(state))
    }

    /// Free permits + buffered messages = capacity: no slot is reserved. Always true for
    /// an unbounded channel. Read under the lock (see the module docs).
    fn permits_all_back(&self, state: &State<T>) -> bool {
        self.sem
            .as_ref()
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
        let waker = state.rx_waker.take();
        drop(state);
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<T> Rx<T> {
    /// The next message; `None` once the buffer is empty and every sender is gone, or
    /// once the receiver closed the channel and no reserved slot is left to deliver.
    /// Spends one unit of the cooperative budget.
    pub(crate) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        std::task::ready!(eddy_executor::coop::poll_proceed(cx));
        let mut state = self.0.state.lock();
        if let Some(value) = state.queue.pop_front() {
            drop(state);
            self.release(1);
            return Poll::Ready(Some(value));
        }
        if self.0.is_finished(&state) {
            return Poll::Ready(None);
        }
        // The displaced waker is dropped after the lock: its drop may send on this channel.
        let displaced = replace_waker(&mut state.rx_waker, cx.waker());
        drop(state);
        drop(displaced);
        Poll::Pending
    }

    /// Moves up to `limit` buffered messages to the end of `buf`, waiting while none is
    /// buffered; `0` once the channel is finished (as in [`poll_recv`](Rx::poll_recv)) or
    /// at once if `limit` is 0. Spends one unit of the cooperative budget.
    pub(crate) fn poll_recv_many(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut Vec<T>,
        limit: usize,
    ) -> Poll<usize> {
        if limit == 0 {
            return Poll::Ready(0);
        }
        std::task::ready!(eddy_executor::coop::poll_proceed(cx));
        let mut state = self.0.state.lock();
        let n = state.queue.len().min(limit);
        if n > 0 {
            // Moving the messages drops nothing, so it may happen under the lock.
            buf.extend(state.queue.drain(..n));
            drop(state);
            self.release(n);
            return Poll::Ready(n);
        }
        if self.0.is_finished(&state) {
            return Poll::Ready(0);
        }
        let displaced = replace_waker(&mut state.rx_waker, cx.waker());
        drop(state);
        drop(displaced);
        Poll::Pending
    }

    /// Waits for [`poll_recv`](Rx::poll_recv).
    pub(crate) async fn recv(&mut self) -> Option<T> {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// [`recv`](Rx::recv) blocking the thread, for synchronous code; `what` names the
    /// public method in the panic when called inside the runtime.
    #[track_caller]
    pub(crate) fn blocking_recv(&mut self, what: &str) -> Option<T> {
        if eddy_executor::is_entered() {
            eddy_executor::already_running(what);
        }
        eddy_executor::block_on(self.recv())
    }

    pub(crate) fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let mut state = self.0.state.lock();
        if let Some(value) = state.queue.pop_front() {
            drop(state);
            self.release(1);
            return Ok(value);
        }
        if self.0.is_finished(&state) {
            Err(TryRecvError::Disconnected)
        } else {
            Err(TryRecvError::Empty)
        }
    }

    /// `n` messages left the buffer: room for as many more.
    fn release(&self, n: usize) {
        if let Some(sem) = &self.0.sem {
            sem.release(n);
        }
    }

    /// Closes the channel for new sends and reservations; buffered messages, and those
    /// of slots reserved before, can still be received.
    pub(crate) fn close(&mut self) {
        let mut state = self.0.state.lock();
        if state.rx_closed {
            return;
        }
        state.rx_closed = true;
        drop(state);
        if let Some(sem) = &self.0.sem {
            sem.close();
        }
        self.0.rx_gone.notify_waiters();
    }

    pub(crate) fn is_closed(&self) -> bool {
        let state = self.0.state.lock();
        state.rx_closed || state.tx_gone
    }

    pub(crate) fn len(&self) -> usize {
        self.0.state.lock().queue.len()
    }
}

impl<T> Drop for Rx<T> {
    fn drop(&mut self) {
        self.close();
        // Drop the undelivered messages and the receiver's waker now, not when the last
        // sender goes (a task's waker kept by its own sender would keep it alive), and
        // outside the lock: their drops may do anything, sending on this channel included.
        let mut state = self.0.state.lock();
        state.rx_dropped = true;
        let queue = std::mem::take(&mut state.queue);
        let waker = state.rx_waker.take();
        drop(state);
        drop(queue);
        drop(waker);
    }
}

impl<T> fmt::Debug for Chan<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.lock();
        f.debug_struct("Chan")
            .field("buffered", &state.queue.len())
            .field("rx_closed", &state.rx_closed)
            .field("tx_gone", &state.tx_gone)
            .finish()
    }
}
