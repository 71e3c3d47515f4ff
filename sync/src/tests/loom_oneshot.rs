//! The oneshot's lock-free protocol (`oneshot/shared.rs`): each pair of operations that
//! can meet — send or drop against receive, close and drop; `closed` against the
//! receiver going; a waker replaced while the send lands; both halves dropped with
//! wakers registered. Loom reports a lost wake-up as a deadlock, a slot touched by both
//! sides at once as a data race, and the value counter catches a double or missing drop.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use eddy_test_support::model;

use crate::loom::atomic::{AtomicUsize, Ordering::SeqCst};
use crate::loom::thread;
use crate::loom::Arc;
use crate::oneshot;
use crate::tests::wakers;

/// A value that counts its drops.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// Runs a future on this thread; under loom a wake-up that never comes is a deadlock.
fn block_on<F: Future>(f: F) -> F::Output {
    eddy_executor::block_on(f)
}

fn poll_once<F: Future + Unpin>(f: &mut F) -> Poll<F::Output> {
    std::pin::Pin::new(f).poll(&mut Context::from_waker(Waker::noop()))
}

/// The receiver is dropped while the value is sent: the value is dropped exactly once,
/// by whoever holds it last (the sender's `Err`, or the channel).
#[test]
fn loom_oneshot_send_vs_receiver_drop() {
    model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, mut rx) = oneshot::channel();
        // Registered first, so the sender has a waker to take.
        assert!(poll_once(&mut rx).is_pending());
        let value = Counted(drops.clone());
        let sender = thread::spawn(move || drop(tx.send(value)));
        drop(rx);
        sender.join().unwrap();
        assert_eq!(drops.load(SeqCst), 1);
    });
}

/// `close` against `send`: a send that succeeded is received, one that failed is not.
#[test]
fn loom_oneshot_close_vs_send() {
    model(|| {
        let (tx, mut rx) = oneshot::channel::<u8>();
        let sender = thread::spawn(move || tx.send(3).is_ok());
        rx.close();
        let received = block_on(rx);
        let sent = sender.join().unwrap();
        assert_eq!(received.is_ok(), sent);
    });
}

/// The sender waits in `closed` while the receiver closes or goes: it is always woken.
#[test]
fn loom_oneshot_closed_vs_receiver_drop_or_close() {
    model(|| {
        let (mut tx, rx) = oneshot::channel::<u8>();
        let receiver = thread::spawn(move || drop(rx));
        block_on(tx.closed());
        assert!(tx.is_closed());
        receiver.join().unwrap();

        let (mut tx, mut rx) = oneshot::channel::<u8>();
        let closer = thread::spawn(move || {
            rx.close();
            rx
        });
        block_on(tx.closed());
        assert_eq!(tx.send(1), Err(1));
        drop(closer.join().unwrap());
    });
}

/// The receiver replaces its waker (a first poll with another waker) while the value is
/// sent: the new waker is woken, or the value is found at once.
#[test]
fn loom_oneshot_waker_replaced_while_sent() {
    model(|| {
        let (tx, mut rx) = oneshot::channel::<u8>();
        let first = poll_once(&mut rx);
        let sender = thread::spawn(move || tx.send(5).unwrap());
        let got = match first {
            Poll::Ready(v) => v,
            Poll::Pending => block_on(&mut rx),
        };
        assert_eq!(got, Ok(5));
        sender.join().unwrap();
    });
}

/// Both halves dropped at once, each with its waker registered and, on one path, the
/// value sent: the allocation and the value are freed once (loom: no race on the slots).
#[test]
fn loom_oneshot_both_dropped_with_wakers() {
    model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (mut tx, mut rx) = oneshot::channel::<Counted>();
        assert!(poll_once(&mut rx).is_pending());
        {
            let mut closed = pin!(tx.closed());
            assert!(poll_once(&mut closed).is_pending());
        }
        let receiver = thread::spawn(move || drop(rx));
        drop(tx);
        receiver.join().unwrap();

        let (tx, mut rx) = oneshot::channel::<Counted>();
        assert!(poll_once(&mut rx).is_pending());
        let value = Counted(drops.clone());
        let receiver = thread::spawn(move || drop(rx));
        let _ = tx.send(value);
        receiver.join().unwrap();
        assert_eq!(drops.load(SeqCst), 1);
    });
}

/// The sender sends with its `closed` waker registered while the receiver is dropped:
/// the value is dropped exactly once, whichever side takes the sender's waker.
#[test]
fn loom_oneshot_send_with_closed_waker_vs_receiver_drop() {
    model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (mut tx, mut rx) = oneshot::channel::<Counted>();
        assert!(poll_once(&mut rx).is_pending());
        {
            let mut closed = pin!(tx.closed());
            assert!(poll_once(&mut closed).is_pending());
        }
        let receiver = thread::spawn(move || drop(rx));
        let _ = tx.send(Counted(drops.clone()));
        receiver.join().unwrap();
        assert_eq!(drops.load(SeqCst), 1);
    });
}

/// `close` with both wakers registered, against `send`: as `loom_oneshot_close_vs_send`,
/// with the waker hand-overs on both sides.
#[test]
fn loom_oneshot_close_with_wakers_vs_send() {
    model(|| {
        let (mut tx, mut rx) = oneshot::channel::<u8>();
        assert!(poll_once(&mut rx).is_pending());
        {
            let mut closed = pin!(tx.closed());
            assert!(poll_once(&mut closed).is_pending());
        }
        let sender = thread::spawn(move || tx.send(3).is_ok());
        rx.close();
        let received = block_on(rx);
        let sent = sender.join().unwrap();
        assert_eq!(received.is_ok(), sent);
    });
}

/// The sender's `closed` waker panics when `send` drops it: the value still arrives
/// (the channel was completed before the drop), and the allocation is freed.
#[test]
fn loom_oneshot_send_with_panicking_closed_waker() {
    model(|| {
        let (mut tx, mut rx) = oneshot::channel::<u8>();
        {
            let w = wakers::drop_panics();
            let mut closed = pin!(tx.closed());
            assert!(closed
                .as_mut()
                .poll(&mut Context::from_waker(&w))
                .is_pending());
            std::mem::forget(w);
        }
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || tx.send(7)));
        assert!(r.is_err(), "the waker's drop panicked inside send");
        assert_eq!(rx.try_recv(), Ok(7));
    });
}

/// The same waker, taken back by a sender dropped unsent: the receiver sees the end.
#[test]
fn loom_oneshot_drop_with_panicking_closed_waker() {
    model(|| {
        let (mut tx, mut rx) = oneshot::channel::<u8>();
        {
            let w = wakers::drop_panics();
            let mut closed = pin!(tx.closed());
            assert!(closed
                .as_mut()
                .poll(&mut Context::from_waker(&w))
                .is_pending());
            std::mem::forget(w);
        }
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(tx)));
        assert!(
            r.is_err(),
            "the waker's drop panicked inside the sender's drop"
        );
        assert_eq!(rx.try_recv(), Err(oneshot::error::TryRecvError::Closed));
    });
}

/// The receiver's own waker panics when `close` or its drop lets it go: the sender's
/// `closed` task is woken all the same, before the panic.
#[test]
fn loom_oneshot_receiver_with_panicking_waker_wakes_the_sender() {
    model(|| {
        for close in [true, false] {
            let (mut tx, mut rx) = oneshot::channel::<u8>();
            let w = wakers::drop_panics();
            assert!(std::pin::Pin::new(&mut rx)
                .poll(&mut Context::from_waker(&w))
                .is_pending());
            std::mem::forget(w);
            let (tw, flag) = wakers::flag();
            {
                let mut closed = pin!(tx.closed());
                assert!(closed
                    .as_mut()
                    .poll(&mut Context::from_waker(&tw))
                    .is_pending());
            }
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
                if close {
                    rx.close();
                }
                drop(rx);
            }));
            assert!(r.is_err(), "the receiver's waker panicked");
            assert!(flag.woken(), "the sender's closed() task was not woken");
            assert!(tx.is_closed());
        }
    });
}
