//! Probes for the sync primitives' waker discipline and cooperative budget: a waker whose
//! drop re-enters the primitive it waits on, a one-worker race between an always-ready
//! loop and a yield, and a task poll whose budget is spent.
#![allow(dead_code)]

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use crate::support::{runtime, with_timeout, LIMIT};

/// A waker that does nothing when woken and runs its hook when its last reference goes.
struct DropHook(Mutex<Option<Box<dyn FnOnce() + Send>>>);

impl Wake for DropHook {
    fn wake(self: Arc<Self>) {}
    fn wake_by_ref(self: &Arc<Self>) {}
}

impl Drop for DropHook {
    fn drop(&mut self) {
        if let Some(hook) = self.0.lock().unwrap().take() {
            hook();
        }
    }
}

/// A waker whose drop (of its last clone) runs `hook`: hand it to a future, drop the
/// local copy, and the primitive holding the clone decides when the hook runs. If it drops
/// the clone under its own lock and `hook` re-enters it, the thread deadlocks.
pub fn waker_on_drop(hook: impl FnOnce() + Send + 'static) -> Waker {
    Waker::from(Arc::new(DropHook(Mutex::new(Some(Box::new(hook))))))
}

/// Polls `fut` once with `waker`.
pub fn poll_with<F: Future + ?Sized>(fut: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(waker))
}

/// Races `spin` (a loop of operations that are always ready at once, never ending by
/// itself) against a `yield_now` in a `biased` select on a one-worker runtime. It ends
/// only if an operation of the loop returns `Pending` when the task's budget runs out.
pub fn spin_yields_to_other_tasks<F>(spin: F)
where
    F: Future<Output = ()> + Send + 'static,
{
    with_timeout(LIMIT, move || {
        runtime(1).block_on(async move {
            eddy::spawn(async move {
                eddy::select! {
                    biased;
                    _ = spin => unreachable!("the loop never ends by itself"),
                    _ = eddy::task::yield_now() => {}
                }
            })
            .await
            .unwrap()
        })
    });
}

/// Runs `f` inside a task poll whose cooperative budget is spent (by awaiting a closed
/// semaphore until it says `Pending`), on a one-worker runtime: a `try_*` called there
/// must still answer as if the budget were whole.
pub fn with_budget_spent<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    with_timeout(LIMIT, move || {
        runtime(1).block_on(async move {
            eddy::spawn(async move {
                let mut f = Some(f);
                std::future::poll_fn(move |cx| {
                    let spender = eddy::sync::Semaphore::new(0);
                    spender.close();
                    let mut spent = 0;
                    while pin!(spender.acquire()).poll(cx).is_ready() {
                        spent += 1;
                        assert!(spent < 100_000, "acquire never spent the budget");
                    }
                    let f = f.take().expect("polled once");
                    Poll::Ready(f())
                })
                .await
            })
            .await
            .unwrap()
        })
    })
}
