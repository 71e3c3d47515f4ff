//! The readiness state of one source: the tick rule, the waiter lists and what is armed in
//! the poller. Pure code: no locks, no syscalls, no atomics.
//!
//! [`Source`](crate::Source) keeps a [`SourceState`] behind its mutex and the loom model
//! (`src/tests/loom_readiness.rs`) keeps the same type behind loom's mutex, so the model
//! checks this code and not a copy of it. The two entry points that run with the lock held,
//! [`poll_ready_locked`] and [`deliver_locked`], take `&mut SourceState` (the lock held is
//! the precondition, as a value) and an `arm` closure that changes the poller's interest;
//! it too runs under the lock, so arming can never interleave with a delivery on the same
//! source.

use std::io;
use std::task::{Poll, Waker};

use crate::Direction;

/// Which directions are armed (or to be armed) in the poller for one source.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Interest {
    /// Interest in readability.
    pub(crate) read: bool,
    /// Interest in writability.
    pub(crate) write: bool,
}

impl Interest {
    fn get(self, dir: Direction) -> bool {
        match dir {
            Direction::Read => self.read,
            Direction::Write => self.write,
        }
    }

    fn set(&mut self, dir: Direction, value: bool) {
        match dir {
            Direction::Read => self.read = value,
            Direction::Write => self.write = value,
        }
    }

    fn any(self) -> bool {
        self.read || self.write
    }
}

/// One task waiting on one direction of a source.
#[derive(Debug)]
struct Waiter {
    waker: Waker,
    /// The reactor tick when this waiter registered: a round that had begun by then may
    /// have looked at the fd before the waiter's syscall said `WouldBlock`.
    reactor_tick: usize,
    /// The direction's tick when this waiter registered: readiness it had already seen.
    direction_tick: usize,
    /// Woken by a delivery and not polled since. A notified waiter no longer counts as
    /// waiting (it needs no armed interest), and one still notified when the next delivery
    /// comes is dropped: its task either went away or will register afresh.
    notified: bool,
}

/// The readiness of one direction (read or write) of one source, and its waiters.
///
/// # The tick rule
///
/// Every poll round first increments the reactor's tick, then waits in the poller. An
/// event that round `t` delivers for this direction stamps it: `tick = t`. A waiter that
/// registers remembers two ticks, the reactor's current tick `r` and this direction's tick
/// `d`, and is **ready only when the direction's tick differs from both**:
///
/// - `tick != d`: readiness was delivered after the waiter registered. Rounds run one at a
///   time, so any stamp written after registration comes from round `r` or later.
/// - `tick != r`: round `r` had already begun waiting when the waiter registered, so its
///   events may describe the fd *before* the waiter's syscall said `WouldBlock`: a stale
///   event from that round never counts as fresh. Round `r + 1` began after registration,
///   and the poller re-checks a level-triggered fd when it waits, so its events are fresh.
///
/// No wakeup is lost in the gap between "the syscall said `WouldBlock`" and "the waiter
/// registered": the poller is oneshot, so every event disarms the whole fd, and interest is
/// armed again, under the source lock, whenever a direction gains a waiter while disarmed
/// ([`poll_ready_locked`]) or still has waiters after a delivery ([`deliver_locked`]).
/// Readiness that arrived in the gap is either delivered to an armed fd, which then wakes
/// the waiter if it registered first or leaves the fd disarmed so that the waiter arms it
/// again, or it finds the fd disarmed; either way the waiter arms a level-triggered
/// interest and the poller reports the readiness, which is still there, in a later round.
/// Ignoring a round-`r` event therefore costs at most one round, never the wakeup.
///
/// A waiter is found again by its waker ([`Waker::will_wake`]), so one task waiting twice
/// on the same direction keeps one entry, with the ticks of its first registration, and
/// several tasks on one direction (split halves, an `Arc`'d socket) are all woken.
#[derive(Debug, Default)]
pub(crate) struct DirectionState {
    /// The round that last delivered readiness for this direction (0: none yet).
    tick: usize,
    /// Waiters, in registration order; a handful at most in practice.
    waiters: Vec<Waiter>,
}

impl DirectionState {
    /// The tick rule for the waiter whose waker is `waker`: `Ready` consumes its entry;
    /// `Pending` registers it (or refreshes its waker) as waiting.
    fn poll_ready(&mut self, reactor_tick: usize, waker: &Waker) -> Poll<()> {
        if let Some(i) = self.waiters.iter().position(|w| w.waker.will_wake(waker)) {
            let waiter = &mut self.waiters[i];
            if self.tick != waiter.reactor_tick && self.tick != waiter.direction_tick {
                self.waiters.swap_remove(i);
                return Poll::Ready(());
            }
            waiter.notified = false;
            return Poll::Pending;
        }
        self.waiters.push(Waiter {
            waker: waker.clone(),
            reactor_tick,
            direction_tick: self.tick,
            notified: false,
        });
        Poll::Pending
    }

    /// Round `tick` delivered readiness: stamp it, notify the waiting waiters (their wakers
    /// go to `wakers`), drop the ones notified by an earlier delivery and never polled since.
    fn deliver(&mut self, tick: usize, wakers: &mut Vec<Waker>) {
        self.tick = tick;
        self.waiters.retain_mut(|waiter| {
            if waiter.notified {
                return false;
            }
            waiter.notified = true;
            wakers.push(waiter.waker.clone());
            true
        });
    }

    /// Whether a waiter needs interest armed in the poller.
    fn has_waiting(&self) -> bool {
        self.waiters.iter().any(|w| !w.notified)
    }

    /// Forgets every waiter and hands over the wakers of the waiting ones.
    fn drain(&mut self, wakers: &mut Vec<Waker>) {
        wakers.extend(
            self.waiters
                .drain(..)
                .filter(|w| !w.notified)
                .map(|w| w.waker),
        );
    }

    /// Number of entries (waiting or notified), for tests.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.waiters.len()
    }
}

/// Everything one source's mutex guards.
#[derive(Debug, Default)]
pub(crate) struct SourceState {
    /// Indexed by [`Direction::index`].
    dirs: [DirectionState; 2],
    /// What is armed in the poller right now (an event disarms everything: oneshot).
    armed: Interest,
    /// Set once by [`deregister_locked`]; from then on every poll is an error.
    deregistered: bool,
}

impl SourceState {
    /// The state of one direction, for tests.
    #[cfg(test)]
    pub(crate) fn direction(&self, dir: Direction) -> &DirectionState {
        &self.dirs[dir.index()]
    }

    fn wanted(&self) -> Interest {
        Interest {
            read: self.dirs[Direction::Read.index()].has_waiting(),
            write: self.dirs[Direction::Write.index()].has_waiting(),
        }
    }

    fn drain_all(&mut self, wakers: &mut Vec<Waker>) {
        for dir in &mut self.dirs {
            dir.drain(wakers);
        }
    }
}

/// The error every poll of a deregistered source returns.
pub(crate) fn deregistered_error() -> io::Error {
    io::Error::other(
        "the I/O source was deregistered from its reactor; register the fd again to wait on it",
    )
}

/// The error every wait on a reactor that was shut down returns.
pub(crate) fn shut_down_error() -> io::Error {
    io::Error::other(
        "the runtime that drove this I/O source has shut down; nothing will poll it again",
    )
}

/// The reactor shut down: hands over every waiting waker. The source stays registered (its
/// owner still deregisters it on drop); the waiters see the shutdown when they poll again.
pub(crate) fn shutdown_locked(state: &mut SourceState, wakers: &mut Vec<Waker>) {
    state.drain_all(wakers);
}

/// The waiter's half, with the source lock held: apply the tick rule for `waker` on `dir`
/// and, if it must wait while `dir` is disarmed, arm the interest it now needs with `arm`.
///
/// `reactor_tick` is the reactor's tick read after the waiter's syscall said `WouldBlock`.
/// If `arm` fails, the waiter is forgotten again and gets the error.
pub(crate) fn poll_ready_locked(
    state: &mut SourceState,
    dir: Direction,
    reactor_tick: usize,
    waker: &Waker,
    arm: impl FnOnce(Interest) -> io::Result<()>,
) -> Poll<io::Result<()>> {
    if state.deregistered {
        return Poll::Ready(Err(deregistered_error()));
    }
    if state.dirs[dir.index()]
        .poll_ready(reactor_tick, waker)
        .is_ready()
    {
        return Poll::Ready(Ok(()));
    }
    if !state.armed.get(dir) {
        let mut interest = state.armed;
        interest.set(dir, true);
        if let Err(error) = arm(interest) {
            // Nothing armed means nothing will wake this waiter: take it back out.
            let waiters = &mut state.dirs[dir.index()].waiters;
            waiters.retain(|w| !w.waker.will_wake(waker));
            return Poll::Ready(Err(error));
        }
        state.armed = interest;
    }
    Poll::Pending
}

/// The poller's half, with the source lock held: round `tick` delivered an event (a
/// oneshot event disarmed the fd), so stamp the directions it reports, collect their
/// wakers into `wakers`, and re-arm with `arm` the directions that still have waiters.
///
/// If re-arming fails (the fd was closed behind the reactor's back), every waiter is woken
/// so that it retries its syscall and sees that error, or arms again and gets it from
/// [`poll_ready_locked`].
pub(crate) fn deliver_locked(
    state: &mut SourceState,
    tick: usize,
    readable: bool,
    writable: bool,
    wakers: &mut Vec<Waker>,
    arm: impl FnOnce(Interest) -> io::Result<()>,
) {
    if state.deregistered {
        return;
    }
    state.armed = Interest::default();
    if readable {
        state.dirs[Direction::Read.index()].deliver(tick, wakers);
    }
    if writable {
        state.dirs[Direction::Write.index()].deliver(tick, wakers);
    }
    let wanted = state.wanted();
    if wanted.any() {
        match arm(wanted) {
            Ok(()) => state.armed = wanted,
            Err(_) => state.drain_all(wakers),
        }
    }
}

/// Marks the source deregistered and hands over every waiting waker; `false` if it already
/// was. Nothing is armed after this: both halves above leave a deregistered source alone.
pub(crate) fn deregister_locked(state: &mut SourceState, wakers: &mut Vec<Waker>) -> bool {
    if state.deregistered {
        return false;
    }
    state.deregistered = true;
    state.armed = Interest::default();
    state.drain_all(wakers);
    true
}
