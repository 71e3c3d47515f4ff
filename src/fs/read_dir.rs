//! Directory listings, fetched from the blocking pool in batches.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fmt;
use std::fs::{FileType, Metadata};
use std::future::{poll_fn, Future};
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use super::asyncify;
use crate::task::JoinHandle;

/// Entries fetched per thread hop.
const BATCH: usize = 32;

/// Lists a directory — `std::fs::read_dir` on the blocking pool. Entries come in
/// batches of 32 per thread hop.
///
/// # Examples
///
/// ```
/// eddy::run(async {
///     let mut entries = eddy::fs::read_dir("src").await.unwrap();
///     let mut names = Vec::new();
///     while let Some(entry) = entries.next_entry().await.unwrap() {
///         names.push(entry.file_name());
///     }
///     assert!(names.iter().any(|n| n == "lib.rs"));
/// });
/// ```
pub async fn read_dir(path: impl AsRef<Path>) -> io::Result<ReadDir> {
    let path = path.as_ref().to_owned();
    let std = asyncify(move || std::fs::read_dir(path)).await?;
    Ok(ReadDir {
        state: State::Idle(Some(Batch {
            entries: VecDeque::new(),
            std,
            done: false,
        })),
    })
}

/// The entries of a directory, from [`read_dir`].
pub struct ReadDir {
    state: State,
}

enum State {
    Idle(Option<Batch>),
    Pending(JoinHandle<Batch>),
    /// The job reading the next batch was refused (no blocking thread could start): the
    /// listing, which that job held, is gone. Every later call says so.
    Lost,
}

struct Batch {
    entries: VecDeque<io::Result<DirEntry>>,
    std: std::fs::ReadDir,
    done: bool,
}

/// The entries as a [`Stream`](futures_core::Stream) of `io::Result<DirEntry>`, as
/// [`ReadDir::next_entry`] returns them; the stream ends after the last entry. (tokio
/// wraps this in tokio-stream's `ReadDirStream`; eddy's `ReadDir` is the stream.)
///
/// # Examples
///
/// ```
/// use futures_lite::StreamExt;
///
/// eddy::run(async {
///     let mut entries = eddy::fs::read_dir("src").await.unwrap();
///     let mut names = Vec::new();
///     while let Some(entry) = entries.next().await {
///         names.push(entry.unwrap().file_name());
///     }
///     assert!(names.iter().any(|n| n == "lib.rs"));
/// });
/// ```
impl futures_core::Stream for ReadDir {
    type Item = io::Result<DirEntry>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_next_entry(cx).map(Result::transpose)
    }
}

impl ReadDir {
    /// The next entry, `None` at the end. `.` and `..` are not listed.
    pub async fn next_entry(&mut self) -> io::Result<Option<DirEntry>> {
        poll_fn(|cx| self.poll_next_entry(cx)).await
    }

    /// The polling form of [`next_entry`](Self::next_entry), for `Stream` adapters.
    pub fn poll_next_entry(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<DirEntry>>> {
        loop {
            match &mut self.state {
                State::Idle(batch) => {
                    let mut current = batch.take().expect("ReadDir state is never left empty");
                    if let Some(entry) = current.entries.pop_front() {
                        *batch = Some(current);
                        return Poll::Ready(entry.map(Some));
                    }
                    if current.done {
                        *batch = Some(current);
                        return Poll::Ready(Ok(None));
                    }
                    self.state = State::Pending(crate::task::spawn_blocking(move || {
                        for _ in 0..BATCH {
                            match current.std.next() {
                                Some(entry) => current
                                    .entries
                                    .push_back(entry.map(|e| DirEntry { std: Arc::new(e) })),
                                None => {
                                    current.done = true;
                                    break;
                                }
                            }
                        }
                        current
                    }));
                }
                State::Pending(handle) => match ready!(Pin::new(handle).poll(cx)) {
                    Ok(batch) => self.state = State::Idle(Some(batch)),
                    Err(err) => {
                        self.state = State::Lost;
                        return Poll::Ready(Err(err.into()));
                    }
                },
                State::Lost => {
                    return Poll::Ready(Err(io::Error::other(
                        "this directory listing was lost: reading its next entries failed earlier \
                         (see that error); call read_dir again",
                    )))
                }
            }
        }
    }
}

impl fmt::Debug for ReadDir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadDir").finish_non_exhaustive()
    }
}

/// One entry of a directory listing.
#[derive(Clone)]
pub struct DirEntry {
    std: Arc<std::fs::DirEntry>,
}

impl DirEntry {
    /// The entry's full path (the listed directory joined with the name).
    pub fn path(&self) -> PathBuf {
        self.std.path()
    }

    /// The entry's name, without the directory.
    pub fn file_name(&self) -> OsString {
        self.std.file_name()
    }

    /// The entry's metadata (not following a symlink), on the blocking pool.
    pub async fn metadata(&self) -> io::Result<Metadata> {
        let std = self.std.clone();
        asyncify(move || std.metadata()).await
    }

    /// The entry's type (not following a symlink), on the blocking pool.
    pub async fn file_type(&self) -> io::Result<FileType> {
        let std = self.std.clone();
        asyncify(move || std.file_type()).await
    }
}

impl fmt::Debug for DirEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DirEntry").field(&self.path()).finish()
    }
}
