//! What [`TcpStream`](super::TcpStream) and [`UnixStream`](super::UnixStream) share:
//! [`StreamIo`], the one implementation of stream reads and writes (the futures-io traits,
//! hyper's with the `hyper` feature and tokio's with `tokio-io` are written once, on it),
//! and the non-blocking connect.
//!
//! Each public stream holds a `StreamIo` and forwards the traits to it with
//! [`forward_stream_traits!`], which writes only one-line forwarding impls: a foreign
//! trait cannot be implemented for several local types at once.

use std::io::{self, Read, Write};
use std::net::Shutdown;
use std::ops::Deref;
#[cfg(unix)]
use std::os::fd::OwnedFd as OwnedSource;
#[cfg(windows)]
use std::os::windows::io::OwnedSocket as OwnedSource;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use eddy_reactor::Direction;
use futures_io::{AsyncRead, AsyncWrite};

use eddy_reactor::{AsSource, Reactor};
use socket2::{SockAddr, SockRef, Socket};

use super::read_count::{self, ReadCount};
use crate::io::Async;

/// A non-blocking connect of `socket` (non-blocking already: `net::new_socket`'s, or set
/// so by the caller) to `addr`: start it (`EINPROGRESS` is the usual
/// answer, `WSAEWOULDBLOCK` on Windows; `EINTR` means the same), register the socket
/// with `reactor`, wait until it is writable, then ask the kernel how it went (a pending
/// `SO_ERROR` is the connect's error).
pub(super) async fn connect<S>(
    socket: Socket,
    addr: &SockAddr,
    reactor: Arc<Reactor>,
) -> io::Result<StreamIo<S>>
where
    S: StdStream + From<OwnedSource>,
{
    let stream = S::from(OwnedSource::from(socket));
    match SockRef::from(&stream.as_source()).connect(addr) {
        Ok(()) => {}
        Err(err) if connect_in_progress(&err) => {}
        Err(err) => return Err(err),
    }
    let io = Async::with_reactor_nonblocking(stream, reactor)?;
    // The outcome is read only after the reactor has reported the socket writable, even
    // when `connect(2)` already succeeded (a Unix socket, or TCP over loopback, is queued
    // on the listener at once): a listener dropped before that report resets the queued
    // connection, and the caller gets that error rather than a stream whose peer is gone
    // (tokio's `connect` resolves the same way).
    io.writable().await?;
    // The report means the connect finished: a connecting socket is not writable, and every
    // backend keys its events by a live source's address, so no report is stale. Its
    // outcome is the pending error, if any (refused, reset, unreachable): one
    // `getsockopt(SO_ERROR)`, as tokio does.
    let source = io.get_ref().as_source();
    if let Some(err) = SockRef::from(&source).take_error()? {
        return Err(err);
    }
    // A client usually speaks first, so its first read would most often make a syscall
    // only to hear `WouldBlock` (one per connection, counted on tcp_churn): it waits for
    // the reactor's report instead, as tokio's reads do. A byte already here (a server
    // that greets) came with that report or brings one of its own.
    io.wait_for_first_read_edge();
    Ok(StreamIo(io, ReadCount::new()))
}

/// Whether a non-blocking `connect` failed only because it has not finished yet.
///
/// On Unix that includes `EINTR`: a connect a signal interrupts is not aborted but goes on
/// asynchronously (POSIX), so, as after `EINPROGRESS`, the outcome is learned by waiting
/// for writability and reading `SO_ERROR`. Calling `connect` again instead would fail
/// with `EALREADY` while it is under way.
fn connect_in_progress(err: &io::Error) -> bool {
    #[cfg(unix)]
    return matches!(err.raw_os_error(), Some(libc::EINPROGRESS | libc::EINTR));
    // `WSAEWOULDBLOCK`, which std reports as `WouldBlock`.
    #[cfg(windows)]
    return err.kind() == io::ErrorKind::WouldBlock;
}

/// The std stream types inside eddy's streams.
pub(crate) trait StdStream: AsSource {
    /// std's `shutdown`.
    fn shutdown(&self, how: Shutdown) -> io::Result<()>;

    /// Asks the kernel to count, with each read, the bytes still queued
    /// (`read_count.rs`); false where it cannot (the default).
    fn count_reads(&self) -> bool {
        false
    }

    /// Turns the count off again (the socket leaves eddy).
    fn stop_counting_reads(&self) {}

    /// One read into `bufs` (at most [`MAX_BUFS`](super::read_count::MAX_BUFS) of them),
    /// with the kernel's count of the bytes still queued if it gave one. Called only after
    /// [`count_reads`](Self::count_reads) said true.
    fn read_counted(&self, bufs: &mut [io::IoSliceMut<'_>]) -> io::Result<(usize, Option<usize>)> {
        let _ = bufs;
        unreachable!("read_counted without count_reads")
    }
}

impl StdStream for std::net::TcpStream {
    fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        std::net::TcpStream::shutdown(self, how)
    }

    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn count_reads(&self) -> bool {
        super::read_count::sys::enable(std::os::fd::AsFd::as_fd(self))
    }

    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn stop_counting_reads(&self) {
        super::read_count::sys::disable(std::os::fd::AsFd::as_fd(self));
    }

    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn read_counted(&self, bufs: &mut [io::IoSliceMut<'_>]) -> io::Result<(usize, Option<usize>)> {
        super::read_count::sys::recv_counted(std::os::fd::AsFd::as_fd(self), bufs)
    }
}

#[cfg(unix)]
impl StdStream for std::os::unix::net::UnixStream {
    fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        std::os::unix::net::UnixStream::shutdown(self, how)
    }
}

/// A registered stream socket: reads follow the stream rule (a short read clears
/// readiness, `Registration::poll_stream_read`, so a request/response connection makes
/// one `read` per message, not two), and once a read fills its buffer, reads carry the
/// kernel's count of what is left where it gives one (`read_count.rs`); `flush` has
/// nothing to do (every write went to the kernel); `close` shuts the write direction
/// down, so the peer reads end-of-stream.
pub(crate) struct StreamIo<S: AsSource>(Async<S>, ReadCount);

/// Transparent: a stream prints as its registered socket.
impl<S: AsSource + std::fmt::Debug> std::fmt::Debug for StreamIo<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl<S: StdStream> StreamIo<S>
where
    for<'a> &'a S: Read + Write,
{
    /// Registers `stream` with `reactor` (a Unix listener's accepted stream: std's
    /// `accept`, blocking).
    #[cfg(unix)]
    pub(crate) fn new(stream: S, reactor: Arc<Reactor>) -> io::Result<StreamIo<S>> {
        Ok(StreamIo(
            Async::with_reactor(stream, reactor)?,
            ReadCount::new(),
        ))
    }

    /// Registers `stream`, already non-blocking (`net::accept`'s), with `reactor`.
    pub(crate) fn new_nonblocking(stream: S, reactor: Arc<Reactor>) -> io::Result<StreamIo<S>> {
        Ok(StreamIo(
            Async::with_reactor_nonblocking(stream, reactor)?,
            ReadCount::new(),
        ))
    }

    /// Registers `stream` with the current runtime's reactor.
    #[track_caller]
    pub(crate) fn from_std(stream: S) -> io::Result<StreamIo<S>> {
        Ok(StreamIo(Async::new(stream)?, ReadCount::new()))
    }

    /// Deregisters the socket and returns it (still non-blocking).
    pub(crate) fn into_inner(self) -> io::Result<S> {
        let counted = self.1.is_on();
        let stream = self.0.into_inner()?;
        if counted {
            stream.stop_counting_reads();
        }
        Ok(stream)
    }

    /// A read of up to `len` bytes into `bufs` that carries the kernel's count of what is
    /// left, once [`ReadCount`] is on: nothing left clears readiness even after a full
    /// read (`Registration::poll_stream_read_queued`).
    fn poll_read_counted(
        &self,
        cx: &mut Context<'_>,
        len: usize,
        bufs: &mut [io::IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        self.0
            .poll_stream_read_queued(cx, len, |io| io.read_counted(bufs))
            .map_ok(|(n, _)| n)
    }

    /// Reads what is there without waiting; `WouldBlock` if nothing is.
    pub(crate) fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.try_io(Direction::Read, |mut s| s.read(buf))
    }

    /// Writes what fits without waiting; `WouldBlock` if the send buffer is full.
    pub(crate) fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.0.try_io(Direction::Write, |mut s| s.write(buf))
    }

    /// The socket's `shutdown`.
    pub(crate) fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.0.get_ref().shutdown(how)
    }

    /// A read straight into hyper's or tokio's buffer, which may be uninitialised, with
    /// no zeroing (`io::uninit`): the stream's `hyper::rt::Read` and
    /// `tokio::io::AsyncRead`.
    #[cfg(any(feature = "hyper", feature = "tokio-io"))]
    pub(crate) fn poll_read_uninit(
        &self,
        cx: &mut Context<'_>,
        buf: &mut impl crate::io::uninit::UninitBuf,
    ) -> Poll<io::Result<()>> {
        crate::io::uninit::poll_read_uninit(&self.0, cx, buf)
    }
}

/// The registered socket's own operations (`readable`, `read_with`, `get_ref`, ...).
impl<S: AsSource> Deref for StreamIo<S> {
    type Target = Async<S>;

    fn deref(&self) -> &Async<S> {
        &self.0
    }
}

impl<S: StdStream> AsyncRead for &StreamIo<S>
where
    for<'a> &'a S: Read + Write,
{
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let len = buf.len();
        if self.1.is_on() {
            let bufs = &mut [io::IoSliceMut::new(buf)];
            return self.poll_read_counted(cx, len, bufs);
        }
        let n = ready!(self.0.poll_stream_read(cx, len, |mut io| io.read(buf)))?;
        if n == len && n > 0 {
            self.1.filled(self.0.get_ref());
        }
        Poll::Ready(Ok(n))
    }

    fn poll_read_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &mut [io::IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.1.is_on() {
            // One `recvmsg` takes at most MAX_BUFS buffers (more fail): read into those.
            let max = bufs.len().min(read_count::MAX_BUFS);
            let bufs = &mut bufs[..max];
            let len = bufs.iter().map(|b| b.len()).sum();
            return self.poll_read_counted(cx, len, bufs);
        }
        let len = bufs.iter().map(|b| b.len()).sum();
        let n = ready!(self
            .0
            .poll_stream_read(cx, len, |mut io| io.read_vectored(bufs)))?;
        if n == len && n > 0 {
            self.1.filled(self.0.get_ref());
        }
        Poll::Ready(Ok(n))
    }
}

impl<S: StdStream> AsyncWrite for &StreamIo<S>
where
    for<'a> &'a S: Read + Write,
{
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.0.poll_io(Direction::Write, cx, |mut io| io.write(buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.0
            .poll_io(Direction::Write, cx, |mut io| io.write_vectored(bufs))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(self.0.get_ref().shutdown(Shutdown::Write))
    }
}

/// Implements the futures-io traits (and hyper's and tokio's, with their features) for a stream
/// type and its shared reference, each method forwarding to the type's `io: StreamIo<_>`
/// field, and the split halves' view of it (`$reunite_error`: the module's
/// `ReuniteError`). Forwarding only: the behaviour is
/// `StreamIo`'s.
macro_rules! forward_stream_traits {
    ($stream:ty, $addr:ty, $reunite_error:ident) => {
        impl futures_io::AsyncRead for &$stream {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                std::pin::Pin::new(&mut &self.io).poll_read(cx, buf)
            }

            fn poll_read_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &mut [std::io::IoSliceMut<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                std::pin::Pin::new(&mut &self.io).poll_read_vectored(cx, bufs)
            }
        }

        impl futures_io::AsyncWrite for &$stream {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                std::pin::Pin::new(&mut &self.io).poll_write(cx, buf)
            }

            fn poll_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                std::pin::Pin::new(&mut &self.io).poll_write_vectored(cx, bufs)
            }

            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::pin::Pin::new(&mut &self.io).poll_flush(cx)
            }

            fn poll_close(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::pin::Pin::new(&mut &self.io).poll_close(cx)
            }
        }

        impl futures_io::AsyncRead for $stream {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                std::pin::Pin::new(&mut &self.io).poll_read(cx, buf)
            }

            fn poll_read_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &mut [std::io::IoSliceMut<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                std::pin::Pin::new(&mut &self.io).poll_read_vectored(cx, bufs)
            }
        }

        impl futures_io::AsyncWrite for $stream {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                std::pin::Pin::new(&mut &self.io).poll_write(cx, buf)
            }

            fn poll_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                std::pin::Pin::new(&mut &self.io).poll_write_vectored(cx, bufs)
            }

            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::pin::Pin::new(&mut &self.io).poll_flush(cx)
            }

            fn poll_close(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::pin::Pin::new(&mut &self.io).poll_close(cx)
            }
        }

        #[cfg(feature = "hyper")]
        impl hyper::rt::Read for $stream {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                mut buf: hyper::rt::ReadBufCursor<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                self.io.poll_read_uninit(cx, &mut buf)
            }
        }

        #[cfg(feature = "hyper")]
        impl hyper::rt::Write for $stream {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                futures_io::AsyncWrite::poll_write(std::pin::Pin::new(&mut &self.io), cx, buf)
            }

            fn poll_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                futures_io::AsyncWrite::poll_write_vectored(
                    std::pin::Pin::new(&mut &self.io),
                    cx,
                    bufs,
                )
            }

            fn is_write_vectored(&self) -> bool {
                true
            }

            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                futures_io::AsyncWrite::poll_flush(std::pin::Pin::new(&mut &self.io), cx)
            }

            fn poll_shutdown(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                futures_io::AsyncWrite::poll_close(std::pin::Pin::new(&mut &self.io), cx)
            }
        }

        #[cfg(feature = "tokio-io")]
        crate::io::tokio_io::tokio_stream_traits!($stream);

        impl crate::net::split::SplitStream for $stream {}

        impl crate::net::split::sealed::Stream for $stream {
            type Addr = $addr;
            type ReuniteError = $reunite_error;

            fn reunite_error(
                read: crate::net::split::OwnedReadHalf<$stream>,
                write: crate::net::split::OwnedWriteHalf<$stream>,
            ) -> $reunite_error {
                $reunite_error(read, write)
            }

            fn peer_addr(&self) -> std::io::Result<$addr> {
                <$stream>::peer_addr(self)
            }

            fn local_addr(&self) -> std::io::Result<$addr> {
                <$stream>::local_addr(self)
            }

            fn shutdown(&self, how: std::net::Shutdown) -> std::io::Result<()> {
                self.io.shutdown(how)
            }

            async fn readable(&self) -> std::io::Result<()> {
                self.io.readable().await
            }

            async fn writable(&self) -> std::io::Result<()> {
                self.io.writable().await
            }

            fn try_read(&self, buf: &mut [u8]) -> std::io::Result<usize> {
                self.io.try_read(buf)
            }

            fn try_write(&self, buf: &[u8]) -> std::io::Result<usize> {
                self.io.try_write(buf)
            }
        }
    };
}

pub(crate) use forward_stream_traits;

#[cfg(all(test, unix))]
mod tests {
    use std::io;

    #[test]
    fn an_interrupted_connect_is_in_progress_not_failed() {
        let errno = |n| super::connect_in_progress(&io::Error::from_raw_os_error(n));
        assert!(errno(libc::EINPROGRESS));
        assert!(
            errno(libc::EINTR),
            "EINTR: the connect goes on asynchronously"
        );
        assert!(!errno(libc::ECONNREFUSED));
        assert!(!errno(libc::EALREADY));
    }
}
