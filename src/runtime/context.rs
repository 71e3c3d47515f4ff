//! The thread-local "current runtime", set on worker threads, inside `block_on`, and by
//! [`Handle::enter`].

use std::cell::RefCell;
use std::marker::PhantomData;

use super::Handle;

thread_local! {
    static CURRENT: RefCell<Option<Handle>> = const { RefCell::new(None) };
}

/// The runtime of this thread, if any.
pub(super) fn current() -> Option<Handle> {
    CURRENT.try_with(|c| c.borrow().clone()).ok().flatten()
}

/// Calls `f` with the current runtime without cloning its handle (`eddy::spawn`'s hot
/// path: a clone and drop would be two contended atomic operations per spawn).
pub(crate) fn with_current<R>(f: impl FnOnce(&Handle) -> R) -> Option<R> {
    CURRENT
        .try_with(|c| c.borrow().as_ref().map(f))
        .ok()
        .flatten()
}

/// Makes `handle` current for the rest of this worker thread's life.
pub(super) fn set_for_worker(handle: Handle) {
    CURRENT.with(|c| *c.borrow_mut() = Some(handle));
}

/// Forgets the worker's runtime as the thread stops.
pub(super) fn clear_for_worker() {
    let handle = CURRENT.try_with(|c| c.borrow_mut().take()).ok().flatten();
    drop(handle);
}

/// Makes `handle` current until the guard drops (restoring the previous one).
pub(super) fn enter(handle: Handle) -> EnterGuard {
    let previous = CURRENT.with(|c| {
        c.try_borrow_mut()
            .expect("`Handle::enter` called from a destructor run by `eddy::spawn` itself")
            .replace(handle)
    });
    EnterGuard {
        previous,
        _not_send: PhantomData,
    }
}

/// Keeps a runtime current on this thread; see [`Handle::enter`]. Drop it on the thread
/// that made it (it is `!Send`).
#[derive(Debug)]
#[must_use = "the runtime is only current while the guard lives"]
pub struct EnterGuard {
    previous: Option<Handle>,
    _not_send: PhantomData<*const ()>,
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        let _ = CURRENT.try_with(|c| *c.borrow_mut() = previous);
    }
}
