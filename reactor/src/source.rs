//! [`Source`]: one registered file descriptor and its per-direction readiness.

use std::fmt;
use std::io;
use std::os::fd::RawFd;
use std::task::{Context, Poll};

use parking_lot::Mutex;

use crate::readiness::{self, SourceState};
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

/// A file descriptor registered with a [`Reactor`], shared behind an `Arc`.
///
/// Made by [`Reactor::register`] (or [`Async::new`](crate::Async::new)). Tasks wait on it
/// with [`poll_ready`](Source::poll_ready); the reactor's [`poll`](Reactor::poll) wakes
/// them. The readiness contract:
///
/// - **Readiness is a hint.** `Ready` means readiness was reported after the waiter
///   registered, not that the next syscall succeeds: another task may have taken the data,
///   and an old registration can report once more after the caller's syscall already
///   succeeded. Always retry the operation and wait again on `WouldBlock`
///   ([`Async::poll_io`](crate::Async::poll_io) does that loop).
/// - **Interest is oneshot and lazy.** Nothing is armed at registration; the first waiter
///   on a direction arms it, each delivered event disarms the fd and the reactor re-arms
///   the directions that still have waiters.
/// - **Errors and hang-ups wake both directions**, so a reader sees EOF or `ECONNRESET`
///   from its syscall instead of waiting for ever.
/// - **After [`Reactor::deregister`]**, every waiter is woken and every poll returns an
///   error of kind [`Other`](io::ErrorKind::Other).
///
/// A task that stops waiting (its future dropped by a timeout) leaves its entry behind until
/// the direction's next event or two, or until the source is deregistered.
pub struct Source {
    /// The poller key and the slab key (the same number).
    pub(crate) key: usize,
    /// The registered fd; open until `deregister` by `Reactor::register`'s contract.
    pub(crate) fd: RawFd,
    /// Locked by waiters (`poll_ready`), the poll round (`deliver`), `deregister`. Never
    /// held while a waker runs.
    pub(crate) state: Mutex<SourceState>,
}

impl Source {
    pub(crate) fn new(key: usize, fd: RawFd) -> Source {
        Source {
            key,
            fd,
            state: Mutex::new(SourceState::default()),
        }
    }

    /// Polls for readiness in direction `dir`.
    ///
    /// Returns `Ready(Ok(()))` when readiness for `dir` was delivered after this task
    /// registered as a waiter (the tick rule, documented in the crate root). Otherwise it
    /// stores the task's waker (one entry per task, found again with
    /// [`Waker::will_wake`](std::task::Waker::will_wake)), arms interest in the poller if
    /// `dir` is not armed, and returns `Pending`; a later [`Reactor::poll`] wakes the task.
    /// Call it only after the I/O operation said `WouldBlock`: the first call for a task
    /// always returns `Pending`.
    ///
    /// `reactor` must be the reactor this source was registered with.
    ///
    /// # Errors
    ///
    /// An error of kind [`Other`](io::ErrorKind::Other) once the source is deregistered,
    /// and the poller's error if arming interest fails (e.g. the fd was closed).
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
    /// let source = reactor.register(a.as_fd())?;
    ///
    /// let waker = Waker::from(Arc::new(Noop));
    /// let mut cx = Context::from_waker(&waker);
    /// // Nothing to read yet: the waiter registers and interest is armed.
    /// assert!(source.poll_ready(&reactor, Direction::Read, &mut cx).is_pending());
    /// b.write_all(b"x")?;
    /// reactor.poll(None)?; // delivers the readiness (and would wake the waker)
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
        let mut state = self.state.lock();
        // Checked under the lock: `Reactor::shutdown` sets the flag before draining each
        // source under its lock, so a waiter either sees the flag or is drained and woken.
        if reactor.is_shut_down() {
            return Poll::Ready(Err(readiness::shut_down_error()));
        }
        // Read under the lock, so after the caller's syscall said WouldBlock (see the tick
        // rule for why that is the tick to remember).
        let reactor_tick = reactor.tick();
        readiness::poll_ready_locked(&mut state, dir, reactor_tick, cx.waker(), |interest| {
            reactor.arm(self, interest)
        })
    }

    /// The registered file descriptor.
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
    /// let source = reactor.register(a.as_fd())?;
    /// assert_eq!(source.raw_fd(), a.as_raw_fd());
    /// reactor.deregister(&source)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn raw_fd(&self) -> RawFd {
        self.fd
    }
}

impl fmt::Debug for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Source")
            .field("key", &self.key)
            .field("fd", &self.fd)
            .finish_non_exhaustive()
    }
}
