//! The bounded channel's lock-free ring (`mpsc/ring.rs`) and its hand-shakes with the
//! receiver through the flags on the ring's `tail` (`mpsc/chan.rs`, "Waking the receiver
//! of a ring"), and the semaphore's lock-free release against an acquirer that queues
//! (`batch_semaphore.rs`, "no barging").

use std::future::Future;
use std::task::{Context, Poll};

use eddy_test_support::model;

use crate::batch_semaphore::Semaphore;
use crate::loom::atomic::{AtomicUsize, Ordering::SeqCst};
use crate::loom::Arc;
use crate::mpsc;

fn block_on<F: Future>(f: F) -> F::Output {
    eddy_executor::block_on(f)
}

fn poll_once<F: Future>(f: std::pin::Pin<&mut F>) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(std::task::Waker::noop()))
}

/// Two senders on two threads push into the ring while the receiver goes to sleep
/// between messages: the `RX_WAITING` hand-shake never loses a wake-up (loom reports a
/// deadlock if it does), and both values arrive.
#[test]
fn loom_mpsc_ring_pushes_vs_a_sleeping_receiver() {
    model(|| {
        let (tx, mut rx) = mpsc::channel::<u8>(2);
        let tx2 = tx.clone();
        // Each thread hands its sender back instead of dropping it: the last sender's drop
        // wakes the receiver too, and would hide a lost wake-up of the push.
        let a = crate::loom::thread::spawn(move || {
            tx.try_send(1).unwrap();
            tx
        });
        let b = crate::loom::thread::spawn(move || {
            tx2.try_send(2).unwrap();
            tx2
        });
        let first = block_on(rx.recv()).unwrap();
        let second = block_on(rx.recv()).unwrap();
        assert_eq!(first + second, 3);
        drop((a.join().unwrap(), b.join().unwrap()));
        assert_eq!(block_on(rx.recv()), None);
    });
}

/// One sender sends three values while the receiver takes them one by one: the receiver
/// sometimes sets `RX_WAITING` while a value is claimed (it withdraws the flag and takes
/// that value instead of sleeping), sometimes sleeps and is woken by the next claim. No
/// interleaving loses a wake-up (loom reports a deadlock) or a value.
#[test]
fn loom_mpsc_ring_receiver_withdraws_its_flag_and_sleeps_again() {
    model(|| {
        let (tx, mut rx) = mpsc::channel::<u8>(4);
        // The sender is handed back, not dropped: its drop would wake the receiver too.
        let sender = crate::loom::thread::spawn(move || {
            for v in 1..=3 {
                tx.try_send(v).unwrap();
            }
            tx
        });
        for v in 1..=3 {
            assert_eq!(block_on(rx.recv()), Some(v));
        }
        drop(sender.join().unwrap());
        assert_eq!(block_on(rx.recv()), None);
    });
}

/// A value that counts its drops.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// A permit sends into the ring while the receiver is dropped on another thread, with a
/// sender still alive: the value is dropped exactly once, by the receiver's drain or by
/// the sender whose claim sees `RX_DROPPED` — never left in the channel.
#[test]
fn loom_mpsc_ring_push_vs_receiver_drop() {
    model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = mpsc::channel::<Counted>(1);
        let keep = tx.clone();
        let sender = {
            let drops = drops.clone();
            crate::loom::thread::spawn(move || {
                if let Ok(permit) = tx.try_reserve() {
                    permit.send(Counted(drops));
                }
            })
        };
        drop(rx);
        sender.join().unwrap();
        // `keep` holds the channel: nothing was dropped with it.
        assert!(drops.load(SeqCst) <= 1);
        let sent = drops.load(SeqCst);
        drop(keep);
        assert_eq!(drops.load(SeqCst), sent, "a value outlived both sides");
    });
}

/// The channel is full and a sender waits for room while the receiver takes a message:
/// the slot freed goes to the waiting sender (no lost wake-up), whose value lands in the
/// slot the receiver just emptied one lap later.
#[test]
fn loom_mpsc_ring_full_sender_waits_for_the_freed_slot() {
    model(|| {
        let (tx, mut rx) = mpsc::channel::<u8>(1);
        tx.try_send(1).unwrap();
        // The sender is handed back, not dropped (its drop would wake the receiver too).
        let sender = crate::loom::thread::spawn(move || {
            block_on(tx.send(2)).unwrap();
            tx
        });
        assert_eq!(block_on(rx.recv()), Some(1));
        assert_eq!(block_on(rx.recv()), Some(2));
        drop(sender.join().unwrap());
        assert_eq!(block_on(rx.recv()), None);
    });
}

/// A lock-free release races an acquirer that finds no permit and queues: the permit
/// reaches the waiter (never stranded in the pool behind it), and the queued bit is clear
/// again once the queue is empty, so a newcomer then takes the pool without waiting.
#[test]
fn loom_semaphore_lock_free_release_vs_queueing() {
    model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let releaser = {
            let sem = sem.clone();
            crate::loom::thread::spawn(move || sem.release(1))
        };
        block_on(sem.acquire(1)).unwrap();
        releaser.join().unwrap();
        assert_eq!(sem.available_permits(), 0);
        assert_eq!(sem.waiters_len(), 0);
        sem.release(1);
        assert!(sem.try_acquire(1).is_ok());
    });
}

/// A queued acquire is cancelled while another thread releases: the permit ends up in the
/// pool either way, and with the queue empty the lock-free release is back in use.
#[test]
fn loom_semaphore_cancel_clears_the_queued_bit() {
    model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let mut acquire = Box::pin(sem.acquire(1));
        assert!(poll_once(acquire.as_mut()).is_pending());
        let releaser = {
            let sem = sem.clone();
            crate::loom::thread::spawn(move || sem.release(1))
        };
        drop(acquire);
        releaser.join().unwrap();
        assert_eq!(sem.available_permits(), 1);
        assert!(!sem.queued_bit());
    });
}

/// A `try_send` that returned is seen by a later `try_recv`, even while an earlier
/// position is claimed and not yet written by another sender.
#[test]
fn loom_mpsc_ring_completed_send_visible_to_try_recv() {
    model(|| {
        let (tx, mut rx) = mpsc::channel::<u8>(2);
        let tx2 = tx.clone();
        let a = crate::loom::thread::spawn(move || {
            tx.try_send(1).unwrap();
            tx
        });
        tx2.try_send(2).unwrap();
        let got = rx.try_recv();
        drop(a.join().unwrap());
        assert!(
            got.is_ok(),
            "try_send(2) returned, yet try_recv says {got:?}"
        );
    });
}

/// Two senders on two threads reserve and send while the receiver is dropped: every
/// value sent is dropped exactly once, none left in the channel.
#[test]
fn loom_mpsc_ring_two_senders_vs_receiver_drop() {
    model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let sent = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = mpsc::channel::<Counted>(2);
        let keep = tx.clone();
        let spawn_sender = |tx: mpsc::Sender<Counted>| {
            let (drops, sent) = (drops.clone(), sent.clone());
            crate::loom::thread::spawn(move || {
                if let Ok(permit) = tx.try_reserve() {
                    permit.send(Counted(drops));
                    sent.fetch_add(1, SeqCst);
                }
                tx
            })
        };
        let a = spawn_sender(tx.clone());
        let b = spawn_sender(tx);
        drop(rx);
        let (ta, tb) = (a.join().unwrap(), b.join().unwrap());
        assert_eq!(
            drops.load(SeqCst),
            sent.load(SeqCst),
            "a value left in the channel"
        );
        drop((ta, tb, keep));
    });
}

/// An acquire that must queue is polled with a waker whose clone panics: the permits
/// it would have taken stay in the pool and the queued bit stays clear.
#[test]
fn loom_semaphore_panicking_waker_clone_loses_no_permit() {
    model(|| {
        let sem = Semaphore::new(1);
        let waker = crate::tests::wakers::clone_panics();
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut acquire = std::pin::pin!(sem.acquire(2));
            let _ = acquire.as_mut().poll(&mut Context::from_waker(&waker));
        }));
        assert!(r.is_err(), "the clone panicked");
        assert_eq!(sem.available_permits(), 1);
        assert!(!sem.queued_bit());
        assert_eq!(sem.waiters_len(), 0);
    });
}
