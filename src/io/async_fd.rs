//! [`Async`]: readiness-based I/O on any non-blocking fd (Unix) or socket (Windows), on
//! the current runtime's reactor.

use std::fmt;
use std::io::{self, Read, Write};
#[cfg(unix)]
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
#[cfg(windows)]
use std::os::windows::io::{AsRawSocket, AsSocket, BorrowedSocket, RawSocket};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use eddy_executor::coop;
use eddy_reactor::{AsSource, Direction, Reactor};
use futures_io::{AsyncRead, AsyncWrite};

use super::{Interest, Ready};
use crate::runtime::{context, Handle};

/// An I/O object registered with the runtime's reactor — asyncio's
/// `add_reader` / `add_writer`, as futures.
///
/// `Async::new` makes the fd non-blocking and registers it; dropping the `Async`
/// deregisters it before the inner object closes the fd. Operations try the syscall
/// first and wait for readiness only when it says `WouldBlock`, so a ready fd costs no
/// trip through the reactor. Every operation spends one unit of the task's cooperative
/// budget, so a task reading a fast socket in a loop still lets the others run.
///
/// When `&T` implements `Read` / `Write` (sockets, pipes, files), `Async<T>` implements
/// [`AsyncRead`] / [`AsyncWrite`].
///
/// `T` is anything the reactor can register ([`eddy_reactor::AsSource`]): on Unix any
/// [`AsFd`](std::os::fd::AsFd) type (sockets, pipes, terminals, devices), on Windows any
/// `AsSocket` type (the poller waits on sockets only there).
///
/// # Examples
///
/// A pipe of Unix sockets, one end written synchronously, the other awaited:
///
/// ```
/// use std::io::Write;
/// use std::os::unix::net::UnixStream;
/// use futures_lite::AsyncReadExt;
///
/// eddy::run(async {
///     let (ours, mut theirs) = UnixStream::pair().unwrap();
///     let mut ours = eddy::io::Async::new(ours).unwrap();
///     std::thread::spawn(move || theirs.write_all(b"ping").unwrap());
///     let mut buf = [0; 4];
///     ours.read_exact(&mut buf).await.unwrap();
///     assert_eq!(&buf, b"ping");
/// });
/// ```
pub struct Async<T: AsSource> {
    inner: eddy_reactor::Registration<T>,
}

impl<T: AsSource> Async<T> {
    /// Makes `io` non-blocking and registers it with the current runtime's reactor.
    ///
    /// # Errors
    ///
    /// The OS error if the fd cannot be made non-blocking or registered.
    ///
    /// # Panics
    ///
    /// Outside a runtime, naming the fix.
    #[track_caller]
    pub fn new(io: T) -> io::Result<Async<T>> {
        Async::with_reactor(io, current_reactor())
    }

    pub(crate) fn with_reactor(io: T, reactor: Arc<Reactor>) -> io::Result<Async<T>> {
        Ok(Async {
            inner: eddy_reactor::Registration::new(io, reactor)?,
        })
    }

    /// [`with_reactor`](Async::with_reactor) for an `io` already in non-blocking mode: no
    /// system call to set it again.
    pub(crate) fn with_reactor_nonblocking(io: T, reactor: Arc<Reactor>) -> io::Result<Async<T>> {
        Ok(Async {
            inner: eddy_reactor::Registration::new_nonblocking(io, reactor)?,
        })
    }

    /// The reactor the fd is registered with (a socket accepted from this one joins it).
    pub(crate) fn reactor(&self) -> &Arc<Reactor> {
        self.inner.reactor()
    }

    /// The inner I/O object.
    pub fn get_ref(&self) -> &T {
        self.inner.get_ref()
    }

    /// The inner I/O object, mutably. Reading or writing it directly is fine; closing
    /// or replacing its fd is not (the reactor still holds the registration).
    pub fn get_mut(&mut self) -> &mut T {
        self.inner.get_mut()
    }

    /// Deregisters the fd and returns the inner object (still non-blocking).
    ///
    /// # Errors
    ///
    /// The OS error if the fd cannot be removed from the poller.
    pub fn into_inner(self) -> io::Result<T> {
        self.inner.into_inner()
    }

    /// Waits until the fd is readable (or an error or hang-up is pending).
    pub async fn readable(&self) -> io::Result<()> {
        std::future::poll_fn(|cx| self.poll_readable(cx)).await
    }

    /// Waits until the fd is writable (or an error or hang-up is pending).
    pub async fn writable(&self) -> io::Result<()> {
        std::future::poll_fn(|cx| self.poll_writable(cx)).await
    }

    /// Polls for readability.
    pub fn poll_readable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(coop::poll_proceed(cx));
        self.inner.poll_readable(cx)
    }

    /// Polls for writability.
    pub fn poll_writable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(coop::poll_proceed(cx));
        self.inner.poll_writable(cx)
    }

    /// Waits until the fd is ready for any of `interest`, and says which (tokio's
    /// `ready`). Like [`readable`](Self::readable) it can be spuriously ready: follow it
    /// with a non-blocking operation, and wait again on `WouldBlock`.
    ///
    /// # Errors
    ///
    /// An error of kind `Other` once the runtime has shut down.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// use eddy::io::{Async, Interest};
    ///
    /// eddy::run(async {
    ///     let (ours, _theirs) = UnixStream::pair().unwrap();
    ///     let ours = Async::new(ours).unwrap();
    ///     // An empty socket buffer: writable, not readable.
    ///     let ready = ours.ready(Interest::READABLE | Interest::WRITABLE).await.unwrap();
    ///     assert!(ready.is_writable());
    /// });
    /// ```
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        std::future::poll_fn(|cx| self.poll_ready(interest, cx)).await
    }

    /// Polls for readiness in any of `interest` (the building block of
    /// [`ready`](Self::ready)); `Pending` registers the task for each direction.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// use eddy::io::{Async, Interest};
    ///
    /// eddy::run(async {
    ///     let (ours, _theirs) = UnixStream::pair().unwrap();
    ///     let ours = Async::new(ours).unwrap();
    ///     let ready = std::future::poll_fn(|cx| ours.poll_ready(Interest::WRITABLE, cx)).await;
    ///     assert!(ready.unwrap().is_writable());
    /// });
    /// ```
    pub fn poll_ready(&self, interest: Interest, cx: &mut Context<'_>) -> Poll<io::Result<Ready>> {
        ready!(coop::poll_proceed(cx));
        let mut found = Ready::EMPTY;
        for dir in interest.directions() {
            // Each direction not ready registers the task, so an edge in any of them wakes
            // it; an entry left behind costs one spurious wake at most.
            let polled = match dir {
                Direction::Read => self.inner.poll_readable(cx),
                Direction::Write => self.inner.poll_writable(cx),
            };
            match polled {
                Poll::Ready(Ok(())) => {
                    found |= match dir {
                        Direction::Read => Ready::READABLE,
                        Direction::Write => Ready::WRITABLE,
                    }
                }
                Poll::Ready(Err(err)) => return Poll::Ready(Err(err)),
                Poll::Pending => {}
            }
        }
        if found.is_empty() {
            return Poll::Pending;
        }
        if interest.is_readable() && self.inner.is_read_closed() {
            found |= Ready::READ_CLOSED;
        }
        Poll::Ready(Ok(found))
    }

    /// Runs `f` once without waiting (tokio's `try_io`): a `WouldBlock` from it clears
    /// the readiness of every direction in `interest` (unless an edge came since), so that
    /// the next [`ready`](Self::ready) waits for a new edge.
    pub(crate) fn try_io_interest<R>(
        &self,
        interest: Interest,
        f: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<R> {
        match (interest.is_readable(), interest.is_writable()) {
            // Both words are read before `f` runs, and each cleared on its `WouldBlock`.
            (true, true) => self.inner.try_io(Direction::Read, |_| {
                self.inner.try_io(Direction::Write, |_| f())
            }),
            (true, false) => self.inner.try_io(Direction::Read, |_| f()),
            _ => self.inner.try_io(Direction::Write, |_| f()),
        }
    }

    /// Runs `f` until it does not say `WouldBlock` (nor `Interrupted`, retried at once, and
    /// after 32 in a row once the task has yielded), waiting for `interest` in between
    /// (tokio's `async_io`). One direction: the operation is tried first, as
    /// [`read_with`](Self::read_with) does; both: it waits for either, then tries.
    pub(crate) async fn async_io<R>(
        &self,
        interest: Interest,
        mut f: impl FnMut() -> io::Result<R>,
    ) -> io::Result<R> {
        match (interest.is_readable(), interest.is_writable()) {
            (true, true) => {
                let mut interrupted = 0;
                loop {
                    self.ready(interest).await?;
                    match self.try_io_interest(interest, &mut f) {
                        Err(err) if err.kind() == io::ErrorKind::WouldBlock => {}
                        // A signal handler ran, nothing was done (as in `poll_io`); an `f`
                        // that keeps saying so yields now and then rather than hold the
                        // thread (readiness stays set, so `ready` would not).
                        Err(err) if err.kind() == io::ErrorKind::Interrupted => {
                            interrupted += 1;
                            if interrupted % 32 == 0 {
                                crate::task::yield_now().await;
                            }
                        }
                        res => return res,
                    }
                }
            }
            (true, false) => self.read_with(|_| f()).await,
            _ => self.write_with(|_| f()).await,
        }
    }

    /// Runs `op` until it succeeds or fails with anything but `WouldBlock`, waiting for
    /// readability in between; an `Interrupted` (`EINTR`) is retried at once.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    ///
    /// eddy::run(async {
    ///     let (ours, mut theirs) = UnixStream::pair().unwrap();
    ///     let ours = eddy::io::Async::new(ours).unwrap();
    ///     theirs.write_all(b"hi").unwrap();
    ///     let mut buf = [0; 2];
    ///     let n = ours.read_with(|mut s| s.read(&mut buf)).await.unwrap();
    ///     assert_eq!(&buf[..n], b"hi");
    /// });
    /// ```
    pub async fn read_with<R>(&self, mut op: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        std::future::poll_fn(|cx| self.poll_io(Direction::Read, cx, &mut op)).await
    }

    /// Runs `op` until it succeeds or fails with anything but `WouldBlock`, waiting for
    /// writability in between; an `Interrupted` (`EINTR`) is retried at once.
    pub async fn write_with<R>(&self, mut op: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        std::future::poll_fn(|cx| self.poll_io(Direction::Write, cx, &mut op)).await
    }

    /// One budgeted attempt at `op` in direction `dir` (the building block of the
    /// sockets' poll methods).
    pub(crate) fn poll_io<R>(
        &self,
        dir: Direction,
        cx: &mut Context<'_>,
        op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        ready!(coop::poll_proceed(cx));
        self.inner.poll_io(dir, cx, op)
    }

    /// A read of up to `len` bytes from a stream socket or pipe: a short read clears
    /// readiness (see [`eddy_reactor::Registration::poll_stream_read`]). Spends the budget.
    pub(crate) fn poll_stream_read(
        &self,
        cx: &mut Context<'_>,
        len: usize,
        op: impl FnMut(&T) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        ready!(coop::poll_proceed(cx));
        self.inner.poll_stream_read(cx, len, op)
    }

    /// The next read waits for the reactor's first report that `io` is readable rather
    /// than trying the syscall first (see
    /// [`eddy_reactor::Registration::wait_for_first_read_edge`]).
    pub(crate) fn wait_for_first_read_edge(&self) {
        self.inner.wait_for_first_read_edge();
    }

    /// [`poll_stream_read`](Self::poll_stream_read) for a read that also returns the
    /// kernel's count of what it left (see
    /// [`eddy_reactor::Registration::poll_stream_read_queued`]). Spends the budget.
    pub(crate) fn poll_stream_read_queued(
        &self,
        cx: &mut Context<'_>,
        len: usize,
        op: impl FnMut(&T) -> io::Result<(usize, Option<usize>)>,
    ) -> Poll<io::Result<(usize, Option<usize>)>> {
        ready!(coop::poll_proceed(cx));
        self.inner.poll_stream_read_queued(cx, len, op)
    }

    /// A write of up to `len` bytes to a stream socket or pipe: a short write filled the
    /// buffer and clears readiness (see [`eddy_reactor::Registration::poll_stream_write`]),
    /// saving the `write` that would say `WouldBlock`. Spends the budget.
    #[cfg(unix)]
    pub(crate) fn poll_stream_write(
        &self,
        cx: &mut Context<'_>,
        len: usize,
        op: impl FnMut(&T) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        ready!(coop::poll_proceed(cx));
        self.inner.poll_stream_write(cx, len, op)
    }

    /// Runs `op` once without waiting; its `WouldBlock` clears the direction's readiness,
    /// so a following [`readable`](Self::readable) / [`writable`](Self::writable) waits
    /// for the next edge instead of being spuriously ready again.
    pub(crate) fn try_io<R>(
        &self,
        dir: Direction,
        op: impl FnOnce(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        self.inner.try_io(dir, op)
    }
}

/// The current runtime's reactor.
#[track_caller]
pub(crate) fn current_reactor() -> Arc<Reactor> {
    match context::with_current(|handle| handle.driver.reactor().clone()) {
        Some(reactor) => reactor,
        None => panic!(
            "eddy: sockets and `eddy::io::Async` need a runtime: {}",
            Handle::try_current().unwrap_err()
        ),
    }
}

#[cfg(unix)]
impl<T: AsFd> AsFd for Async<T> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.get_ref().as_fd()
    }
}

#[cfg(unix)]
impl<T: AsFd> AsRawFd for Async<T> {
    fn as_raw_fd(&self) -> RawFd {
        self.get_ref().as_fd().as_raw_fd()
    }
}

#[cfg(windows)]
impl<T: AsSocket> AsSocket for Async<T> {
    fn as_socket(&self) -> BorrowedSocket<'_> {
        self.get_ref().as_socket()
    }
}

#[cfg(windows)]
impl<T: AsSocket> AsRawSocket for Async<T> {
    fn as_raw_socket(&self) -> RawSocket {
        self.get_ref().as_socket().as_raw_socket()
    }
}

impl<T: AsSource + fmt::Debug> fmt::Debug for Async<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Async").field(self.get_ref()).finish()
    }
}

impl<T: AsSource> AsyncRead for &Async<T>
where
    for<'a> &'a T: Read,
{
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_io(Direction::Read, cx, |mut io| io.read(buf))
    }

    fn poll_read_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &mut [io::IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        self.poll_io(Direction::Read, cx, |mut io| io.read_vectored(bufs))
    }
}

impl<T: AsSource> AsyncWrite for &Async<T>
where
    for<'a> &'a T: Write,
{
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_io(Direction::Write, cx, |mut io| io.write(buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.poll_io(Direction::Write, cx, |mut io| io.write_vectored(bufs))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_io(Direction::Write, cx, |mut io| io.flush())
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush(cx)
    }
}

impl<T: AsSource> AsyncRead for Async<T>
where
    for<'a> &'a T: Read,
{
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &*self).poll_read(cx, buf)
    }

    fn poll_read_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &mut [io::IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &*self).poll_read_vectored(cx, bufs)
    }
}

impl<T: AsSource> AsyncWrite for Async<T>
where
    for<'a> &'a T: Write,
{
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &*self).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &*self).poll_write_vectored(cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut &*self).poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut &*self).poll_close(cx)
    }
}
