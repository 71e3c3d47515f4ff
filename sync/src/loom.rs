//! This crate's sync shim (CONTRIBUTING.md, rule 8): the primitives' atomics, locks and
//! shared state come from here, so their protocols run unchanged inside the loom models
//! (`src/tests/loom_sync.rs`) with `--cfg eddy_loom`.

#[cfg(not(eddy_loom))]
mod imp {
    pub(crate) use std::sync::Arc;

    pub(crate) mod atomic {
        pub(crate) use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    }

    pub(crate) mod sync {
        pub(crate) use parking_lot::{Mutex, MutexGuard, RwLock, RwLockReadGuard};
    }
}

#[cfg(eddy_loom)]
mod imp {
    pub(crate) use loom::sync::Arc;

    pub(crate) mod atomic {
        pub(crate) use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
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
