//! [`Notify`] — wake one task or all of them, with no data (tokio's `Notify`; asyncio's
//! `Condition.notify` / `notify_all` without the lock).
//!
//! One lock guards a stored permit and the FIFO of waiting [`Notified`] futures. The only
//! lock-free state is `calls`, the number of `notify_waiters` calls so far: a `Notified`
//! records it when it is *created*, so a `notify_waiters` that comes between creating the
//! future and its first poll still counts for it (the check-then-wait pattern below is
//! race-free).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use crate::loom::atomic::{AtomicUsize, Ordering::SeqCst};
use crate::loom::sync::{Mutex, MutexGuard};

use crate::wait_queue::{replace_waker, WaitQueue};

/// Notifies tasks: [`notify_one`](Notify::notify_one) wakes the longest waiter (or lets
/// the next [`notified`](Notify::notified) return at once, if nobody waits: one stored
/// permit), [`notify_waiters`](Notify::notify_waiters) wakes everyone waiting now.
///
/// Fair (FIFO) and cancel-safe: a [`Notified`] dropped after `notify_one` picked it
/// passes the notification on to the next waiter (or back to the stored permit).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use eddy::sync::Notify;
///
/// eddy::run(async {
///     let notify = Arc::new(Notify::new());
///     let waiter = {
///         let notify = notify.clone();
///         eddy::spawn(async move {
///             notify.notified().await;
///             "woken"
///         })
///     };
///     notify.notify_one();
///     assert_eq!(waiter.await.unwrap(), "woken");
/// });
/// ```
pub struct Notify {
    /// `notify_waiters` calls so far; changed only under `inner`'s lock.
    calls: AtomicUsize,
    inner: Mutex<Inner>,
}

// UnwindSafe and RefUnwindSafe, as tokio's: this lock-protected state changes only in
// whole steps, and no user code (no waker, no value's drop) runs while its lock is held,
// so a panic elsewhere cannot leave it half-updated for the code that catches it.
impl std::panic::RefUnwindSafe for Notify {}
impl std::panic::UnwindSafe for Notify {}

#[derive(Debug)]
struct Inner {
    /// A `notify_one` with nobody waiting; taken by the next `Notified`.
    permit: bool,
    queue: WaitQueue<Waiter>,
}

#[derive(Debug)]
struct Waiter {
    waker: Option<Waker>,
    notified: Option<Kind>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// By `notify_one` (or `notify_last`, with `Lifo`): forwarded, in the same order,
    /// if the future is dropped before it returns.
    One(Order),
    All,
}

/// Which waiter a single notification picks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    /// The longest-waiting (`notify_one`).
    Fifo,
    /// The most recently registered (`notify_last`).
    Lifo,
}

/// Future of [`Notify::notified`]: completes when notified. Each poll spends one unit of
/// the task's cooperative budget.
///
/// # Examples
///
/// ```
/// let notify = eddy::sync::Notify::new();
/// let notified = notify.notified(); // counts from here for notify_waiters
/// notify.notify_waiters();
/// eddy::run(notified);
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct Notified<'a> {
    notify: &'a Notify,
    /// `calls` when this future was created.
    calls: usize,
    state: State,
}

#[derive(Debug, Clone, Copy)]
enum State {
    Init,
    Waiting(usize),
    Done,
}

impl Notify {
    /// A notify with no stored permit.
    ///
    /// # Examples
    ///
    /// ```
    /// let notify = eddy::sync::Notify::new();
    /// # let _ = notify;
    /// ```
    pub fn new() -> Notify {
        Notify {
            calls: AtomicUsize::new(0),
            inner: Mutex::new(Inner {
                permit: false,
                queue: WaitQueue::new(),
            }),
        }
    }

    /// A notify with no stored permit, in a `const` context (a `static`).
    ///
    /// # Examples
    ///
    /// ```
    /// static SHUTDOWN: eddy::sync::Notify = eddy::sync::Notify::const_new();
    ///
    /// SHUTDOWN.notify_one();
    /// eddy::run(SHUTDOWN.notified());
    /// ```
    #[cfg(not(eddy_loom))]
    pub const fn const_new() -> Notify {
        Notify {
            calls: AtomicUsize::new(0),
            inner: Mutex::new(Inner {
                permit: false,
                queue: WaitQueue::new(),
            }),
        }
    }

    /// A future that completes on the next [`notify_one`](Notify::notify_one) meant for
    /// it (in FIFO order), or on a [`notify_waiters`](Notify::notify_waiters) called
    /// after this call, or at once if a permit is stored.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: a notification from `notify_one` consumed by a dropped `Notified`
    /// is forwarded to the next waiter.
    ///
    /// # Examples
    ///
    /// ```
    /// let notify = eddy::sync::Notify::new();
    /// notify.notify_one(); // stored
    /// eddy::run(notify.notified()); // returns at once
    /// ```
    pub fn notified(&self) -> Notified<'_> {
        Notified {
            notify: self,
            // SeqCst: ordered with the caller's own SeqCst checks (`Event::wait`,
            // `watch::Receiver::changed`) against the notifier's store-then-notify.
            calls: self.calls.load(SeqCst),
            state: State::Init,
        }
    }

    /// Wakes the longest-waiting [`Notified`]; with nobody waiting, stores one permit so
    /// the next `notified()` completes at once (permits do not add up).
    ///
    /// # Examples
    ///
    /// ```
    /// let notify = eddy::sync::Notify::new();
    /// notify.notify_one();
    /// notify.notify_one(); // still one permit
    /// eddy::run(notify.notified());
    /// ```
    pub fn notify_one(&self) {
        let waker = notify_one_locked(&mut self.inner.lock(), Order::Fifo);
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Wakes the most recently registered [`Notified`] (tokio's `notify_last`); with
    /// nobody waiting, stores one permit, as [`notify_one`](Notify::notify_one).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::pin::pin;
    ///
    /// let notify = eddy::sync::Notify::new();
    /// let mut first = pin!(notify.notified());
    /// let mut second = pin!(notify.notified());
    /// first.as_mut().enable();
    /// second.as_mut().enable();
    /// notify.notify_last();
    /// assert!(second.as_mut().enable()); // the latest waiter
    /// assert!(!first.as_mut().enable());
    /// ```
    pub fn notify_last(&self) {
        let waker = notify_one_locked(&mut self.inner.lock(), Order::Lifo);
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Wakes every [`Notified`] created before this call that has not completed. Stores
    /// no permit.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// eddy::run(async {
    ///     let notify = Arc::new(eddy::sync::Notify::new());
    ///     let (a, b) = (notify.notified(), notify.notified());
    ///     notify.notify_waiters();
    ///     a.await;
    ///     b.await;
    /// });
    /// ```
    pub fn notify_waiters(&self) {
        let mut inner = self.inner.lock();
        // SeqCst: see `notified`; changed under the lock so that a first poll (which
        // compares under the lock) and this wake-all agree.
        self.calls.fetch_add(1, SeqCst);
        let mut wakers = Vec::with_capacity(inner.queue.len());
        while let Some(key) = inner.queue.pop_front() {
            let waiter = inner.queue.get_mut(key);
            waiter.notified = Some(Kind::All);
            wakers.extend(waiter.waker.take());
        }
        drop(inner);
        for waker in wakers {
            waker.wake();
        }
    }
}

/// Hands one notification to the front waiter, or stores the permit. Returns the waker to
/// wake after unlocking.
fn notify_one_locked(inner: &mut MutexGuard<'_, Inner>, order: Order) -> Option<Waker> {
    let key = match order {
        Order::Fifo => inner.queue.pop_front(),
        Order::Lifo => inner.queue.pop_back(),
    };
    match key {
        Some(key) => {
            let waiter = inner.queue.get_mut(key);
            waiter.notified = Some(Kind::One(order));
            waiter.waker.take()
        }
        None => {
            inner.permit = true;
            None
        }
    }
}

impl Default for Notify {
    fn default() -> Self {
        Notify::new()
    }
}

impl fmt::Debug for Notify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = self.inner.lock();
        f.debug_struct("Notify")
            .field("permit", &inner.permit)
            .field("waiters", &inner.queue.len())
            .finish()
    }
}

impl Notified<'_> {
    /// Registers this future as a waiter without polling it, so that a `notify_one`
    /// from now on is meant for it. Returns whether it is already notified.
    ///
    /// # Examples
    ///
    /// ```
    /// let notify = eddy::sync::Notify::new();
    /// let mut notified = std::pin::pin!(notify.notified());
    /// assert!(!notified.as_mut().enable());
    /// notify.notify_one(); // goes to the enabled waiter, not to a stored permit
    /// assert!(notified.as_mut().enable());
    /// ```
    pub fn enable(self: Pin<&mut Self>) -> bool {
        self.get_mut().poll_with(None).is_ready()
    }

    fn poll_with(&mut self, waker: Option<&Waker>) -> Poll<()> {
        match self.state {
            State::Done => Poll::Ready(()),
            State::Init => {
                let mut inner = self.notify.inner.lock();
                // A notify_waiters since creation, or else a stored permit.
                if self.notify.calls.load(SeqCst) != self.calls {
                    self.state = State::Done;
                    return Poll::Ready(());
                }
                if inner.permit {
                    inner.permit = false;
                    self.state = State::Done;
                    return Poll::Ready(());
                }
                let key = inner.queue.push_back(Waiter {
                    waker: waker.cloned(),
                    notified: None,
                });
                self.state = State::Waiting(key);
                Poll::Pending
            }
            State::Waiting(key) => {
                let mut inner = self.notify.inner.lock();
                let waiter = inner.queue.get_mut(key);
                if waiter.notified.is_some() {
                    // The notifier took the waker; drop whatever is left after unlocking.
                    let waiter = inner.queue.remove(key);
                    drop(inner);
                    drop(waiter);
                    self.state = State::Done;
                    return Poll::Ready(());
                }
                let displaced = waker.and_then(|waker| replace_waker(&mut waiter.waker, waker));
                drop(inner);
                drop(displaced);
                Poll::Pending
            }
        }
    }
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // A stored permit or an earlier notification completes it without waiting: a loop
        // of `notify_one(); notified().await` must still let other tasks run.
        std::task::ready!(eddy_executor::coop::poll_proceed(cx));
        self.get_mut().poll_with(Some(cx.waker()))
    }
}

impl Drop for Notified<'_> {
    fn drop(&mut self) {
        if let State::Waiting(key) = self.state {
            let mut inner = self.notify.inner.lock();
            let waiter = inner.queue.remove(key);
            // A notify_one meant for us must not be lost: forward it.
            let forward_to = match waiter.notified {
                Some(Kind::One(order)) => notify_one_locked(&mut inner, order),
                _ => None,
            };
            // Our own waker (still there if we were never notified) and the next
            // waiter's are dropped and woken only after unlocking.
            drop(inner);
            drop(waiter);
            if let Some(waker) = forward_to {
                waker.wake();
            }
        }
    }
}

impl fmt::Debug for Notified<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notified")
            .field("state", &self.state)
            .finish()
    }
}
