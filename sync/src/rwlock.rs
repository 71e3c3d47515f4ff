//! [`RwLock`] — many readers or one writer (tokio's `RwLock`; asyncio has none).
//!
//! Built like [`Mutex`](crate::Mutex): a [`batch_semaphore`](crate::batch_semaphore) with
//! `max_readers` permits — a reader takes one, a writer takes all of them — next to the
//! data's cell ([`lock_cell`](crate::lock_cell)): the permits are what grant access.
//! Because the semaphore is FIFO, a queued writer stops later readers from overtaking it:
//! writers cannot starve.

use std::fmt;
use std::ops::{Deref, DerefMut};

use crate::lock_cell::{Borrowed, Exclusive, LockCell, RwLockKind, Shared};
use crate::TryLockError;

mod mapped;
mod owned;

pub use mapped::RwLockMappedWriteGuard;
pub use owned::{OwnedRwLockMappedWriteGuard, OwnedRwLockReadGuard, OwnedRwLockWriteGuard};

/// The default and largest number of concurrent readers.
const MAX_READS: u32 = u32::MAX >> 3;

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
///
/// # Thread safety
///
/// As tokio's: readers on several threads share `&T`, so an `RwLock<T>` is `Sync` only
/// when `T` is `Send` and `Sync`.
///
/// ```compile_fail
/// fn shareable<T: Sync>() {}
/// shareable::<eddy::sync::RwLock<std::cell::Cell<u8>>>();
/// ```
pub struct RwLock<T: ?Sized> {
    cell: LockCell<RwLockKind, T>,
}

// UnwindSafe when the data is, as tokio's (whose data sits in a plain cell next to the
// semaphore). Not RefUnwindSafe, as tokio's: a panic while a guard is held may leave the
// data half-updated and, unlike std's, this lock is not poisoned.
impl<T: ?Sized + std::panic::UnwindSafe> std::panic::UnwindSafe for RwLock<T> {}

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
    inner: Shared<Borrowed<'a>, T>,
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
    inner: Exclusive<Borrowed<'a>, T>,
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
            cell: LockCell::new(value, max_readers),
        }
    }

    /// [`new`](RwLock::new) in a `const` context, so that a lock can be a `static`.
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy::sync::RwLock;
    ///
    /// static CONFIG: RwLock<Vec<&str>> = RwLock::const_new(Vec::new());
    ///
    /// eddy::run(async {
    ///     CONFIG.write().await.push("verbose");
    ///     assert_eq!(*CONFIG.read().await, ["verbose"]);
    /// });
    /// ```
    #[cfg(not(eddy_loom))]
    pub const fn const_new(value: T) -> RwLock<T> {
        RwLock {
            cell: LockCell::const_new(value, MAX_READS),
        }
    }

    /// [`with_max_readers`](RwLock::with_max_readers) in a `const` context.
    ///
    /// # Panics
    ///
    /// If `max_readers` is 0 or above `u32::MAX >> 3` (at compile time in a `static`).
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy::sync::RwLock;
    ///
    /// static PAIR: RwLock<()> = RwLock::const_with_max_readers((), 2);
    ///
    /// let (_a, _b) = (PAIR.try_read().unwrap(), PAIR.try_read().unwrap());
    /// assert!(PAIR.try_read().is_err());
    /// ```
    #[cfg(not(eddy_loom))]
    #[track_caller]
    pub const fn const_with_max_readers(value: T, max_readers: u32) -> RwLock<T> {
        assert!(
            max_readers >= 1 && max_readers <= MAX_READS,
            "an RwLock admits 1 to u32::MAX >> 3 readers"
        );
        RwLock {
            cell: LockCell::const_new(value, max_readers),
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
        self.cell.into_inner()
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
        RwLockReadGuard {
            inner: self.cell.read().await,
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
        match self.cell.try_read() {
            Some(inner) => Ok(RwLockReadGuard { inner }),
            None => Err(TryLockError(())),
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
        RwLockWriteGuard {
            inner: self.cell.write().await,
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
        match self.cell.try_write() {
            Some(inner) => Ok(RwLockWriteGuard { inner }),
            None => Err(TryLockError(())),
        }
    }

    /// Blocks the thread until shared access is granted — for synchronous code outside
    /// the runtime, as tokio's. Waits in the same line as [`read`](RwLock::read).
    ///
    /// # Panics
    ///
    /// Inside the runtime (it would block a worker): `.await` [`read`](RwLock::read) there.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = eddy::sync::RwLock::new(1);
    /// assert_eq!(*lock.blocking_read(), 1);
    /// ```
    #[track_caller]
    pub fn blocking_read(&self) -> RwLockReadGuard<'_, T> {
        if eddy_executor::is_entered() {
            eddy_executor::already_running("RwLock::blocking_read");
        }
        eddy_executor::block_on(self.read())
    }

    /// Blocks the thread until exclusive access is granted — for synchronous code
    /// outside the runtime, as tokio's.
    ///
    /// # Panics
    ///
    /// Inside the runtime: `.await` [`write`](RwLock::write) there.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let lock = Arc::new(eddy::sync::RwLock::new(1));
    /// let reader = lock.clone().try_read_owned().unwrap();
    /// std::thread::spawn(move || drop(reader));
    /// *lock.blocking_write() += 1;
    /// assert_eq!(*lock.try_read().unwrap(), 2);
    /// ```
    #[track_caller]
    pub fn blocking_write(&self) -> RwLockWriteGuard<'_, T> {
        if eddy_executor::is_entered() {
            eddy_executor::already_running("RwLock::blocking_write");
        }
        eddy_executor::block_on(self.write())
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
        self.cell.get_mut()
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
        // Keeps one permit for the read guard, gives the others back (to queued readers).
        RwLockReadGuard {
            inner: this.inner.downgrade(),
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
                    &self.inner
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
                    &mut self.inner
                }
            }
        )*
    };
}

guard_impls!(RwLockReadGuard<'a>, RwLockWriteGuard<'a>; mut RwLockWriteGuard<'a>);
