//! `UnwindSafe` and `RefUnwindSafe` where tokio (and tokio-util) have them, so code that
//! moves eddy's sync types into `catch_unwind` compiles as it does on tokio.

use std::panic::{catch_unwind, RefUnwindSafe, UnwindSafe};

use eddy::sync::{
    broadcast, mpsc, oneshot, watch, Barrier, CancellationToken, DropGuard, Event, Mutex, Notify,
    OnceCell, OwnedSemaphorePermit, RwLock, RwLockReadGuard, Semaphore, SemaphorePermit,
};

fn assert_unwind_safe<T: UnwindSafe + RefUnwindSafe>() {}
fn assert_only_unwind_safe<T: UnwindSafe>() {}

/// A value type that is neither `Sync` nor `RefUnwindSafe` itself: the channels are
/// unwind-safe whatever they carry, as tokio's.
type Cell = std::cell::Cell<u8>;

#[test]
fn the_sync_types_are_unwind_safe_as_tokio_s() {
    assert_unwind_safe::<mpsc::Sender<Cell>>();
    assert_unwind_safe::<mpsc::Receiver<Cell>>();
    assert_unwind_safe::<mpsc::UnboundedSender<Cell>>();
    assert_unwind_safe::<mpsc::UnboundedReceiver<Cell>>();
    assert_unwind_safe::<mpsc::WeakSender<Cell>>();
    assert_unwind_safe::<mpsc::WeakUnboundedSender<Cell>>();
    assert_unwind_safe::<mpsc::OwnedPermit<Cell>>();
    assert_unwind_safe::<mpsc::Permit<'static, Cell>>();
    assert_unwind_safe::<mpsc::PermitIterator<'static, Cell>>();
    assert_unwind_safe::<oneshot::Sender<Cell>>();
    assert_unwind_safe::<oneshot::Receiver<Cell>>();
    assert_unwind_safe::<broadcast::Sender<Cell>>();
    assert_unwind_safe::<broadcast::Receiver<Cell>>();
    assert_unwind_safe::<broadcast::WeakSender<Cell>>();
    assert_unwind_safe::<watch::Sender<Cell>>();
    assert_unwind_safe::<watch::Receiver<Cell>>();
    assert_unwind_safe::<Semaphore>();
    assert_unwind_safe::<SemaphorePermit<'static>>();
    assert_unwind_safe::<OwnedSemaphorePermit>();
    assert_unwind_safe::<Notify>();
    assert_unwind_safe::<Event>();
    assert_unwind_safe::<Barrier>();
    assert_unwind_safe::<OnceCell<u8>>();
    assert_unwind_safe::<CancellationToken>();
    assert_unwind_safe::<DropGuard>();
    assert_unwind_safe::<RwLockReadGuard<'static, u8>>();
    // As tokio's: a lock's data may be left half-updated by a panic (no poisoning), so
    // the locks are UnwindSafe (movable into catch_unwind) but not RefUnwindSafe.
    assert_only_unwind_safe::<Mutex<u8>>();
    assert_only_unwind_safe::<RwLock<u8>>();
}

#[test]
fn channels_move_into_catch_unwind_without_assert_unwind_safe() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let notify = Notify::new();
    let token = CancellationToken::new();
    let result = catch_unwind(|| {
        tx.send(1).unwrap();
        notify.notify_one();
        token.cancel();
        panic!("after sending");
    });
    assert!(result.is_err());
    assert_eq!(rx.try_recv(), Ok(1));
    assert!(token.is_cancelled());
    let moved = catch_unwind(move || rx.try_recv());
    assert!(moved.unwrap().is_err());
}
