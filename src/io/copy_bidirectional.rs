//! [`copy_bidirectional`]: both directions of a proxy in one future — tokio's
//! `io::copy_bidirectional`.
//!
//! Each direction is a small state machine polled in turn from one `poll_fn`:
//!
//! ```text
//! Running(buffer) --reader hit EOF, all written and flushed--> ShuttingDown
//! ShuttingDown    --writer's poll_close (shutdown of its write side)--> Done(bytes)
//! ```
//!
//! The future finishes when both directions are `Done`, or at the first error of either.
//! Within `Running`, a read refills the buffer only once all of it was written, and a
//! pending read first flushes what was written, so bytes never wait in a writer's buffer
//! while the reader is idle.

use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};

/// Each direction's buffer in [`copy_bidirectional`], as tokio's.
const DEFAULT_BUF_SIZE: usize = 8 * 1024;

/// Copies `a`'s input to `b` and `b`'s input to `a` at the same time, until both have
/// reached EOF; returns the bytes copied `(a to b, b to a)`.
///
/// When one direction's reader reaches EOF, the other side's write half is shut down
/// (`poll_close`: a TCP FIN), passing the half-close on, and the other direction goes on
/// until its own EOF. An error on either side ends the whole copy with that error (the
/// counts are then lost, as in tokio).
///
/// # Errors
///
/// The first I/O error of a read, write, flush or close on either side; a write that
/// takes no bytes is [`io::ErrorKind::WriteZero`].
///
/// # Examples
///
/// A proxy between two in-memory streams (with `TcpStream`s it is the same call):
///
/// ```
/// use eddy::io::{copy_bidirectional, duplex, AsyncReadExt, AsyncWriteExt};
///
/// eddy::run(async {
///     let (mut client, mut proxy_front) = duplex(64);
///     let (mut proxy_back, mut server) = duplex(64);
///     let proxy = eddy::spawn(async move {
///         copy_bidirectional(&mut proxy_front, &mut proxy_back).await
///     });
///
///     client.write_all(b"request").await.unwrap();
///     client.close().await.unwrap(); // half-close: the server sees EOF
///     let mut request = Vec::new();
///     server.read_to_end(&mut request).await.unwrap();
///     assert_eq!(request, b"request");
///
///     server.write_all(b"response").await.unwrap();
///     drop(server);
///     let mut response = Vec::new();
///     client.read_to_end(&mut response).await.unwrap();
///     assert_eq!(response, b"response");
///
///     assert_eq!(proxy.await.unwrap().unwrap(), (7, 8));
/// });
/// ```
pub async fn copy_bidirectional<A, B>(a: &mut A, b: &mut B) -> io::Result<(u64, u64)>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    copy_bidirectional_impl(a, b, DEFAULT_BUF_SIZE, DEFAULT_BUF_SIZE).await
}

/// [`copy_bidirectional`] with a buffer of `a_to_b_buf_size` bytes for `a` to `b` and
/// `b_to_a_buf_size` for `b` to `a` (the default is 8 KiB each).
///
/// # Panics
///
/// If a size is zero: pass at least 1.
///
/// # Errors
///
/// As [`copy_bidirectional`].
///
/// # Examples
///
/// ```
/// use eddy::io::{copy_bidirectional_with_sizes, duplex, AsyncReadExt, AsyncWriteExt};
///
/// eddy::run(async {
///     let (mut a, mut a_peer) = duplex(1024);
///     let (mut b, mut b_peer) = duplex(1024);
///     a_peer.write_all(&[7; 1000]).await.unwrap();
///     a_peer.close().await.unwrap();
///     b_peer.close().await.unwrap();
///     let counts = copy_bidirectional_with_sizes(&mut a, &mut b, 16, 16).await.unwrap();
///     assert_eq!(counts, (1000, 0));
///     let mut got = Vec::new();
///     b_peer.read_to_end(&mut got).await.unwrap();
///     assert_eq!(got, vec![7; 1000]);
/// });
/// ```
#[track_caller]
pub fn copy_bidirectional_with_sizes<'a, A, B>(
    a: &'a mut A,
    b: &'a mut B,
    a_to_b_buf_size: usize,
    b_to_a_buf_size: usize,
) -> impl std::future::Future<Output = io::Result<(u64, u64)>> + 'a
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    assert!(
        a_to_b_buf_size > 0 && b_to_a_buf_size > 0,
        "eddy::io::copy_bidirectional_with_sizes: buffer sizes must be at least 1 byte"
    );
    copy_bidirectional_impl(a, b, a_to_b_buf_size, b_to_a_buf_size)
}

async fn copy_bidirectional_impl<A, B>(
    a: &mut A,
    b: &mut B,
    a_to_b_buf_size: usize,
    b_to_a_buf_size: usize,
) -> io::Result<(u64, u64)>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    let mut a_to_b = Transfer::Running(CopyBuffer::new(a_to_b_buf_size));
    let mut b_to_a = Transfer::Running(CopyBuffer::new(b_to_a_buf_size));
    poll_fn(|cx| {
        // Both directions are polled on every wake-up, so each registers its wakers.
        let a_to_b = a_to_b.poll(cx, &mut *a, &mut *b)?;
        let b_to_a = b_to_a.poll(cx, &mut *b, &mut *a)?;
        let a_to_b = ready!(a_to_b);
        let b_to_a = ready!(b_to_a);
        Poll::Ready(Ok((a_to_b, b_to_a)))
    })
    .await
}

/// One direction's progress.
enum Transfer {
    /// Copying; the reader has not reached EOF, or its last bytes are not yet written.
    Running(CopyBuffer),
    /// The reader reached EOF and everything was written: the writer is being shut down.
    ShuttingDown(u64),
    /// Finished, with the bytes copied.
    Done(u64),
}

impl Transfer {
    fn poll<R, W>(
        &mut self,
        cx: &mut Context<'_>,
        reader: &mut R,
        writer: &mut W,
    ) -> Poll<io::Result<u64>>
    where
        R: AsyncRead + Unpin + ?Sized,
        W: AsyncWrite + Unpin + ?Sized,
    {
        loop {
            match self {
                Transfer::Running(buf) => {
                    let count = ready!(buf.poll_copy(cx, reader, writer))?;
                    *self = Transfer::ShuttingDown(count);
                }
                Transfer::ShuttingDown(count) => {
                    ready!(Pin::new(&mut *writer).poll_close(cx))?;
                    *self = Transfer::Done(*count);
                }
                Transfer::Done(count) => return Poll::Ready(Ok(*count)),
            }
        }
    }
}

/// Bytes read but not yet written: `buf[pos..cap]`.
struct CopyBuffer {
    buf: Box<[u8]>,
    pos: usize,
    cap: usize,
    /// The reader returned 0 (EOF).
    read_done: bool,
    /// Bytes were written since the last flush.
    need_flush: bool,
    /// Bytes written so far.
    amt: u64,
}

impl CopyBuffer {
    fn new(size: usize) -> CopyBuffer {
        CopyBuffer {
            buf: vec![0; size].into_boxed_slice(),
            pos: 0,
            cap: 0,
            read_done: false,
            need_flush: false,
            amt: 0,
        }
    }

    /// Copies until the reader's EOF has been reached and everything was written and
    /// flushed; returns the bytes copied.
    fn poll_copy<R, W>(
        &mut self,
        cx: &mut Context<'_>,
        reader: &mut R,
        writer: &mut W,
    ) -> Poll<io::Result<u64>>
    where
        R: AsyncRead + Unpin + ?Sized,
        W: AsyncWrite + Unpin + ?Sized,
    {
        loop {
            if self.pos == self.cap && !self.read_done {
                // A loop over streams that are always ready spends the budget here, so
                // a proxy over in-memory or never-blocking streams still lets others run.
                ready!(eddy_executor::coop::poll_proceed(cx));
                match Pin::new(&mut *reader).poll_read(cx, &mut self.buf) {
                    Poll::Ready(Ok(0)) => self.read_done = true,
                    Poll::Ready(Ok(n)) => {
                        self.pos = 0;
                        self.cap = n;
                    }
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => {
                        // Nothing more to read for now: push out what was written.
                        if self.need_flush {
                            ready!(Pin::new(&mut *writer).poll_flush(cx))?;
                            self.need_flush = false;
                        }
                        return Poll::Pending;
                    }
                }
            }
            while self.pos < self.cap {
                let n =
                    ready!(Pin::new(&mut *writer).poll_write(cx, &self.buf[self.pos..self.cap]))?;
                if n == 0 {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        "copy_bidirectional: the writer accepted zero bytes",
                    )));
                }
                self.pos += n;
                self.amt += n as u64;
                self.need_flush = true;
            }
            if self.read_done {
                ready!(Pin::new(&mut *writer).poll_flush(cx))?;
                self.need_flush = false;
                return Poll::Ready(Ok(self.amt));
            }
        }
    }
}
