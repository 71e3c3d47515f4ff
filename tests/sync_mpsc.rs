//! mpsc: closing while slots are reserved (recv and try_recv wait for every permit, and
//! every way a slot comes back wakes the receiver), the receiver's waker, the cooperative
//! budget, and wakers that re-enter the channel.

mod support;
mod sync_hooks;
mod sync_util;

use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Poll, Waker};

use eddy::sync::mpsc::{self, error::TryRecvError};
use support::{with_timeout, LIMIT};
use sync_hooks::{poll_with, spin_yields_to_other_tasks, waker_on_drop, with_budget_spent};
use sync_util::Task;

// ---- close with slots reserved --------------------------------------------------------

#[test]
fn a_closed_receiver_waits_for_an_outstanding_permit_and_gets_its_message() {
    let (tx, mut rx) = mpsc::channel(2);
    tx.try_send(1).unwrap();
    let permit = tx.try_reserve().unwrap();
    rx.close();
    let mut recv = Task::new(async move {
        let mut got = vec![];
        while let Some(v) = rx.recv().await {
            got.push(v);
        }
        got
    });
    recv.pending();
    permit.send(2);
    assert!(recv.is_woken(), "the permit's message woke the receiver");
    assert_eq!(recv.ready(), [1, 2]);
    drop(tx);
}

#[test]
fn dropping_the_last_outstanding_permit_wakes_a_closed_receiver() {
    let (tx, mut rx) = mpsc::channel::<u8>(2);
    let first = tx.try_reserve().unwrap();
    let second = tx.try_reserve().unwrap();
    rx.close();
    let mut recv = Task::new(async move { rx.recv().await });
    recv.pending();
    drop(first);
    recv.pending(); // the second permit may still send
    let wakes = recv.woken();
    drop(second);
    assert!(
        recv.woken() > wakes,
        "the last permit's drop woke the receiver"
    );
    assert_eq!(recv.ready(), None);
    drop(tx);
}

#[test]
fn try_recv_says_empty_while_a_permit_is_outstanding_after_close() {
    let (tx, mut rx) = mpsc::channel::<u8>(2);
    let sent = tx.try_reserve().unwrap();
    let unused = tx.try_reserve().unwrap();
    rx.close();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    sent.send(4);
    assert_eq!(rx.try_recv(), Ok(4));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    drop(unused);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    assert!(tx.is_closed());
}

#[test]
fn a_send_granted_its_slot_before_close_still_delivers() {
    let (tx, mut rx) = mpsc::channel(1);
    tx.try_send(0).unwrap();
    let mut send = Task::new(tx.send(1));
    send.pending();
    assert_eq!(rx.try_recv(), Ok(0)); // the freed slot goes to the waiting send
    assert!(send.is_woken());
    rx.close();
    {
        let mut recv = Task::new(rx.recv());
        recv.pending(); // the send holds a slot
        send.ready().unwrap();
        assert!(recv.is_woken());
        assert_eq!(recv.ready(), Some(1));
    }
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
}

#[test]
fn a_dropped_reserve_holding_a_slot_wakes_a_closed_receiver() {
    let (tx, mut rx) = mpsc::channel::<u8>(1);
    let permit = tx.try_reserve().unwrap();
    let mut reserve = Task::new(tx.reserve());
    reserve.pending();
    drop(permit); // the slot goes to the queued reserve
    assert!(reserve.is_woken());
    rx.close();
    {
        let mut recv = Task::new(rx.recv());
        recv.pending(); // the reserve holds the slot
        drop(reserve); // granted, never polled again: the slot comes back
        assert!(recv.is_woken(), "the dropped reserve woke the receiver");
        assert_eq!(recv.ready(), None);
    }
    assert_eq!(tx.capacity(), 1);
}

#[test]
fn a_reserve_waiting_at_close_fails_and_the_receiver_still_waits_for_the_permit() {
    let (tx, mut rx) = mpsc::channel::<u8>(1);
    let permit = tx.try_reserve().unwrap();
    let mut reserve = Task::new(tx.reserve());
    reserve.pending();
    rx.close();
    assert!(reserve.is_woken());
    assert!(
        reserve.ready().is_err(),
        "a reserve still queued at close fails"
    );
    drop(reserve);
    {
        let mut recv = Task::new(rx.recv());
        recv.pending();
        drop(permit);
        assert!(recv.is_woken());
        assert_eq!(recv.ready(), None);
    }
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
}

#[test]
fn a_permit_sent_after_the_receiver_is_dropped_drops_its_value() {
    let drops = support::DropCounter::default();
    let (tx, rx) = mpsc::channel(1);
    let permit = tx.try_reserve().unwrap();
    drop(rx);
    permit.send(drops.token());
    assert_eq!(drops.dropped(), 1, "nobody can receive it");
    assert!(tx.try_send(drops.token()).unwrap_err().is_closed());
}

#[test]
fn dropping_the_receiver_drops_the_waker_it_registered() {
    let (tx, mut rx) = mpsc::channel::<u8>(1);
    let dropped = Arc::new(AtomicBool::new(false));
    let waker = {
        let dropped = dropped.clone();
        waker_on_drop(move || dropped.store(true, SeqCst))
    };
    assert!(poll_with(pin!(rx.recv()), &waker).is_pending());
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

// ---- wakers that re-enter the channel -------------------------------------------------

#[test]
fn a_replaced_receiver_waker_that_sends_when_dropped_does_not_deadlock() {
    with_timeout(LIMIT, || {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let first = waker_on_drop(move || tx.send(7).unwrap());
        let mut recv = pin!(rx.recv());
        assert!(poll_with(recv.as_mut(), &first).is_pending());
        drop(first);
        // Displaces (and so drops) the first waker, whose drop sends.
        let _ = poll_with(recv.as_mut(), Waker::noop());
        assert_eq!(
            poll_with(recv.as_mut(), Waker::noop()),
            Poll::Ready(Some(7))
        );
    });
}

#[test]
fn a_dropped_receiver_whose_waker_sends_when_dropped_does_not_deadlock() {
    with_timeout(LIMIT, || {
        let (tx, mut rx) = mpsc::channel(1);
        let hook_tx = tx.clone();
        let sent = Arc::new(AtomicBool::new(false));
        let waker = {
            let sent = sent.clone();
            waker_on_drop(move || {
                assert!(hook_tx.try_send(1).unwrap_err().is_closed());
                sent.store(true, SeqCst);
            })
        };
        assert!(poll_with(pin!(rx.recv()), &waker).is_pending());
        drop(waker);
        drop(rx);
        assert!(sent.load(SeqCst), "the receiver's drop dropped its waker");
        assert!(tx.is_closed());
    });
}

// ---- cooperative budget ---------------------------------------------------------------

#[test]
fn a_loop_of_receives_on_a_closed_channel_yields_to_other_tasks() {
    spin_yields_to_other_tasks(async {
        let (tx, mut rx) = mpsc::channel::<u8>(1);
        drop(tx);
        loop {
            assert_eq!(rx.recv().await, None);
        }
    });
    spin_yields_to_other_tasks(async {
        let (_tx, mut rx) = mpsc::unbounded_channel::<u8>();
        rx.close();
        loop {
            assert_eq!(rx.recv().await, None);
        }
    });
}

#[test]
fn a_loop_of_ready_sends_and_receives_yields_to_other_tasks() {
    spin_yields_to_other_tasks(async {
        let (tx, mut rx) = mpsc::channel(1);
        loop {
            tx.send(1).await.unwrap();
            assert_eq!(rx.recv().await, Some(1));
        }
    });
}

#[test]
fn a_loop_of_ready_reserves_yields_to_other_tasks() {
    spin_yields_to_other_tasks(async {
        let (tx, _rx) = mpsc::channel::<u8>(1);
        loop {
            drop(tx.reserve().await.unwrap());
        }
    });
}

#[test]
fn a_loop_of_sends_on_a_closed_channel_yields_to_other_tasks() {
    spin_yields_to_other_tasks(async {
        let (tx, mut rx) = mpsc::channel(1);
        rx.close();
        loop {
            assert!(tx.send(1).await.is_err());
            assert!(tx.reserve().await.is_err());
        }
    });
}

#[test]
fn a_loop_of_closed_waits_on_a_closed_channel_yields_to_other_tasks() {
    spin_yields_to_other_tasks(async {
        let (tx, rx) = mpsc::channel::<u8>(1);
        drop(rx);
        loop {
            tx.closed().await;
        }
    });
    spin_yields_to_other_tasks(async {
        let (tx, rx) = mpsc::unbounded_channel::<u8>();
        drop(rx);
        loop {
            tx.closed().await;
        }
    });
}

#[test]
fn try_operations_ignore_a_spent_budget() {
    with_budget_spent(|| {
        let (tx, mut rx) = mpsc::channel(2);
        tx.try_send(1).unwrap();
        tx.try_reserve().unwrap().send(2);
        assert_eq!(rx.try_recv(), Ok(1));
        assert_eq!(rx.try_recv(), Ok(2));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        let (tx, mut rx) = mpsc::unbounded_channel();
        tx.send(3).unwrap();
        assert_eq!(rx.try_recv(), Ok(3));
    });
}
