//! Weak senders: [`WeakSender`] and [`WeakUnboundedSender`] hold the channel without
//! keeping it open (the receiver sees the end once every *strong* sender is gone), and
//! [`upgrade`](WeakSender::upgrade) to a sender while one still lives.

use std::fmt;

use super::bounded::{Receiver, Sender};
use super::chan::WeakTx;
use super::unbounded::{UnboundedReceiver, UnboundedSender};

/// A sender that does not keep the channel open, from [`Sender::downgrade`]: a cache, a
/// registry or a task that should not by itself keep the receiver waiting.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = eddy::sync::mpsc::channel::<u8>(1);
/// let weak = tx.downgrade();
/// weak.upgrade().unwrap().try_send(1).unwrap();
/// drop(tx); // the last strong sender: the channel is closed
/// assert!(weak.upgrade().is_none());
/// assert_eq!(rx.try_recv(), Ok(1));
/// assert!(rx.try_recv().is_err());
/// ```
pub struct WeakSender<T> {
    tx: WeakTx<T>,
    capacity: usize,
}

/// A sender of an unbounded channel that does not keep it open, from
/// [`UnboundedSender::downgrade`].
///
/// # Examples
///
/// ```
/// let (tx, rx) = eddy::sync::mpsc::unbounded_channel::<u8>();
/// let weak = tx.downgrade();
/// assert_eq!((tx.strong_count(), tx.weak_count()), (1, 1));
/// drop(tx);
/// assert!(weak.upgrade().is_none());
/// assert!(rx.is_closed());
/// ```
pub struct WeakUnboundedSender<T> {
    tx: WeakTx<T>,
}

impl<T> Sender<T> {
    /// A [`WeakSender`] of this channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = eddy::sync::mpsc::channel::<u8>(1);
    /// let weak = tx.downgrade();
    /// assert_eq!(tx.weak_count(), 1);
    /// assert!(weak.upgrade().unwrap().same_channel(&tx));
    /// ```
    pub fn downgrade(&self) -> WeakSender<T> {
        WeakSender {
            tx: self.tx().downgrade(),
            capacity: self.max_capacity(),
        }
    }

    /// Live (strong) senders of this channel, this one included.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = eddy::sync::mpsc::channel::<u8>(1);
    /// let tx2 = tx.clone();
    /// assert_eq!(tx.strong_count(), 2);
    /// ```
    pub fn strong_count(&self) -> usize {
        self.chan().strong_count()
    }

    /// Live weak senders of this channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = eddy::sync::mpsc::channel::<u8>(1);
    /// let _weak = tx.downgrade();
    /// assert_eq!(tx.weak_count(), 1);
    /// ```
    pub fn weak_count(&self) -> usize {
        self.chan().weak_count()
    }
}

impl<T> WeakSender<T> {
    /// A [`Sender`] again, or `None` if every sender is gone (the channel is closed for
    /// good then).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = eddy::sync::mpsc::channel::<u8>(1);
    /// let weak = tx.downgrade();
    /// assert!(weak.upgrade().is_some());
    /// drop(tx);
    /// assert!(weak.upgrade().is_none());
    /// ```
    pub fn upgrade(&self) -> Option<Sender<T>> {
        self.tx
            .upgrade()
            .map(|tx| Sender::from_tx(tx, self.capacity))
    }

    /// Live strong senders of the channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = eddy::sync::mpsc::channel::<u8>(1);
    /// let weak = tx.downgrade();
    /// assert_eq!(weak.strong_count(), 1);
    /// drop(tx);
    /// assert_eq!(weak.strong_count(), 0);
    /// ```
    pub fn strong_count(&self) -> usize {
        self.tx.0.strong_count()
    }

    /// Live weak senders of the channel, this one included.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = eddy::sync::mpsc::channel::<u8>(1);
    /// let weak = tx.downgrade();
    /// assert_eq!(weak.clone().weak_count(), 2);
    /// ```
    pub fn weak_count(&self) -> usize {
        self.tx.0.weak_count()
    }
}

impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> Self {
        WeakSender {
            tx: self.tx.clone(),
            capacity: self.capacity,
        }
    }
}

impl<T> fmt::Debug for WeakSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakSender").finish_non_exhaustive()
    }
}

impl<T> UnboundedSender<T> {
    /// A [`WeakUnboundedSender`] of this channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = eddy::sync::mpsc::unbounded_channel::<u8>();
    /// let weak = tx.downgrade();
    /// weak.upgrade().unwrap().send(1).unwrap();
    /// ```
    pub fn downgrade(&self) -> WeakUnboundedSender<T> {
        WeakUnboundedSender {
            tx: self.tx().downgrade(),
        }
    }

    /// Live (strong) senders of this channel, this one included.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = eddy::sync::mpsc::unbounded_channel::<u8>();
    /// assert_eq!(tx.strong_count(), 1);
    /// ```
    pub fn strong_count(&self) -> usize {
        self.tx().0.strong_count()
    }

    /// Live weak senders of this channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = eddy::sync::mpsc::unbounded_channel::<u8>();
    /// assert_eq!(tx.weak_count(), 0);
    /// ```
    pub fn weak_count(&self) -> usize {
        self.tx().0.weak_count()
    }
}

impl<T> WeakUnboundedSender<T> {
    /// An [`UnboundedSender`] again, or `None` if every sender is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = eddy::sync::mpsc::unbounded_channel::<u8>();
    /// let weak = tx.downgrade();
    /// drop(tx);
    /// assert!(weak.upgrade().is_none());
    /// ```
    pub fn upgrade(&self) -> Option<UnboundedSender<T>> {
        self.tx.upgrade().map(UnboundedSender::from_tx)
    }

    /// Live strong senders of the channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = eddy::sync::mpsc::unbounded_channel::<u8>();
    /// assert_eq!(tx.downgrade().strong_count(), 1);
    /// ```
    pub fn strong_count(&self) -> usize {
        self.tx.0.strong_count()
    }

    /// Live weak senders of the channel, this one included.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = eddy::sync::mpsc::unbounded_channel::<u8>();
    /// assert_eq!(tx.downgrade().weak_count(), 1);
    /// ```
    pub fn weak_count(&self) -> usize {
        self.tx.0.weak_count()
    }
}

impl<T> Clone for WeakUnboundedSender<T> {
    fn clone(&self) -> Self {
        WeakUnboundedSender {
            tx: self.tx.clone(),
        }
    }
}

impl<T> fmt::Debug for WeakUnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakUnboundedSender")
            .finish_non_exhaustive()
    }
}

impl<T> Receiver<T> {
    /// Live strong senders of this channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = eddy::sync::mpsc::channel::<u8>(1);
    /// let _weak = tx.downgrade();
    /// assert_eq!((rx.sender_strong_count(), rx.sender_weak_count()), (1, 1));
    /// ```
    pub fn sender_strong_count(&self) -> usize {
        self.chan().strong_count()
    }

    /// Live weak senders of this channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, rx) = eddy::sync::mpsc::channel::<u8>(1);
    /// assert_eq!(rx.sender_weak_count(), 0);
    /// ```
    pub fn sender_weak_count(&self) -> usize {
        self.chan().weak_count()
    }
}

impl<T> UnboundedReceiver<T> {
    /// Live strong senders of this channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = eddy::sync::mpsc::unbounded_channel::<u8>();
    /// drop(tx);
    /// assert_eq!(rx.sender_strong_count(), 0);
    /// ```
    pub fn sender_strong_count(&self) -> usize {
        self.chan().strong_count()
    }

    /// Live weak senders of this channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = eddy::sync::mpsc::unbounded_channel::<u8>();
    /// let _weak = tx.downgrade();
    /// assert_eq!(rx.sender_weak_count(), 1);
    /// ```
    pub fn sender_weak_count(&self) -> usize {
        self.chan().weak_count()
    }
}
