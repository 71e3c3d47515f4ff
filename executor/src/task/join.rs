use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::{Id, JoinError, RawTask, TaskInfo};
use crate::coop;

/// An owned permission to await a spawned task's output — asyncio's `Task`.
///
/// A `JoinHandle` is `Send` only when its output is, since awaiting it moves the output
/// to the awaiting thread:
///
/// ```compile_fail,E0277
/// fn assert_send<T: Send>(_: T) {}
/// let rt = eddy_executor::Executor::builder().worker_threads(1).build().unwrap();
/// let handle: eddy_executor::task::JoinHandle<std::rc::Rc<u8>> = todo!();
/// assert_send(handle); // Rc is not Send
/// ```
///
/// Awaiting it yields `Ok(output)`, or `Err(JoinError)` if the task panicked or was
/// aborted. Dropping it **detaches** the task: it keeps running and its output is dropped
/// when it finishes.
///
/// # Examples
///
/// ```
/// let rt = eddy_executor::Executor::builder().worker_threads(2).build().unwrap();
/// let handle = rt.spawner().spawn(async { 6 * 7 });
/// assert!(handle.id().as_u64() > 0);
/// assert_eq!(eddy_executor::block_on(handle).unwrap(), 42);
/// ```
pub struct JoinHandle<T> {
    raw: RawTask,
    _output: PhantomData<T>,
}

// The handle only moves the output out, so it needs `T: Send` to cross threads, and offers
// no `&self` access to it at all, so it is `Sync` regardless.
// SAFETY: the output is moved to the thread that polls the handle; `T: Send` allows that.
unsafe impl<T: Send> Send for JoinHandle<T> {}
// SAFETY: `&JoinHandle` only reads the state word (`is_finished`, `id`) or aborts, which
// are atomic; the output is reachable only through `Pin<&mut Self>`.
unsafe impl<T> Sync for JoinHandle<T> {}

impl<T> Unpin for JoinHandle<T> {}

// As tokio's: a panic while a handle is borrowed or moved cannot leave the task in a
// broken state. Every change to the task goes through its atomic state word, and the
// output is only ever moved out whole, so code after a caught panic sees either the
// task as it was or as it became, never half of a change.
impl<T> std::panic::UnwindSafe for JoinHandle<T> {}
impl<T> std::panic::RefUnwindSafe for JoinHandle<T> {}

impl<T> JoinHandle<T> {
    /// # Safety
    ///
    /// * `raw` is a task with output `T` whose JoinHandle reference the caller passes on.
    pub(super) unsafe fn new(raw: RawTask) -> JoinHandle<T> {
        JoinHandle {
            raw,
            _output: PhantomData,
        }
    }

    /// Requests cancellation — asyncio's `Task.cancel()`.
    ///
    /// The future is dropped the next time a runtime thread would poll it: at once if it
    /// is idle (it is queued for that), after its current poll if it is running. Awaiting
    /// the handle then gives a [`JoinError`] whose `is_cancelled()` is true. A task that
    /// already finished keeps its output, and aborting twice does nothing more.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = eddy_executor::Executor::builder().worker_threads(1).build().unwrap();
    /// let forever = rt.spawner().spawn(std::future::pending::<()>());
    /// forever.abort();
    /// let err = eddy_executor::block_on(forever).unwrap_err();
    /// assert!(err.is_cancelled());
    ///
    /// let done = rt.spawner().spawn(async { 5 });
    /// while !done.is_finished() {
    ///     std::thread::yield_now();
    /// }
    /// done.abort(); // too late: the output is kept
    /// assert_eq!(eddy_executor::block_on(done).unwrap(), 5);
    /// ```
    pub fn abort(&self) {
        self.raw.remote_abort();
    }

    /// True once the task has finished: completed, panicked or been cancelled.
    pub fn is_finished(&self) -> bool {
        self.raw.state().load().is_complete()
    }

    /// A handle that can abort the task without owning its output.
    pub fn abort_handle(&self) -> AbortHandle {
        self.raw.ref_inc();
        AbortHandle { raw: self.raw }
    }

    /// The task's id.
    pub fn id(&self) -> Id {
        self.raw.id()
    }

    /// Who the task is: id, name, spawn location.
    pub fn info(&self) -> TaskInfo {
        self.raw.info()
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // Awaiting a JoinHandle is a resource operation: it spends cooperative budget, so a
        // task awaiting finished handles in a loop still yields now and then.
        std::task::ready!(coop::poll_proceed(cx));
        let mut ret = Poll::Pending;
        // SAFETY: `ret` has the type the task's vtable writes, and `self` is the
        // JoinHandle.
        unsafe {
            self.raw.try_read_output(
                &mut ret as *mut Poll<Result<T, JoinError>> as *mut (),
                cx.waker(),
            )
        };
        ret
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        if self.raw.state().drop_join_handle_fast().is_ok() {
            return;
        }
        self.raw.drop_join_handle_slow();
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("id", &self.id())
            .field("finished", &self.is_finished())
            .finish()
    }
}

/// Aborts a task without owning its output; cheap to clone, from any thread.
///
/// # Examples
///
/// ```
/// let rt = eddy_executor::Executor::builder().worker_threads(1).build().unwrap();
/// let handle = rt.spawner().spawn(std::future::pending::<()>());
/// let abort = handle.abort_handle();
/// abort.abort();
/// assert!(eddy_executor::block_on(handle).unwrap_err().is_cancelled());
/// assert!(abort.is_finished());
/// ```
pub struct AbortHandle {
    raw: RawTask,
}

impl AbortHandle {
    /// Requests cancellation; see [`JoinHandle::abort`].
    pub fn abort(&self) {
        self.raw.remote_abort();
    }

    /// True once the task has finished.
    pub fn is_finished(&self) -> bool {
        self.raw.state().load().is_complete()
    }

    /// The task's id.
    pub fn id(&self) -> Id {
        self.raw.id()
    }

    /// Who the task is: id, name, spawn location.
    pub fn info(&self) -> TaskInfo {
        self.raw.info()
    }
}

// As `JoinHandle`: every operation is one transition of the task's atomic state.
impl std::panic::UnwindSafe for AbortHandle {}
impl std::panic::RefUnwindSafe for AbortHandle {}

impl Clone for AbortHandle {
    fn clone(&self) -> AbortHandle {
        self.raw.ref_inc();
        AbortHandle { raw: self.raw }
    }
}

impl Drop for AbortHandle {
    fn drop(&mut self) {
        self.raw.drop_reference();
    }
}

impl fmt::Debug for AbortHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbortHandle")
            .field("id", &self.id())
            .field("finished", &self.is_finished())
            .finish()
    }
}
