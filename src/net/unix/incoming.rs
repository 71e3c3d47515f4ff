//! [`Incoming`]: a [`UnixListener`]'s connections as a `Stream`.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_core::Stream;

use super::{UnixListener, UnixStream};

/// The connections of a [`UnixListener`] as a [`Stream`], made by
/// [`UnixListener::incoming`]: each item is the next `accept`'s result. It never ends; an
/// error (out of file descriptors, say) is an item, and the next poll accepts again, so
/// a loop should back off on errors (see [`UnixListener`]).
///
/// # Examples
///
/// ```
/// use eddy::net::{UnixListener, UnixStream};
/// use futures_lite::StreamExt;
///
/// eddy::run(async {
///     let dir = std::env::temp_dir().join(format!("eddy-incoming-doc-{}", std::process::id()));
///     std::fs::create_dir_all(&dir).unwrap();
///     let path = dir.join("incoming.sock");
///     let _ = std::fs::remove_file(&path);
///     let listener = UnixListener::bind(&path).unwrap();
///     eddy::spawn({
///         let path = path.clone();
///         async move {
///             for _ in 0..2 {
///                 UnixStream::connect(&path).await.unwrap();
///             }
///         }
///     });
///     let mut incoming = listener.incoming().take(2);
///     while let Some(stream) = incoming.next().await {
///         stream.unwrap();
///     }
///     std::fs::remove_dir_all(&dir).unwrap();
/// });
/// ```
#[derive(Debug)]
#[must_use = "streams do nothing unless polled"]
pub struct Incoming<'a> {
    listener: &'a UnixListener,
}

impl<'a> Incoming<'a> {
    pub(super) fn new(listener: &'a UnixListener) -> Incoming<'a> {
        Incoming { listener }
    }
}

impl Stream for Incoming<'_> {
    type Item = io::Result<UnixStream>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let accepted = ready!(self.listener.poll_accept(cx));
        Poll::Ready(Some(accepted.map(|(stream, _)| stream)))
    }
}
