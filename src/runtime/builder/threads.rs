//! The threads a runtime starts — workers and blocking threads — and what runs on them
//! first and last: the runtime made current, the user's start and stop hooks. And the
//! blocking pool, whose threads are made that way.

use std::io;
use std::sync::{Arc, OnceLock};

use eddy_executor::blocking::{BlockingPool, BlockingSpawner};

use super::{Builder, Hook};
use crate::runtime::driver::Driver;
use crate::runtime::{context, report, Handle};

impl Builder {
    /// The pool for `run_in_executor`. Its threads make the runtime current (so
    /// `eddy::spawn` and `Handle::current()` work in a job); the hook finds the executor
    /// in a slot filled once the executor is built (no job can run before that: jobs
    /// are submitted through the runtime's handle).
    pub(super) fn build_blocking_pool(
        &self,
        driver: &Arc<Driver>,
        seed: u64,
    ) -> io::Result<(BlockingPool, Arc<OnceLock<eddy_executor::Spawner>>)> {
        let slot = Arc::new(OnceLock::<eddy_executor::Spawner>::new());
        let (for_threads, driver) = (slot.clone(), Arc::downgrade(driver));
        let (on_start, on_stop) = (self.on_thread_start.clone(), self.on_thread_stop.clone());
        let workers = self.executor.thread_settings();
        let mut builder = BlockingPool::builder();
        if self.blocking.named_after_workers {
            builder.thread_name(format!("{}-blocking", workers.name()));
        }
        if let Some(bytes) = workers.stack_size() {
            builder.thread_stack_size(bytes);
        }
        builder
            .max_threads(self.blocking.max_threads)
            .keep_alive(self.blocking.keep_alive)
            .on_thread_start(move || {
                let parts = match (
                    for_threads.get().cloned(),
                    driver.upgrade(),
                    BlockingSpawner::try_current(),
                ) {
                    (Some(spawner), Some(driver), Some(blocking)) => {
                        Some((spawner, driver, blocking))
                    }
                    _ => None,
                };
                thread_started(parts, seed, on_start.as_ref());
            })
            .on_thread_stop(move || thread_stopping(on_stop.as_ref()))
            .debug(self.debug)
            .on_report(report::emit);
        Ok((builder.build()?, slot))
    }
}

/// On a thread the runtime started (a worker or a blocking thread), before it runs
/// anything: makes the runtime current there (if its parts are still alive), then calls
/// the user's `on_thread_start`.
pub(super) fn thread_started(
    parts: Option<(eddy_executor::Spawner, Arc<Driver>, BlockingSpawner)>,
    seed: u64,
    on_start: Option<&Hook>,
) {
    if let Some((spawner, driver, blocking)) = parts {
        context::set_for_worker(Handle {
            spawner,
            driver,
            blocking,
            seed,
        });
    }
    if let Some(f) = on_start {
        f();
    }
}

/// As such a thread stops: the user's `on_thread_stop` (the runtime still current), then
/// the runtime is forgotten.
pub(super) fn thread_stopping(on_stop: Option<&Hook>) {
    if let Some(f) = on_stop {
        f();
    }
    context::clear_for_worker();
}
