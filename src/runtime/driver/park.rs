//! The park hook that joins the executor to the timers and the reactor.
//!
//! An idle worker fires due timers, then sleeps until it is unparked or the earliest
//! timer is due. Where it sleeps depends on the reactor:
//!
//! - **The I/O worker.** One idle worker at a time sleeps *in the reactor*
//!   (`Reactor::poll`, with the earliest timer as its timeout): socket readiness wakes it
//!   and it wakes the waiting tasks, which land on its own queue.
//! - **The others** sleep on their own parkers while the reactor is taken.
//!
//! # Unparking a worker that sleeps in the reactor
//!
//! A worker announces `IN_REACTOR`, then checks its parker's token, then waits in the
//! poller. `unpark` first makes the token available, then reads the announcement and, if
//! the worker is (or is about to be) in the reactor, calls `Reactor::notify`. Both sides
//! use SeqCst between their store and their load (the store-then-load pattern), so either
//! the worker sees the token and does not wait, or the unparker sees `IN_REACTOR` and
//! notifies, and `notify` is sticky (an eventfd) even if it lands before the wait.
//!
//! # Never holding I/O hostage (tokio #4730)
//!
//! A worker that leaves the reactor goes back to running tasks, and may stay busy in a
//! long poll while nobody waits in the reactor. Two guards bound how long I/O can wait:
//!
//! - **A worker asleep on its parker checks the reactor on a timeout.** While the runtime
//!   has sockets, a worker that settles for its parker (the reactor being taken) sleeps at
//!   most [`HOSTAGE_CHECK_MIN`], doubling after each check that found the reactor still
//!   held, up to [`HOSTAGE_CHECK_MAX`], and back to the minimum once it is woken for work.
//!   Its check takes the reactor if it is free. So a busy server hands the reactor over
//!   within about ten milliseconds of a long poll starting, and an idle one wakes a
//!   parked worker about eight times a second.
//!
//!   The minimum is 10 ms, not less, because of what a timed sleep costs: a timeout that
//!   falls before the kernel's next scheduler tick (4 ms at `HZ=250`, 10 ms at `HZ=100`)
//!   makes it reprogram the timer hardware when the sleep starts and again when an
//!   unpark ends it early — in a virtual machine, an exit to the hypervisor each time.
//!   A worker woken for work resets its bound to the minimum, so in a ping-pong workload
//!   every park pays that. Measured on a 2-vCPU VM (`HZ=250`), a park/unpark round trip
//!   between two threads: 17 µs untimed, 54 µs with a 2 ms timeout, 21 µs with 10 ms;
//!   on a pipe through `cat` (`benches/process.rs`) the 2 ms bound cost the workers
//!   about 5 ms of CPU per 64 MiB, 25% more than tokio's (docs/benchmarks.md).
//! - **Every busy worker polls the reactor without blocking every 61 ticks**
//!   (`maintain`), so CPU-bound tasks cannot starve I/O even when no worker is idle; after
//!   such a poll it wakes a worker asleep on its parker if nobody waits in the reactor.
//!
//! A worker leaving the reactor after a blocking round does **not** wake a parked worker
//! to take its place: that costs two context switches per round in a request/response
//! server (the parked worker wakes and takes the reactor, the leaver then parks on its
//! parker; docs/benchmarks.md has the measurement). Most rounds wake short tasks, after
//! which the leaver is back in the reactor long before a timeout, and the executor already
//! wakes a parked worker when a round leaves stealable work behind.
//!
//! A worker that lost the race for the reactor announces `ON_PARKER` and then checks
//! again whether the reactor is still held; a worker releasing the reactor after a
//! zero-timeout poll then reads the announcements (SeqCst on both sides), so either the
//! sleeper sees the reactor free and takes it, or the poller sees the sleeper and wakes
//! it.
//!
//! # A notification that fails: late, never lost
//!
//! `Reactor::notify` is not expected to fail, but if its write did, a worker waiting in the
//! reactor with no timeout would sleep through the unpark it carried: with one worker (or
//! the current-thread runtime), a task woken from another thread would never run. The
//! reactor covers the waiting side (its docs: a notification that fails): it retries the
//! write, and once a notification is lost for good it caps every wait at 10 ms; no wait,
//! even an untimed one that began before the failure, lasts more than a second. So the
//! unparked worker wakes late, but it wakes. Here, an unpark (or a leaver's renotify) whose
//! notification failed also wakes a worker asleep on its parker, if there is one, so the
//! work runs at once: finding it in the injector or a queue it can steal from, that worker
//! runs it; finding nothing, it parks again.
//!
//! # A paused clock: auto-advance
//!
//! With the clock paused (`clock.rs`), a worker that parks has nothing to run, and
//! nothing will become runnable by waiting for time. So, as tokio does, it:
//!
//! 1. fires timers already due (and returns to run what they woke);
//! 2. polls I/O without blocking, and returns if that woke anything or its token was set
//!    (work arrived meanwhile);
//! 3. unless a blocking job holds auto-advance back, moves the clock to the earliest
//!    timer, fires it, and returns;
//! 4. with no timer (or held back), sleeps — in the reactor if it is free — without a
//!    timeout until unparked: a wake (also of a task whose timer `advance` fired on
//!    another thread), a new timer (the registration unparks it, as for any parked
//!    worker), the end of the last blocking job in flight, or `resume`.
//!
//! A real timeout is never computed from a paused clock's ticks.

use std::fmt::Debug;
use std::io;
use std::task::Waker;
use std::time::Duration;

use eddy_executor::park::{Park, Parker};
use eddy_reactor::{Backend, Reactor};

use super::clock::Clock;
use super::time::{TimeDriver, TimerLocation};
use crate::loom::atomic::{fence, AtomicU8, Ordering::SeqCst};

/// `sleeping` value of a worker that is running tasks.
const AWAKE: u8 = 0;
/// `sleeping` value of a worker parked on its own parker.
const ON_PARKER: u8 = 1;
/// `sleeping` value of a worker that waits (or is about to wait) in the reactor.
const IN_REACTOR: u8 = 2;

/// The first bound on a parked worker's sleep while another worker holds the reactor
/// (module docs: never holding I/O hostage).
/// At least a scheduler tick even at `HZ=100` (module docs: why not shorter).
pub(crate) const HOSTAGE_CHECK_MIN: Duration = Duration::from_millis(10);
/// The longest bound, reached by doubling while checks find the reactor held.
pub(crate) const HOSTAGE_CHECK_MAX: Duration = Duration::from_millis(128);

/// The reactor operations the park protocol uses. The driver calls them through this
/// trait so that the loom models can plug in a fake poller (`src/tests/loom_driver.rs`):
/// a real epoll cannot run inside a model.
pub(crate) trait Poller: Send + Sync + Debug {
    /// [`Reactor::try_poll`]: one round, unless another thread is polling (`None`).
    fn try_poll(&self, timeout: Option<Duration>) -> Option<io::Result<usize>>;
    /// [`Reactor::is_polling`]: some thread is inside a round.
    fn is_polling(&self) -> bool;
    /// [`Reactor::notify`]: ends the current round's wait, or the next one's (sticky).
    fn notify(&self) -> io::Result<()>;
    /// [`Reactor::sources`]: how many sources are registered.
    fn sources(&self) -> usize;
}

impl Poller for Reactor {
    fn try_poll(&self, timeout: Option<Duration>) -> Option<io::Result<usize>> {
        Reactor::try_poll(self, timeout)
    }

    fn is_polling(&self) -> bool {
        Reactor::is_polling(self)
    }

    fn notify(&self) -> io::Result<()> {
        Reactor::notify(self)
    }

    fn sources(&self) -> usize {
        Reactor::sources(self)
    }
}

/// The runtime's driver: one parker per worker, the timers and the reactor.
#[derive(Debug)]
pub(crate) struct Driver {
    parkers: Box<[Parker]>,
    /// Per worker: `AWAKE`, `ON_PARKER` or `IN_REACTOR`.
    sleeping: Box<[AtomicU8]>,
    /// Per worker: the bound on its next sleep on its parker while the reactor is held, in
    /// microseconds (module docs). Only the worker itself touches its slot: a heuristic,
    /// not part of any protocol, hence std's atomic and relaxed order.
    hostage_check: Box<[std::sync::atomic::AtomicU32]>,
    pub(crate) time: TimeDriver,
    /// What idle workers wait in: the reactor, or a loom model's fake. `None` only in the
    /// loom models of the timers.
    io: Option<std::sync::Arc<dyn Poller>>,
    /// The same reactor as `io`, for sockets to register with. `None` without I/O and
    /// with a fake poller.
    reactor: Option<std::sync::Arc<Reactor>>,
}

impl Driver {
    /// A driver for `workers` workers, with a reactor, its timers reading `clock`.
    ///
    /// # Errors
    ///
    /// The OS error if the poller (and its notifier) cannot be created.
    pub(crate) fn new(workers: usize, backend: Backend, clock: Clock) -> io::Result<Driver> {
        let reactor = std::sync::Arc::new(Reactor::with_backend(backend)?);
        let mut driver = Driver::without_io(workers, clock);
        let io: std::sync::Arc<dyn Poller> = reactor.clone();
        driver.io = Some(io);
        driver.reactor = Some(reactor);
        Ok(driver)
    }

    /// A driver with timers only.
    pub(crate) fn without_io(workers: usize, clock: Clock) -> Driver {
        Driver {
            parkers: (0..workers).map(|_| Parker::new()).collect(),
            sleeping: (0..workers).map(|_| AtomicU8::new(AWAKE)).collect(),
            hostage_check: (0..workers)
                .map(|_| std::sync::atomic::AtomicU32::new(HOSTAGE_CHECK_MIN.as_micros() as u32))
                .collect(),
            time: TimeDriver::new(workers, clock),
            io: None,
            reactor: None,
        }
    }

    /// A driver whose workers wait in `poller` (a loom model's fake) instead of a reactor.
    #[cfg(test)]
    pub(crate) fn with_poller(workers: usize, poller: std::sync::Arc<dyn Poller>) -> Driver {
        let mut driver = Driver::without_io(workers, Clock::new(false, false));
        driver.io = Some(poller);
        driver
    }

    /// The runtime's clock.
    pub(crate) fn clock(&self) -> &Clock {
        self.time.clock()
    }

    /// Pauses the clock (`eddy::time::pause`; a runtime built with `start_paused` gets a
    /// clock paused from the start, `Clock::new`), and has parked workers park again on
    /// it.
    ///
    /// # Errors
    ///
    /// The clock is not pausable (a multi-threaded runtime) or already paused; the error's
    /// `Display` names the fix.
    pub(crate) fn pause_clock(&self) -> Result<(), super::ClockError> {
        self.clock().pause()?;
        // A worker parked until a real deadline: have it park again on the paused clock.
        self.unpark_all();
        Ok(())
    }

    /// Unparks every worker: the clock changed under them (`pause`, `resume`, the end of
    /// the last blocking job holding auto-advance back), so each re-parks on the new
    /// state.
    pub(crate) fn unpark_all(&self) {
        for worker in 0..self.parkers.len() {
            self.unpark(worker);
        }
    }

    /// True while `worker` sleeps (or is about to) in the reactor or on its parker.
    #[cfg(all(test, not(eddy_loom)))]
    pub(crate) fn is_sleeping(&self, worker: usize) -> bool {
        self.sleeping[worker].load(SeqCst) != AWAKE
    }

    /// True while `worker` sleeps (or is about to) on its own parker.
    #[cfg(all(test, not(eddy_loom)))]
    pub(crate) fn is_on_parker(&self, worker: usize) -> bool {
        self.sleeping[worker].load(SeqCst) == ON_PARKER
    }

    /// The reactor that sockets of this runtime register with.
    pub(crate) fn reactor(&self) -> &std::sync::Arc<Reactor> {
        self.reactor
            .as_ref()
            .expect("eddy: this runtime was built without I/O")
    }

    /// The runtime is gone: fire every timer and wake every task waiting on I/O, so that
    /// futures kept elsewhere see the shutdown instead of waiting for ever.
    pub(crate) fn shutdown(&self) {
        self.time.shutdown();
        if let Some(reactor) = &self.reactor {
            reactor.shutdown();
        }
    }

    /// Registers a timer that wakes `waker` and wakes a worker that would sleep past it.
    /// After shutdown, registers nothing and hands the waker back (`Err`).
    pub(crate) fn register_timer(
        &self,
        shard: usize,
        deadline: u64,
        waker: Waker,
    ) -> Result<TimerLocation, Waker> {
        let (registration, sleeper) = self.time.register(shard, deadline, waker)?;
        if let Some(worker) = sleeper {
            self.unpark(worker);
        }
        Ok(registration)
    }

    /// Sleeps for `timeout` (`None`: until unparked), in the reactor if it is free.
    fn sleep(&self, worker: usize, timeout: Option<Duration>) {
        if let Some(poller) = &self.io {
            loop {
                self.sleeping[worker].store(IN_REACTOR, SeqCst);
                // SeqCst: the sleeper's half of the store-then-load pattern (module docs).
                fence(SeqCst);
                if self.parkers[worker].take_token() {
                    self.sleeping[worker].store(AWAKE, SeqCst);
                    return;
                }
                match poller.try_poll(timeout) {
                    Some(Ok(_)) => {
                        self.sleeping[worker].store(AWAKE, SeqCst);
                        // A token left by an unpark that also notified the reactor is
                        // stale now.
                        self.parkers[worker].take_token();
                        self.renotify_reactor(worker);
                        return;
                    }
                    // The poller failed (not expected): sleep on our own parker rather
                    // than retry at once and spin.
                    Some(Err(_)) => {
                        self.cover_reactor(worker);
                        break;
                    }
                    None => {}
                }
                // Another worker holds the reactor: sleep on our own parker. Announce it,
                // then look again: a holder that left before seeing the announcement
                // would leave nobody polling I/O (module docs).
                self.sleeping[worker].store(ON_PARKER, SeqCst);
                fence(SeqCst);
                if poller.is_polling() {
                    if poller.sources() > 0 {
                        self.park_checking_the_reactor(worker, timeout);
                        self.sleeping[worker].store(AWAKE, SeqCst);
                        return;
                    }
                    break;
                }
            }
        }
        self.sleeping[worker].store(ON_PARKER, SeqCst);
        match timeout {
            None => self.parkers[worker].park(),
            Some(timeout) => self.parkers[worker].park_timeout(timeout),
        }
        self.sleeping[worker].store(AWAKE, SeqCst);
    }

    /// Sleeps on this worker's parker while another worker holds the reactor, for at most
    /// `timeout` and at most the worker's hostage check (module docs). The check's bound
    /// doubles when it expires (the reactor's holder was still in it, or busy, for that
    /// long) and resets when the worker is woken earlier (for work, or its timer).
    fn park_checking_the_reactor(&self, worker: usize, timeout: Option<Duration>) {
        use std::sync::atomic::Ordering::Relaxed;
        let slot = &self.hostage_check[worker];
        let check = Duration::from_micros(u64::from(slot.load(Relaxed)));
        let (bound, checking) = match timeout {
            Some(timeout) if timeout < check => (timeout, false),
            _ => (check, true),
        };
        let started = std::time::Instant::now();
        self.parkers[worker].park_timeout(bound);
        let next = if checking && started.elapsed() >= bound {
            (check * 2).min(HOSTAGE_CHECK_MAX)
        } else {
            HOSTAGE_CHECK_MIN
        };
        slot.store(next.as_micros() as u32, Relaxed);
    }

    /// This worker has left the reactor after a blocking round. If another worker has
    /// announced `IN_REACTOR`, notify the reactor again: the round that just ended may have
    /// consumed a notification meant for that worker (the reactor's notification is not
    /// addressed to anyone), which would leave it waiting with its token unseen. At worst
    /// this costs that worker one spurious round. A worker asleep on its parker is left
    /// asleep: its hostage check covers the reactor (module docs). True if some other
    /// worker waits in the reactor.
    fn renotify_reactor(&self, worker: usize) -> bool {
        // SeqCst: the leaver's half of the store-then-load pattern with `sleep`'s
        // announcement (the leaver's release of the reactor is the store).
        fence(SeqCst);
        let waiting = self
            .sleeping
            .iter()
            .enumerate()
            .any(|(other, state)| other != worker && state.load(SeqCst) == IN_REACTOR);
        if waiting {
            self.notify_reactor(worker);
        }
        waiting
    }

    /// Notifies the reactor for a worker waiting in it. If the notification fails (module
    /// docs: a notification that fails), the waiting worker wakes late (the reactor caps
    /// its waits from then on), so wake a worker asleep on its parker, other than `except`,
    /// to run the work at once.
    fn notify_reactor(&self, except: usize) {
        if let Some(poller) = &self.io {
            if poller.notify().is_err() {
                self.unpark_a_parked_worker(except);
            }
        }
    }

    /// Wakes one worker asleep on its parker, other than `except`, if there is one.
    fn unpark_a_parked_worker(&self, except: usize) {
        let parked = self
            .sleeping
            .iter()
            .enumerate()
            .find(|(other, state)| *other != except && state.load(SeqCst) == ON_PARKER);
        if let Some((other, _)) = parked {
            self.parkers[other].unpark();
        }
    }

    /// This worker has just held the reactor briefly (a zero-timeout poll, or a failed
    /// round) and is going back to running tasks: a worker that tried the reactor
    /// meanwhile may have settled for its parker. If nobody else waits in the reactor but
    /// a worker sleeps on its parker, wake it: finding nothing to run, it parks again and
    /// takes the reactor (module docs).
    ///
    /// If another worker has announced `IN_REACTOR`, it only notifies the reactor again
    /// ([`renotify_reactor`](Self::renotify_reactor)).
    fn cover_reactor(&self, worker: usize) {
        if self.renotify_reactor(worker) {
            return;
        }
        self.unpark_a_parked_worker(worker);
    }

    /// Polls the reactor without blocking, unless another worker is polling it. Returns
    /// how many wakers that woke.
    fn poll_io_now(&self, worker: usize) -> usize {
        if let Some(poller) = &self.io {
            if poller.sources() > 0 {
                if let Some(polled) = poller.try_poll(Some(Duration::ZERO)) {
                    // Our short hold may have made a sleeping worker settle for its parker.
                    self.cover_reactor(worker);
                    return polled.unwrap_or(0);
                }
            }
        }
        0
    }

    /// `park` with the clock paused (module docs: auto-advance); due timers have been
    /// fired already and there were none.
    fn park_paused(&self, worker: usize) {
        if self.poll_io_now(worker) > 0 || self.parkers[worker].take_token() {
            return;
        }
        // Announce the park before looking at the timers (time.rs: not sleeping through a
        // deadline): a timer registered from another thread from here on is either seen
        // below or unparks us.
        let earliest = self.time.announce_park(worker);
        let held = earliest.is_none() || !self.clock().can_auto_advance();
        if !held && self.parkers[worker].take_token() {
            // Work arrived since the token was first looked at. It matters when the last
            // blocking job ended meanwhile: the job's wake of its `JoinHandle` unparked us
            // before the job let the clock go (clock.rs, `AutoAdvanceGuard`), so a clock
            // seen free may still have the job's waiter to run: run it before any jump.
        } else if held || self.time.advance_to_earliest() == 0 {
            // No timer, auto-advance held back, or the clock was resumed meanwhile (then
            // this is a spurious return, and the next park reads real time).
            if self.clock().is_paused() {
                self.sleep(worker, None);
            }
        }
        if let Some(other) = self.time.end_park(worker) {
            self.unpark(other);
        }
        self.time.fire_due();
    }
}

impl Park for Driver {
    fn park(&self, worker: usize) {
        // Timers already due: fire them (their tasks land on this worker) and go run them.
        if self.time.fire_due() > 0 {
            return;
        }
        if self.clock().is_paused() {
            self.park_paused(worker);
            return;
        }
        match self.time.begin_park(worker) {
            Some(timeout) if timeout.is_zero() => {
                self.poll_io_now(worker);
            }
            timeout => self.sleep(worker, timeout),
        }
        if let Some(other) = self.time.end_park(worker) {
            self.unpark(other);
        }
        self.time.fire_due();
    }

    fn unpark(&self, worker: usize) {
        self.parkers[worker].unpark();
        // SeqCst: the unparker's half of the store-then-load pattern (module docs).
        fence(SeqCst);
        if self.sleeping[worker].load(SeqCst) == IN_REACTOR {
            self.notify_reactor(worker);
        }
    }

    fn maintain(&self, worker: usize) {
        self.time.fire_due();
        self.poll_io_now(worker);
    }

    /// A worker out of work may spin briefly before parking (the executor's worker.rs)
    /// unless it would be the one to poll I/O: with sources registered and no other
    /// worker waiting in the reactor, its park is what polls them, and a spin would hold
    /// their readiness back. With the clock paused, never: the park is what advances it.
    /// A busy worker's hold on the reactor is brief (`maintain`), so "another worker is in
    /// the reactor" is read as announced (`IN_REACTOR`); a stale answer costs at most one
    /// spin's delay, never a lost wake-up (the park path after the spin is unchanged).
    fn may_spin(&self, worker: usize) -> bool {
        if self.clock().is_paused() {
            return false;
        }
        let Some(poller) = &self.io else {
            return true;
        };
        poller.sources() == 0
            || self
                .sleeping
                .iter()
                .enumerate()
                .any(|(other, state)| other != worker && state.load(SeqCst) == IN_REACTOR)
    }
}
