//! eddy: asyncio's model — an event loop that runs tasks, futures you await, timers,
//! non-blocking sockets and a pool for blocking calls — as a multi-threaded,
//! work-stealing Rust runtime.
//!
//! # Architecture
//!
//! This crate is the facade (`#![forbid(unsafe_code)]`): it joins the member crates, and
//! the only work it does itself is the driver between them (`runtime/driver.rs`, and the
//! per-worker timers in `time/`).
//!
//! * [`eddy_executor`] holds tasks and the scheduler. A task is one allocation (state word,
//!   vtable, future or output, join waker); a worker runs tasks from its own queue and a
//!   LIFO slot for the task it just woke, steals half of another worker's queue (at most 32
//!   tasks) when it runs dry, and parks through a hook when there is nothing to steal.
//! * `eddy-timer` is a hierarchical timing wheel; [`time`] gives each worker one and joins
//!   them to the workers through the executor's park hook: an idle worker parks until the
//!   exact earliest deadline, a busy one fires due timers every 61 ticks.
//! * `eddy-reactor` is readiness I/O on `polling` (epoll): a slab of registered sources,
//!   per-direction wakers and a readiness tick so no wakeup is lost. One idle worker at a
//!   time sleeps in the poller (its timeout is the earliest timer); the others sleep on
//!   their own parkers, and busy workers poll it without blocking every 61 ticks.
//!   [`net`] and [`io::Async`] are built on it.
//!
//! | asyncio | eddy |
//! |---|---|
//! | `asyncio.run(main())` | [`eddy::run(main())`](run) |
//! | `loop.run_until_complete(f)` | [`Runtime::block_on`] |
//! | `asyncio.get_event_loop()` | [`Handle::current`] / [`Handle::try_current`] |
//! | `asyncio.create_task(coro)` | [`eddy::spawn`](spawn) -> [`JoinHandle`](task::JoinHandle) |
//! | `task.cancel()` / `task.done()` | [`JoinHandle::abort`](task::JoinHandle::abort) / [`is_finished`](task::JoinHandle::is_finished) |
//! | `await asyncio.sleep(0)` | [`eddy::task::yield_now().await`](task::yield_now) |
//! | `await asyncio.sleep(d)` | [`eddy::time::sleep(d).await`](time::sleep) |
//! | `asyncio.wait_for(aw, d)` | [`eddy::time::timeout(d, fut).await`](time::timeout) |
//! | `asyncio.open_connection` / `start_server` | [`net::TcpStream::connect`] / [`net::TcpListener::bind`] |
//! | `loop.add_reader(fd, cb)` | [`io::Async::new(fd)`](io::Async)`.readable().await` |
//!
//! # Examples
//!
//! ```
//! async fn fetch(id: u32) -> u32 {
//!     eddy::task::yield_now().await; // let others run, like asyncio.sleep(0)
//!     id * 10
//! }
//!
//! let total = eddy::run(async {
//!     let tasks: Vec<_> = (1..=3).map(|id| eddy::spawn(fetch(id))).collect();
//!     let mut total = 0;
//!     for task in tasks {
//!         total += task.await.unwrap();
//!     }
//!     total
//! });
//! assert_eq!(total, 60);
//! ```

#![forbid(unsafe_code)]

pub mod io;
pub(crate) mod loom;
pub mod net;
pub mod runtime;
pub mod sync;
pub mod task;
pub mod time;

#[cfg(test)]
mod tests;

use std::future::Future;

pub use eddy_executor;
pub use runtime::{Builder, Handle, Runtime};
pub use task::spawn;

/// Runs `future` to completion on a new runtime, then shuts the runtime down —
/// asyncio's `asyncio.run(main())`.
///
/// # Panics
///
/// With "this event loop is already running" when called from async code (inside a task
/// or `block_on`): `.await` the future there instead. Also if the runtime cannot start
/// its threads.
///
/// # Examples
///
/// ```
/// let greeting = eddy::run(async { format!("hello, {}", "eddy") });
/// assert_eq!(greeting, "hello, eddy");
/// ```
#[track_caller]
pub fn run<F: Future>(future: F) -> F::Output {
    if eddy_executor::is_entered() {
        runtime::already_running("eddy::run");
    }
    let rt = Runtime::new().expect("eddy::run: could not start the runtime's worker threads");
    rt.block_on(future)
}
