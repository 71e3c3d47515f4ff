//! Files and directories — what asyncio leaves to `aiofiles` and `loop.run_in_executor`.
//!
//! Operating systems offer no portable readiness API for regular files, so, as tokio and
//! aiofiles do, every call here runs the `std::fs` call on the runtime's blocking pool
//! ([`run_in_executor`](crate::run_in_executor)) and awaits it. Each function is one
//! thread hop; [`File`] buffers, so a stream of small reads or writes costs a hop per
//! buffer (64 KiB), not per call.
//!
//! | file | what |
//! |---|---|
//! | `functions.rs` | one-shot calls: [`read`], [`write`](write()), [`metadata`], [`rename`], ... |
//! | `file.rs` | [`File`]: `futures-io`'s `AsyncRead` / `AsyncWrite` / `AsyncSeek`, buffered |
//! | `file/ops.rs` | [`File`]'s `set_len`, `sync_all`, `sync_data`, `metadata`, `set_permissions`, `try_clone`, `into_std` |
//! | `open_options.rs` | [`OpenOptions`]: read, write, append, truncate, create, create_new; Unix `mode` and `custom_flags` |
//! | `read_dir.rs` | [`read_dir`](read_dir()), [`ReadDir`], [`DirEntry`]: entries fetched in batches |
//!
//! Every future here must be polled inside a runtime (a task, a blocking job, or
//! `block_on`), and panics outside one, naming the fix.
//!
//! # Examples
//!
//! ```
//! eddy::run(async {
//!     let dir = std::env::temp_dir().join(format!("eddy-fs-doc-{}", std::process::id()));
//!     eddy::fs::create_dir_all(&dir).await?;
//!     let path = dir.join("hello.txt");
//!     eddy::fs::write(&path, "hello, eddy").await?;
//!     assert_eq!(eddy::fs::read_to_string(&path).await?, "hello, eddy");
//!     eddy::fs::remove_dir_all(&dir).await
//! })
//! .unwrap();
//! ```

mod file;
mod functions;
mod open_options;
mod read_dir;

pub use self::file::File;
pub use self::functions::{
    copy, create_dir, create_dir_all, metadata, read, read_to_string, remove_dir, remove_dir_all,
    remove_file, rename, symlink_metadata, write,
};
pub use self::open_options::OpenOptions;
pub use self::read_dir::{read_dir, DirEntry, ReadDir};

use std::io;

/// Runs `f` on the blocking pool and awaits it; a panic or a cancellation (the runtime
/// shutting down) becomes an `io::Error`.
pub(crate) async fn asyncify<F, T>(f: F) -> io::Result<T>
where
    F: FnOnce() -> io::Result<T> + Send + 'static,
    T: Send + 'static,
{
    match crate::task::spawn_blocking(f).await {
        Ok(result) => result,
        Err(err) => Err(err.into()),
    }
}
