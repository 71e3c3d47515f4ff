//! The poll round itself: notify, one poller at a time, timeouts.

mod common;

use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use common::{within_timeout, HANG};
use eddy_reactor::Reactor;

#[test]
fn notify_wakes_a_poll_blocked_in_another_thread() {
    within_timeout(|| {
        let reactor = Arc::new(common::reactor());
        let poller = spawn_blocking_poller(&reactor);
        blocked_in_poll(&reactor);
        reactor.notify().unwrap();
        assert_eq!(poller.join().unwrap().unwrap(), 0);
    });
}

#[test]
fn a_second_poller_returns_at_once_while_one_is_blocked() {
    within_timeout(|| {
        let reactor = Arc::new(common::reactor());
        let poller = spawn_blocking_poller(&reactor);
        blocked_in_poll(&reactor);
        let start = Instant::now();
        assert_eq!(reactor.poll(Some(HANG)).unwrap(), 0);
        assert!(
            reactor.try_poll(None).is_none(),
            "try_poll tells that someone else polls"
        );
        // Far less than the timeout it was given: it never waited.
        assert!(start.elapsed() < HANG / 2, "the second poller waited");
        reactor.notify().unwrap();
        assert_eq!(poller.join().unwrap().unwrap(), 0);
    });
}

#[test]
fn a_notify_before_the_poll_is_kept_for_it() {
    within_timeout(|| {
        let reactor = common::reactor();
        reactor.notify().unwrap();
        reactor.notify().unwrap();
        assert_eq!(reactor.poll(None).unwrap(), 0);
        // Deduplicated: both notifications were used up by that one round.
        let start = Instant::now();
        assert_eq!(reactor.poll(Some(Duration::from_millis(20))).unwrap(), 0);
        assert!(
            start.elapsed() >= Duration::from_millis(15),
            "a second round was woken too"
        );
    });
}

#[test]
fn a_zero_timeout_does_not_block() {
    within_timeout(|| {
        let reactor = common::reactor();
        assert_eq!(reactor.poll(Some(Duration::ZERO)).unwrap(), 0);
        assert_eq!(reactor.try_poll(Some(Duration::ZERO)).unwrap().unwrap(), 0);
    });
}

/// A thread blocked in `poll(None)`: it retries while the test thread's probing round
/// holds the poller (a plain `poll` would return `Ok(0)` at once then).
fn spawn_blocking_poller(reactor: &Arc<Reactor>) -> thread::JoinHandle<std::io::Result<usize>> {
    let reactor = reactor.clone();
    thread::spawn(move || loop {
        if let Some(result) = reactor.try_poll(None) {
            return result;
        }
        thread::yield_now();
    })
}

/// Returns once another thread holds the poller, i.e. `try_poll` is refused: spins with a
/// yield (bounded by the test's hang guard), never sleeps and hopes.
fn blocked_in_poll(reactor: &Reactor) {
    // A refused `try_poll` means the other thread holds the round lock; it releases it only
    // after its wait ends, which needs a notify (we have sent none) or an event (there are
    // no sources), so it is inside `Poller::wait` or about to enter it, where a later notify
    // still reaches it.
    while reactor.try_poll(Some(Duration::ZERO)).is_some() {
        thread::yield_now();
    }
}

/// A timeout below a millisecond is honoured, never cut short: the poller's wait takes a
/// nanosecond timeout (`epoll_pwait2`), or rounds up to the next millisecond.
#[test]
fn a_sub_millisecond_timeout_is_never_early() {
    let reactor = common::reactor();
    for micros in [1, 50, 300, 900, 1_500] {
        let timeout = Duration::from_micros(micros);
        let start = Instant::now();
        assert_eq!(reactor.poll(Some(timeout)).unwrap(), 0);
        assert!(
            start.elapsed() >= timeout,
            "a {timeout:?} wait returned after {:?}",
            start.elapsed()
        );
    }
}
