//! Asynchronous I/O — the traits the ecosystem shares, readiness for your own fds, and the
//! process's standard streams.
//!
//! eddy's sockets and files implement the [`futures-io`](https://docs.rs/futures-io)
//! traits [`AsyncRead`] and [`AsyncWrite`] (re-exported here), so the extension methods
//! of `futures-lite` or `futures-util` (`read_exact`, `write_all`, `copy`, `lines`, …)
//! work on them.
//!
//! | file | what |
//! |---|---|
//! | `async_fd.rs` | [`Async`]: any non-blocking fd you bring (a pipe, a device, a socket from another library), awaited until readable or writable — asyncio's `add_reader` / `add_writer` |
//! | `interest.rs`, `ready.rs` | [`Interest`] and [`Ready`]: the readiness API of the sockets (`ready`, `try_io`), tokio's types |
//! | `stdio.rs` | [`stdin`], [`stdout`], [`stderr`]: the std handles on the blocking pool |

mod async_fd;
mod interest;
mod ready;
mod stdio;

pub use futures_io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite};

pub(crate) use self::async_fd::current_reactor;
pub use self::async_fd::Async;
pub use self::interest::Interest;
pub use self::ready::Ready;
pub use self::stdio::{stderr, stdin, stdout, Stderr, Stdin, Stdout};
