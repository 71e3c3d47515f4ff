//! The blocking pool: threads for the calls that would stall a worker — asyncio's
//! `loop.run_in_executor(None, f)` / `asyncio.to_thread(f)`.
//!
//! A worker thread must never block: while it sits in `read(2)` or a CPU-heavy loop,
//! every task in its queue waits. [`BlockingPool::run`] hands such a call to a separate
//! set of threads and returns a [`JoinHandle`](crate::task::JoinHandle) the async code
//! awaits, so the workers keep running tasks meanwhile.
//!
//! | file | what |
//! |---|---|
//! | `pool.rs` | [`BlockingPool`] (owns the threads, shuts down) and [`BlockingSpawner`] (submits) |
//! | `builder.rs` | [`Builder`]: thread cap, keep-alive, names, hooks |
//! | `shared.rs` | the one lock: FIFO queue, idle stack, thread count, lifecycle; submit and shutdown |
//! | `thread.rs` | one pool thread's loop: run queued jobs, go idle, exit after the keep-alive |
//! | `schedule.rs` | the [`Schedule`](crate::task) impl that makes a job a task of the pool |
//! | `job.rs` | the future that runs the closure once, on its first poll |
//!
//! # How it works
//!
//! A job is a task (the same allocation, state word, `JoinHandle` and `JoinError` as a
//! spawned future) whose future calls the closure on its first poll. Submitting pushes
//! the task on a FIFO queue under one mutex. If a thread is idle, the most recently
//! idled one is woken (a LIFO stack of per-thread condvars: the warmest thread runs the
//! job, and under a light steady load the others really do reach their keep-alive and
//! exit, where a shared FIFO condvar would keep rotating through all of them). If none
//! is idle and fewer than the cap are running, a thread is started; otherwise the job
//! waits its turn — the queue is unbounded and strictly FIFO, and no thread beyond the
//! cap is ever started. A thread that finishes a job takes the next one from the queue
//! without sleeping; with nothing queued it goes idle and exits after the keep-alive.
//!
//! A panic in the closure is caught by the task harness and reported through the
//! `JoinHandle` ([`JoinError::is_panic`](crate::task::JoinError::is_panic)); the thread
//! lives on. `abort()` of a job that has not started cancels it on the aborting thread
//! at once (its handle reports `is_cancelled()` without waiting for a pool thread to
//! reach the queue entry, unlike tokio); a job that has started runs to the end — a
//! thread cannot be interrupted.
//!
//! No owned-task list: a job is always either in the queue or on a thread (it never
//! returns `Pending`), so shutdown reaches every unstarted job through the queue.
//!
//! # Shutdown
//!
//! [`BlockingPool::shutdown`] refuses new jobs (their handles report cancellation),
//! cancels every queued job, wakes the idle threads and waits — at most the given
//! timeout — for the running jobs. A thread whose job outlives the timeout is detached:
//! it exits on its own when the job returns. Dropping a `BlockingPool` without calling
//! `shutdown` is a graceful close instead: queued jobs still run, new ones are refused,
//! the threads exit once the queue is empty, and the drop does not wait.
//!
//! # Examples
//!
//! ```
//! use eddy_executor::blocking::BlockingPool;
//!
//! let pool = BlockingPool::new(2);
//! let jobs: Vec<_> = (1..=4u64).map(|i| pool.run(move || i * i)).collect();
//! let squares: Vec<u64> = jobs
//!     .into_iter()
//!     .map(|job| eddy_executor::block_on(job).unwrap())
//!     .collect();
//! assert_eq!(squares, [1, 4, 9, 16]);
//! ```

mod builder;
mod job;
mod pool;
mod schedule;
mod shared;
mod thread;

pub use self::builder::Builder;
pub use self::pool::{BlockingPool, BlockingSpawner};
