//! The bounded sender's reservations beyond one borrowed slot: several at once
//! ([`Sender::reserve_many`]), owned ones ([`Sender::reserve_owned`]), and the send with
//! a deadline ([`Sender::send_timeout`]).

use std::time::Duration;

use super::bounded::Sender;
use super::error::{SendError, SendTimeoutError, TrySendError};
use super::owned_permit::OwnedPermit;
use super::permit::{Permit, PermitIterator, Reserve};
use crate::batch_semaphore::TryAcquireError;
use crate::timer::Timeout;

impl<T> Sender<T> {
    /// Waits for room for `n` messages and reserves all of them at once (FIFO with the
    /// other waiting senders: a large reservation is not starved by small ones).
    ///
    /// # Errors
    ///
    /// [`SendError`] if the receiver is gone, or if `n` exceeds
    /// [`max_capacity`](Sender::max_capacity) (it could never be granted).
    ///
    /// # Cancel safety
    ///
    /// Dropping the future gives up its place in the queue, and the slots it had been
    /// assigned go to the next waiters.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let (tx, mut rx) = eddy::sync::mpsc::channel(4);
    ///     for (i, permit) in tx.reserve_many(3).await.unwrap().enumerate() {
    ///         permit.send(i);
    ///     }
    ///     let mut got = Vec::new();
    ///     assert_eq!(rx.recv_many(&mut got, 10).await, 3);
    ///     assert_eq!(got, [0, 1, 2]);
    /// });
    /// ```
    pub async fn reserve_many(&self, n: usize) -> Result<PermitIterator<'_, T>, SendError<()>> {
        if n > self.max_capacity() {
            return Err(SendError(()));
        }
        Reserve::new(self.chan(), self.sem(), n).await?;
        Ok(PermitIterator::new(self, n))
    }

    /// Reserves room for `n` messages if there is room for all of them now.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] if there is not (or `n` exceeds
    /// [`max_capacity`](Sender::max_capacity)), [`TrySendError::Closed`] if the receiver
    /// is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = eddy::sync::mpsc::channel::<u8>(2);
    /// let permits = tx.try_reserve_many(2).unwrap();
    /// assert!(tx.try_reserve_many(1).unwrap_err().is_full());
    /// drop(permits);
    /// assert!(tx.try_reserve_many(3).unwrap_err().is_full()); // more than it can hold
    /// ```
    pub fn try_reserve_many(&self, n: usize) -> Result<PermitIterator<'_, T>, TrySendError<()>> {
        if n > self.max_capacity() {
            return Err(TrySendError::Full(()));
        }
        match self.sem().try_acquire(n) {
            Ok(()) => Ok(PermitIterator::new(self, n)),
            Err(TryAcquireError::NoPermits) => Err(TrySendError::Full(())),
            Err(TryAcquireError::Closed) => Err(TrySendError::Closed(())),
        }
    }

    /// Waits for room for one message and reserves it, consuming the sender: the
    /// [`OwnedPermit`] can be moved anywhere, and gives the sender back when used.
    ///
    /// # Errors
    ///
    /// [`SendError`] if the receiver is gone (the sender is dropped).
    ///
    /// # Cancel safety
    ///
    /// As [`send`](Sender::send); dropping the future drops the sender.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let (tx, mut rx) = eddy::sync::mpsc::channel(1);
    ///     let permit = tx.clone().reserve_owned().await.unwrap();
    ///     permit.send("owned");
    ///     assert_eq!(rx.recv().await, Some("owned"));
    /// });
    /// ```
    pub async fn reserve_owned(self) -> Result<OwnedPermit<T>, SendError<()>> {
        Reserve::new(self.chan(), self.sem(), 1).await?;
        Ok(OwnedPermit::new(self))
    }

    /// Reserves room for one message if there is some now, consuming the sender.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] or [`TrySendError::Closed`], with the sender.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = eddy::sync::mpsc::channel::<u8>(1);
    /// let permit = tx.clone().try_reserve_owned().unwrap();
    /// let tx = tx.try_reserve_owned().unwrap_err().into_inner(); // full: sender back
    /// drop(permit);
    /// assert!(tx.try_reserve_owned().is_ok());
    /// ```
    pub fn try_reserve_owned(self) -> Result<OwnedPermit<T>, TrySendError<Self>> {
        match self.sem().try_acquire(1) {
            Ok(()) => Ok(OwnedPermit::new(self)),
            Err(TryAcquireError::NoPermits) => Err(TrySendError::Full(self)),
            Err(TryAcquireError::Closed) => Err(TrySendError::Closed(self)),
        }
    }

    /// Sends `value`, waiting at most `timeout` for room.
    ///
    /// The deadline is one of eddy's timers: call it on an eddy runtime, where the
    /// paused clock (`eddy::time::pause`) applies too. eddy-sync
    /// itself has no clock; the runtime lends it its `sleep` (see
    /// [`timer`](crate::timer)).
    ///
    /// # Errors
    ///
    /// [`SendTimeoutError::Timeout`] with the value if no room came in time,
    /// [`SendTimeoutError::Closed`] with the value if the receiver is gone.
    ///
    /// # Panics
    ///
    /// When it has to wait and no eddy runtime has ever been built in the process, or
    /// when polled outside an eddy runtime (as `eddy::time::sleep`); a send that finds
    /// room at once needs no timer.
    ///
    /// # Cancel safety
    ///
    /// As [`send`](Sender::send).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use eddy::sync::mpsc::{self, error::SendTimeoutError};
    ///
    /// eddy::run(async {
    ///     let (tx, mut rx) = mpsc::channel(1);
    ///     tx.send_timeout(1, Duration::from_millis(10)).await.unwrap();
    ///     // Full: nobody makes room in time.
    ///     let err = tx.send_timeout(2, Duration::from_millis(10)).await.unwrap_err();
    ///     assert!(matches!(err, SendTimeoutError::Timeout(2)));
    ///     assert_eq!(rx.recv().await, Some(1));
    /// });
    /// ```
    pub async fn send_timeout(
        &self,
        value: T,
        timeout: Duration,
    ) -> Result<(), SendTimeoutError<T>> {
        let reserve = Reserve::new(self.chan(), self.sem(), 1);
        match Timeout::new(reserve, timeout, "mpsc::Sender::send_timeout").await {
            Ok(Ok(())) => {
                Permit::new(self).send(value);
                Ok(())
            }
            Ok(Err(SendError(()))) => Err(SendTimeoutError::Closed(value)),
            Err(_elapsed) => Err(SendTimeoutError::Timeout(value)),
        }
    }
}
