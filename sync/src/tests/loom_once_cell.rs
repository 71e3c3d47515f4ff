//! OnceCell's hand-over: the initializer's permit, the store-then-close, and a cancelled
//! initializer passing the permit on.

use std::future::Future;
use std::task::{Context, Poll};

use eddy_test_support::model;

use crate::loom::Arc;
use crate::OnceCell;

fn poll_once<F: Future>(f: std::pin::Pin<&mut F>) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(std::task::Waker::noop()))
}

/// Two threads race `get_or_init`: exactly one initializer runs, and both return its
/// value (the loser is woken by the close; loom reports a deadlock otherwise).
#[test]
fn loom_once_cell_two_initializers_one_runs() {
    model(|| {
        let cell = Arc::new(OnceCell::new());
        let other = {
            let cell = cell.clone();
            crate::loom::thread::spawn(move || {
                *eddy_executor::block_on(cell.get_or_init(|| async { 1 }))
            })
        };
        let mine = *eddy_executor::block_on(cell.get_or_init(|| async { 2 }));
        let theirs = other.join().unwrap();
        assert_eq!(mine, theirs);
        assert_eq!(cell.get(), Some(&mine));
    });
}

/// An initializer holding the permit is cancelled (dropped) while another thread waits
/// for the permit: the waiter runs its own initializer.
#[test]
fn loom_once_cell_cancelled_initializer_passes_the_permit_on() {
    model(|| {
        let cell = Arc::new(OnceCell::new());
        let mut first = Box::pin(cell.get_or_init(std::future::pending::<u8>));
        assert!(poll_once(first.as_mut()).is_pending()); // holds the permit
        let other = {
            let cell = cell.clone();
            crate::loom::thread::spawn(move || {
                *eddy_executor::block_on(cell.get_or_init(|| async { 7 }))
            })
        };
        drop(first);
        assert_eq!(other.join().unwrap(), 7);
    });
}
