//! [`duplex`]: an in-memory, bidirectional byte pipe — a socket pair without the socket,
//! for tests and for joining two pieces of code that each want a stream.
//!
//! Each direction is a [`Pipe`]: a bounded buffer behind its own lock, with the one
//! reader's and the one writer's waker. The two [`DuplexStream`]s share two pipes
//! crosswise (a's write pipe is b's read pipe). The lock is held only to copy bytes and
//! swap a waker; wakers are woken after it is released (a waker's `wake` may re-enter).
//!
//! Closing: `poll_close` or drop of a stream closes its write pipe (the peer reads what
//! is buffered, then EOF); drop also closes its read pipe (the peer's writes fail with
//! `BrokenPipe`, as on a socket whose peer is gone).

use std::fmt;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll, Waker};

use futures_io::{AsyncRead, AsyncWrite};

use super::read_dst::{poll_read_slice, ReadDst};
use crate::loom::sync::Mutex;
use crate::loom::Arc;

/// Creates a pair of connected in-memory streams; bytes written to one are read from the
/// other. Each direction buffers at most `max_buf_size` bytes: a writer to a full
/// direction waits until the peer reads. Like tokio's `duplex`.
///
/// A stream closed ([`close`](futures_lite::AsyncWriteExt::close)) or dropped gives its
/// peer EOF once the peer has read what was buffered; writing to a stream whose peer was
/// dropped fails with [`io::ErrorKind::BrokenPipe`].
///
/// # Panics
///
/// If `max_buf_size` is zero (no write could ever finish): pass at least 1.
///
/// # Examples
///
/// ```
/// use eddy::io::{duplex, AsyncReadExt, AsyncWriteExt};
///
/// eddy::run(async {
///     let (mut client, mut server) = duplex(64);
///     client.write_all(b"ping").await.unwrap();
///     let mut buf = [0u8; 4];
///     server.read_exact(&mut buf).await.unwrap();
///     assert_eq!(&buf, b"ping");
///
///     server.write_all(b"pong").await.unwrap();
///     drop(server); // the client reads what was sent, then EOF
///     let mut reply = String::new();
///     client.read_to_string(&mut reply).await.unwrap();
///     assert_eq!(reply, "pong");
/// });
/// ```
#[track_caller]
pub fn duplex(max_buf_size: usize) -> (DuplexStream, DuplexStream) {
    assert!(
        max_buf_size > 0,
        "eddy::io::duplex: max_buf_size must be at least 1 (a zero-sized pipe never takes a byte)"
    );
    let one = Arc::new(Mutex::new(Pipe::new(max_buf_size)));
    let two = Arc::new(Mutex::new(Pipe::new(max_buf_size)));
    (
        DuplexStream {
            read: one.clone(),
            write: two.clone(),
        },
        DuplexStream {
            read: two,
            write: one,
        },
    )
}

/// One end of an in-memory pipe pair; see [`duplex`]. It implements [`AsyncRead`] and
/// [`AsyncWrite`], and is `Send + Sync`.
///
/// # Examples
///
/// ```
/// use eddy::io::{duplex, AsyncWriteExt, AsyncBufReadExt, BufReader};
/// use futures_lite::StreamExt; // `next` on the `Lines` stream
///
/// eddy::run(async {
///     let (mut tx, rx) = duplex(1024);
///     eddy::spawn(async move {
///         tx.write_all(b"one\ntwo\n").await.unwrap();
///     });
///     let mut lines = BufReader::new(rx).lines();
///     assert_eq!(lines.next().await.unwrap().unwrap(), "one");
///     assert_eq!(lines.next().await.unwrap().unwrap(), "two");
///     assert!(lines.next().await.is_none()); // the writer was dropped
/// });
/// ```
pub struct DuplexStream {
    read: Arc<Mutex<Pipe>>,
    write: Arc<Mutex<Pipe>>,
}

// As tokio's (whose pipes sit behind std mutexes): each direction is changed only under
// its lock, in steps that leave it consistent (bytes appended or taken whole, flags set),
// so a panic elsewhere cannot expose a half-made change.
impl std::panic::UnwindSafe for DuplexStream {}
impl std::panic::RefUnwindSafe for DuplexStream {}

/// One direction: the bytes in flight and who waits on them.
struct Pipe {
    buf: std::collections::VecDeque<u8>,
    max: usize,
    /// No more bytes will be written: the writer closed or dropped its end, or the reader
    /// dropped its end (then writes fail).
    write_closed: bool,
    /// The reader dropped its end: writes fail with `BrokenPipe`.
    read_closed: bool,
    /// The reader, waiting for bytes or EOF.
    read_waker: Option<Waker>,
    /// The writer, waiting for room.
    write_waker: Option<Waker>,
}

impl Pipe {
    fn new(max: usize) -> Pipe {
        Pipe {
            buf: std::collections::VecDeque::new(),
            max,
            write_closed: false,
            read_closed: false,
            read_waker: None,
            write_waker: None,
        }
    }
}

/// Stores `cx`'s waker in `slot`, cloning only when it changed.
fn register(slot: &mut Option<Waker>, cx: &Context<'_>) {
    match slot {
        Some(w) if w.will_wake(cx.waker()) => {}
        _ => *slot = Some(cx.waker().clone()),
    }
}

/// Wakes `waker`, if any, after the caller released the pipe's lock.
fn wake(waker: Option<Waker>) {
    if let Some(w) = waker {
        w.wake();
    }
}

impl DuplexStream {
    /// Reads what is buffered into `dst` (the futures-io and tokio reads), or waits for
    /// bytes or EOF.
    pub(crate) fn poll_read_into(
        &self,
        cx: &mut Context<'_>,
        dst: &mut impl ReadDst,
    ) -> Poll<io::Result<()>> {
        // Bytes (or EOF) ready without waiting spend the budget, so a reader of a pipe that
        // is never empty still lets other tasks run.
        ready!(eddy_executor::coop::poll_proceed(cx));
        let waker = {
            let mut pipe = self.read.lock();
            if dst.remaining() == 0 {
                return Poll::Ready(Ok(()));
            }
            if pipe.buf.is_empty() {
                if pipe.write_closed {
                    return Poll::Ready(Ok(()));
                }
                register(&mut pipe.read_waker, cx);
                return Poll::Pending;
            }
            let n = dst.remaining().min(pipe.buf.len());
            let (front, back) = pipe.buf.as_slices();
            let from_front = n.min(front.len());
            dst.put_slice(&front[..from_front]);
            dst.put_slice(&back[..n - from_front]);
            pipe.buf.drain(..n);
            pipe.write_waker.take()
        };
        wake(waker);
        Poll::Ready(Ok(()))
    }
}

impl AsyncRead for DuplexStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        poll_read_slice(out, |dst| self.poll_read_into(cx, dst))
    }
}

impl AsyncWrite for DuplexStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(eddy_executor::coop::poll_proceed(cx));
        let (n, waker) = {
            let mut pipe = self.write.lock();
            if pipe.read_closed {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::BrokenPipe,
                    "the other end of the duplex stream was dropped",
                )));
            }
            if pipe.write_closed {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::BrokenPipe,
                    "this duplex stream's write side was closed",
                )));
            }
            if data.is_empty() {
                return Poll::Ready(Ok(0));
            }
            let room = pipe.max - pipe.buf.len();
            if room == 0 {
                register(&mut pipe.write_waker, cx);
                return Poll::Pending;
            }
            let n = room.min(data.len());
            pipe.buf.extend(&data[..n]);
            (n, pipe.read_waker.take())
        };
        wake(waker);
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Closes this end's write side: the peer reads what is buffered, then EOF. Reading
    /// from this end still works.
    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let waker = {
            let mut pipe = self.write.lock();
            pipe.write_closed = true;
            pipe.read_waker.take()
        };
        wake(waker);
        Poll::Ready(Ok(()))
    }
}

impl Drop for DuplexStream {
    fn drop(&mut self) {
        let reader = {
            let mut pipe = self.write.lock();
            pipe.write_closed = true;
            pipe.read_waker.take()
        };
        let writer = {
            let mut pipe = self.read.lock();
            pipe.read_closed = true;
            // The bytes can never be read: free them now.
            pipe.buf = Default::default();
            pipe.write_waker.take()
        };
        wake(reader);
        wake(writer);
    }
}

impl fmt::Debug for DuplexStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (readable, max) = {
            let pipe = self.read.lock();
            (pipe.buf.len(), pipe.max)
        };
        f.debug_struct("DuplexStream")
            .field("readable", &readable)
            .field("max_buf_size", &max)
            .finish_non_exhaustive()
    }
}
