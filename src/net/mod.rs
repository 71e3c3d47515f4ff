//! Networking — asyncio's `open_connection` / `start_server`, with the names and
//! semantics of `std::net` and `tokio::net`, so servers port line by line.
//!
//! | type | what |
//! |---|---|
//! | [`TcpListener`] | `bind`, `accept`, `local_addr`, `from_std` |
//! | [`TcpStream`] | `connect`, reads and writes (futures-io), `into_split` into owned halves |
//! | [`UdpSocket`] | `bind`, `connect`, `send` / `recv`, `send_to` / `recv_from` |
//! | [`UnixListener`], [`UnixStream`], [`UnixDatagram`] | the same on Unix domain sockets (Unix only) |
//!
//! Every socket is non-blocking and registered with the runtime's reactor
//! ([`eddy::io::Async`](crate::io::Async) underneath). An operation first tries the
//! syscall and waits for readiness only if it would block, and it spends a unit of the
//! task's cooperative budget. Streams implement [`AsyncRead`](crate::io::AsyncRead) and
//! [`AsyncWrite`](crate::io::AsyncWrite), so `futures_lite::AsyncReadExt::read` and
//! friends work as `tokio::io::AsyncReadExt`'s do; they also have `readable()` /
//! `writable()` and non-blocking `try_read` / `try_write`.
//!
//! Addresses are anything `std::net::ToSocketAddrs` takes. IP literals are parsed
//! without a lookup; host names are resolved on the runtime's blocking pool.
//!
//! # Examples
//!
//! An echo round trip on loopback:
//!
//! ```
//! use eddy::net::{TcpListener, TcpStream};
//! use futures_lite::{AsyncReadExt, AsyncWriteExt};
//!
//! eddy::run(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
//!     let addr = listener.local_addr().unwrap();
//!     let server = eddy::spawn(async move {
//!         let (mut socket, _) = listener.accept().await.unwrap();
//!         let mut buf = [0; 5];
//!         socket.read_exact(&mut buf).await.unwrap();
//!         socket.write_all(&buf).await.unwrap();
//!     });
//!     let mut client = TcpStream::connect(addr).await.unwrap();
//!     client.write_all(b"hello").await.unwrap();
//!     let mut echoed = [0; 5];
//!     client.read_exact(&mut echoed).await.unwrap();
//!     assert_eq!(&echoed, b"hello");
//!     server.await.unwrap();
//! });
//! ```

mod addr;
pub mod split;
pub(crate) mod stream_io;
pub mod tcp;
mod udp;
#[cfg(unix)]
#[cfg_attr(docsrs, doc(cfg(unix)))]
pub mod unix;

pub use self::addr::ToSocketAddrs;
pub use self::tcp::{TcpListener, TcpStream};
pub use self::udp::UdpSocket;
#[cfg(unix)]
#[cfg_attr(docsrs, doc(cfg(unix)))]
pub use self::unix::{UnixDatagram, UnixListener, UnixStream};
