//! The facade's sync shim (CONTRIBUTING.md, rule 8): the driver's atomics and locks come
//! from here, so its protocols run unchanged inside the loom
//! models with `--cfg eddy_loom` (`src/tests/loom_driver.rs`, `src/tests/loom_time.rs`).

#[cfg(not(eddy_loom))]
mod imp {
    pub(crate) use std::sync::Arc;

    pub(crate) mod atomic {
        pub(crate) use std::sync::atomic::{
            fence, AtomicBool, AtomicU64, AtomicU8, AtomicUsize, Ordering,
        };
    }

    pub(crate) mod sync {
        pub(crate) use parking_lot::Mutex;
        #[cfg(test)]
        pub(crate) use parking_lot::MutexGuard;

        /// parking_lot's condvar behind loom's guard-passing `wait` (the models' fakes).
        #[cfg(test)]
        #[derive(Debug, Default)]
        pub(crate) struct Condvar(parking_lot::Condvar);

        #[cfg(test)]
        impl Condvar {
            pub(crate) fn wait<'a, T>(&self, mut guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
                self.0.wait(&mut guard);
                guard
            }

            pub(crate) fn notify_all(&self) {
                self.0.notify_all();
            }
        }
    }
}

#[cfg(eddy_loom)]
mod imp {
    pub(crate) use loom::sync::Arc;

    pub(crate) mod atomic {
        pub(crate) use loom::sync::atomic::{
            fence, AtomicBool, AtomicU64, AtomicU8, AtomicUsize, Ordering,
        };
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

            pub(crate) fn into_inner(self) -> T {
                self.0.into_inner().unwrap()
            }
        }

        /// loom's condvar without the poisoning (the models' fakes).
        #[cfg(test)]
        #[derive(Debug, Default)]
        pub(crate) struct Condvar(loom::sync::Condvar);

        #[cfg(test)]
        impl Condvar {
            pub(crate) fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
                self.0.wait(guard).unwrap()
            }

            pub(crate) fn notify_all(&self) {
                self.0.notify_all();
            }
        }

        #[cfg(test)]
        pub(crate) use loom::sync::MutexGuard;
    }
}

pub(crate) use imp::*;

/// Thread spawning for the models: loom's threads under loom, std's otherwise.
#[cfg(test)]
pub(crate) mod thread {
    #[cfg(eddy_loom)]
    pub(crate) use loom::thread::{spawn, JoinHandle};
    #[cfg(not(eddy_loom))]
    pub(crate) use std::thread::{spawn, JoinHandle};
}
