//! Reads into buffers whose unfilled part may be uninitialised — hyper's
//! [`ReadBufCursor`](hyper::rt::ReadBufCursor) (feature `hyper`) and tokio's
//! [`ReadBuf`](tokio::io::ReadBuf) (feature `tokio-io`) — written once for both.
//!
//! This is the one module of the facade with the unsafe code of those adapters (the crate
//! is `#![deny(unsafe_code)]`): filling such a buffer without first zeroing it — what
//! makes eddy's socket and pipe reads as cheap as tokio's — needs a raw `read(2)` (on
//! Windows, socket2's `recv`, which takes uninitialised memory) and a promise to the
//! buffer that the bytes it reports are initialised, which neither buffer can check.
//!
//! * [`UninitBuf`] is what the two buffers share: their unfilled part, and the unsafe
//!   step that marks bytes of it filled.
//! * [`poll_read_uninit`] reads a registered stream socket or pipe straight into one,
//!   through the reactor's stream rule and the task's cooperative budget, as every eddy
//!   stream read.

#![allow(unsafe_code)]

use std::io;
use std::mem::MaybeUninit;
#[cfg(unix)]
use std::os::fd::{AsRawFd, BorrowedFd};
use std::task::{ready, Context, Poll};

use eddy_reactor::AsSource;

use super::Async;

/// A read buffer: a filled part, then an unfilled part that may be uninitialised.
///
/// # Safety
///
/// An implementation promises that
/// * [`unfilled_mut`](Self::unfilled_mut) returns exactly the unfilled part, and
/// * [`assume_filled(n)`](Self::assume_filled) moves the first `n` bytes of that part to
///   the filled part and records them as initialised,
///
/// so that the functions of this module, which rely on both, are sound.
pub(crate) unsafe trait UninitBuf {
    /// The unfilled part, which may be uninitialised.
    ///
    /// # Safety
    ///
    /// The caller must not de-initialise any byte of it (write `MaybeUninit::uninit()`):
    /// the buffer may have recorded some of it as initialised.
    unsafe fn unfilled_mut(&mut self) -> &mut [MaybeUninit<u8>];

    /// Moves the first `n` bytes of the unfilled part to the filled part.
    ///
    /// # Safety
    ///
    /// Those `n` bytes must be initialised, and `n` at most the unfilled part's length.
    /// Neither buffer checks the bound itself.
    unsafe fn assume_filled(&mut self, n: usize);
}

// SAFETY: each method is hyper's own for that purpose: `as_mut` is the unfilled part,
// `advance(n)` marks `n` bytes of it filled and initialised.
#[cfg(feature = "hyper")]
unsafe impl UninitBuf for hyper::rt::ReadBufCursor<'_> {
    unsafe fn unfilled_mut(&mut self) -> &mut [MaybeUninit<u8>] {
        // SAFETY: the caller does not de-initialise bytes (this method's contract), which
        // is `as_mut`'s.
        unsafe { self.as_mut() }
    }

    unsafe fn assume_filled(&mut self, n: usize) {
        // SAFETY: the caller initialised the first `n` bytes of the unfilled part and `n`
        // is within it (this method's contract), which is `advance`'s.
        unsafe { self.advance(n) }
    }
}

// SAFETY: `unfilled_mut` is tokio's unfilled part; `assume_init(n)` records its first `n`
// bytes initialised and `advance(n)` then moves them to the filled part.
#[cfg(feature = "tokio-io")]
unsafe impl UninitBuf for tokio::io::ReadBuf<'_> {
    unsafe fn unfilled_mut(&mut self) -> &mut [MaybeUninit<u8>] {
        // SAFETY: the caller does not de-initialise bytes (this method's contract), which
        // is tokio's `unfilled_mut`'s.
        unsafe { tokio::io::ReadBuf::unfilled_mut(self) }
    }

    unsafe fn assume_filled(&mut self, n: usize) {
        // SAFETY: the caller initialised the first `n` bytes of the unfilled part (this
        // method's contract), which is `assume_init`'s. `advance(n)` asserts only that
        // `filled + n` stays within the initialised part, which `assume_init` has just
        // raised to at least `filled + n`: the bound rests on the caller's `n`, at most
        // the unfilled part's length.
        unsafe { self.assume_init(n) };
        self.advance(n);
    }
}

/// The most one read asks the kernel for: Apple's `read(2)` refuses more than `INT_MAX`
/// bytes (`EINVAL`), and a tokio `ReadBuf` can be larger. Clamped before the reactor sees
/// the length, so a full read of the clamped length is not taken for a short one.
const MAX_READ: usize = if cfg!(target_vendor = "apple") {
    i32::MAX as usize - 1
} else {
    isize::MAX as usize
};

/// `read(2)` of `fd` into `buf`, which may be uninitialised; retried on `EINTR`.
/// Returns how many bytes it wrote, all initialised.
#[cfg(unix)]
fn read_uninit(fd: BorrowedFd<'_>, buf: &mut [MaybeUninit<u8>]) -> io::Result<usize> {
    loop {
        // SAFETY: `buf` is valid for writes of `buf.len()` bytes for the whole call (it is
        // borrowed mutably), `MaybeUninit<u8>` has `u8`'s layout, and the kernel writes at
        // most `len` bytes; `fd` is open for the call's duration (borrowed).
        let n = unsafe { libc::read(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
        if n >= 0 {
            return Ok(n as usize);
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}

/// `recv` of `socket` into `buf`, which may be uninitialised (socket2 takes such a
/// buffer). Returns how many bytes it wrote, all initialised.
#[cfg(windows)]
fn read_uninit(
    socket: std::os::windows::io::BorrowedSocket<'_>,
    buf: &mut [MaybeUninit<u8>],
) -> io::Result<usize> {
    socket2::SockRef::from(&socket).recv(buf)
}

/// A read of the registered stream socket or pipe `io` straight into `buf`'s unfilled
/// part, with no zeroing: the reactor's stream rule (a short read clears readiness) and
/// the task's cooperative budget apply, as to every eddy stream read. `Ready(Ok(()))`
/// with nothing filled is end-of-stream (or an empty `buf`).
///
/// `T`'s own `Read` is not used: the read is a `read(2)` of its fd (`recv` of its socket
/// on Windows), so call this only for sockets and pipes, whose `Read` is exactly that.
pub(crate) fn poll_read_uninit<T: AsSource>(
    io: &Async<T>,
    cx: &mut Context<'_>,
    buf: &mut impl UninitBuf,
) -> Poll<io::Result<()>> {
    // SAFETY: `read_uninit` only writes to the slice (through `read(2)`, or socket2's
    // `recv`, which promises the same); it never de-initialises a byte.
    let unfilled = unsafe { buf.unfilled_mut() };
    let len = unfilled.len().min(MAX_READ);
    let unfilled = &mut unfilled[..len];
    let n = ready!(io.poll_stream_read(cx, len, |io| read_uninit(io.as_source(), unfilled)))?;
    // The kernel never reports more than it was given; a broken `read` must not make us
    // mark bytes filled that are not there.
    assert!(
        n <= len,
        "read(2) reported {n} bytes into a buffer of {len}"
    );
    // SAFETY: `read(2)` (or `recv`) initialised the first `n` bytes of the unfilled part
    // (`unfilled_mut` is exactly that part, the trait's promise), and `n <= len`, which is
    // at most its length.
    unsafe { buf.assume_filled(n) };
    Poll::Ready(Ok(()))
}
