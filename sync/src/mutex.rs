//! [`Mutex`] — asyncio's `Lock`, holding the data it protects (tokio's `Mutex`).
//!
//! The lock itself is a one-permit [`batch_semaphore`](crate::batch_semaphore): FIFO,
//! cancel-safe, with a lock-free uncontended path. The data sits in a cell next to it
//! ([`lock_cell`](crate::lock_cell), this crate's only unsafe code): holding the permit is
//! what grants access, as in tokio. So `new` allocates nothing, `const_new` builds a
//! mutex in a `static`, and every guard (owned ones too) can be mapped.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use crate::lock_cell::{Borrowed, Exclusive, LockCell, MutexKind};

mod mapped;
mod owned_mapped;

pub use mapped::MappedMutexGuard;
pub use owned_mapped::OwnedMappedMutexGuard;

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
///
/// # Thread safety
///
/// As tokio's: a `Mutex<T>` is `Sync` when `T` is `Send` (one thread at a time reaches the
/// data), so it can share a `Cell`, but not an `Rc`; a guard is `Sync` only if `T` is.
///
/// ```
/// fn shareable<T: Sync>() {}
/// shareable::<eddy::sync::Mutex<std::cell::Cell<u8>>>();
/// ```
///
/// ```compile_fail
/// fn shareable<T: Sync>() {}
/// shareable::<eddy::sync::Mutex<std::rc::Rc<u8>>>();
/// ```
///
/// ```compile_fail
/// fn shareable<T: Sync>() {}
/// shareable::<eddy::sync::MutexGuard<'static, std::cell::Cell<u8>>>();
/// ```
pub struct Mutex<T: ?Sized> {
    cell: LockCell<MutexKind, T>,
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
    inner: Exclusive<Borrowed<'a>, T>,
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
    inner: Exclusive<Arc<Mutex<T>>, T>,
}

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
            cell: LockCell::new(value, 1),
        }
    }

    /// [`new`](Mutex::new) in a `const` context, so that a mutex can be a `static`.
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy::sync::Mutex;
    ///
    /// static LOG: Mutex<Vec<&str>> = Mutex::const_new(Vec::new());
    ///
    /// eddy::run(async {
    ///     LOG.lock().await.push("started");
    ///     assert_eq!(*LOG.lock().await, ["started"]);
    /// });
    /// ```
    #[cfg(not(eddy_loom))]
    pub const fn const_new(value: T) -> Mutex<T> {
        Mutex {
            cell: LockCell::const_new(value, 1),
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
        self.cell.into_inner()
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
        MutexGuard {
            inner: self.cell.write().await,
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
        match self.cell.try_write() {
            Some(inner) => Ok(MutexGuard { inner }),
            None => Err(TryLockError(())),
        }
    }

    /// Blocks the thread until the lock is acquired — for synchronous code outside the
    /// runtime, as tokio's. Waits in the same line as [`lock`](Mutex::lock).
    ///
    /// # Panics
    ///
    /// Inside the runtime (it would block a worker): `.await` [`lock`](Mutex::lock) there.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let m = Arc::new(eddy::sync::Mutex::new(1));
    /// let held = m.clone().try_lock_owned().unwrap();
    /// std::thread::spawn(move || drop(held));
    /// *m.blocking_lock() += 1;
    /// assert_eq!(*m.try_lock().unwrap(), 2);
    /// ```
    #[track_caller]
    pub fn blocking_lock(&self) -> MutexGuard<'_, T> {
        if eddy_executor::is_entered() {
            eddy_executor::already_running("Mutex::blocking_lock");
        }
        eddy_executor::block_on(self.lock())
    }

    /// [`blocking_lock`](Mutex::blocking_lock) for a mutex in an [`Arc`].
    ///
    /// # Panics
    ///
    /// Inside the runtime: `.await` [`lock_owned`](Mutex::lock_owned) there.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let m = Arc::new(eddy::sync::Mutex::new(1));
    /// *m.clone().blocking_lock_owned() = 3;
    /// assert_eq!(*m.try_lock().unwrap(), 3);
    /// ```
    #[track_caller]
    pub fn blocking_lock_owned(self: Arc<Self>) -> OwnedMutexGuard<T> {
        if eddy_executor::is_entered() {
            eddy_executor::already_running("Mutex::blocking_lock_owned");
        }
        eddy_executor::block_on(self.lock_owned())
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
        OwnedMutexGuard {
            inner: LockCell::write_owned(self, |m| &m.cell).await,
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
        match LockCell::try_write_owned(self, |m| &m.cell) {
            Some(inner) => Ok(OwnedMutexGuard { inner }),
            None => Err(TryLockError(())),
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
        self.cell.get_mut()
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
        &self.inner
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner
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
        self.inner.owner()
    }
}

impl<T: ?Sized> Deref for OwnedMutexGuard<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: ?Sized> DerefMut for OwnedMutexGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner
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
