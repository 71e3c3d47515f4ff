//! The time driver: one timing wheel per worker (plus one for other threads), the
//! runtime's clock (`clock.rs`), and the rules that keep parked workers from sleeping
//! through a deadline.
//!
//! Ticks are microseconds of the runtime's clock since the runtime started. A deadline is
//! rounded **up** to the next microsecond and a wheel's "now" **down**, so a timer never
//! fires early; parking until the exact earliest deadline (not a millisecond boundary, as
//! tokio does) keeps `sleep(1 ms)` close to 1 ms. Tick 0 is the clock's origin, and a
//! pause puts the clock on a whole tick (`clock.rs`), so auto-advancing it to a timer
//! lands exactly on a deadline that is a whole number of microseconds away.
//!
//! # Who fires what
//!
//! A timer lives in the wheel of the worker that first polled its `Sleep` (uncontended
//! lock), or in the shared last wheel when polled elsewhere (`block_on`). Any worker fires
//! any wheel's due timers: when it parks, when it wakes, and every 61 ticks while busy
//! (`Park::maintain`), skipping wheels whose cached next deadline is not due. A timer's
//! waker lives in its wheel entry, so every poll of a registered `Sleep` (storing its
//! waker) and every cancel takes that wheel's lock: uncontended while the task stays on
//! the worker that registered it; a task stolen by another worker shares the lock with
//! the owner until its sleep ends.
//!
//! # Not sleeping through a deadline
//!
//! A parking worker announces `PARKING`, then reads every wheel's next deadline, then
//! sleeps until the earliest. A registration first lowers its wheel's next deadline, then
//! reads the workers' park deadlines and unparks the first that announced `PARKING` or
//! would sleep past the new deadline. Both sides use SeqCst, so at least one sees the
//! other (the store-then-load pattern): either the parker's minimum includes the new
//! timer, or the registrar wakes the parker, which then recomputes.
//!
//! A worker leaving a park hands the earliest deadline on (`end_park`): if every other
//! parked worker would sleep past it, it unparks one, because the woken worker may now
//! stay busy in a long poll.
//!
//! # A paused clock
//!
//! Parked workers never compute a real timeout from a paused clock's ticks: the driver
//! (`park.rs`) either auto-advances the clock to the earliest timer
//! ([`advance_to_earliest`](TimeDriver::advance_to_earliest)) or sleeps without a
//! timeout. A paused worker still announces its park as above, so a timer registered
//! from another thread wakes it to advance to that timer.

// Not the loom shim: the shards are shared through std's `Arc` and `Weak` (the shim has
// no `Weak`); the models check the wheel's contents and the wakes instead of counts.
use std::sync::{Arc, OnceLock, Weak};
use std::task::Waker;
use std::time::{Duration, Instant};

use super::clock::Clock;
use super::Driver;

use eddy_timer::{TimerKey, Wheel};

use crate::loom::atomic::{fence, AtomicBool, AtomicU64, Ordering::*};
use crate::loom::sync::Mutex;

/// At most this many timers fire per wheel per call: a huge slot is fired in bounded
/// batches, so the tasks woken first run before the rest are woken.
const FIRE_BATCH: usize = 1024;

/// `parked_until` value of a worker that is running.
const AWAKE: u64 = 0;
/// `parked_until` value of a worker between announcing a park and choosing its deadline.
const PARKING: u64 = 1;
/// "No deadline" (an empty wheel; a park without timeout).
const NEVER: u64 = u64::MAX;

/// A value alone on its cache line (128 bytes: two lines, for the adjacent-line
/// prefetcher), so that writes to it do not take its neighbours' lines from other threads.
#[derive(Debug)]
#[repr(align(128))]
struct Padded<T>(T);

/// One wheel, shared (`Arc`) with the sleeps registered in it.
///
/// A registered `Sleep` holds its wheel's shard, not the whole driver: the shard's
/// reference count then shares a cache line with the wheel's lock, which the worker that
/// owns the wheel takes anyway, instead of one counter that every worker's sleeps bump
/// on every registration and drop (measured: a quarter of a cancel's cost with a million
/// timers being cancelled from both workers at once). `repr(C)`: the lock comes first,
/// right after the `Arc`'s counts; aligned to 128 bytes (two lines, as `Padded`) so that
/// the counts, the lock and the flags share one line pair with no other shard's.
#[derive(Debug)]
#[repr(C, align(128))]
pub(crate) struct TimerShard {
    /// Each entry is the waker of the task waiting on the timer.
    wheel: Mutex<Wheel<Waker>>,
    /// The driver's `shut_down`, copied here on shutdown for the sleeps' polls.
    shut_down: AtomicBool,
    /// The driver, for a `Sleep::reset` to register anew; set by the first registration.
    driver: OnceLock<Weak<Driver>>,
}

/// A registered timer: its wheel and its key there.
///
/// A timer's state is its wheel entry, read and written under that wheel's lock: the
/// entry holds the waker of the task waiting on it, and the key going stale (the wheel
/// let go of the entry) is what "fired" means, since only the owner of the location
/// cancels it. No allocation of its own per timer, and no second lock.
#[derive(Debug)]
pub(crate) struct TimerLocation {
    shard: Arc<TimerShard>,
    key: TimerKey,
}

impl TimerLocation {
    /// Removes the timer (its `Sleep` was dropped or reset) and returns its waker, or
    /// `None` if it has fired. O(1).
    pub(crate) fn cancel(&self) -> Option<Waker> {
        self.shard.wheel.lock().cancel(self.key)
    }

    /// True once the wheel has let go of the timer: it fired (its waker has been or is
    /// being woken) or, after a `cancel`, was removed.
    pub(crate) fn has_fired(&self) -> bool {
        self.shard.wheel.lock().deadline(self.key).is_none()
    }

    /// A poll of the timer: returns true if it has fired, else stores `waker` (unless it
    /// would wake the same task) for the fire to wake. Both under the wheel's lock, which
    /// the fire holds to take the entry out, so either the fire takes this waker or this
    /// sees the timer gone: no wake-up is lost.
    pub(crate) fn poll(&self, waker: &Waker) -> bool {
        let mut wheel = self.shard.wheel.lock();
        let Some(stored) = wheel.get_mut(self.key) else {
            return true;
        };
        if stored.will_wake(waker) {
            return false;
        }
        // A different task, or a new waker: cloned outside the lock, since a waker's clone
        // may run anything, a `Sleep`'s too (and this lock is not reentrant). If the timer
        // fires meanwhile, it wakes the stored waker and this sees the key gone.
        drop(wheel);
        let new = waker.clone();
        let mut wheel = self.shard.wheel.lock();
        let old = match wheel.get_mut(self.key) {
            Some(stored) => std::mem::replace(stored, new),
            None => new,
        };
        let fired = wheel.deadline(self.key).is_none();
        // Dropped outside the lock: a waker's drop may run anything too.
        drop(wheel);
        drop(old);
        fired
    }

    /// True once the runtime has shut down.
    pub(crate) fn is_shut_down(&self) -> bool {
        self.shard.shut_down.load(SeqCst)
    }

    /// The driver the timer was registered with, if it still exists.
    pub(crate) fn driver(&self) -> Option<std::sync::Arc<Driver>> {
        self.shard.driver.get().and_then(Weak::upgrade)
    }

    /// Records `driver` as the one this timer's wheel belongs to (for [`driver`]).
    ///
    /// [`driver`]: TimerLocation::driver
    pub(crate) fn remember_driver(&self, driver: &std::sync::Arc<Driver>) {
        self.shard.driver.get_or_init(|| Arc::downgrade(driver));
    }
}

/// The runtime's timers.
#[derive(Debug)]
pub(crate) struct TimeDriver {
    /// Where the ticks come from.
    clock: Clock,
    /// Tick 0: the clock's origin.
    origin: Instant,
    /// Set when the runtime shuts down: no worker will fire these wheels again.
    shut_down: AtomicBool,
    /// The wheels: one per worker, then the shared one.
    shards: Box<[Arc<TimerShard>]>,
    /// Per wheel: a lower bound of its earliest deadline (`NEVER` if empty). Lowered on
    /// insert, recomputed after firing; cancelling leaves it early, which only costs a
    /// spurious wake-up. A cache line each: each worker writes its own wheel's.
    next: Box<[Padded<AtomicU64>]>,
    /// Per worker: `AWAKE`, `PARKING`, or the tick it parks until (`NEVER`: no timeout).
    parked_until: Box<[AtomicU64]>,
}

impl TimeDriver {
    pub(crate) fn new(workers: usize, clock: Clock) -> TimeDriver {
        let origin = clock.origin();
        TimeDriver {
            clock,
            origin,
            shut_down: AtomicBool::new(false),
            shards: (0..=workers)
                .map(|_| {
                    Arc::new(TimerShard {
                        wheel: Mutex::new(Wheel::new(0)),
                        shut_down: AtomicBool::new(false),
                        driver: OnceLock::new(),
                    })
                })
                .collect(),
            next: (0..=workers)
                .map(|_| Padded(AtomicU64::new(NEVER)))
                .collect(),
            parked_until: (0..workers).map(|_| AtomicU64::new(AWAKE)).collect(),
        }
    }

    /// The runtime is gone: fire every timer still armed, so a `Sleep` kept elsewhere
    /// (another runtime's task, a plain thread) is woken and sees [`is_shut_down`]
    /// instead of waiting for ever.
    ///
    /// [`is_shut_down`]: TimeDriver::is_shut_down
    pub(crate) fn shutdown(&self) {
        self.shut_down.store(true, SeqCst);
        let mut all = Vec::new();
        for shard in self.shards.iter() {
            shard.shut_down.store(true, SeqCst);
            let mut wheel = shard.wheel.lock();
            while wheel.poll_expired(NEVER, FIRE_BATCH, &mut all) == FIRE_BATCH {}
        }
        for (_, waker) in all {
            waker.wake();
        }
    }

    /// True once the runtime has shut down.
    pub(crate) fn is_shut_down(&self) -> bool {
        self.shut_down.load(SeqCst)
    }

    /// The runtime's clock.
    pub(crate) fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The wheel for a timer first polled on `worker` (`None`: not a worker).
    pub(crate) fn shard_for(&self, worker: Option<usize>) -> usize {
        let shared = self.shards.len() - 1;
        worker.filter(|&w| w < shared).unwrap_or(shared)
    }

    /// `deadline` as a tick, rounded up (never early).
    pub(crate) fn deadline_tick(&self, deadline: crate::time::Instant) -> u64 {
        let Some(after) = deadline.into_std().checked_duration_since(self.origin) else {
            return 0;
        };
        let micros = after.as_nanos().div_ceil(1_000);
        u64::try_from(micros).unwrap_or(NEVER - 1).min(NEVER - 1)
    }

    /// The current tick, rounded down.
    pub(crate) fn now_tick(&self) -> u64 {
        let micros = self
            .clock
            .now()
            .saturating_duration_since(self.origin)
            .as_micros();
        u64::try_from(micros).unwrap_or(NEVER - 1)
    }

    fn instant_of(&self, tick: u64) -> Option<Instant> {
        self.origin.checked_add(Duration::from_micros(tick))
    }

    /// Files a timer for `deadline` in wheel `shard`, to wake `waker`. Returns its
    /// registration and, if a parked worker would sleep past it, that worker: the caller
    /// unparks it. After shutdown, files nothing and hands the waker back (`Err`).
    pub(crate) fn register(
        &self,
        shard: usize,
        deadline: u64,
        waker: Waker,
    ) -> Result<(TimerLocation, Option<usize>), Waker> {
        let key = {
            let mut wheel = self.shards[shard].wheel.lock();
            // Checked under the lock: `shutdown` sets the flag before it takes this lock
            // to empty the wheel, so an insert after the emptying sees the flag, and one
            // before it is fired by it. Without the check, a registration racing the
            // shutdown could land in an emptied wheel that nobody fires again: a sleep
            // that hangs instead of reporting that its runtime is gone.
            if self.shards[shard].shut_down.load(SeqCst) {
                return Err(waker);
            }
            wheel.insert(deadline, waker)
        };
        // SeqCst: the registrar's half of the store-then-load pattern (module docs). A
        // wheel's cached deadline already at or before this one needs no store (the
        // common case: most timers are not their wheel's earliest), and a load leaves the
        // cache line shared instead of taking it from the workers that read it. Skipping
        // is safe because the cached value then stays at or before this deadline until
        // this timer fires: only a fire stores a later one, and a fire that runs after
        // this insert (the wheel lock orders them) computes it with this timer in the
        // wheel. Whoever lowered it to its present value ran this protocol for it, so no
        // parker sleeps past it unwarned.
        let next = &self.next[shard].0;
        if next.load(SeqCst) > deadline {
            next.fetch_min(deadline, SeqCst);
        }
        fence(SeqCst);
        let sleeper = self.parked_until.iter().position(|parked| {
            let until = parked.load(SeqCst);
            until != AWAKE && (until == PARKING || until > deadline)
        });
        let shard = self.shards[shard].clone();
        Ok((TimerLocation { shard, key }, sleeper))
    }

    /// Fires due timers of every wheel whose cached deadline has come, in bounded
    /// batches, waking their tasks outside the locks. Returns how many fired.
    pub(crate) fn fire_due(&self) -> usize {
        let now = self.now_tick();
        let mut fired = 0;
        let mut due = Vec::new();
        for (shard, timers) in self.shards.iter().enumerate() {
            if self.next[shard].0.load(SeqCst) > now {
                continue;
            }
            let mut wheel = timers.wheel.lock();
            wheel.poll_expired(now, FIRE_BATCH, &mut due);
            let next = wheel.next_deadline().unwrap_or(NEVER);
            self.next[shard].0.store(next, SeqCst);
            drop(wheel);
            fired += due.len();
            for (_, waker) in due.drain(..) {
                waker.wake();
            }
        }
        fired
    }

    /// Timers registered in all wheels (for metrics; takes each wheel's lock briefly).
    pub(crate) fn armed(&self) -> usize {
        self.shards.iter().map(|s| s.wheel.lock().len()).sum()
    }

    /// True when no wheel holds a timer.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.shards.iter().all(|s| s.wheel.lock().is_empty())
    }

    /// The earliest deadline over all wheels (a lower bound), or `NEVER`.
    fn earliest(&self) -> u64 {
        self.next
            .iter()
            .map(|n| n.0.load(SeqCst))
            .min()
            .unwrap_or(NEVER)
    }

    /// Worker `worker` is about to park: announces it and returns how long to sleep
    /// (`None`: until unparked; `Some(ZERO)`: a timer is already due). For a running
    /// clock only: a paused clock's ticks say nothing about real time.
    pub(crate) fn begin_park(&self, worker: usize) -> Option<Duration> {
        let earliest = self.announce_park(worker)?;
        let at = self.instant_of(earliest)?;
        Some(at.saturating_duration_since(self.clock.now()))
    }

    /// Worker `worker` is about to park: announces it and returns the earliest deadline
    /// (`None`: no timer), which the worker then covers until [`end_park`].
    ///
    /// [`end_park`]: TimeDriver::end_park
    pub(crate) fn announce_park(&self, worker: usize) -> Option<u64> {
        self.parked_until[worker].store(PARKING, SeqCst);
        // SeqCst: the parker's half of the store-then-load pattern (module docs).
        fence(SeqCst);
        let earliest = self.earliest();
        if earliest == NEVER {
            self.parked_until[worker].store(NEVER, SeqCst);
            return None;
        }
        // A wheel deadline of 0 or 1 would read as AWAKE / PARKING: clamp to 2.
        self.parked_until[worker].store(earliest.max(2), SeqCst);
        Some(earliest)
    }

    /// Auto-advance (module docs: a paused clock): moves the paused clock to the earliest
    /// timer and fires what is due there. Returns how many fired: 0 if there is no timer,
    /// or if the clock is not paused (resumed meanwhile; nothing moved).
    ///
    /// The cached next deadlines are lower bounds (a cancelled timer leaves its wheel's
    /// early; a crowded wheel answers a slot's start), so a move may fire nothing: firing
    /// recomputes them past the new time, and the next round moves on towards the true
    /// earliest deadline. Every round after the first moves the clock strictly forward, so
    /// this ends.
    pub(crate) fn advance_to_earliest(&self) -> usize {
        loop {
            let earliest = self.earliest();
            if earliest == NEVER {
                return 0;
            }
            let Some(at) = self.instant_of(earliest) else {
                return 0;
            };
            if !self.clock.advance_to(at) {
                return 0;
            }
            let fired = self.fire_due();
            if fired > 0 {
                return fired;
            }
        }
    }

    /// Worker `worker` is running again. It may have been the one a registration woke to
    /// cover a new, earlier deadline, and it may now stay busy in a long poll: if every
    /// other parked worker would sleep past the earliest deadline, returns one of them for
    /// the caller to unpark, so the deadline stays covered (the hand-off).
    pub(crate) fn end_park(&self, worker: usize) -> Option<usize> {
        self.parked_until[worker].store(AWAKE, SeqCst);
        fence(SeqCst);
        let earliest = self.earliest();
        if earliest == NEVER {
            return None;
        }
        let mut oversleeper = None;
        for (other, parked) in self.parked_until.iter().enumerate() {
            if other == worker {
                continue;
            }
            match parked.load(SeqCst) {
                // Awake workers cover nothing: they may be busy.
                AWAKE => {}
                // About to read the deadlines, or waking at or before the earliest.
                until if until == PARKING || until <= earliest => return None,
                _ => {
                    oversleeper.get_or_insert(other);
                }
            }
        }
        oversleeper
    }
}

#[cfg(all(test, not(eddy_loom)))]
mod tests {
    use super::{TimeDriver, NEVER};
    use crate::runtime::driver::Clock;

    #[test]
    fn a_woken_worker_hands_an_uncovered_deadline_to_a_parked_one() {
        let time = TimeDriver::new(2, Clock::new(false, false));
        // Both workers idle, no timers: they park without a deadline.
        assert_eq!(time.begin_park(0), None);
        assert_eq!(time.begin_park(1), None);
        // A plain thread registers a timer: the first worker that would oversleep it is
        // the one to wake.
        let deadline = time.now_tick() + 60_000_000;
        let (_, sleeper) = time
            .register(2, deadline, std::task::Waker::noop().clone())
            .unwrap();
        assert_eq!(sleeper, Some(0));
        // Worker 0 wakes; if it now stays busy, worker 1 would sleep past the deadline:
        // the hand-off names it.
        assert_eq!(time.end_park(0), Some(1));
        // Worker 1 re-parks for the deadline: covered, no further hand-off.
        assert!(time.begin_park(1).is_some());
        assert_eq!(time.end_park(0), None);
        // With worker 1 awake too, nobody is parked: nothing to hand off.
        assert_eq!(time.end_park(1), None);
        assert_ne!(time.earliest(), NEVER);
    }
}
