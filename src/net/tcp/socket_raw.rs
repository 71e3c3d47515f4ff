//! [`TcpSocket`]'s conversions to and from OS handles, as tokio has them: `AsFd`,
//! `AsRawFd`, `IntoRawFd`, `FromRawFd` and the `OwnedFd` conversions on Unix; the
//! `*Socket` equivalents on Windows.
//!
//! This is one of the facade's modules that may use `unsafe` (the crate is
//! `#![deny(unsafe_code)]`): `FromRawFd` / `FromRawSocket`'s one method is an
//! `unsafe fn`, whose caller promises that the handle is an open socket it owns. Nothing
//! here dereferences anything; the promise is handed on to socket2's constructor
//! unchanged. Safe code uses `From<OwnedFd>` / `From<OwnedSocket>` instead.

#![allow(unsafe_code)]

#[cfg(unix)]
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
#[cfg(windows)]
use std::os::windows::io::{
    AsRawSocket, AsSocket, BorrowedSocket, FromRawSocket, IntoRawSocket, OwnedSocket, RawSocket,
};

use socket2::Socket;

use super::TcpSocket;

#[cfg(unix)]
impl FromRawFd for TcpSocket {
    /// Takes ownership of the socket `fd` (its mode, blocking or not, is left as it is).
    ///
    /// # Safety
    ///
    /// As `FromRawFd::from_raw_fd`: `fd` is an open TCP socket, owned by the caller and
    /// by nothing else from now on.
    unsafe fn from_raw_fd(fd: RawFd) -> TcpSocket {
        // SAFETY: the caller's promise (an open socket fd it hands over) is exactly the
        // contract of `Socket::from_raw_fd`.
        let inner = unsafe { Socket::from_raw_fd(fd) };
        TcpSocket::adopt(inner)
    }
}

#[cfg(windows)]
impl FromRawSocket for TcpSocket {
    /// Takes ownership of `socket` (its mode, blocking or not, is left as it is).
    ///
    /// # Safety
    ///
    /// As `FromRawSocket::from_raw_socket`: `socket` is an open TCP socket, owned by the
    /// caller and by nothing else from now on.
    unsafe fn from_raw_socket(socket: RawSocket) -> TcpSocket {
        // SAFETY: the caller's promise (an open socket it hands over) is exactly the
        // contract of `Socket::from_raw_socket`.
        let inner = unsafe { Socket::from_raw_socket(socket) };
        TcpSocket::adopt(inner)
    }
}

#[cfg(unix)]
impl AsRawFd for TcpSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.as_raw_fd()
    }
}

#[cfg(unix)]
impl AsFd for TcpSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.as_fd()
    }
}

#[cfg(unix)]
impl IntoRawFd for TcpSocket {
    fn into_raw_fd(self) -> RawFd {
        self.inner.into_raw_fd()
    }
}

/// Takes ownership of a TCP socket's fd (its mode, blocking or not, is left as it is).
#[cfg(unix)]
impl From<OwnedFd> for TcpSocket {
    fn from(fd: OwnedFd) -> TcpSocket {
        TcpSocket::adopt(Socket::from(fd))
    }
}

#[cfg(unix)]
impl From<TcpSocket> for OwnedFd {
    fn from(socket: TcpSocket) -> OwnedFd {
        socket.inner.into()
    }
}

#[cfg(windows)]
impl AsRawSocket for TcpSocket {
    fn as_raw_socket(&self) -> RawSocket {
        self.inner.as_raw_socket()
    }
}

#[cfg(windows)]
impl AsSocket for TcpSocket {
    fn as_socket(&self) -> BorrowedSocket<'_> {
        self.inner.as_socket()
    }
}

#[cfg(windows)]
impl IntoRawSocket for TcpSocket {
    fn into_raw_socket(self) -> RawSocket {
        self.inner.into_raw_socket()
    }
}

/// Takes ownership of a TCP socket (its mode, blocking or not, is left as it is).
#[cfg(windows)]
impl From<OwnedSocket> for TcpSocket {
    fn from(socket: OwnedSocket) -> TcpSocket {
        TcpSocket::adopt(Socket::from(socket))
    }
}

#[cfg(windows)]
impl From<TcpSocket> for OwnedSocket {
    fn from(socket: TcpSocket) -> OwnedSocket {
        socket.inner.into()
    }
}
