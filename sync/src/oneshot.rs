//! One value, sent once — asyncio's `loop.create_future()`: the [`Sender`] is the
//! `set_result` side (usable from any thread, even outside the runtime), the
//! [`Receiver`] is the future to await.
//!
//! The two halves share one allocation (40 bytes for a value of up to 16): an atomic
//! state word, the receiver's waker, and one slot that holds the sender's waker (for
//! [`Sender::closed`]) until the value replaces it. No lock and no reference count: a
//! send is one atomic step when the receiver has not registered a waker yet and two when
//! it has; a receive that finds the value is one load. `oneshot/shared.rs` has the
//! protocol. No waker is woken or dropped while the other side may still free the
//! allocation.
//!
//! # Examples
//!
//! ```
//! use eddy::sync::oneshot;
//!
//! eddy::run(async {
//!     let (tx, rx) = oneshot::channel();
//!     std::thread::spawn(move || tx.send(42).unwrap()); // from a plain thread
//!     assert_eq!(rx.await, Ok(42));
//! });
//! ```

// The halves share a raw allocation (`shared.rs` has the protocol and the invariants).
#![allow(unsafe_code)]

pub mod error;
mod receiver;
mod shared;

use std::fmt;
use std::marker::PhantomData;
use std::ptr::NonNull;
use std::task::{Context, Poll};

use self::shared::{
    Shared, CLOSED, COMPLETE, RX_DONE, RX_TASK_SET, TX_DONE, TX_TASK_SET, VALUE_SENT,
};

/// Creates a one-value channel: `asyncio`'s `loop.create_future()`, split into the
/// setting half and the awaiting half.
///
/// # Examples
///
/// ```
/// eddy::run(async {
///     let (tx, rx) = eddy::sync::oneshot::channel();
///     eddy::spawn(async move { tx.send("done").unwrap() });
///     assert_eq!(rx.await.unwrap(), "done");
/// });
/// ```
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let shared = Shared::allocate();
    (
        Sender {
            shared: Some(shared),
            _value: PhantomData,
        },
        Receiver {
            shared: Some(shared),
            _value: PhantomData,
        },
    )
}

/// Sends the value (asyncio's `set_result`); dropping it unsent makes the receiver
/// return [`RecvError`](error::RecvError) (asyncio's cancelled future).
///
/// # Examples
///
/// ```
/// let (tx, rx) = eddy::sync::oneshot::channel();
/// tx.send(1).unwrap();
/// assert_eq!(eddy::run(rx), Ok(1));
/// ```
pub struct Sender<T> {
    /// `None` once sent.
    shared: Option<NonNull<Shared<T>>>,
    _value: PhantomData<T>,
}

/// The awaiting half: a future of `Result<T, `[`RecvError`](error::RecvError)`>`.
///
/// # Examples
///
/// ```
/// let (tx, rx) = eddy::sync::oneshot::channel();
/// tx.send('x').unwrap();
/// assert_eq!(eddy::run(rx), Ok('x'));
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct Receiver<T> {
    /// `None` once the value (or the error) was returned.
    shared: Option<NonNull<Shared<T>>>,
    _value: PhantomData<T>,
}

// SAFETY: each half moves the value to or from its own thread (hence `T: Send`), and its
// `&self` methods only load the atomic state word. The allocation is freed exactly once,
// by whichever half finishes last (`shared.rs`).
unsafe impl<T: Send> Send for Sender<T> {}
// SAFETY: as for `Send`.
unsafe impl<T: Send> Sync for Sender<T> {}
// SAFETY: as for the sender.
unsafe impl<T: Send> Send for Receiver<T> {}
// SAFETY: as for the sender.
unsafe impl<T: Send> Sync for Receiver<T> {}

// As tokio's, whatever `T`: every change is one atomic step of the state word, and user
// code (a waker's clone, wake or drop) runs only between operations or where one can stop
// as it is: a waker taken out of a slot is woken or dropped after the operation's last
// step; in `poll` and `poll_closed` a clone or a drop runs with our waker registered or
// with none (a panic there leaves no waker registered, and the half still works). So a
// panic in user code cannot leave the channel half-updated for the code that catches it.
// A value's drop runs only once the value is out of the allocation.
impl<T> std::panic::UnwindSafe for Sender<T> {}
impl<T> std::panic::RefUnwindSafe for Sender<T> {}
impl<T> std::panic::UnwindSafe for Receiver<T> {}
impl<T> std::panic::RefUnwindSafe for Receiver<T> {}

// Neither half is pinned to its place: the value lives in the shared allocation.
impl<T> Unpin for Sender<T> {}
impl<T> Unpin for Receiver<T> {}

/// The shared part behind a half's pointer.
///
/// # Safety
///
/// * `ptr` is the half's own pointer, not yet given up: the allocation is live until
///   this half has set its `*_DONE` bit, and the reference is not used after that.
unsafe fn shared<'a, T>(ptr: NonNull<Shared<T>>) -> &'a Shared<T> {
    // SAFETY: the caller's contract.
    unsafe { ptr.as_ref() }
}

impl<T> Sender<T> {
    /// Sends `value`, from any thread; never waits.
    ///
    /// # Errors
    ///
    /// Gives `value` back if the receiver was dropped or closed.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = eddy::sync::oneshot::channel();
    /// drop(rx);
    /// assert_eq!(tx.send(5), Err(5));
    /// ```
    pub fn send(mut self, value: T) -> Result<(), T> {
        let ptr = self
            .shared
            .take()
            .expect("a Sender holds its channel until sent");
        // SAFETY: our pointer, not given up yet.
        let shared = unsafe { shared(ptr) };
        let mut state = shared.load();
        // Our `closed` waker, taken back, is dropped after our last step: its drop is user
        // code, and a panic in it must not leave the channel unfinished.
        let mut closed_waker = None;
        if state & TX_TASK_SET != 0 {
            // Take our `closed` waker back out of the slot the value goes into.
            match shared.clear_unless(TX_TASK_SET, CLOSED) {
                Ok(prev) => {
                    // SAFETY: TX_TASK_SET cleared by us before CLOSED: the waker is ours.
                    closed_waker = Some(unsafe { shared.take_tx_waker() });
                    state = prev & !TX_TASK_SET;
                }
                Err(now) => state = now,
            }
        }
        if state & CLOSED != 0 {
            // SAFETY: our pointer, given up here.
            unsafe { sender_gone(ptr) };
            drop(closed_waker);
            return Err(value);
        }
        // SAFETY: before VALUE_SENT and with TX_TASK_SET clear, the slot is ours.
        unsafe { shared.put_value(value) };
        let sent = shared.update(|cur| {
            if cur & CLOSED != 0 {
                return None;
            }
            // With no receiver waker to take, this is our last step.
            let done = if cur & RX_TASK_SET == 0 { TX_DONE } else { 0 };
            Some(cur | VALUE_SENT | COMPLETE | done)
        });
        match sent {
            Ok(prev) => {
                // SAFETY: our pointer; this step handed the value over.
                unsafe { wake_receiver(ptr, prev) };
                drop(closed_waker);
                Ok(())
            }
            Err(_) => {
                // Closed meanwhile: VALUE_SENT is unset, so the value is still ours.
                // SAFETY: we wrote it and nobody else reads the slot before VALUE_SENT.
                let value = unsafe { shared.take_value() };
                // SAFETY: our pointer, given up here.
                unsafe { sender_gone(ptr) };
                drop(closed_waker);
                Err(value)
            }
        }
    }

    /// Whether the receiver was dropped or closed (a send would fail).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = eddy::sync::oneshot::channel::<()>();
    /// assert!(!tx.is_closed());
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.shared.is_none_or(|ptr| {
            // SAFETY: our pointer, not given up while `self` holds it.
            unsafe { shared(ptr) }.load() & CLOSED != 0
        })
    }

    /// Polls for the receiver going away (for hand-written futures; see
    /// [`closed`](Sender::closed)). Spends one unit of the cooperative budget.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::future::poll_fn;
    /// let (mut tx, rx) = eddy::sync::oneshot::channel::<()>();
    /// drop(rx);
    /// eddy::run(poll_fn(|cx| tx.poll_closed(cx)));
    /// ```
    pub fn poll_closed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        std::task::ready!(eddy_executor::coop::poll_proceed(cx));
        let Some(ptr) = self.shared else {
            return Poll::Ready(());
        };
        // SAFETY: our pointer, not given up while `self` holds it.
        let shared = unsafe { shared(ptr) };
        let state = shared.load();
        if state & CLOSED != 0 {
            return Poll::Ready(());
        }
        // A waker we replace is dropped last, once the new one is in place (its drop may
        // drop the receiver, which then wakes the new one).
        let mut displaced = None;
        if state & TX_TASK_SET != 0 {
            // SAFETY: TX_TASK_SET: the slot holds our waker and only we write it.
            if unsafe { shared.tx_will_wake(cx.waker()) } {
                return Poll::Pending;
            }
            if shared.clear_unless(TX_TASK_SET, CLOSED).is_err() {
                return Poll::Ready(());
            }
            // SAFETY: TX_TASK_SET cleared by us before CLOSED: the waker is ours.
            displaced = Some(unsafe { shared.take_tx_waker() });
        }
        // SAFETY: TX_TASK_SET clear and not sent: the slot is ours.
        unsafe { shared.put_tx_waker(cx.waker().clone()) };
        if shared.set_unless(TX_TASK_SET, CLOSED).is_err() {
            // Closed meanwhile, before the receiver could see our waker: take it back.
            // SAFETY: TX_TASK_SET was not set, so the slot is still ours.
            drop(unsafe { shared.take_tx_waker() });
            drop(displaced);
            return Poll::Ready(());
        }
        drop(displaced);
        Poll::Pending
    }

    /// Waits until the receiver is dropped or closed — to stop computing a value nobody
    /// wants (asyncio: noticing the future was cancelled). Spends one unit of the
    /// cooperative budget per poll, so a loop over it cannot starve other tasks.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let (mut tx, rx) = eddy::sync::oneshot::channel::<()>();
    ///     eddy::spawn(async move { drop(rx) });
    ///     tx.closed().await;
    ///     assert!(tx.is_closed());
    /// });
    /// ```
    pub async fn closed(&mut self) {
        std::future::poll_fn(|cx| self.poll_closed(cx)).await
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if let Some(ptr) = self.shared.take() {
            // SAFETY: our pointer, given up here.
            unsafe { sender_gone(ptr) };
        }
    }
}

/// The sender goes without (or after failing to) send: takes its `closed` waker back,
/// marks the channel complete, and wakes the receiver.
///
/// # Safety
///
/// * `ptr` is the sender's pointer, which it gives up.
unsafe fn sender_gone<T>(ptr: NonNull<Shared<T>>) {
    // SAFETY: not given up before the last step below.
    let shared = unsafe { shared(ptr) };
    // Dropped after our last step (user code: a panic in it must find the channel done).
    let mut closed_waker = None;
    if shared.load() & TX_TASK_SET != 0 && shared.clear_unless(TX_TASK_SET, CLOSED).is_ok() {
        // SAFETY: TX_TASK_SET cleared by us before CLOSED: the waker is ours. (If CLOSED
        // came first, the receiver took it.)
        closed_waker = Some(unsafe { shared.take_tx_waker() });
    }
    let prev = shared
        .update(|cur| {
            let done = if cur & RX_TASK_SET == 0 { TX_DONE } else { 0 };
            Some(cur | COMPLETE | done)
        })
        .unwrap_or_else(|_| unreachable!("the update never refuses"));
    // SAFETY: our pointer; the step above completed the channel.
    unsafe { wake_receiver(ptr, prev) };
    drop(closed_waker);
}

/// The sender's step that set `COMPLETE` found `prev`: takes and wakes the receiver's
/// waker if it had one (then `TX_DONE` is still to set), frees the allocation if the
/// receiver is gone too.
///
/// # Safety
///
/// * `ptr` is the sender's pointer, which it gives up; the sender's step that set
///   `COMPLETE` (and `TX_DONE` unless `RX_TASK_SET`) returned `prev`.
unsafe fn wake_receiver<T>(ptr: NonNull<Shared<T>>, prev: usize) {
    if prev & RX_TASK_SET == 0 {
        if prev & RX_DONE != 0 {
            // SAFETY: TX_DONE was set by our step, RX_DONE before it: we are last.
            unsafe { Shared::free(ptr, false) };
        }
        return;
    }
    // SAFETY: not given up before `set(TX_DONE)`.
    let shared = unsafe { shared(ptr) };
    // SAFETY: COMPLETE set by us over RX_TASK_SET: the receiver's waker is ours to take.
    let waker = unsafe { shared.take_rx_waker() };
    if shared.set(TX_DONE) & RX_DONE != 0 {
        // SAFETY: RX_DONE was set before our TX_DONE: we are last.
        unsafe { Shared::free(ptr, false) };
    }
    waker.wake();
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("closed", &self.is_closed())
            .finish()
    }
}
