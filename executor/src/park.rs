//! The park hook: how an idle worker sleeps and how any thread wakes it.
//!
//! The executor knows nothing of I/O or time. A worker with nothing to run calls
//! [`Park::park`]; whoever makes work for it calls [`Park::unpark`]. The facade supplies a
//! hook that blocks in the reactor or until the next timer; the executor's own tests and
//! benchmarks use [`ThreadPark`], one [`Parker`] per worker.

use std::fmt;
use std::time::Duration;

use crate::loom::atomic::{AtomicUsize, Ordering};
use crate::loom::sync::{Condvar, Mutex};

/// How idle workers sleep and wake. Implemented by the runtime's driver.
///
/// # Examples
///
/// A hook that counts parks, on plain parkers:
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::sync::Arc;
/// use eddy_executor::park::{Park, ThreadPark};
///
/// struct Counting(ThreadPark, AtomicUsize);
///
/// impl Park for Counting {
///     fn park(&self, worker: usize) {
///         self.1.fetch_add(1, Ordering::Relaxed);
///         self.0.park(worker);
///     }
///     fn unpark(&self, worker: usize) {
///         self.0.unpark(worker);
///     }
/// }
///
/// let hook = Arc::new(Counting(ThreadPark::new(1), AtomicUsize::new(0)));
/// let for_build = hook.clone();
/// let executor = eddy_executor::Executor::builder()
///     .worker_threads(1)
///     .build_with_park(move |_| for_build)
///     .unwrap();
/// assert_eq!(eddy_executor::block_on(executor.spawner().spawn(async { 3 })).unwrap(), 3);
/// ```
///
/// # Contract
///
/// * `unpark(i)` before or during `park(i)` makes that `park(i)` (or the next one) return:
///   an unpark is never lost.
/// * `park` may return spuriously; the worker re-checks its queues and parks again.
/// * A hook that wakes tasks while parking (a driver firing timers or I/O) runs those
///   wakers on the worker's own thread, which queues the tasks on that worker: `park` must
///   return afterwards so the worker runs them.
pub trait Park: Send + Sync + 'static {
    /// Blocks worker `worker` until [`Park::unpark`] is called for it (or spuriously).
    fn park(&self, worker: usize);

    /// Wakes worker `worker` if it is parked, or makes its next `park` return at once.
    fn unpark(&self, worker: usize);

    /// Called by a busy worker every 61 ticks, on its own thread: a chance to fire due
    /// timers or poll I/O without blocking, so they do not starve behind a long run queue.
    /// The default does nothing.
    fn maintain(&self, worker: usize) {
        let _ = worker;
    }

    /// Asked by worker `worker`, on its own thread, when it has run out of work and is
    /// about to look for more for a few microseconds before it parks (a searching worker
    /// spins briefly: work that arrives meanwhile then costs no wake-up). Answer false when
    /// something only `park` attends to could wait meanwhile, e.g. I/O that nobody else
    /// polls. A spin is as long as a short task's poll, so timers are no later than behind
    /// one. The default, true, suits a hook that has nothing but the parker.
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy_executor::park::{Park, ThreadPark};
    ///
    /// // A plain parker has nothing to attend to but its token.
    /// assert!(ThreadPark::new(1).may_spin(0));
    /// ```
    fn may_spin(&self, worker: usize) -> bool {
        let _ = worker;
        true
    }
}

/// The plain park hook: one [`Parker`] per worker, nothing else.
#[derive(Debug)]
pub struct ThreadPark {
    parkers: Box<[Parker]>,
}

impl ThreadPark {
    /// A hook for `workers` workers.
    pub fn new(workers: usize) -> ThreadPark {
        ThreadPark {
            parkers: (0..workers).map(|_| Parker::new()).collect(),
        }
    }
}

impl Park for ThreadPark {
    fn park(&self, worker: usize) {
        self.parkers[worker].park();
    }

    fn unpark(&self, worker: usize) {
        self.parkers[worker].unpark();
    }
}

/// Makes this thread's timed parks precise: Linux lets a timed sleep end up to the
/// thread's "timer slack" late (50 µs by default) to batch wake-ups, which would add 5% to
/// a 1 ms sleep. Workers park until exact timer deadlines, so they ask for 1 µs.
///
/// Linux only (`prctl(PR_SET_TIMERSLACK)`); elsewhere a no-op: macOS and FreeBSD have no
/// per-thread slack to set.
pub(crate) fn precise_timeouts() {
    #[cfg(all(target_os = "linux", not(eddy_loom), not(miri)))]
    {
        // SAFETY: PR_SET_TIMERSLACK takes a plain integer and changes only this thread's
        // scheduling attribute; no memory is read or written through the arguments.
        let rc = unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, 1_000 as libc::c_ulong, 0, 0, 0) };
        // Best effort: a kernel that refuses leaves the default slack.
        let _ = rc;
    }
}

/// No token.
const EMPTY: usize = 0;
/// A thread is blocked (or about to block) on the condvar.
const PARKED: usize = 1;
/// An unpark arrived; the next park consumes it and returns at once.
const NOTIFIED: usize = 2;

/// A one-token thread parker (the std `thread::park` protocol, on a mutex and condvar so
/// that loom can check it). Any thread may `unpark`; only one thread at a time may park
/// (the owner of the parker).
///
/// # Examples
///
/// ```
/// use eddy_executor::park::Parker;
/// use std::sync::Arc;
///
/// let parker = Arc::new(Parker::new());
/// let remote = parker.clone();
/// std::thread::spawn(move || remote.unpark());
/// parker.park(); // returns once the other thread has unparked it
/// ```
pub struct Parker {
    state: AtomicUsize,
    lock: Mutex<()>,
    cvar: Condvar,
}

impl Parker {
    /// A parker with no token.
    pub fn new() -> Parker {
        Parker {
            state: AtomicUsize::new(EMPTY),
            lock: Mutex::new(()),
            cvar: Condvar::new(),
        }
    }

    /// Blocks until a token is available, then consumes it.
    pub fn park(&self) {
        // Fast path. Acquire: pairs with the Release swap in `unpark`, so what the
        // unparking thread wrote before unparking is visible after we return.
        if self
            .state
            .compare_exchange(NOTIFIED, EMPTY, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
        {
            return;
        }
        let mut guard = self.lock.lock();
        // Announce PARKED under the lock: an `unpark` that sees PARKED takes the lock
        // before notifying, so it cannot notify between this CAS and the wait below.
        match self
            .state
            .compare_exchange(EMPTY, PARKED, Ordering::Relaxed, Ordering::Relaxed)
        {
            Ok(_) => {}
            Err(NOTIFIED) => {
                // Acquire: pairs with the Release swap in `unpark`.
                let old = self.state.swap(EMPTY, Ordering::Acquire);
                debug_assert_eq!(old, NOTIFIED);
                return;
            }
            Err(actual) => panic!("inconsistent park state: {actual}"),
        }
        loop {
            self.cvar.wait(&mut guard);
            // Acquire: pairs with the Release swap in `unpark`. A failed CAS is a
            // spurious condvar wakeup: wait again.
            if self
                .state
                .compare_exchange(NOTIFIED, EMPTY, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
            {
                return;
            }
        }
    }

    /// Blocks until a token is available or `timeout` has passed.
    #[cfg(not(eddy_loom))]
    pub fn park_timeout(&self, timeout: Duration) {
        let Some(deadline) = std::time::Instant::now().checked_add(timeout) else {
            // Beyond the clock's range (`Duration::MAX`): as good as no timeout.
            return self.park();
        };
        if self
            .state
            .compare_exchange(NOTIFIED, EMPTY, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
        {
            return;
        }
        let mut guard = self.lock.lock();
        match self
            .state
            .compare_exchange(EMPTY, PARKED, Ordering::Relaxed, Ordering::Relaxed)
        {
            Ok(_) => {}
            Err(NOTIFIED) => {
                self.state.swap(EMPTY, Ordering::Acquire);
                return;
            }
            Err(actual) => panic!("inconsistent park state: {actual}"),
        }
        loop {
            let timed_out = self.cvar.wait_until(&mut guard, deadline).timed_out();
            // Acquire: pairs with the Release swap in `unpark`.
            if self
                .state
                .compare_exchange(NOTIFIED, EMPTY, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
            {
                return;
            }
            if timed_out {
                // Leave PARKED for EMPTY; a token that raced in is consumed, which is
                // what a wakeup at the deadline means anyway.
                self.state.swap(EMPTY, Ordering::Acquire);
                return;
            }
        }
    }

    /// Under loom (no clock) a timed park waits for an unpark like `park`: a model then
    /// checks that the protocol never relies on the timeout to notice new work (a
    /// deadline that moved earlier, say) — loom reports the deadlock if it does.
    #[cfg(eddy_loom)]
    pub fn park_timeout(&self, _timeout: Duration) {
        self.park();
    }

    /// Consumes the token if one is available, without blocking; true if it did.
    ///
    /// A driver that waits somewhere else (in a reactor's poll, say) checks this after
    /// announcing where it waits, so an `unpark` that came first is not slept through.
    pub fn take_token(&self) -> bool {
        // Acquire: pairs with the Release swap in `unpark`.
        self.state
            .compare_exchange(NOTIFIED, EMPTY, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    }

    /// Makes a token available, waking the parked thread if there is one.
    pub fn unpark(&self) {
        // Release: pairs with the Acquire in `park`.
        match self.state.swap(NOTIFIED, Ordering::Release) {
            EMPTY | NOTIFIED => {}
            PARKED => {
                // Taking the lock orders this notify after the parked thread's wait began
                // (it announced PARKED while holding the lock).
                drop(self.lock.lock());
                self.cvar.notify_one();
            }
            actual => panic!("inconsistent park state: {actual}"),
        }
    }
}

impl Default for Parker {
    fn default() -> Parker {
        Parker::new()
    }
}

impl fmt::Debug for Parker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Parker").finish_non_exhaustive()
    }
}

#[cfg(all(test, not(eddy_loom)))]
mod tests {
    use super::Parker;
    use std::sync::Arc;
    use std::time::Duration;

    #[test]
    fn park_timeout_returns_after_the_timeout_or_an_unpark() {
        let parker = Parker::new();
        parker.park_timeout(Duration::from_millis(1));
        parker.unpark();
        parker.park_timeout(Duration::from_secs(3600)); // the token is consumed at once
        let parker = Arc::new(parker);
        let remote = parker.clone();
        let t = std::thread::spawn(move || remote.unpark());
        parker.park_timeout(Duration::MAX); // no overflow panic; woken by the unpark
        t.join().unwrap();
    }
}
