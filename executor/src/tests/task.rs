//! The task state machine driven by hand on the do-nothing scheduler.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use super::support::TestScheduler;
use crate::task::{self, JoinHandle};

/// Polls a JoinHandle once with a waker that records whether it was woken.
fn poll_join<T>(handle: &mut JoinHandle<T>, flag: &Arc<Flag>) -> Poll<Result<T, task::JoinError>> {
    let waker = Waker::from(flag.clone());
    let mut cx = Context::from_waker(&waker);
    pin!(handle).poll(&mut cx)
}

#[derive(Default)]
struct Flag(AtomicBool);

impl Flag {
    fn take(&self) -> bool {
        self.0.swap(false, Ordering::SeqCst)
    }
}

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[test]
fn task_is_at_most_128_bytes() {
    fn size_of_task<F: Future>(_: &F) -> usize {
        task::allocation_size::<F, crate::scheduler::SchedulerHandle>()
    }
    let size = size_of_task(&async {});
    assert!(size <= 128, "an idle `async {{}}` task takes {size} bytes");
    // A small future that captures a couple of words still fits.
    let (a, b) = (1u64, 2u64);
    let size = size_of_task(&async move { a + b });
    assert!(size <= 128, "a two-word future's task takes {size} bytes");
}

#[test]
fn spawned_task_runs_and_delivers_output() {
    let sched = TestScheduler::new();
    let mut handle = sched.spawn(async { 7 });
    let flag = Arc::new(Flag::default());
    assert!(poll_join(&mut handle, &flag).is_pending());
    assert_eq!(sched.run_until_idle(), 1);
    assert!(flag.take(), "completion wakes the JoinHandle");
    assert!(handle.is_finished());
    match poll_join(&mut handle, &flag) {
        Poll::Ready(Ok(7)) => {}
        other => panic!("expected Ready(Ok(7)), got {other:?}"),
    }
    assert!(sched.owns_no_tasks());
}
