//! The primitives' concurrent protocols: the semaphore's lock-free fast path against its
//! locked hand-out (no permit lost or granted twice, also when a granted waiter is
//! dropped), Notify's stored permit and `notify_waiters` counter (no lost wake-up, for
//! `Event` and `watch` too), the mpsc sender count against the receiver, the mpsc close
//! against a permit reserved on another thread, and oneshot.

use std::future::Future;
use std::task::{Context, Poll};

use eddy_test_support::model;

use crate::batch_semaphore::Semaphore;
use crate::loom::Arc;
use crate::{mpsc, oneshot, watch, Event, Notify};

/// Runs a future to completion on the current thread. Under loom the executor's parker
/// is loom's mutex and condvar, so loom reports a deadlock if the future waits for a
/// wake-up that never comes.
fn block_on<F: Future>(f: F) -> F::Output {
    eddy_executor::block_on(f)
}

/// Polls once with a no-op waker.
fn poll_once<F: Future>(f: std::pin::Pin<&mut F>) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(std::task::Waker::noop()))
}

/// Two threads each acquire one permit of one and give it back: both get it (loom would
/// report a deadlock on a lost wake-up), never at once, and the permit is back at the end
/// with nobody queued.
#[test]
fn loom_semaphore_acquire_release_hands_the_permit_over() {
    model(|| {
        let sem = Arc::new(Semaphore::new(1));
        let inside = Arc::new(crate::loom::atomic::AtomicUsize::new(0));
        let other = {
            let (sem, inside) = (sem.clone(), inside.clone());
            crate::loom::thread::spawn(move || {
                block_on(sem.acquire(1)).unwrap();
                assert_eq!(
                    inside.fetch_add(1, crate::loom::atomic::Ordering::SeqCst),
                    0
                );
                inside.fetch_sub(1, crate::loom::atomic::Ordering::SeqCst);
                sem.release(1);
            })
        };
        block_on(sem.acquire(1)).unwrap();
        assert_eq!(
            inside.fetch_add(1, crate::loom::atomic::Ordering::SeqCst),
            0
        );
        inside.fetch_sub(1, crate::loom::atomic::Ordering::SeqCst);
        sem.release(1);
        other.join().unwrap();
        assert_eq!(sem.available_permits(), 1);
        assert_eq!(sem.waiters_len(), 0);
    });
}

/// A queued acquire is dropped while another thread releases the permit (granting it to
/// the queued waiter, or not yet): either way the permit ends up back in the pool.
#[test]
fn loom_semaphore_dropped_waiter_vs_release_loses_no_permit() {
    model(|| {
        let sem = Arc::new(Semaphore::new(0));
        {
            let mut acquire = Box::pin(sem.acquire(1));
            assert!(poll_once(acquire.as_mut()).is_pending());
            let releaser = {
                let sem = sem.clone();
                crate::loom::thread::spawn(move || sem.release(1))
            };
            // Dropped here, racing the release.
            drop(acquire);
            releaser.join().unwrap();
        }
        assert_eq!(sem.available_permits(), 1);
        assert_eq!(sem.waiters_len(), 0);
    });
}

/// A fast-path `try_acquire` races a release to a queued `acquire_many`: the queued
/// waiter is never overtaken into losing permits, and all permits are accounted for.
#[test]
fn loom_semaphore_try_acquire_vs_release_to_a_queued_waiter() {
    model(|| {
        let sem = Arc::new(Semaphore::new(1));
        let mut acquire = Box::pin(sem.acquire(2));
        assert!(poll_once(acquire.as_mut()).is_pending()); // holds 1 of 2
        let releaser = {
            let sem = sem.clone();
            crate::loom::thread::spawn(move || sem.release(1))
        };
        // The queued waiter has priority: this never succeeds.
        assert!(sem.try_acquire(1).is_err());
        releaser.join().unwrap();
        assert!(poll_once(acquire.as_mut()).is_ready());
        drop(acquire);
        sem.release(2);
        assert_eq!(sem.available_permits(), 2);
    });
}

/// notify_one from another thread against a waiting `notified()`: never lost, whether it
/// lands as the stored permit or on the queued waiter.
#[test]
fn loom_notify_one_is_never_lost() {
    model(|| {
        let notify = Arc::new(Notify::new());
        let notifier = {
            let notify = notify.clone();
            crate::loom::thread::spawn(move || notify.notify_one())
        };
        block_on(notify.notified());
        notifier.join().unwrap();
    });
}

/// notify_last from another thread against two waiters, one of them dropped while it
/// may hold the notification: the notification is never lost (forwarded LIFO to the
/// other waiter, or stored as the permit).
#[test]
fn loom_notify_last_is_never_lost_even_if_its_waiter_is_dropped() {
    model(|| {
        let notify = Arc::new(Notify::new());
        let mut kept = Box::pin(notify.notified());
        assert!(!kept.as_mut().enable());
        let mut dropped = Box::pin(notify.notified());
        assert!(!dropped.as_mut().enable());
        let notifier = {
            let notify = notify.clone();
            crate::loom::thread::spawn(move || notify.notify_last())
        };
        drop(dropped);
        block_on(kept);
        notifier.join().unwrap();
    });
}

/// Event: `set` on one thread against `wait` on another: the waiter always returns (the
/// flag store and the `notify_waiters` counter are read in the opposite order).
#[test]
fn loom_event_set_vs_wait_never_sleeps_through() {
    model(|| {
        let event = Arc::new(Event::new());
        let setter = {
            let event = event.clone();
            crate::loom::thread::spawn(move || event.set())
        };
        block_on(event.wait());
        setter.join().unwrap();
    });
}

/// watch: a send against `changed`: the receiver sees the new value.
#[test]
fn loom_watch_send_vs_changed() {
    model(|| {
        let (tx, mut rx) = watch::channel(0);
        let sender = crate::loom::thread::spawn(move || {
            tx.send(1).unwrap();
            tx
        });
        block_on(rx.changed()).unwrap();
        assert_eq!(*rx.borrow_and_update(), 1);
        drop(sender.join().unwrap());
    });
}

/// mpsc: two senders on two threads each send and drop; the receiver gets both messages
/// and then `None` (the last sender's drop is never missed).
#[test]
fn loom_mpsc_last_sender_drop_vs_recv() {
    model(|| {
        let (tx, mut rx) = mpsc::channel(1);
        let tx2 = tx.clone();
        let a = crate::loom::thread::spawn(move || block_on(tx.send(1)).unwrap());
        let b = crate::loom::thread::spawn(move || block_on(tx2.send(2)).unwrap());
        let mut sum = 0;
        while let Some(v) = block_on(rx.recv()) {
            sum += v;
        }
        assert_eq!(sum, 3);
        a.join().unwrap();
        b.join().unwrap();
    });
}

/// mpsc: a permit reserved on another thread races the receiver's `close`, then sends or
/// is dropped, while its sender stays alive. The closed receiver returns `None` only once
/// the permit is settled (never losing its message), and the permit's send or drop
/// always wakes it (loom would report a deadlock).
fn mpsc_close_vs_a_permit(send: bool) {
    model(move || {
        let (tx, mut rx) = mpsc::channel::<u8>(1);
        let holder = crate::loom::thread::spawn(move || {
            let delivered = match tx.try_reserve() {
                Ok(permit) if send => {
                    permit.send(1);
                    true
                }
                Ok(permit) => {
                    drop(permit);
                    false
                }
                Err(_) => false, // the close came first
            };
            (tx, delivered)
        });
        rx.close();
        let got = block_on(rx.recv());
        let then = block_on(rx.recv());
        let (tx, delivered) = holder.join().unwrap();
        assert_eq!(got, delivered.then_some(1));
        assert_eq!(then, None);
        assert_eq!(tx.capacity(), 1);
    });
}

#[test]
fn loom_mpsc_close_vs_a_permit_that_sends() {
    mpsc_close_vs_a_permit(true);
}

#[test]
fn loom_mpsc_close_vs_a_permit_that_is_dropped() {
    mpsc_close_vs_a_permit(false);
}

/// oneshot: send on one thread, receive on another; or the sender dropped unsent.
#[test]
fn loom_oneshot_send_or_drop_vs_recv() {
    model(|| {
        let (tx, rx) = oneshot::channel();
        let sender = crate::loom::thread::spawn(move || tx.send(7).unwrap());
        assert_eq!(block_on(rx), Ok(7));
        sender.join().unwrap();

        let (tx, rx) = oneshot::channel::<u8>();
        let dropper = crate::loom::thread::spawn(move || drop(tx));
        assert!(block_on(rx).is_err());
        dropper.join().unwrap();
    });
}

/// mpsc: a weak sender upgrades on one thread while the last strong sender is dropped on
/// another. Either the upgrade wins (and its message arrives before the end) or it
/// fails; the receiver always sees the end (loom reports a deadlock otherwise), never a
/// channel reopened after it closed.
#[test]
fn loom_mpsc_weak_upgrade_vs_last_sender_drop() {
    model(|| {
        let (tx, mut rx) = mpsc::channel::<u8>(1);
        let weak = tx.downgrade();
        let upgrader = crate::loom::thread::spawn(move || match weak.upgrade() {
            Some(tx) => {
                tx.try_send(1).unwrap();
                true
            }
            None => false,
        });
        drop(tx);
        let first = block_on(rx.recv());
        let upgraded = upgrader.join().unwrap();
        assert_eq!(first, upgraded.then_some(1));
        assert_eq!(block_on(rx.recv()), None);
    });
}

/// mpsc: `reserve_many(2)` waits on another thread while the receiver takes the message
/// that fills the channel and closes it: the reservation either gets both slots (and
/// its permits, dropped unused, let the closed receiver finish) or fails; never a lost
/// wake-up, and every slot is back at the end.
#[test]
fn loom_mpsc_reserve_many_vs_recv_many_and_close() {
    model(|| {
        let (tx, mut rx) = mpsc::channel::<u8>(2);
        tx.try_send(1).unwrap();
        let reserver = crate::loom::thread::spawn(move || {
            let got = block_on(tx.reserve_many(2)).map(|permits| permits.len());
            (tx, got)
        });
        let mut buf = Vec::new();
        assert_eq!(block_on(rx.recv_many(&mut buf, 2)), 1);
        rx.close();
        assert_eq!(block_on(rx.recv_many(&mut buf, 2)), 0);
        let (tx, got) = reserver.join().unwrap();
        assert!(matches!(got, Ok(2) | Err(_)));
        assert_eq!(tx.capacity(), 2);
    });
}
