//! One pool thread: run queued jobs, go idle, exit after the keep-alive.

use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};

use super::shared::{IdleSlot, Idled, Queued, Shared};
use crate::loom::Arc;

crate::loom::const_thread_local! {
    /// The pool this thread belongs to and its id in it, for `BlockingSpawner::try_current`
    /// and for a shutdown called from one of the pool's own jobs.
    static CURRENT: RefCell<Option<(Arc<Shared>, usize)>> = RefCell::new(None);
}

/// The body of a pool thread.
pub(super) fn run(shared: Arc<Shared>, id: usize) {
    CURRENT.with(|c| *c.borrow_mut() = Some((shared.clone(), id)));
    if let Some(hook) = shared.config.threads.on_start() {
        // A panicking hook must not take the thread down while it is counted: the pool
        // would believe it has a thread that will never take a job.
        let _ = catch_unwind(AssertUnwindSafe(|| hook()));
    }
    let detached = work(&shared, id);
    if let Some(hook) = shared.config.threads.on_stop() {
        let _ = catch_unwind(AssertUnwindSafe(|| hook()));
    }
    let current = CURRENT.try_with(|c| c.borrow_mut().take()).ok().flatten();
    drop(current);
    drop(detached);
}

/// Runs jobs until the thread is told to go, or idles out; returns the thread's own
/// handle if it must detach itself.
fn work(shared: &Arc<Shared>, id: usize) -> Option<crate::loom::thread::JoinHandle<()>> {
    let slot = Arc::new(IdleSlot::new());
    // Started for a job: a searcher until it takes one.
    let mut searching = true;
    loop {
        while let Some(Queued { task, mandatory }) = shared.queue.steal() {
            if searching {
                searching = false;
                // Before running the job, which may block for long: wake the next thread
                // if more jobs wait.
                Shared::end_search(shared);
            }
            if !mandatory && shared.is_shut_down() {
                // Popped while shutdown drains the queue: it is cancelled, like the rest.
                task.shutdown();
            } else if shared.config.debug.enabled {
                shared.job_started(id, task.info());
                task.run();
                shared.job_finished(id);
            } else {
                // Panics in the closure are caught by the task harness and reported
                // through the JoinHandle; the thread lives on.
                task.run();
            }
        }
        if searching {
            searching = false;
            shared.abandon_search();
        }
        match shared.go_idle(&slot) {
            Idled::Woken => searching = true,
            Idled::Work => {}
            Idled::Leave => return shared.detach(id),
        }
    }
}

/// This thread's id in `shared`'s pool, if it is one of its threads.
pub(super) fn current_id(shared: &Shared) -> Option<usize> {
    CURRENT
        .try_with(|c| {
            c.borrow()
                .as_ref()
                .filter(|(pool, _)| std::ptr::eq(&**pool, shared))
                .map(|(_, id)| *id)
        })
        .ok()
        .flatten()
}

/// The pool this thread belongs to, if it is a pool thread.
pub(super) fn current_pool() -> Option<Arc<Shared>> {
    CURRENT
        .try_with(|c| c.borrow().as_ref().map(|(pool, _)| pool.clone()))
        .ok()
        .flatten()
}
