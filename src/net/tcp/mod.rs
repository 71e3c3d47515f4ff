//! TCP: [`TcpListener`], [`TcpStream`] and the stream's owned halves.

mod listener;
mod stream;

pub use self::listener::TcpListener;
pub use self::stream::{OwnedReadHalf, OwnedWriteHalf, ReuniteError, TcpStream};
