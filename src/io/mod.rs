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
//! | `copy_bidirectional.rs` | [`copy_bidirectional`]: a two-way proxy between two streams, passing half-closes on |
//! | `duplex.rs` | [`duplex`]: an in-memory stream pair with a bounded buffer each way, for tests |
//! | `split.rs` | [`split`]: any `AsyncRead + AsyncWrite` as a read half and a write half |
//! | `interest.rs`, `ready.rs` | [`Interest`] and [`Ready`]: the readiness API of the sockets (`ready`, `try_io`), tokio's types |
//! | `stdio.rs` | [`stdin`], [`stdout`], [`stderr`]: the std handles on the blocking pool |
//!
//! The extension traits ([`AsyncReadExt`], [`AsyncWriteExt`], [`AsyncBufReadExt`],
//! [`AsyncSeekExt`]), [`BufReader`], [`BufWriter`], [`Cursor`], [`copy`], [`empty`],
//! [`sink`] and [`repeat`] are futures-lite's, re-exported so that `use eddy::io::...`
//! is all a port from tokio needs. docs/io.md teaches them all.
//!
//! # Examples
//!
//! ```
//! use eddy::io::{duplex, AsyncBufReadExt, AsyncWriteExt, BufReader};
//!
//! eddy::run(async {
//!     let (mut tx, rx) = duplex(64);
//!     tx.write_all(b"hello\nworld\n").await.unwrap();
//!     drop(tx);
//!     let mut rx = BufReader::new(rx);
//!     let mut line = String::new();
//!     rx.read_line(&mut line).await.unwrap();
//!     assert_eq!(line, "hello\n");
//! });
//! ```

mod async_fd;
mod copy_bidirectional;
mod duplex;
mod interest;
pub(crate) mod read_dst;
mod ready;
mod split;
mod stdio;
#[cfg(feature = "tokio-io")]
pub(crate) mod tokio_io;
#[cfg(any(feature = "hyper", feature = "tokio-io"))]
pub(crate) mod uninit;

pub use futures_io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite};

pub(crate) use self::async_fd::current_reactor;
pub use self::async_fd::Async;
pub use self::copy_bidirectional::{copy_bidirectional, copy_bidirectional_with_sizes};
pub use self::duplex::{duplex, DuplexStream};
pub use self::interest::Interest;
pub use self::ready::Ready;
pub use self::split::{split, ReadHalf, WriteHalf};
#[cfg(windows)]
pub(crate) use self::stdio::Blocking;
pub use self::stdio::{stderr, stdin, stdout, Stderr, Stdin, Stdout};
pub use futures_lite::io::{
    copy, empty, repeat, sink, AsyncBufReadExt, AsyncReadExt, AsyncSeekExt, AsyncWriteExt,
    BufReader, BufWriter, Chain, Cursor, Empty, Lines, Repeat, Sink, Take,
};
pub use std::io::{Error, ErrorKind, Result, SeekFrom};
