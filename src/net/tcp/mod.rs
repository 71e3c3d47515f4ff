//! TCP: [`TcpListener`], [`TcpStream`], the stream's owned halves, and [`TcpSocket`] for
//! options set before connecting or listening.

mod incoming;
mod listener;
mod socket;
mod socket_raw;
mod stream;

pub use self::incoming::Incoming;
pub use self::listener::TcpListener;
pub use self::socket::TcpSocket;
pub use self::stream::TcpStream;

/// The read half of a [`TcpStream`] split with [`TcpStream::into_split`].
pub type OwnedReadHalf = crate::net::split::OwnedReadHalf<TcpStream>;
/// The write half of a [`TcpStream`] split with [`TcpStream::into_split`].
pub type OwnedWriteHalf = crate::net::split::OwnedWriteHalf<TcpStream>;

/// The halves passed to `reunite` came from different [`TcpStream`]s; they are handed
/// back.
#[derive(Debug)]
pub struct ReuniteError(pub OwnedReadHalf, pub OwnedWriteHalf);

impl std::fmt::Display for ReuniteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("tried to reunite halves that are not from the same socket")
    }
}

impl std::error::Error for ReuniteError {}
