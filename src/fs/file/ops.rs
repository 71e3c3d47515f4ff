//! [`File`]'s methods beyond reading, writing and seeking. Each first finishes the
//! operation in flight and writes out buffered data (tokio's rule: `set_len` and the syncs
//! see every write made before them), then runs its std call on the blocking pool.

use std::fs::{Metadata, Permissions};
use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::sync::Arc;

use super::{asyncify, Buf, File, Op, State};
use crate::fs::OpenOptions;

impl File {
    /// Options to open a file with: [`OpenOptions::new`] (tokio's `File::options`).
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let file = eddy::fs::File::options().read(true).open("Cargo.toml").await;
    ///     assert!(file.is_ok());
    /// });
    /// ```
    pub fn options() -> OpenOptions {
        OpenOptions::new()
    }

    /// Finishes the operation in flight and writes out buffered data; the file is idle
    /// afterwards.
    async fn flush_pending(&mut self) -> io::Result<()> {
        poll_fn(|cx| Pin::new(&mut *self).poll_flush_inner(cx)).await
    }

    /// The file's metadata — `std::fs::File::metadata` on the blocking pool. A length
    /// read while writes are buffered does not count them: `flush` first.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let file = eddy::fs::File::open("Cargo.toml").await.unwrap();
    ///     assert!(file.metadata().await.unwrap().len() > 0);
    /// });
    /// ```
    pub async fn metadata(&self) -> io::Result<Metadata> {
        let std = self.std.clone();
        asyncify(move || std.metadata()).await
    }

    /// Writes out buffered data, then `fsync`s data and metadata —
    /// `std::fs::File::sync_all` on the blocking pool.
    ///
    /// # Errors
    ///
    /// The error of a buffered write, or of the sync.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_lite::AsyncWriteExt;
    ///
    /// eddy::run(async {
    ///     let path = std::env::temp_dir().join(format!("eddy-sync-doc-{}", std::process::id()));
    ///     let mut file = eddy::fs::File::create(&path).await.unwrap();
    ///     file.write_all(b"durable").await.unwrap();
    ///     file.sync_all().await.unwrap();
    ///     eddy::fs::remove_file(&path).await.unwrap();
    /// });
    /// ```
    pub async fn sync_all(&mut self) -> io::Result<()> {
        self.flush_pending().await?;
        let std = self.std.clone();
        asyncify(move || std.sync_all()).await
    }

    /// Writes out buffered data, then `fdatasync`s it (metadata only where needed to read
    /// the data back) — `std::fs::File::sync_data` on the blocking pool.
    ///
    /// # Errors
    ///
    /// The error of a buffered write, or of the sync.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures_lite::AsyncWriteExt;
    ///
    /// eddy::run(async {
    ///     let path = std::env::temp_dir().join(format!("eddy-sync-data-doc-{}", std::process::id()));
    ///     let mut file = eddy::fs::File::create(&path).await.unwrap();
    ///     file.write_all(b"durable").await.unwrap();
    ///     file.sync_data().await.unwrap();
    ///     assert_eq!(std::fs::read(&path).unwrap(), b"durable");
    ///     eddy::fs::remove_file(&path).await.unwrap();
    /// });
    /// ```
    pub async fn sync_data(&mut self) -> io::Result<()> {
        self.flush_pending().await?;
        let std = self.std.clone();
        asyncify(move || std.sync_data()).await
    }

    /// Writes out buffered data, then truncates or extends the file to `size` bytes —
    /// `std::fs::File::set_len` on the blocking pool. The logical position does not move:
    /// read-ahead is dropped (the next read fetches what the file holds now), and a
    /// position past the new end is kept, so the next write fills the gap with zeros.
    ///
    /// If the future is dropped before it finishes, the truncation still happens (as
    /// with tokio), and the next operation waits for it.
    ///
    /// # Errors
    ///
    /// The error of a buffered write, or of `set_len` (`InvalidInput` on a file not open
    /// for writing, on most systems).
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let path = std::env::temp_dir().join(format!("eddy-len-doc-{}", std::process::id()));
    ///     let mut file = eddy::fs::File::create(&path).await.unwrap();
    ///     file.set_len(10).await.unwrap();
    ///     assert_eq!(file.metadata().await.unwrap().len(), 10);
    ///     eddy::fs::remove_file(&path).await.unwrap();
    /// });
    /// ```
    pub async fn set_len(&mut self, size: u64) -> io::Result<()> {
        self.flush_pending().await?;
        let State::Idle(slot) = &mut self.state else {
            unreachable!("flushed: the file is idle");
        };
        let mut buf = slot.take().expect("idle file holds its buffer");
        // The read-ahead may hold bytes the truncation removes: drop it, remembering to
        // move the OS position back over it first.
        buf.discard_read();
        // Started as an operation of the state machine, holding the buffer, so that a
        // dropped future leaves the file busy (the next operation waits) rather than
        // without its buffer. It reports as a seek: it moves the OS position to the
        // logical one, and no `poll_seek` waits for it.
        self.start(buf, move |file, buf| {
            let res = buf.apply_rewind(file).and_then(|()| file.set_len(size));
            Op::Seek(res.map(|()| 0))
        });
        match poll_fn(|cx| self.poll_complete(cx)).await? {
            Op::Seek(res) => res.map(drop),
            Op::Read(_) | Op::Write(_) => unreachable!("the operation started is set_len's"),
        }
    }

    /// Changes the file's permissions — `std::fs::File::set_permissions` on the blocking
    /// pool.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let path = std::env::temp_dir().join(format!("eddy-perm-doc-{}", std::process::id()));
    ///     let file = eddy::fs::File::create(&path).await.unwrap();
    ///     let mut perms = file.metadata().await.unwrap().permissions();
    ///     perms.set_readonly(true);
    ///     file.set_permissions(perms).await.unwrap();
    ///     assert!(file.metadata().await.unwrap().permissions().readonly());
    ///     eddy::fs::remove_file(&path).await.unwrap();
    /// });
    /// ```
    pub async fn set_permissions(&self, perm: Permissions) -> io::Result<()> {
        let std = self.std.clone();
        asyncify(move || std.set_permissions(perm)).await
    }

    /// A new `File` for the same open file (`dup`): both share the OS position, so mixing
    /// their buffered reads and writes interleaves unpredictably (as with tokio's). Its
    /// own buffer starts empty.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let file = eddy::fs::File::open("Cargo.toml").await.unwrap();
    ///     let clone = file.try_clone().await.unwrap();
    ///     assert_eq!(
    ///         clone.metadata().await.unwrap().len(),
    ///         file.metadata().await.unwrap().len(),
    ///     );
    /// });
    /// ```
    pub async fn try_clone(&self) -> io::Result<File> {
        let std = self.std.clone();
        Ok(File::from_std(asyncify(move || std.try_clone()).await?))
    }

    /// Finishes any operation in flight, writes out buffered data, and returns the
    /// `std::fs::File`, positioned at the logical position.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let file = eddy::fs::File::open("Cargo.toml").await.unwrap();
    ///     let std: std::fs::File = file.into_std().await.unwrap();
    ///     assert!(std.metadata().unwrap().is_file());
    /// });
    /// ```
    pub async fn into_std(mut self) -> io::Result<std::fs::File> {
        self.flush_pending().await?;
        let mut buf = self.take_idle_buf();
        buf.discard_read();
        let std = self.std.clone();
        asyncify(move || buf.apply_rewind(&std)).await?;
        let std = self.std.clone();
        drop(self);
        Ok(Arc::try_unwrap(std).unwrap_or_else(|shared| {
            shared
                .try_clone()
                .expect("the file has no operation in flight, so no other owner")
        }))
    }

    /// The `std::fs::File` at once, if nothing needs the blocking pool first: no
    /// operation in flight, no unwritten data, no read-ahead (whose OS position is ahead
    /// of the logical one). Otherwise the `File` comes back: use
    /// [`into_std`](Self::into_std), which waits.
    ///
    /// # Errors
    ///
    /// The `File` itself, unchanged, when it is busy or buffers anything.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let file = eddy::fs::File::open("Cargo.toml").await.unwrap();
    ///     let std = file.try_into_std().unwrap();
    ///     assert!(std.metadata().unwrap().is_file());
    /// });
    /// ```
    pub fn try_into_std(self) -> Result<std::fs::File, File> {
        let clean = match &self.state {
            State::Idle(Some(buf)) => buf.is_clean(),
            State::Idle(None) | State::Busy(_) => false,
        };
        if !clean {
            return Err(self);
        }
        let std = self.std.clone();
        // Idle with an empty buffer: dropping it writes nothing.
        drop(self);
        Arc::try_unwrap(std).map_err(File::from_shared)
    }

    fn take_idle_buf(&mut self) -> Buf {
        match &mut self.state {
            State::Idle(buf) => buf.take().unwrap_or_default(),
            State::Busy(_) => Buf::default(),
        }
    }
}
