//! What the current thread is doing: which worker it is (if any), whether it is
//! already running an event loop (a worker, or inside `block_on`), and whether it is
//! inside a `block_in_place` closure (which leaves the event loop for its duration).

use std::cell::{Cell, RefCell};
use std::marker::PhantomData;
use std::rc::Rc;

use super::worker::WorkerContext;

crate::loom::const_thread_local! {
    /// The worker this thread is, for scheduling woken tasks locally.
    static WORKER: RefCell<Option<Rc<WorkerContext>>> = RefCell::new(None);
}

crate::loom::const_thread_local! {
    /// True while this thread runs an event loop: a worker thread, or `block_on`.
    static ENTERED: Cell<bool> = Cell::new(false);
}

/// Calls `f` with this thread's worker context, if it is a worker.
pub(super) fn with_worker<R>(f: impl FnOnce(Option<&WorkerContext>) -> R) -> R {
    let mut f = Some(f);
    match WORKER.try_with(|w| {
        let w = w.borrow();
        (f.take().expect("called once"))(w.as_deref())
    }) {
        Ok(r) => r,
        // The thread-local is being destroyed (a waker fired from another TLS destructor):
        // behave as a foreign thread.
        Err(_) => (f.take().expect("called once"))(None),
    }
}

/// Installs `cx` as this thread's worker for the life of the returned guard.
pub(super) fn set_worker(cx: Rc<WorkerContext>) -> WorkerGuard {
    WORKER.with(|w| *w.borrow_mut() = Some(cx));
    WorkerGuard(())
}

/// Clears the worker context when the worker loop ends (or unwinds).
pub(super) struct WorkerGuard(());

impl Drop for WorkerGuard {
    fn drop(&mut self) {
        // Take it out first: dropping the context may drop tasks, whose wakers look here.
        let cx = WORKER.try_with(|w| w.borrow_mut().take()).ok().flatten();
        drop(cx);
    }
}

/// Marks this thread as running an event loop until the guard drops.
///
/// # Panics
///
/// If the thread already runs one: nested `block_on`, or `block_on` on a worker.
#[track_caller]
pub(crate) fn enter() -> EnterGuard {
    if ENTERED.with(|e| e.replace(true)) {
        already_running("block_on");
    }
    EnterGuard(())
}

/// The asyncio-style panic for a blocking call made where an event loop runs: `what`
/// (a `block_on`, a `blocking_recv`, ...) was called from async code.
///
/// # Panics
///
/// Always, with a message naming the fix.
///
/// # Examples
///
/// ```should_panic
/// // What a blocking helper does when called from async code:
/// eddy_executor::block_on(async {
///     if eddy_executor::is_entered() {
///         eddy_executor::already_running("my_blocking_call");
///     }
/// });
/// ```
#[track_caller]
pub fn already_running(what: &str) -> ! {
    panic!(
        "this event loop is already running: `{what}` was called from async code (inside \
         a task, or inside another `block_on`). Inside async code, `.await` the future \
         instead, or start it as a task with `eddy::spawn`"
    )
}

/// True while this thread runs an event loop (a worker, or inside `block_on`).
pub fn is_entered() -> bool {
    ENTERED.try_with(Cell::get).unwrap_or(false)
}

/// Leaves the event loop when dropped; see [`enter`].
#[derive(Debug)]
pub(crate) struct EnterGuard(());

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let _ = ENTERED.try_with(|e| e.set(false));
    }
}

/// True when this thread runs a current-thread scheduler's loop, whose tasks no other
/// thread can take over: `block_in_place` refuses to block it.
pub(crate) fn current_thread_active() -> bool {
    crate::current_thread::current().is_some()
}

/// Enters a `block_in_place` region on this thread, until the guard drops (returns or
/// unwinds):
///
/// * On a worker, the worker hands its queued tasks to the others and sends what is
///   scheduled on this thread meanwhile to the injector (`WorkerContext::begin_blocking`).
/// * The thread stops counting as running an event loop ([`is_entered`] is false), so
///   blocking calls made by the closure are allowed: `block_on`, a channel's
///   `blocking_recv`, a nested `block_in_place`.
///
/// The guard restores both, so the worker carries on as before once the closure is done,
/// even if it panicked.
pub(crate) fn enter_blocking_region() -> BlockingRegion {
    let worker = WORKER.try_with(|w| w.borrow().clone()).ok().flatten();
    let worker = worker.map(|cx| {
        let nested = cx.begin_blocking();
        (cx, nested)
    });
    let entered = ENTERED.try_with(|e| e.replace(false)).unwrap_or(false);
    BlockingRegion {
        worker,
        entered,
        _not_send: PhantomData,
    }
}

/// Leaves the `block_in_place` region when dropped; see [`enter_blocking_region`].
pub(crate) struct BlockingRegion {
    /// The worker this thread is, and whether it was already in a region (nested).
    worker: Option<(Rc<WorkerContext>, bool)>,
    /// Whether the thread ran an event loop before the region.
    entered: bool,
    /// Restored on the thread that entered.
    _not_send: PhantomData<*const ()>,
}

impl Drop for BlockingRegion {
    fn drop(&mut self) {
        let _ = ENTERED.try_with(|e| e.set(self.entered));
        if let Some((cx, nested)) = self.worker.take() {
            cx.end_blocking(nested);
        }
    }
}
