//! One pool thread: run queued jobs, go idle, exit after the keep-alive.

use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};

use super::schedule::Scheduler;
use crate::task::Notified;

use super::shared::{IdleSlot, Idled, Queued, Shared};
use crate::loom::Arc;

crate::loom::const_thread_local! {
    /// The pool this thread belongs to and its id in it, for `BlockingSpawner::try_current`
    /// and for a shutdown called from one of the pool's own jobs.
    static CURRENT: RefCell<Option<(Arc<Shared>, usize)>> = RefCell::new(None);
}

/// What a job asked to run once it has completed ([`after_job`]).
type Deferred = Vec<Box<dyn FnOnce()>>;

crate::loom::const_thread_local! {
    /// While this pool thread runs a job: what it deferred. `None` outside a job.
    static AFTER_JOB: RefCell<Option<Deferred>> = RefCell::new(None);
}

/// Runs `f` once the blocking job running on this thread has completed — its output
/// stored and its `JoinHandle` woken — or at once when the calling thread is not running
/// a pool job (any other thread, or a pool thread between jobs).
///
/// For work whose effect must not be seen before the job's result: the runtime uses it to
/// let a paused clock auto-advance again only after the task awaiting the job has been
/// woken, so the clock cannot jump past a deadline in between. A panic in `f` is caught
/// and dropped; the thread lives on.
///
/// # Examples
///
/// ```
/// use std::sync::mpsc;
///
/// let pool = eddy_executor::blocking::BlockingPool::new(1);
/// let (tx, rx) = mpsc::channel();
/// let job = pool.run(move || {
///     let later = tx.clone();
///     eddy_executor::blocking::after_job(move || later.send("after").unwrap());
///     tx.send("during").unwrap();
///     7
/// });
/// assert_eq!(eddy_executor::block_on(job).unwrap(), 7);
/// assert_eq!(rx.recv().unwrap(), "during");
/// assert_eq!(rx.recv().unwrap(), "after");
/// ```
pub fn after_job(f: impl FnOnce() + 'static) {
    let mut f = Some(Box::new(f) as Box<dyn FnOnce()>);
    let _ = AFTER_JOB.try_with(|slot| {
        if let Some(deferred) = slot.borrow_mut().as_mut() {
            deferred.extend(f.take());
        }
    });
    if let Some(f) = f {
        f();
    }
}

/// Runs `task` (a job), then what it deferred with [`after_job`].
fn run_job(task: Notified<Scheduler>) {
    AFTER_JOB.with(|slot| *slot.borrow_mut() = Some(Vec::new()));
    // Panics in the closure are caught by the task harness and reported through the
    // JoinHandle; the thread lives on.
    task.run();
    let deferred = AFTER_JOB.with(|slot| slot.borrow_mut().take());
    for f in deferred.into_iter().flatten() {
        let _ = catch_unwind(AssertUnwindSafe(f));
    }
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
                run_job(task);
                shared.job_finished(id);
            } else {
                run_job(task);
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
