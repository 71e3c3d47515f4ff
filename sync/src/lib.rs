//! eddy-sync: synchronization for tasks — asyncio's `Lock`, `Event`, `Condition`,
//! `Semaphore`, `Barrier`, `Queue` and `loop.create_future()`, with tokio's names and
//! signatures so code ports line by line. eddy re-exports it as `eddy::sync`.
//!
//! | asyncio | eddy |
//! |---|---|
//! | `fut = loop.create_future()`; `fut.set_result(v)`; `await fut` | [`oneshot::channel()`](oneshot::channel): `tx.send(v)`, `rx.await` |
//! | `asyncio.Lock()`, `async with lock:` | [`Mutex`] (holds the data): `let guard = m.lock().await;` |
//! | — | [`RwLock`]: many readers or one writer |
//! | `asyncio.Semaphore(n)`, `async with sem:` | [`Semaphore`]: `let _permit = sem.acquire().await?;` |
//! | `asyncio.Event()`: `set`, `clear`, `wait` | [`Event`] |
//! | `asyncio.Condition`: `notify`, `notify_all` | [`Notify`]: `notify_one`, `notify_waiters` |
//! | `asyncio.Barrier(n)`: `wait` | [`Barrier`]: `wait().await.is_leader()` |
//! | `asyncio.Queue(maxsize)`: `put`, `get` | [`mpsc::channel`] / [`mpsc::unbounded_channel`]: `send`, `recv` |
//! | — | [`watch`] (one value, watched for changes), [`broadcast`] (every receiver sees every message) |
//! | a lazily filled global under a `Lock` | [`OnceCell`]: `CELL.get_or_init(\|\| async { .. }).await` |
//! | cancellation scopes (`asyncio.timeout`, `TaskGroup`) as values | [`CancellationToken`]: `child_token`, `cancel`, `cancelled().await` |
//!
//! Every primitive is usable from any thread and under any executor (eddy's, smol's,
//! futures' `block_on`): nothing here needs an eddy worker, and the blocking helpers such
//! as `blocking_recv` are for plain threads. The one thing taken from eddy's executor is
//! its cooperative budget ([`eddy_executor::coop`]): on an eddy worker an operation that
//! is ready spends a unit, so a task looping over a channel still lets the others run;
//! under any other executor the budget is unlimited and costs a thread-local read.
//!
//! # Fair and cancel-safe
//!
//! Waiters are served first come, first served: a `lock`, `acquire` or bounded `send`
//! that starts waiting before another gets in before it, and nobody barges past a queued
//! waiter (`try_lock` fails instead). Dropping a waiting future — a `select!` that took
//! another branch, a timeout, an aborted task — leaves no trace: its place in the queue is
//! removed, and whatever had been handed to it in the meantime (a permit, the lock, a
//! `notify_one`) goes to the next waiter.
//!
//! # Design
//!
//! Each primitive keeps its waiters in a FIFO behind one `parking_lot` lock: a slab of
//! entries linked in arrival order (`wait_queue.rs`). A waiting future holds the key of its
//! entry; the side that grants it something unlinks the entry and writes the grant into
//! it, and only the future itself frees the entry — when it completes, or in `Drop`, where
//! it passes on what it was granted. Two modules hold unsafe code: [`Mutex`]'s and
//! [`RwLock`]'s data sit in an `UnsafeCell` next to their semaphore, and the permits are
//! what grant access (`lock_cell.rs`, whose invariants say which permit discharges each
//! access); [`oneshot`]'s halves share one raw allocation governed by an atomic state
//! word (`oneshot/shared.rs`). The rest of the crate is `deny(unsafe_code)`. [`Semaphore`] is the core
//! that [`Mutex`], [`RwLock`] and the bounded [`mpsc`] channel build on; its permit count
//! is an atomic, so an uncontended `lock` or `acquire` is one compare-and-swap.
//!
//! Two rules hold in every primitive. Every operation that can complete without waiting
//! (`acquire`, `lock`, `recv`, `send`, `reserve`, `changed`, `closed`, `notified`,
//! `wait`, on their error paths too: a closed channel is always ready) spends one unit of
//! the cooperative budget, and `try_*` methods never consult it. And no waker is dropped
//! or woken while a lock is held (`wait_queue::replace_waker` hands the displaced one back
//! to be dropped after unlocking): a waker's `Drop` may re-enter the same primitive.
//!
//! # Examples
//!
//! A worker pool: jobs through a bounded queue, results through a shared `Mutex`, the end
//! signalled by an `Event`:
//!
//! ```
//! use std::sync::Arc;
//! use eddy::sync::{mpsc, Event, Mutex};
//!
//! eddy::run(async {
//!     let (jobs, rx) = mpsc::channel::<u32>(4);
//!     let rx = Arc::new(Mutex::new(rx));
//!     let total = Arc::new(Mutex::new(0));
//!     let workers: Vec<_> = (0..3)
//!         .map(|_| {
//!             let (rx, total) = (rx.clone(), total.clone());
//!             eddy::spawn(async move {
//!                 while let Some(job) = rx.lock().await.recv().await {
//!                     *total.lock().await += job;
//!                 }
//!             })
//!         })
//!         .collect();
//!     for job in 1..=10 {
//!         jobs.send(job).await.unwrap(); // waits while 4 jobs are queued
//!     }
//!     drop(jobs); // workers see None and stop
//!     for w in workers {
//!         w.await.unwrap();
//!     }
//!     let done = Event::new();
//!     done.set();
//!     done.wait().await;
//!     assert_eq!(*total.lock().await, 55);
//! });
//! ```

#![deny(unsafe_code)]

/// The impls of a channel's `SendError<T>(pub T)`, which hands back the value that could
/// not be sent: `Debug` without the value (so `T` needs no `Debug`, as `unwrap` wants),
/// `Display` as `$msg`, and `Error`. mpsc, watch and broadcast each keep their own type.
macro_rules! send_error_impls {
    ($msg:literal) => {
        impl<T> fmt::Debug for SendError<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct("SendError").finish_non_exhaustive()
            }
        }

        impl<T> fmt::Display for SendError<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str($msg)
            }
        }

        impl<T> std::error::Error for SendError<T> {}
    };
}

mod barrier;
pub(crate) mod batch_semaphore;
pub mod broadcast;
mod cancellation_token;
mod event;
mod lock_cell;
pub mod mpsc;
mod mutex;
mod notify;
mod once_cell;
pub mod oneshot;
mod rwlock;
mod semaphore;
pub mod timer;
mod wait_queue;
pub mod watch;

mod loom;
#[cfg(test)]
mod tests;

pub use barrier::{Barrier, BarrierWaitResult};
pub use cancellation_token::{
    CancellationToken, DropGuard, DropGuardRef, WaitForCancellationFuture,
    WaitForCancellationFutureOwned,
};
pub use event::Event;
pub use mutex::{
    MappedMutexGuard, Mutex, MutexGuard, OwnedMappedMutexGuard, OwnedMutexGuard, TryLockError,
};
pub use notify::{Notified, Notify};
pub use once_cell::{OnceCell, SetError};
pub use rwlock::{
    OwnedRwLockMappedWriteGuard, OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock,
    RwLockMappedWriteGuard, RwLockReadGuard, RwLockWriteGuard,
};
pub use semaphore::{
    AcquireError, OwnedSemaphorePermit, Semaphore, SemaphorePermit, TryAcquireError,
};
