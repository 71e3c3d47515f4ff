//! hyper's `Read` and `Write` for a futures-rustls server stream, reading without zeroing.
//!
//! eddy's [`EddyIo`](eddy::hyper::EddyIo) serves any futures-io stream, but a futures-io
//! read needs an initialised buffer, so it zeroes hyper's (uninitialised) read buffer,
//! several KiB, before every read — the ready ones and the ones that end in `Pending`
//! alike. A TLS stream needs no such thing: rustls keeps the decrypted bytes in a buffer of
//! its own and lends them out (`Reader::fill_buf`), so they can be copied straight into
//! hyper's buffer, which is what tokio-rustls does with tokio's `ReadBuf`. [`TlsIo`] does
//! that for futures-rustls; writes pass through unchanged.

use std::io::{self, BufRead};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_lite::io::{AsyncRead, AsyncWrite};
use futures_rustls::server::TlsStream;
use hyper::rt::{Read, ReadBufCursor, Write};

/// A futures-rustls server stream as hyper's [`Read`] + [`Write`].
#[derive(Debug)]
pub struct TlsIo<S> {
    inner: TlsStream<S>,
}

impl<S> TlsIo<S> {
    /// Wraps `inner`.
    pub fn new(inner: TlsStream<S>) -> TlsIo<S> {
        TlsIo { inner }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Read for TlsIo<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let inner = &mut self.get_mut().inner;
        if buf.remaining() == 0 || take_plaintext(inner, &mut buf) > 0 {
            return Poll::Ready(Ok(()));
        }
        // Nothing decrypted yet: futures-rustls reads and decrypts what the socket has (or
        // registers the waker, or reports the end or an error). One byte comes back through
        // this little buffer; the rest stays in rustls' buffer, to be taken from there.
        let mut first = [0u8; 1];
        let n = ready!(Pin::new(&mut *inner).poll_read(cx, &mut first))?;
        if n > 0 {
            buf.put_slice(&first[..n]);
            take_plaintext(inner, &mut buf);
        }
        Poll::Ready(Ok(()))
    }
}

/// Copies the plaintext rustls holds into `buf`, as much as fits; returns how much. An
/// error (the peer's close, say) stays in rustls for the next read to report.
fn take_plaintext<S>(stream: &mut TlsStream<S>, buf: &mut ReadBufCursor<'_>) -> usize {
    let mut reader = stream.get_mut().1.reader();
    let mut taken = 0;
    while buf.remaining() > 0 {
        let n = match reader.fill_buf() {
            Ok(chunk) if !chunk.is_empty() => {
                let n = chunk.len().min(buf.remaining());
                buf.put_slice(&chunk[..n]);
                n
            }
            _ => break,
        };
        reader.consume(n);
        taken += n;
    }
    taken
}

impl<S: AsyncRead + AsyncWrite + Unpin> Write for TlsIo<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_close(cx)
    }
}
