//! One value, sent once — asyncio's `loop.create_future()`: the [`Sender`] is the
//! `set_result` side (usable from any thread, even outside the runtime), the
//! [`Receiver`] is the future to await.
//!
//! The two halves share one small lock holding the value, the receiver's waker and the
//! sender's (for [`Sender::closed`]). Every operation takes it once, uncontended except
//! when both sides act at the same moment. No waker is woken or dropped under it: a
//! waker's drop may be the last reference to a task that owns the other half, whose drop
//! takes the lock.
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

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use crate::loom::sync::Mutex;

use crate::wait_queue::replace_waker;

/// The errors of [`Receiver`].
pub mod error {
    use std::fmt;

    /// The sender was dropped without sending (asyncio: the future was cancelled).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = eddy::sync::oneshot::channel::<u8>();
    /// drop(tx);
    /// assert_eq!(eddy::run(rx), Err(eddy::sync::oneshot::error::RecvError(())));
    /// ```
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct RecvError(pub ());

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("channel closed: the sender was dropped without sending")
        }
    }

    impl std::error::Error for RecvError {}

    /// Error from [`Receiver::try_recv`](super::Receiver::try_recv).
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy::sync::oneshot::{self, error::TryRecvError};
    /// let (tx, mut rx) = oneshot::channel::<u8>();
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum TryRecvError {
        /// Nothing sent yet.
        Empty,
        /// The sender was dropped without sending, or the value was already taken.
        Closed,
    }

    impl fmt::Display for TryRecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                TryRecvError::Empty => f.write_str("channel empty"),
                TryRecvError::Closed => f.write_str("channel closed"),
            }
        }
    }

    impl std::error::Error for TryRecvError {}
}

use error::{RecvError, TryRecvError};

struct Shared<T> {
    state: Mutex<State<T>>,
}

// UnwindSafe and RefUnwindSafe, as tokio's: this lock-protected state changes only in
// whole steps, and no user code (no waker, no value's drop) runs while its lock is held,
// so a panic elsewhere cannot leave it half-updated for the code that catches it.
impl<T> std::panic::RefUnwindSafe for Shared<T> {}
impl<T> std::panic::UnwindSafe for Shared<T> {}

struct State<T> {
    value: Option<T>,
    /// The sender sent or was dropped.
    complete: bool,
    /// The receiver closed or was dropped.
    rx_closed: bool,
    rx_waker: Option<Waker>,
    tx_waker: Option<Waker>,
}

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
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            value: None,
            complete: false,
            rx_closed: false,
            rx_waker: None,
            tx_waker: None,
        }),
    });
    (
        Sender {
            shared: Some(shared.clone()),
        },
        Receiver {
            shared: Some(shared),
        },
    )
}

/// Sends the value (asyncio's `set_result`); dropping it unsent makes the receiver
/// return [`RecvError`] (asyncio's cancelled future).
///
/// # Examples
///
/// ```
/// let (tx, rx) = eddy::sync::oneshot::channel();
/// tx.send(1).unwrap();
/// assert_eq!(eddy::run(rx), Ok(1));
/// ```
pub struct Sender<T> {
    shared: Option<Arc<Shared<T>>>,
}

/// The awaiting half: a future of `Result<T, RecvError>`.
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
    shared: Option<Arc<Shared<T>>>,
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
        let shared = self
            .shared
            .take()
            .expect("a Sender holds its channel until sent");
        let mut state = shared.state.lock();
        // The sender's own waker (from `closed`) is of no more use: drop it unlocked.
        let own = state.tx_waker.take();
        if state.rx_closed {
            drop(state);
            drop(own);
            return Err(value);
        }
        state.value = Some(value);
        state.complete = true;
        let waker = state.rx_waker.take();
        drop(state);
        drop(own);
        if let Some(waker) = waker {
            waker.wake();
        }
        Ok(())
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
        self.shared
            .as_ref()
            .is_none_or(|shared| shared.state.lock().rx_closed)
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
        let Some(shared) = &self.shared else {
            return Poll::Ready(());
        };
        let mut state = shared.state.lock();
        if state.rx_closed {
            return Poll::Ready(());
        }
        let displaced = replace_waker(&mut state.tx_waker, cx.waker());
        drop(state);
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
        if let Some(shared) = self.shared.take() {
            let mut state = shared.state.lock();
            state.complete = true;
            let waker = state.rx_waker.take();
            let own = state.tx_waker.take();
            drop(state);
            drop(own);
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("closed", &self.is_closed())
            .finish()
    }
}

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
        if let Some(shared) = &self.shared {
            let mut state = shared.state.lock();
            state.rx_closed = true;
            let waker = state.tx_waker.take();
            drop(state);
            if let Some(waker) = waker {
                waker.wake();
            }
        }
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
        let Some(shared) = &self.shared else {
            return Err(TryRecvError::Closed);
        };
        let mut state = shared.state.lock();
        if let Some(value) = state.value.take() {
            drop(state);
            self.shared = None;
            return Ok(value);
        }
        if state.complete || state.rx_closed {
            let own = state.rx_waker.take();
            drop(state);
            drop(own);
            self.shared = None;
            return Err(TryRecvError::Closed);
        }
        Err(TryRecvError::Empty)
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
        self.shared
            .as_ref()
            .is_none_or(|shared| shared.state.lock().value.is_none())
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
        let Some(shared) = &this.shared else {
            panic!("oneshot::Receiver polled after it returned");
        };
        std::task::ready!(eddy_executor::coop::poll_proceed(cx));
        let mut state = shared.state.lock();
        let out = if let Some(value) = state.value.take() {
            Ok(value)
        } else if state.complete || state.rx_closed {
            // Closed by the receiver with nothing sent: nothing can arrive any more.
            Err(RecvError(()))
        } else {
            let displaced = replace_waker(&mut state.rx_waker, cx.waker());
            drop(state);
            drop(displaced);
            return Poll::Pending;
        };
        let own = state.rx_waker.take();
        drop(state);
        drop(own);
        this.shared = None;
        Poll::Ready(out)
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if let Some(shared) = self.shared.take() {
            let mut state = shared.state.lock();
            state.rx_closed = true;
            // Drop an unreceived value and our own waker now, not when the sender goes,
            // and outside the lock (their drops may do anything).
            let value = state.value.take();
            let own = state.rx_waker.take();
            let waker = state.tx_waker.take();
            drop(state);
            drop(value);
            drop(own);
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").finish_non_exhaustive()
    }
}
