//! The bounded channel: [`channel`], [`Sender`], [`Receiver`] (its [`Permit`] lives in
//! `permit.rs`).

use std::fmt;
use std::task::{Context, Poll};

use super::chan::{self, Chan, Rx, Tx};
use super::error::{SendError, TryRecvError, TrySendError};
use super::permit::{Permit, Reserve};
use crate::batch_semaphore::TryAcquireError;

/// A channel buffering at most `buffer` messages — asyncio's `Queue(maxsize=buffer)`:
/// [`Sender::send`] waits while it is full (backpressure), [`Receiver::recv`] waits while
/// it is empty.
///
/// # Panics
///
/// If `buffer` is 0 (use a [`oneshot`](crate::oneshot) or `Notify` for a
/// rendezvous).
///
/// # Examples
///
/// ```
/// use eddy::sync::mpsc;
///
/// eddy::run(async {
///     let (tx, mut rx) = mpsc::channel(8);
///     for id in 0..3 {
///         let tx = tx.clone();
///         eddy::spawn(async move { tx.send(id).await.unwrap() });
///     }
///     drop(tx); // recv returns None once every sender is gone
///     let mut got = Vec::new();
///     while let Some(id) = rx.recv().await {
///         got.push(id);
///     }
///     got.sort();
///     assert_eq!(got, [0, 1, 2]);
/// });
/// ```
#[track_caller]
pub fn channel<T>(buffer: usize) -> (Sender<T>, Receiver<T>) {
    assert!(
        buffer > 0,
        "mpsc::channel: the buffer must hold at least one message"
    );
    let (tx, rx) = chan::new(Some(buffer));
    (
        Sender {
            tx,
            capacity: buffer,
        },
        Receiver {
            rx,
            capacity: buffer,
        },
    )
}

/// The sending half of a bounded channel; clone it for more producers.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = eddy::sync::mpsc::channel(1);
/// eddy::run(async move {
///     tx.send("hi").await.unwrap();
///     assert_eq!(rx.recv().await, Some("hi"));
/// });
/// ```
pub struct Sender<T> {
    tx: Tx<T>,
    capacity: usize,
}

/// The receiving half of a bounded channel.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = eddy::sync::mpsc::channel(2);
/// tx.try_send(1).unwrap();
/// drop(tx);
/// eddy::run(async move {
///     assert_eq!(rx.recv().await, Some(1));
///     assert_eq!(rx.recv().await, None);
/// });
/// ```
pub struct Receiver<T> {
    rx: Rx<T>,
    capacity: usize,
}

impl<T> Sender<T> {
    pub(super) fn from_tx(tx: Tx<T>, capacity: usize) -> Sender<T> {
        Sender { tx, capacity }
    }

    pub(super) fn tx(&self) -> &Tx<T> {
        &self.tx
    }

    pub(super) fn chan(&self) -> &Chan<T> {
        &self.tx.0
    }

    pub(super) fn sem(&self) -> &crate::batch_semaphore::Semaphore {
        self.tx.0.sem().expect("a bounded channel has a semaphore")
    }

    /// Sends `value`, waiting for room while the buffer is full.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value if the receiver is gone.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future gives up its place in the queue of waiting senders (and any
    /// slot granted to it); the value was not sent.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let (tx, mut rx) = eddy::sync::mpsc::channel(1);
    ///     tx.send(1).await.unwrap();
    ///     assert_eq!(rx.recv().await, Some(1));
    /// });
    /// ```
    pub async fn send(&self, value: T) -> Result<(), SendError<T>> {
        match self.reserve().await {
            Ok(permit) => {
                permit.send(value);
                Ok(())
            }
            Err(_) => Err(SendError(value)),
        }
    }

    /// Sends `value` if there is room now.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] or [`TrySendError::Closed`], with the value.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = eddy::sync::mpsc::channel(1);
    /// assert!(tx.try_send(1).is_ok());
    /// assert!(tx.try_send(2).unwrap_err().is_full());
    /// ```
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        match self.try_reserve() {
            Ok(permit) => {
                permit.send(value);
                Ok(())
            }
            Err(TrySendError::Full(())) => Err(TrySendError::Full(value)),
            Err(TrySendError::Closed(())) => Err(TrySendError::Closed(value)),
        }
    }

    /// Waits for room for one message and reserves it.
    ///
    /// # Errors
    ///
    /// [`SendError`] if the receiver is gone.
    ///
    /// # Cancel safety
    ///
    /// As [`send`](Sender::send).
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let (tx, _rx) = eddy::sync::mpsc::channel::<u8>(1);
    ///     let permit = tx.reserve().await.unwrap();
    ///     assert_eq!(tx.capacity(), 0);
    ///     drop(permit);
    ///     assert_eq!(tx.capacity(), 1);
    /// });
    /// ```
    pub async fn reserve(&self) -> Result<Permit<'_, T>, SendError<()>> {
        Reserve::new(self.chan(), self.sem(), 1).await?;
        Ok(Permit::new(self))
    }

    /// Reserves room for one message if there is some now.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] or [`TrySendError::Closed`].
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = eddy::sync::mpsc::channel::<u8>(1);
    /// let _p = tx.try_reserve().unwrap();
    /// assert!(tx.try_reserve().unwrap_err().is_full());
    /// ```
    pub fn try_reserve(&self) -> Result<Permit<'_, T>, TrySendError<()>> {
        match self.sem().try_acquire(1) {
            Ok(()) => Ok(Permit::new(self)),
            Err(TryAcquireError::NoPermits) => Err(TrySendError::Full(())),
            Err(TryAcquireError::Closed) => Err(TrySendError::Closed(())),
        }
    }

    /// Blocks the thread until `value` is sent — for synchronous code outside the runtime.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value if the receiver is gone.
    ///
    /// # Panics
    ///
    /// Inside the runtime (it would block a worker): `.await` [`send`](Sender::send).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = eddy::sync::mpsc::channel(1);
    /// std::thread::spawn(move || tx.blocking_send(3).unwrap());
    /// assert_eq!(rx.blocking_recv(), Some(3));
    /// ```
    #[track_caller]
    pub fn blocking_send(&self, value: T) -> Result<(), SendError<T>> {
        if eddy_executor::is_entered() {
            eddy_executor::already_running("mpsc::Sender::blocking_send");
        }
        eddy_executor::block_on(self.send(value))
    }

    /// Waits until the receiver is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let (tx, rx) = eddy::sync::mpsc::channel::<()>(1);
    ///     eddy::spawn(async move { drop(rx) });
    ///     tx.closed().await;
    ///     assert!(tx.is_closed());
    /// });
    /// ```
    pub async fn closed(&self) {
        self.tx.0.closed().await
    }

    /// Whether the receiver is gone (a send would fail).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = eddy::sync::mpsc::channel::<()>(1);
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.tx.0.is_closed()
    }

    /// Free slots right now.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = eddy::sync::mpsc::channel(4);
    /// tx.try_send(()).unwrap();
    /// assert_eq!(tx.capacity(), 3);
    /// ```
    pub fn capacity(&self) -> usize {
        self.sem().available_permits()
    }

    /// The buffer size the channel was created with.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = eddy::sync::mpsc::channel::<()>(4);
    /// assert_eq!(tx.max_capacity(), 4);
    /// ```
    pub fn max_capacity(&self) -> usize {
        self.capacity
    }

    /// Whether both senders feed the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = eddy::sync::mpsc::channel::<()>(1);
    /// assert!(tx.same_channel(&tx.clone()));
    /// ```
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        self.tx.0.same_channel(&other.tx.0)
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        Sender {
            tx: self.tx.clone_tx(),
            capacity: self.capacity,
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").field("chan", &*self.tx.0).finish()
    }
}

impl<T> Receiver<T> {
    pub(super) fn chan(&self) -> &super::chan::Chan<T> {
        &self.rx.chan
    }

    /// The next message, waiting while the buffer is empty; `None` once it is empty and
    /// every sender is gone, or once [`close`](Receiver::close) was called and every
    /// permit reserved before has been used or dropped.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: a message is taken only when the future returns it.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let (tx, mut rx) = eddy::sync::mpsc::channel(1);
    ///     eddy::spawn(async move { tx.send(1).await.unwrap() });
    ///     assert_eq!(rx.recv().await, Some(1));
    ///     assert_eq!(rx.recv().await, None);
    /// });
    /// ```
    pub async fn recv(&mut self) -> Option<T> {
        self.rx.recv().await
    }

    /// Polls for the next message (for hand-written futures and streams).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = eddy::sync::mpsc::channel(1);
    /// tx.try_send(2).unwrap();
    /// assert_eq!(eddy::run(std::future::poll_fn(|cx| rx.poll_recv(cx))), Some(2));
    /// ```
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.rx.poll_recv(cx)
    }

    /// Receives up to `limit` messages at once, appending them to `buffer`, waiting while
    /// none is buffered. Returns how many were received: `0` only once the channel is
    /// closed and drained (as `recv`'s `None`), or at once if `limit` is 0.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: messages are taken only when the future returns them.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let (tx, mut rx) = eddy::sync::mpsc::channel(8);
    ///     for i in 0..5 {
    ///         tx.send(i).await.unwrap();
    ///     }
    ///     drop(tx);
    ///     let mut buf = Vec::new();
    ///     assert_eq!(rx.recv_many(&mut buf, 3).await, 3);
    ///     assert_eq!(rx.recv_many(&mut buf, 3).await, 2);
    ///     assert_eq!(rx.recv_many(&mut buf, 3).await, 0); // closed and drained
    ///     assert_eq!(buf, [0, 1, 2, 3, 4]);
    /// });
    /// ```
    pub async fn recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
        std::future::poll_fn(|cx| self.rx.poll_recv_many(cx, buffer, limit)).await
    }

    /// Polls for up to `limit` messages, appending them to `buffer` (see
    /// [`recv_many`](Receiver::recv_many)).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = eddy::sync::mpsc::channel(2);
    /// tx.try_send(1).unwrap();
    /// let mut buf = Vec::new();
    /// let n = eddy::run(std::future::poll_fn(|cx| rx.poll_recv_many(cx, &mut buf, 4)));
    /// assert_eq!((n, buf), (1, vec![1]));
    /// ```
    pub fn poll_recv_many(
        &mut self,
        cx: &mut Context<'_>,
        buffer: &mut Vec<T>,
        limit: usize,
    ) -> Poll<usize> {
        self.rx.poll_recv_many(cx, buffer, limit)
    }

    /// The next message if one is buffered.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`], or [`TryRecvError::Disconnected`] once the buffer is
    /// empty and every sender is gone, or the channel is closed with no permit left
    /// outstanding. Never waits, and does not spend the cooperative budget.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = eddy::sync::mpsc::channel(1);
    /// tx.try_send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.rx.try_recv()
    }

    /// Blocks the thread for the next message — for synchronous code outside the runtime.
    ///
    /// # Panics
    ///
    /// Inside the runtime (it would block a worker): `.await` [`recv`](Receiver::recv).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = eddy::sync::mpsc::channel(1);
    /// std::thread::spawn(move || tx.blocking_send(8).unwrap());
    /// assert_eq!(rx.blocking_recv(), Some(8));
    /// ```
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Option<T> {
        self.rx.blocking_recv("mpsc::Receiver::blocking_recv")
    }

    /// Closes the channel: sends and reservations fail from now on (waiting senders
    /// too), while the messages already buffered can still be received. A [`Permit`]
    /// reserved before can still send: [`recv`](Receiver::recv) returns `None` only once
    /// every such permit has been used or dropped, so receiving until `None` loses no
    /// message.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = eddy::sync::mpsc::channel(2);
    /// tx.try_send(1).unwrap();
    /// let permit = tx.try_reserve().unwrap();
    /// rx.close();
    /// assert!(tx.try_send(2).unwrap_err().is_closed());
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert!(rx.try_recv().is_err()); // Empty: the permit may still send
    /// permit.send(3);
    /// assert_eq!(rx.try_recv(), Ok(3));
    /// assert_eq!(rx.try_recv(), Err(eddy::sync::mpsc::error::TryRecvError::Disconnected));
    /// ```
    pub fn close(&mut self) {
        self.rx.close();
    }

    /// Whether the channel is closed: by [`close`](Receiver::close) or because every
    /// sender is gone (buffered messages may remain).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = eddy::sync::mpsc::channel::<()>(1);
    /// drop(tx);
    /// assert!(rx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.rx.is_closed()
    }

    /// Buffered messages.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = eddy::sync::mpsc::channel(2);
    /// tx.try_send(()).unwrap();
    /// assert_eq!(rx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.rx.len()
    }

    /// Whether no message is buffered.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, rx) = eddy::sync::mpsc::channel::<()>(2);
    /// assert!(rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Free slots right now.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = eddy::sync::mpsc::channel(2);
    /// tx.try_send(()).unwrap();
    /// assert_eq!(rx.capacity(), 1);
    /// ```
    pub fn capacity(&self) -> usize {
        self.rx.chan.sem().map_or(0, |s| s.available_permits())
    }

    /// The buffer size the channel was created with.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, rx) = eddy::sync::mpsc::channel::<()>(2);
    /// assert_eq!(rx.max_capacity(), 2);
    /// ```
    pub fn max_capacity(&self) -> usize {
        self.capacity
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("chan", &*self.rx.chan)
            .finish()
    }
}
