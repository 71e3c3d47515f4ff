//! The current-thread scheduler: asyncio's event loop, on the thread that calls
//! `block_on`.
//!
//! | file | what |
//! |---|---|
//! | `mod.rs` | [`CurrentThread`]: owns the scheduler, shuts it down |
//! | `shared.rs` | what all handles share: the injector, the owned tasks, the parked core, where a woken task goes |
//! | `core.rs` | the loop that `block_on` runs, and the thread-local "this thread runs it" |
//!
//! There are no worker threads. `block_on` takes the **core** (the FIFO run queue, the
//! yielded list, the tick and the random source) and runs the main future and the tasks
//! on the calling thread, parking in the park hook (timers and I/O) when nothing is
//! ready. Another thread calling `block_on` meanwhile polls its own future alone and takes
//! the core when it comes back. Tasks spawned while nobody runs the loop wait in the core
//! for the next `block_on`.
//!
//! A wake on the loop's thread pushes to the back of the run queue (no lock, no atomic
//! beyond the task's state word); from another thread it goes to the injector (a mutex)
//! and unparks the loop. Every 61 ticks the injector is served first and the park hook's
//! maintenance runs (due timers, I/O without blocking), as on the workers.
//!
//! **Local tasks** (`spawn_local`) are tasks of this scheduler whose futures need not be
//! `Send`. They belong to the first thread that spawns one: only that thread may spawn
//! more, and a loop run by another thread sets their queue entries aside until the owner
//! runs it again. At shutdown on the owner thread their futures are dropped; on another
//! thread they cannot be, and are leaked.

mod core;
mod shared;

use std::fmt;
use std::future::Future;
use std::sync::Arc as StdArc;
use std::time::Duration;

pub(crate) use self::core::{block_on, current, runs_here, spawn_local_here};
pub(crate) use self::shared::Handle;
use crate::debug::{DebugConfig, Report};
use crate::park::Park;
use crate::Spawner;

/// The current-thread scheduler: tasks run on the thread inside [`block_on`]
/// (asyncio's model). Built with [`Builder::build_current_thread_with_park`].
///
/// Dropping it shuts it down: every task's future is dropped (their `JoinHandle`s report
/// cancellation), after waiting for a `block_on` on another thread to give the run queue
/// back.
///
/// [`block_on`]: CurrentThread::block_on
/// [`Builder::build_current_thread_with_park`]: crate::Builder::build_current_thread_with_park
///
/// # Examples
///
/// ```
/// let rt = eddy_executor::Builder::new().build_current_thread().unwrap();
/// let spawner = rt.spawner();
/// let thread = std::thread::current().id();
/// let ran_on = rt.block_on(async move {
///     spawner.spawn(async { std::thread::current().id() }).await.unwrap()
/// });
/// assert_eq!(ran_on, thread);
/// ```
pub struct CurrentThread {
    handle: Handle,
    shut_down: bool,
}

impl CurrentThread {
    pub(crate) fn new(park: StdArc<dyn Park>, debug: DebugConfig, seed: u64) -> CurrentThread {
        CurrentThread {
            handle: Handle::new(park, debug, seed),
            shut_down: false,
        }
    }

    /// Runs `future` to completion on this thread, running the scheduler's tasks here
    /// while it waits.
    ///
    /// # Panics
    ///
    /// With "this event loop is already running" when called from async code.
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        core::block_on(&self.handle, future)
    }

    /// A handle for spawning tasks.
    pub fn spawner(&self) -> Spawner {
        Spawner::current_thread(self.handle.clone())
    }

    /// Shuts down, waiting at most `timeout` for a `block_on` on another thread to give
    /// the run queue back. Returns true if it did (or nobody held it).
    pub fn shutdown_timeout(mut self, timeout: Duration) -> bool {
        self.shutdown(Some(timeout))
    }

    fn shutdown(&mut self, timeout: Option<Duration>) -> bool {
        if std::mem::replace(&mut self.shut_down, true) {
            return true;
        }
        let handle = &self.handle;
        handle.begin_shutdown();
        if handle.debug.enabled {
            for snapshot in handle
                .owned
                .snapshot()
                .into_iter()
                .chain(handle.local_tasks())
            {
                handle.debug.report(Report::PendingAtShutdown {
                    task: snapshot.info,
                    state: snapshot.state,
                });
            }
        }
        let core = if core::runs_here(handle) {
            // Dropped inside our own loop: the core is this thread's, given back (and
            // its entries dropped with the shared state) when the loop returns.
            None
        } else {
            handle.wait_for_core(timeout)
        };
        let returned = core.is_some() || core::runs_here(handle);
        handle.owned.close_and_shutdown_all();
        let here = std::thread::current().id();
        // With no owner yet, this thread becomes it: no other can bind a local task now.
        if handle.claim_local_owner(here) == here {
            // SAFETY: this is the owner thread.
            unsafe { handle.owned_local.close_and_shutdown_all() };
        } else {
            // Their futures may only be dropped on their thread: they are leaked.
            handle.owned_local.close();
        }
        drop(core);
        handle.drain_injector();
        returned
    }
}

impl Drop for CurrentThread {
    fn drop(&mut self) {
        self.shutdown(None);
    }
}

impl fmt::Debug for CurrentThread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CurrentThread")
            .field("handle", &self.handle)
            .finish()
    }
}
