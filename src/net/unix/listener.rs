//! [`UnixListener`]: a server on a filesystem path.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::os::unix::net::SocketAddr;
use std::path::Path;
use std::task::{Context, Poll};

use eddy_reactor::Direction;
use socket2::{Domain, SockAddr, Type};

use super::UnixStream;
use crate::io::Async;

/// The listen backlog, as for TCP.
const BACKLOG: i32 = 1024;

/// A Unix domain socket listening for connections.
///
/// Binding creates the socket file; it is not removed on drop (as with std and tokio).
///
/// # Examples
///
/// ```
/// use eddy::net::{UnixListener, UnixStream};
/// use futures_lite::{AsyncReadExt, AsyncWriteExt};
///
/// eddy::run(async {
///     let dir = std::env::temp_dir().join(format!("eddy-doc-{}", std::process::id()));
///     std::fs::create_dir_all(&dir).unwrap();
///     let path = dir.join("listener.sock");
///     let _ = std::fs::remove_file(&path);
///     let listener = UnixListener::bind(&path).unwrap();
///     let client = eddy::spawn({
///         let path = path.clone();
///         async move {
///             let mut stream = UnixStream::connect(&path).await.unwrap();
///             stream.write_all(b"hi").await.unwrap();
///         }
///     });
///     let (mut stream, _) = listener.accept().await.unwrap();
///     let mut buf = String::new();
///     stream.read_to_string(&mut buf).await.unwrap();
///     assert_eq!(buf, "hi");
///     client.await.unwrap();
///     std::fs::remove_dir_all(&dir).unwrap();
/// });
/// ```
#[derive(Debug)]
pub struct UnixListener {
    io: Async<std::os::unix::net::UnixListener>,
}

impl UnixListener {
    /// Creates the socket file at `path` and listens on it.
    ///
    /// # Errors
    ///
    /// `AddrInUse` if the file exists (remove a stale one first), or the OS error.
    ///
    /// # Panics
    ///
    /// Outside a runtime, naming the fix.
    #[track_caller]
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        let socket = crate::net::new_socket(Domain::UNIX, Type::STREAM)?;
        socket.bind(&SockAddr::unix(path)?)?;
        socket.listen(BACKLOG)?;
        let listener = std::os::unix::net::UnixListener::from(OwnedFd::from(socket));
        Ok(UnixListener {
            io: Async::with_reactor_nonblocking(listener, crate::io::current_reactor())?,
        })
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
    pub fn from_std(listener: std::os::unix::net::UnixListener) -> io::Result<UnixListener> {
        Ok(UnixListener {
            io: Async::new(listener)?,
        })
    }

    /// Deregisters the listener and returns it as std's (still non-blocking).
    ///
    /// # Errors
    ///
    /// The OS error if it cannot be deregistered.
    pub fn into_std(self) -> io::Result<std::os::unix::net::UnixListener> {
        self.io.into_inner()
    }

    /// Waits for a connection: the stream and the peer's address (usually unnamed).
    ///
    /// # Errors
    ///
    /// The OS error, returned as is (see [`TcpListener`](crate::net::TcpListener) on
    /// running out of file descriptors).
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        std::future::poll_fn(|cx| self.poll_accept(cx)).await
    }

    /// Polls for a connection.
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(UnixStream, SocketAddr)>> {
        let (stream, peer) = std::task::ready!(self.io.poll_io(Direction::Read, cx, |listener| {
            eddy_faults::inject(eddy_faults::Call::Accept)?;
            listener.accept()
        }))?;
        let stream = UnixStream::from_accepted(stream, self.io.reactor().clone())?;
        Poll::Ready(Ok((stream, peer)))
    }

    /// The connections as a [`Stream`](futures_core::Stream) of `accept` results, for
    /// `while let Some(stream) = incoming.next().await` with futures-lite's `StreamExt`
    /// (tokio-stream's `UnixListenerStream`).
    ///
    /// # Examples
    ///
    /// See [`Incoming`](crate::net::unix::Incoming).
    pub fn incoming(&self) -> super::Incoming<'_> {
        super::Incoming::new(self)
    }

    /// The address the listener is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }
}

impl AsFd for UnixListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}

impl AsRawFd for UnixListener {
    fn as_raw_fd(&self) -> RawFd {
        self.io.as_raw_fd()
    }
}
