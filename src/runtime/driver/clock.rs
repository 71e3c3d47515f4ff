//! The runtime's clock: real time, or time that tests control (`eddy::time::pause`,
//! `advance`, `resume`, `Builder::start_paused`), with tokio's semantics.
//!
//! The clock reads `base + (real time since unfrozen)`. Running, `unfrozen` is the real
//! instant it last started to run; paused, `unfrozen` is `None` and the clock reads
//! `base`, which only [`advance`](Clock::advance) and the driver's auto-advance move. So
//! the clock never goes backwards, and after a `resume` it runs at real speed from where it
//! was. The time driver's ticks come from it, so a paused clock stops the timers too.
//!
//! The ticks are whole microseconds since the clock's [`origin`](Clock::origin), and a
//! pause puts the clock on the next whole microsecond (less than one on): then a deadline
//! a whole number of microseconds from a paused `now` is exactly a tick, and the
//! auto-advance lands exactly on it, however long the runtime ran before the pause.
//!
//! Only a current-thread runtime's clock is *pausable*: on a multi-threaded runtime,
//! workers in the middle of their tasks would see time jump under them.
//!
//! # Auto-advance
//!
//! A paused clock moves on its own when the runtime has nothing to run: the driver
//! (`park.rs`) advances it to the earliest timer and fires that timer, so a test that
//! sleeps an hour returns at once. A blocking job in flight may be about to wake a task,
//! so while one is, auto-advance waits ([`AutoAdvanceGuard`]); the guard is released
//! after the job's `JoinHandle` has been woken, then the workers are unparked to look
//! again.
//!
//! # Cost, and who reads it
//!
//! `eddy::time::Instant::now()` reads the current runtime's clock from any thread (tasks,
//! blocking jobs, `block_on`). Until some clock in the process is first paused it is
//! std's clock behind one relaxed load of a global; until *this* clock is first paused,
//! behind one more. After that a read takes the clock's lock, so reads and moves are
//! totally ordered: every thread sees the clock move forward only. (One exception: a read
//! on another thread racing with the *first* pause may return std's time a little past
//! the paused `base`, so a later read is that much earlier; `eddy::time::Instant`'s
//! arithmetic saturates, as tokio's does.)

use std::fmt;
use std::sync::atomic::AtomicBool as StdAtomicBool;
use std::time::Duration;

use crate::loom::atomic::{AtomicBool, AtomicUsize, Ordering::*};
use crate::loom::sync::Mutex;

use super::park::Driver;

/// Set when any clock in the process is first paused; until then `now` skips the
/// thread-local lookup of the current runtime. std's atomic: a process-wide flag that only
/// goes from false to true, no part of a protocol the loom models check.
static SOME_CLOCK_PAUSED: StdAtomicBool = StdAtomicBool::new(false);

/// True once some runtime's clock in the process has been paused.
///
/// Relaxed: a read that happens after the pause (in the happens-before order, as for the
/// paused runtime's own tasks) sees `true` by coherence; a read racing with the first
/// pause may see either, and either is a correct answer for a read at that moment.
#[inline]
pub(crate) fn some_clock_paused() -> bool {
    SOME_CLOCK_PAUSED.load(std::sync::atomic::Ordering::Relaxed)
}

/// A runtime's clock (module docs).
#[derive(Debug)]
pub(crate) struct Clock {
    /// Only a current-thread runtime's clock may be paused.
    pausable: bool,
    /// The clock's time when it was made: the time driver's tick 0.
    origin: std::time::Instant,
    /// False until this clock is first paused: until then [`now`](Clock::now) is std's
    /// clock, read without the lock.
    ever_paused: AtomicBool,
    state: Mutex<State>,
    /// Blocking jobs in flight ([`AutoAdvanceGuard`]s alive): while non-zero, a paused
    /// clock does not auto-advance.
    inhibitors: AtomicUsize,
}

#[derive(Debug)]
struct State {
    base: std::time::Instant,
    /// The real instant the clock last started to run; `None` while paused.
    unfrozen: Option<std::time::Instant>,
}

impl State {
    fn now(&self) -> std::time::Instant {
        match self.unfrozen {
            Some(unfrozen) => self.base + unfrozen.elapsed(),
            None => self.base,
        }
    }
}

/// Why the clock refused a pause, resume or advance. Its `Display` names the fix
/// (CONTRIBUTING.md, rule 13).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClockError {
    /// The runtime is multi-threaded.
    NotPausable,
    /// `pause` while paused.
    AlreadyPaused,
    /// `resume` or `advance` while running.
    NotPaused,
    /// `advance` past the end of `Instant`'s range.
    Overflow(Duration),
}

impl fmt::Display for ClockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClockError::NotPausable => f.write_str(
                "pausing time needs a current-thread runtime: `eddy::Builder::new_current_thread()` \
                 or `#[eddy::test]`, whose runtime is current-thread (start it paused with \
                 `.start_paused(true)` or `#[eddy::test(start_paused = true)]`). This runtime \
                 is multi-threaded, and its other workers would see time jump under them",
            ),
            ClockError::AlreadyPaused => f.write_str(
                "the clock is already paused: pause it once, or call `eddy::time::resume()` \
                 first",
            ),
            ClockError::NotPaused => f.write_str(
                "the clock is not paused: call `eddy::time::pause()` first, or build the \
                 runtime with `start_paused(true)`",
            ),
            ClockError::Overflow(by) => write!(
                f,
                "advancing the clock by {by:?} would pass the end of `Instant`'s range: \
                 advance by less"
            ),
        }
    }
}

impl Clock {
    /// A clock that reads real time; `pausable` on a current-thread runtime only, and
    /// then paused at once if `start_paused` (`Builder::start_paused`).
    ///
    /// # Panics
    ///
    /// If `start_paused` without `pausable`: the builder refuses that combination first.
    pub(crate) fn new(pausable: bool, start_paused: bool) -> Clock {
        if start_paused && !pausable {
            panic!("eddy: start_paused: {}", ClockError::NotPausable);
        }
        let origin = std::time::Instant::now();
        let clock = Clock {
            pausable,
            origin,
            ever_paused: AtomicBool::new(false),
            state: Mutex::new(State {
                base: origin,
                unfrozen: Some(origin),
            }),
            inhibitors: AtomicUsize::new(0),
        };
        if start_paused {
            // Paused at the origin itself: on the tick grid.
            clock.state.lock().unfrozen = None;
            clock.ever_paused.store(true, Relaxed);
            SOME_CLOCK_PAUSED.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        clock
    }

    /// The clock's time when it was made: the time driver's tick 0.
    pub(crate) fn origin(&self) -> std::time::Instant {
        self.origin
    }

    /// `at`, moved forward onto the next whole microsecond since the origin (the tick
    /// grid).
    fn on_the_grid(&self, at: std::time::Instant) -> std::time::Instant {
        let off = at.saturating_duration_since(self.origin).subsec_nanos() % 1_000;
        if off == 0 {
            at
        } else {
            at + Duration::from_nanos(u64::from(1_000 - off))
        }
    }

    /// True on a current-thread runtime.
    pub(crate) fn is_pausable(&self) -> bool {
        self.pausable
    }

    /// The clock's time.
    #[inline]
    pub(crate) fn now(&self) -> std::time::Instant {
        // Relaxed: set once, under the lock, by the first pause. A read that sees it
        // takes the lock, which orders it after that pause; a read racing with the first
        // pause may miss it and read std's clock, which the clock was reading until then.
        if !self.ever_paused.load(Relaxed) {
            return std::time::Instant::now();
        }
        self.state.lock().now()
    }

    /// True while paused.
    pub(crate) fn is_paused(&self) -> bool {
        // Relaxed: as in `now`.
        self.ever_paused.load(Relaxed) && self.state.lock().unfrozen.is_none()
    }

    /// Stops the clock where it is (`eddy::time::pause`).
    pub(crate) fn pause(&self) -> Result<(), ClockError> {
        if !self.pausable {
            return Err(ClockError::NotPausable);
        }
        let mut state = self.state.lock();
        let Some(unfrozen) = state.unfrozen.take() else {
            return Err(ClockError::AlreadyPaused);
        };
        // Less than a microsecond on, onto the tick grid (module docs).
        state.base = self.on_the_grid(state.base + unfrozen.elapsed());
        // Relaxed: see `now`; stored under the lock, before the paused state is visible
        // to anyone who takes it.
        self.ever_paused.store(true, Relaxed);
        SOME_CLOCK_PAUSED.store(true, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }

    /// Lets the clock run again from where it is (`eddy::time::resume`).
    pub(crate) fn resume(&self) -> Result<(), ClockError> {
        let mut state = self.state.lock();
        if state.unfrozen.is_some() {
            return Err(ClockError::NotPaused);
        }
        state.unfrozen = Some(std::time::Instant::now());
        Ok(())
    }

    /// Moves a paused clock forward by `by` (`eddy::time::advance`).
    pub(crate) fn advance(&self, by: Duration) -> Result<(), ClockError> {
        let mut state = self.state.lock();
        if state.unfrozen.is_some() {
            return Err(ClockError::NotPaused);
        }
        state.base = state.base.checked_add(by).ok_or(ClockError::Overflow(by))?;
        Ok(())
    }

    /// Auto-advance: moves a paused clock forward to `to` (never back). False if the
    /// clock is running (resumed meanwhile): nothing moved.
    pub(crate) fn advance_to(&self, to: std::time::Instant) -> bool {
        let mut state = self.state.lock();
        if state.unfrozen.is_some() {
            return false;
        }
        state.base = state.base.max(to);
        true
    }

    /// True unless a blocking job holds auto-advance back.
    pub(crate) fn can_auto_advance(&self) -> bool {
        // SeqCst, though a lost wake-up is excluded by the parker's token, not by this
        // order: a worker that reads a count about to drop to zero goes to sleep, and the
        // guard's release then unparks it (`AutoAdvanceGuard::drop`).
        self.inhibitors.load(SeqCst) == 0
    }

    fn inhibit_auto_advance(&self) {
        // SeqCst: see `can_auto_advance`.
        self.inhibitors.fetch_add(1, SeqCst);
    }

    /// True if this was the last inhibitor.
    fn allow_auto_advance(&self) -> bool {
        // SeqCst: see `can_auto_advance`.
        self.inhibitors.fetch_sub(1, SeqCst) == 1
    }
}

/// Holds a paused clock's auto-advance back while a blocking job (`spawn_blocking`,
/// `run_in_executor`) is in flight: the job may be about to wake a task, and the clock
/// must not jump past that task's deadlines first (tokio #4614).
///
/// Taken when the job is submitted. Released after the job: when it ran, after its
/// `JoinHandle` has been woken (the release waits for the end of the job through
/// `eddy_executor::blocking::after_job`, so the woken task is queued before the clock
/// may move, as tokio's blocking scheduler releases it); when it is dropped unrun, at
/// once. The last release unparks every worker, since a paused worker that found the clock
/// held sleeps without a timeout.
#[derive(Debug)]
pub(crate) struct AutoAdvanceGuard {
    driver: Option<std::sync::Arc<Driver>>,
}

impl AutoAdvanceGuard {
    /// A guard on `driver`'s clock; `None` if the clock is not pausable (nothing to hold
    /// back, and nothing to pay).
    pub(crate) fn new(driver: &std::sync::Arc<Driver>) -> Option<AutoAdvanceGuard> {
        let clock = driver.time.clock();
        if !clock.is_pausable() {
            return None;
        }
        clock.inhibit_auto_advance();
        Some(AutoAdvanceGuard {
            driver: Some(driver.clone()),
        })
    }
}

impl Drop for AutoAdvanceGuard {
    fn drop(&mut self) {
        if let Some(driver) = self.driver.take() {
            eddy_executor::blocking::after_job(move || {
                if driver.time.clock().allow_auto_advance() {
                    driver.unpark_all();
                }
            });
        }
    }
}

/// Wraps a blocking job's closure so that it holds `driver`'s auto-advance back until it
/// has run (or is dropped unrun).
pub(crate) fn blocking_job<F, R>(
    driver: &std::sync::Arc<Driver>,
    f: F,
) -> impl FnOnce() -> R + Send + 'static
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let guard = AutoAdvanceGuard::new(driver);
    move || {
        // Dropped when `f` returns or unwinds, inside the job: the release is deferred
        // to the job's end (type docs).
        let _guard = guard;
        f()
    }
}

#[cfg(all(test, not(eddy_loom)))]
mod tests {
    use std::time::Duration;

    use super::{Clock, ClockError};

    #[test]
    fn a_running_clock_reads_real_time() {
        let clock = Clock::new(true, false);
        let before = std::time::Instant::now();
        let now = clock.now();
        assert!(now >= before && now <= std::time::Instant::now());
        assert!(!clock.is_paused());
    }

    #[test]
    fn a_paused_clock_stands_still_until_advanced() {
        let clock = Clock::new(true, true);
        assert!(clock.is_paused());
        let start = clock.now();
        std::thread::sleep(Duration::from_millis(2));
        assert_eq!(clock.now(), start);
        clock.advance(Duration::from_secs(3600)).unwrap();
        assert_eq!(clock.now(), start + Duration::from_secs(3600));
    }

    #[test]
    fn resume_runs_on_from_where_the_clock_stood() {
        let clock = Clock::new(true, true);
        let start = clock.now();
        clock.advance(Duration::from_secs(60)).unwrap();
        clock.resume().unwrap();
        let later = clock.now();
        assert!(later >= start + Duration::from_secs(60));
        // Real time since the resume only: well under the hour a test would notice.
        assert!(later < start + Duration::from_secs(61));
        std::thread::sleep(Duration::from_millis(2));
        assert!(clock.now() >= later + Duration::from_millis(2));
        // And pausing again keeps it where it got to.
        clock.pause().unwrap();
        let paused = clock.now();
        assert!(paused >= later);
        std::thread::sleep(Duration::from_millis(1));
        assert_eq!(clock.now(), paused);
    }

    #[test]
    fn a_pause_puts_the_clock_on_a_whole_microsecond_since_the_origin() {
        let clock = Clock::new(true, true);
        assert_eq!(clock.now(), clock.origin());
        clock.advance(Duration::from_nanos(1_500)).unwrap();
        clock.resume().unwrap();
        std::thread::sleep(Duration::from_micros(3));
        let before = clock.now();
        clock.pause().unwrap();
        let paused = clock.now();
        assert!(paused >= before && paused - before < Duration::from_micros(1_000));
        assert_eq!((paused - clock.origin()).subsec_nanos() % 1_000, 0);
    }

    #[test]
    fn auto_advance_moves_only_forward_and_only_while_paused() {
        let clock = Clock::new(true, true);
        let start = clock.now();
        assert!(clock.advance_to(start + Duration::from_secs(5)));
        assert!(clock.advance_to(start + Duration::from_secs(1)));
        assert_eq!(clock.now(), start + Duration::from_secs(5));
        clock.resume().unwrap();
        assert!(!clock.advance_to(start + Duration::from_secs(3600)));
        assert!(clock.now() < start + Duration::from_secs(3600));
    }

    #[test]
    fn misuse_is_refused_with_the_fix() {
        let multi = Clock::new(false, false);
        let err = multi.pause().unwrap_err();
        assert_eq!(err, ClockError::NotPausable);
        assert!(err.to_string().contains("new_current_thread()"));
        assert_eq!(multi.advance(Duration::ZERO), Err(ClockError::NotPaused));

        let clock = Clock::new(true, false);
        assert_eq!(clock.resume(), Err(ClockError::NotPaused));
        assert!(clock
            .advance(Duration::from_secs(1))
            .unwrap_err()
            .to_string()
            .contains("eddy::time::pause()"));
        clock.pause().unwrap();
        let err = clock.pause().unwrap_err();
        assert!(err.to_string().contains("eddy::time::resume()"), "{err}");
        let err = clock.advance(Duration::MAX).unwrap_err();
        assert_eq!(err, ClockError::Overflow(Duration::MAX));
    }

    #[test]
    #[should_panic(expected = "pausing time needs a current-thread runtime")]
    fn a_multi_threaded_clock_cannot_start_paused() {
        let _ = Clock::new(false, true);
    }

    #[test]
    fn the_inhibitor_count_says_who_released_last() {
        let clock = Clock::new(true, true);
        assert!(clock.can_auto_advance());
        clock.inhibit_auto_advance();
        clock.inhibit_auto_advance();
        assert!(!clock.can_auto_advance());
        assert!(!clock.allow_auto_advance());
        assert!(clock.allow_auto_advance());
        assert!(clock.can_auto_advance());
    }
}
