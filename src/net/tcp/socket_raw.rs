//! `FromRawFd` / `FromRawSocket` for [`TcpSocket`], as tokio has them.
//!
//! This is one of the facade's modules that may use `unsafe` (the crate is
//! `#![deny(unsafe_code)]`): the std traits' one method is an `unsafe fn`, whose caller
//! promises that the handle is an open socket it owns. Nothing here dereferences
//! anything; the promise is handed on to socket2's constructor unchanged. Safe code uses
//! `From<OwnedFd>` / `From<OwnedSocket>` instead.

#![allow(unsafe_code)]

#[cfg(unix)]
use std::os::fd::{FromRawFd, RawFd};
#[cfg(windows)]
use std::os::windows::io::{FromRawSocket, RawSocket};

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
        let inner = unsafe { socket2::Socket::from_raw_fd(fd) };
        TcpSocket::from(std::os::fd::OwnedFd::from(inner))
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
        let inner = unsafe { socket2::Socket::from_raw_socket(socket) };
        TcpSocket::from(std::os::windows::io::OwnedSocket::from(inner))
    }
}
