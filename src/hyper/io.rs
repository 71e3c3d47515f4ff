//! hyper's [`Read`] for eddy's streams without zeroing the buffer (their `Read` and
//! `Write` impls forward here, `net::stream_io`), and [`EddyIo`] for any futures-io stream.
//!
//! This is one of the two modules of the facade that may use `unsafe` (the crate is
//! `#![deny(unsafe_code)]`; the other is Windows' console handler, `signal/windows.rs`):
//! hyper hands a read an uninitialised
//! buffer ([`ReadBufCursor::as_mut`]), and filling it without first zeroing it — what
//! makes eddy's socket reads as cheap as tokio's — needs a raw `read(2)` (on Windows,
//! socket2's `recv` into uninitialised memory) and an `advance(n)` hyper cannot check.

#![allow(unsafe_code)]

use std::io;
use std::mem::MaybeUninit;
#[cfg(unix)]
use std::os::fd::{AsRawFd, BorrowedFd};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};
use hyper::rt::{Read, ReadBufCursor, Write};

use crate::net::stream_io::{StdStream, StreamIo};

/// `read(2)` of `fd` into `buf`, which may be uninitialised; retried on `EINTR`.
/// Returns how many bytes it wrote, all initialised.
#[cfg(unix)]
fn read_uninit(fd: BorrowedFd<'_>, buf: &mut [MaybeUninit<u8>]) -> io::Result<usize> {
    loop {
        // SAFETY: `buf` is valid for writes of `buf.len()` bytes for the whole call (it is
        // borrowed mutably), `MaybeUninit<u8>` has `u8`'s layout, and the kernel writes at
        // most `len` bytes; `fd` is open for the call's duration (borrowed).
        let n = unsafe { libc::read(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
        if n >= 0 {
            return Ok(n as usize);
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}

/// `recv` of `socket` into `buf`, which may be uninitialised (socket2 takes such a
/// buffer). Returns how many bytes it wrote, all initialised.
#[cfg(windows)]
fn read_uninit(
    socket: std::os::windows::io::BorrowedSocket<'_>,
    buf: &mut [MaybeUninit<u8>],
) -> io::Result<usize> {
    socket2::SockRef::from(&socket).recv(buf)
}

impl<S: StdStream> StreamIo<S>
where
    for<'a> &'a S: std::io::Read + std::io::Write,
{
    /// A read straight into hyper's buffer, which may be uninitialised, through the
    /// reactor's stream rule (a short read clears readiness) and the task's cooperative
    /// budget, as every eddy stream read: the stream's `hyper::rt::Read`.
    pub(crate) fn poll_read_uninit(
        &self,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        // SAFETY: `read_uninit` only writes to the slice (through `read(2)`, or socket2's
        // `recv`, which promises the same); it never de-initialises a byte that was
        // initialised.
        let unfilled = unsafe { buf.as_mut() };
        let len = unfilled.len();
        let n =
            ready!(self.poll_stream_read(cx, len, |sock| read_uninit(sock.as_source(), unfilled)))?;
        // SAFETY: `read(2)` (or `recv`) initialised the first `n` bytes of the unfilled part.
        unsafe { buf.advance(n) };
        Poll::Ready(Ok(()))
    }
}

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
        let len = buf.remaining().min(MAX_ZEROED);
        let dst = buf.initialize_unfilled_to(len);
        let n = ready!(Pin::new(&mut self.get_mut().inner).poll_read(cx, dst))?;
        // A reader that claims more than it was given is broken; refuse it rather than
        // let hyper see bytes that were never read.
        if n > len {
            return Poll::Ready(Err(io::Error::other(
                "AsyncRead::poll_read reported more bytes than the buffer holds",
            )));
        }
        // SAFETY: `initialize_unfilled_to(len)` initialised the first `len >= n` bytes.
        unsafe { buf.advance(n) };
        Poll::Ready(Ok(()))
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
