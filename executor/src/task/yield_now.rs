use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Yields to the scheduler once — asyncio's `await asyncio.sleep(0)`.
///
/// The task wakes itself and returns `Pending`; the scheduler puts it at the back of its
/// queue, so every task that was already waiting runs first.
///
/// # Examples
///
/// ```
/// eddy_executor::block_on(async {
///     for _ in 0..3 {
///         eddy_executor::task::yield_now().await;
///     }
/// });
/// ```
pub async fn yield_now() {
    YieldNow { yielded: false }.await
}

struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
