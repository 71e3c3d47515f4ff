//! The free function [`spawn_local`]: spawns onto whatever keeps tasks on this thread.

use std::future::Future;

use super::context;
use crate::task::{JoinHandle, SpawnMeta};

/// Spawns `future` as a task that stays on this thread, so neither it nor its output
/// need be `Send` — tokio's `task::spawn_local`. It goes to the
/// [`LocalSet`](crate::local::LocalSet) running on this thread (the innermost one, when
/// sets nest): call it from inside [`LocalSet::run_until`](crate::local::LocalSet::run_until)'s
/// future or from one of the set's tasks.
///
/// # Panics
///
/// When no `LocalSet` runs on this thread (from a task of the multi-threaded executor,
/// say, or from plain code), with a message naming the fix.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
///
/// let local = eddy_executor::local::LocalSet::new();
/// let answer = eddy_executor::block_on(local.run_until(async {
///     let shared = Rc::new(21);
///     let doubled = eddy_executor::task::spawn_local({
///         let shared = shared.clone();
///         async move { *shared * 2 }
///     });
///     doubled.await.unwrap()
/// }));
/// assert_eq!(answer, 42);
/// ```
///
/// ```should_panic
/// // No LocalSet is running here: "spawn_local needs a LocalSet or a current-thread
/// // runtime: ..."
/// eddy_executor::task::spawn_local(async {});
/// ```
#[track_caller]
pub fn spawn_local<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let meta = SpawnMeta::caller();
    if let Some(set) = context::current() {
        return set.spawn(future, meta);
    }
    match spawn_without_local_set(future, meta) {
        Some(join) => join,
        None => panic!(
            "spawn_local needs a LocalSet or a current-thread runtime: no LocalSet is \
             running on this thread. Spawn from inside `LocalSet::run_until(future)` (in \
             eddy, `local.block_on(&rt, future)`) or from a task of the set, spawn onto a \
             set directly with `local.spawn_local(..)`, or run on a current-thread \
             runtime. A `Send` future can use `eddy::spawn` instead"
        ),
    }
}

/// Where [`spawn_local`] goes when no `LocalSet` runs on this thread: `None`, so it
/// panics. This is the place for a scheduler that keeps every task on its own thread
/// (a current-thread runtime running here) to take the task instead.
fn spawn_without_local_set<F>(future: F, meta: SpawnMeta<'_>) -> Option<JoinHandle<F::Output>>
where
    F: Future + 'static,
    F::Output: 'static,
{
    // Dropped here, on the thread that made it.
    drop((future, meta));
    None
}
