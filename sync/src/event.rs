//! [`Event`] — asyncio's `Event`: a flag that tasks wait to see set.
//!
//! A flag plus a [`Notify`]: `set` stores the flag then calls `notify_waiters`; `wait`
//! creates its `Notified` *before* reading the flag, so a `set` between the two is never
//! missed (see [`Notify::notified`]).

use std::fmt;

use crate::loom::atomic::{AtomicBool, Ordering::SeqCst};

use crate::Notify;

/// asyncio's `Event`: [`wait`](Event::wait) returns once the flag is set;
/// [`set`](Event::set) wakes every waiter; [`clear`](Event::clear) resets the flag for
/// later waiters.
///
/// As in asyncio, a waiter woken by `set` returns even if `clear` is called right after.
/// Cancel-safe: a dropped `wait` leaves nothing behind.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use eddy::sync::Event;
///
/// eddy::run(async {
///     let ready = Arc::new(Event::new());
///     let waiter = {
///         let ready = ready.clone();
///         eddy::spawn(async move { ready.wait().await })
///     };
///     ready.set();
///     waiter.await.unwrap();
///     assert!(ready.is_set());
/// });
/// ```
pub struct Event {
    flag: AtomicBool,
    notify: Notify,
}

impl Event {
    /// An event that is not set.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!eddy::sync::Event::new().is_set());
    /// ```
    pub fn new() -> Event {
        Event {
            flag: AtomicBool::new(false),
            notify: Notify::new(),
        }
    }

    /// Sets the flag and wakes every waiter.
    ///
    /// # Examples
    ///
    /// ```
    /// let ev = eddy::sync::Event::new();
    /// ev.set();
    /// eddy::run(ev.wait()); // returns at once
    /// ```
    pub fn set(&self) {
        // SeqCst: the flag store comes before the notify_waiters call's increment in the
        // total order; `wait` reads the counter (in `notified`) before the flag.
        if !self.flag.swap(true, SeqCst) {
            self.notify.notify_waiters();
        }
    }

    /// Resets the flag: later `wait`s block until the next `set`.
    ///
    /// # Examples
    ///
    /// ```
    /// let ev = eddy::sync::Event::new();
    /// ev.set();
    /// ev.clear();
    /// assert!(!ev.is_set());
    /// ```
    pub fn clear(&self) {
        self.flag.store(false, SeqCst);
    }

    /// Whether the flag is set.
    ///
    /// # Examples
    ///
    /// ```
    /// let ev = eddy::sync::Event::new();
    /// ev.set();
    /// assert!(ev.is_set());
    /// ```
    pub fn is_set(&self) -> bool {
        self.flag.load(SeqCst)
    }

    /// Waits until the flag is set (returns at once if it is).
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// eddy::run(async {
    ///     let ev = Arc::new(eddy::sync::Event::new());
    ///     let setter = ev.clone();
    ///     eddy::spawn(async move { setter.set() });
    ///     ev.wait().await;
    /// });
    /// ```
    pub async fn wait(&self) {
        // Returns at once when set: spend the budget, so a loop of waits on a set event
        // lets other tasks run.
        std::future::poll_fn(eddy_executor::coop::poll_proceed).await;
        let notified = self.notify.notified();
        if self.is_set() {
            return;
        }
        // Only `set` calls notify_waiters, so any wake-up means it was set after we
        // started waiting (asyncio: a set-then-clear still releases the waiters).
        notified.await;
    }
}

impl Default for Event {
    fn default() -> Self {
        Event::new()
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("set", &self.is_set())
            .finish()
    }
}
