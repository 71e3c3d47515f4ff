//! Where eddy's sockets come from: `socket(2)` for the ones it opens, `accept(2)` for the
//! TCP connections its listeners take. Both hand the socket over non-blocking and
//! close-on-exec, ready to register with the reactor as it is.
//!
//! Linux, Android, the BSDs and illumos set both modes as the socket is made
//! (`SOCK_NONBLOCK | SOCK_CLOEXEC`), as tokio's sockets are made there: one system call
//! per socket. Elsewhere (macOS, Windows) the non-blocking mode takes a call of its own
//! after it, as it did before.

use std::io;

use socket2::{Domain, SockAddr, Socket, Type};

/// A new non-blocking, close-on-exec socket of `domain` and `ty`: the one place eddy's
/// sockets are opened, so the fault-injection layer sees every `socket(2)`.
pub(crate) fn new_socket(domain: Domain, ty: Type) -> io::Result<Socket> {
    eddy_faults::inject(eddy_faults::Call::Socket)?;
    sys::new_socket(domain, ty)
}

/// Takes one connection off `listener` (itself non-blocking: `WouldBlock` when none is
/// queued): the connected socket, non-blocking and close-on-exec, and its peer's address.
pub(crate) fn accept(listener: &Socket) -> io::Result<(Socket, SockAddr)> {
    sys::accept(listener)
}

/// Both modes as the socket is made.
#[cfg(any(
    target_os = "linux",
    target_os = "android",
    target_os = "freebsd",
    target_os = "dragonfly",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "illumos",
    target_os = "fuchsia",
))]
mod sys {
    use super::*;

    pub(super) fn new_socket(domain: Domain, ty: Type) -> io::Result<Socket> {
        // socket2 adds SOCK_CLOEXEC.
        Socket::new(domain, ty.nonblocking(), None)
    }

    pub(super) fn accept(listener: &Socket) -> io::Result<(Socket, SockAddr)> {
        listener.accept4(libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC)
    }
}

/// Close-on-exec as the socket is made (socket2 sees to it), non-blocking after.
#[cfg(not(any(
    target_os = "linux",
    target_os = "android",
    target_os = "freebsd",
    target_os = "dragonfly",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "illumos",
    target_os = "fuchsia",
)))]
mod sys {
    use super::*;

    pub(super) fn new_socket(domain: Domain, ty: Type) -> io::Result<Socket> {
        let socket = Socket::new(domain, ty, None)?;
        socket.set_nonblocking(true)?;
        Ok(socket)
    }

    pub(super) fn accept(listener: &Socket) -> io::Result<(Socket, SockAddr)> {
        let (socket, peer) = listener.accept()?;
        socket.set_nonblocking(true)?;
        Ok((socket, peer))
    }
}
