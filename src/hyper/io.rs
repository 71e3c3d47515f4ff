//! [`EddyIo`]: any futures-io stream as hyper's [`Read`] + [`Write`]. eddy's own streams
//! need no wrapper: their `Read` reads straight into hyper's buffer, uninitialised as it
//! may be, through `io::uninit` (`net::stream_io` forwards there). [`EddyIo`] reads into a
//! per-thread buffer and copies what arrived; this file has no unsafe code.

use std::cell::RefCell;
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
/// A futures-io read needs an initialised buffer and hyper's is not, so a read goes into a
/// buffer of the thread's (64 KiB, zeroed once per thread) and what arrived is copied into
/// hyper's: no per-read zeroing, no per-connection buffer, a copy of the bytes read. eddy's
/// own streams read into hyper's buffer directly.
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

/// The size of each thread's read buffer, and so the most a single [`EddyIo`] read takes.
const SCRATCH_LEN: usize = 64 * 1024;

thread_local! {
    /// The buffer [`EddyIo`] reads into before copying into hyper's: initialised once per
    /// thread, on first use, so a read costs a copy of what arrived rather than zeroing
    /// hyper's buffer (several KiB, on every read, `Pending` ones included).
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

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
        if buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        // The thread's buffer is busy only if the inner read itself reads through another
        // `EddyIo` on this thread, or the thread is exiting: then zero hyper's instead.
        let polled = SCRATCH.try_with(|scratch| {
            let mut scratch = scratch.try_borrow_mut().ok()?;
            if scratch.is_empty() {
                scratch.resize(SCRATCH_LEN, 0);
            }
            let len = buf.remaining().min(SCRATCH_LEN);
            Some(
                match Pin::new(&mut *inner).poll_read(cx, &mut scratch[..len]) {
                    Poll::Ready(Ok(n)) if n > len => Poll::Ready(Err(io::Error::other(
                        "AsyncRead::poll_read reported more bytes than the buffer holds",
                    ))),
                    Poll::Ready(Ok(n)) => {
                        buf.put_slice(&scratch[..n]);
                        Poll::Ready(Ok(()))
                    }
                    Poll::Ready(Err(err)) => Poll::Ready(Err(err)),
                    Poll::Pending => Poll::Pending,
                },
            )
        });
        match polled {
            Ok(Some(poll)) => poll,
            // `inner` was not polled: the closure returned before that, or never ran.
            _ => uninit::poll_read_zeroed(&mut buf, SCRATCH_LEN, |dst| {
                Pin::new(inner).poll_read(cx, dst)
            }),
        }
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
