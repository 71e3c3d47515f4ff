//! The broadcast [`Receiver`] as a [`Stream`] (tokio-stream's `BroadcastStream`, built
//! in): each message is an `Ok` item, a lag an `Err(RecvError::Lagged(n))` item after
//! which the stream continues from the oldest message still held, and the stream ends
//! once every sender is gone and everything was read.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use super::error::RecvError;
use super::{poll_recv, Receiver};

/// # Examples
///
/// ```
/// use eddy::sync::broadcast::{self, error::RecvError};
/// use futures_lite::StreamExt;
///
/// eddy::run(async {
///     let (tx, mut rx) = broadcast::channel(2);
///     for i in 0..3 {
///         tx.send(i).unwrap(); // the third overwrites the first
///     }
///     drop(tx);
///     assert_eq!(rx.next().await, Some(Err(RecvError::Lagged(1))));
///     assert_eq!(rx.next().await, Some(Ok(1)));
///     assert_eq!(rx.next().await, Some(Ok(2)));
///     assert_eq!(rx.next().await, None); // closed
/// });
/// ```
impl<T: Clone> Stream for Receiver<T> {
    type Item = Result<T, RecvError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        match std::task::ready!(poll_recv(
            &this.shared,
            &mut this.next,
            &mut this.stream_key,
            cx
        )) {
            Err(RecvError::Closed) => Poll::Ready(None),
            other => Poll::Ready(Some(other)),
        }
    }
}
