//! [`MappedMutexGuard`]: a [`MutexGuard`] narrowed to a part of the data
//! ([`MutexGuard::map`]), as tokio's: the same permit, a pointer to the part.

use std::fmt;
use std::ops::{Deref, DerefMut};

use super::MutexGuard;
use crate::lock_cell::{Borrowed, Exclusive};

/// A lock on part of a [`Mutex`](super::Mutex)'s data, from [`MutexGuard::map`]; the
/// lock is released when it is dropped.
///
/// # Examples
///
/// ```
/// use eddy::sync::{Mutex, MutexGuard};
///
/// eddy::run(async {
///     let pair = Mutex::new((1, String::from("a")));
///     let mut name = MutexGuard::map(pair.lock().await, |p| &mut p.1);
///     name.push('b');
///     drop(name);
///     assert_eq!(pair.lock().await.1, "ab");
/// });
/// ```
#[must_use = "the lock is released when the guard is dropped"]
pub struct MappedMutexGuard<'a, T: ?Sized> {
    inner: Exclusive<Borrowed<'a>, T>,
}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    /// Narrows the guard to a part of the data (an associated function, as tokio's:
    /// `MutexGuard::map(guard, f)`, so it cannot shadow a method of `T`).
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy::sync::{Mutex, MutexGuard};
    ///
    /// let m = Mutex::new([1, 2]);
    /// *MutexGuard::map(m.try_lock().unwrap(), |a| &mut a[1]) = 5;
    /// assert_eq!(*m.try_lock().unwrap(), [1, 5]);
    /// ```
    pub fn map<U: ?Sized, F>(this: Self, f: F) -> MappedMutexGuard<'a, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        MappedMutexGuard {
            inner: this.inner.map(f),
        }
    }

    /// Narrows the guard to a part of the data if `f` finds one; gives the guard back
    /// otherwise.
    ///
    /// # Errors
    ///
    /// The original guard, when `f` returns `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy::sync::{Mutex, MutexGuard};
    ///
    /// let m = Mutex::new(vec![1]);
    /// let guard = m.try_lock().unwrap();
    /// let guard = MutexGuard::try_map(guard, |v| v.get_mut(3)).unwrap_err();
    /// assert!(MutexGuard::try_map(guard, |v| v.get_mut(0)).is_ok());
    /// ```
    pub fn try_map<U: ?Sized, F>(this: Self, f: F) -> Result<MappedMutexGuard<'a, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        match this.inner.try_map(f) {
            Ok(inner) => Ok(MappedMutexGuard { inner }),
            Err(inner) => Err(MutexGuard { inner }),
        }
    }
}

impl<'a, T: ?Sized> MappedMutexGuard<'a, T> {
    /// Narrows further.
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy::sync::{MappedMutexGuard, Mutex, MutexGuard};
    ///
    /// let m = Mutex::new(((0, 1), 2));
    /// let inner = MutexGuard::map(m.try_lock().unwrap(), |t| &mut t.0);
    /// assert_eq!(*MappedMutexGuard::map(inner, |p| &mut p.1), 1);
    /// ```
    pub fn map<U: ?Sized, F>(this: Self, f: F) -> MappedMutexGuard<'a, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        MappedMutexGuard {
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
    /// use eddy::sync::{MappedMutexGuard, Mutex, MutexGuard};
    ///
    /// let m = Mutex::new((vec![1], 0));
    /// let v = MutexGuard::map(m.try_lock().unwrap(), |t| &mut t.0);
    /// assert!(MappedMutexGuard::try_map(v, |v| v.get_mut(1)).is_err());
    /// ```
    pub fn try_map<U: ?Sized, F>(this: Self, f: F) -> Result<MappedMutexGuard<'a, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        match this.inner.try_map(f) {
            Ok(inner) => Ok(MappedMutexGuard { inner }),
            Err(inner) => Err(MappedMutexGuard { inner }),
        }
    }
}

impl<T: ?Sized> Deref for MappedMutexGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: ?Sized> DerefMut for MappedMutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MappedMutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for MappedMutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}
