//! [`OpenOptions`]: how to open a file (tokio's `OpenOptions`, std's on the blocking
//! pool).

use std::io;
use std::path::Path;

use super::{asyncify, File};

/// Options for opening a file — read, write, append, truncate, create — and, on Unix,
/// its mode and extra `open(2)` flags: `std::fs::OpenOptions` with an async
/// [`open`](OpenOptions::open) that runs on the blocking pool (tokio's `OpenOptions`).
/// Every setter returns `&mut Self`, to chain.
///
/// # Examples
///
/// ```
/// use eddy::fs::OpenOptions;
/// use futures_lite::AsyncWriteExt;
///
/// eddy::run(async {
///     let path = std::env::temp_dir().join(format!("eddy-options-doc-{}", std::process::id()));
///     let mut log = OpenOptions::new().create(true).append(true).open(&path).await?;
///     log.write_all(b"one\n").await?;
///     log.close().await?;
///     let mut log = OpenOptions::new().append(true).open(&path).await?;
///     log.write_all(b"two\n").await?;
///     log.close().await?;
///     assert_eq!(eddy::fs::read_to_string(&path).await?, "one\ntwo\n");
///     eddy::fs::remove_file(&path).await
/// })
/// .unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct OpenOptions(std::fs::OpenOptions);

impl OpenOptions {
    /// Options with everything off: set at least one of read, write or append.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     // Nothing to open the file for: std's `InvalidInput`, not a panic.
    ///     let err = eddy::fs::OpenOptions::new().open("Cargo.toml").await.unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    /// });
    /// ```
    pub fn new() -> OpenOptions {
        OpenOptions(std::fs::OpenOptions::new())
    }

    /// Open for reading.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let file = eddy::fs::OpenOptions::new().read(true).open("Cargo.toml").await;
    ///     assert!(file.is_ok());
    /// });
    /// ```
    pub fn read(&mut self, read: bool) -> &mut OpenOptions {
        self.0.read(read);
        self
    }

    /// Open for writing (at the start, overwriting, unless with `append`).
    ///
    /// # Examples
    ///
    /// See [`truncate`](Self::truncate).
    pub fn write(&mut self, write: bool) -> &mut OpenOptions {
        self.0.write(write);
        self
    }

    /// Open for appending: every write goes to the end of the file, whatever the
    /// position (implies `write`).
    ///
    /// # Examples
    ///
    /// See [`OpenOptions`].
    pub fn append(&mut self, append: bool) -> &mut OpenOptions {
        self.0.append(append);
        self
    }

    /// Truncate an existing file to length 0 on opening (needs `write`).
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let path = std::env::temp_dir().join(format!("eddy-trunc-doc-{}", std::process::id()));
    ///     std::fs::write(&path, "old contents").unwrap();
    ///     let file = eddy::fs::OpenOptions::new()
    ///         .write(true)
    ///         .truncate(true)
    ///         .open(&path)
    ///         .await
    ///         .unwrap();
    ///     assert_eq!(file.metadata().await.unwrap().len(), 0);
    ///     std::fs::remove_file(&path).unwrap();
    /// });
    /// ```
    pub fn truncate(&mut self, truncate: bool) -> &mut OpenOptions {
        self.0.truncate(truncate);
        self
    }

    /// Create the file if it does not exist (needs `write` or `append`).
    ///
    /// # Examples
    ///
    /// See [`OpenOptions`].
    pub fn create(&mut self, create: bool) -> &mut OpenOptions {
        self.0.create(create);
        self
    }

    /// Create the file, failing with `AlreadyExists` if it exists — atomically, so two
    /// processes cannot both create it (needs `write` or `append`; `create` and
    /// `truncate` are then ignored).
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let err = eddy::fs::OpenOptions::new()
    ///         .write(true)
    ///         .create_new(true)
    ///         .open("Cargo.toml")
    ///         .await
    ///         .unwrap_err();
    ///     assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
    /// });
    /// ```
    pub fn create_new(&mut self, create_new: bool) -> &mut OpenOptions {
        self.0.create_new(create_new);
        self
    }

    /// Sets the permission bits a created file gets (before the umask; default `0o666`).
    /// Unix only (tokio's inherent `mode`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::os::unix::fs::PermissionsExt;
    ///
    /// eddy::run(async {
    ///     let path = std::env::temp_dir().join(format!("eddy-mode-doc-{}", std::process::id()));
    ///     let file = eddy::fs::OpenOptions::new()
    ///         .write(true)
    ///         .create_new(true)
    ///         .mode(0o600)
    ///         .open(&path)
    ///         .await
    ///         .unwrap();
    ///     let mode = file.metadata().await.unwrap().permissions().mode();
    ///     assert_eq!(mode & 0o777, 0o600);
    ///     std::fs::remove_file(&path).unwrap();
    /// });
    /// ```
    #[cfg(unix)]
    pub fn mode(&mut self, mode: u32) -> &mut OpenOptions {
        std::os::unix::fs::OpenOptionsExt::mode(&mut self.0, mode);
        self
    }

    /// Adds flags to `open(2)`'s (`O_NOFOLLOW`, `O_DIRECT`, ...; the access mode bits are
    /// ignored). Unix only (tokio's inherent `custom_flags`).
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let file = eddy::fs::OpenOptions::new()
    ///         .read(true)
    ///         .custom_flags(libc::O_NOFOLLOW)
    ///         .open("Cargo.toml")
    ///         .await;
    ///     assert!(file.is_ok());
    /// });
    /// ```
    #[cfg(unix)]
    pub fn custom_flags(&mut self, flags: i32) -> &mut OpenOptions {
        std::os::unix::fs::OpenOptionsExt::custom_flags(&mut self.0, flags);
        self
    }

    /// Sets `dwDesiredAccess` for `CreateFile` (overrides read/write/append). Windows
    /// only, as std's `OpenOptionsExt::access_mode`.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let mut options = eddy::fs::OpenOptions::new();
    /// options.access_mode(0x80000000); // GENERIC_READ
    /// ```
    #[cfg(windows)]
    pub fn access_mode(&mut self, access: u32) -> &mut OpenOptions {
        std::os::windows::fs::OpenOptionsExt::access_mode(&mut self.0, access);
        self
    }

    /// Sets `dwShareMode` for `CreateFile`. Windows only.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let mut options = eddy::fs::OpenOptions::new();
    /// options.read(true).share_mode(0); // no sharing
    /// ```
    #[cfg(windows)]
    pub fn share_mode(&mut self, share: u32) -> &mut OpenOptions {
        std::os::windows::fs::OpenOptionsExt::share_mode(&mut self.0, share);
        self
    }

    /// Adds flags to `CreateFile`'s `dwFlagsAndAttributes`. Windows only.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let mut options = eddy::fs::OpenOptions::new();
    /// options.read(true).custom_flags(0x04000000); // FILE_FLAG_DELETE_ON_CLOSE
    /// ```
    #[cfg(windows)]
    pub fn custom_flags(&mut self, flags: u32) -> &mut OpenOptions {
        std::os::windows::fs::OpenOptionsExt::custom_flags(&mut self.0, flags);
        self
    }

    /// Sets the file attributes of a created file. Windows only.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let mut options = eddy::fs::OpenOptions::new();
    /// options.write(true).create(true).attributes(0x2); // FILE_ATTRIBUTE_HIDDEN
    /// ```
    #[cfg(windows)]
    pub fn attributes(&mut self, attributes: u32) -> &mut OpenOptions {
        std::os::windows::fs::OpenOptionsExt::attributes(&mut self.0, attributes);
        self
    }

    /// Sets the security quality-of-service flags. Windows only.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// let mut options = eddy::fs::OpenOptions::new();
    /// options.read(true).security_qos_flags(0x00100000); // SECURITY_IDENTIFICATION
    /// ```
    #[cfg(windows)]
    pub fn security_qos_flags(&mut self, flags: u32) -> &mut OpenOptions {
        std::os::windows::fs::OpenOptionsExt::security_qos_flags(&mut self.0, flags);
        self
    }

    /// Opens `path` with these options, on the blocking pool.
    ///
    /// # Errors
    ///
    /// std's: `NotFound` without `create`, `AlreadyExists` with `create_new`,
    /// `PermissionDenied`, `InvalidInput` for a contradictory set (nothing to open for,
    /// `truncate` without `write`).
    ///
    /// # Panics
    ///
    /// When polled outside a runtime, naming the fix.
    ///
    /// # Examples
    ///
    /// See [`OpenOptions`].
    pub async fn open(&self, path: impl AsRef<Path>) -> io::Result<File> {
        let options = self.0.clone();
        let path = path.as_ref().to_owned();
        Ok(File::from_std(asyncify(move || options.open(path)).await?))
    }
}

impl Default for OpenOptions {
    fn default() -> OpenOptions {
        OpenOptions::new()
    }
}

/// Keeps every option set on std's (on Unix including `mode` and `custom_flags` set
/// through std's `OpenOptionsExt`).
impl From<std::fs::OpenOptions> for OpenOptions {
    fn from(options: std::fs::OpenOptions) -> OpenOptions {
        OpenOptions(options)
    }
}
