//! [`WeakSender`], sender counts and the queue length of a broadcast channel.

use std::fmt;

use super::{Receiver, Sender, Shared};
use crate::loom::Arc;

/// A sender that does not keep the channel open, from [`Sender::downgrade`]: once every
/// strong sender is gone the receivers see the end, and [`upgrade`](WeakSender::upgrade)
/// returns `None`.
///
/// # Examples
///
/// ```
/// let (tx, _rx) = eddy::sync::broadcast::channel::<u8>(4);
/// let weak = tx.downgrade();
/// assert_eq!(weak.upgrade().unwrap().send(1).unwrap(), 1);
/// drop(tx);
/// assert!(weak.upgrade().is_none());
/// ```
pub struct WeakSender<T> {
    shared: Arc<Shared<T>>,
}

impl<T> Sender<T> {
    /// Messages still held: each until every receiver alive when it was sent has seen it,
    /// or until later sends overwrite it (a lagging receiver then gets `Lagged`).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx1) = eddy::sync::broadcast::channel(4);
    /// let mut rx2 = tx.subscribe();
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// assert_eq!(tx.len(), 2);
    /// rx1.try_recv().unwrap();
    /// assert_eq!(tx.len(), 2); // rx2 has yet to read it
    /// rx2.try_recv().unwrap();
    /// assert_eq!(tx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        let mut state = self.shared.state.lock();
        (state.oldest()..state.tail)
            .filter(|&pos| state.slot(pos).value.is_some())
            .count()
    }

    /// Whether no message is held (see [`len`](Sender::len)).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = eddy::sync::broadcast::channel::<u8>(4);
    /// assert!(tx.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A [`WeakSender`] of this channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = eddy::sync::broadcast::channel::<u8>(4);
    /// let _weak = tx.downgrade();
    /// assert_eq!(tx.weak_count(), 1);
    /// ```
    pub fn downgrade(&self) -> WeakSender<T> {
        self.shared.state.lock().weak_count += 1;
        WeakSender {
            shared: self.shared.clone(),
        }
    }

    /// Live (strong) senders, this one included.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = eddy::sync::broadcast::channel::<u8>(4);
    /// let _tx2 = tx.clone();
    /// assert_eq!(tx.strong_count(), 2);
    /// ```
    pub fn strong_count(&self) -> usize {
        self.shared.state.lock().tx_count
    }

    /// Live weak senders.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = eddy::sync::broadcast::channel::<u8>(4);
    /// assert_eq!(tx.weak_count(), 0);
    /// ```
    pub fn weak_count(&self) -> usize {
        self.shared.state.lock().weak_count
    }
}

impl<T> WeakSender<T> {
    /// A [`Sender`] again, or `None` once every strong sender is gone (the channel is
    /// closed for good).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = eddy::sync::broadcast::channel::<u8>(4);
    /// let weak = tx.downgrade();
    /// assert!(weak.upgrade().is_some());
    /// ```
    pub fn upgrade(&self) -> Option<Sender<T>> {
        let mut state = self.shared.state.lock();
        // Under the lock, as the last sender's drop: a count at 0 stays at 0.
        if state.tx_count == 0 {
            return None;
        }
        state.tx_count += 1;
        Some(Sender {
            shared: self.shared.clone(),
        })
    }

    /// Live strong senders of the channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = eddy::sync::broadcast::channel::<u8>(4);
    /// assert_eq!(tx.downgrade().strong_count(), 1);
    /// ```
    pub fn strong_count(&self) -> usize {
        self.shared.state.lock().tx_count
    }

    /// Live weak senders, this one included.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = eddy::sync::broadcast::channel::<u8>(4);
    /// assert_eq!(tx.downgrade().weak_count(), 1);
    /// ```
    pub fn weak_count(&self) -> usize {
        self.shared.state.lock().weak_count
    }
}

impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> Self {
        self.shared.state.lock().weak_count += 1;
        WeakSender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for WeakSender<T> {
    fn drop(&mut self) {
        self.shared.state.lock().weak_count -= 1;
    }
}

impl<T> fmt::Debug for WeakSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakSender").finish_non_exhaustive()
    }
}

impl<T> Receiver<T> {
    /// Live strong senders of the channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = eddy::sync::broadcast::channel::<u8>(4);
    /// let _weak = tx.downgrade();
    /// assert_eq!((rx.sender_strong_count(), rx.sender_weak_count()), (1, 1));
    /// ```
    pub fn sender_strong_count(&self) -> usize {
        self.shared.state.lock().tx_count
    }

    /// Live weak senders of the channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, rx) = eddy::sync::broadcast::channel::<u8>(4);
    /// assert_eq!(rx.sender_weak_count(), 0);
    /// ```
    pub fn sender_weak_count(&self) -> usize {
        self.shared.state.lock().weak_count
    }
}
