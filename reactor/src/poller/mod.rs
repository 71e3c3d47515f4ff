//! The OS poller behind one small seam: [`Poller`] is epoll, driven directly (Linux and
//! Android, the fast path), or the `polling` crate (every OS: kqueue on macOS and the BSDs,
//! event ports, IOCP on Windows, poll(2)). [`Backend`] names them.
//!
//! The seam is what the reactor needs and no more: create, add a source under a key,
//! re-arm it (one-shot mode only), delete it, wait for a round of [`Event`]s, notify a
//! waiting thread. The reactor above it, the readiness rule and its loom models do not
//! know which backend runs, with two exceptions the backend reports itself:
//!
//! - [`Poller::is_oneshot`]: where the OS has no edge-triggered mode (IOCP, event ports,
//!   poll(2)), or when [`Backend::PollingOneshot`] asks for it, a source is armed only for
//!   the directions that have waiters, and an event disarms it: the waiter that registers
//!   arms it again (`readiness::Readiness` says how, under the source lock).
//! - [`Poller::reports_read_closed`]: only epoll reports the peer's half-close
//!   (`EPOLLRDHUP`) as an event of its own, which is what makes a short stream read safe to
//!   take as "drained" (`Registration::poll_stream_read`).

#[cfg(any(target_os = "linux", target_os = "android"))]
mod epoll;
mod portable;

use std::fmt;
use std::io;
use std::str::FromStr;
use std::time::Duration;

use crate::sys::{BorrowedSource, RawSource};

/// Which OS poller a [`Reactor`](crate::Reactor) drives.
///
/// [`Backend::native`] is epoll on Linux and Android and polling elsewhere. Both keep every
/// readiness guarantee the crate documents; they differ in cost and in what they report.
///
/// # Examples
///
/// ```
/// use eddy_reactor::Backend;
///
/// let backend: Backend = "polling".parse()?;
/// assert_eq!(backend, Backend::Polling);
/// assert_eq!(backend.to_string(), "polling");
/// assert!(Backend::Polling.is_available());
/// assert_eq!(Backend::Epoll.is_available(), cfg!(any(target_os = "linux", target_os = "android")));
/// # std::io::Result::Ok(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// epoll, driven directly: Linux and Android only. Sources are registered once,
    /// edge-triggered, with `EPOLLRDHUP`, so a FIN is an event of its own and a short
    /// stream read can end a read burst without a second syscall.
    Epoll,
    /// The `polling` crate on every OS it supports: kqueue (macOS, iOS, the BSDs), event
    /// ports (illumos, Solaris), IOCP (Windows), poll(2) (the rest). Edge-triggered where
    /// the OS can (kqueue, epoll), one-shot elsewhere. It reports no half-close event, so
    /// a stream read that returns fewer bytes than asked does not end a read burst in edge
    /// mode: the next read makes the syscall and sees `WouldBlock` (one read per message
    /// more than epoll).
    Polling,
    /// `polling` in one-shot mode even where the OS has edges: each source is armed for the
    /// directions that have waiters and disarmed by its next event. This is the path
    /// Windows (IOCP) and event ports take; on Linux and macOS it exists so that path runs
    /// under the test suite.
    PollingOneshot,
}

impl Backend {
    /// The backend this OS runs by default: [`Epoll`](Backend::Epoll) on Linux and Android,
    /// [`Polling`](Backend::Polling) elsewhere.
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy_reactor::Backend;
    ///
    /// if cfg!(target_os = "linux") {
    ///     assert_eq!(Backend::native(), Backend::Epoll);
    /// }
    /// ```
    pub fn native() -> Backend {
        if cfg!(any(target_os = "linux", target_os = "android")) {
            Backend::Epoll
        } else {
            Backend::Polling
        }
    }

    /// True if this build can run the backend (epoll: Linux and Android; polling: all).
    ///
    /// # Examples
    ///
    /// See [`Backend`].
    pub fn is_available(self) -> bool {
        match self {
            Backend::Epoll => cfg!(any(target_os = "linux", target_os = "android")),
            Backend::Polling | Backend::PollingOneshot => true,
        }
    }

    /// The backend's name, as [`FromStr`] and `Display` spell it: `epoll`, `polling`,
    /// `polling-oneshot`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(eddy_reactor::Backend::PollingOneshot.name(), "polling-oneshot");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Backend::Epoll => "epoll",
            Backend::Polling => "polling",
            Backend::PollingOneshot => "polling-oneshot",
        }
    }

    /// The error of asking for a backend this build cannot run.
    #[cfg_attr(any(target_os = "linux", target_os = "android"), allow(dead_code))]
    pub(crate) fn unavailable(self) -> io::Error {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "the {} I/O backend is not available on this OS (epoll is Linux and Android \
                 only); choose Backend::Polling, or Backend::native()",
                self.name()
            ),
        )
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Backend {
    type Err = io::Error;

    /// Parses `epoll`, `polling` or `polling-oneshot` (any case, surrounding blanks
    /// ignored); anything else is an `InvalidInput` error that lists them.
    fn from_str(name: &str) -> io::Result<Backend> {
        match name.trim().to_ascii_lowercase().as_str() {
            "epoll" => Ok(Backend::Epoll),
            "polling" => Ok(Backend::Polling),
            "polling-oneshot" => Ok(Backend::PollingOneshot),
            _ => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "unknown I/O backend {name:?}: expected \"epoll\", \"polling\" or \
                     \"polling-oneshot\""
                ),
            )),
        }
    }
}

/// One event of a round.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Event {
    /// The source's key.
    pub(crate) key: usize,
    /// Readable (data, a pending connection, end-of-stream, an error).
    pub(crate) readable: bool,
    /// Writable (room in the send buffer, a finished connect, an error).
    pub(crate) writable: bool,
    /// The peer shut its write side or the connection is closed: reads will not block
    /// again. Only epoll reports it ([`Poller::reports_read_closed`]).
    pub(crate) read_closed: bool,
    /// An error or hang-up: both directions should retry and see it.
    pub(crate) failed: bool,
}

/// The buffer a round fills, of the poller's kind.
pub(crate) enum Events {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    Epoll(epoll::Events),
    Polling(portable::Events),
}

impl Events {
    /// Calls `f` for each event of the last round (the poller's own notifications left out).
    pub(crate) fn for_each(&self, mut f: impl FnMut(Event)) {
        match self {
            #[cfg(any(target_os = "linux", target_os = "android"))]
            Events::Epoll(events) => events.iter().for_each(&mut f),
            Events::Polling(events) => events.iter().for_each(&mut f),
        }
    }
}

/// The OS poller of one reactor.
#[derive(Debug)]
pub(crate) enum Poller {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    Epoll(epoll::Epoll),
    Polling(portable::Portable),
}

impl Poller {
    /// A new poller of the given backend.
    ///
    /// # Errors
    ///
    /// `InvalidInput` if this OS lacks the backend; the OS error if it cannot be created.
    pub(crate) fn new(backend: Backend) -> io::Result<Poller> {
        eddy_faults::inject(eddy_faults::Call::PollerCreate)?;
        match backend {
            #[cfg(any(target_os = "linux", target_os = "android"))]
            Backend::Epoll => Ok(Poller::Epoll(epoll::Epoll::new()?)),
            #[cfg(not(any(target_os = "linux", target_os = "android")))]
            Backend::Epoll => Err(backend.unavailable()),
            Backend::Polling => Ok(Poller::Polling(portable::Portable::new(false)?)),
            Backend::PollingOneshot => Ok(Poller::Polling(portable::Portable::new(true)?)),
        }
    }

    /// Which backend this is.
    pub(crate) fn backend(&self) -> Backend {
        match self {
            #[cfg(any(target_os = "linux", target_os = "android"))]
            Poller::Epoll(_) => Backend::Epoll,
            Poller::Polling(polling) => polling.backend(),
        }
    }

    /// An empty event buffer for [`wait`](Poller::wait).
    pub(crate) fn events(&self, capacity: usize) -> Events {
        match self {
            #[cfg(any(target_os = "linux", target_os = "android"))]
            Poller::Epoll(_) => Events::Epoll(epoll::Events::with_capacity(capacity)),
            Poller::Polling(_) => Events::Polling(portable::Events::with_capacity(capacity)),
        }
    }

    /// True if sources are armed per wait and disarmed by each event (module docs); false
    /// if they are registered once, edge-triggered, for both directions.
    #[inline]
    pub(crate) fn is_oneshot(&self) -> bool {
        match self {
            #[cfg(any(target_os = "linux", target_os = "android"))]
            Poller::Epoll(_) => false,
            Poller::Polling(polling) => polling.is_oneshot(),
        }
    }

    /// True if the poller reports the peer's half-close as an event of its own (module docs).
    #[inline]
    pub(crate) fn reports_read_closed(&self) -> bool {
        match self {
            #[cfg(any(target_os = "linux", target_os = "android"))]
            Poller::Epoll(_) => true,
            Poller::Polling(_) => false,
        }
    }

    /// Registers `source` under `key` for both directions: edge-triggered, or armed once
    /// (one-shot; its first event disarms it, and waiters [`arm`](Poller::arm) it again).
    ///
    /// # Safety
    ///
    /// - `source` stays open until [`delete`](Poller::delete) returns (or the poller is
    ///   dropped), and is deleted before it is closed.
    pub(crate) unsafe fn add(&self, source: RawSource, key: usize) -> io::Result<()> {
        eddy_faults::inject(eddy_faults::Call::Register)?;
        match self {
            #[cfg(any(target_os = "linux", target_os = "android"))]
            Poller::Epoll(epoll) => epoll.add(source, key),
            // SAFETY: the caller's contract is `Portable::add`'s.
            Poller::Polling(polling) => unsafe { polling.add(source, key) },
        }
    }

    /// One-shot mode: arms `source` for the directions of `interest` (`[read, write]`);
    /// the next event for it disarms it again.
    pub(crate) fn arm(
        &self,
        source: BorrowedSource<'_>,
        key: usize,
        interest: [bool; 2],
    ) -> io::Result<()> {
        eddy_faults::inject(eddy_faults::Call::Rearm)?;
        match self {
            #[cfg(any(target_os = "linux", target_os = "android"))]
            Poller::Epoll(_) => unreachable!("epoll sources are edge-triggered, never re-armed"),
            Poller::Polling(polling) => polling.arm(source, key, interest),
        }
    }

    /// Removes `source`. Once this returns, no wait reports it again.
    pub(crate) fn delete(&self, source: BorrowedSource<'_>) -> io::Result<()> {
        match self {
            #[cfg(any(target_os = "linux", target_os = "android"))]
            Poller::Epoll(epoll) => epoll.delete(crate::sys::raw(source)),
            Poller::Polling(polling) => polling.delete(source),
        }
    }

    /// Waits for events for at most `timeout` (`None`: without limit) and puts them in
    /// `events`, which must come from this poller's [`events`](Poller::events). An
    /// interrupted wait returns no events.
    pub(crate) fn wait(&self, events: &mut Events, timeout: Option<Duration>) -> io::Result<()> {
        match (self, events) {
            #[cfg(any(target_os = "linux", target_os = "android"))]
            (Poller::Epoll(epoll), Events::Epoll(events)) => epoll.wait(events, timeout),
            (Poller::Polling(polling), Events::Polling(events)) => polling.wait(events, timeout),
            #[cfg(any(target_os = "linux", target_os = "android"))]
            _ => unreachable!("an event buffer of another backend"),
        }
    }

    /// Wakes the thread in [`wait`](Poller::wait), or makes the next wait return at once.
    pub(crate) fn notify(&self) -> io::Result<()> {
        eddy_faults::inject(eddy_faults::Call::Notify)?;
        match self {
            #[cfg(any(target_os = "linux", target_os = "android"))]
            Poller::Epoll(epoll) => epoll.notify(),
            Poller::Polling(polling) => polling.notify(),
        }
    }
}
