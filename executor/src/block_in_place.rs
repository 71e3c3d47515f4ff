use crate::coop;
use crate::scheduler::context;

/// What `block_in_place` says on a current-thread scheduler, where nobody else can run the
/// thread's tasks: the fix.
const NEEDS_MULTI_THREAD: &str = "block_in_place needs a multi-thread runtime; use \
                                  run_in_executor / spawn_blocking, or \
                                  Builder::new_multi_thread()";

/// Runs the blocking function `f` on the current thread, first making sure the rest of
/// the runtime keeps running without it — tokio's `block_in_place`.
///
/// On a worker thread of an [`Executor`](crate::Executor), the worker first hands every
/// task it has queued (its LIFO slot, its local queue, the tasks that yielded) to the
/// global injector and wakes a parked worker for them; while `f` runs, tasks woken or
/// spawned on this thread (`f` sending on a channel, say) go to the injector too, and the
/// other workers keep firing timers and polling I/O. When `f` returns, the worker
/// carries on with the calling task's poll as before. Unlike
/// [`run_in_executor`](crate::blocking::BlockingSpawner::run), `f` need not be `Send`
/// or `'static`: it may borrow from the task.
///
/// * Inside `f` the thread is no longer running async code: blocking calls are allowed
///   there (`block_on`, a channel's `blocking_recv`, a nested `block_in_place`).
/// * Other futures of the calling task (the other branches of a `join!` or `select!`)
///   wait until `f` returns: only the *other* tasks keep running.
/// * **While every worker is inside `block_in_place`, no task runs** (and no worker
///   waits on timers or I/O) until one of them returns. **With one worker thread**
///   that is every call: the queued tasks wait in the injector for `f` to return.
///   tokio avoids this by starting a replacement worker thread for the duration; eddy
///   does not (yet). There, prefer
///   [`run_in_executor`](crate::blocking::BlockingSpawner::run).
/// * In debug mode the calling task's poll lasts as long as `f`, and is reported as slow
///   (and, while it runs, as stuck) like any other long poll.
/// * Outside a worker — a plain thread, a blocking-pool thread, inside
///   [`block_on`](crate::block_on) — it just runs `f` (still with blocking calls
///   allowed inside it).
///
/// # Panics
///
/// If `f` panics, the panic propagates to the caller (on a worker: the task's poll, whose
/// `JoinHandle` reports it); the worker is left as it was before the call.
///
/// On a current-thread scheduler, where the blocked thread is the only one that can run
/// its tasks, with a message naming the fix ("block_in_place needs a multi-thread runtime;
/// use run_in_executor / spawn_blocking, or Builder::new_multi_thread()").
///
/// # Examples
///
/// A task waits, blocking its worker, for a child that starts out in that worker's own
/// queue: the other worker runs it.
///
/// ```
/// use std::sync::mpsc;
///
/// use eddy_executor::{block_in_place, block_on, Executor};
///
/// let executor = Executor::builder().worker_threads(2).build().unwrap();
/// let spawner = executor.spawner();
/// let task = executor.spawner().spawn(async move {
///     let (tx, rx) = mpsc::channel();
///     let child = spawner.spawn(async move { tx.send(21).unwrap() });
///     let got = block_in_place(|| rx.recv().unwrap());
///     child.await.unwrap();
///     got * 2
/// });
/// assert_eq!(block_on(task).unwrap(), 42);
/// ```
#[track_caller]
pub fn block_in_place<F, R>(f: F) -> R
where
    F: FnOnce() -> R,
{
    if context::current_thread_active() {
        panic!("{NEEDS_MULTI_THREAD}");
    }
    let _region = context::enter_blocking_region();
    // Blocking code is not limited by the task's cooperative budget (restored after).
    coop::unconstrained(f)
}
