//! Loom models of the tick rule and the oneshot re-arm (`readiness.rs`): waiters doing
//! "syscall said WouldBlock, then register" race the poll round that delivers readiness.
//! In every interleaving the waiter is either ready at once or woken, and once woken it
//! becomes ready within a bounded number of rounds (no lost wakeup, no livelock).

use std::task::Poll;

use super::support::{model, thread, Flag, ModelSource};

/// After the racing threads are done, drives the model reactor as a runtime would: a woken
/// waiter polls again with `poll`, and the reactor runs rounds in between. The waiter must
/// finish within `rounds` rounds.
fn settles(source: &ModelSource, flag: &Flag, rounds: usize, mut poll: impl FnMut() -> bool) {
    for _ in 0..rounds {
        if flag.take() && poll() {
            return;
        }
        source.round();
    }
    assert!(
        flag.take(),
        "a pending waiter was never woken: a lost wakeup"
    );
    assert!(poll(), "a woken waiter never became ready");
}

/// `read_with`: a reader's read says WouldBlock and it registers, while the peer writes and
/// the reactor runs a round. A reader still pending afterwards is woken by the next round
/// at the latest, and its next read gets the byte.
#[test]
fn loom_read_racing_a_write_and_a_round_is_never_lost() {
    model(|| {
        let source = ModelSource::new();
        let (flag, waker) = Flag::new();
        let reader = thread::spawn({
            let (source, waker) = (source.clone(), waker.clone());
            move || source.poll_read(&waker).is_ready()
        });
        let poller = thread::spawn({
            let source = source.clone();
            move || source.round()
        });
        source.write();
        let done = reader.join().unwrap();
        poller.join().unwrap();
        if !done {
            settles(&source, &flag, 1, || source.poll_read(&waker).is_ready());
        }
    });
}

/// `readable()`: the waiter only asks for readiness (no read consumes it), so only the
/// tick rule tells a fresh delivery from the state at registration. It must become ready
/// within two rounds: one that may be stale for it (it registered while that round was
/// already waiting), then a fresh one; never loop for ever.
#[test]
fn loom_readable_racing_a_write_and_a_round_becomes_ready() {
    model(|| {
        let source = ModelSource::new();
        let (flag, waker) = Flag::new();
        let waiter = thread::spawn({
            let source = source.clone();
            let waker = waker.clone();
            move || source.poll_readable(&waker).is_ready()
        });
        let poller = thread::spawn({
            let source = source.clone();
            move || source.round()
        });
        source.write();
        assert!(
            !waiter.join().unwrap(),
            "the first poll of a waiter only registers"
        );
        poller.join().unwrap();
        settles(&source, &flag, 2, || {
            matches!(source.poll_readable(&waker), Poll::Ready(Ok(())))
        });
    });
}

/// Two tasks wait on the same direction (split halves, an `Arc`'d socket) while the
/// readiness is delivered: both are woken, neither replaces the other.
#[test]
fn loom_two_waiters_on_one_direction_are_both_woken() {
    model(|| {
        let source = ModelSource::new();
        let (flag_a, waker_a) = Flag::new();
        let (flag_b, waker_b) = Flag::new();
        let a = thread::spawn({
            let (source, waker) = (source.clone(), waker_a.clone());
            move || source.poll_readable(&waker).is_ready()
        });
        let b = thread::spawn({
            let (source, waker) = (source.clone(), waker_b.clone());
            move || source.poll_readable(&waker).is_ready()
        });
        source.write();
        source.round();
        assert!(!a.join().unwrap() && !b.join().unwrap());
        let ready =
            |waker: &std::task::Waker| matches!(source.poll_readable(waker), Poll::Ready(Ok(())));
        settles(&source, &flag_a, 2, || ready(&waker_a));
        settles(&source, &flag_b, 2, || ready(&waker_b));
    });
}

/// Deregistration races a waiter's registration: the waiter either gets the error at
/// once or is woken and gets it on its next poll; it never waits for ever.
#[test]
fn loom_deregister_racing_a_waiter_wakes_it_with_an_error() {
    model(|| {
        let source = ModelSource::new();
        let (flag, waker) = Flag::new();
        let waiter = thread::spawn({
            let (source, waker) = (source.clone(), waker.clone());
            move || source.poll_readable(&waker)
        });
        source.deregister();
        match waiter.join().unwrap() {
            Poll::Ready(result) => assert!(result.is_err()),
            Poll::Pending => {
                assert!(
                    flag.take(),
                    "a waiter on a deregistered source was not woken"
                );
                assert!(matches!(source.poll_readable(&waker), Poll::Ready(Err(_))));
            }
        }
    });
}
