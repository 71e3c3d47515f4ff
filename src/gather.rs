//! [`gather`] and [`try_gather`]: run many futures as tasks, collect their results in
//! input order — asyncio's `gather`.
//!
//! Both are built on a [`JoinSet`]: results arrive in completion order (no handle is
//! polled before its task finishes) and are put back in input order by task id. Dropping
//! the future drops the set, which aborts every task still running.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::runtime::Handle;
use crate::task::{Id, JoinError, JoinSet};

/// Spawns every future of `futures` as a task and waits for all of them; the results come
/// in input order — asyncio's `gather(*aws, return_exceptions=True)`.
///
/// Each result is the task's output, or a [`JoinError`] if it panicked
/// ([`JoinError::is_panic`]) or was cancelled. The tasks run in parallel on the runtime's
/// workers, unlike [`join!`](crate::join!), which polls its futures in the calling task.
///
/// The tasks start at once when `gather` is called inside a runtime, as asyncio's
/// `gather` schedules its awaitables; called outside one (say as the argument of
/// [`Runtime::block_on`](crate::Runtime::block_on)), they start on the first poll.
///
/// # Cancel safety
///
/// Dropping the returned future aborts every task it spawned that has not finished.
///
/// # Panics
///
/// When first polled outside a runtime with tasks left to spawn.
///
/// # Examples
///
/// ```
/// eddy::run(async {
///     let results = eddy::gather((1..=3u64).map(|n| async move {
///         if n == 2 {
///             panic!("two is unlucky");
///         }
///         n * n
///     }))
///     .await;
///     assert_eq!(results[0].as_ref().unwrap(), &1);
///     assert!(results[1].as_ref().unwrap_err().is_panic());
///     assert_eq!(results[2].as_ref().unwrap(), &9);
/// });
/// ```
#[track_caller]
pub fn gather<I>(futures: I) -> Gather<I::Item>
where
    I: IntoIterator,
    I::Item: Future + Send + 'static,
    <I::Item as Future>::Output: Send + 'static,
{
    Gather {
        tasks: Tasks::new(futures),
        results: Vec::new(),
    }
}

/// Spawns every future of `futures` as a task and waits until all succeed, giving their
/// outputs in input order, or until the first one fails — asyncio's `gather(*aws)`.
///
/// * The first failure **in completion order** wins: its `Err(e)` is returned and every
///   task still running is aborted (without waiting for them).
/// * A task that **panics** is a failure too: the other tasks are aborted and the panic
///   is resumed in the awaiting task (`std::panic::resume_unwind`), as awaiting its
///   handle and unwrapping would; a panic is a bug, not an error value. Use [`gather`]
///   to receive panics as values instead.
/// * A task cancelled from outside (only a runtime shutting down can, since the handles
///   are not exposed) also aborts the rest, and then panics naming the task.
///
/// The tasks start as [`gather`]'s do.
///
/// # Cancel safety
///
/// Dropping the returned future aborts every task it spawned that has not finished.
///
/// # Examples
///
/// ```
/// async fn parse(s: &'static str) -> Result<u32, std::num::ParseIntError> {
///     s.parse()
/// }
///
/// eddy::run(async {
///     let all = eddy::try_gather(["1", "2", "3"].map(parse)).await;
///     assert_eq!(all.unwrap(), [1, 2, 3]);
///
///     let failed = eddy::try_gather(["1", "two", "3"].map(parse)).await;
///     assert!(failed.is_err());
/// });
/// ```
#[track_caller]
pub fn try_gather<I, T, E>(futures: I) -> TryGather<I::Item>
where
    I: IntoIterator,
    I::Item: Future<Output = Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    TryGather {
        tasks: Tasks::new(futures),
        outputs: Vec::new(),
    }
}

/// The future returned by [`gather`].
///
/// # Examples
///
/// ```
/// eddy::run(async {
///     let gathered: eddy::Gather<_> = eddy::gather((1..=2).map(|n| async move { n }));
///     let values: Vec<i32> = gathered.await.into_iter().map(Result::unwrap).collect();
///     assert_eq!(values, [1, 2]);
/// });
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them; the tasks are aborted \
              when it is dropped"]
pub struct Gather<F: Future> {
    tasks: Tasks<F>,
    results: Vec<Option<Result<F::Output, JoinError>>>,
}

/// The future returned by [`try_gather`].
///
/// # Examples
///
/// ```
/// eddy::run(async {
///     let all: eddy::TryGather<_> = eddy::try_gather([async { Ok::<_, ()>(1) }]);
///     assert_eq!(all.await, Ok(vec![1]));
/// });
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them; the tasks are aborted \
              when it is dropped"]
pub struct TryGather<F: Future> {
    tasks: Tasks<F>,
    /// The successes so far (only `Ok`s are stored).
    outputs: Vec<Option<F::Output>>,
}

// Nothing is ever pinned in place: the futures are moved into tasks, the outputs are
// plain values.
impl<F: Future> Unpin for Gather<F> {}
impl<F: Future> Unpin for TryGather<F> {}

impl<F> Future for Gather<F>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    type Output = Vec<Result<F::Output, JoinError>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.tasks.spawn_pending() {
            this.results.resize_with(this.tasks.count, || None);
        }
        while let Some((index, result)) = std::task::ready!(this.tasks.poll_next(cx)) {
            this.results[index] = Some(result);
        }
        let results = std::mem::take(&mut this.results);
        Poll::Ready(
            results
                .into_iter()
                .map(|r| r.expect("every task reported"))
                .collect(),
        )
    }
}

impl<F, T, E> Future for TryGather<F>
where
    F: Future<Output = Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    type Output = Result<Vec<T>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.tasks.spawn_pending() {
            this.outputs.resize_with(this.tasks.count, || None);
        }
        while let Some((index, result)) = std::task::ready!(this.tasks.poll_next(cx)) {
            match result {
                Ok(Ok(output)) => this.outputs[index] = Some(Ok(output)),
                Ok(Err(err)) => {
                    this.tasks.set.abort_all();
                    return Poll::Ready(Err(err));
                }
                Err(join_err) => {
                    this.tasks.set.abort_all();
                    match join_err.try_into_panic() {
                        Ok(payload) => std::panic::resume_unwind(payload),
                        Err(cancelled) => {
                            panic!("`eddy::try_gather`: {cancelled} (the runtime is shutting down)")
                        }
                    }
                }
            }
        }
        let outputs = std::mem::take(&mut this.outputs);
        Poll::Ready(Ok(outputs
            .into_iter()
            .map(|o| match o {
                Some(Ok(output)) => output,
                _ => unreachable!("every task reported a success"),
            })
            .collect()))
    }
}

/// A task's result with its input position.
type Indexed<T> = (usize, Result<T, JoinError>);

/// The tasks of one gather: spawned in a set, mapped back to their input positions.
struct Tasks<F: Future> {
    /// Futures waiting for a runtime (`gather` was called outside one).
    unspawned: Vec<F>,
    set: JoinSet<F::Output>,
    index: HashMap<Id, usize>,
    /// How many futures were given.
    count: usize,
    /// Whether the result slots were sized (on the first poll).
    started: bool,
}

impl<F> Tasks<F>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    #[track_caller]
    fn new(futures: impl IntoIterator<Item = F>) -> Tasks<F> {
        let mut tasks = Tasks {
            unspawned: futures.into_iter().collect(),
            set: JoinSet::new(),
            index: HashMap::new(),
            count: 0,
            started: false,
        };
        tasks.count = tasks.unspawned.len();
        if let Ok(handle) = Handle::try_current() {
            tasks.spawn_on(&handle);
        }
        tasks
    }

    #[track_caller]
    fn spawn_on(&mut self, handle: &Handle) {
        for (i, future) in self.unspawned.drain(..).enumerate() {
            let id = self.set.spawn_on(future, handle).id();
            self.index.insert(id, i);
        }
    }

    /// Spawns what is left to spawn; true on the first call (size the result slots).
    #[track_caller]
    fn spawn_pending(&mut self) -> bool {
        if !self.unspawned.is_empty() {
            match Handle::try_current() {
                Ok(handle) => self.spawn_on(&handle),
                Err(err) => panic!("`eddy::gather` polled outside a runtime: {err}"),
            }
        }
        !std::mem::replace(&mut self.started, true)
    }

    /// The next task to finish, with its input position; `None` when all have.
    fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Indexed<F::Output>>> {
        self.set.poll_join_next_with_id(cx).map(|next| {
            next.map(|result| match result {
                Ok((id, output)) => (self.index[&id], Ok(output)),
                Err(err) => (self.index[&err.id()], Err(err)),
            })
        })
    }
}

impl<F: Future> fmt::Debug for Gather<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gather")
            .field("tasks", &self.tasks.count)
            .field("running", &self.tasks.set.len())
            .finish()
    }
}

impl<F: Future> fmt::Debug for TryGather<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TryGather")
            .field("tasks", &self.tasks.count)
            .field("running", &self.tasks.set.len())
            .finish()
    }
}
