//! The unbounded channel: [`unbounded_channel`], [`UnboundedSender`],
//! [`UnboundedReceiver`].

use std::fmt;
use std::task::{Context, Poll};

use super::chan::{self, Rx, Tx};
use super::error::{SendError, TryRecvError};

/// A channel with no limit on buffered messages — asyncio's `Queue()`: sending never
/// waits (memory is the only bound), receiving waits while it is empty.
///
/// # Examples
///
/// ```
/// eddy::run(async {
///     let (tx, mut rx) = eddy::sync::mpsc::unbounded_channel();
///     for i in 0..100 {
///         tx.send(i).unwrap(); // never waits
///     }
///     drop(tx);
///     let mut sum = 0;
///     while let Some(i) = rx.recv().await {
///         sum += i;
///     }
///     assert_eq!(sum, 4950);
/// });
/// ```
pub fn unbounded_channel<T>() -> (UnboundedSender<T>, UnboundedReceiver<T>) {
    let (tx, rx) = chan::new(None);
    (UnboundedSender { tx }, UnboundedReceiver { rx })
}

/// The sending half of an unbounded channel; clone it for more producers.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = eddy::sync::mpsc::unbounded_channel();
/// tx.clone().send(1).unwrap();
/// assert_eq!(rx.try_recv(), Ok(1));
/// ```
pub struct UnboundedSender<T> {
    tx: Tx<T>,
}

/// The receiving half of an unbounded channel.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = eddy::sync::mpsc::unbounded_channel::<u8>();
/// drop(tx);
/// assert_eq!(eddy::run(rx.recv()), None);
/// ```
pub struct UnboundedReceiver<T> {
    rx: Rx<T>,
}

impl<T> UnboundedSender<T> {
    pub(super) fn from_tx(tx: Tx<T>) -> UnboundedSender<T> {
        UnboundedSender { tx }
    }

    pub(super) fn tx(&self) -> &Tx<T> {
        &self.tx
    }

    /// Sends `value`, from any thread; never waits.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value if the receiver is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = eddy::sync::mpsc::unbounded_channel();
    /// assert!(tx.send(1).is_ok());
    /// drop(rx);
    /// assert!(tx.send(2).is_err());
    /// ```
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        self.tx.0.push(value, false).map_err(SendError)
    }

    /// Waits until the receiver is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let (tx, rx) = eddy::sync::mpsc::unbounded_channel::<()>();
    ///     eddy::spawn(async move { drop(rx) });
    ///     tx.closed().await;
    /// });
    /// ```
    pub async fn closed(&self) {
        self.tx.0.closed().await
    }

    /// Whether the receiver is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = eddy::sync::mpsc::unbounded_channel::<()>();
    /// rx.close();
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.tx.0.is_closed()
    }

    /// Whether both senders feed the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = eddy::sync::mpsc::unbounded_channel::<()>();
    /// assert!(tx.same_channel(&tx.clone()));
    /// ```
    pub fn same_channel(&self, other: &UnboundedSender<T>) -> bool {
        self.tx.0.same_channel(&other.tx.0)
    }
}

impl<T> Clone for UnboundedSender<T> {
    fn clone(&self) -> Self {
        UnboundedSender {
            tx: self.tx.clone_tx(),
        }
    }
}

impl<T> fmt::Debug for UnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnboundedSender")
            .field("chan", &*self.tx.0)
            .finish()
    }
}

impl<T> UnboundedReceiver<T> {
    pub(super) fn chan(&self) -> &super::chan::Chan<T> {
        &self.rx.chan
    }

    /// The next message, waiting while none is buffered; `None` once the buffer is empty
    /// and every sender is gone (or [`close`](UnboundedReceiver::close) was called).
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: a message is taken only when the future returns it.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let (tx, mut rx) = eddy::sync::mpsc::unbounded_channel();
    ///     eddy::spawn(async move { tx.send("x").unwrap() });
    ///     assert_eq!(rx.recv().await, Some("x"));
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
    /// let (tx, mut rx) = eddy::sync::mpsc::unbounded_channel();
    /// tx.send(1).unwrap();
    /// assert_eq!(eddy::run(std::future::poll_fn(|cx| rx.poll_recv(cx))), Some(1));
    /// ```
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.rx.poll_recv(cx)
    }

    /// Receives up to `limit` messages at once, appending them to `buffer`, waiting while
    /// none is buffered. Returns how many were received: `0` only once the channel is
    /// closed and drained, or at once if `limit` is 0.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: messages are taken only when the future returns them.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let (tx, mut rx) = eddy::sync::mpsc::unbounded_channel();
    ///     for i in 0..4 {
    ///         tx.send(i).unwrap();
    ///     }
    ///     let mut buf = vec![-1];
    ///     assert_eq!(rx.recv_many(&mut buf, 10).await, 4);
    ///     assert_eq!(buf, [-1, 0, 1, 2, 3]);
    /// });
    /// ```
    pub async fn recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
        std::future::poll_fn(|cx| self.rx.poll_recv_many(cx, buffer, limit)).await
    }

    /// Polls for up to `limit` messages, appending them to `buffer` (see
    /// [`recv_many`](UnboundedReceiver::recv_many)).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = eddy::sync::mpsc::unbounded_channel();
    /// tx.send(1).unwrap();
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
    /// [`TryRecvError::Empty`], or [`TryRecvError::Disconnected`] once every sender is
    /// gone and the buffer is empty.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = eddy::sync::mpsc::unbounded_channel();
    /// tx.send(1).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.rx.try_recv()
    }

    /// Blocks the thread for the next message — for synchronous code outside the runtime.
    ///
    /// # Panics
    ///
    /// Inside the runtime: `.await` [`recv`](UnboundedReceiver::recv) there.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = eddy::sync::mpsc::unbounded_channel();
    /// std::thread::spawn(move || tx.send(4).unwrap());
    /// assert_eq!(rx.blocking_recv(), Some(4));
    /// ```
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Option<T> {
        self.rx
            .blocking_recv("mpsc::UnboundedReceiver::blocking_recv")
    }

    /// Closes the channel: sends fail from now on; buffered messages can still be
    /// received.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = eddy::sync::mpsc::unbounded_channel();
    /// tx.send(1).unwrap();
    /// rx.close();
    /// assert!(tx.send(2).is_err());
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn close(&mut self) {
        self.rx.close();
    }

    /// Whether the channel is closed (by `close` or because every sender is gone).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = eddy::sync::mpsc::unbounded_channel::<()>();
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
    /// let (tx, rx) = eddy::sync::mpsc::unbounded_channel();
    /// tx.send(()).unwrap();
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
    /// let (_tx, rx) = eddy::sync::mpsc::unbounded_channel::<()>();
    /// assert!(rx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T> fmt::Debug for UnboundedReceiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnboundedReceiver")
            .field("chan", &*self.rx.chan)
            .finish()
    }
}
