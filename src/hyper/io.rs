//! [`EddyIo`]: any futures-io stream as hyper's [`Read`] + [`Write`]. eddy's own streams
//! need no wrapper: their `Read` reads straight into hyper's buffer, uninitialised as it
//! may be, through `io::uninit` (`net::stream_io` forwards there), which also holds the
//! one unsafe step of [`EddyIo`]'s reads: this file has none.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};
use hyper::rt::{Read, ReadBufCursor, Write};

use crate::io::uninit;

/// Any futures-io stream as hyper's [`Read`] + [`Write`] — hyper-util's `TokioIo` for the
/// futures-io world (eddy's own [`TcpStream`](crate::net::TcpStream) and
/// [`UnixStream`](crate::net::UnixStream) need no wrapper).
///
/// A futures-io read needs an initialised buffer, so each read zeroes at most 64 KiB of
/// hyper's buffer first; eddy's streams read into it directly instead.
///
/// # Examples
///
/// ```
/// use eddy::hyper::EddyIo;
/// use eddy::net::TcpStream;
///
/// # eddy::run(async {
/// # let listener = eddy::net::TcpListener::bind("127.0.0.1:0").await?;
/// # let addr = listener.local_addr()?;
/// // An owned half pair, or a TLS stream: anything AsyncRead + AsyncWrite.
/// let stream = TcpStream::connect(addr).await?;
/// let io = EddyIo::new(stream);
/// let stream: TcpStream = io.into_inner();
/// # drop(stream);
/// # std::io::Result::Ok(())
/// # })?;
/// # std::io::Result::Ok(())
/// ```
#[derive(Debug)]
pub struct EddyIo<T> {
    inner: T,
}

/// The most a single [`EddyIo`] read zeroes of hyper's buffer.
const MAX_ZEROED: usize = 64 * 1024;

impl<T> EddyIo<T> {
    /// Wraps `inner`.
    pub fn new(inner: T) -> EddyIo<T> {
        EddyIo { inner }
    }

    /// The wrapped stream.
    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    /// The wrapped stream, mutably.
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// Unwraps the stream.
    pub fn into_inner(self) -> T {
        self.inner
    }
}

impl<T: AsyncRead + Unpin> Read for EddyIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let inner = &mut self.get_mut().inner;
        uninit::poll_read_zeroed(&mut buf, MAX_ZEROED, |dst| {
            Pin::new(inner).poll_read(cx, dst)
        })
    }
}

impl<T: AsyncWrite + Unpin> Write for EddyIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_close(cx)
    }
}
