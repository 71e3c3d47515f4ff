//! What [`TcpStream`](super::TcpStream) and [`UnixStream`](super::UnixStream) share:
//! the futures-io impls (reads and writes through the registered socket, and `close` as a
//! write shutdown, so the peer reads end-of-stream), and the non-blocking connect.

use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::Arc;

use eddy_reactor::Reactor;
use socket2::{SockAddr, SockRef, Socket};

use crate::io::Async;

/// A non-blocking connect of `socket` to `addr`: start it (`EINPROGRESS` is the usual
/// answer), register the socket with `reactor`, wait until it is writable, then ask the
/// kernel how it went (a pending `SO_ERROR` is the connect's error).
pub(super) async fn connect<S>(
    socket: Socket,
    addr: &SockAddr,
    reactor: Arc<Reactor>,
) -> io::Result<Async<S>>
where
    S: AsFd + From<OwnedFd>,
{
    socket.set_nonblocking(true)?;
    match socket.connect(addr) {
        Ok(()) => {}
        Err(err) if err.raw_os_error() == Some(libc::EINPROGRESS) => {}
        Err(err) => return Err(err),
    }
    let io = Async::with_reactor(S::from(OwnedFd::from(socket)), reactor)?;
    // The outcome is read only after the reactor has reported the socket writable, even
    // when `connect(2)` already succeeded (a Unix socket, or TCP over loopback, is queued
    // on the listener at once): a listener dropped before that report resets the queued
    // connection, and the caller gets that error rather than a stream whose peer is gone
    // (tokio's `connect` resolves the same way).
    io.writable().await?;
    // Done when the kernel reports an error (refused, reset, unreachable) or a peer. Until
    // then (`ENOTCONN`) it is still connecting: wait for the next writable edge. A writable
    // report alone is not proof — it may be stale (an event for an earlier fd that had
    // the same registration key).
    io.write_with(|socket| {
        let socket = SockRef::from(socket);
        if let Some(err) = socket.take_error()? {
            return Err(err);
        }
        match socket.peer_addr() {
            Ok(_) => Ok(()),
            Err(err) if err.raw_os_error() == Some(libc::ENOTCONN) => {
                Err(io::ErrorKind::WouldBlock.into())
            }
            Err(err) => Err(err),
        }
    })
    .await?;
    Ok(io)
}

/// Implements `AsyncRead` / `AsyncWrite` for `$stream` and `&$stream`, whose field `io`
/// is an `Async` of a std stream with a `shutdown(Shutdown)` method.
macro_rules! stream_io {
    ($stream:ty) => {
        // Stream reads: a short read clears readiness (`Async::poll_stream_read`), so a
        // request/response connection makes one `read` per message, not two.
        impl futures_io::AsyncRead for &$stream {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let len = buf.len();
                self.io
                    .poll_stream_read(cx, len, |mut io| std::io::Read::read(&mut io, buf))
            }

            fn poll_read_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &mut [std::io::IoSliceMut<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let len = bufs.iter().map(|b| b.len()).sum();
                self.io.poll_stream_read(cx, len, |mut io| {
                    std::io::Read::read_vectored(&mut io, bufs)
                })
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
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                // Sockets have no user-space buffer: every write went to the kernel.
                std::task::Poll::Ready(Ok(()))
            }

            fn poll_close(
                self: std::pin::Pin<&mut Self>,
                _cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::task::Poll::Ready(self.io.get_ref().shutdown(std::net::Shutdown::Write))
            }
        }

        impl futures_io::AsyncRead for $stream {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                std::pin::Pin::new(&mut &*self).poll_read(cx, buf)
            }

            fn poll_read_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &mut [std::io::IoSliceMut<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                std::pin::Pin::new(&mut &*self).poll_read_vectored(cx, bufs)
            }
        }

        impl futures_io::AsyncWrite for $stream {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                std::pin::Pin::new(&mut &*self).poll_write(cx, buf)
            }

            fn poll_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                std::pin::Pin::new(&mut &*self).poll_write_vectored(cx, bufs)
            }

            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::pin::Pin::new(&mut &*self).poll_flush(cx)
            }

            fn poll_close(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::pin::Pin::new(&mut &*self).poll_close(cx)
            }
        }
    };
}

pub(crate) use stream_io;
