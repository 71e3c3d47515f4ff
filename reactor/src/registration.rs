//! [`Registration<T>`]: any fd-owning type, non-blocking and registered (asyncio's
//! `add_reader` / `add_writer`, async-io's `Async`).

use std::fmt;
use std::future;
use std::io;
use std::sync::Arc;
use std::task::{Context, Poll};

use crate::sys::{self, AsSource};
use crate::{Direction, Reactor, Source};

/// An I/O object (anything [`AsSource`]: on Unix any `AsFd`, so sockets, pipes, terminals,
/// eventfds, your own types; on Windows any `AsSocket`)
/// put in non-blocking mode and registered with a [`Reactor`].
///
/// [`read_with`](Registration::read_with) and [`write_with`](Registration::write_with) run
/// an operation until it does not return `WouldBlock`, waiting for readiness in between;
/// this is how socket types are built on top. On drop the source is deregistered
/// **first**, then the I/O object is dropped (closing its fd), as the poller requires.
///
/// # Examples
///
/// ```
/// use std::io::{Read, Write};
/// use std::os::unix::net::UnixStream;
/// use std::sync::Arc;
/// use eddy_reactor::{Registration, Reactor};
///
/// let reactor = Arc::new(Reactor::new()?);
/// let (a, b) = UnixStream::pair()?;
/// let (a, b) = (Registration::new(a, reactor.clone())?, Registration::new(b, reactor.clone())?);
///
/// // A thread drives the reactor while this one blocks on a future.
/// let driver = std::thread::spawn({
///     let reactor = reactor.clone();
///     move || reactor.poll(None)
/// });
/// let message = futures_lite::future::block_on(async {
///     b.write_with(|mut s| s.write(b"hello")).await?;
///     let mut buf = [0; 5];
///     a.read_with(|mut s| s.read(&mut buf)).await?;
///     std::io::Result::Ok(buf)
/// })?;
/// assert_eq!(&message, b"hello");
/// reactor.notify()?;
/// driver.join().unwrap()?;
/// # std::io::Result::Ok(())
/// ```
pub struct Registration<T: AsSource> {
    reactor: Arc<Reactor>,
    source: Arc<Source>,
    /// `Some` until `into_inner` or `drop` takes it out, after deregistering.
    io: Option<T>,
}

impl<T: AsSource> Registration<T> {
    /// Puts `io`'s fd in non-blocking mode (`O_NONBLOCK`) and registers it with `reactor`.
    ///
    /// # Errors
    ///
    /// The OS error of `fcntl`, or the poller's (epoll refuses regular files).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::net::TcpListener;
    /// use std::sync::Arc;
    /// use eddy_reactor::{Registration, Reactor};
    ///
    /// let reactor = Arc::new(Reactor::new()?);
    /// let listener = Registration::new(TcpListener::bind("127.0.0.1:0")?, reactor.clone())?;
    /// // No client yet: accept would block instead of waiting.
    /// let error = listener.get_ref().accept().unwrap_err();
    /// assert_eq!(error.kind(), std::io::ErrorKind::WouldBlock);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn new(io: T, reactor: Arc<Reactor>) -> io::Result<Registration<T>> {
        sys::set_nonblocking(io.as_source())?;
        Registration::new_nonblocking(io, reactor)
    }

    /// Registers `io`, which is already in non-blocking mode (a socket made with
    /// `SOCK_NONBLOCK`, or after `set_nonblocking(true)`), with `reactor`: [`new`] without
    /// the system call that sets the mode. If `io` is in fact blocking, its operations block
    /// the thread that runs them instead of returning `WouldBlock`.
    ///
    /// [`new`]: Registration::new
    ///
    /// # Errors
    ///
    /// The poller's error.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::net::TcpListener;
    /// use std::sync::Arc;
    /// use eddy_reactor::{Registration, Reactor};
    ///
    /// let listener = TcpListener::bind("127.0.0.1:0")?;
    /// listener.set_nonblocking(true)?;
    /// let listener = Registration::new_nonblocking(listener, Arc::new(Reactor::new()?))?;
    /// let error = listener.get_ref().accept().unwrap_err();
    /// assert_eq!(error.kind(), std::io::ErrorKind::WouldBlock);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn new_nonblocking(io: T, reactor: Arc<Reactor>) -> io::Result<Registration<T>> {
        // SAFETY: the fd stays open until `deregister`: `io` is owned here until `drop` and
        // `into_inner`, which deregister before giving it up, and `get_mut`'s contract
        // forbids replacing its fd.
        let source = unsafe { reactor.register(io.as_source())? };
        Ok(Registration {
            reactor,
            source,
            io: Some(io),
        })
    }

    /// The I/O object.
    ///
    /// # Examples
    ///
    /// See [`Registration::new`].
    pub fn get_ref(&self) -> &T {
        self.io
            .as_ref()
            .expect("Registration's I/O object is present until drop")
    }

    /// The I/O object, mutably. Do not replace its fd: the registered one must stay open.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// use std::sync::Arc;
    /// use eddy_reactor::{Registration, Reactor};
    ///
    /// let reactor = Arc::new(Reactor::new()?);
    /// let (a, _b) = UnixStream::pair()?;
    /// let mut a = Registration::new(a, reactor)?;
    /// a.get_mut().shutdown(std::net::Shutdown::Write)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.io
            .as_mut()
            .expect("Registration's I/O object is present until drop")
    }

    /// Deregisters the source and gives the I/O object back (still non-blocking).
    ///
    /// # Errors
    ///
    /// The poller's error if the delete fails; the I/O object is then dropped with `self`
    /// (after another deregistration attempt).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// use std::sync::Arc;
    /// use eddy_reactor::{Registration, Reactor};
    ///
    /// let reactor = Arc::new(Reactor::new()?);
    /// let (a, _b) = UnixStream::pair()?;
    /// let a = Registration::new(a, reactor.clone())?;
    /// let a: UnixStream = a.into_inner()?;
    /// assert_eq!(reactor.sources(), 0);
    /// # drop(a);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn into_inner(mut self) -> io::Result<T> {
        self.reactor.deregister(&self.source)?;
        Ok(self
            .io
            .take()
            .expect("Registration's I/O object is present until drop"))
    }

    /// The registered source.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::fd::AsRawFd;
    /// use std::os::unix::net::UnixStream;
    /// use std::sync::Arc;
    /// use eddy_reactor::{Registration, Reactor};
    ///
    /// let reactor = Arc::new(Reactor::new()?);
    /// let (a, _b) = UnixStream::pair()?;
    /// let a = Registration::new(a, reactor)?;
    /// assert_eq!(a.source().raw_fd(), a.get_ref().as_raw_fd());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn source(&self) -> &Arc<Source> {
        &self.source
    }

    /// The reactor this object is registered with.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// use std::sync::Arc;
    /// use eddy_reactor::{Registration, Reactor};
    ///
    /// let reactor = Arc::new(Reactor::new()?);
    /// let (a, _b) = UnixStream::pair()?;
    /// let a = Registration::new(a, reactor.clone())?;
    /// assert!(Arc::ptr_eq(a.reactor(), &reactor));
    /// # std::io::Result::Ok(())
    /// ```
    pub fn reactor(&self) -> &Arc<Reactor> {
        &self.reactor
    }

    /// Polls for readability: [`Source::poll_ready`] with [`Direction::Read`].
    pub fn poll_readable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.source.poll_ready(&self.reactor, Direction::Read, cx)
    }

    /// Polls for writability: [`Source::poll_ready`] with [`Direction::Write`].
    pub fn poll_writable(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.source.poll_ready(&self.reactor, Direction::Write, cx)
    }

    /// Whether a poll round has reported that the peer closed its side (epoll's
    /// `EPOLLRDHUP` or a hang-up): reads will return end-of-stream without blocking. The
    /// flag is sticky. Backends that report no half-close (`polling` in edge mode) leave it
    /// unset; a read returning 0 tells there.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// use std::sync::Arc;
    /// use eddy_reactor::{Registration, Reactor};
    ///
    /// let reactor = Arc::new(Reactor::new()?);
    /// let (a, b) = UnixStream::pair()?;
    /// let a = Registration::new(a, reactor.clone())?;
    /// assert!(!a.is_read_closed()); // nothing delivered yet
    /// drop(b);
    /// reactor.poll(Some(std::time::Duration::ZERO))?;
    /// // On epoll the hang-up is now known; on other backends it may not be.
    /// # let _ = a.is_read_closed();
    /// # std::io::Result::Ok(())
    /// ```
    pub fn is_read_closed(&self) -> bool {
        self.source
            .readiness
            .snapshot(Direction::Read)
            .is_read_closed()
    }

    /// Makes the next read wait for the poller's first report that the object is readable
    /// instead of trying the syscall first; nothing changes once such a report came.
    ///
    /// For an object that most likely has nothing to read yet: a client's socket just
    /// connected, say, whose first read would otherwise make a system call only to hear
    /// `WouldBlock` (tokio's never do: its reads wait for readiness first). Never a lost
    /// byte: data queued at registration, or arriving after, is reported by an edge the
    /// poller delivers after registration (the readiness rule, at
    /// `readiness::Readiness`); the cost, when data is there already, is waiting for
    /// that report rather than reading at once.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    /// use std::sync::Arc;
    /// use std::task::{Context, Poll, Wake, Waker};
    /// use eddy_reactor::{Direction, Reactor, Registration};
    ///
    /// struct Noop;
    /// impl Wake for Noop {
    ///     fn wake(self: Arc<Self>) {}
    /// }
    ///
    /// let reactor = Arc::new(Reactor::new()?);
    /// let (a, mut b) = UnixStream::pair()?;
    /// let a = Registration::new(a, reactor.clone())?;
    /// a.wait_for_first_read_edge();
    /// let waker = Waker::from(Arc::new(Noop));
    /// let mut cx = Context::from_waker(&waker);
    /// let mut buf = [0; 4];
    /// b.write_all(b"ping")?;
    /// // The bytes are there, but no poll round has reported them: the read is not even
    /// // tried, the call registers and waits.
    /// assert!(a.poll_io(Direction::Read, &mut cx, |mut s| s.read(&mut buf)).is_pending());
    /// reactor.poll(None)?; // delivers the edge
    /// let read = a.poll_io(Direction::Read, &mut cx, |mut s| s.read(&mut buf));
    /// assert!(matches!(read, Poll::Ready(Ok(4))));
    /// # std::io::Result::Ok(())
    /// ```
    pub fn wait_for_first_read_edge(&self) {
        self.source
            .readiness
            .clear_until_first_edge(Direction::Read);
    }

    /// Waits until the object is readable (a hint: retry the read on `WouldBlock`).
    ///
    /// It is ready at once while read readiness is set: an edge was delivered and no read
    /// through [`poll_io`](Registration::poll_io), [`read_with`](Registration::read_with) or
    /// [`try_io`](Registration::try_io) said `WouldBlock` since. So it can be ready spuriously
    /// (a read made straight on [`get_ref`](Registration::get_ref) clears nothing): follow it with
    /// `try_io(Direction::Read, ..)`, whose `WouldBlock` clears the readiness, so that the
    /// next `readable()` waits for the next edge. A fresh object is not readable until a
    /// poll round delivers the edge its registration queued. Prefer
    /// [`read_with`](Registration::read_with), which tries the read first.
    ///
    /// # Errors
    ///
    /// As [`Source::poll_ready`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Write;
    /// use std::os::unix::net::UnixStream;
    /// use std::sync::Arc;
    /// # use std::sync::atomic::{AtomicBool, Ordering};
    /// use eddy_reactor::{Registration, Reactor};
    ///
    /// let reactor = Arc::new(Reactor::new()?);
    /// let (a, mut b) = UnixStream::pair()?;
    /// let a = Registration::new(a, reactor.clone())?;
    /// // A thread runs poll rounds until stopped, as in the crate example.
    /// # let stop = Arc::new(AtomicBool::new(false));
    /// # let driver = std::thread::spawn({
    /// #     let (reactor, stop) = (reactor.clone(), stop.clone());
    /// #     move || {
    /// #         while !stop.load(Ordering::Acquire) {
    /// #             reactor.poll(None).unwrap();
    /// #         }
    /// #     }
    /// # });
    /// b.write_all(b"!")?;
    /// futures_lite::future::block_on(a.readable())?;
    /// # stop.store(true, Ordering::Release);
    /// # reactor.notify()?;
    /// # driver.join().unwrap();
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn readable(&self) -> io::Result<()> {
        future::poll_fn(|cx| self.poll_readable(cx)).await
    }

    /// Waits until the object is writable (a hint: retry the write on `WouldBlock`).
    ///
    /// Spurious readiness as for [`readable`](Registration::readable); clear it with
    /// `try_io(Direction::Write, ..)`.
    ///
    /// # Errors
    ///
    /// As [`Source::poll_ready`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::unix::net::UnixStream;
    /// use std::sync::Arc;
    /// # use std::sync::atomic::{AtomicBool, Ordering};
    /// use eddy_reactor::{Registration, Reactor};
    ///
    /// let reactor = Arc::new(Reactor::new()?);
    /// let (a, _b) = UnixStream::pair()?;
    /// let a = Registration::new(a, reactor.clone())?;
    /// // A thread runs poll rounds until stopped, as in the crate example.
    /// # let stop = Arc::new(AtomicBool::new(false));
    /// # let driver = std::thread::spawn({
    /// #     let (reactor, stop) = (reactor.clone(), stop.clone());
    /// #     move || {
    /// #         while !stop.load(Ordering::Acquire) {
    /// #             reactor.poll(None).unwrap();
    /// #         }
    /// #     }
    /// # });
    /// // An empty socket buffer: writable as soon as a round delivers the first edge.
    /// futures_lite::future::block_on(a.writable())?;
    /// # stop.store(true, Ordering::Release);
    /// # reactor.notify()?;
    /// # driver.join().unwrap();
    /// # std::io::Result::Ok(())
    /// ```
    pub async fn writable(&self) -> io::Result<()> {
        future::poll_fn(|cx| self.poll_writable(cx)).await
    }

    /// Runs `op` until it returns something other than `WouldBlock`; on `WouldBlock` waits
    /// for readiness in direction `dir` (returning `Pending` until it comes). An
    /// `Interrupted` (`EINTR`: a signal handler ran, nothing was done) is retried at once,
    /// never returned.
    ///
    /// The readiness rule (at `readiness::Readiness`): the direction's tick is read before
    /// `op`; a `WouldBlock` clears the ready bit unless an edge came meanwhile, and the task
    /// retries if the tick moved, else registers. While the direction is known not to be
    /// ready (cleared, no edge since) `op` is not even tried: the call registers and
    /// returns `Pending` without a syscall.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Write;
    /// use std::os::unix::net::UnixStream;
    /// use std::sync::Arc;
    /// use std::task::{Context, Poll, Wake, Waker};
    /// use eddy_reactor::{Registration, Direction, Reactor};
    ///
    /// struct Noop;
    /// impl Wake for Noop {
    ///     fn wake(self: Arc<Self>) {}
    /// }
    ///
    /// let reactor = Arc::new(Reactor::new()?);
    /// let (a, b) = UnixStream::pair()?;
    /// let b = Registration::new(b, reactor)?;
    /// let waker = Waker::from(Arc::new(Noop));
    /// let mut cx = Context::from_waker(&waker);
    /// // The socket buffer has room, so the write goes through without waiting.
    /// let sent = b.poll_io(Direction::Write, &mut cx, |mut s| s.write(b"hi"));
    /// assert!(matches!(sent, Poll::Ready(Ok(2))));
    /// # drop(a);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn poll_io<R>(
        &self,
        dir: Direction,
        cx: &mut Context<'_>,
        mut op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        let io = self.get_ref();
        let arm = |interest| self.reactor.arm(&self.source, interest);
        self.source.readiness.poll_io(
            dir,
            cx.waker(),
            || self.reactor.is_shut_down(),
            || op(io),
            |_| false,
            self.reactor.arming(&arm),
        )
    }

    /// [`poll_io`](Registration::poll_io) in [`Direction::Write`] for a write of `len` bytes on a
    /// **stream** socket (TCP, Unix stream) or a pipe: a write of fewer than `len` bytes
    /// (but more than none) filled the send buffer, so write readiness is cleared as after
    /// a `WouldBlock` (unless an edge came meanwhile) and the next call waits without a
    /// syscall, as tokio does; the edge of freed space sets it again.
    ///
    /// The edge of freed space comes only once much of the send buffer has drained, while
    /// an immediate retry often finds room, so eddy's own sockets use plain
    /// [`poll_io`](Registration::poll_io) (docs/io.md has the measurement); this is for callers
    /// whose measurements say otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Write;
    /// use std::os::unix::net::UnixStream;
    /// use std::sync::Arc;
    /// use std::task::{Context, Poll, Wake, Waker};
    /// use eddy_reactor::{Registration, Reactor};
    ///
    /// struct Noop;
    /// impl Wake for Noop {
    ///     fn wake(self: Arc<Self>) {}
    /// }
    ///
    /// let reactor = Arc::new(Reactor::new()?);
    /// let (a, _b) = UnixStream::pair()?;
    /// let a = Registration::new(a, reactor)?;
    /// let waker = Waker::from(Arc::new(Noop));
    /// let mut cx = Context::from_waker(&waker);
    /// let sent = a.poll_stream_write(&mut cx, 2, |mut s| s.write(b"hi"));
    /// assert!(matches!(sent, Poll::Ready(Ok(2))));
    /// # std::io::Result::Ok(())
    /// ```
    pub fn poll_stream_write(
        &self,
        cx: &mut Context<'_>,
        len: usize,
        mut op: impl FnMut(&T) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        let io = self.get_ref();
        let arm = |interest| self.reactor.arm(&self.source, interest);
        self.source.readiness.poll_io(
            Direction::Write,
            cx.waker(),
            || self.reactor.is_shut_down(),
            || op(io),
            // A short write filled the send buffer.
            |&n| n > 0 && n < len,
            self.reactor.arming(&arm),
        )
    }

    /// [`poll_io`](Registration::poll_io) in [`Direction::Read`] for a read of up to `len` bytes
    /// from a **stream** socket (TCP, Unix stream) or a pipe: a read of fewer than `len`
    /// bytes (but more than none) drained the receive queue, so read readiness is cleared
    /// as after a `WouldBlock` (unless an edge came meanwhile) and the next call waits
    /// without a syscall — tokio's rule, and one `read` per message instead of two on a
    /// request/response connection.
    ///
    /// It is sound on the epoll backend because sources are registered for `EPOLLRDHUP`:
    /// the peer's FIN is an edge that sets a sticky read-closed flag, which the clear
    /// respects, so an end-of-stream queued behind the bytes is still reported; and on a
    /// one-shot backend, because the waiter's arming is a level check that sees the FIN.
    /// **On `polling` in edge mode (kqueue) the rule is off**: that backend reports no
    /// half-close event, so a FIN that came with the bytes would leave no edge behind; a
    /// short read there leaves readiness set and the next read makes the syscall. Never use
    /// it for datagram sockets, where a short read says nothing about the next datagram.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    /// use std::sync::Arc;
    /// use std::task::{Context, Poll, Wake, Waker};
    /// use eddy_reactor::{Registration, Reactor};
    ///
    /// struct Noop;
    /// impl Wake for Noop {
    ///     fn wake(self: Arc<Self>) {}
    /// }
    ///
    /// let reactor = Arc::new(Reactor::new()?);
    /// let (a, mut b) = UnixStream::pair()?;
    /// let a = Registration::new(a, reactor)?;
    /// b.write_all(b"hi")?;
    /// let waker = Waker::from(Arc::new(Noop));
    /// let mut cx = Context::from_waker(&waker);
    /// let mut buf = [0; 16];
    /// let read = a.poll_stream_read(&mut cx, buf.len(), |mut s| s.read(&mut buf));
    /// assert!(matches!(read, Poll::Ready(Ok(2))));
    /// # std::io::Result::Ok(())
    /// ```
    pub fn poll_stream_read(
        &self,
        cx: &mut Context<'_>,
        len: usize,
        mut op: impl FnMut(&T) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        self.poll_stream_read_queued(cx, len, |io| op(io).map(|n| (n, None)))
            .map_ok(|(n, _)| n)
    }

    /// [`poll_stream_read`](Registration::poll_stream_read) for a read that also says what
    /// it left in the receive queue: `op` returns the bytes it read and, when the kernel
    /// told, how many are still queued (Linux's `TCP_INQ`, which reports 1 rather than 0
    /// when a FIN is pending). A read that left nothing clears read readiness even if it
    /// filled the buffer, so a `read_exact` of a whole message waits for the next one
    /// without first making the `read` that would say `WouldBlock`. Without a count
    /// (`None`), the short-read rule of `poll_stream_read` applies.
    ///
    /// A count of 0 does not rule out everything a read could still return: after a
    /// reset, or a local `shutdown(Read)`, the count is 0 and the next read returns the
    /// error or the end-of-stream. So the count clears readiness only where the short-read
    /// rule holds ([`Reactor::short_reads_drain`](crate::Reactor::short_reads_drain)): on
    /// epoll the hang-up is a sticky read-closed flag that refuses the clear, and a
    /// one-shot backend re-arms with a level check; on `polling` in edge mode a reset
    /// that came before the read would leave no edge behind.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// use std::os::unix::net::UnixStream;
    /// use std::sync::Arc;
    /// use std::task::{Context, Poll, Wake, Waker};
    /// use eddy_reactor::{Registration, Reactor};
    ///
    /// struct Noop;
    /// impl Wake for Noop {
    ///     fn wake(self: Arc<Self>) {}
    /// }
    ///
    /// let reactor = Arc::new(Reactor::new()?);
    /// let (a, mut b) = UnixStream::pair()?;
    /// let a = Registration::new(a, reactor)?;
    /// b.write_all(b"hi")?;
    /// let waker = Waker::from(Arc::new(Noop));
    /// let mut cx = Context::from_waker(&waker);
    /// let mut buf = [0; 2];
    /// let mut reads = 0;
    /// // A full buffer, and (as a kernel with a count would say) nothing left behind it.
    /// let mut read = |s: &UnixStream| {
    ///     reads += 1;
    ///     (&mut &*s).read(&mut buf).map(|n| (n, Some(0)))
    /// };
    /// assert!(matches!(a.poll_stream_read_queued(&mut cx, 2, &mut read), Poll::Ready(Ok((2, Some(0))))));
    /// // The next read waits for an edge without a syscall.
    /// assert!(a.poll_stream_read_queued(&mut cx, 2, &mut read).is_pending());
    /// assert_eq!(reads, 1);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn poll_stream_read_queued(
        &self,
        cx: &mut Context<'_>,
        len: usize,
        mut op: impl FnMut(&T) -> io::Result<(usize, Option<usize>)>,
    ) -> Poll<io::Result<(usize, Option<usize>)>> {
        let io = self.get_ref();
        let short_reads_drain = self.reactor.short_reads_drain();
        let arm = |interest| self.reactor.arm(&self.source, interest);
        self.source.readiness.poll_io(
            Direction::Read,
            cx.waker(),
            || self.reactor.is_shut_down(),
            || op(io),
            // Nothing left as the kernel counted, or, without a count, a short read: the
            // queue is drained, where the backend cannot hide an end-of-stream or a reset
            // behind it (`Reactor::short_reads_drain`).
            |&(n, queued)| {
                n > 0
                    && short_reads_drain
                    && match queued {
                        Some(left) => left == 0,
                        None => n < len,
                    }
            },
            self.reactor.arming(&arm),
        )
    }

    /// Runs `op` once, without waiting; if it says `WouldBlock`, clears the readiness of
    /// `dir` (unless an edge came since `op` began), so that a following
    /// [`readable`](Registration::readable) / [`writable`](Registration::writable) waits for
    /// the next edge instead of being ready again at once (tokio's `try_io`).
    ///
    /// # Errors
    ///
    /// `op`'s.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Read;
    /// use std::os::unix::net::UnixStream;
    /// use std::sync::Arc;
    /// use eddy_reactor::{Registration, Direction, Reactor};
    ///
    /// let reactor = Arc::new(Reactor::new()?);
    /// let (a, _b) = UnixStream::pair()?;
    /// let a = Registration::new(a, reactor)?;
    /// let error = a.try_io(Direction::Read, |mut s| s.read(&mut [0; 4])).unwrap_err();
    /// assert_eq!(error.kind(), std::io::ErrorKind::WouldBlock);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn try_io<R>(&self, dir: Direction, op: impl FnOnce(&T) -> io::Result<R>) -> io::Result<R> {
        let io = self.get_ref();
        self.source.readiness.try_io(dir, || op(io))
    }

    /// Reads with `op` (any read-like operation: `read`, `recv_from`, `accept`), waiting
    /// for readability while it returns `WouldBlock`.
    ///
    /// # Errors
    ///
    /// `op`'s error, or [`Source::poll_ready`]'s.
    ///
    /// # Examples
    ///
    /// See [`Registration`].
    pub async fn read_with<R>(&self, mut op: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        future::poll_fn(|cx| self.poll_io(Direction::Read, cx, &mut op)).await
    }

    /// Writes with `op` (any write-like operation: `write`, `send_to`, a finished
    /// `connect`), waiting for writability while it returns `WouldBlock`.
    ///
    /// # Errors
    ///
    /// `op`'s error, or [`Source::poll_ready`]'s.
    ///
    /// # Examples
    ///
    /// See [`Registration`].
    pub async fn write_with<R>(&self, mut op: impl FnMut(&T) -> io::Result<R>) -> io::Result<R> {
        future::poll_fn(|cx| self.poll_io(Direction::Write, cx, &mut op)).await
    }
}

impl<T: AsSource> Drop for Registration<T> {
    fn drop(&mut self) {
        if let Some(io) = self.io.take() {
            // Deregister first: the poller must forget the fd before `io` closes it.
            let _ = self.reactor.deregister(&self.source);
            drop(io);
        }
    }
}

impl<T: AsSource + fmt::Debug> fmt::Debug for Registration<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registration")
            .field("io", &self.io)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}
