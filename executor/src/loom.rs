//! The one sync shim of this crate (CONTRIBUTING.md, rule 8).
//!
//! Every atomic, cell, lock and thread spawn in the executor is imported from here. Under
//! `--cfg eddy_loom` the same names resolve to [loom](https://docs.rs/loom)'s
//! model-checked types, so the task state machine, the queues and the parker run
//! unchanged inside loom models. `UnsafeCell` always has loom's closure API (`with` /
//! `with_mut`) so that code is written once.

#[cfg(not(eddy_loom))]
mod imp {
    pub(crate) use std::sync::Arc;

    pub(crate) mod atomic {
        pub(crate) use std::sync::atomic::{fence, AtomicBool, AtomicU64, AtomicUsize, Ordering};
    }

    pub(crate) mod sync {
        pub(crate) use parking_lot::{Condvar, Mutex, MutexGuard};
    }

    pub(crate) mod thread {
        #[allow(unused_imports)]
        pub(crate) use std::thread::{spawn, Builder, JoinHandle};
    }

    /// `UnsafeCell` with loom's closure API: the raw pointer only escapes into a closure.
    #[derive(Debug)]
    pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

    impl<T> UnsafeCell<T> {
        pub(crate) const fn new(value: T) -> UnsafeCell<T> {
            UnsafeCell(std::cell::UnsafeCell::new(value))
        }

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

#[cfg(eddy_loom)]
mod imp {
    pub(crate) use loom::cell::UnsafeCell;
    pub(crate) use loom::sync::Arc;

    pub(crate) mod atomic {
        pub(crate) use loom::sync::atomic::{fence, AtomicBool, AtomicU64, AtomicUsize, Ordering};
    }

    pub(crate) mod sync {
        //! loom's `Mutex` and `Condvar` behind parking_lot's poison-free signatures.
        use std::ops::{Deref, DerefMut};

        #[derive(Debug)]
        pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);

        /// Holds loom's guard in an `Option` so that `Condvar::wait` can take it out and
        /// put the re-acquired one back behind parking_lot's `&mut guard` signature. If
        /// loom panics inside the wait (its deadlock report), the slot is simply empty.
        pub(crate) struct MutexGuard<'a, T>(
            Option<loom::sync::MutexGuard<'a, T>>,
            &'a loom::sync::Mutex<T>,
        );

        impl<T> Mutex<T> {
            pub(crate) fn new(value: T) -> Mutex<T> {
                Mutex(loom::sync::Mutex::new(value))
            }

            pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
                MutexGuard(Some(self.0.lock().unwrap()), &self.0)
            }
        }

        impl<T> Deref for MutexGuard<'_, T> {
            type Target = T;

            fn deref(&self) -> &T {
                self.0.as_ref().expect("guard taken by a condvar wait")
            }
        }

        impl<T> DerefMut for MutexGuard<'_, T> {
            fn deref_mut(&mut self) -> &mut T {
                self.0.as_mut().expect("guard taken by a condvar wait")
            }
        }

        #[derive(Debug)]
        pub(crate) struct Condvar(loom::sync::Condvar);

        impl Condvar {
            pub(crate) fn new() -> Condvar {
                Condvar(loom::sync::Condvar::new())
            }

            pub(crate) fn wait<T>(&self, guard: &mut MutexGuard<'_, T>) {
                let inner = guard.0.take().expect("guard taken by a condvar wait");
                guard.0 = Some(self.0.wait(inner).unwrap());
            }

            pub(crate) fn notify_one(&self) -> bool {
                self.0.notify_one();
                true
            }

            pub(crate) fn notify_all(&self) -> usize {
                self.0.notify_all();
                0
            }

            /// loom has no clock. A timed wait is a wait for a notification (as the
            /// Parker's timed park is), so a model that relied on the timeout to notice
            /// new work deadlocks and loom reports it — except that a timeout under
            /// 1 ms models an expiry: the lock is released, other threads may run, and
            /// the wait reports a timeout (so a model can race a submit against an idle
            /// thread's keep-alive running out).
            pub(crate) fn wait_for<T>(
                &self,
                guard: &mut MutexGuard<'_, T>,
                timeout: std::time::Duration,
            ) -> WaitTimeoutResult {
                if timeout < std::time::Duration::from_millis(1) {
                    drop(guard.0.take());
                    loom::thread::yield_now();
                    guard.0 = Some(guard.1.lock().unwrap());
                    return WaitTimeoutResult(true);
                }
                self.wait(guard);
                WaitTimeoutResult(false)
            }
        }

        /// parking_lot's `WaitTimeoutResult`; never timed out under loom.
        #[derive(Debug, Clone, Copy)]
        pub(crate) struct WaitTimeoutResult(bool);

        impl WaitTimeoutResult {
            pub(crate) fn timed_out(self) -> bool {
                self.0
            }
        }
    }

    pub(crate) mod thread {
        #[allow(unused_imports)]
        pub(crate) use loom::thread::{spawn, Builder, JoinHandle};
    }
}

pub(crate) use imp::*;

/// Statistics counters (per-worker metrics, a task's poll count): std atomics even under
/// loom. They order nothing and no protocol reads them, so modelling them would only
/// multiply a model's interleavings; each is written by one thread with a relaxed load
/// and store and read, approximately, by whoever asks for metrics.
pub(crate) mod stats {
    pub(crate) use std::sync::atomic::AtomicU64;
    use std::sync::atomic::Ordering::Relaxed;

    /// Adds one to a counter that only the calling thread writes: a relaxed load and
    /// store (two plain moves on x86 and ARM), not a read-modify-write.
    #[inline]
    pub(crate) fn bump(counter: &AtomicU64) {
        counter.store(counter.load(Relaxed).wrapping_add(1), Relaxed);
    }

    /// Reads a counter for a metrics snapshot.
    #[inline]
    pub(crate) fn read(counter: &AtomicU64) -> u64 {
        counter.load(Relaxed)
    }
}

/// A thread-local with a `const` initialiser (no lazy-init check on the hot path), or
/// loom's thread-local under `eddy_loom` (loom threads share one OS thread).
macro_rules! const_thread_local {
    ($(#[$attr:meta])* static $name:ident: $t:ty = $init:expr;) => {
        #[cfg(not(eddy_loom))]
        std::thread_local! { $(#[$attr])* static $name: $t = const { $init }; }
        #[cfg(eddy_loom)]
        loom::thread_local! { $(#[$attr])* static $name: $t = $init; }
    };
}
pub(crate) use const_thread_local;
