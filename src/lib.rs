//! eddy: asyncio's model — an event loop that runs tasks, futures you await, timers,
//! non-blocking sockets and a pool for blocking calls — as a multi-threaded,
//! work-stealing Rust runtime.
//!
//! # Architecture
//!
//! This crate is the facade (`#![deny(unsafe_code)]`, allowed only in the files that say
//! why: the `hyper` and `tokio-io` features' socket and pipe reads into uninitialised
//! buffers (`io/uninit.rs`), on Windows the console handler behind [`signal::ctrl_c`],
//! [`process`]'s system calls — `pidfd_open`, pipe flags, the signal mask around a pipe
//! write, and the Windows process wait — `TcpSocket`'s `FromRawFd`, and
//! `UdpSocket::recv_buf` into a buffer's spare capacity): it joins the member crates, and
//! the only work it does itself is the driver between them (`runtime/driver/`: the park
//! hook and the per-worker timers).
//!
//! * [`eddy_executor`] holds tasks and the scheduler. A task is one allocation (state word,
//!   vtable, future or output, join waker); a worker runs tasks from its own queue and a
//!   LIFO slot for the task it just woke, steals half of another worker's queue (at most 32
//!   tasks) when it runs dry, and parks through a hook when there is nothing to steal.
//! * `eddy-timer` is a hierarchical timing wheel; [`time`] gives each worker one and joins
//!   them to the workers through the executor's park hook: an idle worker parks until the
//!   exact earliest deadline, a busy one fires due timers every 61 ticks.
//! * `eddy-reactor` is readiness I/O on one of two OS pollers behind one seam: epoll,
//!   driven directly (the Linux fast path), or the `polling` crate on every OS (kqueue,
//!   IOCP, event ports, poll(2)); [`runtime::IoBackend`] picks. Registered sources carry
//!   per-direction wakers and a readiness tick so no wakeup is lost. One idle worker at a
//!   time sleeps in the poller (its timeout is the earliest timer); the others sleep on
//!   their own parkers, and busy workers poll it without blocking every 61 ticks.
//!   [`net`], [`io::Async`] and [`process`]'s pipes and exit notifications (a pidfd per
//!   child on Linux, SIGCHLD elsewhere) are built on it.
//! * Blocking calls run on the executor's [blocking pool](eddy_executor::blocking): threads
//!   started on demand up to a cap, a FIFO queue beyond it, threads exiting after a
//!   keep-alive. [`fs`] and [`io`]'s stdio run their system calls there, as tokio does.
//!
//! | asyncio | eddy |
//! |---|---|
//! | `asyncio.run(main())` | [`eddy::run(main())`](run); [`#[eddy::main]`](main) on `async fn main` |
//! | `loop.run_until_complete(f)` | [`Runtime::block_on`] |
//! | `asyncio.get_event_loop()` | [`Handle::current`] / [`Handle::try_current`] |
//! | `asyncio.create_task(coro)` | [`eddy::spawn`](spawn) -> [`JoinHandle`](task::JoinHandle) |
//! | `asyncio.gather(*aws, return_exceptions=True)` | [`eddy::gather(iter)`](gather) (tasks, results in order); [`eddy::join!`](join!) (same task) |
//! | `asyncio.gather(*aws)` | [`eddy::try_gather(iter)`](try_gather) (first error wins, the rest aborted) |
//! | `asyncio.TaskGroup` / `as_completed` | [`task::JoinSet`] (`join_next` in completion order; drop aborts the rest) |
//! | `asyncio.wait(aws, return_when=FIRST_COMPLETED)` | [`eddy::select!`](select!) (the losers are dropped) |
//! | `task.cancel()` / `task.done()` | [`JoinHandle::abort`](task::JoinHandle::abort) / [`is_finished`](task::JoinHandle::is_finished) |
//! | `await asyncio.sleep(0)` | [`eddy::task::yield_now().await`](task::yield_now) |
//! | `await asyncio.sleep(d)` | [`eddy::time::sleep(d).await`](time::sleep) |
//! | `loop.run_in_executor(None, f)`, `asyncio.to_thread(f)` | [`eddy::run_in_executor(f)`](run_in_executor) (also `eddy::task::spawn_blocking`) |
//! | `loop.run_in_executor(pool, f)` | [`BlockingPool::run(f)`](task::BlockingPool::run) |
//! | `open()` / `pathlib` calls (aiofiles) | [`eddy::fs`](fs): `read`, `write`, `File`, `read_dir`, ... on the blocking pool |
//! | `asyncio.wait_for(aw, d)` | [`eddy::time::timeout(d, fut).await`](time::timeout) |
//! | `asyncio.open_connection` / `start_server` | [`net::TcpStream::connect`] / [`net::TcpListener::bind`] |
//! | `loop.add_reader(fd, cb)` | [`io::Async::new(fd)`](io::Async)`.readable().await` |
//! | `StreamReader.readexactly`, `readline`, `writer.drain` | [`io::AsyncReadExt`], [`io::AsyncBufReadExt`], [`io::AsyncWriteExt`]; [`io::copy_bidirectional`], [`io::duplex`] |
//! | `asyncio.create_subprocess_exec`, `proc.communicate()` | [`process::Command::spawn`], [`process::Child::wait_with_output`] |
//! | `async for x in source` | `Stream`s ([`sync::mpsc::Receiver`], [`time::Interval`], [`net::TcpListener::incoming`], ...) with futures-lite's `StreamExt` |
//! | `asyncio.current_task()`, `all_tasks()`, `create_task(name=)` | [`task::id`], [`Handle::tasks`], [`task::Builder::name`] |
//! | one thread runs everything (asyncio's loop) | [`Builder::new_current_thread`]; `#[eddy::test]` uses it |
//! | tasks sharing plain objects on the loop's thread | [`task::spawn_local`] (current-thread runtime), [`task::LocalSet`] (any runtime) |
//! | `loop.time()`, a fake clock in tests | [`time::Instant::now`], [`time::pause`] / [`advance`](time::advance), [`Builder::start_paused`] |
//! | `contextvars.ContextVar`, `var.set` / `reset`, `var.get` | [`eddy::task_local!`](task_local!), [`LocalKey::scope`](task::LocalKey::scope), [`get`](task::LocalKey::get) / [`try_with`](task::LocalKey::try_with) |
//! | a blocking call that must stay on the task's thread | [`task::block_in_place`] (multi-thread runtime) |
//! | `asyncio.run(main(), debug=True)` | [`Builder::debug`]: slow polls, a stuck-worker watchdog, tasks pending at shutdown; unread panics are reported by default ([`Builder::unhandled_panic`]); docs/debugging.md |
//!
//! # Cargo features
//!
//! | feature | what it adds |
//! |---|---|
//! | `hyper` | hyper 1.x's runtime traits for eddy (`eddy::hyper`): its executor, timer and the sockets' `Read` / `Write` |
//! | `tokio-io` | tokio's `AsyncRead` / `AsyncWrite` (and `AsyncSeek` for files) on eddy's sockets, files, pipes and stdio, for the crates written against them (tokio-rustls, tokio-util's codecs); only tokio's traits come in, not its runtime ([`io`]'s docs) |
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

#![deny(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

/// Making the system calls eddy makes fail on purpose, to test what a program on eddy does
/// when the OS says no (feature `fault-injection`, for tests only: the eddy-faults crate).
///
/// # Examples
///
/// ```
/// use eddy::faults::{Call, Faults, When};
///
/// let faults = Faults::begin();
/// faults.arm(Call::PollerCreate, When::Nth(1), 24); // EMFILE on Linux
/// let err = eddy::Runtime::builder().build().unwrap_err();
/// assert_eq!(err.raw_os_error(), Some(24));
/// assert!(eddy::Runtime::builder().build().is_ok());
/// ```
#[cfg(feature = "fault-injection")]
#[cfg_attr(docsrs, doc(cfg(feature = "fault-injection")))]
pub use eddy_faults as faults;
pub mod fs;
mod gather;
#[cfg(feature = "hyper")]
#[cfg_attr(docsrs, doc(cfg(feature = "hyper")))]
pub mod hyper;
pub mod io;
pub(crate) mod loom;
mod macros;
pub mod net;
pub mod process;
pub mod runtime;
pub mod signal;
#[doc(inline)]
pub use eddy_sync as sync;
pub mod task;
pub mod time;

#[cfg(test)]
mod tests;

/// docs/asyncio.md, the guide for asyncio users: its examples run as doc tests, so the
/// guide cannot fall behind the code.
#[cfg(doctest)]
#[doc = include_str!("../docs/asyncio.md")]
pub struct AsyncioGuide;

/// docs/debugging.md (task identity, debug mode, introspection): its examples run too.
#[cfg(doctest)]
#[doc = include_str!("../docs/debugging.md")]
pub struct DebuggingGuide;

/// docs/io.md (the reactor, and using `eddy::io`: the traits, copy, duplex, split,
/// framing, streams): its examples run too.
#[cfg(doctest)]
#[doc = include_str!("../docs/io.md")]
pub struct IoGuide;

use std::future::Future;

pub use eddy_executor;
pub use runtime::{Builder, Handle, Runtime};
pub use task::spawn;
pub use task::spawn_blocking as run_in_executor;

pub use gather::{gather, try_gather, Gather, TryGather};

#[doc(hidden)]
pub use macros::support as __private;

/// Runs an `async fn main` on a new runtime — asyncio's `asyncio.run(main())`.
///
/// The function becomes a plain `fn` that builds a runtime, runs the body to completion
/// with [`Runtime::block_on`] and shuts the runtime down. The body may return a value,
/// such as a `Result` for `?`. Arguments, as tokio's:
///
/// * `flavor = "multi_thread"` (the default) or `"current_thread"`
///   ([`Builder::new_current_thread`]: everything on the main thread);
/// * `worker_threads = N` (multi-thread; default one per CPU core);
/// * `start_paused = true` (current-thread; see [`Builder::start_paused`]).
///
/// # Examples
///
/// ```
/// #[eddy::main(worker_threads = 2)]
/// async fn main() -> Result<(), std::num::ParseIntError> {
///     let n: u32 = eddy::spawn(async { "42" }).await.unwrap().parse()?;
///     assert_eq!(n, 42);
///     Ok(())
/// }
/// ```
///
/// ```
/// #[eddy::main(flavor = "current_thread")]
/// async fn main() {
///     let local = std::rc::Rc::new("not Send");
///     let task = eddy::task::spawn_local(async move { local.len() });
///     assert_eq!(task.await.unwrap(), 8);
/// }
/// ```
///
/// A function that is not `async` is a compile error: "the `async` keyword is missing
/// from the function declaration".
///
/// ```compile_fail
/// #[eddy::main]
/// fn main() {}
/// ```
///
/// So is an unknown argument, or a worker count that is not a positive literal:
///
/// ```compile_fail
/// #[eddy::main(threads = 2)]
/// async fn main() {}
/// ```
///
/// ```compile_fail
/// #[eddy::main(worker_threads = 0)]
/// async fn main() {}
/// ```
///
/// So are a flavor that does not exist, worker threads on a current-thread runtime, and a
/// paused clock on a multi-thread one:
///
/// ```compile_fail
/// #[eddy::main(flavor = "single_thread")]
/// async fn main() {}
/// ```
///
/// ```compile_fail
/// #[eddy::main(flavor = "current_thread", worker_threads = 2)]
/// async fn main() {}
/// ```
///
/// ```compile_fail
/// #[eddy::main(start_paused = true)]
/// async fn main() {}
/// ```
pub use eddy_macros::main;

/// Runs an `async fn` test on a fresh runtime of its own — `#[test]` for async code.
///
/// Each test gets a new runtime, dropped when the test ends, so no task outlives its
/// test. As tokio's, it is a **current-thread** runtime by default (everything on the
/// test's thread: [`spawn_local`](task::spawn_local) works, and the clock can be paused);
/// `flavor = "multi_thread"` (with `worker_threads = N`, default one per CPU core) gives a
/// multi-thread one, and `start_paused = true` starts the clock paused (see
/// [`Builder::start_paused`]). The test may return a `Result`, and other attributes
/// (`#[should_panic]`, `#[ignore]`) apply as usual.
///
/// Its runtime's random choices (`select!`) come from a seed: random, or `EDDY_SEED`'s.
/// When the test panics, the seed is printed ("eddy: this test ran with seed N; replay
/// it with EDDY_SEED=N"), so a failure that depends on an interleaving can be replayed.
///
/// # Examples
///
/// ```
/// #[eddy::test]
/// async fn spawned_tasks_run() {
///     assert_eq!(eddy::spawn(async { 1 + 1 }).await.unwrap(), 2);
/// }
///
/// #[eddy::test(start_paused = true)]
/// async fn an_hour_passes_at_once() {
///     let start = eddy::time::Instant::now();
///     eddy::time::sleep(std::time::Duration::from_secs(3600)).await;
///     assert!(start.elapsed() >= std::time::Duration::from_secs(3600));
/// }
///
/// #[eddy::test(flavor = "multi_thread", worker_threads = 2)]
/// async fn on_two_workers() {
///     assert_eq!(eddy::runtime::Handle::current().num_workers(), 2);
/// }
/// ```
///
/// A function that is not `async` is a compile error: "the `async` keyword is missing
/// from the function declaration".
///
/// ```compile_fail
/// #[eddy::test]
/// fn not_async() {}
/// ```
pub use eddy_macros::test;

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
