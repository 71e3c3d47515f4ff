//! Notify, Event and Barrier: stored permits, FIFO, forwarded notifications, wake-all
//! semantics, cancel safety.

mod support;
mod sync_hooks;
mod sync_util;

use std::future::Future;
use std::pin::pin;
use std::sync::{mpsc, Arc};
use std::task::{Context, Poll, Waker};

use eddy::sync::{Barrier, Event, Notify};
use support::{runtime, with_timeout, LIMIT};
use sync_hooks::{spin_yields_to_other_tasks, waker_on_drop};
use sync_util::Task;

#[test]
fn notify_one_with_nobody_waiting_stores_one_permit() {
    let notify = Notify::new();
    notify.notify_one();
    notify.notify_one();
    Task::new(notify.notified()).ready();
    Task::new(notify.notified()).pending();
}

#[test]
fn notify_one_wakes_waiters_in_arrival_order() {
    let notify = Notify::new();
    let mut waiters: Vec<_> = (0..3).map(|_| Task::new(notify.notified())).collect();
    for w in &mut waiters {
        w.pending();
    }
    for i in 0..3 {
        notify.notify_one();
        for (j, w) in waiters.iter().enumerate() {
            assert_eq!(w.is_woken(), j <= i);
        }
    }
    for w in &mut waiters {
        w.ready();
    }
}

#[test]
fn a_notification_taken_by_a_dropped_future_is_forwarded() {
    let notify = Notify::new();
    let mut first = Task::new(notify.notified());
    first.pending();
    let mut second = Task::new(notify.notified());
    second.pending();
    notify.notify_one();
    assert!(first.is_woken());
    drop(first);
    assert!(second.is_woken(), "forwarded to the next waiter");
    second.ready();
    // With nobody left, a forwarded notification becomes the stored permit.
    let mut third = Task::new(notify.notified());
    third.pending();
    notify.notify_one();
    drop(third);
    Task::new(notify.notified()).ready();
}

#[test]
fn a_dropped_waiter_leaves_no_ghost() {
    let notify = Notify::new();
    let mut first = Task::new(notify.notified());
    first.pending();
    drop(first);
    let mut second = Task::new(notify.notified());
    second.pending();
    notify.notify_one();
    assert!(second.is_woken());
    second.ready();
}

#[test]
fn notify_waiters_wakes_everyone_created_before_it_and_stores_nothing() {
    let notify = Notify::new();
    let mut polled = Task::new(notify.notified());
    polled.pending();
    let mut unpolled = Task::new(notify.notified()); // created, never polled yet
    notify.notify_waiters();
    polled.ready();
    unpolled.ready();
    Task::new(notify.notified()).pending();
}

#[test]
fn enable_registers_without_polling() {
    let notify = Notify::new();
    let mut enabled = Box::pin(notify.notified());
    assert!(!enabled.as_mut().enable());
    notify.notify_one();
    let mut other = Task::new(notify.notified());
    other.pending(); // the notification went to the enabled future, not to a permit
    assert!(enabled.as_mut().enable());
}

#[test]
fn notify_across_workers_is_never_lost() {
    with_timeout(LIMIT, || {
        runtime(2).block_on(async {
            let ping = Arc::new(Notify::new());
            let pong = Arc::new(Notify::new());
            let (ping2, pong2) = (ping.clone(), pong.clone());
            let t = eddy::spawn(async move {
                for _ in 0..1000 {
                    ping2.notified().await;
                    pong2.notify_one();
                }
            });
            for _ in 0..1000 {
                ping.notify_one();
                pong.notified().await;
            }
            t.await.unwrap();
        })
    });
}

#[test]
fn event_releases_all_waiters_even_if_cleared_at_once() {
    let event = Event::new();
    let mut a = Task::new(event.wait());
    let mut b = Task::new(event.wait());
    a.pending();
    b.pending();
    event.set();
    event.clear(); // asyncio: waiters woken by set() still return
    a.ready();
    b.ready();
    Task::new(event.wait()).pending();
    event.set();
    Task::new(event.wait()).ready();
    assert!(event.is_set());
}

#[test]
fn event_set_from_another_thread_wakes_tasks() {
    with_timeout(LIMIT, || {
        let rt = runtime(2);
        let event = Arc::new(Event::new());
        let waiters: Vec<_> = (0..8)
            .map(|_| {
                let event = event.clone();
                rt.spawn(async move { event.wait().await })
            })
            .collect();
        let setter = {
            let event = event.clone();
            std::thread::spawn(move || event.set())
        };
        rt.block_on(async {
            for w in waiters {
                w.await.unwrap();
            }
        });
        setter.join().unwrap();
    });
}

#[test]
fn barrier_releases_a_round_with_one_leader_and_can_be_reused() {
    with_timeout(LIMIT, || {
        runtime(2).block_on(async {
            let barrier = Arc::new(Barrier::new(4));
            for _round in 0..3 {
                let tasks: Vec<_> = (0..4)
                    .map(|_| {
                        let barrier = barrier.clone();
                        eddy::spawn(async move { barrier.wait().await.is_leader() })
                    })
                    .collect();
                let mut leaders = 0;
                for t in tasks {
                    leaders += t.await.unwrap() as usize;
                }
                assert_eq!(leaders, 1);
            }
        })
    });
}

#[test]
fn a_dropped_barrier_waiter_withdraws_its_arrival() {
    let barrier = Barrier::new(2);
    let mut quitter = Task::new(barrier.wait());
    quitter.pending();
    drop(quitter);
    let mut a = Task::new(barrier.wait());
    a.pending(); // the quitter does not count: still one short
    let mut b = Task::new(barrier.wait());
    let b_result = b.ready();
    assert!(b_result.is_leader());
    assert!(!a.ready().is_leader());
}

// ---- cooperative budget ----------------------------------------------------------------

#[test]
fn notified_with_a_stored_permit_spends_the_budget() {
    spin_yields_to_other_tasks(async {
        let notify = Notify::new();
        loop {
            notify.notify_one();
            notify.notified().await;
        }
    });
}

#[test]
fn wait_on_a_set_event_spends_the_budget() {
    spin_yields_to_other_tasks(async {
        let event = Event::new();
        event.set();
        loop {
            event.wait().await;
        }
    });
}

#[test]
fn wait_on_a_barrier_of_one_spends_the_budget() {
    spin_yields_to_other_tasks(async {
        let barrier = Barrier::new(1);
        loop {
            assert!(barrier.wait().await.is_leader());
        }
    });
}

// ---- wakers that re-enter on drop ------------------------------------------------------

#[test]
fn a_notified_waker_whose_drop_notifies_is_replaced_without_deadlock() {
    with_timeout(LIMIT, || {
        let notify = Arc::new(Notify::new());
        let mut notified = pin!(notify.notified());
        let first = {
            let notify = notify.clone();
            waker_on_drop(move || notify.notify_one())
        };
        let mut cx = Context::from_waker(&first);
        assert!(notified.as_mut().poll(&mut cx).is_pending());
        // Notify now holds the only clone of `first`: the next poll replaces it, and its
        // Drop notifies (the waiter itself, the only one queued).
        drop(first);
        let mut cx = Context::from_waker(Waker::noop());
        assert!(notified.as_mut().poll(&mut cx).is_pending());
        assert!(notified.as_mut().poll(&mut cx).is_ready());
    });
}

#[test]
fn a_waiting_notified_whose_waker_notifies_on_drop_can_be_dropped() {
    with_timeout(LIMIT, || {
        let notify = Arc::new(Notify::new());
        {
            let mut notified = pin!(notify.notified());
            let waker = {
                let notify = notify.clone();
                waker_on_drop(move || notify.notify_one())
            };
            assert!(notified
                .as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_pending());
        } // the test's waker, then the future: the queued clone is the last
        Task::new(notify.notified()).ready(); // the hook's notification, stored
    });
}

#[test]
fn a_barrier_waker_whose_drop_completes_the_round_is_replaced_without_deadlock() {
    with_timeout(LIMIT, || {
        let barrier = Arc::new(Barrier::new(2));
        let (leader_tx, leader_rx) = mpsc::channel();
        let mut wait = pin!(barrier.wait());
        let first = {
            let barrier = barrier.clone();
            waker_on_drop(move || {
                // The second arrival, from inside the dropped waker.
                let result = Task::new(barrier.wait()).ready();
                leader_tx.send(result.is_leader()).unwrap();
            })
        };
        let mut cx = Context::from_waker(&first);
        assert!(wait.as_mut().poll(&mut cx).is_pending());
        drop(first);
        let mut cx = Context::from_waker(Waker::noop());
        assert!(wait.as_mut().poll(&mut cx).is_pending()); // replaces `first`
        assert!(
            leader_rx.try_recv().unwrap(),
            "the hook's arrival completed the round"
        );
        match wait.as_mut().poll(&mut cx) {
            Poll::Ready(result) => assert!(!result.is_leader()),
            Poll::Pending => panic!("the round is complete"),
        }
    });
}

#[test]
fn a_waiting_barrier_waker_is_dropped_after_unlocking() {
    with_timeout(LIMIT, || {
        let barrier = Arc::new(Barrier::new(2));
        let (seen_tx, seen_rx) = mpsc::channel();
        {
            let mut wait = pin!(barrier.wait());
            let waker = {
                let barrier = barrier.clone();
                // Debug locks the barrier.
                waker_on_drop(move || seen_tx.send(format!("{barrier:?}")).unwrap())
            };
            assert!(wait
                .as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_pending());
        } // the test's waker, then the future: the queued clone is the last
        let seen = seen_rx.try_recv().unwrap();
        assert!(
            seen.contains("arrived: 0"),
            "arrival withdrawn first: {seen}"
        );
    });
}

#[test]
fn notify_types_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Notify>();
    send_sync::<Event>();
    send_sync::<Barrier>();
    send_sync::<eddy::sync::Notified<'static>>();
    fn send<T: Send>(_: &T) {}
    let (e, b) = (Event::new(), Barrier::new(1));
    send(&e.wait());
    send(&b.wait());
}
