//! [`UnixDatagram`]: datagrams over Unix domain sockets.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::os::unix::net::SocketAddr;
use std::path::Path;

use crate::io::Async;
use crate::net::readiness::readiness_methods;

/// A Unix domain datagram socket, bound to a path, unnamed, or one of a pair.
///
/// # Examples
///
/// ```
/// use eddy::net::UnixDatagram;
///
/// eddy::run(async {
///     let (a, b) = UnixDatagram::pair().unwrap();
///     a.send(b"one datagram").await.unwrap();
///     let mut buf = [0; 32];
///     let n = b.recv(&mut buf).await.unwrap();
///     assert_eq!(&buf[..n], b"one datagram");
/// });
/// ```
#[derive(Debug)]
pub struct UnixDatagram {
    io: Async<std::os::unix::net::UnixDatagram>,
}

impl UnixDatagram {
    /// Creates a socket bound to `path` (the file is created; not removed on drop).
    ///
    /// # Errors
    ///
    /// `AddrInUse` if the file exists, or the OS error.
    ///
    /// # Panics
    ///
    /// Outside a runtime, naming the fix.
    #[track_caller]
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixDatagram> {
        eddy_faults::inject(eddy_faults::Call::Socket)?;
        UnixDatagram::from_std(std::os::unix::net::UnixDatagram::bind(path)?)
    }

    /// Creates a socket bound to no address (it can send, and receive replies only if
    /// connected or paired).
    ///
    /// # Errors
    ///
    /// The OS error.
    ///
    /// # Panics
    ///
    /// Outside a runtime, naming the fix.
    #[track_caller]
    pub fn unbound() -> io::Result<UnixDatagram> {
        eddy_faults::inject(eddy_faults::Call::Socket)?;
        UnixDatagram::from_std(std::os::unix::net::UnixDatagram::unbound()?)
    }

    /// A connected pair.
    ///
    /// # Errors
    ///
    /// The OS error.
    ///
    /// # Panics
    ///
    /// Outside a runtime, naming the fix.
    #[track_caller]
    pub fn pair() -> io::Result<(UnixDatagram, UnixDatagram)> {
        eddy_faults::inject(eddy_faults::Call::Socket)?;
        let (a, b) = std::os::unix::net::UnixDatagram::pair()?;
        // As `UnixStream::pair`: SO_NOSIGPIPE, which std sets on every other socket it
        // makes on Apple.
        #[cfg(target_vendor = "apple")]
        for socket in [&a, &b] {
            socket2::SockRef::from(socket).set_nosigpipe(true)?;
        }
        Ok((UnixDatagram::from_std(a)?, UnixDatagram::from_std(b)?))
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
    pub fn from_std(socket: std::os::unix::net::UnixDatagram) -> io::Result<UnixDatagram> {
        Ok(UnixDatagram {
            io: Async::new(socket)?,
        })
    }

    /// Deregisters the socket and returns it as std's (still non-blocking).
    ///
    /// # Errors
    ///
    /// The OS error if it cannot be deregistered.
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixDatagram> {
        self.io.into_inner()
    }

    /// Sets the default destination of `send` and the only source `recv` accepts.
    ///
    /// # Errors
    ///
    /// The OS error (`NotFound` if no socket is at `path`).
    pub fn connect(&self, path: impl AsRef<Path>) -> io::Result<()> {
        self.io.get_ref().connect(path)
    }

    /// Sends `buf` to the connected peer.
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.write_with(|socket| socket.send(buf)).await
    }

    /// Receives one datagram from the connected peer.
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.read_with(|socket| socket.recv(buf)).await
    }

    /// Sends `buf` to the socket at `path`.
    pub async fn send_to(&self, buf: &[u8], path: impl AsRef<Path>) -> io::Result<usize> {
        let path = path.as_ref();
        self.io.write_with(|socket| socket.send_to(buf, path)).await
    }

    /// Receives one datagram: its length and sender.
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.read_with(|socket| socket.recv_from(buf)).await
    }

    /// Sends without waiting; `WouldBlock` if the queue is full.
    pub fn try_send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io
            .try_io(eddy_reactor::Direction::Write, |s| s.send(buf))
    }

    /// Receives without waiting; `WouldBlock` if no datagram is there.
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io
            .try_io(eddy_reactor::Direction::Read, |s| s.recv(buf))
    }

    readiness_methods!(
        "    let (a, b) = eddy::net::UnixDatagram::pair().unwrap();",
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

    /// Shuts down the read, write or both directions.
    ///
    /// # Errors
    ///
    /// The OS error.
    pub fn shutdown(&self, how: std::net::Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }
}

impl AsFd for UnixDatagram {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}

impl AsRawFd for UnixDatagram {
    fn as_raw_fd(&self) -> RawFd {
        self.io.as_raw_fd()
    }
}
