//! Multi-producer, multi-consumer broadcast (tokio's `broadcast`): every receiver sees
//! every message sent after it subscribed, as long as it keeps up.
//!
//! One lock guards a ring of the last `capacity` messages (the capacity asked for, rounded
//! up to a power of two), the position of the next send, and the FIFO of waiting
//! receivers. Each receiver keeps its own position; one that falls more than `capacity`
//! messages behind gets [`RecvError::Lagged`] with the number it missed and continues
//! from the oldest message still held.
//!
//! Each held message counts the receivers that have yet to read it (those alive when it
//! was sent); the last of them to read it, or to be dropped before reading it, takes it
//! out of the ring, so a message nobody can still read is never kept alive.
//!
//! # Examples
//!
//! ```
//! use eddy::sync::broadcast;
//!
//! eddy::run(async {
//!     let (tx, mut rx1) = broadcast::channel(16);
//!     let mut rx2 = tx.subscribe();
//!     tx.send("hello").unwrap();
//!     assert_eq!(rx1.recv().await.unwrap(), "hello");
//!     assert_eq!(rx2.recv().await.unwrap(), "hello");
//! });
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use crate::loom::sync::Mutex;
use crate::loom::Arc;

use crate::wait_queue::{replace_waker, WaitQueue};

/// The errors of the broadcast channel.
pub mod error {
    use std::fmt;

    /// Every receiver is gone; the value is handed back.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = eddy::sync::broadcast::channel(1);
    /// drop(rx);
    /// assert_eq!(tx.send(5).unwrap_err().0, 5);
    /// ```
    #[derive(PartialEq, Eq, Clone, Copy)]
    pub struct SendError<T>(pub T);

    send_error_impls!("channel closed: every receiver is gone");

    /// Error from [`Receiver::recv`](super::Receiver::recv).
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy::sync::broadcast::{self, error::RecvError};
    /// let (tx, mut rx) = broadcast::channel(1);
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap(); // overwrites 1
    /// assert_eq!(eddy::run(rx.recv()), Err(RecvError::Lagged(1)));
    /// assert_eq!(eddy::run(rx.recv()), Ok(2));
    /// ```
    #[derive(Debug, PartialEq, Eq, Clone, Copy)]
    pub enum RecvError {
        /// Every sender is gone and this receiver has seen everything.
        Closed,
        /// The receiver fell behind: this many messages were overwritten before it saw
        /// them. The next `recv` returns the oldest message still held.
        Lagged(u64),
    }

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                RecvError::Closed => f.write_str("channel closed"),
                RecvError::Lagged(n) => write!(f, "receiver lagged behind by {n} messages"),
            }
        }
    }

    impl std::error::Error for RecvError {}

    /// Error from [`Receiver::try_recv`](super::Receiver::try_recv).
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy::sync::broadcast::{self, error::TryRecvError};
    /// let (tx, mut rx) = broadcast::channel::<u8>(1);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    #[derive(Debug, PartialEq, Eq, Clone, Copy)]
    pub enum TryRecvError {
        /// Nothing new yet.
        Empty,
        /// Every sender is gone and this receiver has seen everything.
        Closed,
        /// The receiver fell behind by this many messages (see [`RecvError::Lagged`]).
        Lagged(u64),
    }

    impl fmt::Display for TryRecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                TryRecvError::Empty => f.write_str("channel empty"),
                TryRecvError::Closed => f.write_str("channel closed"),
                TryRecvError::Lagged(n) => write!(f, "receiver lagged behind by {n} messages"),
            }
        }
    }

    impl std::error::Error for TryRecvError {}
}

use error::{RecvError, SendError, TryRecvError};

mod stream;
mod weak;

pub use weak::WeakSender;

struct Shared<T> {
    state: Mutex<State<T>>,
}

// UnwindSafe and RefUnwindSafe, as tokio's: this lock-protected state changes only in
// whole steps, and no user code (no waker, no value's drop) runs while its lock is held,
// so a panic elsewhere cannot leave it half-updated for the code that catches it.
impl<T> std::panic::RefUnwindSafe for Shared<T> {}
impl<T> std::panic::UnwindSafe for Shared<T> {}

struct State<T> {
    /// The last `capacity` messages (a power of two); message `pos` is at
    /// `pos % capacity`.
    ring: Box<[Slot<T>]>,
    /// Position of the next message sent.
    tail: u64,
    rx_count: usize,
    tx_count: usize,
    /// Live weak senders (they keep nothing open).
    weak_count: usize,
    waiters: WaitQueue<Option<Waker>>,
}

/// One place of the ring.
struct Slot<T> {
    /// The message, until every receiver that can read it has (or it is overwritten).
    value: Option<T>,
    /// Receivers that have yet to read `value`.
    unread: usize,
}

impl<T> State<T> {
    fn capacity(&self) -> u64 {
        self.ring.len() as u64
    }

    /// The oldest position still held.
    fn oldest(&self) -> u64 {
        self.tail.saturating_sub(self.capacity())
    }

    fn slot(&mut self, pos: u64) -> &mut Slot<T> {
        let capacity = self.capacity();
        &mut self.ring[(pos % capacity) as usize]
    }

    /// One receiver will not read message `pos`: returns the message if that was the
    /// last receiver to (to be dropped after unlocking).
    fn release(&mut self, pos: u64) -> Option<T> {
        let slot = self.slot(pos);
        slot.unread -= 1;
        if slot.unread == 0 {
            slot.value.take()
        } else {
            None
        }
    }

    fn closed(&self) -> bool {
        self.tx_count == 0
    }

    /// Wakes (unlinks) every waiting receiver; the wakers are woken after unlocking.
    fn take_waiters(&mut self) -> Vec<Waker> {
        let mut wakers = Vec::with_capacity(self.waiters.len());
        while let Some(key) = self.waiters.pop_front() {
            wakers.extend(self.waiters.get_mut(key).take());
        }
        wakers
    }
}

/// Creates a broadcast channel that holds the last `capacity` messages for slow
/// receivers, `capacity` rounded up to the next power of two (as in tokio: `channel(3)`
/// holds 4).
///
/// # Panics
///
/// If `capacity` is 0 or larger than `usize::MAX / 2`.
///
/// # Examples
///
/// ```
/// use eddy::sync::broadcast::{self, error::TryRecvError};
///
/// let (tx, mut rx) = broadcast::channel(3); // holds 4
/// for i in 0..5 {
///     tx.send(i).unwrap();
/// }
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Lagged(1)));
/// assert_eq!(rx.try_recv(), Ok(1));
/// ```
#[track_caller]
pub fn channel<T: Clone>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    assert!(
        capacity > 0,
        "broadcast::channel: capacity must be at least 1"
    );
    assert!(
        capacity <= usize::MAX >> 1,
        "broadcast::channel: capacity {capacity} is larger than usize::MAX / 2"
    );
    let ring = (0..capacity.next_power_of_two())
        .map(|_| Slot {
            value: None,
            unread: 0,
        })
        .collect();
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            ring,
            tail: 0,
            rx_count: 1,
            tx_count: 1,
            weak_count: 0,
            waiters: WaitQueue::new(),
        }),
    });
    (
        Sender {
            shared: shared.clone(),
        },
        Receiver {
            shared,
            next: 0,
            stream_key: None,
        },
    )
}

/// Sends to every receiver; clone it for more producers.
///
/// # Examples
///
/// ```
/// let (tx, _rx) = eddy::sync::broadcast::channel(4);
/// assert_eq!(tx.send("x").unwrap(), 1); // one receiver
/// ```
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

/// Receives every message sent after it subscribed.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = eddy::sync::broadcast::channel(4);
/// tx.send(1).unwrap();
/// assert_eq!(eddy::run(rx.recv()), Ok(1));
/// ```
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    /// Position of the next message this receiver reads.
    next: u64,
    /// The waiter slot of a pending `Stream` poll (a `recv` future keeps its own).
    stream_key: Option<usize>,
}

impl<T> Sender<T> {
    /// Sends `value` to every current receiver and returns how many there are; never
    /// waits (slow receivers lag instead).
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value if there are no receivers.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = eddy::sync::broadcast::channel(1);
    /// let _rx2 = tx.subscribe();
    /// assert_eq!(tx.send(()).unwrap(), 2);
    /// # drop(rx);
    /// ```
    pub fn send(&self, value: T) -> Result<usize, SendError<T>> {
        let mut state = self.shared.state.lock();
        if state.rx_count == 0 {
            return Err(SendError(value));
        }
        let receivers = state.rx_count;
        let tail = state.tail;
        let slot = state.slot(tail);
        // Overwrites the oldest message if it is still held (its lagging readers will
        // see `Lagged`).
        let old = slot.value.replace(value);
        slot.unread = receivers;
        state.tail += 1;
        let wakers = state.take_waiters();
        drop(state);
        drop(old);
        wakers.into_iter().for_each(Waker::wake);
        Ok(receivers)
    }

    /// A new receiver that will see the messages sent from now on.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _) = eddy::sync::broadcast::channel(1);
    /// let mut rx = tx.subscribe();
    /// tx.send(3).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(3));
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        let mut state = self.shared.state.lock();
        state.rx_count += 1;
        Receiver {
            shared: self.shared.clone(),
            next: state.tail,
            stream_key: None,
        }
    }

    /// Live receivers.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = eddy::sync::broadcast::channel::<()>(1);
    /// assert_eq!(tx.receiver_count(), 1);
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.shared.state.lock().rx_count
    }

    /// Whether both senders feed the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = eddy::sync::broadcast::channel::<()>(1);
    /// assert!(tx.same_channel(&tx.clone()));
    /// ```
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.shared.state.lock().tx_count += 1;
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let mut state = self.shared.state.lock();
        state.tx_count -= 1;
        if state.tx_count == 0 {
            let wakers = state.take_waiters();
            drop(state);
            wakers.into_iter().for_each(Waker::wake);
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

/// Takes the next message for the receiver at `next` from the ring (lock held): a clone,
/// or the message itself if this receiver is the last to read it. Never drops a message.
fn take<T: Clone>(next: &mut u64, state: &mut State<T>) -> Result<T, TryRecvError> {
    let oldest = state.oldest();
    if *next < oldest {
        let missed = oldest - *next;
        *next = oldest;
        return Err(TryRecvError::Lagged(missed));
    }
    if *next < state.tail {
        let slot = state.slot(*next);
        *next += 1;
        slot.unread -= 1;
        let value = if slot.unread == 0 {
            slot.value.take()
        } else {
            slot.value.clone()
        };
        return Ok(value.expect("a held position some receiver has yet to read has a value"));
    }
    if state.closed() {
        Err(TryRecvError::Closed)
    } else {
        Err(TryRecvError::Empty)
    }
}

impl<T: Clone> Receiver<T> {
    /// The next message, waiting for one.
    ///
    /// # Errors
    ///
    /// [`RecvError::Lagged`] if messages were overwritten before this receiver saw them
    /// (call `recv` again to go on), [`RecvError::Closed`] once every sender is gone and
    /// everything was received.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: a message is consumed only when the future returns it.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let (tx, mut rx) = eddy::sync::broadcast::channel(4);
    ///     eddy::spawn(async move { tx.send(10).unwrap() });
    ///     assert_eq!(rx.recv().await, Ok(10));
    ///     assert!(rx.recv().await.is_err()); // sender gone
    /// });
    /// ```
    pub async fn recv(&mut self) -> Result<T, RecvError> {
        Recv {
            rx: self,
            key: None,
        }
        .await
    }

    /// The next message if there is one now.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`], [`TryRecvError::Lagged`] or [`TryRecvError::Closed`].
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = eddy::sync::broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        take(&mut self.next, &mut self.shared.state.lock())
    }
}

impl<T> Receiver<T> {
    /// A new receiver at the same channel that sees the messages sent from now on.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = eddy::sync::broadcast::channel(4);
    /// let mut rx2 = rx.resubscribe();
    /// tx.send(1).unwrap();
    /// assert_eq!(rx2.try_recv(), Ok(1));
    /// ```
    pub fn resubscribe(&self) -> Receiver<T> {
        let mut state = self.shared.state.lock();
        state.rx_count += 1;
        Receiver {
            shared: self.shared.clone(),
            next: state.tail,
            stream_key: None,
        }
    }

    /// Messages sent that this receiver has yet to receive, counting those already
    /// overwritten (as in tokio): more than the capacity means the next receive reports
    /// [`Lagged`](RecvError::Lagged).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = eddy::sync::broadcast::channel(2);
    /// for i in 0..3 {
    ///     tx.send(i).unwrap();
    /// }
    /// assert_eq!(rx.len(), 3);
    /// assert!(rx.try_recv().is_err()); // lagged by 1
    /// assert_eq!(rx.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        let state = self.shared.state.lock();
        (state.tail - self.next) as usize
    }

    /// Whether nothing is waiting to be read.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, rx) = eddy::sync::broadcast::channel::<()>(4);
    /// assert!(rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let mut state = self.shared.state.lock();
        state.rx_count -= 1;
        let waker = self.stream_key.take().and_then(|k| state.waiters.remove(k));
        // The held messages this receiver will never read: those it was the last reader
        // of go (all of them, with the last receiver).
        let released: Vec<T> = (self.next.max(state.oldest())..state.tail)
            .filter_map(|pos| state.release(pos))
            .collect();
        drop(state);
        drop(waker);
        drop(released);
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("next", &self.next)
            .finish_non_exhaustive()
    }
}

/// The future of [`Receiver::recv`].
struct Recv<'a, T> {
    rx: &'a mut Receiver<T>,
    /// Our slot in the waiters, once we waited.
    key: Option<usize>,
}

impl<T: Clone> Future for Recv<'_, T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let rx = &mut *this.rx;
        poll_recv(&rx.shared, &mut rx.next, &mut this.key, cx)
    }
}

/// Polls for the message at `next`, queueing in the FIFO of waiters under `key` while
/// none is there yet (for [`Recv`] and for the receiver's own [`Stream`] polls).
fn poll_recv<T: Clone>(
    shared: &Shared<T>,
    next: &mut u64,
    key: &mut Option<usize>,
    cx: &mut Context<'_>,
) -> Poll<Result<T, RecvError>> {
    // Spent on every poll: a message, a lag or a closed channel is ready at once.
    std::task::ready!(eddy_executor::coop::poll_proceed(cx));
    let mut state = shared.state.lock();
    // A waker leaving the queue; dropped only after unlocking (its `Drop` may send on
    // this channel).
    let displaced;
    let out = match take(next, &mut state) {
        Ok(value) => Ok(value),
        Err(TryRecvError::Lagged(n)) => Err(RecvError::Lagged(n)),
        Err(TryRecvError::Closed) => Err(RecvError::Closed),
        Err(TryRecvError::Empty) => {
            match *key {
                Some(k) if state.waiters.is_linked(k) => {
                    displaced = replace_waker(state.waiters.get_mut(k), cx.waker());
                }
                _ => {
                    // First wait, or woken (unlinked) with nothing new for us yet (a
                    // spurious poll): queue again.
                    displaced = key.take().and_then(|k| state.waiters.remove(k));
                    *key = Some(state.waiters.push_back(Some(cx.waker().clone())));
                }
            }
            drop(state);
            drop(displaced);
            return Poll::Pending;
        }
    };
    displaced = key.take().and_then(|k| state.waiters.remove(k));
    drop(state);
    drop(displaced);
    Poll::Ready(out)
}

impl<T> Drop for Recv<'_, T> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            let mut state = self.rx.shared.state.lock();
            let waker = state.waiters.remove(key);
            drop(state);
            drop(waker);
        }
    }
}
