//! [`Reactor`]: the poller, the slab of sources and the poll round.

use std::fmt;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::Waker;
use std::time::Duration;

use parking_lot::Mutex;
use polling::{Event, Events, Poller};
use slab::Slab;

use crate::readiness::{self, Interest};
use crate::Source;

/// Readiness I/O on one [`polling::Poller`]: many registrars, one poller at a time.
///
/// Any thread may [`register`](Reactor::register), [`deregister`](Reactor::deregister),
/// wait on a [`Source`] or [`notify`](Reactor::notify); one thread at a time runs a poll
/// round ([`poll`](Reactor::poll)), which blocks in the OS poller and wakes the tasks
/// whose fds became ready. A second thread calling `poll` meanwhile returns `Ok(0)` at
/// once (and [`try_poll`](Reactor::try_poll) returns `None`), so a runtime can let any
/// idle worker try to drive I/O.
///
/// `Reactor` is `Send + Sync`; share it behind an `Arc`.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use eddy_reactor::Reactor;
///
/// let reactor = Arc::new(Reactor::new()?);
/// // Nothing registered and no timeout left: a non-blocking round wakes nobody.
/// assert_eq!(reactor.poll(Some(Duration::ZERO))?, 0);
///
/// // A thread blocked in `poll(None)` returns once another thread notifies.
/// let poller = std::thread::spawn({
///     let reactor = reactor.clone();
///     move || reactor.poll(None)
/// });
/// reactor.notify()?;
/// assert_eq!(poller.join().unwrap()?, 0);
/// # std::io::Result::Ok(())
/// ```
pub struct Reactor {
    poller: Poller,
    /// Every registered source, keyed by its poller key. Lock order: `sources`, then a
    /// source's state; nothing takes them the other way round.
    sources: Mutex<Slab<Arc<Source>>>,
    /// The poll round's buffers; holding this lock is being "the" poller.
    round: Mutex<Round>,
    /// The number of poll rounds begun (the tick rule in [`crate::readiness`]).
    tick: AtomicUsize,
    /// Set by [`shutdown`](Reactor::shutdown): nobody will poll again.
    shut_down: AtomicBool,
}

/// What only the polling thread touches, reused across rounds.
struct Round {
    events: Events,
    /// Wakers collected under the locks and woken after releasing them.
    wakers: Vec<Waker>,
}

impl Reactor {
    /// Makes a reactor with its own OS poller (epoll on Linux).
    ///
    /// # Errors
    ///
    /// The OS error if the poller (or its notification fd) cannot be created.
    ///
    /// # Examples
    ///
    /// ```
    /// let reactor = eddy_reactor::Reactor::new()?;
    /// assert_eq!(reactor.sources(), 0);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn new() -> io::Result<Reactor> {
        Ok(Reactor {
            poller: Poller::new()?,
            sources: Mutex::new(Slab::new()),
            round: Mutex::new(Round {
                events: Events::new(),
                wakers: Vec::new(),
            }),
            tick: AtomicUsize::new(0),
            shut_down: AtomicBool::new(false),
        })
    }

    /// Registers a file descriptor. Interest is empty until a task waits on a direction.
    ///
    /// The fd must already be non-blocking ([`Async::new`](crate::Async::new) sets that
    /// for you), and it must stay open until [`deregister`](Reactor::deregister): the
    /// source has to leave the poller before its fd closes (or the number is reused).
    /// [`Async`](crate::Async) keeps that order by itself.
    ///
    /// # Errors
    ///
    /// The poller's error (e.g. the fd is a regular file, which epoll refuses).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::fd::AsFd;
    /// use std::os::unix::net::UnixStream;
    /// use eddy_reactor::Reactor;
    ///
    /// let reactor = Reactor::new()?;
    /// let (a, _b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// let source = reactor.register(a.as_fd())?;
    /// assert_eq!(reactor.sources(), 1);
    /// reactor.deregister(&source)?;
    /// assert_eq!(reactor.sources(), 0);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn register(&self, fd: BorrowedFd<'_>) -> io::Result<Arc<Source>> {
        let mut sources = self.sources.lock();
        let entry = sources.vacant_entry();
        let key = entry.key();
        let source = Arc::new(Source::new(key, fd.as_raw_fd()));
        // SAFETY: `Poller::add` requires the fd to be deleted from the poller before it is
        // closed. That is this method's documented contract (deregister before close),
        // which `Async` keeps by construction. If a caller breaks it, epoll (the Linux
        // backend) drops the closed fd by itself, and a later `modify`/`delete` on the old
        // number fails or acts on this poller's own registrations only: no memory is reached
        // through the fd, so nothing worse than a lost or spurious wakeup can follow.
        unsafe { self.poller.add(fd.as_raw_fd(), Event::none(key))? };
        entry.insert(source.clone());
        Ok(source)
    }

    /// Deregisters a source: deletes it from the poller (so this must happen **before**
    /// its fd is closed), removes it from the reactor, and wakes every task waiting on it;
    /// their [`poll_ready`](Source::poll_ready) then returns an error of kind
    /// [`Other`](io::ErrorKind::Other) saying the source was deregistered.
    ///
    /// Deregistering twice is a no-op.
    ///
    /// # Errors
    ///
    /// The poller's error if the delete fails (e.g. the fd was already closed); the source
    /// is removed and its waiters are woken all the same.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::fd::AsFd;
    /// use std::os::unix::net::UnixStream;
    /// use eddy_reactor::Reactor;
    ///
    /// let reactor = Reactor::new()?;
    /// let (a, _b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// let source = reactor.register(a.as_fd())?;
    /// reactor.deregister(&source)?;
    /// drop(a); // closes the fd, now that the poller has forgotten it
    /// # std::io::Result::Ok(())
    /// ```
    pub fn deregister(&self, source: &Source) -> io::Result<()> {
        let mut wakers = Vec::new();
        // First mark it, under its lock: from here on neither a waiter nor the poll round
        // arms it again, so no `modify` can race with the `delete` below.
        if !readiness::deregister_locked(&mut source.state.lock(), &mut wakers) {
            return Ok(());
        }
        // SAFETY: `register`'s contract keeps the fd open until this call returns.
        let fd = unsafe { BorrowedFd::borrow_raw(source.fd) };
        let deleted = self.poller.delete(fd);
        let removed = {
            let mut sources = self.sources.lock();
            // Only our own entry: the source may belong to another reactor.
            let ours = sources
                .get(source.key)
                .is_some_and(|entry| ptr::eq(&**entry, source));
            ours.then(|| sources.remove(source.key))
        };
        drop(removed);
        for waker in wakers {
            waker.wake();
        }
        deleted
    }

    /// Runs one poll round and returns how many wakers it woke.
    ///
    /// Blocks in the OS poller for at most `timeout` (`None`: until an event or a
    /// [`notify`](Reactor::notify); `Some(Duration::ZERO)`: not at all), then, for each
    /// event, records readiness per direction with this round's tick, re-arms the
    /// directions that still have waiters (interest is oneshot), and finally wakes the
    /// collected wakers after releasing every lock.
    ///
    /// Only one thread polls at a time: if another thread is inside `poll`, this returns
    /// `Ok(0)` at once. A wait interrupted by a signal is `Ok(0)` too.
    ///
    /// # Errors
    ///
    /// The OS poller's error.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let reactor = eddy_reactor::Reactor::new()?;
    /// reactor.notify()?;
    /// // The notification ends the wait at once, and nobody was waiting on I/O.
    /// assert_eq!(reactor.poll(Some(Duration::from_secs(10)))?, 0);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn poll(&self, timeout: Option<Duration>) -> io::Result<usize> {
        self.try_poll(timeout).unwrap_or(Ok(0))
    }

    /// Like [`poll`](Reactor::poll), but returns `None` if another thread is polling, so
    /// the caller can tell "nothing happened" from "someone else drives I/O".
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let reactor = eddy_reactor::Reactor::new()?;
    /// assert_eq!(reactor.try_poll(Some(Duration::ZERO)).transpose()?, Some(0));
    /// # std::io::Result::Ok(())
    /// ```
    pub fn try_poll(&self, timeout: Option<Duration>) -> Option<io::Result<usize>> {
        let mut round = self.round.try_lock()?;
        Some(self.poll_round(&mut round, timeout))
    }

    fn poll_round(&self, round: &mut Round, timeout: Option<Duration>) -> io::Result<usize> {
        let Round { events, wakers } = round;
        // Bump *before* waiting: a waiter that reads this tick registered while this
        // round may already have looked at its fd, so this round's events do not count
        // for it (the tick rule). SeqCst pairs with the load in `tick`; the rounds
        // themselves are serialised by the `round` lock. An inexact tick could only make a
        // `Ready` spurious (allowed by the contract), never lose a wakeup: that guarantee
        // rests on the source lock and the level-triggered re-arm.
        let tick = self.tick.fetch_add(1, SeqCst).wrapping_add(1);
        events.clear();
        match self.poller.wait(events, timeout) {
            Ok(_) => {}
            Err(error) if error.kind() == io::ErrorKind::Interrupted => return Ok(0),
            Err(error) => return Err(error),
        }
        {
            let sources = self.sources.lock();
            for event in events.iter() {
                // Deregistered meanwhile: its waiters were woken by `deregister`.
                let Some(source) = sources.get(event.key) else {
                    continue;
                };
                // Errors and hang-ups wake both directions, so readers and writers retry
                // their syscall and see EOF or the error (epoll already folds them in).
                let failed = event.is_interrupt() || event.is_err() == Some(true);
                let mut state = source.state.lock();
                readiness::deliver_locked(
                    &mut state,
                    tick,
                    event.readable || failed,
                    event.writable || failed,
                    wakers,
                    |interest| self.arm(source, interest),
                );
            }
        }
        let woken = wakers.len();
        for waker in wakers.drain(..) {
            waker.wake();
        }
        Ok(woken)
    }

    /// Wakes the thread blocked in [`poll`](Reactor::poll), or makes the next round return
    /// at once if nobody is polling. Repeated notifications before a round are one.
    ///
    /// # Errors
    ///
    /// The OS error of the notification (not expected on Linux).
    ///
    /// # Examples
    ///
    /// See [`Reactor`].
    pub fn notify(&self) -> io::Result<()> {
        self.poller.notify()
    }

    /// Declares that nothing will poll this reactor again (its runtime shut down): wakes
    /// every waiting task, and from now on every wait returns an error saying so, instead
    /// of waiting for ever. Sources stay registered until their owners drop them.
    ///
    /// # Examples
    ///
    /// ```
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
    /// let (a, _b) = UnixStream::pair()?;
    /// a.set_nonblocking(true)?;
    /// let source = reactor.register(a.as_fd())?;
    /// let waker = Waker::from(Arc::new(Noop));
    /// let mut cx = Context::from_waker(&waker);
    /// reactor.shutdown();
    /// let ready = source.poll_ready(&reactor, Direction::Read, &mut cx);
    /// assert!(matches!(ready, Poll::Ready(Err(_))));
    /// reactor.deregister(&source)?;
    /// # std::io::Result::Ok(())
    /// ```
    pub fn shutdown(&self) {
        self.shut_down.store(true, SeqCst);
        let mut wakers = Vec::new();
        for (_, source) in self.sources.lock().iter() {
            readiness::shutdown_locked(&mut source.state.lock(), &mut wakers);
        }
        for waker in wakers {
            waker.wake();
        }
    }

    /// True once [`shutdown`](Reactor::shutdown) was called.
    pub fn is_shut_down(&self) -> bool {
        self.shut_down.load(SeqCst)
    }

    /// The number of registered sources (for metrics and leak tests).
    ///
    /// # Examples
    ///
    /// See [`register`](Reactor::register).
    pub fn sources(&self) -> usize {
        self.sources.lock().len()
    }

    /// The number of poll rounds begun.
    pub(crate) fn tick(&self) -> usize {
        // SeqCst: pairs with the `fetch_add` in `poll_round`.
        self.tick.load(SeqCst)
    }

    /// Sets the poller's interest for `source` to exactly `interest` (oneshot).
    pub(crate) fn arm(&self, source: &Source, interest: Interest) -> io::Result<()> {
        // SAFETY: `register`'s contract keeps the fd open until `deregister`, and neither
        // half of `readiness` arms a source once `deregister` has marked it.
        let fd = unsafe { BorrowedFd::borrow_raw(source.fd) };
        self.poller
            .modify(fd, Event::new(source.key, interest.read, interest.write))
    }
}

impl fmt::Debug for Reactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reactor")
            .field("sources", &self.sources())
            .field("tick", &self.tick())
            .finish_non_exhaustive()
    }
}
