//! [`UdpSocket::recv_buf`] and friends: a datagram received straight into the spare
//! capacity of a [`bytes::BufMut`] (a `BytesMut`, a `Vec<u8>`), as tokio's do.
//!
//! This is one of the facade's modules that may use `unsafe` (the crate is
//! `#![deny(unsafe_code)]`): `BufMut` hands out its spare capacity uninitialised, and
//! filling it without zeroing it first, then committing the bytes the kernel wrote, takes
//! `UninitSlice::as_uninit_slice_mut` and `BufMut::advance_mut`, whose contracts
//! [`recv_into`] discharges: socket2's `recv` into `MaybeUninit` memory only writes, and
//! says how much.

#![allow(unsafe_code)]

use std::io;
use std::mem::MaybeUninit;
use std::net::SocketAddr;

use bytes::BufMut;
use eddy_reactor::Direction;
use socket2::SockRef;

use super::socket::ip_addr;
use super::UdpSocket;

/// Runs `recv` on `buf`'s next chunk of spare capacity, then commits the bytes it wrote.
/// `recv` must return the number of bytes it initialised at the start of its slice
/// (socket2's `recv` / `recv_from` do).
fn recv_into<B: BufMut + ?Sized, R>(
    buf: &mut B,
    recv: impl FnOnce(&mut [MaybeUninit<u8>]) -> io::Result<(usize, R)>,
) -> io::Result<(usize, R)> {
    let chunk = buf.chunk_mut();
    // SAFETY: `as_uninit_slice_mut` requires that nothing reads the memory and nothing
    // writes uninitialised bytes into it: the only user is the socket's `recv`, which the
    // kernel fills with received (initialised) bytes and never reads.
    let dst = unsafe { chunk.as_uninit_slice_mut() };
    let len = dst.len();
    let (n, extra) = recv(dst)?;
    assert!(n <= len, "recv reported {n} bytes for a {len}-byte buffer");
    // SAFETY: `advance_mut(n)` requires the next `n` bytes of the chunk to be initialised:
    // `recv` wrote `n` bytes at its start (and `n` fits, checked above).
    unsafe { buf.advance_mut(n) };
    Ok((n, extra))
}

impl UdpSocket {
    /// Receives one datagram from the connected peer into `buf`'s spare capacity,
    /// growing its length by the datagram's; the number of bytes (tokio's `recv_buf`).
    /// The part of a datagram longer than the chunk `buf` offers is discarded (a
    /// `BytesMut` or `Vec` offers at least 64 bytes; reserve what you expect).
    ///
    /// # Errors
    ///
    /// The OS error (`ConnectionRefused` after a datagram met a closed port).
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy::net::UdpSocket;
    ///
    /// eddy::run(async {
    ///     let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     b.connect(a.local_addr().unwrap()).await.unwrap();
    ///     a.send_to(b"hello", b.local_addr().unwrap()).await.unwrap();
    ///     let mut buf = Vec::with_capacity(1500);
    ///     let n = b.recv_buf(&mut buf).await.unwrap();
    ///     assert_eq!((n, &buf[..]), (5, &b"hello"[..]));
    /// });
    /// ```
    pub async fn recv_buf<B: BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        self.io
            .read_with(|s| recv_into(buf, |dst| Ok((SockRef::from(s).recv(dst)?, ()))))
            .await
            .map(|(n, ())| n)
    }

    /// Receives one datagram into `buf`'s spare capacity, as
    /// [`recv_buf`](Self::recv_buf): its length and sender (tokio's `recv_buf_from`).
    ///
    /// # Errors
    ///
    /// The OS error.
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy::net::UdpSocket;
    ///
    /// eddy::run(async {
    ///     let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     a.send_to(b"hi", b.local_addr().unwrap()).await.unwrap();
    ///     let mut buf = Vec::with_capacity(64);
    ///     let (n, from) = b.recv_buf_from(&mut buf).await.unwrap();
    ///     assert_eq!((n, from), (2, a.local_addr().unwrap()));
    /// });
    /// ```
    pub async fn recv_buf_from<B: BufMut>(&self, buf: &mut B) -> io::Result<(usize, SocketAddr)> {
        self.io
            .read_with(|s| recv_into(buf, |dst| SockRef::from(s).recv_from(dst)))
            .await
            .and_then(|(n, from)| Ok((n, ip_addr(from)?)))
    }

    /// [`recv_buf`](Self::recv_buf) without waiting; `WouldBlock` if no datagram is
    /// there (`buf` is then unchanged).
    ///
    /// # Errors
    ///
    /// `WouldBlock`, or the OS error.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let socket = eddy::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     let mut buf = Vec::with_capacity(64);
    ///     let err = socket.try_recv_buf(&mut buf).unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
    ///     assert!(buf.is_empty());
    /// });
    /// ```
    pub fn try_recv_buf<B: BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        self.io
            .try_io(Direction::Read, |s| {
                recv_into(buf, |dst| Ok((SockRef::from(s).recv(dst)?, ())))
            })
            .map(|(n, ())| n)
    }

    /// [`recv_buf_from`](Self::recv_buf_from) without waiting; `WouldBlock` if no
    /// datagram is there.
    ///
    /// # Errors
    ///
    /// `WouldBlock`, or the OS error.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let socket = eddy::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     let mut buf = bytes::BytesMut::with_capacity(64);
    ///     let err = socket.try_recv_buf_from(&mut buf).unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::WouldBlock);
    /// });
    /// ```
    pub fn try_recv_buf_from<B: BufMut>(&self, buf: &mut B) -> io::Result<(usize, SocketAddr)> {
        self.io
            .try_io(Direction::Read, |s| {
                recv_into(buf, |dst| SockRef::from(s).recv_from(dst))
            })
            .and_then(|(n, from)| Ok((n, ip_addr(from)?)))
    }
}
