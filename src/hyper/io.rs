//! [`EddyIo`]: any futures-io stream as hyper's [`Read`] + [`Write`]. eddy's own streams
//! need no wrapper: their `Read` reads straight into hyper's buffer, uninitialised as it
//! may be, through `io::uninit` (`net::stream_io` forwards there). [`EddyIo`] reads into a
//! per-thread buffer and copies what arrived; this file has no unsafe code.

use std::cell::RefCell;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};
use hyper::rt::{Read, ReadBufCursor, Write};

/// Any futures-io stream as hyper's [`Read`] + [`Write`] — hyper-util's `TokioIo` for the
/// futures-io world (eddy's own [`TcpStream`](crate::net::TcpStream) and
/// [`UnixStream`](crate::net::UnixStream) need no wrapper).
///
/// A futures-io read needs an initialised buffer and hyper's is not, so a read goes into a
/// buffer of the thread's (64 KiB, zeroed once per thread) and what arrived is copied into
/// hyper's (and zeroed again in the thread's buffer): no zeroing of hyper's buffer on every
/// read, no buffer per connection. eddy's own streams read into hyper's buffer directly.
///
/// # Examples
///
/// ```
/// use eddy::hyper::EddyIo;
/// use eddy::net::TcpStream;
///
/// # eddy::run(async {
/// # let listener = eddy::net::TcpListener::bind("127.0.0.1:0").await?;
/// # let addr = listener.local_addr()?;
/// // An owned half pair, or a TLS stream: anything AsyncRead + AsyncWrite.
/// let stream = TcpStream::connect(addr).await?;
/// let io = EddyIo::new(stream);
/// let stream: TcpStream = io.into_inner();
/// # drop(stream);
/// # std::io::Result::Ok(())
/// # })?;
/// # std::io::Result::Ok(())
/// ```
#[derive(Debug)]
pub struct EddyIo<T> {
    inner: T,
}

/// The size of each thread's read buffer, and so the most a single [`EddyIo`] read takes.
const SCRATCH_LEN: usize = 64 * 1024;

thread_local! {
    /// The buffer [`EddyIo`] reads into before copying into hyper's: initialised once per
    /// thread, on first use, so a read costs a copy of what arrived rather than zeroing
    /// hyper's buffer (several KiB, on every read, `Pending` ones included).
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

impl<T> EddyIo<T> {
    /// Wraps `inner`.
    pub fn new(inner: T) -> EddyIo<T> {
        EddyIo { inner }
    }

    /// The wrapped stream.
    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    /// The wrapped stream, mutably.
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// Unwraps the stream.
    pub fn into_inner(self) -> T {
        self.inner
    }
}

impl<T: AsyncRead + Unpin> Read for EddyIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let inner = &mut self.get_mut().inner;
        if buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        let len = buf.remaining().min(SCRATCH_LEN);
        let polled = SCRATCH.try_with(|scratch| {
            let mut scratch = scratch.try_borrow_mut().ok()?;
            if scratch.is_empty() {
                scratch.resize(SCRATCH_LEN, 0);
            }
            Some(read_via(
                Pin::new(&mut *inner),
                cx,
                &mut buf,
                &mut scratch[..len],
            ))
        });
        match polled {
            Ok(Some(poll)) => poll,
            // The thread's buffer is busy (the inner read reads through another `EddyIo`
            // on this thread) or gone (the thread is exiting); `inner` was not polled.
            _ => read_via(Pin::new(inner), cx, &mut buf, &mut vec![0; len]),
        }
    }
}

/// Reads from `inner` into `scratch` (zeroed) and copies what arrived into `buf`; zeroes
/// those bytes of `scratch` again, so that a broken reader, which reports bytes it did not
/// write, copies zeroes rather than another connection's data.
fn read_via<T: AsyncRead>(
    inner: Pin<&mut T>,
    cx: &mut Context<'_>,
    buf: &mut ReadBufCursor<'_>,
    scratch: &mut [u8],
) -> Poll<io::Result<()>> {
    let len = scratch.len();
    let n = ready!(inner.poll_read(cx, scratch))?;
    if n > len {
        return Poll::Ready(Err(io::Error::other(
            "AsyncRead::poll_read reported more bytes than the buffer holds",
        )));
    }
    buf.put_slice(&scratch[..n]);
    scratch[..n].fill(0);
    Poll::Ready(Ok(()))
}

impl<T: AsyncWrite + Unpin> Write for EddyIo<T> {
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

#[cfg(test)]
mod tests {
    use std::mem::MaybeUninit;
    use std::task::Waker;

    use super::*;

    /// Reads `inner` (a hyper `Read`) through `EddyIo` into `dst`, once.
    fn read_once<T: Read + Unpin>(inner: &mut T, dst: &mut [MaybeUninit<u8>]) -> Vec<u8> {
        let mut buf = hyper::rt::ReadBuf::uninit(dst);
        let mut cx = Context::from_waker(Waker::noop());
        match Pin::new(inner).poll_read(&mut cx, buf.unfilled()) {
            Poll::Ready(Ok(())) => buf.filled().to_vec(),
            other => panic!("not a ready read: {other:?}"),
        }
    }

    /// A futures-io reader that reads through another `EddyIo` on the same thread: the
    /// thread's buffer is busy then, and the nested read takes the fallback.
    struct Nested(EddyIo<futures_lite::io::Cursor<Vec<u8>>>);

    impl AsyncRead for Nested {
        fn poll_read(
            self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            out: &mut [u8],
        ) -> Poll<io::Result<usize>> {
            let mut dst = [MaybeUninit::uninit(); 16];
            let got = read_once(&mut self.get_mut().0, &mut dst);
            out[..got.len()].copy_from_slice(&got);
            Poll::Ready(Ok(got.len()))
        }
    }

    #[test]
    fn a_read_nested_in_another_eddy_io_read_takes_the_fallback() {
        let inner = EddyIo::new(futures_lite::io::Cursor::new(b"nested bytes".to_vec()));
        let mut outer = EddyIo::new(Nested(inner));
        let mut dst = [MaybeUninit::uninit(); 64];
        assert_eq!(read_once(&mut outer, &mut dst), b"nested bytes");
    }

    /// A reader that reports more bytes than it was given.
    struct Liar;

    impl AsyncRead for Liar {
        fn poll_read(
            self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            out: &mut [u8],
        ) -> Poll<io::Result<usize>> {
            Poll::Ready(Ok(out.len() + 1))
        }
    }

    #[test]
    fn a_reader_reporting_more_than_it_was_given_is_an_error() {
        let mut dst = [MaybeUninit::uninit(); 32];
        let mut buf = hyper::rt::ReadBuf::uninit(&mut dst);
        let mut cx = Context::from_waker(Waker::noop());
        let mut io = EddyIo::new(Liar);
        match Pin::new(&mut io).poll_read(&mut cx, buf.unfilled()) {
            Poll::Ready(Err(err)) => assert!(err.to_string().contains("more bytes")),
            other => panic!("expected an error, got {other:?}"),
        }
        assert!(buf.filled().is_empty());
    }
}
