//! [`split`]: one `AsyncRead + AsyncWrite` value as a read half and a write half that can
//! move to different tasks — tokio's `io::split`.
//!
//! The halves share the stream behind one `Arc<Mutex<Pin<Box<T>>>>`. The lock is held
//! only for one `poll_*` call of the stream, which never blocks (it registers a waker and
//! returns `Pending` instead), so a half waits for the other at most for the length of a
//! non-blocking read or write: a lock costs less than any protocol that would let both
//! halves touch `T` at once, and `T` needs no `Sync`. The box pins the stream, so `T`
//! need not be `Unpin` (only [`ReadHalf::unsplit`], which moves it out, asks for that).
//! For eddy's own sockets, `TcpStream::into_split` / `split` need no lock at all.

use std::fmt;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_io::{AsyncRead, AsyncWrite};

use crate::loom::sync::Mutex;
use crate::loom::Arc;

type Shared<T> = Arc<Mutex<Pin<Box<T>>>>;

/// Splits `stream` into a read half and a write half, each usable from its own task.
/// [`ReadHalf::unsplit`] joins them again. Both halves are `Send` and `Sync` when `T` is
/// `Send`.
///
/// # Examples
///
/// ```
/// use eddy::io::{duplex, split, AsyncReadExt, AsyncWriteExt};
///
/// eddy::run(async {
///     let (client, mut server) = duplex(64);
///     let (mut rd, mut wr) = split(client);
///     // The write half goes to another task; the read half stays here.
///     let writer = eddy::spawn(async move {
///         wr.write_all(b"hello").await.unwrap();
///         wr
///     });
///     let mut buf = [0u8; 5];
///     server.read_exact(&mut buf).await.unwrap();
///     server.write_all(&buf).await.unwrap();
///     rd.read_exact(&mut buf).await.unwrap();
///     assert_eq!(&buf, b"hello");
///
///     let wr = writer.await.unwrap();
///     let _client = rd.unsplit(wr); // the stream, whole again
/// });
/// ```
///
/// The halves of a `Send` stream are `Send + Sync`:
///
/// ```
/// fn send_sync<T: Send + Sync>() {}
/// send_sync::<eddy::io::ReadHalf<eddy::io::DuplexStream>>();
/// send_sync::<eddy::io::WriteHalf<eddy::net::TcpStream>>();
/// ```
///
/// and those of a stream that is not `Send` are neither:
///
/// ```compile_fail
/// fn send<T: Send>() {}
/// send::<eddy::io::ReadHalf<std::rc::Rc<()>>>();
/// ```
///
/// ```compile_fail
/// fn sync<T: Sync>() {}
/// sync::<eddy::io::WriteHalf<std::rc::Rc<()>>>();
/// ```
pub fn split<T>(stream: T) -> (ReadHalf<T>, WriteHalf<T>)
where
    T: AsyncRead + AsyncWrite,
{
    let shared = Arc::new(Mutex::new(Box::pin(stream)));
    (
        ReadHalf {
            inner: shared.clone(),
        },
        WriteHalf { inner: shared },
    )
}

/// The read half of a stream, from [`split`].
pub struct ReadHalf<T> {
    /// Shared with `io/tokio_io.rs`, which implements tokio's traits on it.
    pub(super) inner: Shared<T>,
}

/// The write half of a stream, from [`split`].
pub struct WriteHalf<T> {
    pub(super) inner: Shared<T>,
}

// As tokio's halves: the stream is reached only under the shared lock, one poll at a
// time, so a half carries no state of its own that a panic could leave half-changed.
impl<T> std::panic::UnwindSafe for ReadHalf<T> {}
impl<T> std::panic::RefUnwindSafe for ReadHalf<T> {}
impl<T> std::panic::UnwindSafe for WriteHalf<T> {}
impl<T> std::panic::RefUnwindSafe for WriteHalf<T> {}

impl<T> ReadHalf<T> {
    /// Whether `other` is the write half split off with this read half.
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy::io::{duplex, split};
    ///
    /// let (a, b) = duplex(8);
    /// let (a_rd, a_wr) = split(a);
    /// let (_b_rd, b_wr) = split(b);
    /// assert!(a_rd.is_pair_of(&a_wr));
    /// assert!(!a_rd.is_pair_of(&b_wr));
    /// ```
    pub fn is_pair_of(&self, other: &WriteHalf<T>) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// Joins this half and its write half back into the stream.
    ///
    /// # Panics
    ///
    /// If `write` was split off another stream: pass the `WriteHalf` that [`split`]
    /// returned with this `ReadHalf` (check with [`is_pair_of`](Self::is_pair_of)).
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy::io::{duplex, split};
    ///
    /// let (a, _b) = duplex(8);
    /// let (rd, wr) = split(a);
    /// let a = rd.unsplit(wr);
    /// # drop(a);
    /// ```
    #[track_caller]
    pub fn unsplit(self, write: WriteHalf<T>) -> T
    where
        T: Unpin,
    {
        assert!(
            self.is_pair_of(&write),
            "eddy::io::ReadHalf::unsplit: this WriteHalf was split off another stream; \
             pass the WriteHalf that split() returned with this ReadHalf"
        );
        drop(write);
        // The pair held the only two references, and the write half is gone.
        let Ok(mutex) = Arc::try_unwrap(self.inner) else {
            unreachable!("a ReadHalf and its WriteHalf hold the only references")
        };
        *Pin::into_inner(mutex.into_inner())
    }
}

impl<T> WriteHalf<T> {
    /// Whether `other` is the read half split off with this write half.
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy::io::{duplex, split};
    ///
    /// let (rd, wr) = split(duplex(8).0);
    /// assert!(wr.is_pair_of(&rd));
    /// ```
    pub fn is_pair_of(&self, other: &ReadHalf<T>) -> bool {
        other.is_pair_of(self)
    }
}

impl<T: AsyncRead> AsyncRead for ReadHalf<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.inner.lock().as_mut().poll_read(cx, buf)
    }

    fn poll_read_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &mut [io::IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        self.inner.lock().as_mut().poll_read_vectored(cx, bufs)
    }
}

impl<T: AsyncWrite> AsyncWrite for WriteHalf<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.inner.lock().as_mut().poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.inner.lock().as_mut().poll_write_vectored(cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner.lock().as_mut().poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner.lock().as_mut().poll_close(cx)
    }
}

impl<T> fmt::Debug for ReadHalf<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadHalf").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for WriteHalf<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriteHalf").finish_non_exhaustive()
    }
}
