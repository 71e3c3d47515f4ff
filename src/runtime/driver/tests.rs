//! Auto-advance, driving a paused one-worker driver's `park(0)` directly, as the
//! current-thread scheduler does when it has nothing to run; and the spin hint
//! (`Park::may_spin`) against a fake poller.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::task::{Wake, Waker};
use std::time::Duration;

use eddy_executor::blocking::BlockingPool;
use eddy_executor::park::Park;

use super::{blocking_job, AutoAdvanceGuard, Clock, Driver, TimerLocation};
use crate::time::Instant;

/// How long a test waits for a thread before calling it a hang.
const LIMIT: Duration = Duration::from_secs(30);

type Log = Arc<Mutex<Vec<u32>>>;

/// A waker that logs its timer's id.
struct Record {
    id: u32,
    log: Log,
}

impl Wake for Record {
    fn wake(self: Arc<Self>) {
        self.log.lock().unwrap().push(self.id);
    }
}

fn paused() -> Arc<Driver> {
    Arc::new(Driver::without_io(1, Clock::new(true, true)))
}

fn now(driver: &Driver) -> Instant {
    Instant::from_std(driver.clock().now())
}

/// Registers timer `id`, due at `at`, from a thread that is not a worker.
fn timer(driver: &Driver, at: Instant, id: u32, log: &Log) -> TimerLocation {
    let waker = Waker::from(Arc::new(Record {
        id,
        log: log.clone(),
    }));
    let shard = driver.time.shard_for(None);
    driver
        .register_timer(shard, driver.time.deadline_tick(at), waker)
        .expect("the driver is running")
}

fn fired(log: &Log) -> Vec<u32> {
    log.lock().unwrap().clone()
}

/// Runs `f` on its own thread; the receiver gets its result.
fn on_thread<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> mpsc::Receiver<T> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx
}

/// Waits until worker 0 sleeps (it found nothing to do and no way to advance).
fn until_asleep(driver: &Driver) {
    let deadline = std::time::Instant::now() + LIMIT;
    while !driver.is_sleeping(0) {
        assert!(
            std::time::Instant::now() < deadline,
            "the worker never went to sleep"
        );
        std::thread::yield_now();
    }
}

#[test]
fn timers_fire_in_deadline_order_with_the_clock_on_each_deadline() {
    let driver = paused();
    let log = Log::default();
    let start = now(&driver);
    let hour = Duration::from_secs(3600);
    timer(&driver, start + hour, 3, &log);
    timer(&driver, start + Duration::from_millis(1), 1, &log);
    timer(&driver, start + Duration::from_secs(90), 2, &log);
    // Nothing runs, so each park jumps to the next deadline and fires that timer only.
    driver.park(0);
    assert_eq!(fired(&log), [1]);
    assert_eq!(now(&driver), start + Duration::from_millis(1));
    driver.park(0);
    assert_eq!(fired(&log), [1, 2]);
    assert_eq!(now(&driver), start + Duration::from_secs(90));
    driver.park(0);
    assert_eq!(fired(&log), [1, 2, 3]);
    assert_eq!(now(&driver), start + hour);
    assert!(driver.time.is_empty());
}

#[test]
fn a_cancelled_timer_is_jumped_over() {
    let driver = paused();
    let log = Log::default();
    let start = now(&driver);
    let first = timer(&driver, start + Duration::from_secs(1), 1, &log);
    timer(&driver, start + Duration::from_secs(2), 2, &log);
    drop(first.cancel());
    // The wheel's cached next deadline still says one second: the clock goes there,
    // fires nothing, and goes on to two.
    driver.park(0);
    assert_eq!(fired(&log), [2]);
    assert_eq!(now(&driver), start + Duration::from_secs(2));
}

#[test]
fn a_crowded_wheel_still_lands_on_each_exact_deadline() {
    let driver = paused();
    let log = Log::default();
    let start = now(&driver);
    // 200 distinct deadlines within a tenth of a second, a second away, inserted in a
    // scrambled order: far more than the wheel reads exactly in one slot.
    let mut offsets: Vec<u64> = (0..200).map(|i| 1_000_000 + i * 499).collect();
    let mut state = 12_345_u64;
    for i in (1..offsets.len()).rev() {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        offsets.swap(i, (state >> 33) as usize % (i + 1));
    }
    for &micros in &offsets {
        timer(
            &driver,
            start + Duration::from_micros(micros),
            micros as u32,
            &log,
        );
    }
    offsets.sort_unstable();
    for (n, &micros) in offsets.iter().enumerate() {
        driver.park(0);
        assert_eq!(fired(&log).len(), n + 1, "one timer per park");
        assert_eq!(fired(&log)[n], micros as u32, "deadline order");
        assert_eq!(now(&driver), start + Duration::from_micros(micros));
    }
}

#[test]
fn a_blocking_job_in_flight_holds_auto_advance_back() {
    let driver = paused();
    let log = Log::default();
    let start = now(&driver);
    timer(&driver, start + Duration::from_secs(1), 1, &log);
    let guard = AutoAdvanceGuard::new(&driver).expect("a pausable clock");
    let worker = {
        let driver = driver.clone();
        on_thread(move || driver.park(0))
    };
    // The worker found nothing to do, and may not advance: it sleeps, without a timeout.
    until_asleep(&driver);
    assert!(fired(&log).is_empty());
    assert_eq!(now(&driver), start);
    // The job ends: its release wakes the worker, whose next park advances.
    drop(guard);
    worker
        .recv_timeout(LIMIT)
        .expect("the release woke the worker");
    while fired(&log).is_empty() {
        driver.park(0);
    }
    assert_eq!(now(&driver), start + Duration::from_secs(1));
}

#[test]
fn an_unpark_wakes_a_paused_park_without_moving_the_clock() {
    let driver = paused();
    let start = now(&driver);
    let worker = {
        let driver = driver.clone();
        on_thread(move || driver.park(0))
    };
    until_asleep(&driver);
    driver.unpark(0);
    worker
        .recv_timeout(LIMIT)
        .expect("the unpark woke the worker");
    assert_eq!(now(&driver), start);
}

#[test]
fn a_timer_registered_meanwhile_wakes_a_paused_park_which_advances_to_it() {
    let driver = paused();
    let log = Log::default();
    let start = now(&driver);
    let worker = {
        let (driver, log) = (driver.clone(), log.clone());
        on_thread(move || {
            while fired(&log).is_empty() {
                driver.park(0);
            }
        })
    };
    until_asleep(&driver);
    timer(&driver, start + Duration::from_secs(5), 1, &log);
    worker
        .recv_timeout(LIMIT)
        .expect("the registration woke the worker");
    assert_eq!(now(&driver), start + Duration::from_secs(5));
}

#[test]
fn advance_fires_every_timer_it_passes_at_once() {
    let driver = paused();
    let log = Log::default();
    let start = now(&driver);
    timer(&driver, start + Duration::from_secs(1), 1, &log);
    timer(&driver, start + Duration::from_secs(2), 2, &log);
    timer(&driver, start + Duration::from_secs(60), 3, &log);
    driver.clock().advance(Duration::from_secs(10)).unwrap();
    driver.time.fire_due();
    assert_eq!(fired(&log), [1, 2]);
    assert_eq!(now(&driver), start + Duration::from_secs(10));
}

#[test]
fn a_resumed_clock_sleeps_on_real_time_again() {
    let driver = paused();
    let log = Log::default();
    let start = now(&driver);
    driver.clock().advance(Duration::from_secs(3600)).unwrap();
    timer(
        &driver,
        start + Duration::from_secs(3600) + Duration::from_millis(2),
        1,
        &log,
    );
    driver.clock().resume().unwrap();
    let real = std::time::Instant::now();
    let worker = {
        let (driver, log) = (driver.clone(), log.clone());
        on_thread(move || {
            while fired(&log).is_empty() {
                driver.park(0);
            }
        })
    };
    worker
        .recv_timeout(LIMIT)
        .expect("the timer fired on real time");
    // No jump: the 2 ms passed for real.
    assert!(real.elapsed() >= Duration::from_millis(2));
}

#[test]
fn a_blocking_job_holds_auto_advance_back_until_after_it_completed() {
    let driver = paused();
    let log = Log::default();
    let start = now(&driver);
    timer(&driver, start + Duration::from_secs(1), 1, &log);
    let pool = BlockingPool::new(1);
    let job = blocking_job(&driver, || 5);
    let during = driver.clone();
    let handle = pool.run(move || (job(), during.clock().can_auto_advance()));
    let (out, released_in_job) = eddy_executor::block_on(handle).unwrap();
    assert_eq!(out, 5);
    assert!(
        !released_in_job,
        "the closure has returned, but the release waits for the job's end"
    );
    // The release (after the JoinHandle was woken) unparks the worker; a park before it
    // sleeps, a park after it advances.
    let worker = {
        let (driver, log) = (driver.clone(), log.clone());
        on_thread(move || {
            while fired(&log).is_empty() {
                driver.park(0);
            }
        })
    };
    worker
        .recv_timeout(LIMIT)
        .expect("the job's release woke the worker");
    assert_eq!(now(&driver), start + Duration::from_secs(1));

    // A job that panics releases it too.
    let handle = pool.run(blocking_job(&driver, || panic!("a job that fails")));
    assert!(eddy_executor::block_on(handle).unwrap_err().is_panic());
    timer(&driver, start + Duration::from_secs(2), 2, &log);
    let worker = {
        let (driver, log) = (driver.clone(), log.clone());
        on_thread(move || {
            while fired(&log).len() < 2 {
                driver.park(0);
            }
        })
    };
    worker
        .recv_timeout(LIMIT)
        .expect("the panicked job's release woke the worker");
    assert_eq!(now(&driver), start + Duration::from_secs(2));
}

#[test]
fn a_job_dropped_unrun_or_run_in_place_releases_at_once() {
    let driver = paused();
    let unrun = blocking_job(&driver, || ());
    assert!(!driver.clock().can_auto_advance());
    drop(unrun);
    assert!(driver.clock().can_auto_advance());
    let inline = blocking_job(&driver, || 3);
    assert_eq!(inline(), 3);
    assert!(driver.clock().can_auto_advance());
}

#[test]
fn a_multi_threaded_runtime_s_jobs_take_no_guard() {
    let driver = Arc::new(Driver::without_io(1, Clock::new(false, false)));
    let job = blocking_job(&driver, || ());
    assert_eq!(Arc::strong_count(&driver), 1, "no reference to the driver");
    assert!(driver.clock().can_auto_advance());
    job();
}

/// A poller whose round waits until `notify`, and that claims `sources` sources. Tells
/// `entered` when a round begins.
#[derive(Debug)]
struct FakePoller {
    sources: usize,
    polling: Mutex<bool>,
    notified: std::sync::Condvar,
    entered: Mutex<Option<mpsc::Sender<()>>>,
}

impl FakePoller {
    fn new(sources: usize) -> (Arc<FakePoller>, mpsc::Receiver<()>) {
        let (tx, rx) = mpsc::channel();
        let poller = Arc::new(FakePoller {
            sources,
            polling: Mutex::new(false),
            notified: std::sync::Condvar::new(),
            entered: Mutex::new(Some(tx)),
        });
        (poller, rx)
    }
}

impl super::Poller for FakePoller {
    fn try_poll(&self, _timeout: Option<Duration>) -> Option<std::io::Result<usize>> {
        let mut polling = self.polling.lock().unwrap();
        *polling = true;
        if let Some(entered) = self.entered.lock().unwrap().take() {
            let _ = entered.send(());
        }
        while *polling {
            polling = self.notified.wait(polling).unwrap();
        }
        Some(Ok(0))
    }

    fn is_polling(&self) -> bool {
        *self.polling.lock().unwrap()
    }

    fn notify(&self) -> std::io::Result<()> {
        *self.polling.lock().unwrap() = false;
        self.notified.notify_all();
        Ok(())
    }

    fn sources(&self) -> usize {
        self.sources
    }
}

#[test]
fn a_worker_may_spin_when_no_source_needs_its_park() {
    let (poller, _entered) = FakePoller::new(0);
    let driver = Driver::with_poller(2, poller);
    assert!(
        driver.may_spin(0),
        "no sources: nothing waits on this worker's park"
    );
    assert!(
        !paused().may_spin(0),
        "a paused clock advances only in a park"
    );
}

#[test]
fn a_worker_spins_only_while_another_worker_waits_in_the_reactor() {
    let (poller, entered) = FakePoller::new(1);
    let driver = Arc::new(Driver::with_poller(2, poller));
    assert!(
        !driver.may_spin(0),
        "nobody in the reactor: this worker's park is what polls I/O"
    );
    let sleeper = driver.clone();
    let parked = on_thread(move || sleeper.park(1));
    entered
        .recv_timeout(LIMIT)
        .expect("worker 1 never entered the reactor");
    assert!(driver.may_spin(0), "worker 1 polls I/O meanwhile");
    assert!(
        !driver.may_spin(1),
        "the worker in the reactor is not another one"
    );
    driver.unpark(1);
    parked
        .recv_timeout(LIMIT)
        .expect("the unpark did not end the round");
}
