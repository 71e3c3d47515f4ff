//! The facade's sync shim (STYLE rule 8): the time driver's atomics, locks and shared
//! entries come from here, so its protocols run unchanged inside loom models with
//! `--cfg eddy_loom` (`src/tests/loom_time.rs`).

#[cfg(not(eddy_loom))]
mod imp {
    pub(crate) use std::sync::Arc;

    pub(crate) mod atomic {
        pub(crate) use std::sync::atomic::{fence, AtomicBool, AtomicU64, AtomicU8, Ordering};
    }

    pub(crate) mod sync {
        pub(crate) use parking_lot::Mutex;
    }
}

#[cfg(eddy_loom)]
mod imp {
    pub(crate) use loom::sync::Arc;

    pub(crate) mod atomic {
        pub(crate) use loom::sync::atomic::{fence, AtomicBool, AtomicU64, AtomicU8, Ordering};
    }

    pub(crate) mod sync {
        /// loom's mutex behind parking_lot's poison-free `lock`.
        #[derive(Debug)]
        pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);

        impl<T> Mutex<T> {
            pub(crate) fn new(value: T) -> Mutex<T> {
                Mutex(loom::sync::Mutex::new(value))
            }

            pub(crate) fn lock(&self) -> loom::sync::MutexGuard<'_, T> {
                self.0.lock().unwrap()
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
