//! What the current thread is doing: which worker it is (if any), and whether it is
//! already running an event loop (a worker, or inside `block_on`).

use std::cell::{Cell, RefCell};
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
