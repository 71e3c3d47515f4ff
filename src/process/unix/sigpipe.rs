//! Writes to a child's stdin that fail with `EPIPE` instead of killing the process.
//!
//! A `write(2)` to a pipe whose reader is gone fails with `EPIPE` and also raises SIGPIPE,
//! whose default action ends the process. Rust binaries ignore SIGPIPE (std sets it to
//! `SIG_IGN` before `main`), but eddy may run in a library whose host left it at the
//! default, and a test or a program may restore the default; sockets avoid the signal
//! per call (`MSG_NOSIGNAL`, `SO_NOSIGPIPE`), pipes have no such flag except on Apple
//! (`F_SETNOSIGPIPE`, set on the pipe when it is made). So, elsewhere, [`write`] looks at
//! SIGPIPE's disposition before each write (one `sigaction` query, no change):
//!
//! * ignored or handled — the write runs as is: the process cannot die of it;
//! * the default — the write runs with SIGPIPE blocked in this thread
//!   (`pthread_sigmask`). A SIGPIPE it raises is directed at this thread, so it stays
//!   pending; on `EPIPE` it is taken with `sigwait` (if it was not pending before), and
//!   the thread's mask is restored. The process never sees it; the caller gets
//!   `BrokenPipe`.
//!
//! Nothing process-wide is changed, so a host that relies on SIGPIPE (a filter that
//! should die quietly when its reader goes) keeps that behaviour for its own writes.
//!
//! Unsafe code: the signal calls.

#![allow(unsafe_code)]

use std::io;
use std::mem::MaybeUninit;

/// Runs `write` (one write to a pipe) so that a SIGPIPE it raises cannot end the process.
pub(crate) fn write(write: impl FnOnce() -> io::Result<usize>) -> io::Result<usize> {
    if cfg!(target_vendor = "apple") || !sigpipe_is_default() {
        return write();
    }
    let set = sigpipe_set();
    let mut old = MaybeUninit::<libc::sigset_t>::uninit();
    // SAFETY: `set` is an initialised signal set, `old` is valid for writing a
    // `sigset_t`; `pthread_sigmask` changes only this thread's mask.
    let rc = unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &set, old.as_mut_ptr()) };
    if rc != 0 {
        return Err(io::Error::from_raw_os_error(rc));
    }
    // SAFETY: `pthread_sigmask` succeeded, so it wrote the old mask.
    let old = unsafe { old.assume_init() };
    // Pending before the write: raised by someone else while this thread blocked it
    // (only possible if the caller's mask already blocked it). Not ours to take.
    let pending_before = is_pending();
    let result = write();
    let broken = matches!(&result, Err(err) if err.kind() == io::ErrorKind::BrokenPipe);
    if broken && !pending_before && is_pending() {
        let mut signum = 0;
        // SAFETY: `set` is initialised and `signum` valid for writing; SIGPIPE is
        // blocked and pending, so `sigwait` returns at once, taking it.
        unsafe { libc::sigwait(&set, &mut signum) };
    }
    // SAFETY: `old` is the mask read above; restoring it changes only this thread's mask.
    unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut()) };
    result
}

/// True if SIGPIPE's action is the default (ending the process).
fn sigpipe_is_default() -> bool {
    let mut action = MaybeUninit::<libc::sigaction>::uninit();
    // SAFETY: a null new action only queries; `action` is valid for writing one.
    let rc = unsafe { libc::sigaction(libc::SIGPIPE, std::ptr::null(), action.as_mut_ptr()) };
    // SAFETY: `sigaction` succeeded, so it wrote the action.
    rc == 0 && unsafe { action.assume_init() }.sa_sigaction == libc::SIG_DFL
}

/// The set holding SIGPIPE alone.
fn sigpipe_set() -> libc::sigset_t {
    let mut set = MaybeUninit::<libc::sigset_t>::uninit();
    // SAFETY: `sigemptyset` initialises the set it is given; `sigaddset` adds a valid
    // signal number to the now initialised set.
    unsafe {
        libc::sigemptyset(set.as_mut_ptr());
        libc::sigaddset(set.as_mut_ptr(), libc::SIGPIPE);
        set.assume_init()
    }
}

/// True if SIGPIPE is pending for this thread or the process.
fn is_pending() -> bool {
    let mut pending = MaybeUninit::<libc::sigset_t>::uninit();
    // SAFETY: `pending` is valid for writing a `sigset_t`; `sigpending` fills it.
    if unsafe { libc::sigpending(pending.as_mut_ptr()) } != 0 {
        return false;
    }
    // SAFETY: `sigpending` succeeded, so the set is initialised.
    unsafe { libc::sigismember(pending.as_ptr(), libc::SIGPIPE) == 1 }
}
