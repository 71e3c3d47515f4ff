//! Windows: spawning, waiting on the blocking pool, and pipes on the blocking pool.
//!
//! Windows' poller in eddy waits on sockets only, so a process handle or an anonymous
//! pipe cannot be registered with the reactor. A wait is `WaitForSingleObject` on a
//! duplicate of the process handle, run on the blocking pool (one pool thread while a
//! `wait` is pending; a cancelled `wait` leaves that thread waiting until the process
//! exits). Pipe reads and writes run on the pool too, as `eddy::io::stdin` does.
//!
//! Unsafe code: `WaitForSingleObject` on the duplicated handle.

#![allow(unsafe_code)]

use std::future::Future;
use std::io;
use std::os::windows::io::{AsHandle, AsRawHandle, OwnedHandle};
use std::pin::Pin;
use std::process::Stdio;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use eddy_reactor::Reactor;

use super::spawn_error;
use crate::io::read_dst::{poll_read_slice, ReadDst};
use crate::io::Blocking;
use crate::task::JoinHandle;

/// A child not yet reaped, and the pool call waiting for it, if any.
pub(crate) struct Running {
    pub(crate) std: std::process::Child,
    waiting: Option<JoinHandle<()>>,
}

impl Running {
    /// `Ready` when the child may have exited (then `try_wait` tells).
    pub(crate) fn poll_exit(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.waiting.is_none() {
            let handle: OwnedHandle = self.std.as_handle().try_clone_to_owned()?;
            self.waiting = Some(crate::task::spawn_blocking(move || {
                // SAFETY: `handle` is an open process handle owned by this closure for
                // the duration of the call.
                unsafe {
                    windows_sys::Win32::System::Threading::WaitForSingleObject(
                        handle.as_raw_handle(),
                        windows_sys::Win32::System::Threading::INFINITE,
                    )
                };
            }));
        }
        let waiting = self.waiting.as_mut().expect("set above");
        let done = ready!(Pin::new(waiting).poll(cx));
        self.waiting = None;
        Poll::Ready(done.map_err(io::Error::from))
    }
}

/// What [`spawn`] made.
pub(crate) struct Spawned {
    pub(crate) running: Running,
    pub(crate) stdin: Option<Pipe>,
    pub(crate) stdout: Option<Pipe>,
    pub(crate) stderr: Option<Pipe>,
}

/// Spawns `cmd`; its pipes are served by the blocking pool.
pub(crate) fn spawn(
    cmd: &mut std::process::Command,
    _reactor: &Arc<Reactor>,
) -> io::Result<Spawned> {
    let mut std = cmd.spawn().map_err(|err| spawn_error(cmd, err))?;
    Ok(Spawned {
        stdin: std.stdin.take().map(|p| Pipe::Stdin(Blocking::new(p))),
        stdout: std.stdout.take().map(|p| Pipe::Stdout(Blocking::new(p))),
        stderr: std.stderr.take().map(|p| Pipe::Stderr(Blocking::new(p))),
        running: Running { std, waiting: None },
    })
}

/// One end of a pipe to a child, its calls made on the blocking pool.
pub(crate) enum Pipe {
    Stdin(Blocking<std::process::ChildStdin>),
    Stdout(Blocking<std::process::ChildStdout>),
    Stderr(Blocking<std::process::ChildStderr>),
}

impl Pipe {
    pub(crate) fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        poll_read_slice(buf, |dst| self.poll_read_into(cx, dst))
    }

    /// A read, copied from the pool call's buffer into `dst`.
    fn poll_read_into(
        &mut self,
        cx: &mut Context<'_>,
        dst: &mut impl ReadDst,
    ) -> Poll<io::Result<()>> {
        match self {
            Pipe::Stdout(pipe) => pipe.poll_read_into(cx, dst),
            Pipe::Stderr(pipe) => pipe.poll_read_into(cx, dst),
            Pipe::Stdin(_) => Poll::Ready(Err(io::ErrorKind::Unsupported.into())),
        }
    }

    /// A read into tokio's buffer (its `AsyncRead`).
    #[cfg(feature = "tokio-io")]
    pub(crate) fn poll_read_buf(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.poll_read_into(cx, buf)
    }

    pub(crate) fn poll_write(
        &mut self,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self {
            Pipe::Stdin(pipe) => pipe.poll_write(cx, buf),
            _ => Poll::Ready(Err(io::ErrorKind::Unsupported.into())),
        }
    }

    pub(crate) fn poll_write_vectored(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let buf = bufs
            .iter()
            .find(|b| !b.is_empty())
            .map_or(&[][..], |b| &**b);
        self.poll_write(cx, buf)
    }

    pub(crate) fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self {
            Pipe::Stdin(pipe) => pipe.poll_flush(cx),
            _ => Poll::Ready(Ok(())),
        }
    }

    /// The pipe as another child's stdio, once no pool call holds it.
    pub(crate) fn into_stdio(self) -> io::Result<Stdio> {
        Ok(match self {
            Pipe::Stdin(pipe) => Stdio::from(pipe.into_inner()?),
            Pipe::Stdout(pipe) => Stdio::from(pipe.into_inner()?),
            Pipe::Stderr(pipe) => Stdio::from(pipe.into_inner()?),
        })
    }
}
