//! The fair, cancel-safe counting semaphore that [`Semaphore`](crate::Semaphore),
//! [`Mutex`](crate::Mutex), [`RwLock`](crate::RwLock) and the bounded
//! [`mpsc`](crate::mpsc) channel are built on (tokio's `batch_semaphore`, without unsafe).
//!
//! # State
//!
//! * `permits: AtomicUsize` — available permits `<< 2`, bit 0 = closed, bit 1 = queued
//!   (some acquirer may be waiting). Acquiring takes permits from it with a CAS, without
//!   the lock, when there are enough (the uncontended fast path of `Mutex::lock`);
//!   releasing adds them with a CAS, without the lock, while the queued bit is clear (the
//!   receiver of a busy channel gives a slot back per message).
//! * `waiters: Mutex<Waiters>` — the FIFO of queued acquirers ([`WaitQueue`]). Each entry
//!   records the permits it still needs and those already assigned to it.
//!
//! # Invariant: no barging
//!
//! *Whenever a waiter is queued, `permits` is 0 and the queued bit is set.* An acquirer
//! that finds too few permits takes the lock, takes what is there and sets the queued bit
//! in the same CAS, then queues for the rest. While the bit is set, `release` takes the
//! lock: released permits are handed to the queued waiters first, in order — a head
//! waiter that needs more than is released keeps what it got and stays at the head — and
//! only once the queue is empty does what is left go back into the atomic, clearing the
//! bit in the same CAS (a cancelled waiter that leaves the queue empty clears it too). A
//! lock-free `release` adds to the atomic only with a CAS that sees the bit clear, so it
//! cannot slip permits in behind a waiter's back. So a newcomer can never take permits
//! ahead of a queued waiter: acquisition is FIFO even for `acquire_many`.
//!
//! # Cancellation
//!
//! A dropped [`Acquire`] removes its entry and releases whatever had been assigned to it
//! (all of its permits if it was granted but not yet polled) to the next waiters, under the
//! same lock: nothing is lost and no ghost waiter stays.
//!
//! # Wakers leave the lock first
//!
//! No waker is woken or dropped under `waiters`: completed waiters' wakers are woken after
//! the lock is released ([`WakeList`]), and a waker displaced by a re-poll or removed with
//! a cancelled entry is dropped after it. A waker's drop may be the last reference to a
//! task that holds permits of this very semaphore (a guard, a channel permit), and giving
//! them back takes the lock.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use crate::loom::atomic::{AtomicUsize, Ordering::*};
use crate::loom::sync::{Mutex, MutexGuard};

use crate::wait_queue::{replace_waker, WaitQueue, WakeList};

/// Bit 0 of `permits`.
const CLOSED: usize = 1;
/// Bit 1 of `permits`: the wait queue may be non-empty, so releases take the lock.
const QUEUED: usize = 2;
/// Permits are stored above the closed and queued bits.
const SHIFT: usize = 2;

/// The most permits a semaphore can hold (leaves headroom so that adding never overflows
/// the shifted counter).
pub(crate) const MAX_PERMITS: usize = usize::MAX >> 3;

/// A counting semaphore with FIFO waiters.
pub(crate) struct Semaphore {
    permits: AtomicUsize,
    waiters: Mutex<Waiters>,
}

// UnwindSafe and RefUnwindSafe, as tokio's: this lock-protected state changes only in
// whole steps, and no user code (no waker, no value's drop) runs while its lock is held,
// so a panic elsewhere cannot leave it half-updated for the code that catches it.
impl std::panic::RefUnwindSafe for Semaphore {}
impl std::panic::UnwindSafe for Semaphore {}

#[derive(Debug)]
struct Waiters {
    queue: WaitQueue<Waiter>,
    closed: bool,
}

#[derive(Debug)]
struct Waiter {
    /// Permits still needed; 0 once granted (and unlinked).
    remaining: usize,
    /// Permits assigned so far; given back if the waiter is dropped.
    acquired: usize,
    waker: Option<Waker>,
}

/// Error from acquiring on a closed semaphore.
///
/// # Examples
///
/// ```
/// use eddy::sync::Semaphore;
///
/// let sem = Semaphore::new(1);
/// sem.close();
/// let err = eddy::run(sem.acquire()).unwrap_err();
/// assert_eq!(err.to_string(), "semaphore closed");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcquireError(());

impl fmt::Display for AcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("semaphore closed")
    }
}

impl std::error::Error for AcquireError {}

/// Error from a `try_acquire*` that could not take its permits at once.
///
/// # Examples
///
/// ```
/// use eddy::sync::{Semaphore, TryAcquireError};
///
/// let sem = Semaphore::new(1);
/// let _held = sem.try_acquire().unwrap();
/// assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::NoPermits);
/// sem.close();
/// assert!(sem.try_acquire().unwrap_err().is_closed());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryAcquireError {
    /// The semaphore was closed.
    Closed,
    /// Not enough permits are available right now (or others are queued for them).
    NoPermits,
}

impl TryAcquireError {
    /// Whether the semaphore was closed.
    pub fn is_closed(&self) -> bool {
        matches!(self, TryAcquireError::Closed)
    }

    /// Whether there were too few permits.
    pub fn is_no_permits(&self) -> bool {
        matches!(self, TryAcquireError::NoPermits)
    }
}

impl fmt::Display for TryAcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryAcquireError::Closed => f.write_str("semaphore closed"),
            TryAcquireError::NoPermits => f.write_str("no permits available"),
        }
    }
}

impl std::error::Error for TryAcquireError {}

impl Semaphore {
    /// # Panics
    ///
    /// If `permits` exceeds [`MAX_PERMITS`].
    #[track_caller]
    pub(crate) fn new(permits: usize) -> Semaphore {
        assert!(
            permits <= MAX_PERMITS,
            "a semaphore holds at most {MAX_PERMITS} permits, {permits} were asked for"
        );
        Semaphore {
            permits: AtomicUsize::new(permits << SHIFT),
            waiters: Mutex::new(Waiters {
                queue: WaitQueue::new(),
                closed: false,
            }),
        }
    }

    /// [`new`](Semaphore::new) in a `const` context (a `static`). Not under loom, whose
    /// primitives cannot be built in `const`.
    ///
    /// # Panics
    ///
    /// If `permits` exceeds [`MAX_PERMITS`] (at compile time in a `const`).
    #[cfg(not(eddy_loom))]
    pub(crate) const fn const_new(permits: usize) -> Semaphore {
        assert!(
            permits <= MAX_PERMITS,
            "a semaphore holds at most Semaphore::MAX_PERMITS permits"
        );
        Semaphore {
            permits: AtomicUsize::new(permits << SHIFT),
            waiters: Mutex::new(Waiters {
                queue: WaitQueue::new(),
                closed: false,
            }),
        }
    }

    pub(crate) fn available_permits(&self) -> usize {
        self.permits.load(Acquire) >> SHIFT
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.permits.load(Acquire) & CLOSED != 0
    }

    /// Takes `n` permits now or fails. Never barges: queued waiters keep `permits` at 0.
    pub(crate) fn try_acquire(&self, n: usize) -> Result<(), TryAcquireError> {
        let mut curr = self.permits.load(Acquire);
        loop {
            if curr & CLOSED != 0 {
                return Err(TryAcquireError::Closed);
            }
            if curr >> SHIFT < n {
                return Err(TryAcquireError::NoPermits);
            }
            // AcqRel: Acquire pairs with the Release of the `release` that put these
            // permits back (the previous holder's writes happen before ours); Release
            // orders nothing but keeps the RMW chain simple.
            match self
                .permits
                .compare_exchange_weak(curr, curr - (n << SHIFT), AcqRel, Acquire)
            {
                Ok(_) => return Ok(()),
                Err(actual) => curr = actual,
            }
        }
    }

    /// Waits for `n` permits, FIFO. Cancel-safe: see the module docs.
    pub(crate) fn acquire(&self, n: usize) -> Acquire<'_> {
        Acquire {
            sem: self,
            state: AcquireState::new(n),
        }
    }

    /// Removes up to `n` available permits for good; returns how many.
    pub(crate) fn forget_permits(&self, n: usize) -> usize {
        let mut curr = self.permits.load(Acquire);
        loop {
            let take = (curr >> SHIFT).min(n);
            match self
                .permits
                .compare_exchange_weak(curr, curr - (take << SHIFT), AcqRel, Acquire)
            {
                Ok(_) => return take,
                Err(actual) => curr = actual,
            }
        }
    }

    /// Gives back (or adds) `n` permits: first to the queued waiters in order, the rest
    /// to the pool.
    ///
    /// # Panics
    ///
    /// If the pool would exceed [`MAX_PERMITS`].
    pub(crate) fn release(&self, n: usize) {
        if n == 0 {
            return;
        }
        // Fast path: nobody queued, so the permits go to the pool without the lock.
        // Relaxed: the CAS below re-reads the value it replaces.
        let mut curr = self.permits.load(Relaxed);
        while curr & QUEUED == 0 {
            assert!(
                (curr >> SHIFT) + n <= MAX_PERMITS,
                "a semaphore holds at most {MAX_PERMITS} permits"
            );
            // Release: pairs with the Acquire of the next fast-path CAS, so the releaser's
            // writes (a mutex guard's) are visible to the next holder. Fails, and the lock
            // is taken, if an acquirer set the queued bit meanwhile.
            match self
                .permits
                .compare_exchange_weak(curr, curr + (n << SHIFT), Release, Relaxed)
            {
                Ok(_) => return,
                Err(actual) => curr = actual,
            }
        }
        self.add_permits_locked(n, self.waiters.lock());
    }

    /// The queue is empty (the lock is held): clears the queued bit and puts `rem` permits
    /// into the pool, in one CAS.
    fn unqueue(&self, rem: usize, _waiters: &mut Waiters) {
        debug_assert!(_waiters.queue.is_empty());
        let mut curr = self.permits.load(Relaxed);
        loop {
            assert!(
                (curr >> SHIFT) + rem <= MAX_PERMITS,
                "a semaphore holds at most {MAX_PERMITS} permits"
            );
            // Release: pairs with the Acquire of the next fast-path CAS, as in `release`.
            match self.permits.compare_exchange_weak(
                curr,
                (curr & !QUEUED) + (rem << SHIFT),
                Release,
                Relaxed,
            ) {
                Ok(_) => return,
                Err(actual) => curr = actual,
            }
        }
    }

    /// Hands `rem` permits out under the lock, waking the waiters it completes after the
    /// lock is released (re-locking when the batch of wakers is full).
    fn add_permits_locked<'a>(&'a self, mut rem: usize, mut waiters: MutexGuard<'a, Waiters>) {
        let mut wakers = WakeList::new();
        loop {
            while rem > 0 && wakers.can_push() {
                let Some(key) = waiters.queue.front() else {
                    break;
                };
                let waiter = waiters.queue.get_mut(key);
                let give = rem.min(waiter.remaining);
                waiter.remaining -= give;
                waiter.acquired += give;
                rem -= give;
                if waiter.remaining == 0 {
                    let waker = waiter.waker.take();
                    waiters.queue.pop_front();
                    wakers.push(waker);
                }
            }
            if waiters.queue.is_empty() {
                self.unqueue(rem, &mut waiters);
                rem = 0;
            }
            drop(waiters);
            wakers.wake_all();
            if rem == 0 {
                return;
            }
            waiters = self.waiters.lock();
        }
    }

    /// Closes the semaphore: queued and future acquires fail; permits held stay valid.
    pub(crate) fn close(&self) {
        let mut waiters = self.waiters.lock();
        // Release: pairs with the Acquire loads that report `is_closed`.
        self.permits.fetch_or(CLOSED, Release);
        waiters.closed = true;
        let mut wakers = WakeList::new();
        while let Some(key) = waiters.queue.pop_front() {
            wakers.push(waiters.queue.get_mut(key).waker.take());
            if !wakers.can_push() {
                drop(waiters);
                wakers.wake_all();
                waiters = self.waiters.lock();
            }
        }
        self.unqueue(0, &mut waiters);
        drop(waiters);
        wakers.wake_all();
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("permits", &self.available_permits())
            .field("closed", &self.is_closed())
            .finish()
    }
}

/// An acquisition in progress, independent of how the semaphore is reached (borrowed or
/// through an `Arc` in an owned future).
#[derive(Debug)]
pub(crate) struct AcquireState {
    needed: usize,
    /// The queue slot, once queued.
    node: Option<usize>,
}

impl AcquireState {
    pub(crate) fn new(needed: usize) -> AcquireState {
        AcquireState { needed, node: None }
    }

    /// Polls for the permits; spends one unit of the cooperative budget.
    pub(crate) fn poll(
        &mut self,
        sem: &Semaphore,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), AcquireError>> {
        std::task::ready!(eddy_executor::coop::poll_proceed(cx));
        match self.node {
            None => self.poll_first(sem, cx),
            Some(key) => {
                // Every waker leaving the queue (removed with its entry, or displaced by
                // this poll's) is dropped after the lock: its drop may release permits.
                let mut waiters = sem.waiters.lock();
                if waiters.queue.get_mut(key).remaining == 0 {
                    let granted = waiters.queue.remove(key);
                    self.node = None;
                    drop(waiters);
                    drop(granted);
                    return Poll::Ready(Ok(()));
                }
                if waiters.closed {
                    let waiter = waiters.queue.remove(key);
                    self.node = None;
                    sem.add_permits_locked(waiter.acquired, waiters);
                    drop(waiter);
                    return Poll::Ready(Err(AcquireError(())));
                }
                let displaced = replace_waker(&mut waiters.queue.get_mut(key).waker, cx.waker());
                drop(waiters);
                drop(displaced);
                Poll::Pending
            }
        }
    }

    fn poll_first(
        &mut self,
        sem: &Semaphore,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), AcquireError>> {
        let needed = self.needed;
        // Fast path: enough permits, no lock.
        let mut curr = sem.permits.load(Acquire);
        loop {
            if curr & CLOSED != 0 {
                return Poll::Ready(Err(AcquireError(())));
            }
            if curr >> SHIFT < needed {
                break;
            }
            // AcqRel/Acquire: see `try_acquire`.
            match sem
                .permits
                .compare_exchange_weak(curr, curr - (needed << SHIFT), AcqRel, Acquire)
            {
                Ok(_) => return Poll::Ready(Ok(())),
                Err(actual) => curr = actual,
            }
        }
        // Slow path: under the lock, take what is there and queue for the rest. A release
        // needs the lock too, so none can slip between our look and our queueing. The
        // waker is cloned first: the clone is user code, and a panic in it after our take
        // would lose the permits taken. Declared before the guard, it is dropped after.
        let waker = cx.waker().clone();
        let mut waiters = sem.waiters.lock();
        let mut curr = sem.permits.load(Acquire);
        let taken = loop {
            if curr & CLOSED != 0 {
                return Poll::Ready(Err(AcquireError(())));
            }
            let take = (curr >> SHIFT).min(needed);
            // Too few: set the queued bit with the take, so no release adds to the pool
            // behind our back from now on (module docs, "no barging").
            let queued = if take < needed { QUEUED } else { 0 };
            match sem.permits.compare_exchange_weak(
                curr,
                (curr - (take << SHIFT)) | queued,
                AcqRel,
                Acquire,
            ) {
                Ok(_) => break take,
                Err(actual) => curr = actual,
            }
        };
        if taken == needed {
            return Poll::Ready(Ok(()));
        }
        self.node = Some(waiters.queue.push_back(Waiter {
            remaining: needed - taken,
            acquired: taken,
            waker: Some(waker),
        }));
        Poll::Pending
    }

    /// The future is dropped: leave the queue, passing on whatever was assigned to us.
    /// Returns whether permits went back (to the next waiters or the pool). The entry's
    /// waker is dropped after the lock: its drop may release permits of this semaphore.
    ///
    /// Inlined: every finished acquire is dropped through here, and all but the cancelled
    /// ones only find no queue slot (a bounded channel's send does this per message).
    #[inline]
    pub(crate) fn cancel(&mut self, sem: &Semaphore) -> bool {
        match self.node.take() {
            None => false,
            Some(key) => Self::leave_queue(sem, key),
        }
    }

    /// [`cancel`](AcquireState::cancel) for an acquire still in the queue at `key`.
    #[inline(never)]
    fn leave_queue(sem: &Semaphore, key: usize) -> bool {
        let mut waiters = sem.waiters.lock();
        let waiter = waiters.queue.remove(key);
        let gave_back = waiter.acquired > 0;
        if gave_back {
            sem.add_permits_locked(waiter.acquired, waiters);
        } else {
            if waiters.queue.is_empty() {
                sem.unqueue(0, &mut waiters);
            }
            drop(waiters);
        }
        drop(waiter);
        gave_back
    }
}

/// Future of [`Semaphore::acquire`]: `Ok` once the permits are the caller's.
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub(crate) struct Acquire<'a> {
    sem: &'a Semaphore,
    state: AcquireState,
}

impl Future for Acquire<'_> {
    type Output = Result<(), AcquireError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.state.poll(this.sem, cx)
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        self.state.cancel(self.sem);
    }
}

#[cfg(test)]
impl Semaphore {
    /// Queued waiters (for the loom models' no-ghost-waiter checks).
    pub(crate) fn waiters_len(&self) -> usize {
        self.waiters.lock().queue.len()
    }

    /// Whether the queued bit is set (releases take the lock).
    pub(crate) fn queued_bit(&self) -> bool {
        self.permits.load(Acquire) & QUEUED != 0
    }
}
