//! One-shot file-system calls: each runs its `std::fs` twin on the blocking pool.

use std::fs::Metadata;
use std::io;
use std::path::Path;

use super::asyncify;

/// Reads the whole file — `std::fs::read` on the blocking pool.
///
/// # Examples
///
/// ```
/// eddy::run(async {
///     let bytes = eddy::fs::read("Cargo.toml").await.unwrap();
///     assert!(bytes.starts_with(b"["));
/// });
/// ```
pub async fn read(path: impl AsRef<Path>) -> io::Result<Vec<u8>> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::read(path)).await
}

/// Reads the whole file as UTF-8 — `std::fs::read_to_string` on the blocking pool.
///
/// # Examples
///
/// ```
/// eddy::run(async {
///     let text = eddy::fs::read_to_string("Cargo.toml").await.unwrap();
///     assert!(text.contains("name = \"eddy\""));
/// });
/// ```
pub async fn read_to_string(path: impl AsRef<Path>) -> io::Result<String> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::read_to_string(path)).await
}

/// Creates or truncates the file and writes `contents` — `std::fs::write` on the
/// blocking pool.
///
/// # Examples
///
/// ```
/// eddy::run(async {
///     let path = std::env::temp_dir().join(format!("eddy-write-doc-{}", std::process::id()));
///     eddy::fs::write(&path, b"bytes").await.unwrap();
///     assert_eq!(eddy::fs::read(&path).await.unwrap(), b"bytes");
///     eddy::fs::remove_file(&path).await.unwrap();
/// });
/// ```
pub async fn write(path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    let contents = contents.as_ref().to_owned();
    asyncify(move || std::fs::write(path, contents)).await
}

/// Creates a directory — `std::fs::create_dir` on the blocking pool.
///
/// # Examples
///
/// ```
/// eddy::run(async {
///     let dir = std::env::temp_dir().join(format!("eddy-mkdir-doc-{}", std::process::id()));
///     eddy::fs::create_dir(&dir).await.unwrap();
///     assert!(eddy::fs::metadata(&dir).await.unwrap().is_dir());
///     eddy::fs::remove_dir(&dir).await.unwrap();
/// });
/// ```
pub async fn create_dir(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::create_dir(path)).await
}

/// Creates a directory and its missing parents — `std::fs::create_dir_all` on the
/// blocking pool.
///
/// # Examples
///
/// ```
/// eddy::run(async {
///     let top = std::env::temp_dir().join(format!("eddy-mkdirs-doc-{}", std::process::id()));
///     eddy::fs::create_dir_all(top.join("a/b/c")).await.unwrap();
///     eddy::fs::remove_dir_all(&top).await.unwrap();
/// });
/// ```
pub async fn create_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::create_dir_all(path)).await
}

/// Removes a file — `std::fs::remove_file` on the blocking pool.
///
/// # Examples
///
/// ```
/// eddy::run(async {
///     let err = eddy::fs::remove_file("/no/such/file").await.unwrap_err();
///     assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
/// });
/// ```
pub async fn remove_file(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::remove_file(path)).await
}

/// Removes an empty directory — `std::fs::remove_dir` on the blocking pool.
///
/// # Examples
///
/// ```
/// eddy::run(async {
///     assert!(eddy::fs::remove_dir("/no/such/dir").await.is_err());
/// });
/// ```
pub async fn remove_dir(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::remove_dir(path)).await
}

/// Removes a directory and everything in it — `std::fs::remove_dir_all` on the
/// blocking pool.
///
/// # Examples
///
/// ```
/// eddy::run(async {
///     let dir = std::env::temp_dir().join(format!("eddy-rmrf-doc-{}", std::process::id()));
///     eddy::fs::create_dir_all(dir.join("inner")).await.unwrap();
///     eddy::fs::write(dir.join("inner/file"), "x").await.unwrap();
///     eddy::fs::remove_dir_all(&dir).await.unwrap();
///     assert!(eddy::fs::metadata(&dir).await.is_err());
/// });
/// ```
pub async fn remove_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::remove_dir_all(path)).await
}

/// Renames a file or directory, replacing `to` if it exists — `std::fs::rename` on the
/// blocking pool.
///
/// # Examples
///
/// ```
/// eddy::run(async {
///     let dir = std::env::temp_dir();
///     let (from, to) = (dir.join("eddy-rename-doc-a"), dir.join("eddy-rename-doc-b"));
///     eddy::fs::write(&from, "moved").await.unwrap();
///     eddy::fs::rename(&from, &to).await.unwrap();
///     assert_eq!(eddy::fs::read_to_string(&to).await.unwrap(), "moved");
///     eddy::fs::remove_file(&to).await.unwrap();
/// });
/// ```
pub async fn rename(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<()> {
    let (from, to) = (from.as_ref().to_owned(), to.as_ref().to_owned());
    asyncify(move || std::fs::rename(from, to)).await
}

/// Copies a file's contents and permissions, returning the bytes copied —
/// `std::fs::copy` on the blocking pool.
///
/// # Examples
///
/// ```
/// eddy::run(async {
///     let to = std::env::temp_dir().join(format!("eddy-copy-doc-{}", std::process::id()));
///     let n = eddy::fs::copy("Cargo.toml", &to).await.unwrap();
///     assert_eq!(n, eddy::fs::metadata(&to).await.unwrap().len());
///     eddy::fs::remove_file(&to).await.unwrap();
/// });
/// ```
pub async fn copy(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<u64> {
    let (from, to) = (from.as_ref().to_owned(), to.as_ref().to_owned());
    asyncify(move || std::fs::copy(from, to)).await
}

/// A file's metadata, following symlinks — `std::fs::metadata` on the blocking pool.
///
/// # Examples
///
/// ```
/// eddy::run(async {
///     assert!(eddy::fs::metadata("Cargo.toml").await.unwrap().is_file());
/// });
/// ```
pub async fn metadata(path: impl AsRef<Path>) -> io::Result<Metadata> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::metadata(path)).await
}

/// A path's own metadata, not following a symlink — `std::fs::symlink_metadata` on the
/// blocking pool.
///
/// # Examples
///
/// ```
/// eddy::run(async {
///     assert!(eddy::fs::symlink_metadata("src").await.unwrap().is_dir());
/// });
/// ```
pub async fn symlink_metadata(path: impl AsRef<Path>) -> io::Result<Metadata> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::symlink_metadata(path)).await
}
