//! The state the bounded and unbounded channels share.
//!
//! One lock guards the buffer (a `VecDeque`), the receiver's waker and the "closed"
//! flags, so "nothing to receive, so register the waker" and "push, so take the waker"
//! can never interleave badly. The bounded channel adds a [`batch_semaphore`] of
//! `capacity` permits in front: a sender takes one before pushing (that is the
//! backpressure, FIFO and cancel-safe), the receiver gives one back per message taken.
//! The only atomic is the sender count; the last sender to go marks the channel closed
//! under the lock.
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
use crate::loom::atomic::{AtomicUsize, Ordering::AcqRel};
use crate::loom::sync::Mutex;
use crate::loom::Arc;
use crate::wait_queue::replace_waker;
use crate::Notify;

use super::error::TryRecvError;

pub(crate) struct Chan<T> {
    state: Mutex<State<T>>,
    /// Live senders; the channel is closed for the receiver when it reaches 0.
    tx_count: AtomicUsize,
    /// Capacity permits of a bounded channel.
    pub(super) sem: Option<ll::Semaphore>,
    /// The capacity of a bounded channel (the semaphore's full count); 0 if unbounded.
    bound: usize,
    /// Senders waiting in `closed()`.
    rx_gone: Notify,
}

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
}

impl<T> Tx<T> {
    pub(crate) fn clone_tx(&self) -> Tx<T> {
        // Relaxed would do (the count only goes up from a live sender), but loom models
        // are easier to read with one ordering for the count.
        self.0.tx_count.fetch_add(1, AcqRel);
        Tx(self.0.clone())
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
            self.release_one();
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
            self.release_one();
            return Ok(value);
        }
        if self.0.is_finished(&state) {
            Err(TryRecvError::Disconnected)
        } else {
            Err(TryRecvError::Empty)
        }
    }

    /// A message left the buffer: room for one more.
    fn release_one(&self) {
        if let Some(sem) = &self.0.sem {
            sem.release(1);
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
