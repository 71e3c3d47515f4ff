//! [`ReadDst`]: where a read that copies from a buffer of its own ([`File`](crate::fs::File)'s
//! read-ahead, [`duplex`](super::duplex)'s pipe, the stdio handles' buffer) puts the
//! bytes — a futures-io read's `&mut [u8]`, or (feature `tokio-io`) tokio's `ReadBuf`, so
//! that each such read is written once for both traits. Copies from initialised bytes
//! need no unsafe code, whichever the destination.

use std::io;
use std::task::{ready, Poll};

/// The destination of a read that copies.
pub(crate) trait ReadDst {
    /// How many more bytes fit.
    fn remaining(&self) -> usize;

    /// Appends `src`, which fits (`src.len() <= self.remaining()`).
    fn put_slice(&mut self, src: &[u8]);
}

/// A futures-io read's buffer, filled from the front.
pub(crate) struct SliceDst<'a> {
    buf: &'a mut [u8],
    filled: usize,
}

impl ReadDst for SliceDst<'_> {
    fn remaining(&self) -> usize {
        self.buf.len() - self.filled
    }

    fn put_slice(&mut self, src: &[u8]) {
        self.buf[self.filled..self.filled + src.len()].copy_from_slice(src);
        self.filled += src.len();
    }
}

#[cfg(feature = "tokio-io")]
impl ReadDst for tokio::io::ReadBuf<'_> {
    fn remaining(&self) -> usize {
        tokio::io::ReadBuf::remaining(self)
    }

    fn put_slice(&mut self, src: &[u8]) {
        tokio::io::ReadBuf::put_slice(self, src)
    }
}

/// A futures-io `poll_read` into `buf` by `read`, a read into a [`ReadDst`]: how many
/// bytes it put there.
pub(crate) fn poll_read_slice(
    buf: &mut [u8],
    read: impl FnOnce(&mut SliceDst<'_>) -> Poll<io::Result<()>>,
) -> Poll<io::Result<usize>> {
    let mut dst = SliceDst { buf, filled: 0 };
    ready!(read(&mut dst))?;
    Poll::Ready(Ok(dst.filled))
}
