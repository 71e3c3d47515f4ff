//! The bounds the builders check their settings against.
//!
//! A builder setter only records its input; `build()` checks it here and refuses a bad
//! one with an `InvalidInput` error whose message names the setter and the fix. A bound
//! is meant to catch a typo or a unit mix-up (bytes for KiB, a count for a size), not to
//! tune anything: each is far from any value a working program uses.
//!
//! # Examples
//!
//! ```
//! use eddy_executor::limits::MAX_WORKER_THREADS;
//!
//! let err = eddy_executor::Executor::builder()
//!     .worker_threads(MAX_WORKER_THREADS + 1)
//!     .build()
//!     .unwrap_err();
//! assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
//! assert!(err.to_string().contains("worker_threads"));
//! ```

use std::io;

/// The most worker threads an executor accepts: 1,024.
///
/// A fixed number rather than a multiple of the core count, so that a configuration that
/// builds on a laptop also builds on a small CI machine. Work stealing gains nothing from
/// more workers than cores; 1,024 leaves room for the largest machines and for
/// deliberately oversubscribed tests, and refuses a count that was meant as something
/// else (a task count, a queue size).
pub const MAX_WORKER_THREADS: usize = 1024;

/// The most threads a blocking pool accepts: 100,000 (tokio's default cap is 512).
///
/// Beyond this the OS limits (`threads-max`, memory for stacks) fail first, and only
/// once the load arrives, far from the line that configured it.
pub const MAX_BLOCKING_THREADS: usize = 100_000;

/// The smallest thread stack accepted: 16 KiB (glibc's `PTHREAD_STACK_MIN`). A smaller
/// stack overflows in the thread's own start-up, before it runs anything of ours.
pub const MIN_THREAD_STACK_SIZE: usize = 16 * 1024;

/// The largest thread stack accepted: 1 GiB. std's default is 2 MiB; a larger value is
/// most likely a unit mix-up, and reserving it per thread exhausts the address space.
pub const MAX_THREAD_STACK_SIZE: usize = 1 << 30;

/// An `InvalidInput` error with `message`.
pub(crate) fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

/// Checks a `thread_stack_size(bytes)` setting, if one was made.
pub(crate) fn check_stack_size(bytes: Option<usize>) -> io::Result<()> {
    match bytes {
        Some(b) if b < MIN_THREAD_STACK_SIZE => Err(invalid(format!(
            "`thread_stack_size({b})`: a stack under {MIN_THREAD_STACK_SIZE} bytes (16 KiB) \
             overflows before the thread runs; the size is in bytes — pass at least \
             {MIN_THREAD_STACK_SIZE}, or leave it unset for std's default (2 MiB)"
        ))),
        Some(b) if b > MAX_THREAD_STACK_SIZE => Err(invalid(format!(
            "`thread_stack_size({b})`: more than {MAX_THREAD_STACK_SIZE} bytes (1 GiB) per \
             thread; the size is in bytes — pass at most {MAX_THREAD_STACK_SIZE}, or leave \
             it unset for std's default (2 MiB)"
        ))),
        _ => Ok(()),
    }
}

/// Checks a `thread_name(name)` setting: std refuses a name with a NUL byte (it panics in
/// the spawn), and an empty one makes threads named only `-{i}`.
pub(crate) fn check_thread_name(name: &str) -> io::Result<()> {
    if name.is_empty() {
        return Err(invalid(
            "`thread_name(\"\")`: threads would be named only by their index; pass a \
             non-empty name, or leave it unset for the default"
                .into(),
        ));
    }
    if name.contains('\0') {
        return Err(invalid(format!(
            "`thread_name({name:?})`: a thread name cannot contain a NUL byte; remove it"
        )));
    }
    Ok(())
}
