//! [`Reactor`]: the poller, the slab of sources and the poll round.

use std::fmt;
use std::io;
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed, Ordering::SeqCst};
use std::sync::Arc;
use std::task::Waker;
use std::time::Duration;

use parking_lot::Mutex;
use slab::Slab;

use crate::poller::{Backend, Event, Events, Poller};
use crate::readiness::Arm;
use crate::sys::{self, BorrowedSource};
use crate::Source;

/// Readiness I/O on one OS poller: many registrars, one poller at a time.
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
/// # Keys, and why a round takes no lock that registration takes
///
/// A source's poller key is its address, so the poll round finds the
/// source of an event without a table lookup, and without the lock that
/// [`register`](Reactor::register) and [`deregister`](Reactor::deregister) take: a round
/// never contends with an accept. This is sound because a source's memory outlives every
/// event that can name it:
///
/// - while registered, the reactor's table holds an `Arc` to it;
/// - [`deregister`](Reactor::deregister) deletes it from the poller first (from then on no
///   wait reports it), then moves that `Arc` to a *released* list;
/// - the released list is emptied only by the polling thread, at the start of a round,
///   before its wait: the events it then dispatches come from that wait, which began after
///   the delete. An event of an earlier round that named the source was dispatched (to a
///   source marked deregistered, which wakes nobody) while the list still held it;
/// - if the delete fails (the fd was closed before `deregister`, breaking `register`'s
///   contract, and the poller may still hold it), the source is kept until the reactor,
///   poller first, is dropped.
///
/// So a key is never reused while an event could still carry it: an event meant for a
/// closed fd cannot reach the source that took its place (with keys from a slab, it could).
///
/// # A notification that fails: late, never lost
///
/// [`notify`](Reactor::notify) is how another thread ends a round's wait (the eventfd
/// write on epoll, `polling`'s notifier elsewhere). It is not expected to fail, but if it
/// did, a thread waiting with no timeout would sleep through the wake-up it carried — a
/// lost wake-up, with a runtime's only worker asleep in the poller. So:
///
/// - `notify` tries the write three times before it gives up;
/// - once it has given up, the reactor remembers it for good
///   ([`lost_a_notification`](Reactor::lost_a_notification)), says so once on stderr,
///   and from then on no round waits longer than 10 ms: a wake-up is at most that late;
/// - and no round ever waits longer than a second (the backstop), whatever its
///   timeout, so a thread that was already waiting when the notification failed wakes
///   within a second. `poll(None)` of an idle reactor thus returns `Ok(0)` once a second,
///   a spurious return that callers already handle (rule 11: readiness is a hint).
///
/// A runtime's driver also wakes another idle worker when a notification fails, so the
/// work it announced runs at once where there is one.
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
    /// Declared first, so dropped first: no source is freed while the poller lives
    /// (type docs: keys).
    poller: Poller,
    /// Every registered source, by [`Source::slot`]: what keeps each alive while the
    /// poller may report it. Taken by `register`, `deregister` and `shutdown`, never by a
    /// round's dispatch. Lock order: `sources`, then a source's state.
    sources: Mutex<Slab<Arc<Source>>>,
    /// Sources deregistered since the last round began (type docs: keys).
    retired: Mutex<Retired>,
    /// The poll round's buffers; holding this lock is being "the" poller.
    round: Mutex<Round>,
    /// Set by [`shutdown`](Reactor::shutdown): nobody will poll again.
    shut_down: AtomicBool,
    /// Set for good when [`notify`](Reactor::notify) gave up (type docs: a notification
    /// that fails): every wait is capped at [`WAIT_AFTER_LOST_NOTIFY`] from then on.
    notify_lost: AtomicBool,
}

/// How many times [`Reactor::notify`] tries the write before it reports the failure.
pub(crate) const NOTIFY_ATTEMPTS: u32 = 3;

/// The longest any round waits, whatever its timeout (type docs: a notification that
/// fails). An idle reactor's thread wakes this often; a second is rare enough to cost
/// nothing and soon enough that a wake-up lost to a failed notification is only late.
pub(crate) const WAIT_BACKSTOP: Duration = Duration::from_secs(1);

/// The longest a round waits once a notification has failed (type docs): a wake-up is
/// at most this late. A scheduler tick even at `HZ=100`, as the driver's shortest timed
/// park.
pub(crate) const WAIT_AFTER_LOST_NOTIFY: Duration = Duration::from_millis(10);

/// The most events one round takes from epoll; more wait for the next round.
const EVENTS_PER_ROUND: usize = 1024;

/// What only the polling thread touches, reused across rounds.
struct Round {
    events: Events,
    /// Wakers collected under the locks and woken after releasing them.
    wakers: Vec<Waker>,
    /// The released sources taken at the start of a round, freed after the lock is let go.
    freeing: Vec<Arc<Source>>,
}

/// Deregistered sources the reactor still keeps alive (type docs: keys).
#[derive(Default)]
struct Retired {
    /// Deleted from the poller: freed at the start of the next round.
    released: Vec<Arc<Source>>,
    /// Whose delete failed: kept until the reactor is dropped.
    orphans: Vec<Arc<Source>>,
}

impl Reactor {
    /// Makes a reactor with its own OS poller, of this OS's [native](Backend::native)
    /// backend (epoll on Linux and Android, `polling` elsewhere).
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
        Reactor::with_backend(Backend::native())
    }

    /// Makes a reactor on the given backend.
    ///
    /// # Errors
    ///
    /// `InvalidInput` if this OS lacks the backend ([`Backend::Epoll`] off Linux and
    /// Android); the OS error if the poller cannot be created.
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy_reactor::{Backend, Reactor};
    ///
    /// let reactor = Reactor::with_backend(Backend::Polling)?;
    /// assert_eq!(reactor.backend(), Backend::Polling);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn with_backend(backend: Backend) -> io::Result<Reactor> {
        let poller = Poller::new(backend)?;
        Ok(Reactor {
            round: Mutex::new(Round {
                events: poller.events(EVENTS_PER_ROUND),
                wakers: Vec::new(),
                freeing: Vec::new(),
            }),
            poller,
            sources: Mutex::new(Slab::new()),
            retired: Mutex::new(Retired::default()),
            shut_down: AtomicBool::new(false),
            notify_lost: AtomicBool::new(false),
        })
    }

    /// The backend this reactor drives.
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy_reactor::{Backend, Reactor};
    ///
    /// assert_eq!(Reactor::new()?.backend(), Backend::native());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn backend(&self) -> Backend {
        self.poller.backend()
    }

    /// True if a stream read that returns fewer bytes than asked is taken as "drained" by
    /// [`Registration::poll_stream_read`](crate::Registration::poll_stream_read) (the next
    /// read waits without a syscall): the backend either reports the peer's half-close as an
    /// event of its own (epoll), or re-arms with a level check (one-shot), so an
    /// end-of-stream queued behind the bytes is never hidden. False for `polling` in edge
    /// mode (kqueue, and epoll through `polling`), where every read burst ends with a
    /// `WouldBlock`.
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy_reactor::{Backend, Reactor};
    ///
    /// let reactor = Reactor::with_backend(Backend::PollingOneshot)?;
    /// assert!(reactor.short_reads_drain());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn short_reads_drain(&self) -> bool {
        self.poller.reports_read_closed() || self.poller.is_oneshot()
    }

    /// The arming callback of `arm` for a one-shot poller, `None` for an edge-triggered one.
    #[inline]
    pub(crate) fn arming<'a>(&self, arm: &'a dyn Fn([bool; 2]) -> io::Result<()>) -> Arm<'a> {
        self.poller.is_oneshot().then_some(arm)
    }

    /// One-shot mode: arms `source` for `interest` until its next event.
    ///
    /// Called under the source's lock, with the source not deregistered (the readiness
    /// protocol checks that first), so its fd is open: `register`'s contract keeps it open
    /// until `deregister`, which marks the source under that lock before deleting it.
    pub(crate) fn arm(&self, source: &Source, interest: [bool; 2]) -> io::Result<()> {
        // SAFETY: the fd is open for this call (above).
        let fd = unsafe { sys::borrow(source.fd) };
        self.poller.arm(fd, source.key(), interest)
    }

    /// Registers a file descriptor (on Windows, a socket), once and for good: interest in
    /// both directions, edge-triggered where the backend has edges (`EPOLLET`, kqueue's
    /// `EV_CLEAR`), so the poller reports each change of the fd's state once and nothing is
    /// re-armed; on a one-shot backend, armed by each waiter (see [`Source`]).
    ///
    /// The fd must already be non-blocking
    /// ([`Registration::new`](crate::Registration::new) sets that for you, and keeps the
    /// contract below by itself: prefer it).
    ///
    /// # Safety
    ///
    /// - The fd stays open until [`deregister`](Reactor::deregister) has returned for the
    ///   source: the poller must forget an fd before it is closed (or its number reused).
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
    /// // SAFETY: `a` stays open until after `deregister`.
    /// let source = unsafe { reactor.register(a.as_fd())? };
    /// assert_eq!(reactor.sources(), 1);
    /// reactor.deregister(&source)?;
    /// assert_eq!(reactor.sources(), 0);
    /// # std::io::Result::Ok(())
    /// ```
    pub unsafe fn register(&self, fd: BorrowedSource<'_>) -> io::Result<Arc<Source>> {
        let oneshot = self.poller.is_oneshot();
        let source = {
            let mut sources = self.sources.lock();
            let entry = sources.vacant_entry();
            let source = Arc::new(Source::new(entry.key(), sys::raw(fd), oneshot));
            entry.insert(source.clone());
            source
        };
        // The poller's system call is made outside the lock, so that registrars and
        // deregistrars on other threads do not wait for it (they spun, then yielded, on
        // every connection of a churning server). Until it returns, the source is in the
        // table but reports nothing; `shutdown` may mark it meanwhile, which is as good.
        // SAFETY: the caller keeps the fd open until `deregister`, which deletes it from
        // the poller before returning.
        if let Err(error) = unsafe { self.poller.add(source.fd, source.key()) } {
            self.forget_failed_add(&source, &error);
            return Err(error);
        }
        Ok(source)
    }

    /// Takes back a source whose poller add failed with `error`. epoll's add (eddy's own,
    /// and `polling`'s on Linux) and event ports' are all or nothing: nothing stands, no
    /// event can name the source, and it is freed at once.
    ///
    /// kqueue's is not: `polling` records the fd, then registers the read and the write
    /// filter in one `kevent` call, and when that call fails one filter may stand (and the
    /// record always does, refusing the fd number from then on). On Windows `polling`
    /// records the socket before it starts the AFD poll, and keeps the record if that
    /// fails. So there, after an OS error, the fd is deleted, and the source freed at the
    /// start of the next round, as a deregistered source (a round in progress may hold an
    /// event for it), or when the reactor is dropped if the delete failed. An error with no
    /// OS error is `polling`'s own refusal before it records anything (the fd is
    /// registered already, by another source, whose registration a delete would take
    /// away): nothing to undo.
    fn forget_failed_add(&self, source: &Arc<Source>, error: &io::Error) {
        /// Where `polling`'s add can fail halfway (above).
        const ADD_MAY_LEAVE_SOMETHING: bool = cfg!(any(
            target_vendor = "apple",
            target_os = "freebsd",
            target_os = "netbsd",
            target_os = "openbsd",
            target_os = "dragonfly",
            windows,
        ));
        let removed = self.sources.lock().remove(source.slot);
        if !ADD_MAY_LEAVE_SOMETHING || error.raw_os_error().is_none() {
            return;
        }
        // SAFETY: `register`'s caller keeps the fd open until `register` returns.
        let deleted = self.poller.delete(unsafe { sys::borrow(source.fd) });
        let mut retired = self.retired.lock();
        match deleted {
            Ok(()) => retired.released.push(removed),
            // `polling` never recorded the fd (the add failed before it: an injected fault;
            // on kqueue the delete then says `NotFound`, with no OS error): nothing stands.
            Err(error) if error.raw_os_error().is_none() => {}
            Err(_) => retired.orphans.push(removed),
        }
    }

    /// Deregisters a source: deletes it from the poller (so this must happen **before**
    /// its fd is closed), removes it from the reactor, and wakes every task waiting on it;
    /// their [`poll_ready`](Source::poll_ready) then returns an error of kind
    /// [`Other`](io::ErrorKind::Other) saying the source was deregistered.
    ///
    /// Deregistering twice is a no-op. The source's memory is reclaimed at the start of the
    /// next poll round (or when the reactor is dropped), never while an event of a round in
    /// progress may still name it (type docs: keys).
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
    /// // SAFETY: `a` stays open until after `deregister`.
    /// let source = unsafe { reactor.register(a.as_fd())? };
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
        // SAFETY: `register`'s contract keeps the fd open until this call returns.
        let deleted = self.poller.delete(unsafe { sys::borrow(source.fd) });
        let removed = {
            let mut sources = self.sources.lock();
            // Only our own entry: the source may belong to another reactor.
            let ours = sources
                .get(source.slot)
                .is_some_and(|entry| ptr::eq(&**entry, source));
            ours.then(|| sources.remove(source.slot))
        };
        // Kept alive past any event that may still name it (type docs: keys).
        if let Some(removed) = removed {
            let mut retired = self.retired.lock();
            match deleted {
                Ok(()) => retired.released.push(removed),
                Err(_) => retired.orphans.push(removed),
            }
        }
        for waker in wakers {
            waker.wake();
        }
        deleted
    }

    /// Runs one poll round and returns how many wakers it woke.
    ///
    /// Blocks in the OS poller for at most `timeout` (`None`: until an event or a
    /// [`notify`](Reactor::notify); `Some(Duration::ZERO)`: not at all) and never longer
    /// than a second (10 ms once a notification failed: type docs), so it may return
    /// `Ok(0)` with nothing to report; then, for each
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
        let Round {
            events,
            wakers,
            freeing,
        } = round;
        // Free the sources deleted before this wait (type docs: keys); dropped outside the
        // lock, as a source's last waker may run arbitrary code when dropped.
        std::mem::swap(&mut self.retired.lock().released, freeing);
        freeing.clear();
        self.poller.wait(events, Some(self.wait_bound(timeout)))?;
        events.for_each(|event| {
            // SAFETY: the key of an event of this round's wait is the address of a source
            // registered with this poller, which is alive until a later round begins (type
            // docs: keys).
            unsafe { self.dispatch(event, wakers) };
        });
        let woken = wakers.len();
        for waker in wakers.drain(..) {
            waker.wake();
        }
        Ok(woken)
    }

    /// Delivers one event to the source its key names (which wakes nobody if that source
    /// was deregistered), collecting the wakers to wake.
    ///
    /// # Safety
    ///
    /// - `event.key` is the [`Source::key`] of a source that is alive.
    pub(crate) unsafe fn dispatch(&self, event: Event, wakers: &mut Vec<Waker>) {
        // SAFETY: the key is a live source's address (the caller's contract).
        let source = unsafe { &*std::ptr::with_exposed_provenance::<Source>(event.key) };
        let arm = |interest| self.arm(source, interest);
        // Errors and hang-ups wake both directions, so readers and writers retry their
        // syscall and see EOF or the error (epoll and `polling` already fold them in).
        source.readiness.deliver(
            event.readable || event.failed,
            event.writable || event.failed,
            event.read_closed,
            wakers,
            self.arming(&arm),
        );
    }

    /// How long a round asked to wait for `timeout` may wait (type docs: a notification
    /// that fails).
    fn wait_bound(&self, timeout: Option<Duration>) -> Duration {
        // Relaxed: the flag only shortens waits; a round that misses it, just set by
        // another thread, is bounded by the backstop.
        let cap = if self.notify_lost.load(Relaxed) {
            WAIT_AFTER_LOST_NOTIFY
        } else {
            WAIT_BACKSTOP
        };
        timeout.map_or(cap, |timeout| timeout.min(cap))
    }

    /// Wakes the thread blocked in [`poll`](Reactor::poll), or makes the next round return
    /// at once if nobody is polling. Repeated notifications before a round are one.
    ///
    /// The write is tried up to three times. If it still fails, the error is returned and
    /// the reactor caps every wait at 10 ms from then on (type docs:
    /// a notification that fails), so the wake-up is late, never lost.
    ///
    /// # Errors
    ///
    /// The OS error of the notification's last try (not expected).
    ///
    /// # Examples
    ///
    /// See [`Reactor`].
    pub fn notify(&self) -> io::Result<()> {
        let mut attempt = 1;
        loop {
            match self.poller.notify() {
                Ok(()) => return Ok(()),
                Err(_) if attempt < NOTIFY_ATTEMPTS => attempt += 1,
                Err(error) => {
                    // Relaxed: see `wait_bound`; the swap makes the message appear once.
                    // Not `eprintln!`, which panics if stderr is gone: this runs inside
                    // `Waker::wake`, on any thread, in destructors too.
                    if !self.notify_lost.swap(true, Relaxed) {
                        use std::io::Write as _;
                        let _ = writeln!(
                            io::stderr().lock(),
                            "eddy: waking the reactor failed ({error}); from now on it \
                             wakes every {WAIT_AFTER_LOST_NOTIFY:?} by itself, so wake-ups \
                             may be that late"
                        );
                    }
                    return Err(error);
                }
            }
        }
    }

    /// True once a [`notify`](Reactor::notify) failed even after its retries: every wait
    /// is capped at 10 ms from then on (type docs: a notification that fails).
    ///
    /// # Examples
    ///
    /// ```
    /// let reactor = eddy_reactor::Reactor::new()?;
    /// reactor.notify()?;
    /// assert!(!reactor.lost_a_notification());
    /// # std::io::Result::Ok(())
    /// ```
    pub fn lost_a_notification(&self) -> bool {
        self.notify_lost.load(Relaxed)
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
    /// // SAFETY: `a` stays open until after `deregister`.
    /// let source = unsafe { reactor.register(a.as_fd())? };
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

/// A panic never leaves the reactor half-updated where another thread could see it: the
/// poll round and the registrars change the source table and the retired list only under
/// their locks, with no user code running there (wakers are woken after every lock is
/// released), and parking_lot's locks do not poison. So a `&Reactor` (and every socket
/// that holds one) may cross `catch_unwind`, as tokio's I/O driver does.
impl std::panic::RefUnwindSafe for Reactor {}
impl std::panic::UnwindSafe for Reactor {}

impl fmt::Debug for Reactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reactor")
            .field("sources", &self.sources())
            .finish_non_exhaustive()
    }
}
