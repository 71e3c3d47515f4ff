//! [`Reactor`]: the poller, the slab of sources and the poll round.

use std::fmt;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::task::Waker;
use std::time::Duration;

use crate::epoll::{Epoll, Events};
use parking_lot::Mutex;
use slab::Slab;

use crate::Source;

/// Readiness I/O on one epoll instance: many registrars, one poller at a time.
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
    poller: Epoll,
    /// Every registered source, keyed by its poller key. Lock order: `sources`, then a
    /// source's state; nothing takes them the other way round.
    sources: Mutex<Slab<Arc<Source>>>,
    /// The poll round's buffers; holding this lock is being "the" poller.
    round: Mutex<Round>,
    /// Set by [`shutdown`](Reactor::shutdown): nobody will poll again.
    shut_down: AtomicBool,
}

/// The most events one round takes from epoll; more wait for the next round.
const EVENTS_PER_ROUND: usize = 1024;

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
            poller: Epoll::new()?,
            sources: Mutex::new(Slab::new()),
            round: Mutex::new(Round {
                events: Events::with_capacity(EVENTS_PER_ROUND),
                wakers: Vec::new(),
            }),
            shut_down: AtomicBool::new(false),
        })
    }

    /// Registers a file descriptor, once and for good: interest in both directions,
    /// edge-triggered (`EPOLLET`), so the poller reports each change of the fd's state
    /// once and nothing is ever re-armed.
    ///
    /// The fd must already be non-blocking
    /// ([`Registration::new`](crate::Registration::new) sets that for you), and it must
    /// stay open until [`deregister`](Reactor::deregister): the source has to leave the
    /// poller before its fd closes (or the number is reused).
    /// [`Registration`](crate::Registration) keeps that order by itself.
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
        self.poller.add(fd.as_raw_fd(), key)?;
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
        // First mark it, under its lock: from here on no waiter registers and the poll round
        // delivers nothing to it.
        if !source.readiness.deregister(&mut wakers) {
            return Ok(());
        }
        // `register`'s contract keeps the fd open until this call returns; were it broken,
        // the delete would fail or act on this poller's own registrations only.
        let deleted = self.poller.delete(source.fd);
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
    /// event (an edge), bumps the tick and sets the ready bit of each direction it reports
    /// and collects that direction's wakers, and finally wakes them after releasing every
    /// lock.
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

    /// True while some thread is inside [`poll`](Reactor::poll) /
    /// [`try_poll`](Reactor::try_poll). A thread that lost the race for the poller checks
    /// this again after announcing where it sleeps, so that a poller that left meanwhile
    /// is not mistaken for one still polling.
    ///
    /// # Examples
    ///
    /// ```
    /// let reactor = eddy_reactor::Reactor::new()?;
    /// assert!(!reactor.is_polling());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn is_polling(&self) -> bool {
        self.round.is_locked()
    }

    fn poll_round(&self, round: &mut Round, timeout: Option<Duration>) -> io::Result<usize> {
        let Round { events, wakers } = round;
        self.poller.wait(events, timeout)?;
        {
            let sources = self.sources.lock();
            for event in events.iter() {
                // Deregistered meanwhile: its waiters were woken by `deregister`.
                let Some(source) = sources.get(event.key) else {
                    continue;
                };
                // Errors and hang-ups wake both directions, so readers and writers retry
                // their syscall and see EOF or the error (epoll already folds them in).
                source.readiness.deliver(
                    event.readable || event.failed,
                    event.writable || event.failed,
                    event.read_closed,
                    wakers,
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
            source.readiness.shutdown(&mut wakers);
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
}

impl fmt::Debug for Reactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reactor")
            .field("sources", &self.sources())
            .finish_non_exhaustive()
    }
}
