//! tokio's I/O traits for eddy's types (feature `tokio-io`; the user's story is in the
//! [`eddy::io`](super) module docs): each impl forwards to the type's own read or to its
//! futures-io write, so the behaviour — readiness, the cooperative budget, half-close —
//! is the one the futures-io traits already have, written once.
//!
//! | type | `poll_read` | `poll_write_vectored` | `poll_shutdown` |
//! |---|---|---|---|
//! | `TcpStream`, `UnixStream`, a `&` of either, their owned halves | straight into the `ReadBuf`'s unfilled part, uninitialised as it may be (`io::uninit`) | `writev` | shuts the write direction down |
//! | `ChildStdout`, `ChildStderr` | Unix: as a socket (a pipe on the reactor); Windows: copied from the pool call's buffer | — | — |
//! | `ChildStdin` | — | Unix: `writev`; Windows: the first buffer | flushes (the pipe closes on drop) |
//! | `fs::File` (and `AsyncSeek`) | copied from the read-ahead | the first buffer | flushes |
//! | `DuplexStream` | copied from the pipe | the first buffer | closes this end's write side |
//! | `Stdin`, `Stdout`, `Stderr` | copied from the pool call's buffer | the first buffer | flushes |
//! | `io::ReadHalf<T>`, `io::WriteHalf<T>` | `T`'s tokio impl, under the halves' lock | `T`'s | `T`'s |
//!
//! Copies go through [`ReadDst`](super::read_dst::ReadDst) (`ReadBuf::put_slice`), so
//! nothing is zeroed and no unsafe code is needed here; the reads into uninitialised
//! memory are `io/uninit.rs`'s, shared with the `hyper` feature.

use std::io::{self, SeekFrom};
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::ReadBuf;

use super::{DuplexStream, ReadHalf, Stderr, Stdin, Stdout, WriteHalf};
use crate::fs::File;
use crate::net::split::{OwnedReadHalf, OwnedWriteHalf, SplitStream};
use crate::process::{ChildStderr, ChildStdin, ChildStdout};

/// `tokio::io::AsyncRead` for a type by a read into a `ReadBuf` — an uninitialised read
/// or a [`ReadDst`](super::read_dst::ReadDst) copy — reached from `&mut Self` as `$me`.
macro_rules! read_via {
    (impl[$($gen:tt)*] $ty:ty: |$me:ident| $($read:tt)+) => {
        impl<$($gen)*> tokio::io::AsyncRead for $ty {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut tokio::io::ReadBuf<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                let $me = self.get_mut();
                $($read)+(cx, buf)
            }
        }
    };
}

pub(crate) use read_via;

/// `tokio::io::AsyncWrite` for a type by its futures-io `AsyncWrite`: each method is the
/// same call, and `poll_shutdown` is `poll_close`. `vectored` says whether its
/// `poll_write_vectored` writes more than the first buffer.
macro_rules! write_via_futures_io {
    (impl[$($gen:tt)*] $ty:ty $(where [$($bound:tt)*])?; vectored: $vectored:expr) => {
        impl<$($gen)*> tokio::io::AsyncWrite for $ty $(where $($bound)*)? {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                futures_io::AsyncWrite::poll_write(self, cx, buf)
            }

            fn poll_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                futures_io::AsyncWrite::poll_write_vectored(self, cx, bufs)
            }

            fn is_write_vectored(&self) -> bool {
                $vectored
            }

            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                futures_io::AsyncWrite::poll_flush(self, cx)
            }

            fn poll_shutdown(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                futures_io::AsyncWrite::poll_close(self, cx)
            }
        }
    };
}

pub(crate) use write_via_futures_io;

/// tokio's traits for a stream socket type and its shared reference, invoked by
/// `net::stream_io::forward_stream_traits!` in the stream's own module (the read reaches
/// the stream's private `io: StreamIo<_>`): reads without zeroing, writes as futures-io's.
macro_rules! tokio_stream_traits {
    ($stream:ty) => {
        $crate::io::tokio_io::read_via!(impl[] $stream: |me| me.io.poll_read_uninit);
        $crate::io::tokio_io::read_via!(impl['a] &'a $stream: |me| me.io.poll_read_uninit);
        $crate::io::tokio_io::write_via_futures_io!(impl[] $stream; vectored: true);
        $crate::io::tokio_io::write_via_futures_io!(impl['a] &'a $stream; vectored: true);
    };
}

pub(crate) use tokio_stream_traits;

// The owned halves of `TcpStream` and `UnixStream`: the stream's impls through a shared
// reference, as their futures-io impls.

impl<S: SplitStream> tokio::io::AsyncRead for OwnedReadHalf<S>
where
    for<'a> &'a S: tokio::io::AsyncRead,
{
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        tokio::io::AsyncRead::poll_read(Pin::new(&mut self.stream()), cx, buf)
    }
}

write_via_futures_io!(
    impl[S: SplitStream] OwnedWriteHalf<S> where [for<'a> &'a S: futures_io::AsyncWrite];
    vectored: true
);

// The child's pipes.

read_via!(impl[] ChildStdout: |pipe| pipe.poll_read_buf);
read_via!(impl[] ChildStderr: |pipe| pipe.poll_read_buf);

write_via_futures_io!(impl[] ChildStdin; vectored: cfg!(unix));

// Files.

read_via!(impl[] File: |file| file.poll_read_into);

write_via_futures_io!(impl[] File; vectored: false);

impl tokio::io::AsyncSeek for File {
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        self.get_mut().start_seek(position)
    }

    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        self.get_mut().poll_seek_complete(cx)
    }
}

// In-memory pipes.

read_via!(impl[] DuplexStream: |stream| stream.poll_read_into);

write_via_futures_io!(impl[] DuplexStream; vectored: false);

// The standard streams.

read_via!(impl[] Stdin: |stdin| stdin.0.poll_read_into);

write_via_futures_io!(impl[] Stdout; vectored: false);
write_via_futures_io!(impl[] Stderr; vectored: false);

// `io::split`'s halves: the stream's own tokio impls, one poll at a time under the lock
// the halves share (as their futures-io impls).

impl<T: tokio::io::AsyncRead> tokio::io::AsyncRead for ReadHalf<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        tokio::io::AsyncRead::poll_read(self.inner.lock().as_mut(), cx, buf)
    }
}

impl<T: tokio::io::AsyncWrite> tokio::io::AsyncWrite for WriteHalf<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        tokio::io::AsyncWrite::poll_write(self.inner.lock().as_mut(), cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        tokio::io::AsyncWrite::poll_write_vectored(self.inner.lock().as_mut(), cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        tokio::io::AsyncWrite::is_write_vectored(&**self.inner.lock())
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        tokio::io::AsyncWrite::poll_flush(self.inner.lock().as_mut(), cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        tokio::io::AsyncWrite::poll_shutdown(self.inner.lock().as_mut(), cx)
    }
}
