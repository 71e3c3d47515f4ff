//! [`OwnedPermit`]: a reserved slot that owns its [`Sender`], so it can be moved into a
//! task or stored without borrowing (tokio's `OwnedPermit`).

use std::fmt;

use super::bounded::Sender;

/// A reserved slot that owns its sender, from [`Sender::reserve_owned`]: sending through
/// it never waits or fails, and gives the sender back. Dropping it unused gives the slot
/// back (and drops the sender).
///
/// # Examples
///
/// ```
/// eddy::run(async {
///     let (tx, mut rx) = eddy::sync::mpsc::channel(1);
///     let permit = tx.reserve_owned().await.unwrap();
///     let task = eddy::spawn(async move { permit.send(5) }); // moved into a task
///     let tx = task.await.unwrap(); // the sender comes back
///     assert_eq!(rx.recv().await, Some(5));
///     drop(tx);
///     assert_eq!(rx.recv().await, None);
/// });
/// ```
pub struct OwnedPermit<T> {
    /// Taken by `send` and `release`; `Some` while the slot is held.
    sender: Option<Sender<T>>,
}

impl<T> OwnedPermit<T> {
    /// The permit for a slot `sender` has just taken from the semaphore.
    pub(super) fn new(sender: Sender<T>) -> OwnedPermit<T> {
        OwnedPermit {
            sender: Some(sender),
        }
    }

    /// Sends `value` into the reserved slot and returns the sender. If the receiver has
    /// been dropped the value is dropped; if it only closed the channel, it still
    /// receives the value.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = eddy::sync::mpsc::channel(1);
    /// let tx = tx.try_reserve_owned().unwrap().send(1);
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert!(tx.try_send(2).is_ok());
    /// ```
    pub fn send(mut self, value: T) -> Sender<T> {
        let sender = self.take_sender();
        if let Err(value) = sender.chan().push(value, true) {
            // The receiver is gone: nobody will take the message; the slot goes back.
            drop(value);
            sender.sem().release(1);
        }
        sender
    }

    /// Gives the slot back unused and returns the sender.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = eddy::sync::mpsc::channel::<u8>(1);
    /// let permit = tx.try_reserve_owned().unwrap();
    /// let tx = permit.release();
    /// assert_eq!(tx.capacity(), 1);
    /// ```
    pub fn release(mut self) -> Sender<T> {
        let sender = self.take_sender();
        give_back(&sender);
        sender
    }

    /// Whether this permit and `other` reserve slots of the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = eddy::sync::mpsc::channel::<u8>(2);
    /// let a = tx.clone().try_reserve_owned().unwrap();
    /// let b = tx.try_reserve_owned().unwrap();
    /// assert!(a.same_channel(&b));
    /// ```
    pub fn same_channel(&self, other: &OwnedPermit<T>) -> bool {
        match (&self.sender, &other.sender) {
            (Some(a), Some(b)) => a.same_channel(b),
            _ => false,
        }
    }

    /// Whether this permit reserves a slot of `sender`'s channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = eddy::sync::mpsc::channel::<u8>(1);
    /// let permit = tx.clone().try_reserve_owned().unwrap();
    /// assert!(permit.same_channel_as_sender(&tx));
    /// ```
    pub fn same_channel_as_sender(&self, sender: &Sender<T>) -> bool {
        self.sender.as_ref().is_some_and(|s| s.same_channel(sender))
    }

    fn take_sender(&mut self) -> Sender<T> {
        self.sender
            .take()
            .expect("an OwnedPermit holds its sender until it is used")
    }
}

/// A reserved slot goes back unused: release its permit, then wake a closed receiver
/// that may be waiting for it (see `permit.rs`).
fn give_back<T>(sender: &Sender<T>) {
    sender.sem().release(1);
    sender.chan().slot_returned();
}

impl<T> Drop for OwnedPermit<T> {
    fn drop(&mut self) {
        if let Some(sender) = self.sender.take() {
            give_back(&sender);
        }
    }
}

impl<T> fmt::Debug for OwnedPermit<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedPermit").finish_non_exhaustive()
    }
}
