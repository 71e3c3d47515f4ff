//! [`Incoming`]: a [`TcpListener`]'s connections as a `Stream`.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_core::Stream;

use super::{TcpListener, TcpStream};

/// The connections of a [`TcpListener`] as a [`Stream`], made by
/// [`TcpListener::incoming`]: each item is the next `accept`'s result. It never ends; an
/// error (out of file descriptors, say) is an item, and the next poll accepts again, so
/// a loop should back off on errors (see [`TcpListener`]).
///
/// # Examples
///
/// ```
/// use eddy::net::{TcpListener, TcpStream};
/// use futures_lite::StreamExt;
///
/// eddy::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
///     let addr = listener.local_addr().unwrap();
///     eddy::spawn(async move {
///         for _ in 0..2 {
///             TcpStream::connect(addr).await.unwrap();
///         }
///     });
///     let mut incoming = listener.incoming().take(2);
///     while let Some(stream) = incoming.next().await {
///         assert!(stream.unwrap().peer_addr().unwrap().ip().is_loopback());
///     }
/// });
/// ```
#[derive(Debug)]
#[must_use = "streams do nothing unless polled"]
pub struct Incoming<'a> {
    listener: &'a TcpListener,
}

impl<'a> Incoming<'a> {
    pub(super) fn new(listener: &'a TcpListener) -> Incoming<'a> {
        Incoming { listener }
    }
}

impl Stream for Incoming<'_> {
    type Item = io::Result<TcpStream>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let accepted = ready!(self.listener.poll_accept(cx));
        Poll::Ready(Some(accepted.map(|(stream, _)| stream)))
    }
}
