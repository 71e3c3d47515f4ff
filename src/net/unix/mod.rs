//! Unix domain sockets: [`UnixListener`], [`UnixStream`] (with owned halves) and
//! [`UnixDatagram`].

mod datagram;
mod listener;
mod stream;

pub use self::datagram::UnixDatagram;
pub use self::listener::UnixListener;
pub use self::stream::{OwnedReadHalf, OwnedWriteHalf, ReuniteError, UnixStream};
pub use std::os::unix::net::SocketAddr;
