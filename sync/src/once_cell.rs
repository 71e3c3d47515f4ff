//! [`OnceCell`] — a value set once, by whichever task gets there first, that every other
//! task awaits (tokio's `OnceCell`; asyncio has no primitive for it and uses a `Lock`
//! around a check, or a shared `Future`).
//!
//! The value lives in std's `OnceLock`, which hands out `&T` safely once set. Who may set
//! it is decided by a one-permit [`batch_semaphore`](crate::batch_semaphore): an
//! initializer takes the permit (FIFO, cancel-safe), runs, stores the value, then *closes*
//! the semaphore, which wakes every queued initializer with an error meaning "it is set
//! now": they return the stored value without running. An initializer that is cancelled
//! (its future dropped) or fails (`get_or_try_init`'s `Err`) or panics drops its permit
//! unused, so the next queued one runs instead. The value is stored before the close, and
//! a waiter reads it only after seeing the close, so it always finds it.

use std::fmt;
use std::future::Future;
use std::sync::OnceLock;

use crate::batch_semaphore::{self as ll, TryAcquireError};

/// A value set at most once, asynchronously: concurrent [`get_or_init`] calls run one
/// initializer and the others wait for its value.
///
/// [`get_or_init`]: OnceCell::get_or_init
///
/// # Examples
///
/// ```
/// use eddy::sync::OnceCell;
///
/// static CONFIG: OnceCell<String> = OnceCell::const_new();
///
/// async fn config() -> &'static str {
///     CONFIG.get_or_init(|| async { "loaded once".to_string() }).await
/// }
///
/// eddy::run(async {
///     let a = eddy::spawn(config());
///     let b = eddy::spawn(config());
///     assert_eq!(a.await.unwrap(), b.await.unwrap());
///     assert_eq!(CONFIG.get().map(String::as_str), Some("loaded once"));
/// });
/// ```
pub struct OnceCell<T> {
    value: OnceLock<T>,
    /// One permit: the right to initialize. Closed once the value is set.
    sem: ll::Semaphore,
}

/// Error from [`OnceCell::set`], with the value that was not stored.
///
/// # Examples
///
/// ```
/// let cell = eddy::sync::OnceCell::new_with(Some(1));
/// let err = cell.set(2).unwrap_err();
/// assert!(err.is_already_init_err());
/// ```
#[derive(Debug, PartialEq, Eq)]
pub enum SetError<T> {
    /// The cell already holds a value.
    AlreadyInitializedError(T),
    /// Another task is initializing the cell right now.
    InitializingError(T),
}

impl<T> SetError<T> {
    /// Whether the cell was already set.
    pub fn is_already_init_err(&self) -> bool {
        matches!(self, SetError::AlreadyInitializedError(_))
    }

    /// Whether another task was setting it.
    pub fn is_initializing_err(&self) -> bool {
        matches!(self, SetError::InitializingError(_))
    }
}

impl<T> fmt::Display for SetError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetError::AlreadyInitializedError(_) => f.write_str("the OnceCell is already set"),
            SetError::InitializingError(_) => {
                f.write_str("the OnceCell is being initialized by another task")
            }
        }
    }
}

impl<T: fmt::Debug> std::error::Error for SetError<T> {}

/// The permit of a running initializer: given back unused when dropped (the initializer
/// was cancelled, failed or panicked), so the next queued initializer runs.
struct InitPermit<'a> {
    sem: &'a ll::Semaphore,
}

impl Drop for InitPermit<'_> {
    fn drop(&mut self) {
        self.sem.release(1);
    }
}

impl<T> OnceCell<T> {
    /// An empty cell.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = eddy::sync::OnceCell::<u8>::new();
    /// assert!(!cell.initialized());
    /// ```
    pub fn new() -> OnceCell<T> {
        OnceCell {
            value: OnceLock::new(),
            sem: ll::Semaphore::new(1),
        }
    }

    /// An empty cell, in a `const` context (a `static`).
    ///
    /// # Examples
    ///
    /// ```
    /// static CELL: eddy::sync::OnceCell<u32> = eddy::sync::OnceCell::const_new();
    /// CELL.set(3).unwrap();
    /// assert_eq!(CELL.get(), Some(&3));
    /// ```
    #[cfg(not(eddy_loom))]
    pub const fn const_new() -> OnceCell<T> {
        OnceCell {
            value: OnceLock::new(),
            sem: ll::Semaphore::const_new(1),
        }
    }

    /// A cell holding `value` if it is `Some`, else empty.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = eddy::sync::OnceCell::new_with(Some("set"));
    /// assert_eq!(cell.get(), Some(&"set"));
    /// ```
    pub fn new_with(value: Option<T>) -> OnceCell<T> {
        match value {
            Some(value) => OnceCell::from(value),
            None => OnceCell::new(),
        }
    }

    /// Whether the cell holds a value.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = eddy::sync::OnceCell::new();
    /// cell.set(1).unwrap();
    /// assert!(cell.initialized());
    /// ```
    pub fn initialized(&self) -> bool {
        self.value.get().is_some()
    }

    /// The value, if set.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = eddy::sync::OnceCell::new();
    /// assert_eq!(cell.get(), None);
    /// cell.set(1).unwrap();
    /// assert_eq!(cell.get(), Some(&1));
    /// ```
    pub fn get(&self) -> Option<&T> {
        self.value.get()
    }

    /// The value, mutably, if set (no task can be initializing: `&mut self`).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut cell = eddy::sync::OnceCell::new_with(Some(1));
    /// *cell.get_mut().unwrap() += 1;
    /// assert_eq!(cell.get(), Some(&2));
    /// ```
    pub fn get_mut(&mut self) -> Option<&mut T> {
        self.value.get_mut()
    }

    /// Stores `value` if the cell is empty and no initializer is running.
    ///
    /// # Errors
    ///
    /// [`SetError::AlreadyInitializedError`] or [`SetError::InitializingError`], with the
    /// value.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = eddy::sync::OnceCell::new();
    /// assert!(cell.set(1).is_ok());
    /// assert!(cell.set(2).unwrap_err().is_already_init_err());
    /// ```
    pub fn set(&self, value: T) -> Result<(), SetError<T>> {
        if self.initialized() {
            return Err(SetError::AlreadyInitializedError(value));
        }
        match self.sem.try_acquire(1) {
            Ok(()) => {
                self.store(value, InitPermit { sem: &self.sem });
                Ok(())
            }
            Err(TryAcquireError::NoPermits) => Err(SetError::InitializingError(value)),
            Err(TryAcquireError::Closed) => Err(SetError::AlreadyInitializedError(value)),
        }
    }

    /// The value, running `f` to produce it if the cell is empty. Concurrent callers run
    /// one initializer at a time, in arrival order; the others wait and return its value.
    ///
    /// # Cancel safety
    ///
    /// If the running initializer's future is dropped (or `f` panics), the next waiting
    /// caller runs its own initializer; a waiting caller that is dropped leaves no trace.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let cell = eddy::sync::OnceCell::new();
    ///     assert_eq!(*cell.get_or_init(|| async { 1 }).await, 1);
    ///     assert_eq!(*cell.get_or_init(|| async { 2 }).await, 1); // already set
    /// });
    /// ```
    pub async fn get_or_init<F, Fut>(&self, f: F) -> &T
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = T>,
    {
        if let Some(value) = self.get() {
            return value;
        }
        match self.sem.acquire(1).await {
            Ok(()) => {
                let permit = InitPermit { sem: &self.sem };
                let value = f().await;
                self.store(value, permit)
            }
            Err(_) => self.set_value(),
        }
    }

    /// The value, running the fallible `f` to produce it if the cell is empty; an `Err`
    /// leaves the cell empty and lets the next waiting caller try.
    ///
    /// # Errors
    ///
    /// `f`'s error.
    ///
    /// # Cancel safety
    ///
    /// As [`get_or_init`](OnceCell::get_or_init).
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let cell = eddy::sync::OnceCell::new();
    ///     let err = cell.get_or_try_init(|| async { Err::<u8, _>("no") }).await;
    ///     assert_eq!(err, Err("no"));
    ///     assert!(!cell.initialized());
    ///     let ok = cell.get_or_try_init(|| async { Ok::<_, &str>(4) }).await;
    ///     assert_eq!(ok, Ok(&4));
    /// });
    /// ```
    pub async fn get_or_try_init<E, F, Fut>(&self, f: F) -> Result<&T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if let Some(value) = self.get() {
            return Ok(value);
        }
        match self.sem.acquire(1).await {
            Ok(()) => {
                let permit = InitPermit { sem: &self.sem };
                let value = f().await?;
                Ok(self.store(value, permit))
            }
            Err(_) => Ok(self.set_value()),
        }
    }

    /// The value, consuming the cell.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = eddy::sync::OnceCell::new_with(Some(vec![1]));
    /// assert_eq!(cell.into_inner(), Some(vec![1]));
    /// ```
    pub fn into_inner(self) -> Option<T> {
        self.value.into_inner()
    }

    /// Takes the value out, leaving the cell empty (and settable again).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut cell = eddy::sync::OnceCell::new_with(Some(1));
    /// assert_eq!(cell.take(), Some(1));
    /// assert!(cell.set(2).is_ok());
    /// ```
    pub fn take(&mut self) -> Option<T> {
        std::mem::take(self).into_inner()
    }

    /// Stores `value` with the initializer's permit, which is never given back: closing
    /// the semaphore wakes every queued initializer to find the value instead.
    fn store(&self, value: T, permit: InitPermit<'_>) -> &T {
        // Only the permit holder stores, so the cell is empty and `set` succeeds.
        let stored = self.value.set(value).is_ok();
        debug_assert!(stored, "OnceCell: a value was stored without the permit");
        std::mem::forget(permit);
        self.sem.close();
        self.set_value()
    }

    /// The value, known to be set: the semaphore is closed only after it was stored.
    fn set_value(&self) -> &T {
        self.value
            .get()
            .expect("OnceCell: the semaphore is closed only once the value is set")
    }
}

impl<T> Default for OnceCell<T> {
    fn default() -> Self {
        OnceCell::new()
    }
}

impl<T> From<T> for OnceCell<T> {
    fn from(value: T) -> Self {
        let cell = OnceCell::new();
        let _ = cell.value.set(value);
        cell.sem.close();
        cell
    }
}

impl<T: Clone> Clone for OnceCell<T> {
    fn clone(&self) -> Self {
        OnceCell::new_with(self.get().cloned())
    }
}

impl<T: PartialEq> PartialEq for OnceCell<T> {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl<T: Eq> Eq for OnceCell<T> {}

impl<T: fmt::Debug> fmt::Debug for OnceCell<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnceCell")
            .field("value", &self.get())
            .finish()
    }
}
