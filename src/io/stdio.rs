//! The standard streams as `futures-io` types: each read or write runs the std handle's
//! call on the blocking pool (a terminal or pipe read may block for ever, which must not
//! happen on a worker), as tokio's stdio does.

use std::fmt;
use std::future::Future;
use std::io::{self, Read, Write};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};

use super::read_dst::{poll_read_slice, ReadDst};
use crate::task::JoinHandle;

/// The most one thread hop reads or writes.
const MAX_BUF: usize = 2 * 1024 * 1024;

/// The process's standard input; see [`stdin`].
pub struct Stdin(pub(super) Blocking<io::Stdin>);

/// The process's standard output; see [`stdout`].
pub struct Stdout(Blocking<io::Stdout>);

/// The process's standard error; see [`stderr`].
pub struct Stderr(Blocking<io::Stderr>);

/// The process's standard input, read on the blocking pool. Each read that finds the
/// buffer empty is one thread hop, reading what is available (up to 2 MiB).
///
/// # Examples
///
/// ```no_run
/// use futures_lite::AsyncReadExt;
///
/// eddy::run(async {
///     let mut line = String::new();
///     eddy::io::stdin().read_to_string(&mut line).await.unwrap();
/// });
/// ```
pub fn stdin() -> Stdin {
    Stdin(Blocking::reopening(io::stdin))
}

/// The process's standard output, written on the blocking pool. A write returns once
/// the data is copied (up to 2 MiB at a time); it is written and flushed in the
/// background, and its error is returned by the next write or `flush`.
///
/// # Examples
///
/// ```
/// use futures_lite::AsyncWriteExt;
///
/// eddy::run(async {
///     let mut out = eddy::io::stdout();
///     out.write_all(b"hello from the blocking pool\n").await.unwrap();
///     out.flush().await.unwrap();
/// });
/// ```
pub fn stdout() -> Stdout {
    Stdout(Blocking::reopening(io::stdout))
}

/// The process's standard error, written on the blocking pool; as [`stdout`].
///
/// # Examples
///
/// ```
/// use futures_lite::AsyncWriteExt;
///
/// eddy::run(async {
///     eddy::io::stderr().write_all(b"warning: example\n").await.unwrap();
/// });
/// ```
pub fn stderr() -> Stderr {
    Stderr(Blocking::reopening(io::stderr))
}

/// A blocking std handle behind a buffer: idle (we hold both) or busy with one call on
/// a pool thread (which holds both).
pub(crate) struct Blocking<T> {
    state: State<T>,
    /// Makes the handle again when a call that never ran (the blocking pool could not
    /// start a thread) or panicked took it away: the std streams. Without it the handle
    /// is then lost, and every later call says so.
    reopen: Option<fn() -> T>,
}

enum State<T> {
    Idle(Option<(T, Vec<u8>, usize)>),
    Busy(JoinHandle<(io::Result<usize>, T, Vec<u8>)>),
    /// A call failed without giving the handle back, and it cannot be made again.
    Lost,
}

/// As tokio's handles: a handle's state changes only through `&mut self`, each step
/// leaving it idle with its buffer or busy with one job; the results that job carries
/// (an `io::Error` is not `UnwindSafe` by itself) are only read once it is done. So the
/// handles may cross `catch_unwind`.
impl<T> std::panic::UnwindSafe for Blocking<T> {}
impl<T> std::panic::RefUnwindSafe for Blocking<T> {}

impl<T: Send + 'static> Blocking<T> {
    #[cfg_attr(not(windows), allow(dead_code))]
    pub(crate) fn new(inner: T) -> Blocking<T> {
        Blocking {
            state: State::Idle(Some((inner, Vec::new(), 0))),
            reopen: None,
        }
    }

    /// A handle that `open` makes, again after a call that could not run lost it.
    fn reopening(open: fn() -> T) -> Blocking<T> {
        Blocking {
            state: State::Idle(Some((open(), Vec::new(), 0))),
            reopen: Some(open),
        }
    }

    /// Waits for the call in flight. Returns its result; the handle is idle afterwards
    /// (with the buffer the call filled, for a read). A call that never ran — the blocking
    /// pool could not start a thread, or the runtime shut down — returns its error and
    /// leaves the handle idle (made again) or lost, never a spent `JoinHandle` that a
    /// later call would poll again.
    fn poll_complete(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let handle = match &mut self.state {
            State::Busy(handle) => handle,
            State::Idle(_) => return Poll::Ready(Ok(0)),
            State::Lost => return Poll::Ready(Err(lost())),
        };
        match ready!(Pin::new(handle).poll(cx)) {
            Ok((res, inner, buf)) => {
                self.state = State::Idle(Some((inner, buf, 0)));
                Poll::Ready(res)
            }
            Err(err) => {
                self.state = match self.reopen {
                    Some(open) => State::Idle(Some((open(), Vec::new(), 0))),
                    None => State::Lost,
                };
                Poll::Ready(Err(err.into()))
            }
        }
    }

    /// The handle, if no call is in flight and no read data is buffered (process pipes
    /// handed on as another child's stdio, on Windows).
    #[cfg(windows)]
    pub(crate) fn into_inner(self) -> io::Result<T> {
        match self.state {
            State::Idle(Some((inner, buf, pos))) if pos == buf.len() => Ok(inner),
            _ => Err(io::Error::other(
                "the pipe has a call in flight or unread data: finish reading or writing first",
            )),
        }
    }
}

/// The error of every call on a handle that a failed call took away.
fn lost() -> io::Error {
    io::Error::other(
        "the handle was lost with a call that could not run (the blocking pool could not \
         start a thread, or the runtime shut down)",
    )
}

impl<T: Read + Send + 'static> Blocking<T> {
    pub(crate) fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        dst: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        poll_read_slice(dst, |dst| self.poll_read_into(cx, dst))
    }

    /// Serves a read from the buffer, or fetches up to `dst.remaining()` bytes (at most
    /// 2 MiB) on a pool thread first.
    pub(crate) fn poll_read_into(
        &mut self,
        cx: &mut Context<'_>,
        dst: &mut impl ReadDst,
    ) -> Poll<io::Result<()>> {
        loop {
            match &mut self.state {
                State::Idle(slot) => {
                    let (inner, mut buf, pos) = slot.take().expect("idle stdio holds its buffer");
                    if pos < buf.len() || dst.remaining() == 0 {
                        let n = (buf.len() - pos).min(dst.remaining());
                        dst.put_slice(&buf[pos..pos + n]);
                        *slot = Some((inner, buf, pos + n));
                        return Poll::Ready(Ok(()));
                    }
                    let want = dst.remaining().min(MAX_BUF);
                    let mut inner = inner;
                    self.state = State::Busy(crate::task::spawn_blocking(move || {
                        buf.resize(want, 0);
                        let res = loop {
                            match inner.read(&mut buf) {
                                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                                res => break res,
                            }
                        };
                        buf.truncate(*res.as_ref().unwrap_or(&0));
                        (res, inner, buf)
                    }));
                }
                State::Busy(_) | State::Lost => {
                    if ready!(self.poll_complete(cx))? == 0 {
                        return Poll::Ready(Ok(()));
                    }
                }
            }
        }
    }
}

impl<T: Write + Send + 'static> Blocking<T> {
    pub(crate) fn poll_write(
        &mut self,
        cx: &mut Context<'_>,
        src: &[u8],
    ) -> Poll<io::Result<usize>> {
        loop {
            match &mut self.state {
                State::Idle(slot) => {
                    let (mut inner, mut buf, _) = slot.take().expect("idle stdio holds its buffer");
                    let n = src.len().min(MAX_BUF);
                    buf.clear();
                    buf.extend_from_slice(&src[..n]);
                    self.state = State::Busy(crate::task::spawn_blocking(move || {
                        let res = inner.write_all(&buf).and_then(|()| inner.flush());
                        buf.clear();
                        (res.map(|()| 0), inner, buf)
                    }));
                    return Poll::Ready(Ok(n));
                }
                State::Busy(_) | State::Lost => {
                    ready!(self.poll_complete(cx))?;
                }
            }
        }
    }

    pub(crate) fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // Every write flushes on its pool thread: waiting for the one in flight is enough.
        ready!(self.poll_complete(cx))?;
        Poll::Ready(Ok(()))
    }
}

impl AsyncRead for Stdin {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().0.poll_read(cx, buf)
    }
}

macro_rules! impl_async_write {
    ($t:ty) => {
        impl AsyncWrite for $t {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                self.get_mut().0.poll_write(cx, buf)
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.get_mut().0.poll_flush(cx)
            }

            fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.get_mut().0.poll_flush(cx)
            }
        }
    };
}
impl_async_write!(Stdout);
impl_async_write!(Stderr);

impl fmt::Debug for Stdin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stdin").finish_non_exhaustive()
    }
}

impl fmt::Debug for Stdout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stdout").finish_non_exhaustive()
    }
}

impl fmt::Debug for Stderr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stderr").finish_non_exhaustive()
    }
}
