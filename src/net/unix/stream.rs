//! [`UnixStream`]: a connected Unix domain stream.

use std::io;
use std::net::Shutdown;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::os::unix::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use eddy_reactor::Reactor;
use socket2::{Domain, SockAddr, Type};

use super::{OwnedReadHalf, OwnedWriteHalf, ReuniteError};
use crate::net::readiness::readiness_methods;
use crate::net::split;
use crate::net::stream_io::{self, forward_stream_traits, StreamIo};

/// A Unix domain stream: the same reads, writes, halves and shutdown as
/// [`TcpStream`](crate::net::TcpStream).
///
/// # Examples
///
/// ```
/// use eddy::net::UnixStream;
/// use futures_lite::{AsyncReadExt, AsyncWriteExt};
///
/// eddy::run(async {
///     let (mut a, mut b) = UnixStream::pair().unwrap();
///     a.write_all(b"over the socketpair").await.unwrap();
///     a.close().await.unwrap(); // shuts down the write side: b reads to the end
///     let mut got = String::new();
///     b.read_to_string(&mut got).await.unwrap();
///     assert_eq!(got, "over the socketpair");
/// });
/// ```
#[derive(Debug)]
pub struct UnixStream {
    io: StreamIo<std::os::unix::net::UnixStream>,
}

forward_stream_traits!(UnixStream, SocketAddr, ReuniteError);

impl UnixStream {
    /// Connects to the socket at `path`.
    ///
    /// # Errors
    ///
    /// `NotFound` if no socket file is there, `ConnectionRefused` if nobody listens on
    /// it, `WouldBlock` if the listener's backlog is full.
    ///
    /// # Panics
    ///
    /// Outside a runtime, naming the fix.
    pub async fn connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
        let reactor = crate::io::current_reactor();
        let socket = crate::net::new_socket(Domain::UNIX, Type::STREAM)?;
        let addr = SockAddr::unix(path)?;
        Ok(UnixStream {
            io: stream_io::connect(socket, &addr, reactor).await?,
        })
    }

    /// A connected pair, as `socketpair(2)` makes.
    ///
    /// # Errors
    ///
    /// The OS error.
    ///
    /// # Panics
    ///
    /// Outside a runtime, naming the fix.
    #[track_caller]
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        eddy_faults::inject(eddy_faults::Call::Socket)?;
        let (a, b) = std::os::unix::net::UnixStream::pair()?;
        // On Apple, std gives every socket it makes SO_NOSIGPIPE except a pair's: without
        // it, a write to a closed peer raises SIGPIPE there (Linux sends with MSG_NOSIGNAL).
        #[cfg(target_vendor = "apple")]
        for socket in [&a, &b] {
            socket2::SockRef::from(socket).set_nosigpipe(true)?;
        }
        Ok((UnixStream::from_std(a)?, UnixStream::from_std(b)?))
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
    pub fn from_std(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        Ok(UnixStream {
            io: StreamIo::from_std(stream)?,
        })
    }

    pub(super) fn from_accepted(
        stream: std::os::unix::net::UnixStream,
        reactor: Arc<Reactor>,
    ) -> io::Result<UnixStream> {
        Ok(UnixStream {
            io: StreamIo::new(stream, reactor)?,
        })
    }

    /// Deregisters the stream and returns it as std's (still non-blocking).
    ///
    /// # Errors
    ///
    /// The OS error if it cannot be deregistered.
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixStream> {
        self.io.into_inner()
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The peer's address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Shuts down the read, write or both directions.
    ///
    /// # Errors
    ///
    /// The OS error.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.shutdown(how)
    }

    readiness_methods!(
        "    let (a, b) = eddy::net::UnixStream::pair().unwrap();",
        "try_write",
        "try_read",
        poll_read_ready,
        poll_write_ready,
    );

    /// Waits until the stream is readable.
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
}

impl AsFd for UnixStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}

impl AsRawFd for UnixStream {
    fn as_raw_fd(&self) -> RawFd {
        self.io.as_raw_fd()
    }
}
