use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use crate::coop;
use crate::park::Parker;
use crate::scheduler::context;

/// Runs `future` to completion on the current thread, parking it while the future waits —
/// asyncio's `loop.run_until_complete`.
///
/// # Panics
///
/// With "this event loop is already running" when called on a thread that already runs
/// async code: a worker thread, or inside another `block_on`. `.await` the future there
/// instead, or spawn it.
///
/// # Examples
///
/// ```
/// assert_eq!(eddy_executor::block_on(async { 1 + 1 }), 2);
/// ```
#[track_caller]
pub fn block_on<F: Future>(future: F) -> F::Output {
    let _entered = context::enter();
    let parker = Arc::new(Unparker(Parker::new()));
    let waker = Waker::from(parker.clone());
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(output) = coop::budget(|| future.as_mut().poll(&mut cx)) {
            return output;
        }
        parker.0.park();
    }
}

struct Unparker(Parker);

impl Wake for Unparker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}
