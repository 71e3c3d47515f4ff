//! Narrowing [`RwLock`](super::RwLock) guards to a part of the data, as tokio's:
//! [`RwLockReadGuard::map`] (still an `RwLockReadGuard`) and [`RwLockWriteGuard::map`]
//! (an [`RwLockMappedWriteGuard`], which cannot be downgraded): the same permits, a
//! pointer to the part.

use std::fmt;
use std::ops::{Deref, DerefMut};

use super::{RwLockReadGuard, RwLockWriteGuard};
use crate::lock_cell::{Borrowed, Exclusive};

/// Exclusive access to part of an [`RwLock`](super::RwLock)'s data, from
/// [`RwLockWriteGuard::map`]; the lock is released when it is dropped.
///
/// # Examples
///
/// ```
/// use eddy::sync::{RwLock, RwLockWriteGuard};
///
/// eddy::run(async {
///     let lock = RwLock::new((0, 0));
///     *RwLockWriteGuard::map(lock.write().await, |t| &mut t.1) = 3;
///     assert_eq!(*lock.read().await, (0, 3));
/// });
/// ```
#[must_use = "the lock is released when the guard is dropped"]
pub struct RwLockMappedWriteGuard<'a, T: ?Sized> {
    inner: Exclusive<Borrowed<'a>, T>,
}

impl<'a, T: ?Sized> RwLockReadGuard<'a, T> {
    /// Narrows the guard to a part of the data (an associated function:
    /// `RwLockReadGuard::map(guard, f)`).
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy::sync::{RwLock, RwLockReadGuard};
    ///
    /// let lock = RwLock::new((1, "two"));
    /// let second = RwLockReadGuard::map(lock.try_read().unwrap(), |t| &t.1);
    /// assert_eq!(*second, "two");
    /// ```
    pub fn map<U: ?Sized, F>(this: Self, f: F) -> RwLockReadGuard<'a, U>
    where
        F: FnOnce(&T) -> &U,
    {
        RwLockReadGuard {
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
    /// use eddy::sync::{RwLock, RwLockReadGuard};
    ///
    /// let lock = RwLock::new(vec![1]);
    /// let guard = RwLockReadGuard::try_map(lock.try_read().unwrap(), |v| v.get(5)).unwrap_err();
    /// assert_eq!(guard.len(), 1);
    /// ```
    pub fn try_map<U: ?Sized, F>(this: Self, f: F) -> Result<RwLockReadGuard<'a, U>, Self>
    where
        F: FnOnce(&T) -> Option<&U>,
    {
        match this.inner.try_map(f) {
            Ok(inner) => Ok(RwLockReadGuard { inner }),
            Err(inner) => Err(RwLockReadGuard { inner }),
        }
    }
}

impl<'a, T: ?Sized> RwLockWriteGuard<'a, T> {
    /// Narrows the guard to a part of the data.
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy::sync::{RwLock, RwLockWriteGuard};
    ///
    /// let lock = RwLock::new([0, 0]);
    /// *RwLockWriteGuard::map(lock.try_write().unwrap(), |a| &mut a[0]) = 9;
    /// assert_eq!(*lock.try_read().unwrap(), [9, 0]);
    /// ```
    pub fn map<U: ?Sized, F>(this: Self, f: F) -> RwLockMappedWriteGuard<'a, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        RwLockMappedWriteGuard {
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
    /// use eddy::sync::{RwLock, RwLockWriteGuard};
    ///
    /// let lock = RwLock::new(vec![1]);
    /// let guard = lock.try_write().unwrap();
    /// assert!(RwLockWriteGuard::try_map(guard, |v| v.get_mut(0)).is_ok());
    /// ```
    pub fn try_map<U: ?Sized, F>(this: Self, f: F) -> Result<RwLockMappedWriteGuard<'a, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        match this.inner.try_map(f) {
            Ok(inner) => Ok(RwLockMappedWriteGuard { inner }),
            Err(inner) => Err(RwLockWriteGuard { inner }),
        }
    }
}

impl<'a, T: ?Sized> RwLockWriteGuard<'a, T> {
    /// The guard as a mapped one, for code that takes [`RwLockMappedWriteGuard`]s
    /// (as tokio's; the same as mapping to the whole data).
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy::sync::{RwLock, RwLockWriteGuard};
    ///
    /// let lock = RwLock::new(1);
    /// let mut mapped = RwLockWriteGuard::into_mapped(lock.try_write().unwrap());
    /// *mapped = 2;
    /// drop(mapped);
    /// assert_eq!(*lock.try_read().unwrap(), 2);
    /// ```
    pub fn into_mapped(this: Self) -> RwLockMappedWriteGuard<'a, T> {
        RwLockMappedWriteGuard { inner: this.inner }
    }
}

impl<'a, T: ?Sized> RwLockMappedWriteGuard<'a, T> {
    /// Narrows further.
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy::sync::{RwLock, RwLockMappedWriteGuard, RwLockWriteGuard};
    ///
    /// let lock = RwLock::new(((0, 0), 0));
    /// let inner = RwLockWriteGuard::map(lock.try_write().unwrap(), |t| &mut t.0);
    /// *RwLockMappedWriteGuard::map(inner, |p| &mut p.1) = 4;
    /// assert_eq!(*lock.try_read().unwrap(), ((0, 4), 0));
    /// ```
    pub fn map<U: ?Sized, F>(this: Self, f: F) -> RwLockMappedWriteGuard<'a, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        RwLockMappedWriteGuard {
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
    /// use eddy::sync::{RwLock, RwLockMappedWriteGuard, RwLockWriteGuard};
    ///
    /// let lock = RwLock::new((vec![1], 0));
    /// let v = RwLockWriteGuard::map(lock.try_write().unwrap(), |t| &mut t.0);
    /// assert!(RwLockMappedWriteGuard::try_map(v, |v| v.get_mut(3)).is_err());
    /// ```
    pub fn try_map<U: ?Sized, F>(this: Self, f: F) -> Result<RwLockMappedWriteGuard<'a, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        match this.inner.try_map(f) {
            Ok(inner) => Ok(RwLockMappedWriteGuard { inner }),
            Err(inner) => Err(RwLockMappedWriteGuard { inner }),
        }
    }
}

impl<T: ?Sized> Deref for RwLockMappedWriteGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: ?Sized> DerefMut for RwLockMappedWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockMappedWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for RwLockMappedWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}
