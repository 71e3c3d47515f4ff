//! [`Mutex`] — asyncio's `Lock`, holding the data it protects (tokio's `Mutex`).
//!
//! The lock itself is a one-permit [`batch_semaphore`](crate::batch_semaphore): FIFO,
//! cancel-safe, with a lock-free uncontended path. The data lives in a `parking_lot`
//! mutex that is only ever taken by the holder of the permit, so taking it never waits
//! (and a failure to take it at once would be a bug, hence the `expect`); its guard is
//! what gives the async guard safe `&mut T` access without any unsafe code.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use crate::batch_semaphore as ll;

mod mapped;

pub use mapped::MappedMutexGuard;

/// An async mutual-exclusion lock: [`lock`](Mutex::lock) waits, without blocking the
/// thread, until the guard of the previous holder is dropped.
///
/// Fair: waiters get the lock in the order they started waiting. Cancel-safe: dropping a
/// waiting `lock` future leaves the queue; if the lock had just been handed to it, it
/// goes to the next waiter. Unlike `std::sync::Mutex` the guard may be held across
/// `.await`; there is no poisoning.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use eddy::sync::Mutex;
///
/// eddy::run(async {
///     let count = Arc::new(Mutex::new(0));
///     let tasks: Vec<_> = (0..10)
///         .map(|_| {
///             let count = count.clone();
///             eddy::spawn(async move {
///                 let mut n = count.lock().await;
///                 eddy::task::yield_now().await; // held across an await
///                 *n += 1;
///             })
///         })
///         .collect();
///     for t in tasks {
///         t.await.unwrap();
///     }
///     assert_eq!(*count.lock().await, 10);
/// });
/// ```
pub struct Mutex<T: ?Sized> {
    sem: ll::Semaphore,
    data: Arc<parking_lot::Mutex<T>>,
}

// UnwindSafe when the data is, as tokio's (whose data sits in a plain cell next to the
// semaphore). Not RefUnwindSafe, as tokio's: a panic while a guard is held may leave the
// data half-updated and, unlike std's, this lock is not poisoned.
impl<T: ?Sized + std::panic::UnwindSafe> std::panic::UnwindSafe for Mutex<T> {}

/// Error from [`Mutex::try_lock`] (and [`RwLock`](crate::RwLock)'s `try_*`): the lock is
/// held.
///
/// # Examples
///
/// ```
/// let m = eddy::sync::Mutex::new(());
/// let _g = m.try_lock().unwrap();
/// assert_eq!(m.try_lock().unwrap_err().to_string(), "operation would block");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TryLockError(pub(super) ());

impl fmt::Display for TryLockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("operation would block")
    }
}

impl std::error::Error for TryLockError {}

/// Gives the lock's permit back when dropped (after the data guard, by field order).
struct Unlock<'a>(&'a ll::Semaphore);

impl Drop for Unlock<'_> {
    fn drop(&mut self) {
        self.0.release(1);
    }
}

/// Access to the data of a locked [`Mutex`]; dropping it unlocks.
///
/// # Examples
///
/// ```
/// eddy::run(async {
///     let m = eddy::sync::Mutex::new(vec![1]);
///     m.lock().await.push(2);
///     assert_eq!(*m.lock().await, [1, 2]);
/// });
/// ```
#[must_use = "the lock is released when the guard is dropped"]
pub struct MutexGuard<'a, T: ?Sized> {
    // Field order matters: the data guard is released before the permit.
    data: parking_lot::MutexGuard<'a, T>,
    _unlock: Unlock<'a>,
}

/// A [`MutexGuard`] that owns an `Arc` of its mutex (`'static`), from
/// [`Mutex::lock_owned`].
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// eddy::run(async {
///     let m = Arc::new(eddy::sync::Mutex::new(0));
///     let mut guard = m.clone().lock_owned().await;
///     eddy::spawn(async move { *guard += 1 }).await.unwrap();
///     assert_eq!(*m.lock().await, 1);
/// });
/// ```
#[must_use = "the lock is released when the guard is dropped"]
pub struct OwnedMutexGuard<T: ?Sized> {
    data: parking_lot::ArcMutexGuard<parking_lot::RawMutex, T>,
    unlock: OwnedUnlock<T>,
}

struct OwnedUnlock<T: ?Sized>(Arc<Mutex<T>>);

impl<T: ?Sized> Drop for OwnedUnlock<T> {
    fn drop(&mut self) {
        self.0.sem.release(1);
    }
}

const TAKEN: &str = "eddy::sync::Mutex: the data lock was taken without the permit (a bug)";

impl<T> Mutex<T> {
    /// An unlocked mutex holding `value`.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = eddy::sync::Mutex::new(5);
    /// assert_eq!(m.into_inner(), 5);
    /// ```
    pub fn new(value: T) -> Mutex<T> {
        Mutex {
            sem: ll::Semaphore::new(1),
            data: Arc::new(parking_lot::Mutex::new(value)),
        }
    }

    /// The data, consuming the mutex.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = eddy::sync::Mutex::new("x");
    /// assert_eq!(m.into_inner(), "x");
    /// ```
    pub fn into_inner(self) -> T {
        // No guard can be alive (guards borrow or own the mutex), so the data is ours.
        match Arc::try_unwrap(self.data) {
            Ok(data) => data.into_inner(),
            Err(_) => unreachable!("{TAKEN}"),
        }
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Locks, waiting in line behind earlier callers.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: a dropped `lock` future gives up its place in the queue, and if the
    /// lock was handed to it in the meantime, it goes to the next waiter.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let m = eddy::sync::Mutex::new(1);
    ///     *m.lock().await += 1;
    ///     assert_eq!(*m.lock().await, 2);
    /// });
    /// ```
    pub async fn lock(&self) -> MutexGuard<'_, T> {
        match self.sem.acquire(1).await {
            Ok(()) => self.guard(),
            Err(_) => unreachable!("a mutex's semaphore is never closed"),
        }
    }

    /// Locks if the lock is free right now and nobody is waiting for it.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] if the lock is held (or others are queued for it).
    ///
    /// # Examples
    ///
    /// ```
    /// let m = eddy::sync::Mutex::new(1);
    /// let g = m.try_lock().unwrap();
    /// assert!(m.try_lock().is_err());
    /// drop(g);
    /// assert!(m.try_lock().is_ok());
    /// ```
    pub fn try_lock(&self) -> Result<MutexGuard<'_, T>, TryLockError> {
        match self.sem.try_acquire(1) {
            Ok(()) => Ok(self.guard()),
            Err(_) => Err(TryLockError(())),
        }
    }

    fn guard(&self) -> MutexGuard<'_, T> {
        MutexGuard {
            data: self.data.try_lock().expect(TAKEN),
            _unlock: Unlock(&self.sem),
        }
    }

    /// [`lock`](Mutex::lock) for a mutex in an [`Arc`]: the guard owns a reference and
    /// can move into a task.
    ///
    /// # Cancel safety
    ///
    /// As [`lock`](Mutex::lock).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// eddy::run(async {
    ///     let m = Arc::new(eddy::sync::Mutex::new(0));
    ///     *m.clone().lock_owned().await += 5;
    ///     assert_eq!(*m.lock().await, 5);
    /// });
    /// ```
    pub async fn lock_owned(self: Arc<Self>) -> OwnedMutexGuard<T> {
        match self.sem.acquire(1).await {
            Ok(()) => self.owned_guard(),
            Err(_) => unreachable!("a mutex's semaphore is never closed"),
        }
    }

    /// [`try_lock`](Mutex::try_lock) for a mutex in an [`Arc`].
    ///
    /// # Errors
    ///
    /// [`TryLockError`] if the lock is held (or others are queued for it).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let m = Arc::new(eddy::sync::Mutex::new(0));
    /// let _g = m.clone().try_lock_owned().unwrap();
    /// assert!(m.try_lock_owned().is_err());
    /// ```
    pub fn try_lock_owned(self: Arc<Self>) -> Result<OwnedMutexGuard<T>, TryLockError> {
        match self.sem.try_acquire(1) {
            Ok(()) => Ok(self.owned_guard()),
            Err(_) => Err(TryLockError(())),
        }
    }

    fn owned_guard(self: Arc<Self>) -> OwnedMutexGuard<T> {
        OwnedMutexGuard {
            data: self.data.try_lock_arc().expect(TAKEN),
            unlock: OwnedUnlock(self),
        }
    }

    /// The data, through a unique borrow: no locking needed.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut m = eddy::sync::Mutex::new(1);
    /// *m.get_mut() = 2;
    /// assert_eq!(m.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        match Arc::get_mut(&mut self.data) {
            Some(data) => data.get_mut(),
            None => unreachable!("{TAKEN}"),
        }
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Self {
        Mutex::new(T::default())
    }
}

impl<T> From<T> for Mutex<T> {
    fn from(value: T) -> Self {
        Mutex::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Mutex");
        match self.try_lock() {
            Ok(guard) => d.field("data", &&*guard),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.data
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.data
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl<T: ?Sized> OwnedMutexGuard<T> {
    /// The mutex this guard locks.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let m = Arc::new(eddy::sync::Mutex::new(()));
    /// let g = m.clone().try_lock_owned().unwrap();
    /// assert!(Arc::ptr_eq(g.mutex(), &m));
    /// ```
    pub fn mutex(&self) -> &Arc<Mutex<T>> {
        &self.unlock.0
    }
}

impl<T: ?Sized> Deref for OwnedMutexGuard<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.data
    }
}

impl<T: ?Sized> DerefMut for OwnedMutexGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.data
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for OwnedMutexGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for OwnedMutexGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}
