//! The receiving side of a channel ([`Rx`]): taking messages, waiting for them, closing,
//! and the drop that drains what is left. How the receiver sleeps and is woken without
//! a lock on the senders' path is in `chan.rs`'s module docs.

use std::task::{Context, Poll};

use crate::loom::atomic::Ordering::Relaxed;
use crate::wait_queue::replace_waker;

use super::chan::{Chan, Rx};
use super::error::TryRecvError;
use super::ring::{Consumer, Ring};

/// What [`Rx::take`] found.
#[must_use]
enum Take {
    /// This many messages, given to the sink (at least one).
    Got(usize),
    /// None now; the waker is registered if one was given.
    Empty,
    /// None, and none can come any more.
    Finished,
}

/// Moves up to `limit` values from the head of `ring` into `sink`; returns how many. The
/// first waits for a head position still being written (`Ring::pop_settled`), so a send
/// that returned before the call is never missed; the rest stop at one.
fn pop_into<T>(
    ring: &Ring<T>,
    consumer: &mut Consumer,
    limit: usize,
    sink: &mut impl FnMut(T),
) -> usize {
    let mut n = 0;
    while n < limit {
        let next = if n == 0 {
            ring.pop_settled(consumer)
        } else {
            ring.pop(consumer)
        };
        let Some(value) = next else {
            break;
        };
        sink(value);
        n += 1;
    }
    n
}

/// `n` messages left the buffer: room for as many more.
fn release<T>(chan: &Chan<T>, n: usize) {
    if let Some(sem) = chan.sem() {
        sem.release(n);
    }
}

impl<T> Rx<T> {
    /// Takes up to `limit` (at least 1) messages into `sink`. With none buffered: reports
    /// the end, or registers `cx`'s waker (if given) so the next message wakes us.
    fn take(&mut self, limit: usize, sink: &mut impl FnMut(T), cx: Option<&Context<'_>>) -> Take {
        let chan = &*self.chan;
        let (Some(ring), Some(consumer)) = (&chan.ring, self.consumer.as_mut()) else {
            return Self::take_locked(chan, limit, sink, cx);
        };
        let n = pop_into(ring, consumer, limit, sink);
        if n > 0 {
            release(chan, n);
            return Take::Got(n);
        }
        let mut state = chan.state.lock();
        if chan.is_finished(&state) {
            drop(state);
            // Every message sent before the end is visible now (the lock ordered the last
            // sender's drop, or the permits' return, after their pushes): a last look.
            let n = pop_into(ring, consumer, limit, sink);
            release(chan, n);
            return if n > 0 { Take::Got(n) } else { Take::Finished };
        }
        let Some(cx) = cx else {
            return Take::Empty;
        };
        // The displaced waker is dropped after the lock: its drop may send on this channel.
        let displaced = replace_waker(&mut state.rx_waker, cx.waker());
        drop(state);
        drop(displaced);
        // Registered; now the flag (`chan.rs`, "Waking the receiver of a ring"): either
        // no position is claimed, and every later claim sees the flag and wakes us, or a
        // value is coming and we take it instead of sleeping.
        if !ring.set_waiting(consumer) {
            return Take::Empty;
        }
        // Not going to sleep: withdraw the flag, or the next sends would take the lock to
        // wake a receiver that is running. A sender that saw it first wakes us once,
        // spuriously; the waker stays registered.
        ring.clear_waiting();
        let n = pop_into(ring, consumer, limit, sink);
        debug_assert!(n > 0, "a claimed position is waited for");
        release(chan, n);
        Take::Got(n)
    }

    /// [`take`](Rx::take) for a channel without a ring: the buffer, the end and the waker
    /// all under the lock.
    fn take_locked(
        chan: &Chan<T>,
        limit: usize,
        sink: &mut impl FnMut(T),
        cx: Option<&Context<'_>>,
    ) -> Take {
        let mut state = chan.state.lock();
        let n = state.queue.len().min(limit);
        if n > 0 {
            // Moving the messages drops nothing, so it may happen under the lock.
            state.queue.drain(..n).for_each(&mut *sink);
            drop(state);
            release(chan, n);
            return Take::Got(n);
        }
        if chan.is_finished(&state) {
            return Take::Finished;
        }
        if let Some(cx) = cx {
            let displaced = replace_waker(&mut state.rx_waker, cx.waker());
            drop(state);
            drop(displaced);
        }
        Take::Empty
    }

    /// The next message; `None` once the buffer is empty and every sender is gone, or
    /// once the receiver closed the channel and no reserved slot is left to deliver.
    /// Spends one unit of the cooperative budget.
    pub(crate) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        std::task::ready!(eddy_executor::coop::poll_proceed(cx));
        let mut got = None;
        match self.take(1, &mut |value| got = Some(value), Some(cx)) {
            Take::Got(_) => Poll::Ready(got),
            Take::Finished => Poll::Ready(None),
            Take::Empty => Poll::Pending,
        }
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
        match self.take(limit, &mut |value| buf.push(value), Some(cx)) {
            Take::Got(n) => Poll::Ready(n),
            Take::Finished => Poll::Ready(0),
            Take::Empty => Poll::Pending,
        }
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
        let mut got = None;
        match self.take(1, &mut |value| got = Some(value), None) {
            Take::Got(_) => got.ok_or(TryRecvError::Empty),
            Take::Finished => Err(TryRecvError::Disconnected),
            Take::Empty => Err(TryRecvError::Empty),
        }
    }

    /// Closes the channel for new sends and reservations; buffered messages, and those
    /// of slots reserved before, can still be received.
    pub(crate) fn close(&mut self) {
        let mut state = self.chan.state.lock();
        if state.rx_closed {
            return;
        }
        state.rx_closed = true;
        drop(state);
        if let Some(sem) = self.chan.sem() {
            sem.close();
        }
        self.chan.rx_gone.notify_waiters();
    }

    pub(crate) fn is_closed(&self) -> bool {
        let state = self.chan.state.lock();
        state.rx_closed || state.tx_gone
    }

    pub(crate) fn len(&self) -> usize {
        self.chan.len()
    }
}

impl<T> Drop for Rx<T> {
    fn drop(&mut self) {
        self.close();
        // Drop the undelivered messages and the receiver's waker now, not when the last
        // sender goes (a task's waker kept by its own sender would keep it alive), and
        // outside the lock: their drops may do anything, sending on this channel included.
        let chan = &*self.chan;
        let mut state = chan.state.lock();
        // Relaxed: under the lock (the channels without a ring read it under the lock; the
        // ring's senders read it as a hint only).
        chan.rx_dropped.store(true, Relaxed);
        let mut orphans = Vec::new();
        if let (Some(ring), Some(mut consumer)) = (&chan.ring, self.consumer.take()) {
            // Every position claimed before the flag is drained here; a later claim sees
            // the flag and its sender drains with the token we leave under the lock.
            ring.close_and_drain(&mut consumer, &mut |value| orphans.push(value));
            state.orphan_consumer = Some(consumer);
        }
        let queue = std::mem::take(&mut state.queue);
        let waker = chan.take_rx_waker(&mut state);
        drop(state);
        drop(queue);
        drop(orphans);
        drop(waker);
    }
}
