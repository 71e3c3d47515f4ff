use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use pin_project_lite::pin_project;

use super::sleep::{far_future_or, sleep_until, Sleep};
use super::Instant;

/// Awaits `future` for at most `duration` — asyncio's `asyncio.wait_for(aw, timeout)` and
/// `async with asyncio.timeout(delay)`.
///
/// Returns `Ok(output)` if the future finishes first and `Err(Elapsed)` otherwise; the
/// future is then dropped (cancelled). The future is polled before the timer, so one that
/// is ready at once always wins, and its timer never touches a wheel.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use eddy::time::{sleep, timeout};
///
/// eddy::run(async {
///     assert_eq!(timeout(Duration::from_secs(1), async { 7 }).await, Ok(7));
///     let slow = sleep(Duration::from_secs(10));
///     assert!(timeout(Duration::from_millis(5), slow).await.is_err());
/// });
/// ```
pub fn timeout<F: IntoFuture>(duration: Duration, future: F) -> Timeout<F::IntoFuture> {
    let deadline = far_future_or(Instant::now().checked_add(duration));
    timeout_at(deadline, future)
}

/// Awaits `future` until `deadline` at the latest; see [`timeout`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use eddy::time::{timeout_at, Instant};
///
/// eddy::run(async {
///     let deadline = Instant::now() + Duration::from_millis(5);
///     let never = std::future::pending::<()>();
///     assert!(timeout_at(deadline, never).await.is_err());
/// });
/// ```
pub fn timeout_at<F: IntoFuture>(deadline: Instant, future: F) -> Timeout<F::IntoFuture> {
    Timeout {
        future: future.into_future(),
        delay: sleep_until(deadline),
    }
}

pin_project! {
    /// The future returned by [`timeout`] and [`timeout_at`].
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Timeout<F> {
        #[pin]
        future: F,
        delay: Sleep,
    }
}

impl<F> Timeout<F> {
    /// The wrapped future.
    pub fn get_ref(&self) -> &F {
        &self.future
    }

    /// The wrapped future, mutably.
    pub fn get_mut(&mut self) -> &mut F {
        &mut self.future
    }

    /// Gives the wrapped future back, without its deadline.
    pub fn into_inner(self) -> F {
        self.future
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Poll::Ready(output) = this.future.poll(cx) {
            return Poll::Ready(Ok(output));
        }
        // If the inner future spent the whole cooperative budget, the deadline must still
        // be able to fire: poll the timer outside the budget (tokio #5066).
        let delay = Pin::new(this.delay);
        let fired = if eddy_executor::coop::has_budget_remaining() {
            delay.poll(cx)
        } else {
            eddy_executor::coop::unconstrained(|| delay.poll(cx))
        };
        match fired {
            Poll::Ready(()) => Poll::Ready(Err(Elapsed(()))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<F: fmt::Debug> fmt::Debug for Timeout<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timeout")
            .field("future", &self.future)
            .field("deadline", &self.delay.deadline())
            .finish()
    }
}

/// The deadline passed before the future finished — asyncio's `TimeoutError`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// eddy::run(async {
///     let err = eddy::time::timeout(Duration::from_millis(1), std::future::pending::<()>())
///         .await
///         .unwrap_err();
///     assert_eq!(err.to_string(), "deadline has elapsed");
///     let io: std::io::Error = err.into(); // for `?` in io::Result code
///     assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
/// });
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Elapsed(());

impl fmt::Debug for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Elapsed")
    }
}

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl std::error::Error for Elapsed {}

impl From<Elapsed> for std::io::Error {
    fn from(_: Elapsed) -> std::io::Error {
        std::io::ErrorKind::TimedOut.into()
    }
}
