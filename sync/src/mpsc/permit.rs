//! A reserved slot of the bounded channel: [`Permit`], the batch of them
//! [`PermitIterator`], and the reservation in progress that yields them.
//!
//! A slot reserved before [`Receiver::close`](super::Receiver::close) may still deliver,
//! and the closed receiver waits for it. So every way a reserved slot can end unused — a
//! dropped permit, a dropped or failed reservation that held its slot — releases the
//! permit and then tells the channel ([`Chan::slot_returned`]), which wakes a closed
//! receiver.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::bounded::Sender;
use super::chan::Chan;
use super::error::SendError;
use crate::batch_semaphore::{AcquireState, Semaphore};

/// A reserved slot in the buffer, from [`Sender::reserve`]: sending through it never
/// waits or fails. Dropping it unused gives the slot back.
///
/// A slot reserved before [`Receiver::close`](super::Receiver::close) may still be used:
/// the receiver gets the message, and its `recv` waits for it (or for the permit's drop)
/// before returning `None`.
///
/// # Examples
///
/// ```
/// eddy::run(async {
///     let (tx, mut rx) = eddy::sync::mpsc::channel(1);
///     let permit = tx.reserve().await.unwrap();
///     permit.send(5);
///     assert_eq!(rx.recv().await, Some(5));
/// });
/// ```
pub struct Permit<'a, T> {
    sender: &'a Sender<T>,
    /// Cleared by `send`, which hands the permit to the message.
    armed: bool,
}

impl<'a, T> Permit<'a, T> {
    /// The permit for a slot `sender` has just taken from the semaphore.
    pub(super) fn new(sender: &'a Sender<T>) -> Permit<'a, T> {
        Permit {
            sender,
            armed: true,
        }
    }

    /// Sends `value` into the reserved slot. If the receiver has been dropped in the
    /// meantime the value is dropped; if it only closed the channel, it still receives
    /// the value.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = eddy::sync::mpsc::channel(1);
    /// let permit = tx.try_reserve().unwrap();
    /// rx.close();
    /// permit.send('a');
    /// assert_eq!(rx.try_recv(), Ok('a'));
    /// ```
    pub fn send(mut self, value: T) {
        self.armed = false;
        if let Err(value) = self.sender.chan().push(value, true) {
            // The receiver is gone: nobody will take the message; the slot goes back.
            drop(value);
            self.sender.sem().release(1);
        }
    }
}

impl<T> Drop for Permit<'_, T> {
    fn drop(&mut self) {
        if self.armed {
            self.sender.sem().release(1);
            self.sender.chan().slot_returned();
        }
    }
}

impl<T> fmt::Debug for Permit<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit").finish_non_exhaustive()
    }
}

/// `n` reserved slots, from [`Sender::reserve_many`]: each item is a [`Permit`] for one
/// of them. Dropping the iterator gives back the slots not yet taken out of it.
///
/// # Examples
///
/// ```
/// let (tx, mut rx) = eddy::sync::mpsc::channel(4);
/// let mut permits = tx.try_reserve_many(3).unwrap();
/// assert_eq!(permits.len(), 3);
/// permits.next().unwrap().send('a');
/// drop(permits); // the other two slots go back
/// assert_eq!(tx.capacity(), 3);
/// assert_eq!(rx.try_recv(), Ok('a'));
/// ```
pub struct PermitIterator<'a, T> {
    sender: &'a Sender<T>,
    /// Slots still held by the iterator.
    n: usize,
}

impl<'a, T> PermitIterator<'a, T> {
    /// The iterator over `n` slots `sender` has just taken from the semaphore.
    pub(super) fn new(sender: &'a Sender<T>, n: usize) -> PermitIterator<'a, T> {
        PermitIterator { sender, n }
    }
}

impl<'a, T> Iterator for PermitIterator<'a, T> {
    type Item = Permit<'a, T>;

    fn next(&mut self) -> Option<Permit<'a, T>> {
        if self.n == 0 {
            return None;
        }
        self.n -= 1;
        Some(Permit::new(self.sender))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.n, Some(self.n))
    }
}

impl<T> ExactSizeIterator for PermitIterator<'_, T> {}

impl<T> std::iter::FusedIterator for PermitIterator<'_, T> {}

impl<T> Drop for PermitIterator<'_, T> {
    fn drop(&mut self) {
        if self.n > 0 {
            self.sender.sem().release(self.n);
            self.sender.chan().slot_returned();
        }
    }
}

impl<T> fmt::Debug for PermitIterator<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PermitIterator")
            .field("remaining", &self.n)
            .finish()
    }
}

/// A reservation of `n` slots in progress: the semaphore's acquire, plus the wake a closed
/// receiver needs if the reservation ends without becoming a [`Permit`] after holding
/// its slot (granted, then dropped before it was polled again).
pub(super) struct Reserve<'a, T> {
    chan: &'a Chan<T>,
    sem: &'a Semaphore,
    acquire: AcquireState,
}

impl<'a, T> Reserve<'a, T> {
    pub(super) fn new(chan: &'a Chan<T>, sem: &'a Semaphore, n: usize) -> Reserve<'a, T> {
        Reserve {
            chan,
            sem,
            acquire: AcquireState::new(n),
        }
    }
}

impl<T> Future for Reserve<'_, T> {
    type Output = Result<(), SendError<()>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        match std::task::ready!(this.acquire.poll(this.sem, cx)) {
            Ok(()) => Poll::Ready(Ok(())),
            Err(_) => {
                // The channel is closed; whatever the acquire had been assigned went back
                // to the pool, so a closed receiver may be done.
                this.chan.slot_returned();
                Poll::Ready(Err(SendError(())))
            }
        }
    }
}

impl<T> Drop for Reserve<'_, T> {
    fn drop(&mut self) {
        if self.acquire.cancel(self.sem) {
            self.chan.slot_returned();
        }
    }
}
