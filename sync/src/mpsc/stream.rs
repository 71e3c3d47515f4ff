//! The receivers as [`Stream`]s: `while let Some(msg) = rx.next().await` with
//! futures-lite's or futures' `StreamExt`. The stream ends where `recv` returns `None`.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use super::bounded::Receiver;
use super::unbounded::UnboundedReceiver;

/// # Examples
///
/// ```
/// use futures_lite::StreamExt;
///
/// eddy::run(async {
///     let (tx, rx) = eddy::sync::mpsc::channel(4);
///     eddy::spawn(async move {
///         for i in 0..3 {
///             tx.send(i).await.unwrap();
///         }
///     });
///     let got: Vec<i32> = rx.collect().await;
///     assert_eq!(got, [0, 1, 2]);
/// });
/// ```
impl<T> Stream for Receiver<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.get_mut().poll_recv(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.len(), None)
    }
}

/// # Examples
///
/// ```
/// use futures_lite::StreamExt;
///
/// eddy::run(async {
///     let (tx, mut rx) = eddy::sync::mpsc::unbounded_channel();
///     tx.send("a").unwrap();
///     drop(tx);
///     assert_eq!(rx.next().await, Some("a"));
///     assert_eq!(rx.next().await, None);
/// });
/// ```
impl<T> Stream for UnboundedReceiver<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.get_mut().poll_recv(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.len(), None)
    }
}
