//! The owned [`RwLock`] guards, which hold an `Arc` of the lock (so they are `'static`
//! and can move into a task), and their maps, as tokio's: [`OwnedRwLockReadGuard::map`]
//! (still an `OwnedRwLockReadGuard`), [`OwnedRwLockWriteGuard::map`] (an
//! [`OwnedRwLockMappedWriteGuard`]) and [`OwnedRwLockWriteGuard::downgrade`].

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use super::RwLock;
use crate::lock_cell::{Exclusive, LockCell, Shared};
use crate::TryLockError;

/// A read guard owning an `Arc` of its lock, from [`RwLock::read_owned`]; `T` is the
/// lock's data, `U` the part the guard was [mapped](OwnedRwLockReadGuard::map) to.
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
pub struct OwnedRwLockReadGuard<T: ?Sized, U: ?Sized = T> {
    inner: Shared<Arc<RwLock<T>>, U>,
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
    inner: Exclusive<Arc<RwLock<T>>, T>,
}

/// Exclusive access to part of the data of an `Arc`'d [`RwLock`], from
/// [`OwnedRwLockWriteGuard::map`]; `T` is the lock's data, `U` the part. The lock is
/// released when it is dropped.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use eddy::sync::{OwnedRwLockWriteGuard, RwLock};
///
/// eddy::run(async {
///     let lock = Arc::new(RwLock::new((0, 0)));
///     let mut second = OwnedRwLockWriteGuard::map(lock.clone().write_owned().await, |t| &mut t.1);
///     eddy::spawn(async move { *second = 3 }).await.unwrap();
///     assert_eq!(*lock.read().await, (0, 3));
/// });
/// ```
#[must_use = "the lock is released when the guard is dropped"]
pub struct OwnedRwLockMappedWriteGuard<T: ?Sized, U: ?Sized = T> {
    inner: Exclusive<Arc<RwLock<T>>, U>,
}

impl<T: ?Sized> RwLock<T> {
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
        OwnedRwLockReadGuard {
            inner: LockCell::read_owned(self, |l| &l.cell).await,
        }
    }

    /// [`try_read`](RwLock::try_read) for a lock in an [`Arc`].
    ///
    /// # Errors
    ///
    /// [`TryLockError`] if a writer holds or waits for the lock.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let lock = Arc::new(eddy::sync::RwLock::new(7));
    /// let r = lock.clone().try_read_owned().unwrap();
    /// assert!(lock.clone().try_write_owned().is_err());
    /// assert_eq!(*r, 7);
    /// ```
    pub fn try_read_owned(self: Arc<Self>) -> Result<OwnedRwLockReadGuard<T>, TryLockError> {
        match LockCell::try_read_owned(self, |l| &l.cell) {
            Some(inner) => Ok(OwnedRwLockReadGuard { inner }),
            None => Err(TryLockError(())),
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
        OwnedRwLockWriteGuard {
            inner: LockCell::write_owned(self, |l| &l.cell).await,
        }
    }

    /// [`try_write`](RwLock::try_write) for a lock in an [`Arc`].
    ///
    /// # Errors
    ///
    /// [`TryLockError`] if the lock is held or waited for.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// let lock = Arc::new(eddy::sync::RwLock::new(7));
    /// let w = lock.clone().try_write_owned().unwrap();
    /// assert!(lock.clone().try_read_owned().is_err());
    /// drop(w);
    /// ```
    pub fn try_write_owned(self: Arc<Self>) -> Result<OwnedRwLockWriteGuard<T>, TryLockError> {
        match LockCell::try_write_owned(self, |l| &l.cell) {
            Some(inner) => Ok(OwnedRwLockWriteGuard { inner }),
            None => Err(TryLockError(())),
        }
    }
}

impl<T: ?Sized, U: ?Sized> OwnedRwLockReadGuard<T, U> {
    /// Narrows the guard to a part of the data (an associated function, as tokio's).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use eddy::sync::{OwnedRwLockReadGuard, RwLock};
    ///
    /// let lock = Arc::new(RwLock::new((1, "two")));
    /// let second = OwnedRwLockReadGuard::map(lock.try_read_owned().unwrap(), |t| &t.1);
    /// assert_eq!(*second, "two");
    /// ```
    pub fn map<V: ?Sized, F>(this: Self, f: F) -> OwnedRwLockReadGuard<T, V>
    where
        F: FnOnce(&U) -> &V,
    {
        OwnedRwLockReadGuard {
            inner: this.inner.map(f),
        }
    }

    /// Narrows the guard if `f` finds a part; gives it back otherwise.
    ///
    /// # Errors
    ///
    /// The original guard, when `f` returns `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use eddy::sync::{OwnedRwLockReadGuard, RwLock};
    ///
    /// let lock = Arc::new(RwLock::new(vec![1]));
    /// let guard = lock.try_read_owned().unwrap();
    /// let guard = OwnedRwLockReadGuard::try_map(guard, |v| v.get(5)).unwrap_err();
    /// assert_eq!(guard.len(), 1);
    /// ```
    pub fn try_map<V: ?Sized, F>(this: Self, f: F) -> Result<OwnedRwLockReadGuard<T, V>, Self>
    where
        F: FnOnce(&U) -> Option<&V>,
    {
        match this.inner.try_map(f) {
            Ok(inner) => Ok(OwnedRwLockReadGuard { inner }),
            Err(inner) => Err(OwnedRwLockReadGuard { inner }),
        }
    }

    /// The lock this guard reads (an associated function, as tokio's).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use eddy::sync::{OwnedRwLockReadGuard, RwLock};
    ///
    /// let lock = Arc::new(RwLock::new(1));
    /// let guard = lock.clone().try_read_owned().unwrap();
    /// assert!(Arc::ptr_eq(OwnedRwLockReadGuard::rwlock(&guard), &lock));
    /// ```
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        this.inner.owner()
    }
}

impl<T: ?Sized> OwnedRwLockWriteGuard<T> {
    /// Narrows the guard to a part of the data.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use eddy::sync::{OwnedRwLockWriteGuard, RwLock};
    ///
    /// let lock = Arc::new(RwLock::new([0, 0]));
    /// *OwnedRwLockWriteGuard::map(lock.clone().try_write_owned().unwrap(), |a| &mut a[0]) = 9;
    /// assert_eq!(*lock.try_read().unwrap(), [9, 0]);
    /// ```
    pub fn map<U: ?Sized, F>(this: Self, f: F) -> OwnedRwLockMappedWriteGuard<T, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        OwnedRwLockMappedWriteGuard {
            inner: this.inner.map(f),
        }
    }

    /// Narrows the guard if `f` finds a part; gives it back otherwise.
    ///
    /// # Errors
    ///
    /// The original guard, when `f` returns `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use eddy::sync::{OwnedRwLockWriteGuard, RwLock};
    ///
    /// let lock = Arc::new(RwLock::new(vec![1]));
    /// let guard = lock.try_write_owned().unwrap();
    /// assert!(OwnedRwLockWriteGuard::try_map(guard, |v| v.get_mut(0)).is_ok());
    /// ```
    pub fn try_map<U: ?Sized, F>(
        this: Self,
        f: F,
    ) -> Result<OwnedRwLockMappedWriteGuard<T, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        match this.inner.try_map(f) {
            Ok(inner) => Ok(OwnedRwLockMappedWriteGuard { inner }),
            Err(inner) => Err(OwnedRwLockWriteGuard { inner }),
        }
    }

    /// The guard as a mapped one (the same as mapping to the whole data), as tokio's.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use eddy::sync::{OwnedRwLockWriteGuard, RwLock};
    ///
    /// let lock = Arc::new(RwLock::new(1));
    /// let mut mapped = OwnedRwLockWriteGuard::into_mapped(lock.clone().try_write_owned().unwrap());
    /// *mapped = 2;
    /// drop(mapped);
    /// assert_eq!(*lock.try_read().unwrap(), 2);
    /// ```
    pub fn into_mapped(this: Self) -> OwnedRwLockMappedWriteGuard<T> {
        OwnedRwLockMappedWriteGuard { inner: this.inner }
    }

    /// Turns the write guard into a read guard without letting a writer in between;
    /// queued readers may then join.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use eddy::sync::{OwnedRwLockWriteGuard, RwLock};
    ///
    /// let lock = Arc::new(RwLock::new(1));
    /// let mut w = lock.clone().try_write_owned().unwrap();
    /// *w = 2;
    /// let r = OwnedRwLockWriteGuard::downgrade(w);
    /// assert_eq!(*r, 2);
    /// assert_eq!(*lock.try_read().unwrap(), 2);
    /// ```
    pub fn downgrade(this: Self) -> OwnedRwLockReadGuard<T> {
        OwnedRwLockReadGuard {
            inner: this.inner.downgrade(),
        }
    }

    /// The lock this guard writes (an associated function, as tokio's).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use eddy::sync::{OwnedRwLockWriteGuard, RwLock};
    ///
    /// let lock = Arc::new(RwLock::new(1));
    /// let guard = lock.clone().try_write_owned().unwrap();
    /// assert!(Arc::ptr_eq(OwnedRwLockWriteGuard::rwlock(&guard), &lock));
    /// ```
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        this.inner.owner()
    }
}

impl<T: ?Sized, U: ?Sized> OwnedRwLockMappedWriteGuard<T, U> {
    /// Narrows further.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use eddy::sync::{OwnedRwLockMappedWriteGuard, OwnedRwLockWriteGuard, RwLock};
    ///
    /// let lock = Arc::new(RwLock::new(((0, 0), 0)));
    /// let inner = OwnedRwLockWriteGuard::map(lock.clone().try_write_owned().unwrap(), |t| &mut t.0);
    /// *OwnedRwLockMappedWriteGuard::map(inner, |p| &mut p.1) = 4;
    /// assert_eq!(*lock.try_read().unwrap(), ((0, 4), 0));
    /// ```
    pub fn map<V: ?Sized, F>(this: Self, f: F) -> OwnedRwLockMappedWriteGuard<T, V>
    where
        F: FnOnce(&mut U) -> &mut V,
    {
        OwnedRwLockMappedWriteGuard {
            inner: this.inner.map(f),
        }
    }

    /// Narrows further if `f` finds a part; gives the guard back otherwise.
    ///
    /// # Errors
    ///
    /// The original guard, when `f` returns `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use eddy::sync::{OwnedRwLockMappedWriteGuard, OwnedRwLockWriteGuard, RwLock};
    ///
    /// let lock = Arc::new(RwLock::new((vec![1], 0)));
    /// let v = OwnedRwLockWriteGuard::map(lock.try_write_owned().unwrap(), |t| &mut t.0);
    /// assert!(OwnedRwLockMappedWriteGuard::try_map(v, |v| v.get_mut(3)).is_err());
    /// ```
    pub fn try_map<V: ?Sized, F>(
        this: Self,
        f: F,
    ) -> Result<OwnedRwLockMappedWriteGuard<T, V>, Self>
    where
        F: FnOnce(&mut U) -> Option<&mut V>,
    {
        match this.inner.try_map(f) {
            Ok(inner) => Ok(OwnedRwLockMappedWriteGuard { inner }),
            Err(inner) => Err(OwnedRwLockMappedWriteGuard { inner }),
        }
    }

    /// The lock this guard writes (an associated function, as tokio's).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use eddy::sync::{OwnedRwLockWriteGuard, OwnedRwLockMappedWriteGuard, RwLock};
    ///
    /// let lock = Arc::new(RwLock::new((1, 2)));
    /// let g = OwnedRwLockWriteGuard::map(lock.clone().try_write_owned().unwrap(), |t| &mut t.0);
    /// assert!(Arc::ptr_eq(OwnedRwLockMappedWriteGuard::rwlock(&g), &lock));
    /// ```
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        this.inner.owner()
    }
}

/// `Deref`, `Debug` and `Display` through the data (`DerefMut` too for the `mut` list).
macro_rules! owned_guard_impls {
    ($($guard:ident),* ; mut $($mguard:ident),*) => {
        $(
            impl<T: ?Sized, U: ?Sized> Deref for $guard<T, U> {
                type Target = U;
                fn deref(&self) -> &U {
                    &self.inner
                }
            }

            impl<T: ?Sized, U: ?Sized + fmt::Debug> fmt::Debug for $guard<T, U> {
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    fmt::Debug::fmt(&**self, f)
                }
            }

            impl<T: ?Sized, U: ?Sized + fmt::Display> fmt::Display for $guard<T, U> {
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    fmt::Display::fmt(&**self, f)
                }
            }
        )*
        $(
            impl<T: ?Sized, U: ?Sized> DerefMut for $mguard<T, U> {
                fn deref_mut(&mut self) -> &mut U {
                    &mut self.inner
                }
            }
        )*
    };
}

owned_guard_impls!(OwnedRwLockReadGuard, OwnedRwLockMappedWriteGuard; mut OwnedRwLockMappedWriteGuard);

impl<T: ?Sized> Deref for OwnedRwLockWriteGuard<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: ?Sized> DerefMut for OwnedRwLockWriteGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for OwnedRwLockWriteGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for OwnedRwLockWriteGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}
