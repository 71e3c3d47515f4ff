//! CancellationToken's tree: a cancel racing a waiter, and racing a child's detach (its
//! last handle dropped, which hands the grandchildren up to the parent).

use eddy_test_support::model;

use crate::CancellationToken;

/// A cancel on one thread against `cancelled().await` on a child on another: the waiter
/// always returns (loom reports a deadlock on a lost wake-up).
#[test]
fn loom_cancellation_cancel_vs_a_waiting_child() {
    model(|| {
        let root = CancellationToken::new();
        let child = root.child_token();
        let canceller = crate::loom::thread::spawn(move || root.cancel());
        eddy_executor::block_on(child.cancelled());
        canceller.join().unwrap();
    });
}

/// The root is cancelled while a middle token's last handle is dropped on another
/// thread: the grandchild is cancelled either way (reached through the middle token, or
/// through the root after being handed up), and the root keeps no stale child.
#[test]
fn loom_cancellation_cancel_vs_detach_reaches_the_grandchild() {
    model(|| {
        let root = CancellationToken::new();
        let middle = root.child_token();
        let grandchild = middle.child_token();
        let dropper = crate::loom::thread::spawn(move || drop(middle));
        root.cancel();
        dropper.join().unwrap();
        assert!(grandchild.is_cancelled());
        eddy_executor::block_on(grandchild.cancelled());
        assert_eq!(root.children_len(), 0);
    });
}
