//! Tasks — asyncio's `Task` and `create_task`.
//!
//! [`spawn`] starts a future as a task on the current runtime and returns a
//! [`JoinHandle`] to await its output, [`abort`](JoinHandle::abort) it (asyncio's
//! `cancel()`) or check [`is_finished`](JoinHandle::is_finished). A task that panics
//! reports the panic through its handle as a [`JoinError`]; the runtime carries on.
//!
//! Blocking calls go to [`spawn_blocking`] (also [`eddy::run_in_executor`](crate::run_in_executor)),
//! which runs them on the runtime's pool of blocking threads, or to your own
//! [`BlockingPool`] — asyncio's `run_in_executor(executor, f)` with your own executor.
//! `docs/blocking.md` tells the pool's story: the cap, the keep-alive, and what shutdown
//! waits for. A task that must block where it is (its closure borrows from the task, or
//! is not `Send`) calls [`block_in_place`]: its worker hands its queued tasks to the
//! others first.
//!
//! [`JoinSet`] (`join_set/`) holds many tasks and joins them as they finish — asyncio's
//! `TaskGroup`: dropping it aborts what is left.
//!
//! A future that is not `Send` (it holds an `Rc`, a `RefCell`, a `!Send` handle) runs as
//! a local task: [`LocalSet`] (`local_set.rs`) keeps a set of them on the thread that
//! drives it, and [`spawn_local`] spawns onto the set running on this thread.
//!
//! Every task has an [`Id`], the source location of its spawn (recorded by
//! `#[track_caller]`) and, if spawned through [`Builder`] (`builder.rs`), a name:
//! [`JoinHandle::info`] returns them, [`id`] / [`try_id`] give the current task's id
//! (asyncio's `current_task()`), and [`Handle::tasks`] lists the live tasks (asyncio's
//! `all_tasks()`). Debug mode's reports name tasks the same way (docs/debugging.md).
//!
//! [`task_local!`](crate::task_local!) declares a [`LocalKey`] (`task_local.rs`), a value
//! set for the polls of one future with [`LocalKey::scope`] — asyncio's `contextvars`,
//! following the task from worker to worker.
//!
//! Each poll of a task has a budget of resource operations (`coop.rs`): when it is spent,
//! eddy's channels, sockets and timers return `Pending` so the other tasks run.
//! [`consume_budget`] spends a unit in a loop that touches none of them; [`unconstrained`]
//! lifts the budget for one future.

use std::future::Future;

mod builder;
mod coop;
mod join_set;
mod local_set;
mod spawn_local;
mod task_local;

pub use self::builder::Builder;
pub use self::coop::{consume_budget, unconstrained, Unconstrained};
pub use self::join_set::JoinSet;
pub use self::local_set::LocalSet;
pub use self::spawn_local::spawn_local;
#[doc(hidden)]
pub use self::task_local::__private;
pub use self::task_local::{AccessError, LocalKey, TaskLocalFuture};
pub use eddy_executor::blocking::{BlockingPool, BlockingSpawner};
use eddy_executor::task::SpawnMeta;
pub use eddy_executor::task::{
    id, try_id, yield_now, AbortHandle, Id, JoinError, JoinHandle, TaskInfo, TaskSnapshot,
    TaskState,
};

use crate::runtime::{context, Handle};

/// Spawns `future` as a task on the current runtime — asyncio's `asyncio.create_task`.
///
/// # Panics
///
/// Outside a runtime (not in a task or inside `block_on`), naming the fix; use
/// [`Handle::spawn`] from other threads.
///
/// # Examples
///
/// ```
/// eddy::run(async {
///     let task = eddy::task::spawn(async { "hello from a task" });
///     assert_eq!(task.await.unwrap(), "hello from a task");
/// });
/// ```
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let meta = SpawnMeta::caller();
    let mut future = Some(future);
    match context::with_current(|handle| {
        handle.spawn_with(future.take().expect("spawned once"), meta)
    }) {
        Some(join) => join,
        None => panic!(
            "`eddy::spawn` called outside a runtime: {}",
            Handle::try_current().unwrap_err()
        ),
    }
}

/// Runs the blocking function `f` on the current runtime's blocking pool and returns a
/// handle to await its result — asyncio's `loop.run_in_executor(None, f)` and
/// `asyncio.to_thread(f)`, tokio's `spawn_blocking`. Also available as
/// [`eddy::run_in_executor`](crate::run_in_executor).
///
/// Use it for calls that would stall a worker: file I/O, a blocking library, CPU-heavy
/// work. The workers keep running tasks meanwhile.
///
/// * Threads start on demand, up to [`Builder::max_blocking_threads`](crate::Builder::max_blocking_threads)
///   (512 by default); beyond that, jobs wait in FIFO order. An idle thread exits after
///   [`Builder::blocking_keep_alive`](crate::Builder::blocking_keep_alive) (10 s).
/// * A panic in `f` comes back as a [`JoinError`] with `is_panic()`; the thread lives on.
/// * [`JoinHandle::abort`] cancels a job that has not started, at once; a running job
///   runs to the end (a thread cannot be interrupted). Dropping the handle detaches the
///   job; it still runs.
/// * At runtime shutdown, queued jobs are cancelled and running ones are waited for
///   (see [`Runtime`](crate::Runtime) for the bounded variants).
/// * If no pool thread runs and the OS refuses to start one (`EAGAIN`, as under
///   `RLIMIT_NPROC`), the job is refused: a [`JoinError`] with `is_cancelled()` whose
///   message and `source()` give the OS error. A later job tries to start a thread again.
///
/// # Panics
///
/// Outside a runtime (not in a task, a blocking job, or `block_on`), naming the fix; use
/// [`Handle::run_in_executor`] from other threads.
///
/// # Examples
///
/// ```
/// eddy::run(async {
///     let config = eddy::task::spawn_blocking(|| std::fs::read_to_string("Cargo.toml"));
///     let text = config.await.unwrap().unwrap();
///     assert!(text.contains("[package]"));
/// });
/// ```
#[track_caller]
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let meta = SpawnMeta::caller();
    let mut f = Some(f);
    match context::with_current(|handle| {
        handle.run_in_executor_with(f.take().expect("run once"), meta)
    }) {
        Some(join) => join,
        None => panic!(
            "`eddy::run_in_executor` (`spawn_blocking`) called outside a runtime: {}",
            Handle::try_current().unwrap_err()
        ),
    }
}

/// Runs the blocking function `f` right here, on the current worker thread, after the
/// worker has handed its queued tasks to the other workers — tokio's `block_in_place`.
/// The rest of the runtime keeps running tasks, timers and I/O while `f` blocks; when it
/// returns, the worker carries on with the calling task.
///
/// Prefer [`spawn_blocking`] (`run_in_executor`); reach for this when `f` cannot move to
/// another thread: it borrows from the task, or holds something that is not `Send`.
///
/// * Tasks woken or spawned on this thread while `f` runs go to the other workers.
/// * Inside `f` blocking calls are allowed: [`Runtime::block_on`](crate::Runtime::block_on),
///   a channel's `blocking_recv`, a nested `block_in_place`.
/// * The calling task's other futures (the other branches of a `join!` or `select!`)
///   wait until `f` returns.
/// * **While every worker is inside `block_in_place`, no task runs** (and no worker
///   waits on timers or I/O) until one returns. With one worker thread that is every
///   call: the queued tasks wait for `f`. tokio starts a replacement worker thread for
///   the duration; eddy does not (yet).
/// * Outside a runtime, on a blocking-pool thread, or in `Runtime::block_on`'s own
///   future (not a worker), it just runs `f`.
///
/// # Panics
///
/// A panic in `f` propagates to the caller, as in any code of the task (its
/// [`JoinHandle`] reports it); the worker is left as it was.
///
/// # Examples
///
/// ```
/// use std::sync::mpsc;
///
/// let rt = eddy::Runtime::builder().worker_threads(2).build().unwrap();
/// let answer = rt.block_on(async {
///     eddy::spawn(async {
///         let (tx, rx) = mpsc::channel();
///         // Queued on this worker; block_in_place hands it to the other one.
///         let helper = eddy::spawn(async move { tx.send(21).unwrap() });
///         let got = eddy::task::block_in_place(|| rx.recv().unwrap());
///         helper.await.unwrap();
///         got * 2
///     })
///     .await
///     .unwrap()
/// });
/// assert_eq!(answer, 42);
/// ```
#[track_caller]
pub fn block_in_place<F, R>(f: F) -> R
where
    F: FnOnce() -> R,
{
    eddy_executor::block_in_place(f)
}

/// `spawn_blocking` for writes that must not be lost: still run if queued at shutdown.
#[track_caller]
pub(crate) fn spawn_mandatory_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let mut f = Some(f);
    match context::with_current(|handle| {
        handle.run_in_executor_mandatory(f.take().expect("run once"))
    }) {
        Some(join) => join,
        None => panic!(
            "an `eddy::fs::File` write was started outside a runtime: {}",
            Handle::try_current().unwrap_err()
        ),
    }
}
