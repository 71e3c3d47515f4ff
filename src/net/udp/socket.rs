//! [`UdpSocket`]: datagrams, connected or not.

use std::io;
use std::net::SocketAddr;
#[cfg(unix)]
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
#[cfg(windows)]
use std::os::windows::io::{AsRawSocket, AsSocket, BorrowedSocket, RawSocket};

use std::task::{Context, Poll};

use eddy_reactor::Direction;
use socket2::{Domain, SockAddr, SockRef, Type};

use crate::io::Async;
use crate::net::addr::{each_addr, resolve, ToSocketAddrs};
use crate::net::readiness::readiness_methods;

/// A UDP socket — asyncio's `create_datagram_endpoint`, with tokio's methods.
///
/// All methods take `&self`, so an `Arc<UdpSocket>` can be shared by a receiving task
/// and sending tasks; every waiting task is woken when the socket becomes ready.
///
/// # Examples
///
/// ```
/// use eddy::net::UdpSocket;
///
/// eddy::run(async {
///     let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
///     let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
///     a.send_to(b"ping", b.local_addr().unwrap()).await.unwrap();
///     let mut buf = [0; 16];
///     let (n, from) = b.recv_from(&mut buf).await.unwrap();
///     assert_eq!((&buf[..n], from), (&b"ping"[..], a.local_addr().unwrap()));
/// });
/// ```
#[derive(Debug)]
pub struct UdpSocket {
    /// Shared with the option and buffer methods of the sibling files.
    pub(super) io: Async<std::net::UdpSocket>,
}

impl UdpSocket {
    /// Binds to `addr` (trying each address it resolves to). Port 0 picks a free port.
    ///
    /// # Errors
    ///
    /// The last address's error if none could be bound.
    ///
    /// # Panics
    ///
    /// Outside a runtime, naming the fix.
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<UdpSocket> {
        let reactor = crate::io::current_reactor();
        each_addr(addr, |addr| {
            let reactor = reactor.clone();
            async move {
                let socket = crate::net::new_socket(Domain::for_address(addr), Type::DGRAM)?;
                socket.bind(&addr.into())?;
                let socket = std::net::UdpSocket::from(socket);
                let io = Async::with_reactor_nonblocking(socket, reactor)?;
                Ok(UdpSocket { io })
            }
        })
        .await
    }

    /// Wraps a socket made with std (made non-blocking here).
    ///
    /// # Errors
    ///
    /// The OS error if it cannot be registered.
    ///
    /// # Panics
    ///
    /// Outside a runtime, naming the fix.
    #[track_caller]
    pub fn from_std(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        Ok(UdpSocket {
            io: Async::new(socket)?,
        })
    }

    /// Deregisters the socket and returns it as std's (still non-blocking).
    ///
    /// # Errors
    ///
    /// The OS error if it cannot be deregistered.
    pub fn into_std(self) -> io::Result<std::net::UdpSocket> {
        self.io.into_inner()
    }

    /// Sets the default destination of [`send`](Self::send) and keeps only datagrams
    /// from `addr` for [`recv`](Self::recv).
    ///
    /// # Errors
    ///
    /// The last address's error if none works.
    pub async fn connect<A: ToSocketAddrs>(&self, addr: A) -> io::Result<()> {
        each_addr(addr, |addr| async move { self.io.get_ref().connect(addr) }).await
    }

    /// Sends `buf` to the connected peer; the number of bytes sent.
    ///
    /// # Errors
    ///
    /// `NotConnected` without [`connect`](Self::connect); `ConnectionRefused` when an
    /// earlier datagram met a closed port.
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.write_with(|socket| socket.send(buf)).await
    }

    /// Receives one datagram from the connected peer into `buf` (the rest of a longer
    /// datagram is discarded); its length.
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.read_with(|socket| socket.recv(buf)).await
    }

    /// Sends `buf` to `target`.
    ///
    /// # Errors
    ///
    /// `InvalidInput` if `target` resolves to no address; the OS error otherwise.
    pub async fn send_to<A: ToSocketAddrs>(&self, buf: &[u8], target: A) -> io::Result<usize> {
        let target = resolve(target).await?[0];
        self.io
            .write_with(|socket| socket.send_to(buf, target))
            .await
    }

    /// Receives one datagram into `buf`: its length and sender.
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.read_with(|socket| socket.recv_from(buf)).await
    }

    /// Like [`recv_from`](Self::recv_from), leaving the datagram in the queue.
    pub async fn peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.read_with(|socket| socket.peek_from(buf)).await
    }

    /// Like [`peek_from`](Self::peek_from) without waiting; `WouldBlock` if no datagram
    /// is there.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let socket = eddy::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     let err = socket.try_peek_from(&mut [0; 8]).unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
    /// });
    /// ```
    pub fn try_peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.try_io(Direction::Read, |s| s.peek_from(buf))
    }

    /// Waits for a datagram and returns its sender, leaving it in the queue (tokio's
    /// `peek_sender`): unlike [`peek_from`](Self::peek_from) it needs no buffer, and a
    /// long datagram is not an error on Windows.
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy::net::UdpSocket;
    ///
    /// eddy::run(async {
    ///     let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     a.send_to(b"who?", b.local_addr().unwrap()).await.unwrap();
    ///     assert_eq!(b.peek_sender().await.unwrap(), a.local_addr().unwrap());
    ///     let mut buf = [0; 8];
    ///     assert_eq!(b.recv_from(&mut buf).await.unwrap().0, 4); // still queued
    /// });
    /// ```
    pub async fn peek_sender(&self) -> io::Result<SocketAddr> {
        std::future::poll_fn(|cx| self.poll_peek_sender(cx)).await
    }

    /// Polls for the sender of the next datagram, leaving it queued (the building block
    /// of [`peek_sender`](Self::peek_sender)).
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy::net::UdpSocket;
    ///
    /// eddy::run(async {
    ///     let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     a.send_to(b"x", b.local_addr().unwrap()).await.unwrap();
    ///     let from = std::future::poll_fn(|cx| b.poll_peek_sender(cx)).await.unwrap();
    ///     assert_eq!(from, a.local_addr().unwrap());
    /// });
    /// ```
    pub fn poll_peek_sender(&self, cx: &mut Context<'_>) -> Poll<io::Result<SocketAddr>> {
        self.io.poll_io(Direction::Read, cx, |s| {
            ip_addr(SockRef::from(s).peek_sender()?)
        })
    }

    /// The sender of the next datagram without waiting; `WouldBlock` if none is there.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let socket = eddy::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     let err = socket.try_peek_sender().unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
    /// });
    /// ```
    pub fn try_peek_sender(&self) -> io::Result<SocketAddr> {
        self.io.try_io(Direction::Read, |s| {
            ip_addr(SockRef::from(s).peek_sender()?)
        })
    }

    /// Sends without waiting; `WouldBlock` if the send buffer is full.
    pub fn try_send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_io(Direction::Write, |s| s.send(buf))
    }

    /// Receives without waiting; `WouldBlock` if no datagram is there.
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Direction::Read, |s| s.recv(buf))
    }

    /// Sends to `target` without waiting.
    pub fn try_send_to(&self, buf: &[u8], target: SocketAddr) -> io::Result<usize> {
        self.io.try_io(Direction::Write, |s| s.send_to(buf, target))
    }

    /// Receives without waiting: length and sender.
    pub fn try_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.try_io(Direction::Read, |s| s.recv_from(buf))
    }

    readiness_methods!(
        "    let a = eddy::net::UdpSocket::bind(\"127.0.0.1:0\").await.unwrap();
    let b = eddy::net::UdpSocket::bind(\"127.0.0.1:0\").await.unwrap();
    a.connect(b.local_addr().unwrap()).await.unwrap();
    b.connect(a.local_addr().unwrap()).await.unwrap();",
        "try_send",
        "try_recv",
        poll_recv_ready,
        poll_send_ready,
    );

    /// Waits until a datagram can be received.
    pub async fn readable(&self) -> io::Result<()> {
        self.io.readable().await
    }

    /// Waits until a datagram can be sent.
    pub async fn writable(&self) -> io::Result<()> {
        self.io.writable().await
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The connected peer's address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }
}

/// A UDP socket's address as std's (it is always an IP one).
pub(super) fn ip_addr(addr: SockAddr) -> io::Result<SocketAddr> {
    addr.as_socket()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "not an IP socket address"))
}

#[cfg(unix)]
impl AsFd for UdpSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}

#[cfg(unix)]
impl AsRawFd for UdpSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.io.as_raw_fd()
    }
}

#[cfg(windows)]
impl AsSocket for UdpSocket {
    fn as_socket(&self) -> BorrowedSocket<'_> {
        self.io.as_socket()
    }
}

#[cfg(windows)]
impl AsRawSocket for UdpSocket {
    fn as_raw_socket(&self) -> RawSocket {
        self.io.as_raw_socket()
    }
}
