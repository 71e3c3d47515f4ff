//! Local tasks: futures that are not `Send`, run on the thread that spawned them —
//! tokio's `LocalSet` and `spawn_local`.
//!
//! A [`LocalSet`] owns a set of tasks and runs them on its own thread when it is driven:
//! by [`LocalSet::run_until`] (the tasks run while a future of the caller's is polled)
//! or by awaiting the set itself (until it has no task left). It works under any
//! executor that polls it on one thread: `eddy_executor::block_on`, a runtime's
//! `block_on`, or a single task's poll. [`spawn_local`] spawns
//! onto the set running on this thread.
//!
//! | file | what |
//! |---|---|
//! | `set.rs` | [`LocalSet`]: new, spawn_local, run_until, the set as a future, drop |
//! | `owner.rs` | the owner-thread part: its queue, a turn of tasks, cancelling on drop |
//! | `shared.rs` | the part its tasks hold: the shared queue and waker, the task list; `Schedule` |
//! | `context.rs` | the thread-local naming the set running here (saved and restored when sets nest) |
//! | `spawn.rs` | the free functions `spawn_local` and `try_spawn_local`: the set running here, else the current-thread loop running here |
//!
//! # Where a task goes
//!
//! A local task is an ordinary task (the state machine in [`task`](crate::task)) whose
//! scheduler handle points to the set's shared part, so abort, `JoinError`,
//! `is_finished` and `yield_now` behave as for any task.
//!
//! | event | on the owner thread while this set runs | anywhere else, or while the set is not running |
//! |---|---|---|
//! | spawn, wake, yield | the back of the set's own queue (no lock) | the back of the shared queue (a lock), then the set's waker is woken |
//! | abort of an idle task | queued as a wake, so the set drops the future | the same |
//!
//! # Protocols
//!
//! 1. **A turn** (`Owner::tick`): the set runs at most 61 tasks per poll (tokio's
//!    `MAX_TASKS_PER_TICK`), each with a fresh cooperative budget, taking its own queue
//!    first and, once it is empty, the whole shared queue in one lock; every 31st task
//!    comes from the shared queue first. If the 61 are spent, the set wakes its caller
//!    and returns, so one poll always returns to whoever polls the set.
//! 2. **Going idle** (`Shared::register_idle`) and **a wake from afar**
//!    (`Shared::schedule_remote`) each take the shared queue's lock once: going idle
//!    stores the caller's waker only if the shared queue is empty, and a wake from afar
//!    pushes its task and takes the stored waker. Whichever comes second sees the
//!    other's write, so a wake racing the set going idle either is found by the set or
//!    finds its waker — never lost (`tests/loom_local.rs`). The waker is woken after
//!    the lock is released.
//! 3. **Drop** (`Owner::shutdown`): the set, running, closes its task list and cancels
//!    every task in it (each idle future is dropped there and then), then closes the
//!    shared queue and drops every queued reference. A wake that comes later finds the
//!    queue closed and drops its reference where it is: the task is complete by then.
//!
//! # A local task never leaves its thread
//!
//! A local task's future is touched by whoever holds its `RUNNING` bit, which is whoever
//! runs its `Notified` or shuts it down. So the argument is about where those go:
//!
//! * Only `Owner` runs (`tick`) or shuts down (`shutdown`) a local task, and an `Owner`
//!   never leaves the thread that made it: it is `!Send`, lives in an `Rc`, and is held
//!   only by the `LocalSet` (`!Send`, `!Sync`) and by this thread's thread-local.
//! * A `Notified` goes to the set's own queue, inside the `Owner`, only when this set is
//!   the one named by the waking thread's thread-local — so the waking thread is the
//!   owner. Everything else goes to the shared queue, which other threads may push to
//!   but only the `Owner` pops from.
//! * When the set is dropped it first cancels every task on its thread; a `Notified`
//!   refused afterwards by the closed queue belongs to a complete task, whose future is
//!   gone, so dropping it elsewhere drops a reference count and nothing else.
//! * A task's output is read by its `JoinHandle`, which is `!Send` when the output is.
//!   As in tokio, one hole remains: a `JoinHandle` leaked with `mem::forget` leaves an
//!   unread output to whoever drops the task's last reference.
//!
//! Each `unsafe` block that relies on this (the call to `new_local_task` in
//! `owner.rs`) says so in its `SAFETY` comment.
//!
//! # Examples
//!
//! ```
//! use std::cell::RefCell;
//! use std::rc::Rc;
//!
//! use eddy_executor::local::LocalSet;
//! use eddy_executor::task::spawn_local;
//!
//! let local = LocalSet::new();
//! let counter = Rc::new(RefCell::new(0)); // shared by the tasks; not Send
//! eddy_executor::block_on(local.run_until(async {
//!     let tasks: Vec<_> = (0..10)
//!         .map(|_| {
//!             let counter = counter.clone();
//!             spawn_local(async move {
//!                 eddy_executor::task::yield_now().await;
//!                 *counter.borrow_mut() += 1;
//!             })
//!         })
//!         .collect();
//!     for task in tasks {
//!         task.await.unwrap();
//!     }
//! }));
//! assert_eq!(*counter.borrow(), 10);
//! ```

mod context;
mod owner;
mod set;
mod shared;
mod spawn;

pub use self::set::LocalSet;
pub use self::spawn::{spawn_local, try_spawn_local};
