//! Networking — asyncio's `open_connection` / `start_server`, with the names and
//! semantics of `std::net` and `tokio::net`, so servers port line by line.
//!
//! | type | what |
//! |---|---|
//! | [`TcpListener`] | `bind`, `accept`, `incoming()` (a `Stream`), `local_addr`, `from_std` |
//! | [`TcpStream`] | `connect`, reads and writes (futures-io), `into_split` into owned halves |
//! | [`TcpSocket`] | options before `connect` / `listen`: `SO_REUSEADDR`, `SO_REUSEPORT`, buffer sizes, a client's local address |
//! | [`UdpSocket`] | `bind`, `connect`, `send` / `recv`, `send_to` / `recv_from`, multicast, `recv_buf` |
//! | [`UnixListener`], [`UnixStream`], [`UnixDatagram`] | the same on Unix domain sockets (Unix only) |
//!
//! Every socket is non-blocking and registered with the runtime's reactor
//! ([`eddy::io::Async`](crate::io::Async) underneath). An operation first tries the
//! syscall and waits for readiness only if it would block, and it spends a unit of the
//! task's cooperative budget. Streams implement [`AsyncRead`](crate::io::AsyncRead) and
//! [`AsyncWrite`](crate::io::AsyncWrite), so `futures_lite::AsyncReadExt::read` and
//! friends work as `tokio::io::AsyncReadExt`'s do (with the `tokio-io` feature they
//! implement tokio's traits too: [`io`](crate::io)'s docs); they also have `readable()` /
//! `writable()` and non-blocking `try_read` / `try_write`, and tokio's readiness API:
//! `ready(Interest)`, `try_io`, `async_io`, `poll_read_ready` / `poll_write_ready`
//! ([`Interest`](crate::io::Interest), [`Ready`](crate::io::Ready)).
//!
//! Addresses are anything `std::net::ToSocketAddrs` takes. IP literals are parsed
//! without a lookup; host names are resolved on the runtime's blocking pool, as
//! [`lookup_host`] does.
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
mod new_socket;
mod read_count;
mod readiness;
pub mod split;
pub(crate) mod stream_io;
pub mod tcp;
mod udp;
#[cfg(unix)]
#[cfg_attr(docsrs, doc(cfg(unix)))]
pub mod unix;

pub use self::addr::{lookup_host, ToSocketAddrs};
pub(crate) use self::new_socket::{accept, new_socket};
pub use self::tcp::{TcpListener, TcpSocket, TcpStream};
pub use self::udp::UdpSocket;
#[cfg(unix)]
#[cfg_attr(docsrs, doc(cfg(unix)))]
pub use self::unix::{UnixDatagram, UnixListener, UnixStream};
