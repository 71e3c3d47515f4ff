//! Narrowing [`RwLock`](super::RwLock) guards to a part of the data, as tokio's:
//! [`RwLockReadGuard::map`] (still an `RwLockReadGuard`) and [`RwLockWriteGuard::map`]
//! (an [`RwLockMappedWriteGuard`], which cannot be downgraded). The data guards are
//! parking_lot's mapped guards, so no unsafe code is involved; the permits move along.

use std::fmt;
use std::ops::{Deref, DerefMut};

use super::{Release, RwLockReadGuard, RwLockWriteGuard};

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
    // Field order matters: the data guard is released before the permits.
    data: parking_lot::MappedRwLockWriteGuard<'a, T>,
    release: Release<'a>,
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
        let RwLockReadGuard { data, _release } = this;
        RwLockReadGuard {
            data: parking_lot::MappedRwLockReadGuard::map(data, f),
            _release,
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
        let RwLockReadGuard { data, _release } = this;
        match parking_lot::MappedRwLockReadGuard::try_map(data, f) {
            Ok(data) => Ok(RwLockReadGuard { data, _release }),
            Err(data) => Err(RwLockReadGuard { data, _release }),
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
        let RwLockWriteGuard { data, release } = this;
        RwLockMappedWriteGuard {
            data: parking_lot::RwLockWriteGuard::map(data, f),
            release,
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
        let RwLockWriteGuard { data, release } = this;
        match parking_lot::RwLockWriteGuard::try_map(data, f) {
            Ok(data) => Ok(RwLockMappedWriteGuard { data, release }),
            Err(data) => Err(RwLockWriteGuard { data, release }),
        }
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
        let RwLockMappedWriteGuard { data, release } = this;
        RwLockMappedWriteGuard {
            data: parking_lot::MappedRwLockWriteGuard::map(data, f),
            release,
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
        let RwLockMappedWriteGuard { data, release } = this;
        match parking_lot::MappedRwLockWriteGuard::try_map(data, f) {
            Ok(data) => Ok(RwLockMappedWriteGuard { data, release }),
            Err(data) => Err(RwLockMappedWriteGuard { data, release }),
        }
    }
}

impl<T: ?Sized> Deref for RwLockMappedWriteGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.data
    }
}

impl<T: ?Sized> DerefMut for RwLockMappedWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.data
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
