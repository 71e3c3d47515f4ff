//! eddy-executor: tasks and the work-stealing scheduler of the eddy runtime.
//!
//! # Architecture
//!
//! A spawned future becomes a **task**: one heap allocation holding a header (an atomic
//! state word with flags and the reference count, a vtable, owned-list links, an id), the
//! join waker, and the future — later its output ([`task`] documents the state machine
//! and who may touch what). Wakers, `JoinHandle`s and queue entries are all pointers to
//! that allocation; waking a task allocates nothing.
//!
//! The **scheduler** ([`Executor`]) runs tasks on N worker threads. Each worker has a
//! crossbeam-deque FIFO queue and a LIFO slot for the task it woke last, so a message
//! handed from one task to another is handled at once. Spawns and wakes from other
//! threads go through a global injector, which every worker checks at least every 61
//! ticks. A worker out of work steals half of a random victim's queue (at most 32 tasks);
//! at most half the workers search at once, and a searcher that finds work wakes one
//! more, so idle workers ramp up one at a time. A worker with nothing to do parks through
//! the [`park::Park`] hook: the runtime facade supplies one that waits on timers and
//! I/O, while this crate's tests and benchmarks use plain thread parkers. The
//! executor knows nothing of I/O or time.
//!
//! Blocking calls go to a separate [`blocking::BlockingPool`]: a job is a task of its own
//! scheduler (a FIFO queue and threads started on demand up to a cap), so it gets the
//! same `JoinHandle`, `JoinError` and abort as a spawned future. A task that must block
//! right where it is calls [`block_in_place`] instead: its worker first hands its queued
//! tasks to the others, which keep running while the closure blocks.
//!
//! Futures that are not `Send` run as **local tasks** on a [`LocalSet`] ([`local`]): the
//! same tasks, whose scheduler is a queue on the set's own thread, driven by whoever
//! polls the set there ([`task::spawn_local`] spawns onto the set running here).
//!
//! A panicking task is caught and reported through its `JoinHandle`; the worker lives on.
//! Each poll gets a cooperative budget ([`coop`]), and a task that wakes itself goes to
//! the back of the queue.
//!
//! All atomics, cells and locks come from one shim, so the same code runs under
//! [loom](https://docs.rs/loom) with `RUSTFLAGS="--cfg eddy_loom"`; the models live in
//! `src/tests/loom_*.rs`.
//!
//! # Examples
//!
//! ```
//! use eddy_executor::{block_on, Executor};
//!
//! let executor = Executor::builder().worker_threads(2).build().unwrap();
//! let spawner = executor.spawner();
//! let answer = block_on(async move {
//!     let inner = spawner.clone();
//!     let task = spawner.spawn(async move {
//!         // Tasks spawn tasks; yield_now is asyncio's sleep(0).
//!         eddy_executor::task::yield_now().await;
//!         inner.spawn(async { 21 }).await.unwrap() * 2
//!     });
//!     task.await.unwrap()
//! });
//! assert_eq!(answer, 42);
//! ```

#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

mod block_in_place;
mod block_on;
pub mod blocking;
pub mod coop;
mod current_thread;
pub mod debug;
pub mod limits;
pub mod local;
pub(crate) mod loom;
pub mod park;
pub mod rand;
mod scheduler;
pub mod task;
mod threads;

#[cfg(test)]
mod tests;

pub use block_in_place::block_in_place;
pub use block_on::block_on;
pub use current_thread::CurrentThread;
pub use local::LocalSet;
pub use scheduler::context::{already_running, is_entered};
pub use scheduler::{Builder, Executor, Spawner};
pub use threads::ThreadSettings;
