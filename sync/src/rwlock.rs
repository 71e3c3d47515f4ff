//! [`RwLock`] — many readers or one writer (tokio's `RwLock`; asyncio has none).
//!
//! Built like [`Mutex`](crate::Mutex): a [`batch_semaphore`](crate::batch_semaphore) with
//! `max_readers` permits — a reader takes one, a writer takes all of them — in front of a
//! `parking_lot` read-write lock that only permit holders touch, so it never waits.
//! Because the semaphore is FIFO, a queued writer stops later readers from overtaking it:
//! writers cannot starve.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use crate::batch_semaphore as ll;
use crate::TryLockError;

mod mapped;

pub use mapped::RwLockMappedWriteGuard;

/// The default and largest number of concurrent readers.
const MAX_READS: u32 = u32::MAX >> 3;

const TAKEN: &str = "eddy::sync::RwLock: the data lock was taken without the permits (a bug)";

/// An async reader-writer lock: any number of [`read`](RwLock::read) guards, or one
/// [`write`](RwLock::write) guard, at a time.
///
/// Fair: readers and writers are served in the order they started waiting (a writer
/// waits for the readers before it; readers after it wait for it). Cancel-safe, like
/// [`Mutex`](crate::Mutex).
///
/// # Examples
///
/// ```
/// use eddy::sync::RwLock;
///
/// eddy::run(async {
///     let lock = RwLock::new(5);
///     {
///         let r1 = lock.read().await;
///         let r2 = lock.read().await;
///         assert_eq!(*r1 + *r2, 10);
///     }
///     *lock.write().await += 1;
///     assert_eq!(*lock.read().await, 6);
/// });
/// ```
pub struct RwLock<T: ?Sized> {
    max_readers: u32,
    sem: ll::Semaphore,
    data: Arc<parking_lot::RwLock<T>>,
}

// UnwindSafe when the data is, as tokio's (whose data sits in a plain cell next to the
// semaphore). Not RefUnwindSafe, as tokio's: a panic while a guard is held may leave the
// data half-updated and, unlike std's, this lock is not poisoned.
impl<T: ?Sized + std::panic::UnwindSafe> std::panic::UnwindSafe for RwLock<T> {}

/// Gives `n` permits back when dropped (after the data guard, by field order).
struct Release<'a>(&'a ll::Semaphore, u32);

impl Drop for Release<'_> {
    fn drop(&mut self) {
        self.0.release(self.1 as usize);
    }
}

struct OwnedRelease<T: ?Sized>(Arc<RwLock<T>>, u32);

impl<T: ?Sized> Drop for OwnedRelease<T> {
    fn drop(&mut self) {
        self.0.sem.release(self.1 as usize);
    }
}

/// Shared access to the data of an [`RwLock`].
///
/// # Examples
///
/// ```
/// eddy::run(async {
///     let lock = eddy::sync::RwLock::new("hi");
///     assert_eq!(*lock.read().await, "hi");
/// });
/// ```
#[must_use = "the lock is released when the guard is dropped"]
pub struct RwLockReadGuard<'a, T: ?Sized> {
    // Always parking_lot's mapped guard (mapped to the whole data at first), so that
    // `RwLockReadGuard::map` can return an `RwLockReadGuard` again, as tokio's does.
    data: parking_lot::MappedRwLockReadGuard<'a, T>,
    _release: Release<'a>,
}

// As tokio's: a read guard only shares `&T`, so it is as unwind-safe as `&T` is.
impl<T: ?Sized + std::panic::RefUnwindSafe> std::panic::UnwindSafe for RwLockReadGuard<'_, T> {}
impl<T: ?Sized + std::panic::RefUnwindSafe> std::panic::RefUnwindSafe for RwLockReadGuard<'_, T> {}

/// Exclusive access to the data of an [`RwLock`].
///
/// # Examples
///
/// ```
/// eddy::run(async {
///     let lock = eddy::sync::RwLock::new(vec![]);
///     lock.write().await.push(1);
///     assert_eq!(lock.read().await.len(), 1);
/// });
/// ```
#[must_use = "the lock is released when the guard is dropped"]
pub struct RwLockWriteGuard<'a, T: ?Sized> {
    data: parking_lot::RwLockWriteGuard<'a, T>,
    release: Release<'a>,
}

/// A read guard owning an `Arc` of its lock, from [`RwLock::read_owned`].
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// eddy::run(async {
///     let lock = Arc::new(eddy::sync::RwLock::new(1));
///     let guard = lock.clone().read_owned().await;
///     assert_eq!(eddy::spawn(async move { *guard }).await.unwrap(), 1);
/// });
/// ```
#[must_use = "the lock is released when the guard is dropped"]
pub struct OwnedRwLockReadGuard<T: ?Sized> {
    data: parking_lot::ArcRwLockReadGuard<parking_lot::RawRwLock, T>,
    _release: OwnedRelease<T>,
}

/// A write guard owning an `Arc` of its lock, from [`RwLock::write_owned`].
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// eddy::run(async {
///     let lock = Arc::new(eddy::sync::RwLock::new(1));
///     let mut guard = lock.clone().write_owned().await;
///     eddy::spawn(async move { *guard += 1 }).await.unwrap();
///     assert_eq!(*lock.read().await, 2);
/// });
/// ```
#[must_use = "the lock is released when the guard is dropped"]
pub struct OwnedRwLockWriteGuard<T: ?Sized> {
    data: parking_lot::ArcRwLockWriteGuard<parking_lot::RawRwLock, T>,
    _release: OwnedRelease<T>,
}

impl<T> RwLock<T> {
    /// An unlocked lock holding `value`.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = eddy::sync::RwLock::new(0);
    /// assert_eq!(lock.into_inner(), 0);
    /// ```
    pub fn new(value: T) -> RwLock<T> {
        RwLock::with_max_readers(value, MAX_READS)
    }

    /// An unlocked lock that admits at most `max_readers` readers at once.
    ///
    /// # Panics
    ///
    /// If `max_readers` is 0 or above `u32::MAX >> 3`.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = eddy::sync::RwLock::with_max_readers((), 1);
    /// let _r = lock.try_read().unwrap();
    /// assert!(lock.try_read().is_err());
    /// ```
    #[track_caller]
    pub fn with_max_readers(value: T, max_readers: u32) -> RwLock<T> {
        assert!(
            (1..=MAX_READS).contains(&max_readers),
            "an RwLock admits 1 to {MAX_READS} readers, not {max_readers}"
        );
        RwLock {
            max_readers,
            sem: ll::Semaphore::new(max_readers as usize),
            data: Arc::new(parking_lot::RwLock::new(value)),
        }
    }

    /// The data, consuming the lock.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(eddy::sync::RwLock::new(3).into_inner(), 3);
    /// ```
    pub fn into_inner(self) -> T {
        match Arc::try_unwrap(self.data) {
            Ok(data) => data.into_inner(),
            Err(_) => unreachable!("{TAKEN}"),
        }
    }
}

impl<T: ?Sized> RwLock<T> {
    /// Shared access, waiting in line behind earlier callers (and any queued writer).
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: a dropped future leaves the queue and passes on a granted permit.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let lock = eddy::sync::RwLock::new(1);
    ///     let (a, b) = (lock.read().await, lock.read().await);
    ///     assert_eq!(*a, *b);
    /// });
    /// ```
    pub async fn read(&self) -> RwLockReadGuard<'_, T> {
        match self.sem.acquire(1).await {
            Ok(()) => self.read_guard(),
            Err(_) => unreachable!("an RwLock's semaphore is never closed"),
        }
    }

    /// Shared access if available now and nobody is queued.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] if a writer holds or waits for the lock.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = eddy::sync::RwLock::new(1);
    /// let _r = lock.try_read().unwrap();
    /// assert!(lock.try_write().is_err());
    /// ```
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, TryLockError> {
        match self.sem.try_acquire(1) {
            Ok(()) => Ok(self.read_guard()),
            Err(_) => Err(TryLockError(())),
        }
    }

    fn read_guard(&self) -> RwLockReadGuard<'_, T> {
        RwLockReadGuard {
            data: parking_lot::RwLockReadGuard::map(self.data.try_read().expect(TAKEN), |t| t),
            _release: Release(&self.sem, 1),
        }
    }

    /// Exclusive access, waiting in line behind earlier callers.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: a dropped future leaves the queue and passes on the permits assigned
    /// to it so far.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let lock = eddy::sync::RwLock::new(1);
    ///     *lock.write().await = 2;
    ///     assert_eq!(*lock.read().await, 2);
    /// });
    /// ```
    pub async fn write(&self) -> RwLockWriteGuard<'_, T> {
        match self.sem.acquire(self.max_readers as usize).await {
            Ok(()) => self.write_guard(),
            Err(_) => unreachable!("an RwLock's semaphore is never closed"),
        }
    }

    /// Exclusive access if available now and nobody is queued.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] if the lock is held or waited for.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = eddy::sync::RwLock::new(1);
    /// let w = lock.try_write().unwrap();
    /// assert!(lock.try_read().is_err());
    /// drop(w);
    /// ```
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, T>, TryLockError> {
        match self.sem.try_acquire(self.max_readers as usize) {
            Ok(()) => Ok(self.write_guard()),
            Err(_) => Err(TryLockError(())),
        }
    }

    fn write_guard(&self) -> RwLockWriteGuard<'_, T> {
        RwLockWriteGuard {
            data: self.data.try_write().expect(TAKEN),
            release: Release(&self.sem, self.max_readers),
        }
    }

    /// [`read`](RwLock::read) for a lock in an [`Arc`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// eddy::run(async {
    ///     let lock = Arc::new(eddy::sync::RwLock::new(7));
    ///     assert_eq!(*lock.clone().read_owned().await, 7);
    /// });
    /// ```
    pub async fn read_owned(self: Arc<Self>) -> OwnedRwLockReadGuard<T> {
        if self.sem.acquire(1).await.is_err() {
            unreachable!("an RwLock's semaphore is never closed");
        }
        OwnedRwLockReadGuard {
            data: self.data.try_read_arc().expect(TAKEN),
            _release: OwnedRelease(self, 1),
        }
    }

    /// [`write`](RwLock::write) for a lock in an [`Arc`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// eddy::run(async {
    ///     let lock = Arc::new(eddy::sync::RwLock::new(7));
    ///     *lock.clone().write_owned().await = 8;
    ///     assert_eq!(*lock.read().await, 8);
    /// });
    /// ```
    pub async fn write_owned(self: Arc<Self>) -> OwnedRwLockWriteGuard<T> {
        let n = self.max_readers;
        if self.sem.acquire(n as usize).await.is_err() {
            unreachable!("an RwLock's semaphore is never closed");
        }
        OwnedRwLockWriteGuard {
            data: self.data.try_write_arc().expect(TAKEN),
            _release: OwnedRelease(self, n),
        }
    }

    /// The data, through a unique borrow: no locking needed.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut lock = eddy::sync::RwLock::new(1);
    /// *lock.get_mut() += 1;
    /// assert_eq!(lock.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        match Arc::get_mut(&mut self.data) {
            Some(data) => data.get_mut(),
            None => unreachable!("{TAKEN}"),
        }
    }
}

impl<'a, T: ?Sized> RwLockWriteGuard<'a, T> {
    /// Turns the write guard into a read guard without letting a writer in between;
    /// queued readers may then join.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let lock = eddy::sync::RwLock::new(1);
    ///     let mut w = lock.write().await;
    ///     *w = 2;
    ///     let r = eddy::sync::RwLockWriteGuard::downgrade(w);
    ///     assert_eq!(*r, 2);
    ///     assert_eq!(*lock.try_read().unwrap(), 2);
    /// });
    /// ```
    pub fn downgrade(this: Self) -> RwLockReadGuard<'a, T> {
        let RwLockWriteGuard { data, release } = this;
        let data = parking_lot::RwLockReadGuard::map(
            parking_lot::RwLockWriteGuard::downgrade(data),
            |t| t,
        );
        let sem = release.0;
        let held = release.1;
        std::mem::forget(release);
        // Keep one permit for the read guard, give the others back (to queued readers).
        sem.release(held as usize - 1);
        RwLockReadGuard {
            data,
            _release: Release(sem, 1),
        }
    }
}

impl<T: Default> Default for RwLock<T> {
    fn default() -> Self {
        RwLock::new(T::default())
    }
}

impl<T> From<T> for RwLock<T> {
    fn from(value: T) -> Self {
        RwLock::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RwLock");
        match self.try_read() {
            Ok(guard) => d.field("data", &&*guard),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

macro_rules! guard_impls {
    ($($guard:ident $(<$lt:lifetime>)?),* ; mut $($mguard:ident $(<$mlt:lifetime>)?),*) => {
        $(
            impl<$($lt,)? T: ?Sized> Deref for $guard<$($lt,)? T> {
                type Target = T;
                fn deref(&self) -> &T {
                    &self.data
                }
            }

            impl<$($lt,)? T: ?Sized + fmt::Debug> fmt::Debug for $guard<$($lt,)? T> {
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    fmt::Debug::fmt(&**self, f)
                }
            }

            impl<$($lt,)? T: ?Sized + fmt::Display> fmt::Display for $guard<$($lt,)? T> {
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    fmt::Display::fmt(&**self, f)
                }
            }
        )*
        $(
            impl<$($mlt,)? T: ?Sized> DerefMut for $mguard<$($mlt,)? T> {
                fn deref_mut(&mut self) -> &mut T {
                    &mut self.data
                }
            }
        )*
    };
}

guard_impls!(
    RwLockReadGuard<'a>, RwLockWriteGuard<'a>, OwnedRwLockReadGuard, OwnedRwLockWriteGuard;
    mut RwLockWriteGuard<'a>, OwnedRwLockWriteGuard
);
