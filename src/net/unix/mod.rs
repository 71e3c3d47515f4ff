//! Unix domain sockets: [`UnixListener`], [`UnixStream`] (with owned halves) and
//! [`UnixDatagram`].

mod datagram;
mod listener;
mod stream;

pub use self::datagram::UnixDatagram;
pub use self::listener::UnixListener;
pub use self::stream::UnixStream;

/// The read half of a [`UnixStream`] split with [`UnixStream::into_split`].
pub type OwnedReadHalf = crate::net::split::OwnedReadHalf<UnixStream>;
/// The write half of a [`UnixStream`] split with [`UnixStream::into_split`].
pub type OwnedWriteHalf = crate::net::split::OwnedWriteHalf<UnixStream>;
/// Halves of different [`UnixStream`]s passed to `reunite`.
pub type ReuniteError = crate::net::split::ReuniteError<UnixStream>;
pub use std::os::unix::net::SocketAddr;
