//! [`OwnedMappedMutexGuard`]: an [`OwnedMutexGuard`] narrowed to a part of the data
//! ([`OwnedMutexGuard::map`]), as tokio's: it still owns the `Arc` of the mutex, so it is
//! `'static` and can move into a task.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use super::{Mutex, OwnedMutexGuard};
use crate::lock_cell::Exclusive;

/// A lock on part of the data of an `Arc`'d [`Mutex`], from [`OwnedMutexGuard::map`];
/// `T` is the mutex's data, `U` the part. The lock is released when it is dropped.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use eddy::sync::{Mutex, OwnedMutexGuard};
///
/// eddy::run(async {
///     let pair = Arc::new(Mutex::new((0, String::new())));
///     let mut name = OwnedMutexGuard::map(pair.clone().lock_owned().await, |p| &mut p.1);
///     eddy::spawn(async move { name.push_str("moved") }).await.unwrap();
///     assert_eq!(pair.lock().await.1, "moved");
/// });
/// ```
#[must_use = "the lock is released when the guard is dropped"]
pub struct OwnedMappedMutexGuard<T: ?Sized, U: ?Sized = T> {
    inner: Exclusive<Arc<Mutex<T>>, U>,
}

impl<T: ?Sized> OwnedMutexGuard<T> {
    /// Narrows the guard to a part of the data (an associated function, as tokio's:
    /// `OwnedMutexGuard::map(guard, f)`, so it cannot shadow a method of `T`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use eddy::sync::{Mutex, OwnedMutexGuard};
    ///
    /// let m = Arc::new(Mutex::new([1, 2]));
    /// *OwnedMutexGuard::map(m.clone().try_lock_owned().unwrap(), |a| &mut a[1]) = 5;
    /// assert_eq!(*m.try_lock().unwrap(), [1, 5]);
    /// ```
    pub fn map<U: ?Sized, F>(this: Self, f: F) -> OwnedMappedMutexGuard<T, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        OwnedMappedMutexGuard {
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
    /// use std::sync::Arc;
    /// use eddy::sync::{Mutex, OwnedMutexGuard};
    ///
    /// let m = Arc::new(Mutex::new(vec![1]));
    /// let guard = m.try_lock_owned().unwrap();
    /// let guard = OwnedMutexGuard::try_map(guard, |v| v.get_mut(3)).unwrap_err();
    /// assert!(OwnedMutexGuard::try_map(guard, |v| v.get_mut(0)).is_ok());
    /// ```
    pub fn try_map<U: ?Sized, F>(this: Self, f: F) -> Result<OwnedMappedMutexGuard<T, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        match this.inner.try_map(f) {
            Ok(inner) => Ok(OwnedMappedMutexGuard { inner }),
            Err(inner) => Err(OwnedMutexGuard { inner }),
        }
    }
}

impl<T: ?Sized, U: ?Sized> OwnedMappedMutexGuard<T, U> {
    /// Narrows further.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use eddy::sync::{Mutex, OwnedMappedMutexGuard, OwnedMutexGuard};
    ///
    /// let m = Arc::new(Mutex::new(((0, 1), 2)));
    /// let inner = OwnedMutexGuard::map(m.try_lock_owned().unwrap(), |t| &mut t.0);
    /// assert_eq!(*OwnedMappedMutexGuard::map(inner, |p| &mut p.1), 1);
    /// ```
    pub fn map<V: ?Sized, F>(this: Self, f: F) -> OwnedMappedMutexGuard<T, V>
    where
        F: FnOnce(&mut U) -> &mut V,
    {
        OwnedMappedMutexGuard {
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
    /// use eddy::sync::{Mutex, OwnedMappedMutexGuard, OwnedMutexGuard};
    ///
    /// let m = Arc::new(Mutex::new((vec![1], 0)));
    /// let v = OwnedMutexGuard::map(m.try_lock_owned().unwrap(), |t| &mut t.0);
    /// assert!(OwnedMappedMutexGuard::try_map(v, |v| v.get_mut(1)).is_err());
    /// ```
    pub fn try_map<V: ?Sized, F>(this: Self, f: F) -> Result<OwnedMappedMutexGuard<T, V>, Self>
    where
        F: FnOnce(&mut U) -> Option<&mut V>,
    {
        match this.inner.try_map(f) {
            Ok(inner) => Ok(OwnedMappedMutexGuard { inner }),
            Err(inner) => Err(OwnedMappedMutexGuard { inner }),
        }
    }

    /// The mutex this guard locks (an associated function, as tokio's).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use eddy::sync::{Mutex, OwnedMappedMutexGuard, OwnedMutexGuard};
    ///
    /// let m = Arc::new(Mutex::new((1, 2)));
    /// let g = OwnedMutexGuard::map(m.clone().try_lock_owned().unwrap(), |t| &mut t.0);
    /// assert!(Arc::ptr_eq(OwnedMappedMutexGuard::mutex(&g), &m));
    /// ```
    pub fn mutex(this: &Self) -> &Arc<Mutex<T>> {
        this.inner.owner()
    }
}

impl<T: ?Sized, U: ?Sized> Deref for OwnedMappedMutexGuard<T, U> {
    type Target = U;

    fn deref(&self) -> &U {
        &self.inner
    }
}

impl<T: ?Sized, U: ?Sized> DerefMut for OwnedMappedMutexGuard<T, U> {
    fn deref_mut(&mut self) -> &mut U {
        &mut self.inner
    }
}

impl<T: ?Sized, U: ?Sized + fmt::Debug> fmt::Debug for OwnedMappedMutexGuard<T, U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized, U: ?Sized + fmt::Display> fmt::Display for OwnedMappedMutexGuard<T, U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}
