//! The tick rule and the re-arm decisions of `readiness.rs`, one interleaving at a time.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Poll, Wake, Waker};

use crate::readiness::{self, Interest, SourceState};
use crate::Direction::{self, Read, Write};

/// A source's state plus a log of the interest each `arm` call set.
#[derive(Default)]
struct Harness {
    state: SourceState,
    armed: Vec<Interest>,
    fail_arm: bool,
}

const READ: Interest = Interest {
    read: true,
    write: false,
};
const WRITE: Interest = Interest {
    read: false,
    write: true,
};
const BOTH: Interest = Interest {
    read: true,
    write: true,
};

impl Harness {
    fn poll(&mut self, dir: Direction, reactor_tick: usize, waker: &Waker) -> Poll<io::Result<()>> {
        let (armed, fail) = (&mut self.armed, self.fail_arm);
        readiness::poll_ready_locked(&mut self.state, dir, reactor_tick, waker, |interest| {
            armed.push(interest);
            if fail {
                Err(io::Error::from_raw_os_error(libc::EBADF))
            } else {
                Ok(())
            }
        })
    }

    fn is_ready(&mut self, dir: Direction, reactor_tick: usize, waker: &Waker) -> bool {
        matches!(self.poll(dir, reactor_tick, waker), Poll::Ready(Ok(())))
    }

    fn deliver(&mut self, tick: usize, readable: bool, writable: bool) -> Vec<Waker> {
        let mut wakers = Vec::new();
        let (armed, fail) = (&mut self.armed, self.fail_arm);
        readiness::deliver_locked(
            &mut self.state,
            tick,
            readable,
            writable,
            &mut wakers,
            |interest| {
                armed.push(interest);
                if fail {
                    Err(io::Error::from_raw_os_error(libc::EBADF))
                } else {
                    Ok(())
                }
            },
        );
        wakers
    }
}

/// A waker that records a wake (std's atomic: these tests run outside loom even under the
/// cfg; the models use `support::Flag`).
struct Flag(AtomicBool);

impl Flag {
    fn new() -> (Arc<Flag>, Waker) {
        let flag = Arc::new(Flag(AtomicBool::new(false)));
        (flag.clone(), Waker::from(flag))
    }

    fn take(&self) -> bool {
        self.0.swap(false, SeqCst)
    }
}

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, SeqCst);
    }
}

fn wake_all(wakers: Vec<Waker>) {
    wakers.into_iter().for_each(Waker::wake);
}

#[test]
fn the_first_waiter_arms_its_direction_once() {
    let mut h = Harness::default();
    let (_flag, waker) = Flag::new();
    assert!(h.poll(Read, 0, &waker).is_pending());
    assert!(h.poll(Read, 0, &waker).is_pending());
    assert_eq!(h.armed, [READ], "armed once, not on every poll");
    assert_eq!(h.state.direction(Read).len(), 1, "one entry per task");
}

#[test]
fn a_delivery_after_registration_wakes_and_makes_ready() {
    let mut h = Harness::default();
    let (flag, waker) = Flag::new();
    assert!(h.poll(Read, 3, &waker).is_pending());
    wake_all(h.deliver(4, true, false));
    assert!(flag.take());
    assert!(h.is_ready(Read, 4, &waker));
    assert_eq!(h.state.direction(Read).len(), 0, "ready consumes the entry");
    assert_eq!(h.armed, [READ], "no waiter left: nothing re-armed");
}

#[test]
fn a_delivery_from_the_round_in_progress_at_registration_is_stale() {
    let mut h = Harness::default();
    let (flag, waker) = Flag::new();
    // Round 7 had begun waiting when the waiter registered: its event may predate the
    // waiter's WouldBlock.
    assert!(h.poll(Read, 7, &waker).is_pending());
    wake_all(h.deliver(7, true, false));
    assert!(flag.take(), "woken all the same: the task re-polls");
    assert!(h.poll(Read, 7, &waker).is_pending(), "but not ready");
    assert_eq!(
        h.armed,
        [READ, READ],
        "and the oneshot interest is armed again"
    );
    wake_all(h.deliver(8, true, false));
    assert!(flag.take());
    assert!(h.is_ready(Read, 8, &waker));
}

#[test]
fn readiness_seen_before_registration_does_not_count() {
    let mut h = Harness::default();
    let (_early, early) = Flag::new();
    let (_late, late) = Flag::new();
    assert!(h.poll(Read, 0, &early).is_pending());
    h.deliver(1, true, false);
    // Registered after round 1 ended (tick 1, direction tick 1): round 1 is old news.
    assert!(h.poll(Read, 1, &late).is_pending());
    assert!(h.is_ready(Read, 1, &early));
    assert!(h.poll(Read, 1, &late).is_pending());
}

#[test]
fn two_waiters_on_one_direction_are_both_woken() {
    let mut h = Harness::default();
    let (flag_a, a) = Flag::new();
    let (flag_b, b) = Flag::new();
    assert!(h.poll(Read, 0, &a).is_pending());
    assert!(h.poll(Read, 0, &b).is_pending());
    assert_eq!(
        h.armed,
        [READ],
        "the second waiter finds the direction armed"
    );
    let wakers = h.deliver(1, true, false);
    assert_eq!(wakers.len(), 2);
    wake_all(wakers);
    assert!(flag_a.take() && flag_b.take());
    assert!(h.is_ready(Read, 1, &a) && h.is_ready(Read, 1, &b));
}

#[test]
fn a_read_event_re_arms_the_waiting_writer_only() {
    let mut h = Harness::default();
    let (_reader, reader) = Flag::new();
    let (writer_flag, writer) = Flag::new();
    assert!(h.poll(Read, 0, &reader).is_pending());
    assert!(h.poll(Write, 0, &writer).is_pending());
    assert_eq!(h.armed, [READ, BOTH]);
    let wakers = h.deliver(1, true, false);
    assert_eq!(wakers.len(), 1);
    assert_eq!(
        h.armed,
        [READ, BOTH, WRITE],
        "oneshot disarmed both; the writer waits on"
    );
    assert!(!writer_flag.take());
}

#[test]
fn errors_and_hangups_wake_both_directions() {
    let mut h = Harness::default();
    let (read_flag, reader) = Flag::new();
    let (write_flag, writer) = Flag::new();
    assert!(h.poll(Read, 0, &reader).is_pending());
    assert!(h.poll(Write, 0, &writer).is_pending());
    wake_all(h.deliver(1, true, true));
    assert!(read_flag.take() && write_flag.take());
    assert!(h.is_ready(Read, 1, &reader) && h.is_ready(Write, 1, &writer));
}

#[test]
fn a_waiter_never_polled_after_its_wake_is_dropped_at_the_next_delivery() {
    let mut h = Harness::default();
    let (_gone, gone) = Flag::new();
    let (_stays, stays) = Flag::new();
    assert!(h.poll(Read, 0, &gone).is_pending());
    h.deliver(1, true, false);
    // `gone`'s task went away; `stays` keeps waiting and arms the direction again.
    assert!(h.poll(Read, 1, &stays).is_pending());
    assert_eq!(h.state.direction(Read).len(), 2);
    let wakers = h.deliver(2, true, false);
    assert_eq!(wakers.len(), 1, "only the waiting waiter is woken");
    assert_eq!(h.state.direction(Read).len(), 1, "the stale entry is gone");
    // Had it come back after all, it registers afresh rather than being lost.
    assert!(h.poll(Read, 2, &gone).is_pending());
}

#[test]
fn a_failed_arm_returns_the_error_and_forgets_the_waiter() {
    let mut h = Harness {
        fail_arm: true,
        ..Harness::default()
    };
    let (_flag, waker) = Flag::new();
    let error = match h.poll(Read, 0, &waker) {
        Poll::Ready(Err(error)) => error,
        other => panic!("expected the arm error, got {other:?}"),
    };
    assert_eq!(error.raw_os_error(), Some(libc::EBADF));
    assert_eq!(h.state.direction(Read).len(), 0);
}

#[test]
fn a_failed_re_arm_wakes_every_waiter() {
    let mut h = Harness::default();
    let (read_flag, reader) = Flag::new();
    let (write_flag, writer) = Flag::new();
    assert!(h.poll(Read, 0, &reader).is_pending());
    assert!(h.poll(Write, 0, &writer).is_pending());
    h.fail_arm = true;
    wake_all(h.deliver(1, true, false));
    assert!(read_flag.take(), "the delivered direction");
    assert!(write_flag.take(), "and the one that could not be re-armed");
    // The writer re-polls, tries to arm, and gets the error.
    assert!(matches!(h.poll(Write, 1, &writer), Poll::Ready(Err(_))));
}

#[test]
fn deregistering_wakes_waiters_and_every_later_poll_fails() {
    let mut h = Harness::default();
    let (flag, waker) = Flag::new();
    assert!(h.poll(Read, 0, &waker).is_pending());
    let mut wakers = Vec::new();
    assert!(readiness::deregister_locked(&mut h.state, &mut wakers));
    assert!(
        !readiness::deregister_locked(&mut h.state, &mut Vec::new()),
        "only once"
    );
    wake_all(wakers);
    assert!(flag.take());
    let error = match h.poll(Read, 0, &waker) {
        Poll::Ready(Err(error)) => error,
        other => panic!("expected the deregistered error, got {other:?}"),
    };
    assert_eq!(error.kind(), io::ErrorKind::Other);
    assert!(error.to_string().contains("deregistered"));
    assert!(h.deliver(1, true, true).is_empty());
    assert_eq!(h.armed, [READ], "nothing armed after deregistration");
}
