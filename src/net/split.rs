//! Owned halves of a stream socket, for reading in one task and writing in another.
//!
//! One generic pair serves both streams; `eddy::net::tcp` and `eddy::net::unix` name it
//! for their stream (`tcp::OwnedReadHalf` is `OwnedReadHalf<TcpStream>`), so code written
//! for tokio's per-module names ports unchanged.

use std::fmt;
use std::io;
use std::net::Shutdown;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};

/// A stream socket that can be split into owned halves: [`TcpStream`](super::TcpStream)
/// and [`UnixStream`](super::UnixStream). Sealed: implemented only by eddy's streams.
pub trait SplitStream: sealed::Stream {}

pub(crate) mod sealed {
    use std::io;
    use std::net::Shutdown;

    use super::{OwnedReadHalf, OwnedWriteHalf, SplitStream};

    /// What the halves ask of their stream; each method is the stream's own.
    pub trait Stream: Sized {
        /// The address type of the stream's ends.
        type Addr;
        /// The stream module's own `ReuniteError(pub OwnedReadHalf, pub OwnedWriteHalf)`,
        /// a tuple struct (as tokio's), so that it can be matched and built by name.
        type ReuniteError;
        fn reunite_error(
            read: OwnedReadHalf<Self>,
            write: OwnedWriteHalf<Self>,
        ) -> Self::ReuniteError
        where
            Self: SplitStream;
        fn peer_addr(&self) -> io::Result<Self::Addr>;
        fn local_addr(&self) -> io::Result<Self::Addr>;
        fn shutdown(&self, how: Shutdown) -> io::Result<()>;
        fn readable(&self) -> impl std::future::Future<Output = io::Result<()>>;
        fn writable(&self) -> impl std::future::Future<Output = io::Result<()>>;
        fn try_read(&self, buf: &mut [u8]) -> io::Result<usize>;
        fn try_write(&self, buf: &[u8]) -> io::Result<usize>;
    }
}

/// The read half of a stream split with `into_split`: reads through a shared reference
/// to the socket, from any task.
///
/// # Examples
///
/// ```
/// use eddy::net::UnixStream;
/// use futures_lite::{AsyncReadExt, AsyncWriteExt};
///
/// eddy::run(async {
///     let (a, b) = UnixStream::pair().unwrap();
///     let (mut read, mut write) = a.into_split();
///     let echo = eddy::spawn(async move {
///         let (mut b_read, mut b_write) = b.into_split();
///         let mut buf = [0; 4];
///         b_read.read_exact(&mut buf).await.unwrap();
///         b_write.write_all(&buf).await.unwrap();
///     });
///     write.write_all(b"ping").await.unwrap();
///     let mut back = [0; 4];
///     read.read_exact(&mut back).await.unwrap();
///     assert_eq!(&back, b"ping");
///     echo.await.unwrap();
///     let stream = read.reunite(write).unwrap(); // whole again
///     # drop(stream);
/// });
/// ```
pub struct OwnedReadHalf<S: SplitStream> {
    inner: Arc<S>,
}

/// The write half of a stream split with `into_split`. Dropping it shuts down the write
/// direction (the peer reads end-of-stream), as tokio's does; use
/// [`forget`](OwnedWriteHalf::forget) to keep the direction open.
///
/// # Examples
///
/// ```
/// use eddy::net::UnixStream;
/// use futures_lite::AsyncReadExt;
///
/// eddy::run(async {
///     let (a, mut b) = UnixStream::pair().unwrap();
///     let (_read, write) = a.into_split();
///     drop(write); // shuts down a's write direction
///     let mut rest = Vec::new();
///     assert_eq!(b.read_to_end(&mut rest).await.unwrap(), 0);
/// });
/// ```
pub struct OwnedWriteHalf<S: SplitStream> {
    inner: Arc<S>,
    shutdown_on_drop: bool,
}

/// Splits `stream` into its halves (each stream's `into_split`).
pub(crate) fn split<S: SplitStream>(stream: S) -> (OwnedReadHalf<S>, OwnedWriteHalf<S>) {
    let inner = Arc::new(stream);
    (
        OwnedReadHalf {
            inner: inner.clone(),
        },
        OwnedWriteHalf {
            inner,
            shutdown_on_drop: true,
        },
    )
}

/// The error `reunite` gives for `S`'s halves: its module's `ReuniteError`.
type ReuniteError<S> = <S as sealed::Stream>::ReuniteError;

fn reunite<S: SplitStream>(
    read: OwnedReadHalf<S>,
    mut write: OwnedWriteHalf<S>,
) -> Result<S, ReuniteError<S>> {
    if !Arc::ptr_eq(&read.inner, &write.inner) {
        return Err(S::reunite_error(read, write));
    }
    write.shutdown_on_drop = false;
    drop(write);
    Ok(Arc::try_unwrap(read.inner)
        .unwrap_or_else(|_| unreachable!("the two halves hold the only references")))
}

impl<S: SplitStream> OwnedReadHalf<S> {
    /// The stream, for the half's tokio traits (`io/tokio_io.rs`).
    #[cfg(feature = "tokio-io")]
    pub(crate) fn stream(&self) -> &S {
        &self.inner
    }

    /// Joins the halves back into the stream.
    ///
    /// # Errors
    ///
    /// The stream module's `ReuniteError` (with both halves) if they come from different
    /// streams.
    pub fn reunite(self, other: OwnedWriteHalf<S>) -> Result<S, ReuniteError<S>> {
        reunite(self, other)
    }

    /// Waits until the socket is readable.
    pub async fn readable(&self) -> io::Result<()> {
        self.inner.readable().await
    }

    /// Reads without waiting; `WouldBlock` if nothing is there.
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.try_read(buf)
    }

    /// The remote address.
    pub fn peer_addr(&self) -> io::Result<S::Addr> {
        self.inner.peer_addr()
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<S::Addr> {
        self.inner.local_addr()
    }
}

impl<S: SplitStream> OwnedWriteHalf<S> {
    /// Joins the halves back into the stream.
    ///
    /// # Errors
    ///
    /// The stream module's `ReuniteError` (with both halves) if they come from different
    /// streams.
    pub fn reunite(self, other: OwnedReadHalf<S>) -> Result<S, ReuniteError<S>> {
        reunite(other, self)
    }

    /// Drops the half without shutting down the write direction.
    pub fn forget(mut self) {
        self.shutdown_on_drop = false;
    }

    /// Waits until the socket is writable.
    pub async fn writable(&self) -> io::Result<()> {
        self.inner.writable().await
    }

    /// Writes without waiting; `WouldBlock` if the send buffer is full.
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.inner.try_write(buf)
    }

    /// The remote address.
    pub fn peer_addr(&self) -> io::Result<S::Addr> {
        self.inner.peer_addr()
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<S::Addr> {
        self.inner.local_addr()
    }
}

impl<S: SplitStream> Drop for OwnedWriteHalf<S> {
    fn drop(&mut self) {
        if self.shutdown_on_drop {
            // The peer may be gone already (ENOTCONN): nothing left to tell it.
            let _ = self.inner.shutdown(Shutdown::Write);
        }
    }
}

impl<S: SplitStream> AsyncRead for OwnedReadHalf<S>
where
    for<'a> &'a S: AsyncRead,
{
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &*self.inner).poll_read(cx, buf)
    }

    fn poll_read_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &mut [io::IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &*self.inner).poll_read_vectored(cx, bufs)
    }
}

impl<S: SplitStream> AsyncWrite for OwnedWriteHalf<S>
where
    for<'a> &'a S: AsyncWrite,
{
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &*self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &*self.inner).poll_write_vectored(cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut &*self.inner).poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut &*self.inner).poll_close(cx)
    }
}

impl<S: SplitStream + fmt::Debug> fmt::Debug for OwnedReadHalf<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedReadHalf")
            .field("inner", &self.inner)
            .finish()
    }
}

impl<S: SplitStream + fmt::Debug> fmt::Debug for OwnedWriteHalf<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedWriteHalf")
            .field("inner", &self.inner)
            .field("shutdown_on_drop", &self.shutdown_on_drop)
            .finish()
    }
}
