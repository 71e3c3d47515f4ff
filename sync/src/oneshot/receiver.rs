//! The receiving half: closing, polling for the value, and the drop that may free the
//! allocation (`shared.rs` has the protocol).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll};

use super::error::{RecvError, TryRecvError};
use super::shared::{
    Shared, CLOSED, COMPLETE, RX_DONE, RX_TASK_SET, TX_DONE, TX_TASK_SET, VALUE_SENT,
};
use super::{shared, Receiver};

impl<T> Receiver<T> {
    /// Closes the channel without dropping the receiver: a later `send` fails, but a
    /// value already sent can still be received. Without one, awaiting the receiver
    /// returns [`RecvError`] at once and [`try_recv`](Receiver::try_recv) says
    /// [`TryRecvError::Closed`].
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = eddy::sync::oneshot::channel();
    /// rx.close();
    /// assert_eq!(tx.send(1), Err(1));
    /// assert!(eddy::run(rx).is_err());
    /// ```
    pub fn close(&mut self) {
        let Some(ptr) = self.shared else { return };
        // SAFETY: our pointer, not given up while `self` holds it.
        let shared = unsafe { shared(ptr) };
        let prev = shared
            .update(|cur| {
                // Our waker comes back to us unless the sender already owns it.
                let keep = if cur & COMPLETE == 0 {
                    !RX_TASK_SET
                } else {
                    !0
                };
                Some((cur | CLOSED) & keep)
            })
            .unwrap_or_else(|_| unreachable!("the update never refuses"));
        // Both wakers out first, then the sender's woken, then ours dropped: either is
        // user code, and a panic in our waker's drop must not keep the sender's task
        // asleep (or its waker in the slot).
        let ours = prev & RX_TASK_SET != 0 && prev & COMPLETE == 0;
        let theirs = prev & TX_TASK_SET != 0 && prev & CLOSED == 0;
        // SAFETY: we cleared RX_TASK_SET before COMPLETE: the waker is ours.
        let own = ours.then(|| unsafe { shared.take_rx_waker() });
        // SAFETY: CLOSED set by us over TX_TASK_SET: the sender's waker is ours; the
        // allocation lives on, as we have not set RX_DONE.
        let theirs = theirs.then(|| unsafe { shared.take_tx_waker() });
        if let Some(waker) = theirs {
            waker.wake();
        }
        drop(own);
    }

    /// Takes the value if it has been sent.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] before the send, [`TryRecvError::Closed`] if the sender
    /// was dropped unsent, the receiver was closed before a value arrived, or the value
    /// was already taken. Never waits, and does not spend the cooperative budget.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = eddy::sync::oneshot::channel();
    /// tx.send(3).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(3));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let Some(ptr) = self.shared else {
            return Err(TryRecvError::Closed);
        };
        // SAFETY: our pointer, not given up while `self` holds it.
        let state = unsafe { shared(ptr) }.load();
        if state & (VALUE_SENT | COMPLETE | CLOSED) == 0 {
            return Err(TryRecvError::Empty);
        }
        self.finish(ptr, state)
            .map_err(|RecvError(())| TryRecvError::Closed)
    }

    /// The receiver's last step: the channel has a value, or will never have one
    /// (`state`, loaded by us, says which). Takes the value, gives the pointer up.
    fn finish(&mut self, ptr: NonNull<Shared<T>>, state: usize) -> Result<T, RecvError> {
        self.shared = None;
        // SAFETY: our pointer, not given up before the last step below.
        let shared = unsafe { shared(ptr) };
        if state & VALUE_SENT != 0 {
            // SAFETY: VALUE_SENT: the value is the receiver's.
            let value = unsafe { shared.take_value() };
            if state & TX_DONE != 0 {
                // SAFETY: the sender is gone for good and we are done: we are last.
                unsafe { Shared::free(ptr, true) };
            } else if shared.toggle(VALUE_SENT | RX_DONE) & TX_DONE != 0 {
                // SAFETY: TX_DONE came before our RX_DONE: we are last.
                unsafe { Shared::free(ptr, true) };
            }
            return Ok(value);
        }
        // No value, and none can come: COMPLETE without one, or CLOSED by us (after
        // which `close` took our waker back). A waker of ours left under COMPLETE is the
        // sender's.
        if state & TX_DONE != 0 || shared.set(RX_DONE | CLOSED) & TX_DONE != 0 {
            // SAFETY: as above.
            unsafe { Shared::free(ptr, false) };
        }
        Err(RecvError(()))
    }

    /// Whether the receiver has completed: it returned its value or its error (as a
    /// future or from [`try_recv`](Receiver::try_recv)) and must not be polled again.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let (tx, mut rx) = eddy::sync::oneshot::channel();
    ///     tx.send(1).unwrap();
    ///     assert!(!rx.is_terminated());
    ///     assert_eq!((&mut rx).await, Ok(1));
    ///     assert!(rx.is_terminated());
    /// });
    /// ```
    pub fn is_terminated(&self) -> bool {
        self.shared.is_none()
    }

    /// Whether no value is waiting to be received: nothing sent yet, the sender dropped
    /// without sending, or the receiver already terminated.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = eddy::sync::oneshot::channel();
    /// assert!(rx.is_empty());
    /// tx.send(5).unwrap();
    /// assert!(!rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.shared.is_none_or(|ptr| {
            // SAFETY: our pointer, not given up while `self` holds it.
            unsafe { shared(ptr) }.load() & VALUE_SENT == 0
        })
    }

    /// Blocks the thread until the value arrives — for synchronous code outside the
    /// runtime (asyncio: `concurrent.futures.Future.result()`).
    ///
    /// # Errors
    ///
    /// [`RecvError`] if the sender was dropped without sending.
    ///
    /// # Panics
    ///
    /// Inside the runtime (it would block a worker): `.await` the receiver there.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = eddy::sync::oneshot::channel();
    /// std::thread::spawn(move || tx.send(9).unwrap());
    /// assert_eq!(rx.blocking_recv(), Ok(9));
    /// ```
    #[track_caller]
    pub fn blocking_recv(self) -> Result<T, RecvError> {
        if eddy_executor::is_entered() {
            eddy_executor::already_running("oneshot::Receiver::blocking_recv");
        }
        eddy_executor::block_on(self)
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let Some(ptr) = this.shared else {
            panic!("oneshot::Receiver polled after it returned");
        };
        std::task::ready!(eddy_executor::coop::poll_proceed(cx));
        // SAFETY: our pointer, not given up while `this` holds it.
        let shared = unsafe { shared(ptr) };
        let mut state = shared.load();
        // A waker we replace is dropped last, once the new one is in place: its drop may
        // be anything (drop the sender, say, which then wakes the new one).
        let mut displaced = None;
        loop {
            if state & (VALUE_SENT | COMPLETE | CLOSED) != 0 {
                let out = this.finish(ptr, state);
                drop(displaced);
                return Poll::Ready(out);
            }
            if state & RX_TASK_SET != 0 {
                // SAFETY: RX_TASK_SET: the slot holds our waker, only we write it.
                if unsafe { shared.rx_will_wake(cx.waker()) } {
                    return Poll::Pending;
                }
                match shared.clear_unless(RX_TASK_SET, COMPLETE) {
                    // SAFETY: we cleared RX_TASK_SET before COMPLETE: the waker is ours.
                    Ok(_) => displaced = Some(unsafe { shared.take_rx_waker() }),
                    Err(now) => {
                        state = now;
                        continue;
                    }
                }
            }
            // SAFETY: RX_TASK_SET clear and not COMPLETE: the slot is ours.
            unsafe { shared.put_rx_waker(cx.waker().clone()) };
            match shared.set_unless(RX_TASK_SET, COMPLETE) {
                Ok(_) => {
                    drop(displaced);
                    return Poll::Pending;
                }
                Err(now) => {
                    // Completed meanwhile, before the sender could see our waker.
                    // SAFETY: RX_TASK_SET was not set: the slot is still ours.
                    drop(unsafe { shared.take_rx_waker() });
                    state = now;
                }
            }
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let Some(ptr) = self.shared.take() else {
            return;
        };
        // SAFETY: our pointer, not given up before our RX_DONE.
        let shared = unsafe { shared(ptr) };
        // A waker to take out (ours, or the sender's to wake) needs a second step:
        // RX_DONE only after the move, so the sender cannot free the slot under us.
        let takes = |cur: usize| {
            let ours = cur & RX_TASK_SET != 0 && cur & COMPLETE == 0;
            let theirs = cur & TX_TASK_SET != 0 && cur & CLOSED == 0;
            (ours, theirs)
        };
        let prev = shared
            .update(|cur| {
                let (ours, theirs) = takes(cur);
                let mut next = cur | CLOSED;
                if ours {
                    next &= !RX_TASK_SET;
                }
                if !ours && !theirs {
                    next |= RX_DONE;
                }
                Some(next)
            })
            .unwrap_or_else(|_| unreachable!("the update never refuses"));
        let (ours, theirs) = takes(prev);
        if !ours && !theirs {
            if prev & TX_DONE != 0 {
                // SAFETY: TX_DONE came before our RX_DONE: we are last (an unreceived
                // value is dropped with the allocation).
                unsafe { Shared::free(ptr, false) };
            }
            return;
        }
        // SAFETY: cleared RX_TASK_SET before COMPLETE: our waker is ours.
        let own = ours.then(|| unsafe { shared.take_rx_waker() });
        // SAFETY: CLOSED set by us over TX_TASK_SET: the sender's waker is ours.
        let theirs = theirs.then(|| unsafe { shared.take_tx_waker() });
        if shared.set(RX_DONE) & TX_DONE != 0 {
            // SAFETY: as above.
            unsafe { Shared::free(ptr, false) };
        }
        // The sender's first: a panic in our waker's drop must not keep it asleep.
        if let Some(waker) = theirs {
            waker.wake();
        }
        drop(own);
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").finish_non_exhaustive()
    }
}
