//! broadcast: wakers that re-enter the channel from `Drop`, and the cooperative budget.

mod support;
mod sync_probes;

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use eddy::sync::broadcast::{self, error::RecvError};
use support::{with_timeout, LIMIT};
use sync_probes::{a_busy_loop_yields, waker_with_drop_hook};

// ---- wakers that re-enter the channel --------------------------------------------------

#[test]
fn a_waker_whose_drop_sends_is_replaced_without_deadlock() {
    with_timeout(LIMIT, || {
        let (tx, mut rx) = broadcast::channel(4);
        let mut recv = pin!(rx.recv());
        let first = {
            let tx = tx.clone();
            waker_with_drop_hook(move || {
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
                waker_with_drop_hook(move || {
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
    a_busy_loop_yields(|| async {
        let (tx, mut rx) = broadcast::channel::<u8>(1);
        drop(tx);
        loop {
            assert_eq!(rx.recv().await, Err(RecvError::Closed));
        }
    });
}

#[test]
fn recv_lagging_behind_a_sender_in_the_same_loop_spends_the_budget() {
    a_busy_loop_yields(|| async {
        let (tx, mut rx) = broadcast::channel(1);
        for i in 0u64.. {
            tx.send(i).unwrap();
            tx.send(i).unwrap();
            assert_eq!(rx.recv().await, Err(RecvError::Lagged(1)));
            assert_eq!(rx.recv().await, Ok(i));
        }
    });
}
