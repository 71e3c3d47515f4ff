//! Tasks — asyncio's `Task` and `create_task`.
//!
//! [`spawn`] starts a future as a task on the current runtime and returns a
//! [`JoinHandle`] to await its output, [`abort`](JoinHandle::abort) it (asyncio's
//! `cancel()`) or check [`is_finished`](JoinHandle::is_finished). A task that panics
//! reports the panic through its handle as a [`JoinError`]; the runtime carries on.
//!
//! [`JoinSet`] (`join_set.rs`) holds many tasks and joins them as they finish — asyncio's
//! `TaskGroup`: dropping it aborts what is left.

use std::future::Future;

mod join_set;

pub use self::join_set::JoinSet;
pub use eddy_executor::task::{yield_now, AbortHandle, Id, JoinError, JoinHandle};

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
    let mut future = Some(future);
    match context::with_current(|handle| handle.spawn(future.take().expect("spawned once"))) {
        Some(join) => join,
        None => panic!(
            "`eddy::spawn` called outside a runtime: {}",
            Handle::try_current().unwrap_err()
        ),
    }
}

// TEMPORARY until the blocking pool merges.
pub(crate) fn spawn_blocking_tmp<R: Send + 'static>(
    f: impl FnOnce() -> R + Send + 'static,
) -> JoinHandle<R> {
    spawn(async move { f() })
}
