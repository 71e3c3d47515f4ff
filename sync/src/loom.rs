//! This crate's sync shim (CONTRIBUTING.md, rule 8): the primitives' atomics, locks and
//! shared state come from here, so their protocols run unchanged inside the loom models
//! (`src/tests/loom_sync.rs`) with `--cfg eddy_loom`. `UnsafeCell` always has loom's
//! closure API (`with` / `with_mut`), so the lock cell's accesses are written once and
//! checked by loom's causality tracking in the models.

#[cfg(not(eddy_loom))]
mod imp {
    pub(crate) use std::sync::Arc;

    pub(crate) mod atomic {
        pub(crate) use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    }

    pub(crate) mod hint {
        pub(crate) use std::hint::spin_loop;
        /// Gives the CPU to another thread (one that must run for a spinner to go on).
        pub(crate) fn yield_thread() {
            std::thread::yield_now();
        }
    }

    pub(crate) mod sync {
        pub(crate) use parking_lot::{Mutex, MutexGuard, RwLock, RwLockReadGuard};
    }

    pub(crate) mod cell {
        /// `UnsafeCell` with loom's closure API: the raw pointer only escapes into a
        /// closure. `const` (so a lock can be built in a `static`) and `?Sized` (so a
        /// `Mutex<[u8]>` can be), as std's.
        #[derive(Debug)]
        pub(crate) struct UnsafeCell<T: ?Sized>(std::cell::UnsafeCell<T>);

        impl<T> UnsafeCell<T> {
            pub(crate) const fn new(value: T) -> UnsafeCell<T> {
                UnsafeCell(std::cell::UnsafeCell::new(value))
            }

            pub(crate) fn into_inner(self) -> T {
                self.0.into_inner()
            }
        }

        impl<T: ?Sized> UnsafeCell<T> {
            #[inline(always)]
            pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
                f(self.0.get())
            }

            #[inline(always)]
            pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
                f(self.0.get())
            }
        }
    }
}

#[cfg(eddy_loom)]
mod imp {
    pub(crate) use loom::sync::Arc;

    pub(crate) mod atomic {
        pub(crate) use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    }

    pub(crate) mod hint {
        pub(crate) use loom::hint::spin_loop;
        pub(crate) use loom::thread::yield_now as yield_thread;
    }

    pub(crate) mod cell {
        pub(crate) use loom::cell::UnsafeCell;
    }

    pub(crate) mod sync {
        pub(crate) use loom::sync::{MutexGuard, RwLockReadGuard};

        /// loom's mutex behind parking_lot's poison-free `lock`.
        #[derive(Debug)]
        pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);

        impl<T> Mutex<T> {
            pub(crate) fn new(value: T) -> Mutex<T> {
                Mutex(loom::sync::Mutex::new(value))
            }

            pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
                self.0.lock().unwrap()
            }
        }

        /// loom's read-write lock behind parking_lot's poison-free API.
        #[derive(Debug)]
        pub(crate) struct RwLock<T>(loom::sync::RwLock<T>);

        impl<T> RwLock<T> {
            pub(crate) fn new(value: T) -> RwLock<T> {
                RwLock(loom::sync::RwLock::new(value))
            }

            pub(crate) fn read(&self) -> RwLockReadGuard<'_, T> {
                self.0.read().unwrap()
            }

            pub(crate) fn write(&self) -> loom::sync::RwLockWriteGuard<'_, T> {
                self.0.write().unwrap()
            }
        }
    }
}

pub(crate) use imp::*;

/// Thread spawning for the models: loom's threads under loom, std's otherwise.
#[cfg(test)]
pub(crate) mod thread {
    #[cfg(eddy_loom)]
    pub(crate) use loom::thread::spawn;
    #[cfg(not(eddy_loom))]
    pub(crate) use std::thread::spawn;
}
