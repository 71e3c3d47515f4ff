//! The thread-local naming the `LocalSet` being run on this thread: where a wake on this
//! thread finds the set's own queue, and where the free function `spawn_local` finds the
//! set. Each run (a poll of `run_until`'s future or of the set itself, and the set's
//! drop) installs its set and restores the previous one when it ends, so nested sets
//! (a set run inside a task of another) each see their own.

use std::cell::RefCell;
use std::rc::Rc;

use super::owner::Owner;
use super::shared::{Handle, Notified};

crate::loom::const_thread_local! {
    /// The innermost `LocalSet` running on this thread.
    static CURRENT: RefCell<Option<Rc<Owner>>> = RefCell::new(None);
}

/// Makes `owner` the set running on this thread until the guard drops.
pub(super) fn enter(owner: &Rc<Owner>) -> Entered {
    // `try_with`: a set dropped by a thread-local's destructor may find this one gone;
    // then nothing is installed, and wakes take the shared queue, which is always right.
    let previous = CURRENT.try_with(|c| c.replace(Some(owner.clone()))).ok();
    Entered { previous }
}

/// Restores the previously running set (or none) when dropped, also on unwinding.
/// Holds an `Rc`, so it cannot leave the thread it was made on.
pub(super) struct Entered {
    /// `None` if nothing was installed.
    previous: Option<Option<Rc<Owner>>>,
}

impl Drop for Entered {
    fn drop(&mut self) {
        if let Some(previous) = self.previous.take() {
            // The `Rc` replaced here is dropped after the borrow ends; it is never the
            // set's last one (the `LocalSet` running it holds another).
            let ours = CURRENT.try_with(|c| c.replace(previous));
            drop(ours);
        }
    }
}

/// The set running on this thread, if any.
pub(super) fn current() -> Option<Rc<Owner>> {
    CURRENT
        .try_with(|c| c.try_borrow().ok().and_then(|c| c.clone()))
        .ok()
        .flatten()
}

/// Pushes `task` onto its set's own queue if that set is the one running on this thread;
/// otherwise gives it back (for the shared queue).
pub(super) fn push_if_running(handle: &Handle, task: Notified) -> Option<Notified> {
    let mut task = Some(task);
    let _ = CURRENT.try_with(|c| {
        let Ok(current) = c.try_borrow() else {
            return;
        };
        if let Some(owner) = current.as_deref() {
            if owner.handle.same(handle) {
                task = owner.push(task.take().expect("taken once"));
            }
        }
    });
    task
}
