//! The time driver's concurrent protocols: firing vs. cancelling a timer, registering a
//! timer vs. a worker going to park, a sleep's waker update vs. the fire, and with the
//! clock paused, a worker deciding to sleep vs. the release of auto-advance or a new
//! timer; a registration vs. the runtime's shutdown.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::task::{Wake, Waker};

use eddy_executor::park::Park;
use eddy_test_support::model;

use crate::runtime::driver::{AutoAdvanceGuard, Clock, Driver};

/// Counts wakes.
#[derive(Default)]
struct CountWakes(AtomicUsize);

impl Wake for CountWakes {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn counting_waker() -> (std::sync::Arc<CountWakes>, Waker) {
    let count = std::sync::Arc::new(CountWakes::default());
    let waker = Waker::from(count.clone());
    (count, waker)
}

/// A due timer is fired by a worker while its `Sleep` is dropped (cancelled) on another
/// thread: exactly one of them takes the entry, the waker is woken at most once, never
/// after a cancel that won, and the wheel is left empty.
#[test]
fn loom_cancel_vs_fire_wakes_at_most_once_and_frees_the_entry() {
    model(|| {
        let driver = std::sync::Arc::new(Driver::without_io(1, Clock::new(false, false)));
        let (wakes, waker) = counting_waker();
        // Deadline 0: due as soon as anyone looks.
        let registration = driver.register_timer(1, 0, waker).unwrap();

        let firer = {
            let driver = driver.clone();
            crate::loom::thread::spawn(move || driver.time.fire_due())
        };
        // The Sleep's drop: cancel; a fired timer's key is stale and finds nothing.
        let cancelled = registration.cancel().is_some();
        let fired = firer.join().unwrap();
        assert_eq!(
            fired + usize::from(cancelled),
            1,
            "fired or cancelled, once"
        );
        assert_eq!(wakes.0.load(SeqCst), fired, "woken exactly when fired");
        assert!(registration.has_fired());
        assert!(
            driver.time.is_empty(),
            "the wheel let go of the entry either way"
        );
    });
}

/// A timer registered from a non-worker thread while the only worker goes to park: the
/// worker must not sleep through it. Either its park sees the new deadline, or the
/// registration sees the worker parking and unparks it (loom reports a deadlock if both
/// miss). Then the timer fires and wakes its waker.
#[test]
fn loom_register_vs_park_never_sleeps_through_a_deadline() {
    model(|| {
        let driver = std::sync::Arc::new(Driver::without_io(1, Clock::new(false, false)));
        let (wakes, waker) = counting_waker();
        let registrar = {
            let driver = driver.clone();
            crate::loom::thread::spawn(move || {
                // Shard 1: the wheel of threads that are not workers; deadline 0: due.
                driver.register_timer(1, 0, waker).unwrap();
            })
        };
        // The worker: with no other work it parks, as the executor's loop would, until
        // the timer has fired.
        while wakes.0.load(SeqCst) == 0 {
            driver.park(0);
        }
        registrar.join().unwrap();
        assert_eq!(wakes.0.load(SeqCst), 1);
    });
}

/// The waker update of a registered sleep: the sleep stores a new waker while the timer
/// fires. The task is never left unwoken: either the fire takes the new waker, or the
/// sleep sees the timer fired (both take the wheel's lock).
#[test]
fn loom_waker_update_vs_fire_is_never_lost() {
    model(|| {
        let driver = std::sync::Arc::new(Driver::without_io(1, Clock::new(false, false)));
        let (first, first_waker) = counting_waker();
        let registration = driver.register_timer(1, 0, first_waker).unwrap();
        let firer = {
            let driver = driver.clone();
            crate::loom::thread::spawn(move || driver.time.fire_due())
        };
        let (second, second_waker) = counting_waker();
        let saw_fired = registration.poll(&second_waker);
        assert_eq!(firer.join().unwrap(), 1);
        let woken = first.0.load(SeqCst) + second.0.load(SeqCst);
        assert_eq!(woken, 1, "fired once, one waker woken");
        assert!(
            saw_fired || second.0.load(SeqCst) == 1,
            "the newest waker is woken or the sleep saw the fire itself"
        );
    });
}

/// The only worker parks with a timeout for a far timer; another thread registers an
/// earlier one. Timed parks wait for an unpark under loom, so the worker only returns if
/// the registration (or its own re-check) notices that the new deadline is earlier.
#[test]
fn loom_an_earlier_timer_wakes_a_worker_parked_for_a_later_one() {
    model(|| {
        let driver = std::sync::Arc::new(Driver::without_io(1, Clock::new(false, false)));
        let (_, far_waker) = counting_waker();
        // About 11 days away: the worker parks with a timeout, never reaching it.
        let far = driver.register_timer(0, 1 << 40, far_waker).unwrap();
        let (wakes, waker) = counting_waker();
        let registrar = {
            let driver = driver.clone();
            crate::loom::thread::spawn(move || {
                driver.register_timer(1, 0, waker).unwrap();
            })
        };
        while wakes.0.load(SeqCst) == 0 {
            driver.park(0);
        }
        registrar.join().unwrap();
        assert!(!far.has_fired());
    });
}

/// A registration that finds its wheel's cached deadline already at or before its own
/// skips lowering it. Here a due timer is in the shared wheel when another thread adds a
/// second due one while the only worker parks and fires: whether the registration sees
/// the first timer's deadline cached (and skips the store) or the worker fired it first
/// (and the registration lowers the cache again), the worker never sleeps through the
/// second timer (loom reports a deadlock if it would).
#[test]
fn loom_a_timer_behind_the_cached_deadline_is_not_slept_through() {
    model(|| {
        let driver = std::sync::Arc::new(Driver::without_io(1, Clock::new(false, false)));
        let (first_wakes, first_waker) = counting_waker();
        // Shard 1: the wheel of threads that are not workers; deadline 0: due.
        let _first = driver.register_timer(1, 0, first_waker).unwrap();
        let (second_wakes, second_waker) = counting_waker();
        let registrar = {
            let driver = driver.clone();
            crate::loom::thread::spawn(move || {
                driver.register_timer(1, 0, second_waker).unwrap();
            })
        };
        while first_wakes.0.load(SeqCst) == 0 || second_wakes.0.load(SeqCst) == 0 {
            driver.park(0);
        }
        registrar.join().unwrap();
        assert_eq!(first_wakes.0.load(SeqCst) + second_wakes.0.load(SeqCst), 2);
    });
}

/// With the clock paused, the only worker parks while a blocking job holds auto-advance
/// back, and the job ends on another thread. The worker must not sleep through the end:
/// either it sees the hold gone and advances, or the release's unpark wakes it (loom
/// reports a deadlock if both miss). Then it advances the clock exactly to the timer.
#[test]
fn loom_a_paused_park_never_sleeps_through_the_end_of_a_blocking_job() {
    model(|| {
        let driver = std::sync::Arc::new(Driver::without_io(1, Clock::new(true, true)));
        let (wakes, waker) = counting_waker();
        // A second away on the paused clock: it fires only by auto-advance.
        driver.register_timer(0, 1_000_000, waker).unwrap();
        let job = AutoAdvanceGuard::new(&driver).expect("a pausable clock");
        // Dropped outside a pool job: released at once, then the workers are unparked.
        let ender = crate::loom::thread::spawn(move || drop(job));
        while wakes.0.load(SeqCst) == 0 {
            driver.park(0);
        }
        ender.join().unwrap();
        assert_eq!(driver.time.now_tick(), 1_000_000);
    });
}

/// With the clock paused, the last blocking job ends on another thread the way a pool
/// job does: it wakes its waiter (an unpark: the waiter is runnable), then lets the
/// clock go. The only worker's park must not jump the clock past the timer while that
/// waiter waits to run: it returns without advancing, whether it saw the token first,
/// found the clock still held (then the unpark ends its sleep), or saw the clock free
/// with the token set. A park that took the token before the wake and read the hold
/// after the release advanced the clock and fired the timer (loom finds it).
#[test]
fn loom_a_paused_park_never_jumps_past_the_waiter_of_the_last_blocking_job() {
    model(|| {
        let driver = std::sync::Arc::new(Driver::without_io(1, Clock::new(true, true)));
        let (wakes, waker) = counting_waker();
        driver.register_timer(0, 1_000_000, waker).unwrap();
        let job = AutoAdvanceGuard::new(&driver).expect("a pausable clock");
        let ender = {
            let driver = driver.clone();
            crate::loom::thread::spawn(move || {
                // The job's JoinHandle wake: its task is queued on the worker.
                driver.unpark(0);
                // Dropped outside a pool job: released at once.
                drop(job);
            })
        };
        driver.park(0);
        ender.join().unwrap();
        assert_eq!(
            wakes.0.load(SeqCst),
            0,
            "the clock jumped past a runnable task"
        );
        assert_eq!(driver.time.now_tick(), 0);
    });
}

/// With the clock paused and no timer, the only worker parks while another thread
/// registers a timer. The worker must not sleep through it (it would never fire: nothing
/// moves a paused clock but the worker): either its park sees the timer and advances to
/// it, or the registration sees the worker parking and unparks it.
#[test]
fn loom_a_paused_park_advances_to_a_timer_registered_meanwhile() {
    model(|| {
        let driver = std::sync::Arc::new(Driver::without_io(1, Clock::new(true, true)));
        let (wakes, waker) = counting_waker();
        let registrar = {
            let driver = driver.clone();
            crate::loom::thread::spawn(move || {
                // The shared wheel, a second away on the paused clock.
                driver.register_timer(1, 1_000_000, waker).unwrap();
            })
        };
        while wakes.0.load(SeqCst) == 0 {
            driver.park(0);
        }
        registrar.join().unwrap();
        assert_eq!(driver.time.now_tick(), 1_000_000);
    });
}

/// A registration racing the runtime's shutdown: the timer is either filed before the
/// shutdown empties its wheel, and then fired by it (its task wakes and sees the runtime
/// gone), or refused, its waker handed back. Never filed in a wheel nobody fires again,
/// which would leave its sleep pending for ever.
#[test]
fn loom_a_registration_racing_shutdown_is_fired_or_refused() {
    model(|| {
        let driver = std::sync::Arc::new(Driver::without_io(1, Clock::new(false, false)));
        let (wakes, waker) = counting_waker();
        let registrar = {
            let driver = driver.clone();
            crate::loom::thread::spawn(move || {
                // Far in the future: only the shutdown can fire it.
                driver.register_timer(1, 1 << 40, waker).is_ok()
            })
        };
        driver.time.shutdown();
        let filed = registrar.join().unwrap();
        assert_eq!(wakes.0.load(SeqCst), usize::from(filed));
    });
}
