//! Probes for two hazards of the sync primitives: a waker whose `Drop` re-enters the
//! primitive holding it (a deadlock if it is dropped under the primitive's lock), and a
//! loop of operations that complete without waiting (a worker lost if they ignore the
//! cooperative budget). Needs the crate's `mod support;`.
#![allow(dead_code)]

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::task::{Wake, Waker};

use crate::support::{runtime, with_timeout, LIMIT};

/// A waker that does nothing when woken and runs its hook when its last clone goes.
struct DropHook(Mutex<Option<Box<dyn FnOnce() + Send>>>);

impl Wake for DropHook {
    fn wake(self: Arc<Self>) {}
}

impl Drop for DropHook {
    fn drop(&mut self) {
        if let Some(hook) = self.0.lock().unwrap().take() {
            hook();
        }
    }
}

/// A waker that runs `hook` when its last clone is dropped.
pub fn waker_with_drop_hook(hook: impl FnOnce() + Send + 'static) -> Waker {
    Waker::from(Arc::new(DropHook(Mutex::new(Some(Box::new(hook))))))
}

/// Races `busy` (a loop that never waits) against `yield_now` in a biased `select!`, in a
/// task on a one-worker runtime. It ends only if `busy` runs out of budget and returns
/// `Pending` (`yield_now` is ready on its second poll); a `busy` that ignores the budget
/// holds the worker forever and the test times out.
pub fn a_busy_loop_yields<F>(busy: impl FnOnce() -> F + Send + 'static)
where
    F: Future<Output = ()> + Send + 'static,
{
    with_timeout(LIMIT, || {
        runtime(1).block_on(async {
            eddy::spawn(async move {
                let busy = busy();
                eddy::select! {
                    biased;
                    _ = busy => unreachable!("the busy loop never ends"),
                    _ = eddy::task::yield_now() => {}
                }
            })
            .await
            .unwrap();
        })
    });
}
