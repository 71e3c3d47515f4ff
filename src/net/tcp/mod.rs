//! TCP: [`TcpListener`], [`TcpStream`] and the stream's owned halves.

mod listener;
mod stream;

pub use self::listener::TcpListener;
pub use self::stream::TcpStream;

/// The read half of a [`TcpStream`] split with [`TcpStream::into_split`].
pub type OwnedReadHalf = crate::net::split::OwnedReadHalf<TcpStream>;
/// The write half of a [`TcpStream`] split with [`TcpStream::into_split`].
pub type OwnedWriteHalf = crate::net::split::OwnedWriteHalf<TcpStream>;
/// Halves of different [`TcpStream`]s passed to `reunite`.
pub type ReuniteError = crate::net::split::ReuniteError<TcpStream>;
