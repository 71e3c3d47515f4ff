//! The readiness rule of `readiness.rs`, one interleaving at a time, on the type the
//! reactor uses (std's atomic, `parking_lot`'s mutex).

use std::cell::Cell;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Poll, Wake, Waker};

use parking_lot::Mutex;

use crate::readiness::{Readiness, Waiters};
use crate::Direction::{Read, Write};

type Real = Readiness<AtomicUsize, Mutex<Waiters>>;

fn readiness() -> Real {
    Readiness::new(
        [AtomicUsize::new(0), AtomicUsize::new(0)],
        Mutex::new(Waiters::default()),
    )
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

fn deliver(r: &Real, readable: bool, writable: bool) -> usize {
    let mut wakers = Vec::new();
    r.deliver(readable, writable, false, &mut wakers, None);
    let n = wakers.len();
    wakers.into_iter().for_each(Waker::wake);
    n
}

fn would_block<R>() -> io::Result<R> {
    Err(io::ErrorKind::WouldBlock.into())
}

fn not_shut_down() -> bool {
    false
}

fn waiting(r: &Real, dir: crate::Direction) -> usize {
    r.with_waiters(|w| w.len(dir))
}

#[test]
fn a_fresh_source_is_unknown_so_operations_are_tried_but_readable_waits() {
    let r = readiness();
    let seen = r.snapshot(Read);
    assert_eq!((seen.tick(), seen.is_ready()), (0, false));
    assert!(
        seen.worth_trying(),
        "the registration's edge may be in flight"
    );
    let (_flag, waker) = Flag::new();
    assert!(r.poll_ready(Read, &waker, not_shut_down, None).is_pending());
    assert!(r.poll_ready(Read, &waker, not_shut_down, None).is_pending());
    assert_eq!(waiting(&r, Read), 1, "one entry per task");
}

#[test]
fn a_delivery_sets_ready_bumps_the_tick_and_wakes_every_waiter() {
    let r = readiness();
    let (flag_a, a) = Flag::new();
    let (flag_b, b) = Flag::new();
    assert!(r.poll_ready(Read, &a, not_shut_down, None).is_pending());
    assert!(r.poll_ready(Read, &b, not_shut_down, None).is_pending());
    assert_eq!(deliver(&r, true, false), 2);
    assert!(flag_a.take() && flag_b.take());
    assert_eq!(waiting(&r, Read), 0, "delivery takes the wakers");
    let now = r.snapshot(Read);
    assert_eq!((now.tick(), now.is_ready()), (1, true));
    assert!(matches!(
        r.poll_ready(Read, &a, not_shut_down, None),
        Poll::Ready(Ok(()))
    ));
    assert!(matches!(
        r.poll_ready(Read, &b, not_shut_down, None),
        Poll::Ready(Ok(()))
    ));
    assert!(
        !r.snapshot(Write).is_ready(),
        "the other direction is untouched"
    );
}

#[test]
fn would_block_waits_and_the_next_edge_retries_the_operation() {
    let r = readiness();
    let (flag, waker) = Flag::new();
    let calls = Cell::new(0);
    let op = || {
        calls.set(calls.get() + 1);
        would_block::<()>()
    };
    assert!(r
        .poll_io(Read, &waker, not_shut_down, op, |_| false, None)
        .is_pending());
    assert_eq!((calls.get(), waiting(&r, Read)), (1, 1));
    deliver(&r, true, false);
    assert!(flag.take());
    let got = r.poll_io(Read, &waker, not_shut_down, || Ok(7), |_| false, None);
    assert!(matches!(got, Poll::Ready(Ok(7))));
}

#[test]
fn an_interrupted_operation_is_retried_at_once_not_returned() {
    let r = readiness();
    let (flag, waker) = Flag::new();
    let calls = Cell::new(0);
    // EINTR twice (a signal storm), then the answer.
    let op = || {
        calls.set(calls.get() + 1);
        if calls.get() <= 2 {
            Err(io::Error::from(io::ErrorKind::Interrupted))
        } else {
            Ok(7)
        }
    };
    let got = r.poll_io(Read, &waker, not_shut_down, op, |_| false, None);
    assert!(matches!(got, Poll::Ready(Ok(7))), "{got:?}");
    assert_eq!(calls.get(), 3);
    assert!(
        !flag.take() && waiting(&r, Read) == 0,
        "no wait for an edge"
    );
    // An interruption before a `WouldBlock` still waits for the next edge.
    calls.set(1);
    let op = || {
        calls.set(calls.get() + 1);
        if calls.get() == 2 {
            Err(io::Error::from(io::ErrorKind::Interrupted))
        } else {
            would_block::<()>()
        }
    };
    assert!(r
        .poll_io(Read, &waker, not_shut_down, op, |_| false, None)
        .is_pending());
    assert_eq!((calls.get(), waiting(&r, Read)), (3, 1));
}

#[test]
fn a_cleared_direction_waits_without_a_syscall() {
    let r = readiness();
    let (_flag, waker) = Flag::new();
    deliver(&r, true, false);
    let calls = Cell::new(0);
    let op = || {
        calls.set(calls.get() + 1);
        would_block::<()>()
    };
    assert!(r
        .poll_io(Read, &waker, not_shut_down, op, |_| false, None)
        .is_pending());
    assert!(!r.snapshot(Read).is_ready(), "WouldBlock cleared it");
    assert!(r
        .poll_io(Read, &waker, not_shut_down, op, |_| false, None)
        .is_pending());
    assert_eq!(calls.get(), 1, "known not ready: no second syscall");
    assert_eq!(waiting(&r, Read), 1);
}

#[test]
fn an_edge_between_the_load_and_would_block_is_not_cleared_and_retries() {
    let r = readiness();
    let (flag, waker) = Flag::new();
    deliver(&r, true, false);
    let calls = Cell::new(0);
    // The first attempt races a delivery: data arrived after the syscall looked.
    let op = || {
        calls.set(calls.get() + 1);
        if calls.get() == 1 {
            deliver(&r, true, false);
            would_block()
        } else {
            Ok(calls.get())
        }
    };
    let got = r.poll_io(Read, &waker, not_shut_down, op, |_| false, None);
    assert!(matches!(got, Poll::Ready(Ok(2))), "retried, not parked");
    assert!(r.snapshot(Read).is_ready(), "the newer edge was not erased");
    assert!(!flag.take());
}

#[test]
fn clear_only_erases_the_tick_it_saw() {
    let r = readiness();
    deliver(&r, true, false);
    let old = r.snapshot(Read);
    deliver(&r, true, false);
    r.clear(Read, old);
    assert!(r.snapshot(Read).is_ready(), "an edge came after `old`");
    r.clear(Read, r.snapshot(Read));
    assert!(!r.snapshot(Read).is_ready());
    assert_eq!(r.snapshot(Read).tick(), 2, "clearing keeps the tick");
}

#[test]
fn a_short_transfer_clears_readiness_a_full_or_empty_one_does_not() {
    let r = readiness();
    let (_flag, waker) = Flag::new();
    deliver(&r, true, false);
    let short = |&n: &usize| n > 0 && n < 64;
    let got = r.poll_io(Read, &waker, not_shut_down, || Ok(10), short, None);
    assert!(matches!(got, Poll::Ready(Ok(10))));
    assert!(
        !r.snapshot(Read).is_ready(),
        "short: drained (or, for writes, filled)"
    );
    deliver(&r, true, false);
    let got = r.poll_io(Read, &waker, not_shut_down, || Ok(64), short, None);
    assert!(matches!(got, Poll::Ready(Ok(64))));
    assert!(
        r.snapshot(Read).is_ready(),
        "a full transfer may leave more"
    );
    let got = r.poll_io(Read, &waker, not_shut_down, || Ok(0), short, None);
    assert!(matches!(got, Poll::Ready(Ok(0))));
    assert!(r.snapshot(Read).is_ready(), "zero bytes proves nothing");
}

#[test]
fn try_io_would_block_clears_a_spurious_readable() {
    let r = readiness();
    let (_flag, waker) = Flag::new();
    deliver(&r, true, false);
    // The data was taken around the reactor: readable() is spuriously ready.
    assert!(matches!(
        r.poll_ready(Read, &waker, not_shut_down, None),
        Poll::Ready(Ok(()))
    ));
    assert!(r.try_io(Read, would_block::<()>).is_err());
    assert!(r.poll_ready(Read, &waker, not_shut_down, None).is_pending());
    assert!(r.try_io(Read, || Ok(1)).is_ok());
}

#[test]
fn errors_and_hangups_wake_both_directions() {
    let r = readiness();
    let (read_flag, reader) = Flag::new();
    let (write_flag, writer) = Flag::new();
    assert!(r
        .poll_ready(Read, &reader, not_shut_down, None)
        .is_pending());
    assert!(r
        .poll_ready(Write, &writer, not_shut_down, None)
        .is_pending());
    assert_eq!(deliver(&r, true, true), 2);
    assert!(read_flag.take() && write_flag.take());
}

#[test]
fn an_edge_for_one_direction_leaves_the_other_waiting() {
    let r = readiness();
    let (_reader, reader) = Flag::new();
    let (writer_flag, writer) = Flag::new();
    assert!(r
        .poll_ready(Read, &reader, not_shut_down, None)
        .is_pending());
    assert!(r
        .poll_ready(Write, &writer, not_shut_down, None)
        .is_pending());
    assert_eq!(deliver(&r, true, false), 1);
    assert!(!writer_flag.take());
    assert_eq!(waiting(&r, Write), 1);
}

#[test]
fn a_dropped_waiters_entry_goes_at_the_next_delivery() {
    let r = readiness();
    let (_gone, gone) = Flag::new();
    assert!(r.poll_ready(Read, &gone, not_shut_down, None).is_pending());
    // `gone`'s future is dropped; the next edge takes (and wakes) its entry.
    assert_eq!(deliver(&r, true, false), 1);
    assert_eq!(waiting(&r, Read), 0);
    assert_eq!(deliver(&r, true, false), 0);
}

#[test]
fn deregistering_wakes_waiters_and_every_later_wait_fails() {
    let r = readiness();
    let (flag, waker) = Flag::new();
    deliver(&r, true, false);
    assert!(r
        .poll_ready(Write, &waker, not_shut_down, None)
        .is_pending());
    let mut wakers = Vec::new();
    assert!(r.deregister(&mut wakers));
    assert!(!r.deregister(&mut Vec::new()), "only once");
    wakers.into_iter().for_each(Waker::wake);
    assert!(flag.take());
    for dir in [Read, Write] {
        // Even the read direction, whose ready bit was set.
        let error = match r.poll_ready(dir, &waker, not_shut_down, None) {
            Poll::Ready(Err(error)) => error,
            other => panic!("expected the deregistered error, got {other:?}"),
        };
        assert_eq!(error.kind(), io::ErrorKind::Other);
        assert!(error.to_string().contains("deregistered"));
    }
    let got = r.poll_io(
        Read,
        &waker,
        not_shut_down,
        would_block::<()>,
        |_| false,
        None,
    );
    assert!(matches!(got, Poll::Ready(Err(_))));
    assert_eq!(deliver(&r, true, true), 0, "nothing delivered after");
}

#[test]
fn shutdown_wakes_waiters_and_their_next_wait_fails() {
    let r = readiness();
    let (flag, waker) = Flag::new();
    assert!(r.poll_ready(Read, &waker, not_shut_down, None).is_pending());
    let mut wakers = Vec::new();
    r.shutdown(&mut wakers);
    wakers.into_iter().for_each(Waker::wake);
    assert!(flag.take());
    let got = r.poll_io(Read, &waker, || true, would_block::<()>, |_| false, None);
    match got {
        Poll::Ready(Err(error)) => assert!(error.to_string().contains("shut down")),
        other => panic!("expected the shutdown error, got {other:?}"),
    }
}
