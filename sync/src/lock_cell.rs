//! The data of a [`Mutex`](crate::Mutex) or [`RwLock`](crate::RwLock) and the guards
//! that reach it: the one module of this crate with unsafe code.
//!
//! # Why unsafe
//!
//! A lock keeps its data in an `UnsafeCell` next to its
//! [`batch_semaphore`](crate::batch_semaphore), as tokio's: the semaphore's permits, not a
//! second lock, are what grant access. That lets a lock be built in a `static`
//! (`const_new`), costs no allocation in `new`, and lets owned guards be mapped. Safe
//! Rust cannot express "this permit grants this access", so this module does, and
//! nothing else in the crate may touch the cell.
//!
//! # Invariants
//!
//! * A [`LockCell`]'s semaphore starts with `exclusive` permits and never gains or loses
//!   any for good: the semaphore is private here, never closed, and every guard gives
//!   back exactly the permits it took, once (its [`Release`]).
//! * An [`Exclusive`] guard holds all `exclusive` permits: no other guard of the cell
//!   exists, so it may hand out `&mut` to the data (or to the part it was mapped to).
//! * A [`Shared`] guard holds at least one permit, so no `Exclusive` guard exists while
//!   it lives: it may hand out `&` to the data (or its part). Shared guards only exist for
//!   an RwLock's cell (`LockCell<RwLockKind, _>`), which is `Sync` only for `T: Sync`; a
//!   mutex's cell hands out exclusive guards only.
//! * A guard's pointers stay valid while it lives: a borrowed guard carries the cell's
//!   lifetime, an owned one the `Arc` of the lock that contains the cell. (The owned
//!   constructors find the cell with a `for<'x> Fn(&'x L) -> &'x LockCell` called once:
//!   what it returns lives as long as `L` does, and the `Arc` keeps `L` alive and in
//!   place.)
//!
//! Happens-before: the semaphore's `release` (Release, or the waiters' lock) pairs with
//! the next holder's acquire, so a previous holder's accesses happen before the next
//! holder's. Under loom the cell records one access when a guard is made (`with_mut` for
//! exclusive, `with` for shared): every later access through the guard is on the same
//! thread before the guard's release, so checking the first one checks them all.

#![allow(unsafe_code)]

use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::ptr::NonNull;
use std::sync::Arc;

use crate::batch_semaphore as ll;
use crate::loom::cell::UnsafeCell;

/// What keeps a borrowed guard's cell alive: only its lifetime.
pub(crate) type Borrowed<'a> = PhantomData<&'a ()>;

/// A lock's data and the semaphore whose permits grant access to it. `K` says which
/// lock: [`MutexKind`] (exclusive guards only) or [`RwLockKind`] (shared ones too).
pub(crate) struct LockCell<K, T: ?Sized> {
    sem: ll::Semaphore,
    /// The permits an exclusive guard takes; the semaphore's total (see the invariants).
    exclusive: u32,
    _kind: PhantomData<K>,
    data: UnsafeCell<T>,
}

/// A `Mutex`'s cell: exclusive guards only.
pub(crate) struct MutexKind;

/// An `RwLock`'s cell: shared guards (one permit) and exclusive ones (all of them).
pub(crate) struct RwLockKind;

// SAFETY: the cell moves with its data (`T: Send`).
unsafe impl<K, T: ?Sized + Send> Send for LockCell<K, T> {}
// SAFETY: a mutex's cell hands out exclusive guards only, so sharing it only ever moves
// access to `T` from thread to thread (`T: Send`), as tokio's `Mutex`.
unsafe impl<T: ?Sized + Send> Sync for LockCell<MutexKind, T> {}
// SAFETY: sharing an RwLock's cell also lets several threads hold `&T` at once
// (`T: Sync`), as tokio's `RwLock`.
unsafe impl<T: ?Sized + Send + Sync> Sync for LockCell<RwLockKind, T> {}

impl<K, T> LockCell<K, T> {
    /// # Panics
    ///
    /// If `exclusive` exceeds the semaphore's maximum (the callers check a lower bound).
    pub(crate) fn new(value: T, exclusive: u32) -> LockCell<K, T> {
        LockCell {
            sem: ll::Semaphore::new(exclusive as usize),
            exclusive,
            _kind: PhantomData,
            data: UnsafeCell::new(value),
        }
    }

    /// [`new`](LockCell::new) in a `const` context; not under loom, as the semaphore's.
    #[cfg(not(eddy_loom))]
    pub(crate) const fn const_new(value: T, exclusive: u32) -> LockCell<K, T> {
        LockCell {
            sem: ll::Semaphore::const_new(exclusive as usize),
            exclusive,
            _kind: PhantomData,
            data: UnsafeCell::new(value),
        }
    }

    pub(crate) fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<K, T: ?Sized> LockCell<K, T> {
    /// Waits for all the permits: exclusive access.
    pub(crate) async fn write(&self) -> Exclusive<Borrowed<'_>, T> {
        self.acquire(self.exclusive).await;
        self.exclusive_guard()
    }

    pub(crate) fn try_write(&self) -> Option<Exclusive<Borrowed<'_>, T>> {
        self.sem.try_acquire(self.exclusive as usize).ok()?;
        Some(self.exclusive_guard())
    }

    /// [`write`](LockCell::write) for a cell inside the `Arc`'d `lock`, found by `cell`.
    pub(crate) async fn write_owned<L: ?Sized>(
        lock: Arc<L>,
        cell: impl for<'x> Fn(&'x L) -> &'x LockCell<K, T>,
    ) -> Exclusive<Arc<L>, T> {
        // `cell` is called once: the permits and the pointers come from the same cell.
        let c = cell(&lock);
        c.acquire(c.exclusive).await;
        let (data, release) = c.parts(c.exclusive, false);
        Exclusive::new(data, release.owned_by(lock))
    }

    pub(crate) fn try_write_owned<L: ?Sized>(
        lock: Arc<L>,
        cell: impl for<'x> Fn(&'x L) -> &'x LockCell<K, T>,
    ) -> Option<Exclusive<Arc<L>, T>> {
        let c = cell(&lock);
        c.sem.try_acquire(c.exclusive as usize).ok()?;
        let (data, release) = c.parts(c.exclusive, false);
        Some(Exclusive::new(data, release.owned_by(lock)))
    }

    pub(crate) fn get_mut(&mut self) -> &mut T {
        // SAFETY: `&mut self` proves no guard is alive (a borrowed guard borrows the
        // cell, an owned one holds an `Arc` of the lock around it), and the result
        // borrows `self` mutably.
        self.data.with_mut(|p| unsafe { &mut *p })
    }

    async fn acquire(&self, n: u32) {
        if self.sem.acquire(n as usize).await.is_err() {
            unreachable!("a lock's semaphore is never closed");
        }
    }

    fn exclusive_guard(&self) -> Exclusive<Borrowed<'_>, T> {
        let (data, release) = self.parts(self.exclusive, false);
        Exclusive::new(data, release.owned_by(PhantomData))
    }

    /// The data pointer and the release of `permits`, which the caller has just taken.
    /// Records the access for loom.
    fn parts(&self, permits: u32, shared: bool) -> (NonNull<T>, Release<()>) {
        let ptr = if shared {
            self.data.with(|p| p.cast_mut())
        } else {
            self.data.with_mut(|p| p)
        };
        // SAFETY: a cell's pointer is never null.
        let data = unsafe { NonNull::new_unchecked(ptr) };
        let release = Release {
            sem: NonNull::from(&self.sem),
            permits,
            owner: (),
        };
        (data, release)
    }
}

impl<T: ?Sized> LockCell<RwLockKind, T> {
    /// Waits for one permit: shared access.
    pub(crate) async fn read(&self) -> Shared<Borrowed<'_>, T> {
        self.acquire(1).await;
        self.shared_guard()
    }

    pub(crate) fn try_read(&self) -> Option<Shared<Borrowed<'_>, T>> {
        self.sem.try_acquire(1).ok()?;
        Some(self.shared_guard())
    }

    /// [`read`](LockCell::read) for a cell inside the `Arc`'d `lock`, found by `cell`.
    pub(crate) async fn read_owned<L: ?Sized>(
        lock: Arc<L>,
        cell: impl for<'x> Fn(&'x L) -> &'x LockCell<RwLockKind, T>,
    ) -> Shared<Arc<L>, T> {
        let c = cell(&lock);
        c.acquire(1).await;
        let (data, release) = c.parts(1, true);
        Shared::new(data, release.owned_by(lock))
    }

    pub(crate) fn try_read_owned<L: ?Sized>(
        lock: Arc<L>,
        cell: impl for<'x> Fn(&'x L) -> &'x LockCell<RwLockKind, T>,
    ) -> Option<Shared<Arc<L>, T>> {
        let c = cell(&lock);
        c.sem.try_acquire(1).ok()?;
        let (data, release) = c.parts(1, true);
        Some(Shared::new(data, release.owned_by(lock)))
    }

    fn shared_guard(&self) -> Shared<Borrowed<'_>, T> {
        let (data, release) = self.parts(1, true);
        Shared::new(data, release.owned_by(PhantomData))
    }
}

/// Gives a guard's permits back when dropped; `owner` keeps the semaphore alive.
struct Release<O> {
    sem: NonNull<ll::Semaphore>,
    permits: u32,
    owner: O,
}

// SAFETY: `sem` is a shared borrow of a `Sync` semaphore, kept alive by `owner` (or the
// lifetime it carries): the release moves or is shared as `owner` is.
unsafe impl<O: Send> Send for Release<O> {}
// SAFETY: as above.
unsafe impl<O: Sync> Sync for Release<O> {}

impl Release<()> {
    fn owned_by<O>(self, owner: O) -> Release<O> {
        let this = std::mem::ManuallyDrop::new(self);
        Release {
            sem: this.sem,
            permits: this.permits,
            owner,
        }
    }
}

impl<O> Release<O> {
    fn semaphore(&self) -> &ll::Semaphore {
        // SAFETY: `owner` (an `Arc` of the lock, or the lifetime of the borrow of the
        // cell) keeps the semaphore alive while this release exists.
        unsafe { self.sem.as_ref() }
    }

    /// Gives back all but one permit (an exclusive guard becoming a shared one).
    fn keep_one(&mut self) {
        let extra = self.permits - 1;
        self.permits = 1;
        self.semaphore().release(extra as usize);
    }
}

impl<O> Drop for Release<O> {
    fn drop(&mut self) {
        self.semaphore().release(self.permits as usize);
    }
}

/// Exclusive access to the data (or the part `data` points to) of a cell whose every
/// permit it holds.
pub(crate) struct Exclusive<O, U: ?Sized> {
    data: NonNull<U>,
    // Field order matters little (`data` has no drop), but the permits go last.
    release: Release<O>,
    /// Invariant in `U`, as `&mut U`.
    _invariant: PhantomData<*mut U>,
}

// SAFETY: as `&mut U` plus the owner: moving the guard moves access to `U`.
unsafe impl<O: Send, U: ?Sized + Send> Send for Exclusive<O, U> {}
// SAFETY: sharing the guard shares `&U`.
unsafe impl<O: Sync, U: ?Sized + Sync> Sync for Exclusive<O, U> {}

/// Shared access to the data (or the part `data` points to) of a cell, holding one of
/// its permits.
pub(crate) struct Shared<O, U: ?Sized> {
    data: NonNull<U>,
    release: Release<O>,
    /// Covariant in `U`, as `&U`.
    _covariant: PhantomData<*const U>,
}

// SAFETY: as `&U` plus the owner: moving or sharing the guard shares `&U`.
unsafe impl<O: Send, U: ?Sized + Sync> Send for Shared<O, U> {}
// SAFETY: as above.
unsafe impl<O: Sync, U: ?Sized + Sync> Sync for Shared<O, U> {}

impl<O, U: ?Sized> Exclusive<O, U> {
    fn new(data: NonNull<U>, release: Release<O>) -> Self {
        Exclusive {
            data,
            release,
            _invariant: PhantomData,
        }
    }

    /// What keeps the cell alive (the owned guards' lock).
    pub(crate) fn owner(&self) -> &O {
        &self.release.owner
    }

    pub(crate) fn map<V: ?Sized>(self, f: impl FnOnce(&mut U) -> &mut V) -> Exclusive<O, V> {
        let Exclusive { data, release, .. } = self;
        // SAFETY: this guard holds every permit (the invariants) and is consumed, so
        // this is the only reference to the data; the part `f` returns lives as long.
        let part = f(unsafe { &mut *data.as_ptr() });
        Exclusive::new(NonNull::from(part), release)
    }

    pub(crate) fn try_map<V: ?Sized>(
        self,
        f: impl FnOnce(&mut U) -> Option<&mut V>,
    ) -> Result<Exclusive<O, V>, Self> {
        // SAFETY: as in `map`; on `None` the borrow has ended and the guard goes back.
        match f(unsafe { &mut *self.data.as_ptr() }) {
            Some(part) => {
                let part = NonNull::from(part);
                let Exclusive { release, .. } = self;
                Ok(Exclusive::new(part, release))
            }
            None => Err(self),
        }
    }

    /// Keeps one permit and gives the others back: shared access, with no writer let in
    /// between.
    pub(crate) fn downgrade(self) -> Shared<O, U> {
        let Exclusive {
            data, mut release, ..
        } = self;
        release.keep_one();
        Shared::new(data, release)
    }
}

impl<O, U: ?Sized> Shared<O, U> {
    fn new(data: NonNull<U>, release: Release<O>) -> Self {
        Shared {
            data,
            release,
            _covariant: PhantomData,
        }
    }

    /// What keeps the cell alive (the owned guards' lock).
    pub(crate) fn owner(&self) -> &O {
        &self.release.owner
    }

    pub(crate) fn map<V: ?Sized>(self, f: impl FnOnce(&U) -> &V) -> Shared<O, V> {
        let Shared { data, release, .. } = self;
        // SAFETY: this guard holds a permit, so no exclusive guard exists; the part
        // `f` returns lives as long as the data.
        let part = f(unsafe { data.as_ref() });
        Shared::new(NonNull::from(part), release)
    }

    pub(crate) fn try_map<V: ?Sized>(
        self,
        f: impl FnOnce(&U) -> Option<&V>,
    ) -> Result<Shared<O, V>, Self> {
        // SAFETY: as in `map`.
        match f(unsafe { self.data.as_ref() }) {
            Some(part) => {
                let part = NonNull::from(part);
                let Shared { release, .. } = self;
                Ok(Shared::new(part, release))
            }
            None => Err(self),
        }
    }
}

impl<O, U: ?Sized> Deref for Exclusive<O, U> {
    type Target = U;

    fn deref(&self) -> &U {
        // SAFETY: every permit is held (no other guard exists); the borrow of `self`
        // keeps this guard, and so its permits, alive.
        unsafe { self.data.as_ref() }
    }
}

impl<O, U: ?Sized> DerefMut for Exclusive<O, U> {
    fn deref_mut(&mut self) -> &mut U {
        // SAFETY: as in `deref`; `&mut self` makes this the only borrow through the guard.
        unsafe { self.data.as_mut() }
    }
}

impl<O, U: ?Sized> Deref for Shared<O, U> {
    type Target = U;

    fn deref(&self) -> &U {
        // SAFETY: a permit is held, so no exclusive guard exists while `self` is borrowed.
        unsafe { self.data.as_ref() }
    }
}
