//! The readiness of one source: per direction an atomic word (a tick and a ready bit) and,
//! behind the source lock, the waiting tasks' wakers. The protocol of waiters and the poll
//! round lives here, once, generic over the atomic and the lock.
//!
//! [`Source`](crate::Source) instantiates [`Readiness`] with std's atomic and
//! `parking_lot`'s mutex; the loom models (`src/tests/loom_readiness.rs`) instantiate it
//! with loom's, so they check this code and not a copy of it.

use std::io;
use std::task::{Poll, Waker};

use crate::Direction;

/// The ready bit: readiness was delivered and no operation has said `WouldBlock` since.
const READY: usize = 0b01;
/// Set once by [`Readiness::deregister`]: sends every fast path to the lock, which errors.
const CLOSED: usize = 0b010;
/// The state is known: set by the first delivery or the first clear. Before, a fresh
/// source's operations are tried (the edge its registration queued may be in flight).
const KNOWN: usize = 0b100;
/// Read direction only, sticky: the peer closed its side (`EPOLLRDHUP` or `EPOLLHUP` was
/// delivered), so reads will never block again and the ready bit is never cleared.
const READ_CLOSED: usize = 0b1000;
/// The tick occupies the bits above the flags; one delivery adds this.
const TICK_ONE: usize = 0b10000;

/// How many `Interrupted` results in a row [`Readiness::poll_io`] retries at once before it
/// yields (and retries on the task's next poll): a real signal storm interrupts a call a
/// few times at most, while an operation that always says `Interrupted` would otherwise
/// hold its thread for ever.
pub(crate) const INTERRUPTED_RETRIES: u32 = 32;

/// An atomic word: std's `AtomicUsize`, or loom's in the models.
pub(crate) trait Word {
    /// Loads the word (`SeqCst`).
    fn load(&self) -> usize;
    /// Compare-and-swap (`SeqCst`); `Err` carries the value found.
    fn compare_exchange(&self, current: usize, new: usize) -> Result<usize, usize>;
    /// Replaces the word with `f(word)` while `f` says `Some`; returns the last value seen.
    fn update(&self, mut f: impl FnMut(usize) -> Option<usize>) -> usize {
        let mut current = self.load();
        while let Some(new) = f(current) {
            match self.compare_exchange(current, new) {
                Ok(_) => break,
                Err(found) => current = found,
            }
        }
        current
    }
}

impl Word for std::sync::atomic::AtomicUsize {
    fn load(&self) -> usize {
        // SeqCst throughout: a plain load on x86, and the CASes are locked either way.
        self.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn compare_exchange(&self, current: usize, new: usize) -> Result<usize, usize> {
        use std::sync::atomic::Ordering::SeqCst;
        self.compare_exchange(current, new, SeqCst, SeqCst)
    }
}

/// A mutex around [`Waiters`]: `parking_lot`'s, or loom's in the models.
pub(crate) trait Lock {
    /// Runs `f` with the lock held.
    fn with<R>(&self, f: impl FnOnce(&mut Waiters) -> R) -> R;
}

impl Lock for parking_lot::Mutex<Waiters> {
    fn with<R>(&self, f: impl FnOnce(&mut Waiters) -> R) -> R {
        f(&mut self.lock())
    }
}

/// How a one-shot poller arms a source: called, under the source lock, with the directions
/// (`[read, write]`) the source must be armed for until its next event. `None` for an
/// edge-triggered poller, whose sources are never re-armed.
pub(crate) type Arm<'a> = Option<&'a dyn Fn([bool; 2]) -> io::Result<()>>;

/// One direction's word as read at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Snapshot(usize);

impl Snapshot {
    /// The number of deliveries so far (wrapping).
    pub(crate) fn tick(self) -> usize {
        self.0 / TICK_ONE
    }

    /// Readiness was delivered and not cleared by a `WouldBlock` since.
    pub(crate) fn is_ready(self) -> bool {
        self.0 & READY != 0
    }

    /// The peer closed its side: the sticky read-closed flag (read direction only).
    pub(crate) fn is_read_closed(self) -> bool {
        self.0 & READ_CLOSED != 0
    }

    /// The source was deregistered.
    pub(crate) fn is_closed(self) -> bool {
        self.0 & CLOSED != 0
    }

    /// Whether an operation may succeed: skip the syscall only when this direction is known
    /// not to be ready (an operation said `WouldBlock` and no edge came since). Before the
    /// first delivery or `WouldBlock` nothing is known (the edge that registration queues
    /// may still be in the kernel), so the operation is tried.
    pub(crate) fn worth_trying(self) -> bool {
        self.is_ready() || self.is_closed() || self.0 & KNOWN == 0
    }
}

/// What the source lock guards: the waiting tasks per direction.
#[derive(Debug, Default)]
pub(crate) struct Waiters {
    /// Indexed by [`Direction::index`]; one waker per task (found again with
    /// [`Waker::will_wake`]), a handful at most in practice.
    dirs: [Vec<Waker>; 2],
    /// Set once by [`Readiness::deregister`]; from then on every wait is an error.
    deregistered: bool,
    /// One-shot pollers only: the directions the source is armed for, per
    /// [`Direction::index`] (type docs of [`Readiness`]).
    armed: [bool; 2],
}

impl Waiters {
    /// No waiters; on a one-shot poller, `armed` says whether registration armed the source
    /// for both directions.
    pub(crate) fn armed(armed: bool) -> Waiters {
        Waiters {
            armed: [armed; 2],
            ..Waiters::default()
        }
    }
    /// Number of wakers waiting on `dir`, for tests.
    #[cfg(test)]
    pub(crate) fn len(&self, dir: Direction) -> usize {
        self.dirs[dir.index()].len()
    }

    fn register(&mut self, dir: Direction, waker: &Waker) {
        let list = &mut self.dirs[dir.index()];
        if !list.iter().any(|w| w.will_wake(waker)) {
            list.push(waker.clone());
        }
    }

    fn forget(&mut self, dir: Direction, waker: &Waker) {
        self.dirs[dir.index()].retain(|w| !w.will_wake(waker));
    }

    fn drain_all(&mut self, wakers: &mut Vec<Waker>) {
        for list in &mut self.dirs {
            wakers.append(list);
        }
    }
}

/// The readiness of one source, registered **once, edge-triggered**: the poller reports a
/// direction once per change of the fd's state, and nobody re-arms anything.
///
/// # The readiness rule
///
/// Each direction has a word: a **tick**, bumped by every delivered edge, and a **ready
/// bit**, set by every delivered edge and cleared only by a `WouldBlock`.
///
/// - **Delivery** (the poll round, [`deliver`](Readiness::deliver)): *with the source lock
///   held*, bump the tick and set the ready bit of each reported direction (errors and
///   hang-ups: both), then take that direction's wakers (woken after every lock is
///   released).
/// - **An operation** ([`poll_io`](Readiness::poll_io)) loads the word **before** the
///   syscall (no lock). On `WouldBlock` it clears the ready bit **only if the tick is still
///   the one it loaded** (a compare-and-swap, so an edge delivered meanwhile is not
///   erased); then, *with the source lock held*, it compares the tick with the one it
///   loaded: changed → retry the syscall; unchanged → register its waker and return
///   `Pending`.
///
/// Because the tick is bumped and the wakers are taken in one critical section, and the
/// waiter compares and registers in another, either the delivery comes first (the waiter
/// sees the new tick and retries) or the registration does (the delivery takes the waker
/// and wakes it): **an edge that comes after the load before a `WouldBlock` always reaches
/// the waiter**. An edge that came before that load is covered by the syscall itself,
/// which ran after it. Edges are never lost between "the syscall said `WouldBlock`" and "the
/// waiter registered", so nothing needs re-arming, and a later edge is guaranteed because
/// the fd was seen not ready after everything delivered so far.
///
/// **One-shot pollers** (IOCP, event ports, poll(2), `Backend::PollingOneshot`) report a
/// source only while it is armed, and each event disarms it. The protocol is the same,
/// with an [`Arm`] callback: a waiter that registers in a direction not armed yet arms it
/// (for that direction and any other armed one), and a delivery marks the source disarmed
/// and arms it again for the directions whose waiters it did not wake, both under the
/// source lock, so the armed set never goes stale. Arming is a level check (the OS reports
/// at once if the source is ready when armed), so a waiter that registered after a
/// `WouldBlock` is woken by any readiness that came after that syscall, as with edges.
///
/// A task that waits without an operation ([`poll_ready`](Readiness::poll_ready),
/// asyncio's `add_reader`) is ready while the ready bit is set, else it registers (checking
/// the bit again under the lock). So it may be **ready spuriously**: the bit stays set until
/// an operation says `WouldBlock` (through [`poll_io`](Readiness::poll_io) or
/// [`try_io`](Readiness::try_io), which clear it), as with tokio's `clear_readiness`.
///
/// Delivery takes every waker of the direction, so several tasks waiting on one direction
/// (split halves, an `Arc`'d socket) are all woken, and the entry of a task that stopped
/// waiting (its future dropped) goes at the next delivery; a task waiting again on the same
/// direction keeps one entry ([`Waker::will_wake`]).
#[derive(Debug)]
pub(crate) struct Readiness<W, L> {
    /// Indexed by [`Direction::index`].
    words: [W; 2],
    waiters: L,
}

impl<W: Word, L: Lock> Readiness<W, L> {
    /// Readiness with nothing delivered yet.
    pub(crate) fn new(words: [W; 2], waiters: L) -> Self {
        Readiness { words, waiters }
    }

    /// The direction's word now.
    pub(crate) fn snapshot(&self, dir: Direction) -> Snapshot {
        Snapshot(self.words[dir.index()].load())
    }

    /// Clears the ready bit of `dir` if no edge was delivered since `seen` was taken,
    /// unless the peer has closed the read side (a read then never blocks: it returns
    /// end-of-stream, however short the read before it was).
    pub(crate) fn clear(&self, dir: Direction, seen: Snapshot) {
        self.words[dir.index()].update(|word| {
            let unchanged = word / TICK_ONE == seen.tick();
            let set = word & READY != 0 || word & KNOWN == 0;
            let open = word & READ_CLOSED == 0;
            (unchanged && set && open).then_some((word & !READY) | KNOWN)
        });
    }

    /// Marks `dir` known not ready unless an edge for it was ever delivered: the state a
    /// `WouldBlock` right at registration would have left. The next operation then waits
    /// for an edge instead of trying its syscall first. Sound by the same rule as
    /// [`clear`](Self::clear): whatever is ready now (it was at registration, or became
    /// so after) has an edge the poller reports after registration, which either was
    /// delivered already (the tick moved, and this does nothing) or is still to come (it
    /// sets the bit and wakes the waiter; a one-shot waiter arms for it).
    pub(crate) fn clear_until_first_edge(&self, dir: Direction) {
        self.clear(dir, Snapshot(0));
    }

    /// Runs `op` until it does not say `WouldBlock`, waiting for an edge in between (the
    /// readiness rule); an `Interrupted` (`EINTR`) is retried at once, up to
    /// [`INTERRUPTED_RETRIES`] times in a row, then on the task's next poll (it yields).
    /// `drained(&r)` says whether a successful `op` left the fd not ready
    /// (a short read or write on a stream socket); the ready bit is then cleared as after a
    /// `WouldBlock`, and the next call waits without a syscall. For reads this is sound
    /// because the peer's half-close is an edge of its own that sets a sticky flag
    /// ([`deliver`](Self::deliver) with `read_closed`): if the FIN came before the short
    /// read, either its edge was delivered (the flag forbids the clear) or it is still to
    /// come (it sets the bit again and wakes the reader).
    ///
    /// `shut_down` is asked with the lock held before registering.
    pub(crate) fn poll_io<R>(
        &self,
        dir: Direction,
        waker: &Waker,
        shut_down: impl Fn() -> bool,
        mut op: impl FnMut() -> io::Result<R>,
        drained: impl Fn(&R) -> bool,
        arm: Arm<'_>,
    ) -> Poll<io::Result<R>> {
        let mut interrupted = 0;
        loop {
            let seen = self.snapshot(dir);
            if seen.worth_trying() {
                match op() {
                    Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                        self.clear(dir, seen);
                    }
                    // A signal handler ran during the call and nothing was done: try again
                    // at once, as std's `read_exact` and `write_all` do, rather than hand
                    // the caller an error that means nothing happened. An `op` that keeps
                    // saying so (a user's closure) must not hold the thread for ever: past
                    // the bound, yield and retry on the next poll.
                    Err(error) if error.kind() == io::ErrorKind::Interrupted => {
                        interrupted += 1;
                        if interrupted < INTERRUPTED_RETRIES {
                            continue;
                        }
                        waker.wake_by_ref();
                        return Poll::Pending;
                    }
                    Ok(result) => {
                        if drained(&result) {
                            self.clear(dir, seen);
                        }
                        return Poll::Ready(Ok(result));
                    }
                    Err(error) => return Poll::Ready(Err(error)),
                }
            }
            match self.wait(dir, Some(seen), waker, &shut_down, arm) {
                // An edge came after `seen`: try again.
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(error)) => return Poll::Ready(Err(error)),
                Poll::Pending => return Poll::Pending,
            }
        }
    }

    /// Runs `op` once; on `WouldBlock` clears the ready bit as [`poll_io`](Self::poll_io)
    /// does, so that a task that waited with [`poll_ready`](Self::poll_ready) waits for
    /// the next edge instead of being ready again at once.
    pub(crate) fn try_io<R>(
        &self,
        dir: Direction,
        op: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<R> {
        let seen = self.snapshot(dir);
        let result = op();
        if matches!(result, Err(ref error) if error.kind() == io::ErrorKind::WouldBlock) {
            self.clear(dir, seen);
        }
        result
    }

    /// Bare readiness: `Ready` while the ready bit is set (possibly spurious), else the
    /// task registers and gets `Pending`.
    pub(crate) fn poll_ready(
        &self,
        dir: Direction,
        waker: &Waker,
        shut_down: impl Fn() -> bool,
        arm: Arm<'_>,
    ) -> Poll<io::Result<()>> {
        let seen = self.snapshot(dir);
        if seen.is_ready() && !seen.is_closed() {
            return Poll::Ready(Ok(()));
        }
        self.wait(dir, None, waker, &shut_down, arm)
    }

    /// The waiter's critical section. With `since`, ready if the tick moved past it (the
    /// caller retries its operation); without, ready if the ready bit is set. Otherwise the
    /// waker is registered. Deregistration and shutdown are errors.
    fn wait(
        &self,
        dir: Direction,
        since: Option<Snapshot>,
        waker: &Waker,
        shut_down: &impl Fn() -> bool,
        arm: Arm<'_>,
    ) -> Poll<io::Result<()>> {
        self.waiters.with(|waiters| {
            if waiters.deregistered {
                return Poll::Ready(Err(deregistered_error()));
            }
            // Under the lock: `Reactor::shutdown` sets its flag before draining each source
            // under its lock, so a waiter either sees the flag or is drained and woken.
            if shut_down() {
                return Poll::Ready(Err(shut_down_error()));
            }
            let now = self.snapshot(dir);
            let ready = match since {
                Some(seen) => now.tick() != seen.tick(),
                None => now.is_ready(),
            };
            if ready {
                // An entry from an earlier wait would only cost a spurious wake later.
                waiters.forget(dir, waker);
                Poll::Ready(Ok(()))
            } else {
                waiters.register(dir, waker);
                // One-shot: arm the direction if it is not armed yet. Under the lock, so a
                // delivery (which disarms and re-arms under it too) cannot interleave.
                if let Some(arm) = arm {
                    if !waiters.armed[dir.index()] {
                        let mut interest = waiters.armed;
                        interest[dir.index()] = true;
                        if let Err(error) = arm(interest) {
                            waiters.forget(dir, waker);
                            return Poll::Ready(Err(error));
                        }
                        waiters.armed = interest;
                    }
                }
                Poll::Pending
            }
        })
    }

    /// The poll round delivered an edge: with the lock held, bump the tick and set the
    /// ready bit of each reported direction (and the sticky read-closed flag if
    /// `read_closed`) and move its wakers to `wakers` (for the caller to wake after
    /// releasing its locks). Nothing happens once deregistered.
    pub(crate) fn deliver(
        &self,
        readable: bool,
        writable: bool,
        read_closed: bool,
        wakers: &mut Vec<Waker>,
        arm: Arm<'_>,
    ) {
        self.waiters.with(|waiters| {
            if waiters.deregistered {
                return;
            }
            let readable = readable || read_closed;
            for (dir, reported) in [(Direction::Read, readable), (Direction::Write, writable)] {
                if reported {
                    let closed = if dir == Direction::Read && read_closed {
                        READ_CLOSED
                    } else {
                        0
                    };
                    self.words[dir.index()]
                        .update(|word| Some(word.wrapping_add(TICK_ONE) | READY | KNOWN | closed));
                    wakers.append(&mut waiters.dirs[dir.index()]);
                }
            }
            // One-shot: the event disarmed the source; arm it again for the directions
            // whose waiters this event did not wake. Should that fail, wake them: their
            // own arming then reports the error.
            if let Some(arm) = arm {
                let interest = waiters.dirs.each_ref().map(|list| !list.is_empty());
                waiters.armed = [false; 2];
                if interest != [false; 2] {
                    match arm(interest) {
                        Ok(()) => waiters.armed = interest,
                        Err(_) => waiters.drain_all(wakers),
                    }
                }
            }
        });
    }

    /// Marks the source deregistered and moves every waker to `wakers`; `false` if it
    /// already was. Every later wait is an error.
    pub(crate) fn deregister(&self, wakers: &mut Vec<Waker>) -> bool {
        self.waiters.with(|waiters| {
            if waiters.deregistered {
                return false;
            }
            waiters.deregistered = true;
            for word in &self.words {
                word.update(|word| Some(word | CLOSED));
            }
            waiters.drain_all(wakers);
            true
        })
    }

    /// The reactor shut down: moves every waker to `wakers`. The waiters see the shutdown
    /// when they wait again.
    pub(crate) fn shutdown(&self, wakers: &mut Vec<Waker>) {
        self.waiters.with(|waiters| waiters.drain_all(wakers));
    }

    /// Runs `f` on the waiters, for tests.
    #[cfg(test)]
    pub(crate) fn with_waiters<R>(&self, f: impl FnOnce(&Waiters) -> R) -> R {
        self.waiters.with(|waiters| f(waiters))
    }
}

/// The error every wait on a deregistered source returns.
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
