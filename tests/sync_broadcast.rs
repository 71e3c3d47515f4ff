//! broadcast: tokio's capacity and lag arithmetic, when held messages are dropped, wakers
//! that re-enter the channel from `Drop`, and the cooperative budget.

mod support;
mod sync_hooks;

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use eddy::sync::broadcast::{self, error::RecvError, error::TryRecvError};
use support::{panic_message, with_timeout, DropCounter, DropToken, LIMIT};
use sync_hooks::{spin_yields_to_other_tasks, waker_on_drop};

// ---- capacity and lag ------------------------------------------------------------------

#[test]
fn capacity_rounds_up_to_a_power_of_two() {
    let (tx, mut rx) = broadcast::channel(3);
    for i in 0..4 {
        tx.send(i).unwrap();
    }
    for i in 0..4 {
        assert_eq!(rx.try_recv(), Ok(i), "channel(3) holds 4");
    }
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn recv_lag_counts_from_the_rounded_capacity_and_len_counts_overwritten_messages() {
    let (tx, mut rx) = broadcast::channel(3);
    for i in 0..6 {
        tx.send(i).unwrap();
    }
    assert_eq!(rx.len(), 6, "len counts the overwritten messages too");
    assert_eq!(eddy::run(rx.recv()), Err(RecvError::Lagged(2)));
    assert_eq!(rx.len(), 4, "after the lag: the 4 held messages");
    for i in 2..6 {
        assert_eq!(eddy::run(rx.recv()), Ok(i));
        assert_eq!(rx.len(), 5 - i);
    }
    assert!(rx.is_empty());
}

#[test]
fn try_recv_lag_counts_from_the_rounded_capacity() {
    let (tx, mut rx) = broadcast::channel(5); // holds 8
    for i in 0..11 {
        tx.send(i).unwrap();
    }
    assert_eq!(rx.try_recv(), Err(TryRecvError::Lagged(3)));
    assert_eq!(rx.len(), 8);
    assert_eq!(rx.try_recv(), Ok(3));
}

#[test]
fn a_zero_capacity_panics_with_a_clear_message() {
    let panic = std::panic::catch_unwind(|| broadcast::channel::<()>(0)).unwrap_err();
    let message = panic_message(&*panic);
    assert!(message.contains("capacity must be at least 1"), "{message}");
}

#[test]
fn a_capacity_over_half_of_usize_max_panics_with_a_clear_message() {
    let panic =
        std::panic::catch_unwind(|| broadcast::channel::<()>((usize::MAX >> 1) + 1)).unwrap_err();
    let message = panic_message(&*panic);
    assert!(message.contains("larger than usize::MAX / 2"), "{message}");
}

// ---- when held messages are dropped ----------------------------------------------------

#[test]
fn held_messages_are_dropped_with_the_last_receiver() {
    let counter = DropCounter::default();
    let (tx, rx) = broadcast::channel(4);
    let rx2 = tx.subscribe();
    tx.send(Arc::new(counter.token())).unwrap();
    tx.send(Arc::new(counter.token())).unwrap();
    drop(rx);
    assert_eq!(counter.dropped(), 0, "a receiver has yet to read them");
    drop(rx2);
    assert_eq!(counter.dropped(), 2, "no receiver is left to read them");
    assert!(tx.send(Arc::new(counter.token())).is_err());
}

#[test]
fn a_message_every_receiver_has_read_is_not_kept() {
    let counter = DropCounter::default();
    let (tx, mut a) = broadcast::channel(4);
    let mut b = tx.subscribe();
    tx.send(Arc::new(counter.token())).unwrap();
    // Subscribed after the send: this receiver never sees the message, so it does not
    // keep it alive either.
    let _late = tx.subscribe();
    drop(a.try_recv().unwrap());
    assert_eq!(counter.dropped(), 0, "b has yet to read it");
    drop(b.try_recv().unwrap());
    assert_eq!(
        counter.dropped(),
        1,
        "everyone read it; the ring keeps no clone"
    );
}

#[test]
fn a_receiver_dropped_before_reading_releases_its_share() {
    let counter = DropCounter::default();
    let (tx, mut a) = broadcast::channel(4);
    let b = tx.subscribe();
    tx.send(Arc::new(counter.token())).unwrap();
    drop(a.try_recv().unwrap());
    drop(b);
    assert_eq!(counter.dropped(), 1);
}

#[test]
fn a_message_released_by_a_receiver_drop_is_dropped_after_unlocking() {
    // The message's Drop locks the channel (through a sender it holds): dropping it
    // under the channel's lock would deadlock.
    struct Probe {
        tx: broadcast::Sender<Arc<Probe>>,
        _token: DropToken,
    }
    impl Drop for Probe {
        fn drop(&mut self) {
            assert_eq!(self.tx.receiver_count(), 0);
        }
    }
    with_timeout(LIMIT, || {
        let counter = DropCounter::default();
        let (tx, rx) = broadcast::channel(2);
        tx.send(Arc::new(Probe {
            tx: tx.clone(),
            _token: counter.token(),
        }))
        .unwrap();
        drop(rx);
        assert_eq!(counter.dropped(), 1);
    });
}

// ---- wakers that re-enter the channel --------------------------------------------------

#[test]
fn a_waker_whose_drop_sends_is_replaced_without_deadlock() {
    with_timeout(LIMIT, || {
        let (tx, mut rx) = broadcast::channel(4);
        let mut recv = pin!(rx.recv());
        let first = {
            let tx = tx.clone();
            waker_on_drop(move || {
                tx.send(1).unwrap();
            })
        };
        assert!(recv
            .as_mut()
            .poll(&mut Context::from_waker(&first))
            .is_pending());
        // The channel now holds the only clone of `first`: the next poll replaces it, and
        // its Drop sends on the channel.
        drop(first);
        let second = Waker::noop();
        assert!(recv
            .as_mut()
            .poll(&mut Context::from_waker(second))
            .is_pending());
        assert_eq!(
            recv.as_mut().poll(&mut Context::from_waker(second)),
            Poll::Ready(Ok(1)),
            "the message sent from the dropped waker arrives"
        );
    });
}

#[test]
fn a_waiting_recv_whose_waker_sends_on_drop_can_be_dropped() {
    with_timeout(LIMIT, || {
        let (tx, mut rx) = broadcast::channel(4);
        {
            let mut recv = pin!(rx.recv());
            let waker = {
                let tx = tx.clone();
                waker_on_drop(move || {
                    tx.send(2).unwrap();
                })
            };
            assert!(recv
                .as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_pending());
        } // the future and the test's waker go; the queued clone is the last
        assert_eq!(rx.try_recv(), Ok(2));
    });
}

// ---- cooperative budget ----------------------------------------------------------------

#[test]
fn recv_on_a_closed_channel_spends_the_budget() {
    spin_yields_to_other_tasks(async {
        let (tx, mut rx) = broadcast::channel::<u8>(1);
        drop(tx);
        loop {
            assert_eq!(rx.recv().await, Err(RecvError::Closed));
        }
    });
}

#[test]
fn recv_lagging_behind_a_sender_in_the_same_loop_spends_the_budget() {
    spin_yields_to_other_tasks(async {
        let (tx, mut rx) = broadcast::channel(1);
        for i in 0u64.. {
            tx.send(i).unwrap();
            tx.send(i).unwrap();
            assert_eq!(rx.recv().await, Err(RecvError::Lagged(1)));
            assert_eq!(rx.recv().await, Ok(i));
        }
    });
}
