//! Reshaping permits — [`merge`](SemaphorePermit::merge) and
//! [`split`](SemaphorePermit::split) for both permit types — and the blocking acquire
//! for plain threads.

use super::{AcquireError, OwnedSemaphorePermit, Semaphore, SemaphorePermit};

impl Semaphore {
    /// Blocks the thread until a permit is available — for synchronous code outside the
    /// runtime, like `Mutex::blocking_lock`. (tokio has no such method on `Semaphore`;
    /// eddy adds it because asyncio ports ask for it, as issue 16 did.)
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is closed.
    ///
    /// # Panics
    ///
    /// Inside the runtime (it would block a worker): `.await`
    /// [`acquire`](Semaphore::acquire) there.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let sem = Arc::new(eddy::sync::Semaphore::new(1));
    /// let held = sem.clone().try_acquire_owned().unwrap();
    /// std::thread::spawn(move || drop(held));
    /// let permit = sem.blocking_acquire().unwrap();
    /// assert_eq!(permit.num_permits(), 1);
    /// ```
    #[track_caller]
    pub fn blocking_acquire(&self) -> Result<SemaphorePermit<'_>, AcquireError> {
        if eddy_executor::is_entered() {
            eddy_executor::already_running("Semaphore::blocking_acquire");
        }
        eddy_executor::block_on(self.acquire())
    }
}

impl SemaphorePermit<'_> {
    /// Adds `other`'s permits to this one.
    ///
    /// # Panics
    ///
    /// If the two permits come from different semaphores.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = eddy::sync::Semaphore::new(3);
    /// let mut a = sem.try_acquire().unwrap();
    /// a.merge(sem.try_acquire_many(2).unwrap());
    /// assert_eq!(a.num_permits(), 3);
    /// ```
    #[track_caller]
    pub fn merge(&mut self, mut other: Self) {
        assert!(
            std::ptr::eq(self.sem, other.sem),
            "SemaphorePermit::merge: the permits come from different semaphores"
        );
        self.permits += other.permits;
        other.permits = 0;
    }

    /// Splits `n` permits off into a new permit, or `None` if this one holds fewer.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = eddy::sync::Semaphore::new(3);
    /// let mut all = sem.try_acquire_many(3).unwrap();
    /// let one = all.split(1).unwrap();
    /// assert_eq!((all.num_permits(), one.num_permits()), (2, 1));
    /// assert!(all.split(5).is_none());
    /// drop(one);
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    pub fn split(&mut self, n: usize) -> Option<Self> {
        let n = u32::try_from(n).ok().filter(|&n| n <= self.permits)?;
        self.permits -= n;
        Some(SemaphorePermit {
            sem: self.sem,
            permits: n,
        })
    }
}

impl OwnedSemaphorePermit {
    /// Adds `other`'s permits to this one.
    ///
    /// # Panics
    ///
    /// If the two permits come from different semaphores.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let sem = Arc::new(eddy::sync::Semaphore::new(2));
    /// let mut a = sem.clone().try_acquire_owned().unwrap();
    /// a.merge(sem.clone().try_acquire_owned().unwrap());
    /// assert_eq!(a.num_permits(), 2);
    /// ```
    #[track_caller]
    pub fn merge(&mut self, mut other: Self) {
        assert!(
            std::sync::Arc::ptr_eq(&self.sem, &other.sem),
            "OwnedSemaphorePermit::merge: the permits come from different semaphores"
        );
        self.permits += other.permits;
        other.permits = 0;
    }

    /// Splits `n` permits off into a new permit, or `None` if this one holds fewer.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let sem = Arc::new(eddy::sync::Semaphore::new(2));
    /// let mut both = sem.clone().try_acquire_many_owned(2).unwrap();
    /// let one = both.split(1).unwrap();
    /// assert_eq!((both.num_permits(), one.num_permits()), (1, 1));
    /// ```
    pub fn split(&mut self, n: usize) -> Option<Self> {
        let n = u32::try_from(n).ok().filter(|&n| n <= self.permits)?;
        self.permits -= n;
        Some(OwnedSemaphorePermit {
            sem: self.sem.clone(),
            permits: n,
        })
    }
}
