//! The `polling` backend: kqueue, event ports, IOCP, poll(2), and epoll through `polling`.
//!
//! Edge-triggered where `Poller::supports_edge` says the OS can (a source is added once
//! for both directions, as with eddy's own epoll); one-shot elsewhere, or when asked for
//! (`Backend::PollingOneshot`): a source is added with no interest and armed, for the
//! directions that have waiters, by the reactor (`Poller::arm`), and each event disarms it.
//! `polling` retries interrupted waits itself and keeps its own notifier.

use std::io;
use std::num::NonZeroUsize;
use std::time::Duration;

use polling::{PollMode, Poller};

use super::{Backend, Event};
use crate::sys::{BorrowedSource, RawSource};

/// A `polling` poller and the mode its sources are registered in.
#[derive(Debug)]
pub(crate) struct Portable {
    poller: Poller,
    /// `Edge` or `Oneshot`.
    mode: PollMode,
    /// The caller asked for one-shot mode ([`Backend::PollingOneshot`]).
    asked_oneshot: bool,
}

/// The buffer a round fills.
pub(crate) struct Events {
    events: polling::Events,
}

impl Events {
    /// Room for `capacity` events per round (at least one).
    pub(crate) fn with_capacity(capacity: usize) -> Events {
        let capacity = NonZeroUsize::new(capacity).unwrap_or(NonZeroUsize::MIN);
        Events {
            events: polling::Events::with_capacity(capacity),
        }
    }

    /// The events of the last round.
    pub(crate) fn iter(&self) -> impl Iterator<Item = Event> + '_ {
        self.events.iter().map(|event| Event {
            key: event.key,
            readable: event.readable,
            writable: event.writable,
            // `polling` has no half-close event: `Poller::reports_read_closed` is false.
            read_closed: false,
            // `polling` folds errors and hang-ups into both directions on epoll, poll(2)
            // and kqueue (EV_EOF); where it reports an error on its own, wake both too.
            failed: event.is_err() == Some(true),
        })
    }
}

impl Portable {
    /// A new poller, one-shot if `oneshot` or if the OS has no edge-triggered mode.
    pub(crate) fn new(oneshot: bool) -> io::Result<Portable> {
        let poller = Poller::new()?;
        let mode = if oneshot || !poller.supports_edge() {
            PollMode::Oneshot
        } else {
            PollMode::Edge
        };
        Ok(Portable {
            poller,
            mode,
            asked_oneshot: oneshot,
        })
    }

    /// The backend the caller asked for.
    pub(crate) fn backend(&self) -> Backend {
        if self.asked_oneshot {
            Backend::PollingOneshot
        } else {
            Backend::Polling
        }
    }

    /// True in one-shot mode.
    pub(crate) fn is_oneshot(&self) -> bool {
        self.mode == PollMode::Oneshot
    }

    /// Adds `source` under `key`, for both directions: edge-triggered, or armed once in
    /// one-shot mode (so that, as with edges, the first round reports the source's state).
    ///
    /// # Safety
    ///
    /// - `source` stays open until [`delete`](Portable::delete) returns (or the poller is
    ///   dropped), and is deleted before it is closed.
    pub(crate) unsafe fn add(&self, source: RawSource, key: usize) -> io::Result<()> {
        let interest = polling::Event::all(key);
        // SAFETY: `polling::Poller::add_with_mode` asks that the source stay open and be
        // deleted before it is closed: this function's own contract, passed on.
        unsafe { self.poller.add_with_mode(source, interest, self.mode) }
    }

    /// Arms `source` for `interest` (`[read, write]`) until its next event.
    pub(crate) fn arm(
        &self,
        source: BorrowedSource<'_>,
        key: usize,
        interest: [bool; 2],
    ) -> io::Result<()> {
        let [read, write] = interest;
        self.poller.modify_with_mode(
            source,
            polling::Event::new(key, read, write),
            PollMode::Oneshot,
        )
    }

    /// Removes `source`.
    pub(crate) fn delete(&self, source: BorrowedSource<'_>) -> io::Result<()> {
        self.poller.delete(source)
    }

    /// Waits for at most `timeout` and fills `events`.
    pub(crate) fn wait(&self, events: &mut Events, timeout: Option<Duration>) -> io::Result<()> {
        events.events.clear();
        match self.poller.wait(&mut events.events, timeout) {
            Ok(_) => Ok(()),
            Err(err) if err.kind() == io::ErrorKind::Interrupted => Ok(()),
            Err(err) => Err(err),
        }
    }

    /// Wakes the thread in [`wait`](Portable::wait), or makes the next wait return at once.
    pub(crate) fn notify(&self) -> io::Result<()> {
        self.poller.notify()
    }
}
