//! [`Source`]: one registered file descriptor and its per-direction readiness.

use std::fmt;
use std::io;
use std::sync::atomic::AtomicUsize;
use std::task::{Context, Poll};

use parking_lot::Mutex;

use crate::readiness::{Readiness, Waiters};
use crate::sys::RawSource;
use crate::Reactor;

/// A direction of readiness: readable or writable.
///
/// # Examples
///
/// ```
/// use eddy_reactor::Direction;
///
/// assert_ne!(Direction::Read, Direction::Write);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// The fd is readable: a read (or accept, or recv) would not block.
    Read,
    /// The fd is writable: a write (or send, or a finished connect) would not block.
    Write,
}

impl Direction {
    /// The slot of this direction in per-source arrays.
    pub(crate) fn index(self) -> usize {
        match self {
            Direction::Read => 0,
            Direction::Write => 1,
        }
    }
}

/// A file descriptor (on Windows, a socket) registered with a [`Reactor`], shared behind an
/// `Arc`.
///
/// Made by [`Reactor::register`] (or [`Registration::new`](crate::Registration::new)).
/// Tasks wait on it with [`poll_ready`](Source::poll_ready); the reactor's
/// [`poll`](Reactor::poll) wakes them. The readiness contract:
///
/// - **Readiness is a hint.** `Ready` means an edge was delivered and no operation has said
///   `WouldBlock` since, not that the next syscall succeeds: another task may have taken
///   the data. Always retry the operation and wait again on `WouldBlock`
///   ([`Registration::poll_io`](crate::Registration::poll_io) does that loop, and
///   [`Registration::try_io`](crate::Registration::try_io) clears the readiness a
///   `WouldBlock` disproves).
/// - **Interest is registered once, edge-triggered** where the backend has edges (epoll,
///   kqueue): the fd is added for both directions at registration and never re-armed; the
///   poller reports each change of its state once, and the source keeps, per direction, a
///   tick of delivered edges and a ready bit (the readiness rule, at
///   `readiness::Readiness`). On a one-shot backend (IOCP, event ports, poll(2)) a waiter
///   arms the direction it waits for, and the same rule holds.
/// - **Errors and hang-ups wake both directions**, so a reader sees EOF or `ECONNRESET`
///   from its syscall instead of waiting for ever.
/// - **After [`Reactor::deregister`]**, every waiter is woken and every poll returns an
///   error of kind [`Other`](io::ErrorKind::Other).
///
/// A task that stops waiting (its future dropped by a timeout) leaves its entry behind until
/// the direction's next edge, or until the source is deregistered.
pub struct Source {
    /// Its index in the reactor's table of registered sources (not its poller key: that
    /// is its address, [`Source::key`]).
    pub(crate) slot: usize,
    /// The registered fd or socket; open until `deregister` by `Reactor::register`'s
    /// contract.
    pub(crate) fd: RawSource,
    /// Per direction a tick and a ready bit (atomics, read without the lock), and the
    /// waiters behind a mutex locked by waiters that must wait, the poll round and
    /// `deregister`; never held while a waker runs.
    pub(crate) readiness: Readiness<AtomicUsize, Mutex<Waiters>>,
}

impl Source {
    /// `armed`: a one-shot poller armed it for both directions at registration.
    pub(crate) fn new(slot: usize, fd: RawSource, armed: bool) -> Source {
        Source {
            slot,
            fd,
            readiness: Readiness::new(
                [AtomicUsize::new(0), AtomicUsize::new(0)],
                Mutex::new(Waiters::armed(armed)),
            ),
        }
    }

    /// Polls for readiness in direction `dir`.
    ///
    /// Returns `Ready(Ok(()))` while `dir` is ready: an edge was delivered and no
    /// operation said `WouldBlock` since (through
    /// [`Registration::poll_io`](crate::Registration::poll_io) or
    /// [`Registration::try_io`](crate::Registration::try_io); a syscall made around them does
    /// not count). So it can be ready spuriously, and the caller must retry its operation.
    /// Otherwise it stores the task's waker (one entry per task, found again with
    /// [`Waker::will_wake`](std::task::Waker::will_wake)) and returns `Pending`; the
    /// [`Reactor::poll`] round that delivers the next edge wakes the task. Nothing is
    /// known before the first round: a fresh source is not ready.
    ///
    /// `reactor` must be the reactor this source was registered with.
    ///
    /// # Errors
    ///
    /// An error of kind [`Other`](io::ErrorKind::Other) once the source is deregistered or
    /// the reactor shut down (when it would wait).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::Write;
    /// use std::os::fd::AsFd;
    /// use std::os::unix::net::UnixStream;
    /// use std::sync::Arc;
    /// use std::task::{Context, Poll, Wake, Waker};
    /// use eddy_reactor::{Direction, Reactor};
    ///
    /// struct Noop;
    /// impl Wake for Noop {
    ///     fn wake(self: Arc<Self>) {}
    /// }
    ///
    /// let reactor = Reactor::new()?;
    /// let (a, mut b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// // SAFETY: `a` stays open until after `deregister`.
    /// let source = unsafe { reactor.register(a.as_fd())? };
    ///
    /// let waker = Waker::from(Arc::new(Noop));
    /// let mut cx = Context::from_waker(&waker);
    /// // Nothing delivered yet: the waiter registers.
    /// assert!(source.poll_ready(&reactor, Direction::Read, &mut cx).is_pending());
    /// b.write_all(b"x")?;
    /// reactor.poll(None)?; // delivers the edge (and would wake the waker)
    /// let ready = source.poll_ready(&reactor, Direction::Read, &mut cx);
    /// assert!(matches!(ready, Poll::Ready(Ok(()))));
    ///
    /// reactor.deregister(&source)?; // before `a` is dropped and its fd closed
    /// # std::io::Result::Ok(())
    /// ```
    pub fn poll_ready(
        &self,
        reactor: &Reactor,
        dir: Direction,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        let arm = |interest| reactor.arm(self, interest);
        self.readiness.poll_ready(
            dir,
            cx.waker(),
            || reactor.is_shut_down(),
            reactor.arming(&arm),
        )
    }

    /// Its poller key: its address, unique among the sources the poller may still report
    /// (`Reactor`'s type docs say why that is sound).
    pub(crate) fn key(&self) -> usize {
        // Exposed: the poller hands the number back as an integer, and `Reactor::dispatch`
        // turns it into a reference again (`ptr::with_exposed_provenance`).
        (self as *const Source).expose_provenance()
    }

    /// The registered file descriptor (on Windows, the socket).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::fd::{AsFd, AsRawFd};
    /// use std::os::unix::net::UnixStream;
    /// use eddy_reactor::Reactor;
    ///
    /// let reactor = Reactor::new()?;
    /// let (a, _b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// // SAFETY: `a` stays open until after `deregister`.
    /// let source = unsafe { reactor.register(a.as_fd())? };
    /// assert_eq!(source.raw_fd(), a.as_raw_fd());
    /// reactor.deregister(&source)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn raw_fd(&self) -> RawSource {
        self.fd
    }
}

/// The readiness words are atomics, and the waiter lists change under the source lock
/// only by pushes and drains that a panic (in a waker's `clone`) leaves whole; the lock
/// does not poison. So a `&Source` may cross `catch_unwind` (tokio's `ScheduledIo` is
/// `RefUnwindSafe` too).
impl std::panic::RefUnwindSafe for Source {}
impl std::panic::UnwindSafe for Source {}

impl fmt::Debug for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Source")
            .field("slot", &self.slot)
            .field("fd", &self.fd)
            .finish_non_exhaustive()
    }
}
