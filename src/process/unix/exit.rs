//! [`Watch`]: how a child's exit is learned on Unix, without a thread per child.
//!
//! * **pidfd** (Linux 5.3 and later): `pidfd_open(pid)` gives an fd that becomes readable
//!   when the process exits; it is registered with the runtime's reactor like a socket,
//!   so a wait is one readiness wake-up. The pid cannot be reused meanwhile: the child is
//!   not reaped until `try_wait` sees its exit.
//! * **SIGCHLD** (other Unixes, and Linux where `pidfd_open` fails with `ENOSYS` — an old
//!   kernel — or `EPERM`/`EACCES` — a seccomp filter): every waiting child holds an
//!   [`eddy::signal`](crate::signal) receiver of SIGCHLD; each delivery wakes them all,
//!   and each calls `try_wait` (`waitpid(pid, WNOHANG)`) for its own pid. The receiver is
//!   made before the child's first `try_wait`, so an exit between that `try_wait` and the
//!   wait is a delivery the receiver counts: no exit is missed. Once installed, the
//!   handler stays for the life of the process (as every `eddy::signal` handler).
//!   `EDDY_NO_PIDFD=1` in the environment (read at the first spawn) forces this path on
//!   Linux: the tests run the whole process suite that way too.
//!
//! Unsafe code: the `pidfd_open` system call, which libc wraps only in recent versions.

#![allow(unsafe_code)]

use std::io;
#[cfg(any(target_os = "linux", target_os = "android"))]
use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use eddy_reactor::Reactor;

#[cfg(any(target_os = "linux", target_os = "android"))]
use crate::io::Async;
use crate::signal::{signal, Signal, SignalKind};

/// Set to `1`, the environment variable that makes eddy use SIGCHLD where pidfds work.
#[cfg(any(target_os = "linux", target_os = "android"))]
const NO_PIDFD_ENV: &str = "EDDY_NO_PIDFD";

/// How one child's exit is waited for.
pub(crate) enum Watch {
    /// The child's pidfd on the reactor: readable once it has exited.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    Pidfd(Async<OwnedFd>),
    /// A receiver of SIGCHLD, made before the child's first `try_wait`.
    Sigchld(Signal),
}

/// What [`Watch::new`] needs from before the spawn: the SIGCHLD receiver when pidfds are
/// known not to work (`None` when they may).
pub(crate) struct Plan(Option<Signal>);

/// Called before spawning: installs SIGCHLD's handler (and makes the receiver) unless
/// pidfds may work, so that an error here is returned before any child exists.
pub(crate) fn prepare() -> io::Result<Plan> {
    if pidfd::may_work() {
        Ok(Plan(None))
    } else {
        Ok(Plan(Some(signal(SignalKind::child())?)))
    }
}

impl Watch {
    /// The watch on `child`'s exit: its pidfd where that works, else SIGCHLD.
    pub(crate) fn new(
        child: &std::process::Child,
        plan: Plan,
        reactor: &Arc<Reactor>,
    ) -> io::Result<Watch> {
        if let Some(sigchld) = plan.0 {
            return Ok(Watch::Sigchld(sigchld));
        }
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if let Some(fd) = pidfd::open(child.id()) {
            // A pidfd is never read, so it need not be non-blocking.
            if let Ok(fd) = Async::with_reactor_nonblocking(fd, reactor.clone()) {
                return Ok(Watch::Pidfd(fd));
            }
        }
        let _ = (child, reactor);
        // A pidfd could not be had for this child (`EMFILE`, or the kind of error that
        // turns pidfds off): SIGCHLD. The child may have exited already; its first
        // `try_wait`, after this receiver exists, sees it.
        Ok(Watch::Sigchld(signal(SignalKind::child())?))
    }

    /// `Ready` when the child may have exited: the caller then calls `try_wait`.
    pub(crate) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self {
            #[cfg(any(target_os = "linux", target_os = "android"))]
            // Readable stays set once the process has exited: the caller's `try_wait`
            // then reaps it and drops this watch.
            Watch::Pidfd(fd) => fd.poll_readable(cx),
            Watch::Sigchld(sigchld) => {
                ready!(sigchld.poll_recv(cx));
                // A child exited: perhaps an orphan too.
                super::super::orphan::reap_queued();
                Poll::Ready(Ok(()))
            }
        }
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
mod pidfd {
    use std::io;
    use std::os::fd::{FromRawFd, OwnedFd};
    use std::sync::atomic::{AtomicBool, Ordering};

    /// False once `pidfd_open` has failed in a way that says it never will work here.
    static WORKS: AtomicBool = AtomicBool::new(true);

    /// `EDDY_NO_PIDFD=1`: use SIGCHLD as on a kernel without pidfds (read once, at the
    /// first spawn). For testing the fallback, and for systems where pidfds misbehave.
    static REFUSED: std::sync::LazyLock<bool> = std::sync::LazyLock::new(|| {
        std::env::var_os(super::NO_PIDFD_ENV).is_some_and(|v| v == "1")
    });

    /// Whether pidfds may work (no failure of the kind that rules them out so far, and
    /// not refused by `EDDY_NO_PIDFD`).
    pub(super) fn may_work() -> bool {
        // Relaxed: a hint; a stale `true` costs one failing `pidfd_open` and a fallback.
        WORKS.load(Ordering::Relaxed) && !*REFUSED
    }

    /// `pidfd_open(pid, 0)`, close-on-exec; `None` on failure (remembering the failures
    /// that mean "never on this system").
    pub(super) fn open(pid: u32) -> Option<OwnedFd> {
        if eddy_faults::inject(eddy_faults::Call::Pidfd).is_err() {
            // As a real `EMFILE` would: this child falls back to SIGCHLD.
            return None;
        }
        // SAFETY: `pidfd_open` takes a pid and flags and returns a new fd or -1; it reads
        // and writes no memory of ours.
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) };
        if fd < 0 {
            let err = io::Error::last_os_error();
            if matches!(
                err.raw_os_error(),
                Some(libc::ENOSYS | libc::EPERM | libc::EACCES)
            ) {
                WORKS.store(false, Ordering::Relaxed);
            }
            return None;
        }
        // SAFETY: `fd` was just returned by `pidfd_open`, is open, and nothing else owns
        // it. pidfds are always close-on-exec.
        Some(unsafe { OwnedFd::from_raw_fd(fd as i32) })
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
mod pidfd {
    /// No pidfds here.
    pub(super) fn may_work() -> bool {
        false
    }
}
