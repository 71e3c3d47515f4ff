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
//! | `shared.rs` | the lock-free FIFO queue, and behind one lock the idle stack, thread count, lifecycle; submit and shutdown |
//! | `thread.rs` | one pool thread's loop: run queued jobs (and what they deferred with [`after_job`]), go idle, exit after the keep-alive |
//! | `schedule.rs` | the [`Schedule`](crate::task) impl that makes a job a task of the pool |
//! | `job.rs` | the future that runs the closure once, on its first poll |
//!
//! # How it works
//!
//! A job is a task (the same allocation, state word, `JoinHandle` and `JoinError` as a
//! spawned future) whose future calls the closure on its first poll. Its scheduler is a
//! zero-sized type: after submission a job never needs one (it never returns `Pending`),
//! so a job costs no reference count on the pool.
//!
//! Jobs wait in a **lock-free FIFO queue** (the scheduler's crossbeam injector): a busy
//! pool's submitters only push and its threads only pop. One mutex guards the rest — a
//! LIFO stack of idle threads, each waiting on its own condvar, the thread count and the
//! lifecycle — and is taken only to wake, start, idle or retire a thread.
//!
//! * **Waking**: if no thread is on its way (*searching*: woken or started for a job, not
//!   holding one yet), a submitter wakes the most recently idled thread — the warmest, and
//!   under a light steady load the others really do reach their keep-alive — or, if none
//!   is idle and fewer than the cap run, starts a thread. While a thread is searching,
//!   submitters wake no other: the last searcher to take a job wakes the next thread if
//!   more jobs wait, before running its own. A burst of N short jobs so costs a few
//!   wake-ups instead of N (often the first threads run them all), and a burst of long
//!   jobs still spreads over N threads, one wake-up latency apart.
//! * **The cap**: beyond it jobs wait, strictly FIFO, for the first thread to finish; no
//!   thread beyond the cap is ever started.
//! * **Keep-alive**: a thread idle that long exits; the next job starts a new one.
//! * **No lost job** (modelled with loom in `tests/loom_blocking.rs`): the submitter
//!   pushes, then reads the searching, idle and thread counts behind a SeqCst fence; a
//!   thread that stops searching, goes idle or leaves publishes that, then looks at the
//!   queue behind a SeqCst fence. One of the two always sees the other.
//!
//! A panic in the closure is caught by the task harness and reported through the
//! `JoinHandle` ([`JoinError::is_panic`](crate::task::JoinError::is_panic)); the thread
//! lives on. `abort()` of a job that has not started cancels it on the aborting thread
//! at once (its handle reports `is_cancelled()` without waiting for a pool thread to
//! reach the queue entry, unlike tokio); a job that has started runs to the end — a
//! thread cannot be interrupted.
//!
//! A pool with no thread that cannot start one (`EAGAIN`, as under `RLIMIT_NPROC`) refuses
//! the queued jobs: their handles report `is_cancelled()`, with the OS's error as the
//! message's reason and the error's `source()`; a [mandatory](BlockingSpawner::run_mandatory)
//! job runs on the submitting thread instead. With a thread busy, jobs just wait for it.
//! The next job tries to start a thread again.
//!
//! No owned-task list: a job is always either in the queue or on a thread, so shutdown
//! reaches every unstarted job through the queue.
//!
//! # Shutdown
//!
//! [`BlockingPool::shutdown`] refuses new jobs (their handles report cancellation),
//! cancels every queued job except the [mandatory](BlockingSpawner::run_mandatory) ones,
//! wakes the idle threads and waits — at most the given timeout — for the running (and
//! mandatory) jobs. A thread whose job outlives the timeout is detached:
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
pub use self::thread::after_job;
