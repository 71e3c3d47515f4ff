//! `File`: a regular file whose reads, writes and seeks run on the blocking pool, behind
//! a buffer (tokio's design: the file is either idle, holding the buffer, or busy with one
//! operation on a pool thread, which holds the buffer meanwhile).
//!
//! * **Reads** fetch at least 64 KiB (at most 2 MiB) per thread hop and serve small
//!   reads from the buffer, so reading a file a line or a byte at a time costs one hop
//!   per 64 KiB, not one per call.
//! * **Writes** are copied into the buffer and return at once; the buffer is written out
//!   in the background when it reaches 64 KiB, and on `flush`/`close`, a seek, a read,
//!   or drop. An error of a background write is returned by the next operation. As with
//!   `std::io::BufWriter`, call `flush` (or `close`) to know that the data was written.
//! * **Seeks** first write out pending data; read-ahead that was not consumed is
//!   accounted for, so positions are always the logical ones. `set_len`, the syncs and
//!   the conversions to std's file (`file/ops.rs`) keep the same rules.

use std::fmt;
use std::future::Future;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use futures_io::{AsyncRead, AsyncSeek, AsyncWrite};

use super::asyncify;
use crate::io::read_dst::{poll_read_slice, ReadDst};
use crate::task::JoinHandle;

/// The methods beyond reading, writing and seeking: `set_len`, the syncs, `metadata`,
/// `try_clone`, conversions to std's file.
mod ops;
/// tokio's `start_seek` / `poll_complete` (feature `tokio-io`).
#[cfg(feature = "tokio-io")]
mod tokio_seek;

/// The most one thread hop reads or writes.
const MAX_BUF: usize = 2 * 1024 * 1024;
/// The least a read fetches, and the write-behind threshold.
const CHUNK: usize = 64 * 1024;

/// Thread hops taken by `File` operations, for the test that small reads share one.
#[cfg(test)]
static HOPS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// An open file, read and written through `futures-io`'s [`AsyncRead`], [`AsyncWrite`]
/// and [`AsyncSeek`] with a buffer (see the module notes in `src/fs/file.rs`). Use the
/// extension traits of `futures-lite` or `futures` for `read_to_end`, `write_all` and
/// friends.
///
/// Dropping a `File` with unwritten data writes it in the background (on the blocking
/// pool, or inline outside a runtime); its errors are lost then, so `flush` (or `close`)
/// first when they matter. Writes are never lost to a runtime shutdown: a write still
/// queued then runs anyway, and the shutdown waits for it. Nor to a pool that cannot start
/// a thread (the OS refusing one, with none running): the write then runs on the calling
/// thread, a worker included, which it blocks for that long.
///
/// # Examples
///
/// ```
/// use futures_lite::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
/// use std::io::SeekFrom;
///
/// eddy::run(async {
///     let path = std::env::temp_dir().join(format!("eddy-file-doc-{}", std::process::id()));
///     let std = std::fs::OpenOptions::new()
///         .read(true)
///         .write(true)
///         .create(true)
///         .truncate(true)
///         .open(&path)?;
///     let mut file = eddy::fs::File::from_std(std);
///     for line in ["one\n", "two\n", "three\n"] {
///         file.write_all(line.as_bytes()).await?; // buffered: no thread hop each
///     }
///     file.seek(SeekFrom::Start(4)).await?; // writes the buffer out first
///     let mut rest = String::new();
///     file.read_to_string(&mut rest).await?;
///     assert_eq!(rest, "two\nthree\n");
///     drop(file);
///     eddy::fs::remove_file(&path).await
/// })
/// .unwrap();
/// ```
pub struct File {
    std: Arc<std::fs::File>,
    state: State,
    /// The target of a seek started by `poll_seek` whose result is not returned yet.
    seeking: Option<SeekFrom>,
}

enum State {
    Idle(Option<Buf>),
    Busy(JoinHandle<(Op, Buf)>),
}

/// What a pool thread did, and how it went.
enum Op {
    Read(io::Result<usize>),
    Write(io::Result<()>),
    Seek(io::Result<u64>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
enum Mode {
    #[default]
    Empty,
    /// `data[pos..]` was read ahead and not consumed yet.
    Read,
    /// `data` waits to be written at the logical position.
    Write,
}

#[derive(Default)]
struct Buf {
    data: Vec<u8>,
    pos: usize,
    mode: Mode,
    /// The OS file position is this far ahead of the logical one (read-ahead that was
    /// discarded): the next operation seeks back first.
    rewind: u64,
}

impl Buf {
    /// Nothing buffered and the OS position is the logical one.
    fn is_clean(&self) -> bool {
        self.mode != Mode::Write && self.unread().is_empty() && self.rewind == 0
    }

    fn unread(&self) -> &[u8] {
        match self.mode {
            Mode::Read => &self.data[self.pos..],
            _ => &[],
        }
    }

    fn copy_to(&mut self, dst: &mut impl ReadDst) {
        let n = self.unread().len().min(dst.remaining());
        dst.put_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
    }

    /// Drops unconsumed read-ahead, remembering to seek back over it.
    fn discard_read(&mut self) {
        if self.mode == Mode::Read {
            self.rewind += self.unread().len() as u64;
            self.data.clear();
            self.pos = 0;
            self.mode = Mode::Empty;
        }
    }

    fn apply_rewind(&mut self, mut file: &std::fs::File) -> io::Result<()> {
        if self.rewind > 0 {
            let back = i64::try_from(self.rewind).expect("read-ahead is at most 2 MiB");
            file.seek(SeekFrom::Current(-back))?;
            self.rewind = 0;
        }
        Ok(())
    }

    // On a pool thread:

    fn read_from(&mut self, mut file: &std::fs::File, want: usize) -> io::Result<usize> {
        self.apply_rewind(file)?;
        self.data.resize(want, 0);
        self.pos = 0;
        self.mode = Mode::Read;
        let res = loop {
            match file.read(&mut self.data) {
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                res => break res,
            }
        };
        self.data.truncate(*res.as_ref().unwrap_or(&0));
        res
    }

    fn write_to(&mut self, mut file: &std::fs::File) -> io::Result<()> {
        let res = self
            .apply_rewind(file)
            .and_then(|()| file.write_all(&self.data));
        // Written or failed, the data is gone (as with tokio): the error is reported.
        self.data.clear();
        self.mode = Mode::Empty;
        res
    }

    fn seek(&mut self, mut file: &std::fs::File, pos: SeekFrom) -> io::Result<u64> {
        if self.mode == Mode::Write {
            self.write_to(file)?;
        }
        let pos = match pos {
            SeekFrom::Current(offset) if self.rewind > 0 => {
                let back = i64::try_from(self.rewind).expect("read-ahead is at most 2 MiB");
                SeekFrom::Current(offset - back)
            }
            pos => pos,
        };
        let res = file.seek(pos);
        // A failed seek leaves the OS position where it was: still ahead by the read-ahead.
        if res.is_ok() {
            self.rewind = 0;
        }
        res
    }
}

impl File {
    /// Opens a file for reading — `std::fs::File::open` on the blocking pool.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_lite::AsyncReadExt;
    ///
    /// eddy::run(async {
    ///     let mut file = eddy::fs::File::open("Cargo.toml").await.unwrap();
    ///     let mut head = [0u8; 9];
    ///     file.read_exact(&mut head).await.unwrap();
    ///     assert_eq!(&head, b"[workspac");
    /// });
    /// ```
    pub async fn open(path: impl AsRef<Path>) -> io::Result<File> {
        let path = path.as_ref().to_owned();
        Ok(File::from_std(
            asyncify(move || std::fs::File::open(path)).await?,
        ))
    }

    /// Creates (or truncates) a file for writing — `std::fs::File::create` on the blocking
    /// pool. Open it with [`from_std`](Self::from_std) and `std::fs::OpenOptions` for
    /// other modes (append, read and write).
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_lite::AsyncWriteExt;
    ///
    /// eddy::run(async {
    ///     let path = std::env::temp_dir().join(format!("eddy-create-doc-{}", std::process::id()));
    ///     let mut file = eddy::fs::File::create(&path).await.unwrap();
    ///     file.write_all(b"hi").await.unwrap();
    ///     file.close().await.unwrap(); // flushes
    ///     assert_eq!(eddy::fs::read(&path).await.unwrap(), b"hi");
    ///     eddy::fs::remove_file(&path).await.unwrap();
    /// });
    /// ```
    pub async fn create(path: impl AsRef<Path>) -> io::Result<File> {
        let path = path.as_ref().to_owned();
        Ok(File::from_std(
            asyncify(move || std::fs::File::create(path)).await?,
        ))
    }

    /// Wraps an open `std::fs::File` (from `OpenOptions`, say).
    ///
    /// # Examples
    ///
    /// ```
    /// let std = std::fs::File::open("Cargo.toml").unwrap();
    /// let file = eddy::fs::File::from_std(std);
    /// # drop(file);
    /// ```
    pub fn from_std(std: std::fs::File) -> File {
        File::from_shared(Arc::new(std))
    }

    fn from_shared(std: Arc<std::fs::File>) -> File {
        File {
            std,
            state: State::Idle(Some(Buf::default())),
            seeking: None,
        }
    }

    /// Starts `op` on a pool thread with the buffer. An operation that writes buffered
    /// data is mandatory: if it is still queued when the runtime shuts down, it runs
    /// anyway (as tokio's file writes do), so a clean shutdown loses no written data.
    fn start(
        &mut self,
        mut buf: Buf,
        op: impl FnOnce(&std::fs::File, &mut Buf) -> Op + Send + 'static,
    ) {
        #[cfg(test)]
        HOPS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let std = self.std.clone();
        let mandatory = buf.mode == Mode::Write;
        let job = move || {
            let op = op(&std, &mut buf);
            (op, buf)
        };
        self.state = State::Busy(if mandatory {
            crate::task::spawn_mandatory_blocking(job)
        } else {
            crate::task::spawn_blocking(job)
        });
    }

    /// Waits for the operation in flight; the file is idle again afterwards.
    fn poll_complete(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Op>> {
        let State::Busy(handle) = &mut self.state else {
            unreachable!("poll_complete on an idle file");
        };
        let res = ready!(Pin::new(handle).poll(cx));
        Poll::Ready(match res {
            Ok((op, buf)) => {
                self.state = State::Idle(Some(buf));
                Ok(op)
            }
            Err(err) => {
                // The runtime shut down under us (or a pool thread panicked): the buffer
                // is gone, and so is the position it accounted for.
                self.state = State::Idle(Some(Buf::default()));
                Err(err.into())
            }
        })
    }

    fn poll_flush_inner(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let me = self.get_mut();
        loop {
            match &mut me.state {
                State::Idle(slot) => {
                    let buf = slot.as_ref().expect("idle file holds its buffer");
                    if buf.mode != Mode::Write {
                        return Poll::Ready(Ok(()));
                    }
                    let buf = slot.take().expect("idle file holds its buffer");
                    me.start(buf, |file, buf| Op::Write(buf.write_to(file)));
                }
                State::Busy(_) => match ready!(me.poll_complete(cx))? {
                    Op::Write(Err(err)) => return Poll::Ready(Err(err)),
                    Op::Seek(_) => me.seeking = None,
                    Op::Read(_) | Op::Write(Ok(())) => {}
                },
            }
        }
    }
}

impl File {
    /// Serves a read from the read-ahead, or fetches at least 64 KiB (at most 2 MiB) on
    /// a pool thread first: the futures-io and tokio reads.
    pub(crate) fn poll_read_into(
        &mut self,
        cx: &mut Context<'_>,
        dst: &mut impl ReadDst,
    ) -> Poll<io::Result<()>> {
        loop {
            match &mut self.state {
                State::Idle(slot) => {
                    let mut buf = slot.take().expect("idle file holds its buffer");
                    if !buf.unread().is_empty() || dst.remaining() == 0 {
                        buf.copy_to(dst);
                        *slot = Some(buf);
                        return Poll::Ready(Ok(()));
                    }
                    if buf.mode == Mode::Write {
                        // Pending writes go first: the read starts after them.
                        self.start(buf, |file, buf| Op::Write(buf.write_to(file)));
                        continue;
                    }
                    let want = dst.remaining().clamp(CHUNK, MAX_BUF);
                    self.start(buf, move |file, buf| Op::Read(buf.read_from(file, want)));
                }
                State::Busy(_) => match ready!(self.poll_complete(cx))? {
                    Op::Read(Ok(0)) => return Poll::Ready(Ok(())),
                    Op::Read(Err(err)) | Op::Write(Err(err)) => return Poll::Ready(Err(err)),
                    Op::Seek(_) => self.seeking = None,
                    Op::Read(Ok(_)) | Op::Write(Ok(())) => {}
                },
            }
        }
    }
}

impl AsyncRead for File {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        dst: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        poll_read_slice(dst, |dst| me.poll_read_into(cx, dst))
    }
}

impl AsyncWrite for File {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        src: &[u8],
    ) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        loop {
            match &mut me.state {
                State::Idle(slot) => {
                    let mut buf = slot.take().expect("idle file holds its buffer");
                    // Unconsumed read-ahead is dropped: the write goes at the logical
                    // position.
                    buf.discard_read();
                    buf.mode = Mode::Write;
                    let n = src.len().min(MAX_BUF - buf.data.len());
                    buf.data.extend_from_slice(&src[..n]);
                    if buf.data.len() >= CHUNK {
                        me.start(buf, |file, buf| Op::Write(buf.write_to(file)));
                    } else {
                        *slot = Some(buf);
                    }
                    return Poll::Ready(Ok(n));
                }
                State::Busy(_) => match ready!(me.poll_complete(cx))? {
                    Op::Write(Err(err)) => return Poll::Ready(Err(err)),
                    Op::Seek(_) => me.seeking = None,
                    Op::Read(_) | Op::Write(Ok(())) => {}
                },
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush_inner(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush_inner(cx)
    }
}

impl AsyncSeek for File {
    fn poll_seek(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        pos: SeekFrom,
    ) -> Poll<io::Result<u64>> {
        let me = self.get_mut();
        loop {
            match &mut me.state {
                State::Idle(slot) => {
                    let mut buf = slot.take().expect("idle file holds its buffer");
                    buf.discard_read();
                    me.seeking = Some(pos);
                    me.start(buf, move |file, buf| Op::Seek(buf.seek(file, pos)));
                }
                State::Busy(_) => match ready!(me.poll_complete(cx))? {
                    Op::Seek(res) if me.seeking == Some(pos) => {
                        me.seeking = None;
                        return Poll::Ready(res);
                    }
                    // A seek whose caller gave up: it happened; start ours.
                    Op::Seek(_) => me.seeking = None,
                    Op::Write(Err(err)) => return Poll::Ready(Err(err)),
                    Op::Read(_) | Op::Write(Ok(())) => {}
                },
            }
        }
    }
}

impl Drop for File {
    fn drop(&mut self) {
        let State::Idle(Some(buf)) = &mut self.state else {
            // An operation in flight finishes on its own.
            return;
        };
        if buf.mode != Mode::Write {
            return;
        }
        let buf = std::mem::take(buf);
        let std = self.std.clone();
        let write = move || {
            let mut buf = buf;
            let _ = buf.write_to(&std);
        };
        match crate::Handle::try_current() {
            Ok(handle) => drop(handle.run_in_executor_mandatory(write)),
            // Not on a runtime thread: blocking here stalls no event loop.
            Err(_) => write(),
        }
    }
}

/// As tokio's `File` (which is `UnwindSafe`): the state changes only through `&mut self`,
/// each step leaving the file idle with its buffer or busy with one job, whose results
/// (an `io::Error` is not `UnwindSafe` by itself) are read only once it is done; `&self`
/// reaches nothing but the shared std file. So a `File` and a `&File` may cross
/// `catch_unwind`.
impl std::panic::UnwindSafe for File {}
impl std::panic::RefUnwindSafe for File {}

impl fmt::Debug for File {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("File")
            .field("std", &self.std)
            .field("busy", &matches!(self.state, State::Busy(_)))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::{File, HOPS};
    use futures_lite::AsyncReadExt;
    use std::sync::atomic::Ordering::Relaxed;

    #[test]
    fn small_reads_share_one_thread_hop_per_chunk() {
        let path = std::env::temp_dir().join(format!("eddy-hops-{}", std::process::id()));
        std::fs::write(&path, vec![7u8; 200 * 1024]).unwrap();
        let (hops, total) = eddy_run(async {
            let mut file = File::open(&path).await.unwrap();
            let before = HOPS.load(Relaxed);
            let mut byte = [0u8; 1];
            let mut total = 0;
            while file.read(&mut byte).await.unwrap() == 1 {
                total += 1;
            }
            (HOPS.load(Relaxed) - before, total)
        });
        std::fs::remove_file(&path).unwrap();
        assert_eq!(total, 200 * 1024);
        // 200 KiB in 64 KiB chunks: 4 reads, plus the one that finds the end.
        assert!(hops <= 5, "{hops} thread hops for 204800 one-byte reads");
    }

    fn eddy_run<F: std::future::Future>(f: F) -> F::Output {
        crate::Runtime::builder()
            .worker_threads(1)
            .build()
            .unwrap()
            .block_on(f)
    }
}
