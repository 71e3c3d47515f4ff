//! [`TcpListener`]: asyncio's `start_server`, one `accept` at a time.

use std::io;
use std::net::SocketAddr;
#[cfg(unix)]
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
#[cfg(windows)]
use std::os::windows::io::{AsRawSocket, AsSocket, BorrowedSocket, RawSocket};
use std::task::{Context, Poll};

use eddy_reactor::Direction;
use socket2::{Domain, SockRef, Type};

use super::TcpStream;
use crate::io::Async;
use crate::net::addr::{each_addr, ToSocketAddrs};

/// The listen backlog (tokio's figure): connections the kernel queues until `accept`.
const BACKLOG: i32 = 1024;

/// A TCP socket listening for connections.
///
/// # Errors from `accept`
///
/// `accept` returns the OS error as it comes. When the process is out of file
/// descriptors (`EMFILE`, `ENFILE`) the pending connection stays in the kernel's queue,
/// each `accept` returns the error at once, and the listener works again as soon as
/// descriptors are freed; eddy never spins on it internally. A server loop should
/// back off (sleep a little) on such errors rather than retry at once.
///
/// # Examples
///
/// ```
/// use eddy::net::{TcpListener, TcpStream};
///
/// eddy::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
///     let addr = listener.local_addr().unwrap();
///     let client = eddy::spawn(async move { TcpStream::connect(addr).await.unwrap() });
///     let (server_side, peer) = listener.accept().await.unwrap();
///     let client = client.await.unwrap();
///     assert_eq!(peer, client.local_addr().unwrap());
///     assert_eq!(server_side.peer_addr().unwrap(), peer);
/// });
/// ```
#[derive(Debug)]
pub struct TcpListener {
    io: Async<std::net::TcpListener>,
}

impl TcpListener {
    /// Binds to `addr` (trying each address it resolves to) and listens, with
    /// `SO_REUSEADDR` set and a backlog of 1024. Port 0 picks a free port; see
    /// [`local_addr`](Self::local_addr).
    ///
    /// # Errors
    ///
    /// The last address's error if none could be bound (`AddrInUse`, say).
    ///
    /// # Panics
    ///
    /// Outside a runtime, naming the fix.
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<TcpListener> {
        let reactor = crate::io::current_reactor();
        each_addr(addr, |addr| {
            let reactor = reactor.clone();
            async move {
                let socket = crate::net::new_socket(Domain::for_address(addr), Type::STREAM)?;
                socket.set_reuse_address(true)?;
                socket.bind(&addr.into())?;
                socket.listen(BACKLOG)?;
                let listener = std::net::TcpListener::from(socket);
                let io = Async::with_reactor_nonblocking(listener, reactor)?;
                Ok(TcpListener { io })
            }
        })
        .await
    }

    /// Wraps a listener made with std (made non-blocking here).
    ///
    /// # Errors
    ///
    /// The OS error if it cannot be registered.
    ///
    /// # Panics
    ///
    /// Outside a runtime, naming the fix.
    #[track_caller]
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        Ok(TcpListener {
            io: Async::new(listener)?,
        })
    }

    /// Registers a listener already non-blocking (a [`TcpSocket`](super::TcpSocket)'s)
    /// with the current runtime's reactor.
    #[track_caller]
    pub(super) fn from_nonblocking(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        Ok(TcpListener {
            io: Async::with_reactor_nonblocking(listener, crate::io::current_reactor())?,
        })
    }

    /// Deregisters the listener and returns it as std's (still non-blocking).
    ///
    /// # Errors
    ///
    /// The OS error if it cannot be deregistered.
    pub fn into_std(self) -> io::Result<std::net::TcpListener> {
        self.io.into_inner()
    }

    /// Waits for a connection: the stream and the peer's address.
    ///
    /// # Errors
    ///
    /// The OS error, returned as is (see the type's docs for running out of fds).
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        std::future::poll_fn(|cx| self.poll_accept(cx)).await
    }

    /// Polls for a connection (the building block of `accept`, for hand-written
    /// futures and hyper's accept loops).
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        let (stream, peer) = std::task::ready!(self.io.poll_io(Direction::Read, cx, |listener| {
            eddy_faults::inject(eddy_faults::Call::Accept)?;
            crate::net::accept(&SockRef::from(listener))
        }))?;
        // A TCP listener's peers have IP addresses.
        let peer = peer.as_socket().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                "accept: the peer address is not IP",
            )
        })?;
        let stream = TcpStream::from_accepted(stream.into(), self.io.reactor().clone())?;
        Poll::Ready(Ok((stream, peer)))
    }

    /// The connections as a [`Stream`](futures_core::Stream) of `accept` results, for
    /// `while let Some(stream) = incoming.next().await` with futures-lite's `StreamExt`
    /// (tokio-stream's `TcpListenerStream`).
    ///
    /// # Examples
    ///
    /// See [`Incoming`](crate::net::tcp::Incoming).
    pub fn incoming(&self) -> super::Incoming<'_> {
        super::Incoming::new(self)
    }

    /// The address the listener is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Sets the IP time-to-live of accepted sockets.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }

    /// The IP time-to-live.
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }
}

#[cfg(unix)]
impl AsFd for TcpListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}

#[cfg(unix)]
impl AsRawFd for TcpListener {
    fn as_raw_fd(&self) -> RawFd {
        self.io.as_raw_fd()
    }
}

#[cfg(windows)]
impl AsSocket for TcpListener {
    fn as_socket(&self) -> BorrowedSocket<'_> {
        self.io.as_socket()
    }
}

#[cfg(windows)]
impl AsRawSocket for TcpListener {
    fn as_raw_socket(&self) -> RawSocket {
        self.io.as_raw_socket()
    }
}
