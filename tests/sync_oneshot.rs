//! oneshot: a closed receiver is done at once, both halves let go of their wakers, the
//! cooperative budget, and wakers that re-enter the channel.

mod support;
mod sync_hooks;
mod sync_util;

use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use eddy::sync::oneshot::{self, error::RecvError, error::TryRecvError};
use support::{with_timeout, LIMIT};
use sync_hooks::{poll_with, spin_yields_to_other_tasks, waker_on_drop, with_budget_spent};
use sync_util::Task;

/// A flag and a waker that raises it when its last clone is dropped.
fn flagged_waker() -> (Arc<AtomicBool>, Waker) {
    let flag = Arc::new(AtomicBool::new(false));
    let raised = flag.clone();
    (flag, waker_on_drop(move || raised.store(true, SeqCst)))
}

// ---- close ----------------------------------------------------------------------------

#[test]
fn a_closed_receiver_without_a_value_is_ready_with_an_error() {
    let (tx, mut rx) = oneshot::channel::<u8>();
    rx.close();
    let mut recv = Task::new(rx);
    assert_eq!(recv.ready(), Err(RecvError(())));
    assert!(tx.is_closed());
}

#[test]
fn a_receiver_closed_while_waiting_is_ready_with_an_error() {
    let (tx, mut rx) = oneshot::channel::<u8>();
    Task::new(&mut rx).pending();
    rx.close();
    assert_eq!(Task::new(rx).ready(), Err(RecvError(())));
    assert_eq!(tx.send(1), Err(1));
}

#[test]
fn try_recv_after_close_says_closed() {
    let (tx, mut rx) = oneshot::channel::<u8>();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    rx.close();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    assert_eq!(tx.send(1), Err(1));
}

#[test]
fn a_value_sent_before_close_is_still_received() {
    let (tx, mut rx) = oneshot::channel();
    tx.send(5).unwrap();
    rx.close();
    assert_eq!(Task::new(rx).ready(), Ok(5));
}

// ---- wakers ---------------------------------------------------------------------------

#[test]
fn dropping_the_receiver_drops_the_waker_it_registered() {
    let (tx, mut rx) = oneshot::channel::<u8>();
    let (dropped, waker) = flagged_waker();
    assert!(poll_with(pin!(&mut rx), &waker).is_pending());
    drop(waker);
    assert!(
        !dropped.load(SeqCst),
        "the channel keeps the waiting receiver's waker"
    );
    drop(rx);
    assert!(
        dropped.load(SeqCst),
        "the receiver's drop let go of its waker"
    );
    drop(tx);
}

#[test]
fn a_sender_that_sends_drops_the_waker_of_its_closed_wait() {
    let (mut tx, rx) = oneshot::channel();
    let (dropped, waker) = flagged_waker();
    assert!(tx
        .poll_closed(&mut Context::from_waker(&waker))
        .is_pending());
    drop(waker);
    tx.send(1).unwrap();
    assert!(dropped.load(SeqCst), "send let go of the sender's waker");
    drop(rx);
}

#[test]
fn a_replaced_receiver_waker_that_drops_the_sender_does_not_deadlock() {
    with_timeout(LIMIT, || {
        let (tx, mut rx) = oneshot::channel::<u8>();
        let first = waker_on_drop(move || drop(tx));
        assert!(poll_with(pin!(&mut rx), &first).is_pending());
        drop(first);
        // Displaces (and so drops) the first waker, whose drop drops the sender.
        let _ = poll_with(pin!(&mut rx), Waker::noop());
        assert_eq!(
            poll_with(pin!(&mut rx), Waker::noop()),
            Poll::Ready(Err(RecvError(())))
        );
    });
}

#[test]
fn a_replaced_closed_waker_that_drops_the_receiver_does_not_deadlock() {
    with_timeout(LIMIT, || {
        let (mut tx, rx) = oneshot::channel::<u8>();
        let first = waker_on_drop(move || drop(rx));
        assert!(tx
            .poll_closed(&mut Context::from_waker(&first))
            .is_pending());
        drop(first);
        let noop = &mut Context::from_waker(Waker::noop());
        // Displaces (and so drops) the first waker, whose drop drops the receiver.
        let _ = tx.poll_closed(noop);
        assert_eq!(tx.poll_closed(noop), Poll::Ready(()));
    });
}

// ---- cooperative budget ---------------------------------------------------------------

#[test]
fn a_loop_of_ready_receives_yields_to_other_tasks() {
    spin_yields_to_other_tasks(async {
        loop {
            let (tx, rx) = oneshot::channel();
            tx.send(1).unwrap();
            assert_eq!(rx.await, Ok(1));
            let (tx, mut rx) = oneshot::channel::<u8>();
            rx.close();
            assert!(rx.await.is_err());
            drop(tx);
        }
    });
}

#[test]
fn a_loop_of_closed_waits_yields_to_other_tasks() {
    spin_yields_to_other_tasks(async {
        let (mut tx, rx) = oneshot::channel::<u8>();
        drop(rx);
        loop {
            tx.closed().await;
        }
    });
}

#[test]
fn try_recv_ignores_a_spent_budget() {
    with_budget_spent(|| {
        let (tx, mut rx) = oneshot::channel();
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        tx.send(2).unwrap();
        assert_eq!(rx.try_recv(), Ok(2));
    });
}
