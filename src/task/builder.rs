//! [`Builder`]: spawn a task with a name — asyncio's `create_task(coro, name=...)`.

use std::future::Future;

use eddy_executor::task::SpawnMeta;

use super::JoinHandle;
use crate::runtime::{context, Handle};

/// Spawns a task (or a blocking job) with a name, which debug mode's reports,
/// [`Handle::tasks`] and [`JoinHandle::info`] show next to its id and spawn location.
///
/// The name is copied into one small allocation beside the task; an unnamed task has
/// none.
///
/// # Examples
///
/// ```
/// eddy::run(async {
///     let writer = eddy::task::Builder::new()
///         .name("db-writer")
///         .spawn(async { eddy::task::id() });
///     let info = writer.info();
///     assert_eq!(info.name(), Some("db-writer"));
///     assert_eq!(info.spawned_at().file(), file!());
///     assert_eq!(writer.await.unwrap(), info.id()); // task::id() inside the task
/// });
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Builder<'a> {
    name: Option<&'a str>,
}

impl<'a> Builder<'a> {
    /// A builder for an unnamed task.
    pub fn new() -> Builder<'a> {
        Builder { name: None }
    }

    /// The task's name, as asyncio's `Task.set_name` (names need not be unique).
    pub fn name(self, name: &'a str) -> Builder<'a> {
        Builder { name: Some(name) }
    }

    /// Spawns `future` on the current runtime, as [`eddy::spawn`](crate::spawn) does;
    /// the task records this call's location.
    ///
    /// # Panics
    ///
    /// Outside a runtime, naming the fix; use [`spawn_on`](Self::spawn_on) from other
    /// threads.
    #[track_caller]
    pub fn spawn<F>(self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let meta = SpawnMeta::caller().with_optional_name(self.name);
        let mut future = Some(future);
        match context::with_current(|handle| {
            handle.spawn_with(future.take().expect("spawned once"), meta)
        }) {
            Some(join) => join,
            None => panic!(
                "`task::Builder::spawn` called outside a runtime: {}",
                Handle::try_current().unwrap_err()
            ),
        }
    }

    /// Spawns `future` on the runtime of `handle`, from any thread.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = eddy::Runtime::new().unwrap();
    /// let task = eddy::task::Builder::new()
    ///     .name("from-outside")
    ///     .spawn_on(async { 1 }, rt.handle());
    /// assert_eq!(task.info().name(), Some("from-outside"));
    /// assert_eq!(rt.block_on(task).unwrap(), 1);
    /// ```
    #[track_caller]
    pub fn spawn_on<F>(self, future: F, handle: &Handle) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        handle.spawn_with(future, SpawnMeta::caller().with_optional_name(self.name))
    }

    /// Runs the blocking function `f` on the current runtime's blocking pool, as
    /// [`eddy::run_in_executor`](crate::run_in_executor) does, under this name (debug
    /// mode names it if it outlives shutdown).
    ///
    /// # Panics
    ///
    /// Outside a runtime, naming the fix.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let job = eddy::task::Builder::new().name("checksum").spawn_blocking(|| 6 * 7);
    ///     assert_eq!(job.info().name(), Some("checksum"));
    ///     assert_eq!(job.await.unwrap(), 42);
    /// });
    /// ```
    #[track_caller]
    pub fn spawn_blocking<F, R>(self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let meta = SpawnMeta::caller().with_optional_name(self.name);
        let mut f = Some(f);
        match context::with_current(|handle| {
            handle.run_in_executor_with(f.take().expect("run once"), meta)
        }) {
            Some(join) => join,
            None => panic!(
                "`task::Builder::spawn_blocking` called outside a runtime: {}",
                Handle::try_current().unwrap_err()
            ),
        }
    }
}
