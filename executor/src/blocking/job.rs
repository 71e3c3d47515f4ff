//! A blocking job as a future: the closure runs once, on the task's first poll.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::coop;

/// The future of a pool task: calls `f` on its first (and only) poll.
pub(super) struct Job<F>(Option<F>);

impl<F> Job<F> {
    pub(super) fn new(f: F) -> Job<F> {
        Job(Some(f))
    }
}

// The closure is moved out before it is called, never pinned in place.
impl<F> Unpin for Job<F> {}

impl<F: FnOnce() -> R, R> Future for Job<F> {
    type Output = R;

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<R> {
        let f = self
            .0
            .take()
            .expect("a blocking job is polled once: it never returns Pending");
        // A blocking call has no cooperative budget to spend: awaiting JoinHandles or
        // channels inside a nested `block_on` here must never be told to yield.
        Poll::Ready(coop::unconstrained(f))
    }
}

impl<F> fmt::Debug for Job<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Job")
            .field("started", &self.0.is_none())
            .finish()
    }
}
