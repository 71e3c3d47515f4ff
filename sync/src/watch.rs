//! A single value that many tasks watch for changes (tokio's `watch`): configuration,
//! state, "shutting down" flags.
//!
//! The value sits in a read-write lock; a version counter (bumped on every send, its low
//! bit meaning "every sender is gone") tells receivers whether they have seen the latest
//! value; a [`Notify`] wakes the receivers waiting in [`Receiver::changed`]. A receiver
//! takes its `Notified` *before* reading the version, so a send between the two is never
//! missed.
//!
//! # Examples
//!
//! ```
//! use eddy::sync::watch;
//!
//! eddy::run(async {
//!     let (tx, mut rx) = watch::channel("starting");
//!     let watcher = eddy::spawn(async move {
//!         rx.changed().await.unwrap();
//!         *rx.borrow_and_update()
//!     });
//!     tx.send("running").unwrap();
//!     assert_eq!(watcher.await.unwrap(), "running");
//! });
//! ```

use std::fmt;
use std::ops::Deref;

use crate::loom::atomic::{AtomicUsize, Ordering::SeqCst};
use crate::loom::sync::{RwLock, RwLockReadGuard};
use crate::loom::Arc;

use crate::Notify;

/// The errors of the watch channel.
pub mod error {
    use std::fmt;

    /// Every receiver is gone; the value is handed back.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = eddy::sync::watch::channel(0);
    /// drop(rx);
    /// assert_eq!(tx.send(1).unwrap_err().0, 1);
    /// ```
    #[derive(PartialEq, Eq, Clone, Copy)]
    pub struct SendError<T>(pub T);

    send_error_impls!("channel closed: every receiver is gone");

    /// Every sender is gone (and, for `changed`, no unseen value is left).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = eddy::sync::watch::channel(0);
    /// drop(tx);
    /// assert!(eddy::run(rx.changed()).is_err());
    /// ```
    #[derive(Debug, PartialEq, Eq, Clone)]
    pub struct RecvError(pub(super) ());

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("channel closed: every sender is gone")
        }
    }

    impl std::error::Error for RecvError {}
}

use error::{RecvError, SendError};

/// Low bit of `version`: every sender is gone.
const CLOSED: usize = 1;
/// One send.
const STEP: usize = 2;

struct Shared<T> {
    value: RwLock<T>,
    /// Sends `* STEP`, `| CLOSED` once the last sender is dropped.
    version: AtomicUsize,
    rx_count: AtomicUsize,
    tx_count: AtomicUsize,
    /// Receivers waiting in `changed`.
    changed: Notify,
    /// Senders waiting in `closed`.
    rx_gone: Notify,
}

// UnwindSafe and RefUnwindSafe, as tokio's: this lock-protected state changes only in
// whole steps, and no user code (no waker, no value's drop) runs while its lock is held,
// so a panic elsewhere cannot leave it half-updated for the code that catches it.
impl<T> std::panic::RefUnwindSafe for Shared<T> {}
impl<T> std::panic::UnwindSafe for Shared<T> {}

/// Creates a watch channel holding `init`.
///
/// # Examples
///
/// ```
/// let (tx, rx) = eddy::sync::watch::channel(1);
/// tx.send(2).unwrap();
/// assert_eq!(*rx.borrow(), 2);
/// ```
pub fn channel<T>(init: T) -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared {
        value: RwLock::new(init),
        version: AtomicUsize::new(0),
        rx_count: AtomicUsize::new(1),
        tx_count: AtomicUsize::new(1),
        changed: Notify::new(),
        rx_gone: Notify::new(),
    });
    (
        Sender {
            shared: shared.clone(),
        },
        Receiver { shared, seen: 0 },
    )
}

/// Replaces the watched value; receivers see the change.
///
/// # Examples
///
/// ```
/// let (tx, rx) = eddy::sync::watch::channel(vec![1]);
/// tx.send_modify(|v| v.push(2));
/// assert_eq!(*rx.borrow(), [1, 2]);
/// ```
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

/// Reads the watched value and waits for changes.
///
/// # Examples
///
/// ```
/// let (tx, rx) = eddy::sync::watch::channel("a");
/// assert_eq!(*rx.borrow(), "a");
/// # drop(tx);
/// ```
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    /// The version (without the closed bit) this receiver has seen.
    seen: usize,
}

/// A read lock on the watched value; hold it briefly (a sender waits for it).
///
/// # Examples
///
/// ```
/// let (_tx, rx) = eddy::sync::watch::channel(5);
/// let value = rx.borrow();
/// assert_eq!(*value, 5);
/// assert!(!value.has_changed());
/// ```
pub struct Ref<'a, T> {
    guard: RwLockReadGuard<'a, T>,
    has_changed: bool,
}

impl<T> Ref<'_, T> {
    /// Whether the value was new to the receiver when borrowed.
    pub fn has_changed(&self) -> bool {
        self.has_changed
    }
}

impl<T> Deref for Ref<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T: fmt::Debug> fmt::Debug for Ref<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T> Sender<T> {
    /// Replaces the value and notifies the receivers.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value if every receiver is gone (the value is not stored).
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = eddy::sync::watch::channel(0);
    /// tx.send(1).unwrap();
    /// assert_eq!(*rx.borrow(), 1);
    /// ```
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        if self.shared.rx_count.load(SeqCst) == 0 {
            return Err(SendError(value));
        }
        self.send_replace(value);
        Ok(())
    }

    /// Replaces the value even with no receivers, notifies any, and returns the old one.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = eddy::sync::watch::channel(1);
    /// assert_eq!(tx.send_replace(2), 1);
    /// ```
    pub fn send_replace(&self, mut value: T) -> T {
        self.send_modify(|old| std::mem::swap(old, &mut value));
        value
    }

    /// Modifies the value in place and notifies the receivers.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = eddy::sync::watch::channel(1);
    /// tx.send_modify(|n| *n += 1);
    /// assert_eq!(*rx.borrow(), 2);
    /// ```
    pub fn send_modify(&self, modify: impl FnOnce(&mut T)) {
        self.send_if_modified(|value| {
            modify(value);
            true
        });
    }

    /// Runs `modify` on the value; notifies the receivers only if it returns `true`.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = eddy::sync::watch::channel(1);
    /// assert!(!tx.send_if_modified(|n| false));
    /// assert!(!rx.has_changed().unwrap());
    /// ```
    pub fn send_if_modified(&self, modify: impl FnOnce(&mut T) -> bool) -> bool {
        let mut value = self.shared.value.write();
        if !modify(&mut value) {
            return false;
        }
        // SeqCst, under the write lock: a reader holding the read lock sees either the
        // old value and version or both new; `changed` reads it after taking its
        // Notified (see the module docs).
        self.shared.version.fetch_add(STEP, SeqCst);
        drop(value);
        self.shared.changed.notify_waiters();
        true
    }

    /// A read lock on the current value.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, _rx) = eddy::sync::watch::channel(3);
    /// assert_eq!(*tx.borrow(), 3);
    /// ```
    pub fn borrow(&self) -> Ref<'_, T> {
        Ref {
            guard: self.shared.value.read(),
            has_changed: false,
        }
    }

    /// A new receiver that has seen the current value.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = eddy::sync::watch::channel(0);
    /// drop(rx);
    /// let rx = tx.subscribe();
    /// assert!(tx.send(1).is_ok());
    /// # drop(rx);
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        self.shared.rx_count.fetch_add(1, SeqCst);
        Receiver {
            shared: self.shared.clone(),
            seen: self.shared.version.load(SeqCst) & !CLOSED,
        }
    }

    /// Live receivers.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = eddy::sync::watch::channel(());
    /// let _rx2 = rx.clone();
    /// assert_eq!(tx.receiver_count(), 2);
    /// ```
    pub fn receiver_count(&self) -> usize {
        self.shared.rx_count.load(SeqCst)
    }

    /// Whether every receiver is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = eddy::sync::watch::channel(());
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.receiver_count() == 0
    }

    /// Waits until every receiver is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let (tx, rx) = eddy::sync::watch::channel(());
    ///     eddy::spawn(async move { drop(rx) });
    ///     tx.closed().await;
    /// });
    /// ```
    pub async fn closed(&self) {
        // Ready at once when closed: spend the budget (see `Receiver::changed`).
        std::future::poll_fn(eddy_executor::coop::poll_proceed).await;
        let notified = self.shared.rx_gone.notified();
        if self.is_closed() {
            return;
        }
        notified.await;
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.shared.tx_count.fetch_add(1, SeqCst);
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if self.shared.tx_count.fetch_sub(1, SeqCst) == 1 {
            self.shared.version.fetch_or(CLOSED, SeqCst);
            self.shared.changed.notify_waiters();
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("value", &*self.borrow())
            .finish()
    }
}

impl<T> Receiver<T> {
    /// A read lock on the current value; does not mark it seen.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = eddy::sync::watch::channel(0);
    /// tx.send(1).unwrap();
    /// let value = rx.borrow();
    /// assert!(value.has_changed());
    /// ```
    pub fn borrow(&self) -> Ref<'_, T> {
        let guard = self.shared.value.read();
        let version = self.shared.version.load(SeqCst) & !CLOSED;
        Ref {
            guard,
            has_changed: version != self.seen,
        }
    }

    /// A read lock on the current value, marking it seen.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = eddy::sync::watch::channel(0);
    /// tx.send(1).unwrap();
    /// assert_eq!(*rx.borrow_and_update(), 1);
    /// assert!(!rx.has_changed().unwrap());
    /// ```
    pub fn borrow_and_update(&mut self) -> Ref<'_, T> {
        let guard = self.shared.value.read();
        // Read under the read lock: no send can be between the value and the version.
        let version = self.shared.version.load(SeqCst) & !CLOSED;
        let has_changed = version != self.seen;
        self.seen = version;
        Ref { guard, has_changed }
    }

    /// Whether a value this receiver has not seen was sent.
    ///
    /// # Errors
    ///
    /// [`RecvError`] if every sender is gone.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, rx) = eddy::sync::watch::channel(0);
    /// assert!(!rx.has_changed().unwrap());
    /// tx.send(1).unwrap();
    /// assert!(rx.has_changed().unwrap());
    /// drop(tx);
    /// assert!(rx.has_changed().is_err());
    /// ```
    pub fn has_changed(&self) -> Result<bool, RecvError> {
        let version = self.shared.version.load(SeqCst);
        if version & CLOSED != 0 {
            return Err(RecvError(()));
        }
        Ok(version != self.seen)
    }

    /// Marks the current value unseen, so the next `changed` returns at once.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, mut rx) = eddy::sync::watch::channel(0);
    /// rx.mark_changed();
    /// assert!(rx.has_changed().unwrap());
    /// ```
    pub fn mark_changed(&mut self) {
        self.seen = self.seen.wrapping_sub(STEP);
    }

    /// Marks the current value seen.
    ///
    /// # Examples
    ///
    /// ```
    /// let (tx, mut rx) = eddy::sync::watch::channel(0);
    /// tx.send(1).unwrap();
    /// rx.mark_unchanged();
    /// assert!(!rx.has_changed().unwrap());
    /// ```
    pub fn mark_unchanged(&mut self) {
        self.seen = self.shared.version.load(SeqCst) & !CLOSED;
    }

    /// Waits for a value this receiver has not seen and marks it seen (then read it with
    /// [`borrow`](Receiver::borrow)).
    ///
    /// # Errors
    ///
    /// [`RecvError`] once every sender is gone and the latest value has been seen.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: nothing is marked seen unless it returns.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let (tx, mut rx) = eddy::sync::watch::channel(0);
    ///     eddy::spawn(async move { tx.send(7).unwrap() });
    ///     rx.changed().await.unwrap();
    ///     assert_eq!(*rx.borrow(), 7);
    /// });
    /// ```
    pub async fn changed(&mut self) -> Result<(), RecvError> {
        // An unseen value or a closed channel returns at once: spend the budget, so a
        // loop of `changed` (or one that sends and waits in turn) lets other tasks run.
        std::future::poll_fn(eddy_executor::coop::poll_proceed).await;
        loop {
            let notified = self.shared.changed.notified();
            let version = self.shared.version.load(SeqCst);
            if version & !CLOSED != self.seen {
                self.seen = version & !CLOSED;
                return Ok(());
            }
            if version & CLOSED != 0 {
                return Err(RecvError(()));
            }
            notified.await;
        }
    }

    /// Waits until `f` holds for the value (checking the current one first), marks it
    /// seen and returns it borrowed.
    ///
    /// # Errors
    ///
    /// [`RecvError`] if every sender is gone before `f` holds.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let (tx, mut rx) = eddy::sync::watch::channel(0);
    ///     eddy::spawn(async move {
    ///         for i in 1..=5 {
    ///             tx.send(i).unwrap();
    ///             eddy::task::yield_now().await;
    ///         }
    ///     });
    ///     assert!(*rx.wait_for(|n| *n >= 3).await.unwrap() >= 3);
    /// });
    /// ```
    pub async fn wait_for(
        &mut self,
        mut f: impl FnMut(&T) -> bool,
    ) -> Result<Ref<'_, T>, RecvError> {
        // `f` may hold at once, or the channel be closed: spend the budget (see `changed`).
        std::future::poll_fn(eddy_executor::coop::poll_proceed).await;
        loop {
            let notified = self.shared.changed.notified();
            {
                let guard = self.shared.value.read();
                // Under the read lock: the version belongs to the value `f` sees.
                let version = self.shared.version.load(SeqCst);
                let has_changed = version & !CLOSED != self.seen;
                self.seen = version & !CLOSED;
                if f(&guard) {
                    return Ok(Ref { guard, has_changed });
                }
                if version & CLOSED != 0 {
                    return Err(RecvError(()));
                }
            }
            notified.await;
        }
    }

    /// Whether both receivers watch the same channel.
    ///
    /// # Examples
    ///
    /// ```
    /// let (_tx, rx) = eddy::sync::watch::channel(());
    /// assert!(rx.same_channel(&rx.clone()));
    /// ```
    pub fn same_channel(&self, other: &Receiver<T>) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        self.shared.rx_count.fetch_add(1, SeqCst);
        Receiver {
            shared: self.shared.clone(),
            seen: self.seen,
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if self.shared.rx_count.fetch_sub(1, SeqCst) == 1 {
            self.shared.rx_gone.notify_waiters();
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("value", &*self.borrow())
            .finish()
    }
}
