use std::fmt;
use std::io;

use std::sync::Arc;

use super::driver::Driver;
use super::{context, Handle, Runtime};

/// Configures and builds a [`Runtime`].
///
/// # Examples
///
/// ```
/// let rt = eddy::Runtime::builder()
///     .worker_threads(2)
///     .thread_name("api-worker")
///     .build()
///     .unwrap();
/// assert_eq!(rt.block_on(async { 40 + 2 }), 42);
/// ```
pub struct Builder {
    executor: eddy_executor::Builder,
}

impl Builder {
    /// The defaults: one worker per CPU core, threads named `eddy-worker-{i}`.
    pub fn new() -> Builder {
        Builder {
            executor: eddy_executor::Builder::new(),
        }
    }

    /// The number of worker threads that run tasks (default: one per CPU core, from
    /// `std::thread::available_parallelism`). Zero makes [`build`](Self::build) fail with
    /// an error naming this setter.
    pub fn worker_threads(&mut self, n: usize) -> &mut Builder {
        self.executor.worker_threads(n);
        self
    }

    /// The worker threads' name; each gets `-{index}` appended (default `eddy-worker`).
    pub fn thread_name(&mut self, name: impl Into<String>) -> &mut Builder {
        self.executor.thread_name(name);
        self
    }

    /// The worker threads' stack size in bytes (default: the platform's, as std uses).
    pub fn thread_stack_size(&mut self, bytes: usize) -> &mut Builder {
        self.executor.thread_stack_size(bytes);
        self
    }

    /// Builds the runtime and starts its workers.
    ///
    /// # Errors
    ///
    /// `InvalidInput` for `worker_threads(0)`; the OS error if a thread or the I/O poller
    /// cannot be created.
    pub fn build(&mut self) -> io::Result<Runtime> {
        // Each worker makes the runtime current on its thread before running any task,
        // and forgets it when it stops. The hooks cannot capture the Handle (the workers
        // own the hooks: a cycle); the worker's own executor is current when they run.
        let driver = Arc::new(Driver::new(self.executor.resolved_worker_threads().max(1))?);
        let for_workers = Arc::downgrade(&driver);
        self.executor.on_thread_start(move || {
            let spawner = eddy_executor::Spawner::try_current();
            if let (Some(spawner), Some(driver)) = (spawner, for_workers.upgrade()) {
                context::set_for_worker(Handle { spawner, driver });
            }
        });
        self.executor.on_thread_stop(context::clear_for_worker);
        let park = driver.clone();
        let executor = self.executor.build_with_park(move |_| park)?;
        let handle = Handle {
            spawner: executor.spawner(),
            driver,
        };
        Ok(Runtime::from_parts(handle, executor))
    }
}

impl Default for Builder {
    fn default() -> Builder {
        Builder::new()
    }
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("executor", &self.executor)
            .finish()
    }
}
