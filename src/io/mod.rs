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
//! | `tokio_io.rs` | tokio's traits for all of the above and the sockets, files and pipes (feature `tokio-io`, below) |
//! | `uninit.rs`, `read_dst.rs` | reads into a buffer that may be uninitialised (features `hyper`, `tokio-io`), and into either trait's buffer by copying |
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
//!
//! # tokio's I/O traits (feature `tokio-io`)
//!
//! Crates written against tokio's traits — tokio-rustls, tokio-util's codecs (`Framed`,
//! `FramedRead`), h2, tokio's own `copy`, `split` and `BufReader` (its `io-util` feature)
//! — take eddy's types as they are once the `tokio-io` feature is on:
//! [`TcpStream`](crate::net::TcpStream) and [`UnixStream`](crate::net::UnixStream) (and a
//! `&` of either, and their owned halves), [`fs::File`](crate::fs::File) (also
//! `AsyncSeek`), the [child's pipes](crate::process::ChildStdout), [`DuplexStream`],
//! [`Stdin`], [`Stdout`], [`Stderr`] and [`split`]'s halves implement
//! `tokio::io::AsyncRead` and `tokio::io::AsyncWrite`. The feature brings in tokio's
//! traits and `ReadBuf` only (tokio with its default features off): no tokio runtime is in
//! the binary, and everything runs on eddy's.
//!
//! * Socket and pipe reads go straight into the `ReadBuf`'s unfilled part, uninitialised
//!   as it may be: nothing is zeroed first, as with tokio's own sockets. Files, `duplex`
//!   and stdio copy from their own buffers.
//! * Writes are the futures-io writes; sockets and (on Unix) a child's stdin write
//!   vectors with one `writev`.
//! * `poll_shutdown` is futures-io's `poll_close`: on a socket a half-close (the peer
//!   reads end-of-stream; this end can still read), as on tokio's `TcpStream`; on a file,
//!   a child's stdin or stdout, a flush; on a `duplex` stream, the end of its writes.
//!
//! The extension traits of the two families share method names (`read`, `write_all`,
//! `shutdown`, ...). Import one family's in a scope — `eddy::io::{AsyncReadExt,
//! AsyncWriteExt}` (futures-lite's) or `tokio::io::{AsyncReadExt, AsyncWriteExt}` — not
//! both: where both are, a call is ambiguous (error E0034) and must name its trait,
//! `tokio::io::AsyncWriteExt::write_all(&mut stream, b"..")`. And eddy's streams have
//! std's `shutdown(how)` of their own, which a method call finds before
//! `AsyncWriteExt::shutdown()`: write `AsyncWriteExt::shutdown(&mut stream).await` (or
//! `stream.shutdown(Shutdown::Write)`, the same half-close without waiting). The owned
//! halves have no such method: `write_half.shutdown().await` is tokio's.
//!
//! An upper-casing line server on tokio's `BufReader` and `AsyncWriteExt` (tokio's
//! `io-util`), on eddy's runtime:
//!
//! ```
//! # #[cfg(feature = "tokio-io")]
//! # fn main() {
//! use eddy::net::{TcpListener, TcpStream};
//! use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
//!
//! eddy::run(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").await?;
//!     let addr = listener.local_addr()?;
//!     eddy::spawn(async move {
//!         let (stream, _) = listener.accept().await?;
//!         let (read, mut write) = stream.into_split();
//!         let mut lines = BufReader::new(read).lines();
//!         while let Some(line) = lines.next_line().await? {
//!             write.write_all(format!("{}\n", line.to_uppercase()).as_bytes()).await?;
//!         }
//!         write.shutdown().await // an owned half: tokio's shutdown, a half-close
//!     });
//!
//!     let mut stream = TcpStream::connect(addr).await?;
//!     stream.write_all(b"hello\n").await?;
//!     let mut reply = String::new();
//!     BufReader::new(&stream).read_line(&mut reply).await?; // `&TcpStream` reads too
//!     assert_eq!(reply, "HELLO\n");
//!     std::io::Result::Ok(())
//! })
//! .unwrap();
//! # }
//! # #[cfg(not(feature = "tokio-io"))]
//! # fn main() {}
//! ```
//!
//! Both families' extension traits in one scope make the call ambiguous:
//!
#![cfg_attr(feature = "tokio-io", doc = "```compile_fail,E0034")]
#![cfg_attr(not(feature = "tokio-io"), doc = "```ignore")]
//! use eddy::io::AsyncWriteExt; // futures-lite's
//! use tokio::io::AsyncWriteExt as _; // and tokio's
//!
//! eddy::run(async {
//!     let (mut stream, _peer) = eddy::io::duplex(64);
//!     stream.write_all(b"hi").await.unwrap(); // error[E0034]: multiple applicable items
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
