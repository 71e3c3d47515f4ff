//! Unix domain sockets: [`UnixListener`], [`UnixStream`] (with owned halves) and
//! [`UnixDatagram`]. Unix only.

mod datagram;
mod incoming;
mod listener;
mod stream;

pub use self::datagram::UnixDatagram;
pub use self::incoming::Incoming;
pub use self::listener::UnixListener;
pub use self::stream::UnixStream;

/// The read half of a [`UnixStream`] split with [`UnixStream::into_split`].
pub type OwnedReadHalf = crate::net::split::OwnedReadHalf<UnixStream>;
/// The write half of a [`UnixStream`] split with [`UnixStream::into_split`].
pub type OwnedWriteHalf = crate::net::split::OwnedWriteHalf<UnixStream>;

/// The halves passed to `reunite` came from different [`UnixStream`]s; they are handed
/// back.
#[derive(Debug)]
pub struct ReuniteError(pub OwnedReadHalf, pub OwnedWriteHalf);

impl std::fmt::Display for ReuniteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("tried to reunite halves that are not from the same socket")
    }
}

impl std::error::Error for ReuniteError {}
pub use std::os::unix::net::SocketAddr;
