//! [`ChildStdin`], [`ChildStdout`], [`ChildStderr`]: the parent's ends of a child's
//! piped stdio, as `futures-io` streams.
//!
//! On Unix each is a non-blocking pipe registered with the runtime's reactor (reads and
//! writes are plain syscalls, awaited only on `WouldBlock`); on Windows each call runs on
//! the blocking pool (see the [module docs](super)).

use std::fmt;
use std::io;
#[cfg(unix)]
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::pin::Pin;
use std::process::Stdio;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};

use super::sys::Pipe;

macro_rules! pipe_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        pub struct $name {
            pipe: Pipe,
        }

        impl $name {
            pub(crate) fn from_pipe(pipe: Pipe) -> $name {
                $name { pipe }
            }

            /// Deregisters the pipe from the reactor and returns its fd, back in blocking
            /// mode (for handing to code that is not async). Unix only.
            ///
            /// # Errors
            ///
            /// The OS's error if the fd cannot be deregistered or made blocking.
            #[cfg(unix)]
            #[cfg_attr(docsrs, doc(cfg(unix)))]
            pub fn into_owned_fd(self) -> io::Result<OwnedFd> {
                self.pipe.into_owned_fd()
            }
        }

        /// The pipe as a child's stdio, so one child's output feeds another (tokio's
        /// `TryInto<Stdio>`). On Unix the fd is deregistered and made blocking again, as
        /// a child expects.
        impl TryFrom<$name> for Stdio {
            type Error = io::Error;

            fn try_from(pipe: $name) -> io::Result<Stdio> {
                pipe.pipe.into_stdio()
            }
        }

        #[cfg(unix)]
        impl AsFd for $name {
            fn as_fd(&self) -> BorrowedFd<'_> {
                self.pipe.as_fd()
            }
        }

        #[cfg(unix)]
        impl AsRawFd for $name {
            fn as_raw_fd(&self) -> RawFd {
                self.pipe.as_fd().as_raw_fd()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name)).finish_non_exhaustive()
            }
        }
    };
}

pipe_type!(
    /// The write end of a child's stdin ([`Child::stdin`](super::Child::stdin)): an
    /// [`AsyncWrite`]. Dropping it (or [`Child::wait`](super::Child::wait)) closes it, and
    /// the child reads the end of its input.
    ///
    /// A write after the child has closed its stdin (or exited) is an error of kind
    /// [`BrokenPipe`](io::ErrorKind::BrokenPipe), never a SIGPIPE that ends this process
    /// (see the [module docs](super)).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::process::Stdio;
    /// use futures_lite::AsyncWriteExt;
    ///
    /// eddy::run(async {
    ///     let mut child = eddy::process::Command::new("wc")
    ///         .arg("-c")
    ///         .stdin(Stdio::piped())
    ///         .stdout(Stdio::piped())
    ///         .spawn()?;
    ///     child.stdin.as_mut().unwrap().write_all(b"12345").await?;
    ///     let out = child.wait_with_output().await?; // closes stdin first
    ///     assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "5");
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    ChildStdin
);

pipe_type!(
    /// The read end of a child's stdout ([`Child::stdout`](super::Child::stdout)): an
    /// [`AsyncRead`] that ends when the child closes it (usually by exiting).
    ///
    /// # Examples
    ///
    /// One child's output piped into another's input, as `echo piped | tr a-z A-Z`:
    ///
    /// ```
    /// use std::process::Stdio;
    /// use eddy::process::Command;
    ///
    /// eddy::run(async {
    ///     let mut echo = Command::new("echo").arg("piped").stdout(Stdio::piped()).spawn()?;
    ///     let echo_out: Stdio = echo.stdout.take().unwrap().try_into()?;
    ///     let upper = Command::new("tr").args(["a-z", "A-Z"]).stdin(echo_out).output().await?;
    ///     assert_eq!(upper.stdout, b"PIPED\n");
    ///     echo.wait().await?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    ChildStdout
);

pipe_type!(
    /// The read end of a child's stderr ([`Child::stderr`](super::Child::stderr)): an
    /// [`AsyncRead`], as [`ChildStdout`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::process::Stdio;
    /// use futures_lite::AsyncReadExt;
    ///
    /// eddy::run(async {
    ///     let mut child = eddy::process::Command::new("sh")
    ///         .args(["-c", "echo oops >&2"])
    ///         .stderr(Stdio::piped())
    ///         .spawn()?;
    ///     let mut err = String::new();
    ///     child.stderr.take().unwrap().read_to_string(&mut err).await?;
    ///     assert_eq!(err, "oops\n");
    ///     child.wait().await?;
    ///     std::io::Result::Ok(())
    /// })?;
    /// # std::io::Result::Ok(())
    /// ```
    ChildStderr
);

impl AsyncWrite for ChildStdin {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().pipe.poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().pipe.poll_write_vectored(cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().pipe.poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // As a socket's `poll_close` in futures-io: flushes; the pipe closes on drop.
        self.get_mut().pipe.poll_flush(cx)
    }
}

impl AsyncRead for ChildStdout {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().pipe.poll_read(cx, buf)
    }
}

impl AsyncRead for ChildStderr {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().pipe.poll_read(cx, buf)
    }
}

/// The read ends' hook for their `tokio::io::AsyncRead` (`io/tokio_io.rs`): on Unix a
/// read straight into tokio's buffer, uninitialised as it may be; on Windows a copy from
/// the pool call's buffer.
#[cfg(feature = "tokio-io")]
macro_rules! tokio_read_hook {
    ($name:ident) => {
        impl $name {
            pub(crate) fn poll_read_buf(
                &mut self,
                cx: &mut Context<'_>,
                buf: &mut tokio::io::ReadBuf<'_>,
            ) -> Poll<io::Result<()>> {
                self.pipe.poll_read_buf(cx, buf)
            }
        }
    };
}
#[cfg(feature = "tokio-io")]
tokio_read_hook!(ChildStdout);
#[cfg(feature = "tokio-io")]
tokio_read_hook!(ChildStderr);
