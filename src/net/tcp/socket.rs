//! [`TcpSocket`]: a TCP socket not yet connected or listening, to set options on first
//! (tokio's `TcpSocket`).

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use socket2::{Domain, Socket, Type};

use super::{stream, TcpListener, TcpStream};

/// A TCP socket before `connect` or `listen`: the place to set the options that must
/// come first (`SO_REUSEADDR`, `SO_REUSEPORT`, buffer sizes, binding a client to a local
/// address), as with tokio's `TcpSocket`.
///
/// [`connect`](Self::connect) turns it into a [`TcpStream`] without blocking (the same
/// non-blocking connect as [`TcpStream::connect`]); [`listen`](Self::listen) into a
/// [`TcpListener`]. Dropping it closes the socket. Creating one and setting options
/// needs no runtime; `connect` and `listen` do.
///
/// [`new_v4`](Self::new_v4) and [`new_v6`](Self::new_v6) make the socket non-blocking, as
/// tokio's are, and `connect` and `listen` take it so (leave the mode alone through its
/// fd). A socket handed in ([`from_std_stream`](Self::from_std_stream), `From<OwnedFd>`,
/// `FromRawFd`) may be of either mode: `connect` and `listen` make it non-blocking.
///
/// # Examples
///
/// A listener with a backlog of its own, and a client bound to a chosen local address:
///
/// ```
/// use eddy::net::TcpSocket;
///
/// eddy::run(async {
///     let socket = TcpSocket::new_v4().unwrap();
///     socket.set_reuseaddr(true).unwrap();
///     socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
///     let listener = socket.listen(128).unwrap();
///     let addr = listener.local_addr().unwrap();
///
///     let client = TcpSocket::new_v4().unwrap();
///     client.set_nodelay(true).unwrap();
///     client.bind("127.0.0.1:0".parse().unwrap()).unwrap();
///     let local = client.local_addr().unwrap();
///     let stream = client.connect(addr).await.unwrap();
///     let (_, peer) = listener.accept().await.unwrap();
///     assert_eq!(peer, local);
///     assert!(stream.nodelay().unwrap());
/// });
/// ```
#[derive(Debug)]
pub struct TcpSocket {
    /// Shared with the handle conversions of `socket_raw.rs`.
    pub(super) inner: Socket,
    /// Made by eddy (`new_v4`, `new_v6`), so non-blocking already; a socket handed in
    /// by the user may be blocking, and `connect` and `listen` set the mode.
    nonblocking: bool,
}

impl TcpSocket {
    /// Takes a socket of the user's, of either mode.
    pub(super) fn adopt(inner: Socket) -> TcpSocket {
        TcpSocket {
            inner,
            nonblocking: false,
        }
    }

    /// A new IPv4 TCP socket (non-blocking and close-on-exec, as tokio's).
    ///
    /// # Errors
    ///
    /// The OS error (out of file descriptors, say).
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = eddy::net::TcpSocket::new_v4().unwrap();
    /// # drop(socket);
    /// ```
    pub fn new_v4() -> io::Result<TcpSocket> {
        TcpSocket::new(Domain::IPV4)
    }

    /// A new IPv6 TCP socket (non-blocking and close-on-exec, as tokio's).
    ///
    /// # Errors
    ///
    /// The OS error (no IPv6 support, say).
    ///
    /// # Examples
    ///
    /// ```
    /// // Hosts without IPv6 refuse; that is an error, not a panic.
    /// if let Ok(socket) = eddy::net::TcpSocket::new_v6() {
    ///     # drop(socket);
    /// }
    /// ```
    pub fn new_v6() -> io::Result<TcpSocket> {
        TcpSocket::new(Domain::IPV6)
    }

    fn new(domain: Domain) -> io::Result<TcpSocket> {
        Ok(TcpSocket {
            inner: crate::net::new_socket(domain, Type::STREAM)?,
            nonblocking: true,
        })
    }

    /// Sets `SO_KEEPALIVE`: the kernel probes an idle connection and reports a dead peer.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = eddy::net::TcpSocket::new_v4().unwrap();
    /// socket.set_keepalive(true).unwrap();
    /// assert!(socket.keepalive().unwrap());
    /// ```
    pub fn set_keepalive(&self, keepalive: bool) -> io::Result<()> {
        self.inner.set_keepalive(keepalive)
    }

    /// Whether `SO_KEEPALIVE` is set.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = eddy::net::TcpSocket::new_v4().unwrap();
    /// assert!(!socket.keepalive().unwrap());
    /// ```
    pub fn keepalive(&self) -> io::Result<bool> {
        self.inner.keepalive()
    }

    /// Sets `SO_REUSEADDR`: a listener may bind a port that connections of a previous
    /// one still hold in `TIME_WAIT` (`TcpListener::bind` sets it).
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = eddy::net::TcpSocket::new_v4().unwrap();
    /// socket.set_reuseaddr(true).unwrap();
    /// assert!(socket.reuseaddr().unwrap());
    /// ```
    pub fn set_reuseaddr(&self, reuseaddr: bool) -> io::Result<()> {
        self.inner.set_reuse_address(reuseaddr)
    }

    /// Whether `SO_REUSEADDR` is set.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = eddy::net::TcpSocket::new_v4().unwrap();
    /// socket.set_reuseaddr(false).unwrap();
    /// assert!(!socket.reuseaddr().unwrap());
    /// ```
    pub fn reuseaddr(&self) -> io::Result<bool> {
        self.inner.reuse_address()
    }

    /// Sets `SO_REUSEPORT`: several sockets may listen on one port, the kernel spreading
    /// connections among them (Linux) — one listener per worker. Unix only, not on
    /// Solaris and illumos (as tokio).
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = eddy::net::TcpSocket::new_v4().unwrap();
    /// socket.set_reuseport(true).unwrap();
    /// assert!(socket.reuseport().unwrap());
    /// ```
    #[cfg(all(
        unix,
        not(any(target_os = "solaris", target_os = "illumos", target_os = "cygwin"))
    ))]
    pub fn set_reuseport(&self, reuseport: bool) -> io::Result<()> {
        self.inner.set_reuse_port(reuseport)
    }

    /// Whether `SO_REUSEPORT` is set.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = eddy::net::TcpSocket::new_v4().unwrap();
    /// assert!(!socket.reuseport().unwrap());
    /// ```
    #[cfg(all(
        unix,
        not(any(target_os = "solaris", target_os = "illumos", target_os = "cygwin"))
    ))]
    pub fn reuseport(&self) -> io::Result<bool> {
        self.inner.reuse_port()
    }

    /// Sets `SO_SNDBUF`, the send buffer's size (the kernel may round or double it).
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = eddy::net::TcpSocket::new_v4().unwrap();
    /// socket.set_send_buffer_size(64 * 1024).unwrap();
    /// assert!(socket.send_buffer_size().unwrap() >= 64 * 1024);
    /// ```
    pub fn set_send_buffer_size(&self, size: u32) -> io::Result<()> {
        self.inner.set_send_buffer_size(size as usize)
    }

    /// The `SO_SNDBUF` size.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = eddy::net::TcpSocket::new_v4().unwrap();
    /// assert!(socket.send_buffer_size().unwrap() > 0);
    /// ```
    pub fn send_buffer_size(&self) -> io::Result<u32> {
        self.inner.send_buffer_size().map(saturate)
    }

    /// Sets `SO_RCVBUF`, the receive buffer's size (the kernel may round or double it).
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = eddy::net::TcpSocket::new_v4().unwrap();
    /// socket.set_recv_buffer_size(64 * 1024).unwrap();
    /// assert!(socket.recv_buffer_size().unwrap() >= 64 * 1024);
    /// ```
    pub fn set_recv_buffer_size(&self, size: u32) -> io::Result<()> {
        self.inner.set_recv_buffer_size(size as usize)
    }

    /// The `SO_RCVBUF` size.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = eddy::net::TcpSocket::new_v4().unwrap();
    /// assert!(socket.recv_buffer_size().unwrap() > 0);
    /// ```
    pub fn recv_buffer_size(&self) -> io::Result<u32> {
        self.inner.recv_buffer_size().map(saturate)
    }

    /// Sets `SO_LINGER` (see [`TcpStream::set_linger`], deprecated for the same reason:
    /// a linger timeout blocks the worker that drops the socket).
    ///
    /// # Examples
    ///
    /// ```
    /// # #![allow(deprecated)]
    /// use std::time::Duration;
    ///
    /// let socket = eddy::net::TcpSocket::new_v4().unwrap();
    /// socket.set_linger(Some(Duration::from_secs(2))).unwrap();
    /// assert_eq!(socket.linger().unwrap(), Some(Duration::from_secs(2)));
    /// ```
    #[deprecated = "`SO_LINGER` with a timeout blocks the thread that drops the socket (a worker); use `set_zero_linger` to reset the connection at close"]
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        self.inner.set_linger(linger)
    }

    /// Sets `SO_LINGER` to zero (see [`TcpStream::set_zero_linger`]): the connection is
    /// reset at close, without blocking.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let socket = eddy::net::TcpSocket::new_v4().unwrap();
    /// socket.set_zero_linger().unwrap();
    /// assert_eq!(socket.linger().unwrap(), Some(Duration::ZERO));
    /// ```
    pub fn set_zero_linger(&self) -> io::Result<()> {
        self.inner.set_linger(Some(Duration::ZERO))
    }

    /// The `SO_LINGER` setting.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = eddy::net::TcpSocket::new_v4().unwrap();
    /// assert_eq!(socket.linger().unwrap(), None);
    /// ```
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        self.inner.linger()
    }

    /// Sets `TCP_NODELAY` (see [`TcpStream::set_nodelay`]); the stream `connect` returns
    /// keeps it.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = eddy::net::TcpSocket::new_v4().unwrap();
    /// socket.set_nodelay(true).unwrap();
    /// assert!(socket.nodelay().unwrap());
    /// ```
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.inner.set_tcp_nodelay(nodelay)
    }

    /// Whether `TCP_NODELAY` is set.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = eddy::net::TcpSocket::new_v4().unwrap();
    /// assert!(!socket.nodelay().unwrap());
    /// ```
    pub fn nodelay(&self) -> io::Result<bool> {
        self.inner.tcp_nodelay()
    }

    /// Sets the IPv4 type-of-service field (`IP_TOS`) of the packets sent (IPv4 sockets;
    /// not on Solaris, illumos, Fuchsia, Redox, Haiku). tokio's `set_tos`, which it now
    /// calls [`set_tos_v4`](Self::set_tos_v4).
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = eddy::net::TcpSocket::new_v4().unwrap();
    /// socket.set_tos(0x10).unwrap(); // low delay
    /// assert_eq!(socket.tos().unwrap(), 0x10);
    /// ```
    #[cfg(not(any(
        target_os = "fuchsia",
        target_os = "redox",
        target_os = "solaris",
        target_os = "illumos",
        target_os = "haiku",
    )))]
    pub fn set_tos(&self, tos: u32) -> io::Result<()> {
        self.inner.set_tos_v4(tos)
    }

    /// The IPv4 type-of-service field (`IP_TOS`).
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = eddy::net::TcpSocket::new_v4().unwrap();
    /// assert_eq!(socket.tos().unwrap(), 0);
    /// ```
    #[cfg(not(any(
        target_os = "fuchsia",
        target_os = "redox",
        target_os = "solaris",
        target_os = "illumos",
        target_os = "haiku",
    )))]
    pub fn tos(&self) -> io::Result<u32> {
        self.inner.tos_v4()
    }

    /// [`set_tos`](Self::set_tos) under tokio's current name.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = eddy::net::TcpSocket::new_v4().unwrap();
    /// socket.set_tos_v4(0x08).unwrap();
    /// assert_eq!(socket.tos_v4().unwrap(), 0x08);
    /// ```
    #[cfg(not(any(
        target_os = "fuchsia",
        target_os = "redox",
        target_os = "solaris",
        target_os = "illumos",
        target_os = "haiku",
    )))]
    pub fn set_tos_v4(&self, tos: u32) -> io::Result<()> {
        self.inner.set_tos_v4(tos)
    }

    /// [`tos`](Self::tos) under tokio's current name.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = eddy::net::TcpSocket::new_v4().unwrap();
    /// assert_eq!(socket.tos_v4().unwrap(), 0);
    /// ```
    #[cfg(not(any(
        target_os = "fuchsia",
        target_os = "redox",
        target_os = "solaris",
        target_os = "illumos",
        target_os = "haiku",
    )))]
    pub fn tos_v4(&self) -> io::Result<u32> {
        self.inner.tos_v4()
    }

    /// Binds the socket to a network interface by name (`SO_BINDTODEVICE`; `None` or an
    /// empty name removes the binding). Linux and Android; the process usually needs
    /// `CAP_NET_RAW` for anything but removing it.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = eddy::net::TcpSocket::new_v4().unwrap();
    /// socket.bind_device(None).unwrap();
    /// assert_eq!(socket.device().unwrap(), None);
    /// ```
    #[cfg(any(target_os = "android", target_os = "fuchsia", target_os = "linux"))]
    pub fn bind_device(&self, interface: Option<&[u8]>) -> io::Result<()> {
        self.inner.bind_device(interface)
    }

    /// The interface the socket is bound to, if any (`SO_BINDTODEVICE`).
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = eddy::net::TcpSocket::new_v4().unwrap();
    /// assert_eq!(socket.device().unwrap(), None);
    /// ```
    #[cfg(any(target_os = "android", target_os = "fuchsia", target_os = "linux"))]
    pub fn device(&self) -> io::Result<Option<Vec<u8>>> {
        self.inner.device()
    }

    /// The local address: the bound one, or an unspecified one before `bind`.
    ///
    /// # Errors
    ///
    /// The OS error.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = eddy::net::TcpSocket::new_v4().unwrap();
    /// socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    /// assert!(socket.local_addr().unwrap().ip().is_loopback());
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner
            .local_addr()?
            .as_socket()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not an IP socket address"))
    }

    /// Takes the pending error (`SO_ERROR`), if any, clearing it.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = eddy::net::TcpSocket::new_v4().unwrap();
    /// assert!(socket.take_error().unwrap().is_none());
    /// ```
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.take_error()
    }

    /// Binds the socket to `addr` (a client's local address, or the address to listen
    /// on). Port 0 picks a free port.
    ///
    /// # Errors
    ///
    /// `AddrInUse`, `AddrNotAvailable`, or another OS error.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = eddy::net::TcpSocket::new_v4().unwrap();
    /// socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    /// assert_ne!(socket.local_addr().unwrap().port(), 0);
    /// ```
    pub fn bind(&self, addr: SocketAddr) -> io::Result<()> {
        self.inner.bind(&addr.into())
    }

    /// Connects to `addr` and returns the stream — the same non-blocking connect as
    /// [`TcpStream::connect`]: started at once, awaited until the socket is writable,
    /// then its outcome read from `SO_ERROR`.
    ///
    /// # Errors
    ///
    /// `ConnectionRefused` when nothing listens there, and the other OS errors. Wrap the
    /// call in [`eddy::time::timeout`](crate::time::timeout) to bound the wait.
    ///
    /// # Panics
    ///
    /// When polled outside a runtime, naming the fix.
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy::net::{TcpListener, TcpSocket};
    ///
    /// eddy::run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    ///     let socket = TcpSocket::new_v4().unwrap();
    ///     let stream = socket.connect(listener.local_addr().unwrap()).await.unwrap();
    ///     assert_eq!(stream.peer_addr().unwrap(), listener.local_addr().unwrap());
    /// });
    /// ```
    pub async fn connect(self, addr: SocketAddr) -> io::Result<TcpStream> {
        let reactor = crate::io::current_reactor();
        stream::connect_socket(self.inner, self.nonblocking, addr, reactor).await
    }

    /// Listens with a queue of `backlog` pending connections and returns the listener.
    ///
    /// # Errors
    ///
    /// The OS error (`listen` on an unbound socket binds a free port first, on most
    /// systems).
    ///
    /// # Panics
    ///
    /// Outside a runtime, naming the fix.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let socket = eddy::net::TcpSocket::new_v4().unwrap();
    ///     socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    ///     let listener = socket.listen(16).unwrap();
    ///     assert_ne!(listener.local_addr().unwrap().port(), 0);
    /// });
    /// ```
    #[track_caller]
    pub fn listen(self, backlog: u32) -> io::Result<TcpListener> {
        self.inner
            .listen(i32::try_from(backlog).unwrap_or(i32::MAX))?;
        if self.nonblocking {
            TcpListener::from_nonblocking(self.inner.into())
        } else {
            TcpListener::from_std(self.inner.into())
        }
    }

    /// Wraps a std stream as a socket (to read or change its options before handing it
    /// to [`TcpStream::from_std`]). Its mode, blocking or not, is left as it is.
    ///
    /// # Examples
    ///
    /// ```
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let std = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    /// let socket = eddy::net::TcpSocket::from_std_stream(std);
    /// socket.set_nodelay(true).unwrap();
    /// assert!(socket.nodelay().unwrap());
    /// ```
    pub fn from_std_stream(std_stream: std::net::TcpStream) -> TcpSocket {
        TcpSocket::adopt(Socket::from(std_stream))
    }
}

/// tokio's sizes are `u32`; the kernel's fit, and a larger one would saturate.
fn saturate(size: usize) -> u32 {
    u32::try_from(size).unwrap_or(u32::MAX)
}
