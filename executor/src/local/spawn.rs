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
    match try_spawn_local(future, SpawnMeta::caller()) {
        Ok(join) => join,
        Err(_) => panic!(
            "spawn_local needs a LocalSet or a current-thread runtime: neither runs on this \
             thread. Spawn from inside `LocalSet::run_until(future)` (in eddy, \
             `local.block_on(&rt, future)`) or from a task of the set, spawn onto a set \
             directly with `local.spawn_local(..)`, or run on a current-thread runtime. A \
             `Send` future can use `eddy::spawn` instead"
        ),
    }
}

/// [`spawn_local`] without the panic: spawns on the [`LocalSet`](crate::local::LocalSet)
/// running on this thread, else on the current-thread scheduler whose loop runs here (if
/// this thread owns its local tasks), else gives the future back.
///
/// # Examples
///
/// ```
/// use eddy_executor::task::{try_spawn_local, SpawnMeta};
///
/// // Nothing keeps tasks on this thread: the future comes back.
/// assert!(try_spawn_local(async {}, SpawnMeta::caller()).is_err());
///
/// let rt = eddy_executor::Builder::new().build_current_thread().unwrap();
/// let answer = rt.block_on(async {
///     let task = try_spawn_local(async { 7 }, SpawnMeta::caller()).ok().unwrap();
///     task.await.unwrap()
/// });
/// assert_eq!(answer, 7);
/// ```
pub fn try_spawn_local<F>(future: F, meta: SpawnMeta<'_>) -> Result<JoinHandle<F::Output>, F>
where
    F: Future + 'static,
    F::Output: 'static,
{
    if let Some(set) = context::current() {
        return Ok(set.spawn(future, meta));
    }
    crate::current_thread::spawn_local_here(future, meta)
}
