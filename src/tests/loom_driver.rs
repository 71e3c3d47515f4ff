//! The driver's reactor hand-off protocol (`src/runtime/driver/park.rs`): one idle worker
//! waits in the reactor, the others on their parkers; a worker that leaves the reactor,
//! or a busy worker's zero-timeout poll, must never leave I/O with nobody waiting in it;
//! an unpark is never lost wherever its worker sleeps.
//!
//! The driver runs unchanged on [`FakePoller`], a model of `eddy_reactor::Reactor`'s
//! round lock and sticky notification. Workers park until the model has seen what it
//! requires; if the protocol leaves nobody in the reactor, every thread ends up blocked
//! and loom reports the deadlock.
//!
//! Two models check the hand-off of a notification: the reactor's notification is not
//! addressed to a worker, so a round other than the unparked worker's (another idle
//! worker's wait, or a busy worker's zero-timeout poll) can consume it while that worker
//! is between its token check and its own round. They found that lost wakeup; the round
//! that ended now notifies again when it sees another worker announced in the reactor.

use std::io;
use std::time::Duration;

use eddy_executor::park::Park;
use eddy_test_support::model;

use crate::loom::atomic::{AtomicBool, Ordering};
use crate::loom::sync::{Condvar, Mutex};
use crate::loom::thread;
use crate::runtime::driver::{Driver, Poller};

/// A fake reactor.
///
/// - The round is parking_lot's lock word in `Reactor`: `try_poll` takes it with an
///   Acquire CAS and releases it with a Release store, `is_polling` loads it Relaxed (as
///   `parking_lot::Mutex::{try_lock, is_locked}` do). A loom mutex could not report
///   "held" without a `try_lock` probe, which would itself make a racing `try_poll` fail.
/// - A round with a non-zero or no timeout waits until notified and consumes the
///   notification (under loom a timeout is ignored, as `Parker::park_timeout` ignores
///   it: the protocol must never rely on it). A zero-timeout round returns at once, and
///   consumes a pending notification too: `polling::Poller::wait` clears the eventfd
///   after every `epoll_wait`, whatever the timeout.
/// - `notify` is sticky: it ends the current wait or the next round's. A failing one
///   ([`Notify`]) returns an error; in the model of the real reactor it still ends the
///   wait, later (the reactor's backstop and cap: loom has no time, so "later" is just
///   some other interleaving); in the other it ends nothing, as if there were no backstop.
#[derive(Debug)]
struct FakePoller {
    round: AtomicBool,
    state: Mutex<State>,
    /// Signalled on every notify and every entry into the wait.
    changed: Condvar,
    notify: Notify,
    /// What `sources` reports.
    sources: usize,
}

/// How the fake's `notify` behaves.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Notify {
    /// It works.
    Works,
    /// It fails, and the wait ends anyway, later: the real reactor's backstop.
    FailsLate,
    /// It fails and ends nothing: only another path (a worker woken on its parker) helps.
    /// Only a plain test uses it.
    #[cfg_attr(eddy_loom, allow(dead_code))]
    FailsForGood,
}

#[derive(Debug, Default)]
struct State {
    notified: bool,
    /// How many rounds have entered the blocking wait.
    waits: usize,
}

impl FakePoller {
    fn new() -> FakePoller {
        FakePoller::with_notify(Notify::Works)
    }

    fn with_notify(notify: Notify) -> FakePoller {
        FakePoller {
            round: AtomicBool::new(false),
            state: Mutex::new(State::default()),
            changed: Condvar::default(),
            notify,
            sources: 1,
        }
    }

    /// Ends the current wait, or the next round's, whatever `notify` does.
    fn release(&self) {
        self.state.lock().notified = true;
        self.changed.notify_all();
    }

    /// Blocks until at least `n` rounds have entered the wait: someone is (or was) in the
    /// reactor. A protocol that leaves nobody there deadlocks the model here.
    fn wait_for_waits(&self, n: usize) {
        let mut state = self.state.lock();
        while state.waits < n {
            state = self.changed.wait(state);
        }
    }
}

impl Poller for FakePoller {
    fn try_poll(&self, timeout: Option<Duration>) -> Option<io::Result<usize>> {
        if self
            .round
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            return None;
        }
        let mut state = self.state.lock();
        if timeout != Some(Duration::ZERO) {
            state.waits += 1;
            self.changed.notify_all();
            while !state.notified {
                state = self.changed.wait(state);
            }
        }
        state.notified = false;
        drop(state);
        self.round.store(false, Ordering::Release);
        Some(Ok(0))
    }

    fn is_polling(&self) -> bool {
        self.round.load(Ordering::Relaxed)
    }

    fn notify(&self) -> io::Result<()> {
        match self.notify {
            Notify::Works => {
                self.release();
                Ok(())
            }
            Notify::FailsLate => {
                self.release();
                Err(io::Error::from(io::ErrorKind::Other))
            }
            Notify::FailsForGood => Err(io::Error::from(io::ErrorKind::Other)),
        }
    }

    fn sources(&self) -> usize {
        // Normally a registered socket: busy workers' `maintain` polls.
        self.sources
    }
}

/// A driver for `workers` workers on a fresh fake poller.
fn driver(workers: usize) -> (std::sync::Arc<Driver>, std::sync::Arc<FakePoller>) {
    driver_on(workers, FakePoller::new())
}

/// A driver for `workers` workers on `poller`.
fn driver_on(
    workers: usize,
    poller: FakePoller,
) -> (std::sync::Arc<Driver>, std::sync::Arc<FakePoller>) {
    let poller = std::sync::Arc::new(poller);
    let driver = std::sync::Arc::new(Driver::with_poller(workers, poller.clone()));
    (driver, poller)
}

/// An idle worker: parks again whenever its park returns (as the executor's loop does
/// when it finds nothing to run), until `done`.
fn idle_worker(
    driver: &std::sync::Arc<Driver>,
    done: &std::sync::Arc<AtomicBool>,
    worker: usize,
) -> thread::JoinHandle<()> {
    let driver = driver.clone();
    let done = done.clone();
    thread::spawn(move || {
        while !done.load(Ordering::SeqCst) {
            driver.park(worker);
        }
    })
}

/// Ends idle worker `worker`: sets `done`, then unparks it (which makes its current or
/// next park return), and joins it.
fn finish(driver: &Driver, done: &AtomicBool, worker: usize, handle: thread::JoinHandle<()>) {
    done.store(true, Ordering::SeqCst);
    driver.unpark(worker);
    handle.join().unwrap();
}

/// The review's race: worker 0, busy, runs `maintain`'s zero-timeout poll while worker 1
/// goes idle. Worker 1 may lose the `try_poll` race to that brief hold and settle for its
/// parker; then either its re-check sees the reactor free, or worker 0's cover (after
/// releasing the round) sees it on its parker and wakes it. Either way worker 1 ends up
/// waiting in the reactor; a missing re-check or cover leaves it on its parker with
/// nobody in the reactor, and the model deadlocks.
#[test]
fn loom_a_busy_workers_poll_never_leaves_the_reactor_empty() {
    model(|| {
        let (driver, poller) = driver(2);
        let done = std::sync::Arc::new(AtomicBool::new(false));
        let busy = {
            let driver = driver.clone();
            thread::spawn(move || driver.maintain(0))
        };
        let idle = idle_worker(&driver, &done, 1);
        poller.wait_for_waits(1);
        busy.join().unwrap();
        finish(&driver, &done, 1, idle);
    });
}

/// Leaving the reactor, it is taken over: worker 0 waits in the reactor, worker 1 goes
/// idle (on its parker, the reactor being taken, or later), then new work unparks worker
/// 0, which leaves to run it and may stay busy. Worker 1 must take the reactor once its
/// park returns: at its hostage check's timeout in a real run (loom's `park_timeout`
/// never times out, so the model returns it with a spurious unpark), or at once if it
/// found the reactor free. A worker that settled for its parker and then, woken, did not
/// try the reactor again would leave it empty, and the model deadlocks.
#[test]
fn loom_a_parked_worker_takes_over_the_reactor_a_busy_one_left() {
    model(|| {
        let (driver, poller) = driver(2);
        let done = std::sync::Arc::new(AtomicBool::new(false));
        let first = {
            let driver = driver.clone();
            // One park: after it, worker 0 runs its new work (for ever, as far as the
            // model knows).
            thread::spawn(move || driver.park(0))
        };
        poller.wait_for_waits(1);
        let second = idle_worker(&driver, &done, 1);
        driver.unpark(0);
        first.join().unwrap();
        // Worker 1's hostage check expires.
        driver.unpark(1);
        poller.wait_for_waits(2);
        finish(&driver, &done, 1, second);
    });
}

/// An unpark racing the only worker's park: the worker either sees the token before
/// waiting or is in (or about to enter) the reactor and gets notified. Its park returns.
#[test]
fn loom_unpark_is_never_lost_in_the_reactor() {
    model(|| {
        let (driver, _poller) = driver(1);
        let worker = {
            let driver = driver.clone();
            thread::spawn(move || driver.park(0))
        };
        driver.unpark(0);
        worker.join().unwrap();
    });
}

/// An unpark racing a worker's park while worker 1 waits in the reactor: worker 0 should
/// find the token, or settle for its parker (where the token wakes it), or be notified in
/// the reactor. Its park must return.
///
/// Fails today: worker 0 announces `IN_REACTOR` and finds no token; the unpark leaves the
/// token and, seeing `IN_REACTOR`, notifies the reactor, but the round that takes the
/// notification is worker 1's (the reactor's notification is not addressed to a worker).
/// Worker 1 leaves (its park returns, spuriously), its cover sees worker 0 `IN_REACTOR`
/// and wakes nobody, and worker 0 takes the free round and waits with its token unseen,
/// until the next I/O event or unpark. Run with `--ignored`.
#[test]
fn loom_unpark_is_never_lost_while_another_worker_is_in_the_reactor() {
    model(|| {
        let (driver, poller) = driver(2);
        let holder = {
            let driver = driver.clone();
            thread::spawn(move || driver.park(1))
        };
        poller.wait_for_waits(1);
        let worker = {
            let driver = driver.clone();
            thread::spawn(move || driver.park(0))
        };
        driver.unpark(0);
        worker.join().unwrap();
        driver.unpark(1);
        holder.join().unwrap();
    });
}

/// An unpark racing the only idle worker's park while a busy worker runs `maintain`'s
/// zero-timeout poll: the busy poll may consume the notification meant for the idle
/// worker's wait, as the real poller's does (`polling` clears its eventfd after every
/// `epoll_wait`, whatever the timeout).
///
/// Fails today: worker 0 announces `IN_REACTOR` and finds no token; the unpark leaves the
/// token and notifies; worker 1's zero-timeout round eats the notification and, seeing
/// worker 0 `IN_REACTOR`, covers nothing; worker 0 then waits in the reactor with its
/// token unseen until the next I/O event or unpark. Run with `--ignored`.
#[test]
fn loom_unpark_is_never_lost_to_a_busy_workers_poll() {
    model(|| {
        let (driver, _poller) = driver(2);
        let busy = {
            let driver = driver.clone();
            thread::spawn(move || driver.maintain(1))
        };
        let worker = {
            let driver = driver.clone();
            thread::spawn(move || driver.park(0))
        };
        driver.unpark(0);
        worker.join().unwrap();
        busy.join().unwrap();
    });
}

/// The notification fails while worker 1 waits in the reactor and worker 0 parks: the
/// unpark of worker 1 then also wakes worker 0 if it sleeps on its parker (park.rs: a
/// notification that fails), and worker 1's wait ends later, as the real reactor's
/// backstop ends it. Neither park may be lost, and the extra wake must not leave the
/// reactor empty or deadlock the protocol.
#[test]
fn loom_unpark_is_never_lost_when_notify_fails() {
    model(|| {
        let (driver, _poller) = driver_on(2, FakePoller::with_notify(Notify::FailsLate));
        let holder = {
            let driver = driver.clone();
            thread::spawn(move || driver.park(1))
        };
        let worker = {
            let driver = driver.clone();
            thread::spawn(move || driver.park(0))
        };
        driver.unpark(1);
        holder.join().unwrap();
        driver.unpark(0);
        worker.join().unwrap();
    });
}

/// With no backstop at all (the fake's failed notify ends nothing), the unpark of the
/// worker waiting in the reactor wakes the worker asleep on its parker, so the work it
/// announced runs at once. Without that, worker 0 would sleep until its own unpark (no
/// sources: no hostage check either) and the test would time out. A plain test: it needs
/// worker 0 to be on its parker first.
#[cfg(not(eddy_loom))]
#[test]
fn a_failed_notify_wakes_a_worker_asleep_on_its_parker() {
    let poller = FakePoller {
        sources: 0,
        ..FakePoller::with_notify(Notify::FailsForGood)
    };
    let (driver, poller) = driver_on(2, poller);
    let holder = {
        let driver = driver.clone();
        thread::spawn(move || driver.park(1))
    };
    poller.wait_for_waits(1);
    let (parked_tx, parked_rx) = std::sync::mpsc::channel();
    let worker = {
        let driver = driver.clone();
        thread::spawn(move || {
            driver.park(0);
            parked_tx.send(()).unwrap();
        })
    };
    while !driver.is_on_parker(0) {
        std::thread::yield_now();
    }
    driver.unpark(1);
    parked_rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the worker on its parker was not woken when notify failed");
    worker.join().unwrap();
    poller.release();
    holder.join().unwrap();
}
