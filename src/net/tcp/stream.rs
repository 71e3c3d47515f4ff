//! [`TcpStream`]: asyncio's `open_connection`, as one bidirectional stream.

use std::io;
use std::net::{Shutdown, SocketAddr};
#[cfg(unix)]
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
#[cfg(windows)]
use std::os::windows::io::{AsRawSocket, AsSocket, BorrowedSocket, RawSocket};
use std::sync::Arc;
use std::time::Duration;

use eddy_reactor::Reactor;
use socket2::{Domain, SockRef, Socket, Type};

use super::{OwnedReadHalf, OwnedWriteHalf, ReuniteError};
use crate::net::addr::{each_addr, ToSocketAddrs};
use crate::net::readiness::readiness_methods;
use crate::net::split;
use crate::net::stream_io::{self, forward_stream_traits, StreamIo};

/// A TCP connection.
///
/// Read and write it with the [`futures-io`](crate::io) traits (through `&TcpStream`
/// too, so one task may read while another writes), or split it into owned halves with
/// [`into_split`](Self::into_split). [`AsyncWrite::poll_close`](crate::io::AsyncWrite)
/// shuts the write direction down, so the peer reads end-of-stream.
///
/// A connection reset by the peer is an `Err` from the read or write that meets it,
/// never a panic.
///
/// # Examples
///
/// ```
/// use eddy::net::{TcpListener, TcpStream};
/// use futures_lite::{AsyncReadExt, AsyncWriteExt};
///
/// eddy::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
///     let addr = listener.local_addr().unwrap();
///     eddy::spawn(async move {
///         let (mut socket, _) = listener.accept().await.unwrap();
///         socket.write_all(b"welcome").await.unwrap();
///     });
///     let mut stream = TcpStream::connect(addr).await.unwrap();
///     stream.set_nodelay(true).unwrap();
///     let mut greeting = String::new();
///     stream.read_to_string(&mut greeting).await.unwrap();
///     assert_eq!(greeting, "welcome");
/// });
/// ```
#[derive(Debug)]
pub struct TcpStream {
    io: StreamIo<std::net::TcpStream>,
}

forward_stream_traits!(TcpStream, SocketAddr, ReuniteError);

impl TcpStream {
    /// Connects to `addr`, trying each address it resolves to in turn.
    ///
    /// # Errors
    ///
    /// The last address's error: `ConnectionRefused` when nothing listens there
    /// (promptly, from the kernel's answer), `TimedOut`, and so on. Wrap the call in
    /// [`eddy::time::timeout`](crate::time::timeout) to bound the wait.
    ///
    /// # Panics
    ///
    /// Outside a runtime, naming the fix.
    pub async fn connect<A: ToSocketAddrs>(addr: A) -> io::Result<TcpStream> {
        let reactor = crate::io::current_reactor();
        each_addr(addr, |addr| connect_addr(addr, reactor.clone())).await
    }

    /// Wraps a stream made with std (made non-blocking here).
    ///
    /// # Errors
    ///
    /// The OS error if it cannot be registered.
    ///
    /// # Panics
    ///
    /// Outside a runtime, naming the fix.
    #[track_caller]
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        Ok(TcpStream {
            io: StreamIo::from_std(stream)?,
        })
    }

    /// A stream `accept` returned, joining its listener's reactor.
    pub(super) fn from_accepted(
        stream: std::net::TcpStream,
        reactor: Arc<Reactor>,
    ) -> io::Result<TcpStream> {
        Ok(TcpStream {
            io: StreamIo::new_nonblocking(stream, reactor)?,
        })
    }

    /// Deregisters the stream and returns it as std's (still non-blocking).
    ///
    /// # Errors
    ///
    /// The OS error if it cannot be deregistered.
    pub fn into_std(self) -> io::Result<std::net::TcpStream> {
        self.io.into_inner()
    }

    /// The remote address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Shuts down the read, write or both directions (std's `shutdown`): after
    /// `Shutdown::Write` the peer reads end-of-stream.
    ///
    /// # Errors
    ///
    /// The OS error (`NotConnected` if the peer is gone).
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.shutdown(how)
    }

    /// Sets `TCP_NODELAY`: small writes go out at once instead of waiting to be batched
    /// (Nagle's algorithm). Request/response protocols usually want it.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.get_ref().set_nodelay(nodelay)
    }

    /// Whether `TCP_NODELAY` is set.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.get_ref().nodelay()
    }

    /// Sets the IP time-to-live.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }

    /// The IP time-to-live.
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }

    readiness_methods!(
        "    let listener = eddy::net::TcpListener::bind(\"127.0.0.1:0\").await.unwrap();
    let b = eddy::net::TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    let (a, _) = listener.accept().await.unwrap();",
        "try_write",
        "try_read",
        poll_read_ready,
        poll_write_ready,
    );

    /// Sets `SO_LINGER`: with `Some(duration)`, closing the socket blocks until the
    /// unsent data is sent or `duration` passes (`Some(Duration::ZERO)` resets the
    /// connection at close); with `None`, close returns at once and the kernel sends in
    /// the background (the default).
    ///
    /// Deprecated as in tokio, and kept as tokio keeps it: a socket is closed when it is
    /// dropped, on whichever worker drops it, and a linger timeout blocks that worker.
    /// [`set_zero_linger`](Self::set_zero_linger) is the one setting that never blocks.
    ///
    /// # Examples
    ///
    /// ```
    /// # #![allow(deprecated)]
    /// use std::time::Duration;
    /// use eddy::net::{TcpListener, TcpStream};
    ///
    /// eddy::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    ///     let stream = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    ///     stream.set_linger(Some(Duration::from_secs(1))).unwrap();
    ///     assert_eq!(stream.linger().unwrap(), Some(Duration::from_secs(1)));
    /// });
    /// ```
    #[deprecated = "`SO_LINGER` with a timeout blocks the thread that drops the socket (a worker); use `set_zero_linger` to reset the connection at close"]
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        SockRef::from(self.io.get_ref()).set_linger(linger)
    }

    /// Sets `SO_LINGER` to zero: closing the socket discards unsent data and resets the
    /// connection (the peer reads `ConnectionReset`) instead of a graceful FIN, without
    /// blocking.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use eddy::net::{TcpListener, TcpStream};
    ///
    /// eddy::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    ///     let stream = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    ///     stream.set_zero_linger().unwrap();
    ///     assert_eq!(stream.linger().unwrap(), Some(Duration::ZERO));
    /// });
    /// ```
    pub fn set_zero_linger(&self) -> io::Result<()> {
        SockRef::from(self.io.get_ref()).set_linger(Some(Duration::ZERO))
    }

    /// The `SO_LINGER` setting (see [`set_linger`](Self::set_linger)).
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy::net::{TcpListener, TcpStream};
    ///
    /// eddy::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    ///     let stream = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    ///     assert_eq!(stream.linger().unwrap(), None);
    /// });
    /// ```
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        SockRef::from(self.io.get_ref()).linger()
    }

    /// Reads what is queued without consuming it and without waiting; `WouldBlock` if
    /// nothing is.
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy::net::{TcpListener, TcpStream};
    ///
    /// eddy::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    ///     let stream = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    ///     let err = stream.try_peek(&mut [0; 4]).unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
    /// });
    /// ```
    pub fn try_peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io
            .try_io(eddy_reactor::Direction::Read, |stream| stream.peek(buf))
    }

    /// Waits until the stream is readable (data, end-of-stream or an error is there).
    pub async fn readable(&self) -> io::Result<()> {
        self.io.readable().await
    }

    /// Waits until the stream is writable.
    pub async fn writable(&self) -> io::Result<()> {
        self.io.writable().await
    }

    /// Reads what is there without waiting; `WouldBlock` if nothing is.
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_read(buf)
    }

    /// Writes what fits without waiting; `WouldBlock` if the send buffer is full.
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_write(buf)
    }

    /// Splits the stream into a read half and a write half that can move to different
    /// tasks. Both refer to one socket; [`OwnedReadHalf::reunite`] puts them back
    /// together. Dropping the write half shuts the write direction down.
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        split::split(self)
    }

    /// Reads without consuming: the next read sees the same bytes.
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.read_with(|stream| stream.peek(buf)).await
    }
}

/// One address's connect, on a fresh socket (non-blocking from the start).
async fn connect_addr(addr: SocketAddr, reactor: Arc<Reactor>) -> io::Result<TcpStream> {
    let socket = crate::net::new_socket(Domain::for_address(addr), Type::STREAM)?;
    Ok(TcpStream {
        io: stream_io::connect(socket, &addr.into(), reactor).await?,
    })
}

/// Connects `socket`, configured by a [`TcpSocket`](super::TcpSocket), to `addr` without
/// blocking (see [`stream_io::connect`](crate::net::stream_io::connect)); `nonblocking`
/// says the socket is so already (else it may be a user's, blocking, and is made so).
pub(super) async fn connect_socket(
    socket: Socket,
    nonblocking: bool,
    addr: SocketAddr,
    reactor: Arc<Reactor>,
) -> io::Result<TcpStream> {
    let socket = if nonblocking {
        socket
    } else {
        // Through std's: one `ioctl(FIONBIO)` on Linux, where socket2's is two `fcntl`s.
        let stream = std::net::TcpStream::from(socket);
        stream.set_nonblocking(true)?;
        Socket::from(stream)
    };
    Ok(TcpStream {
        io: stream_io::connect(socket, &addr.into(), reactor).await?,
    })
}

#[cfg(unix)]
impl AsFd for TcpStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}

#[cfg(unix)]
impl AsRawFd for TcpStream {
    fn as_raw_fd(&self) -> RawFd {
        self.io.as_raw_fd()
    }
}

#[cfg(windows)]
impl AsSocket for TcpStream {
    fn as_socket(&self) -> BorrowedSocket<'_> {
        self.io.as_socket()
    }
}

#[cfg(windows)]
impl AsRawSocket for TcpStream {
    fn as_raw_socket(&self) -> RawSocket {
        self.io.as_raw_socket()
    }
}
