//! Asynchronous I/O — the traits the ecosystem shares, and readiness for your own fds.
//!
//! eddy's sockets and files implement the [`futures-io`](https://docs.rs/futures-io)
//! traits [`AsyncRead`] and [`AsyncWrite`], so the extension methods of `futures-lite`
//! or `futures-util` (`read_exact`, `write_all`, `copy`, `lines`, …) work on them.
//!
//! [`Async`] wraps any non-blocking file descriptor you bring — a pipe, a device, a
//! socket from another library — and lets tasks wait until it is readable or writable:
//! asyncio's `loop.add_reader` / `loop.add_writer`, as a future.

mod async_fd;

pub(crate) use self::async_fd::current_reactor;
pub use self::async_fd::Async;
pub use futures_io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite};
