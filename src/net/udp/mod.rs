//! UDP: [`UdpSocket`].
//!
//! | file | what |
//! |---|---|
//! | `socket.rs` | the socket: bind, connect, send and receive, peek, readiness |
//! | `options.rs` | socket options: multicast groups and loops, TTLs, TOS, broadcast |
//! | `buf.rs` | `recv_buf` and friends: receiving into a `bytes::BufMut` |

mod buf;
mod options;
mod socket;

pub use self::socket::UdpSocket;
