//! [`Pipe`]: the parent's end of a child's stdio pipe, non-blocking on the reactor.
//!
//! Unsafe code: `fcntl` to make an fd blocking again when it leaves the reactor, and on
//! Apple to set `F_SETNOSIGPIPE`.

#![allow(unsafe_code)]

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::process::Stdio;
use std::sync::Arc;
use std::task::{Context, Poll};

use eddy_reactor::{Direction, Reactor};

use super::sigpipe;
use crate::io::Async;

/// One end of a pipe to a child, registered with a reactor. Reads and writes are plain
/// `read(2)` / `write(2)` calls on the non-blocking fd, awaited only on `WouldBlock`.
pub(crate) struct Pipe {
    io: Async<File>,
}

impl Pipe {
    /// Our end of the child's stdout or stderr.
    pub(crate) fn new_reader(fd: OwnedFd, reactor: &Arc<Reactor>) -> io::Result<Pipe> {
        Ok(Pipe {
            io: Async::with_reactor(File::from(fd), reactor.clone())?,
        })
    }

    /// Our end of the child's stdin. On Apple it gets `F_SETNOSIGPIPE`: a write to it
    /// after the child closed its end fails with `EPIPE` and raises no signal.
    pub(crate) fn new_writer(fd: OwnedFd, reactor: &Arc<Reactor>) -> io::Result<Pipe> {
        #[cfg(target_vendor = "apple")]
        {
            // SAFETY: `fd` is an open fd we own; `F_SETNOSIGPIPE` takes an int and
            // changes only the fd's flags.
            if unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETNOSIGPIPE, 1) } < 0 {
                return Err(io::Error::last_os_error());
            }
        }
        Pipe::new_reader(fd, reactor)
    }

    pub(crate) fn poll_read(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        // A short read drained the pipe: readiness is cleared without a second `read`
        // that would say `WouldBlock` (the writer's close is a sticky hang-up, so an
        // end-of-file behind the bytes is still seen).
        self.io
            .poll_stream_read(cx, buf.len(), |mut file| file.read(buf))
    }

    /// A read straight into tokio's buffer, which may be uninitialised (`io::uninit`):
    /// the pipe's `tokio::io::AsyncRead`.
    #[cfg(feature = "tokio-io")]
    pub(crate) fn poll_read_buf(
        &self,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        crate::io::uninit::poll_read_uninit(&self.io, cx, buf)
    }

    pub(crate) fn poll_write(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        // A short write filled the pipe: readiness is cleared without a second `write`
        // that would say `WouldBlock` (tokio's rule too).
        self.io
            .poll_stream_write(cx, buf.len(), |mut file| sigpipe::write(|| file.write(buf)))
    }

    pub(crate) fn poll_write_vectored(
        &self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.io.poll_io(Direction::Write, cx, |mut file| {
            sigpipe::write(|| file.write_vectored(bufs))
        })
    }

    pub(crate) fn poll_flush(&self, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // A pipe has no user-space buffer: every write is in the kernel already.
        Poll::Ready(Ok(()))
    }

    /// Deregisters the fd and makes it blocking again.
    pub(crate) fn into_owned_fd(self) -> io::Result<OwnedFd> {
        let fd = OwnedFd::from(self.io.into_inner()?);
        set_blocking(&fd)?;
        Ok(fd)
    }

    /// The fd as another child's stdio: blocking, as programs expect their stdio to be.
    pub(crate) fn into_stdio(self) -> io::Result<Stdio> {
        Ok(Stdio::from(self.into_owned_fd()?))
    }

    pub(crate) fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}

/// Clears `O_NONBLOCK` on `fd`.
fn set_blocking(fd: &OwnedFd) -> io::Result<()> {
    let raw = fd.as_raw_fd();
    // SAFETY: `raw` is open for the duration (we own `fd`); `F_GETFL` reads the status
    // flags and touches no memory of ours.
    let flags = unsafe { libc::fcntl(raw, libc::F_GETFL) };
    if flags < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: as above; `F_SETFL` takes an int.
    if unsafe { libc::fcntl(raw, libc::F_SETFL, flags & !libc::O_NONBLOCK) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
