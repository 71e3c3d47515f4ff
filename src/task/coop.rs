//! The cooperative budget from a task's side: [`consume_budget`] spends a unit in a loop
//! that touches no eddy resource; [`unconstrained`] lifts the budget for one future.
//!
//! Each poll of a task gets 128 units; eddy's resources (channel receives, socket reads,
//! timers, joins) spend one per operation and, when none is left, return `Pending` after
//! waking the task, so it goes to the back of the queue and the others run.

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::{Context, Poll};

use eddy_executor::coop;
use pin_project_lite::pin_project;

/// Spends one unit of the task's budget, yielding to the scheduler first if the budget
/// is spent — a `yield_now` that only yields when the task has run long enough.
///
/// A loop that computes between awaits on things that are always ready (or on no
/// resource at all) never returns `Pending` by itself; calling this in it lets the
/// worker's other tasks run. Outside a task's poll (a plain `block_on`) it never yields.
///
/// # Examples
///
/// ```
/// eddy::run(async {
///     let mut sum = 0u64;
///     for i in 0..10_000u64 {
///         sum += i;
///         eddy::task::consume_budget().await; // yields every 128 iterations
///     }
///     assert_eq!(sum, 49_995_000);
/// });
/// ```
pub async fn consume_budget() {
    poll_fn(coop::poll_proceed).await
}

/// Runs `future` with no budget: its resource operations never return `Pending` just
/// because the task has used its share, as tokio's `task::unconstrained`.
///
/// Use it sparingly: a task that loops on always-ready operations inside it never lets
/// the other tasks on its worker run.
///
/// # Examples
///
/// ```
/// eddy::run(async {
///     let (tx, mut rx) = eddy::sync::mpsc::unbounded_channel();
///     for i in 0..1_000 {
///         tx.send(i).unwrap();
///     }
///     drop(tx);
///     // 1,000 ready receives in one poll: no forced yield every 128.
///     let received = eddy::task::unconstrained(async move {
///         let mut n = 0;
///         while rx.recv().await.is_some() {
///             n += 1;
///         }
///         n
///     })
///     .await;
///     assert_eq!(received, 1_000);
/// });
/// ```
pub fn unconstrained<F: Future>(future: F) -> Unconstrained<F> {
    Unconstrained { inner: future }
}

pin_project! {
    /// The future of [`unconstrained`]: `F`, polled with no budget.
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Unconstrained<F> {
        #[pin]
        inner: F,
    }
}

impl<F: Future> Future for Unconstrained<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let inner = self.project().inner;
        coop::unconstrained(|| inner.poll(cx))
    }
}
