//! `spawn_local`: a task whose future need not be `Send`.

use std::future::Future;

use eddy_executor::task::SpawnMeta;

use super::JoinHandle;
use crate::runtime::Handle;

/// Spawns a future that need not be `Send` (it may hold an `Rc`, a `RefCell`, a client
/// that is not thread-safe) as a task that runs only on this thread — asyncio's
/// `create_task`, where everything is on one thread.
///
/// It goes to the [`LocalSet`](super::LocalSet) running on this thread (inside
/// [`LocalSet::run_until`](super::LocalSet::run_until) or
/// [`LocalSet::block_on`](super::LocalSet::block_on), or in one of its tasks: on any
/// runtime), else to the [current-thread](crate::Builder::new_current_thread) runtime of
/// this thread (inside its `block_on`, in its tasks, and in `#[eddy::test]`, which uses
/// one). The first thread to spawn a local task on a current-thread runtime owns its
/// local tasks: they run when that thread runs the loop.
///
/// Abort, [`JoinError`](super::JoinError) and debug mode work as for other tasks.
///
/// # Panics
///
/// Elsewhere (on a multi-thread runtime, outside any runtime, or on a thread other than
/// the one owning the runtime's local tasks), naming the fix.
///
/// # Examples
///
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
///
/// let rt = eddy::Builder::new_current_thread().build().unwrap();
/// let log = rt.block_on(async {
///     let log = Rc::new(RefCell::new(Vec::new()));
///     let tasks: Vec<_> = (0..3)
///         .map(|i| {
///             let log = log.clone();
///             eddy::task::spawn_local(async move { log.borrow_mut().push(i) })
///         })
///         .collect();
///     for task in tasks {
///         task.await.unwrap();
///     }
///     log.take()
/// });
/// assert_eq!(log, [0, 1, 2]);
/// ```
#[track_caller]
pub fn spawn_local<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let meta = SpawnMeta::caller();
    // A LocalSet here, or a current-thread loop running here.
    let future = match eddy_executor::task::try_spawn_local(future, meta) {
        Ok(join) => return join,
        Err(future) => future,
    };
    // A current-thread runtime entered here (`Runtime::enter`) without running its loop.
    let handle = Handle::try_current().ok();
    match handle {
        Some(handle) if handle.is_current_thread() => {
            match handle.spawner.spawn_local(future, meta) {
                Ok(join) => join,
                Err(_) => panic!(
                    "`eddy::task::spawn_local` called on a thread that does not own this \
                     current-thread runtime's local tasks: they run on the thread that \
                     spawned the first one. Spawn local tasks from that thread, or use an \
                     `eddy::task::LocalSet` on this one"
                ),
            }
        }
        _ => panic!(
            "spawn_local needs a LocalSet or a current-thread runtime: call it inside \
             `LocalSet::run_until` / `LocalSet::block_on` (any runtime), or inside \
             `block_on` of `eddy::Builder::new_current_thread()` (or in `#[eddy::test]`). On \
             a multi-thread runtime, use `eddy::spawn` for `Send` futures"
        ),
    }
}
