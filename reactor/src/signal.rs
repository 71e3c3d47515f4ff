//! Process signals, delivered to ordinary code: the self-pipe trick.
//!
//! A signal handler may do almost nothing (only async-signal-safe calls), so eddy's handler
//! does two things: it sets the signal's bit in a pending mask, and it writes one byte to a
//! non-blocking pipe. Ordinary code blocks in [`wait`] reading that pipe, then takes the
//! mask. A full pipe drops the byte, which loses nothing: a wake-up byte is already waiting
//! and the bit is set. Several deliveries of one signal before [`wait`] returns are one
//! (signals coalesce in the kernel too).
//!
//! [`register`] installs the handler once per signal, for the life of the process (as
//! tokio and asyncio do): from then on the signal no longer has its default effect (for
//! SIGINT, terminating the process). It replaces a handler installed before it, and
//! refuses the signals a process must not catch (`SIGKILL`, `SIGSTOP`) or cannot
//! meaningfully catch (`SIGSEGV`, `SIGBUS`, `SIGILL`, `SIGFPE`).

use std::io::{self, Read};
use std::os::fd::IntoRawFd;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::OnceLock;

use parking_lot::Mutex;

/// A set of signal numbers (1 to 63), as delivered by [`wait`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SignalSet(u64);

impl SignalSet {
    /// True if `signum` is in the set.
    pub fn contains(self, signum: i32) -> bool {
        (1..64).contains(&signum) && self.0 & (1 << signum) != 0
    }

    /// The signal numbers in the set, lowest first.
    pub fn iter(self) -> impl Iterator<Item = i32> {
        (1..64).filter(move |&signum| self.contains(signum))
    }

    /// True if no signal is in the set.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// Signals delivered and not yet taken by [`wait`]: bit `n` for signal `n`.
static PENDING: AtomicU64 = AtomicU64::new(0);

/// The pipe's write end, for the handler (-1 until the first registration).
static WAKE_FD: AtomicI32 = AtomicI32::new(-1);

/// The pipe's read end, created with the first registration.
static READ_END: OnceLock<UnixStream> = OnceLock::new();

/// Signals whose handler is installed: bit `n` for signal `n`. Guards installation.
static INSTALLED: Mutex<u64> = Mutex::new(0);

/// The handler: note the signal, wake the reader. Only async-signal-safe work: an atomic
/// `fetch_or` (lock-free on every target eddy runs on) and `write(2)`; `errno` is saved and
/// restored around it, as the interrupted code may be about to read it.
extern "C" fn on_signal(signum: libc::c_int) {
    // SAFETY: `errno_location` returns the calling thread's errno slot, valid for the
    // thread's life; reading and writing it is async-signal-safe.
    let errno = unsafe { *errno_location() };
    if (1..64).contains(&signum) {
        PENDING.fetch_or(1 << signum, Ordering::SeqCst);
    }
    let fd = WAKE_FD.load(Ordering::SeqCst);
    if fd >= 0 {
        let byte = 1u8;
        // SAFETY: `fd` is the pipe's write end, opened before the handler was installed and
        // never closed; `byte` is valid for a one-byte read. The end is non-blocking, so a
        // full pipe returns EAGAIN at once (and a wake-up is then already pending).
        unsafe { libc::write(fd, (&byte as *const u8).cast(), 1) };
    }
    // SAFETY: as above.
    unsafe { *errno_location() = errno };
}

/// The calling thread's `errno` slot: each libc names the function differently.
///
/// # Safety
///
/// - The pointer is valid only on the calling thread, for the thread's life.
#[cfg(any(target_os = "linux", target_os = "redox"))]
unsafe fn errno_location() -> *mut libc::c_int {
    // SAFETY: always safe to call; the caller keeps the pointer on this thread.
    unsafe { libc::__errno_location() }
}

/// The calling thread's `errno` slot (see the Linux version).
///
/// # Safety
///
/// - The pointer is valid only on the calling thread, for the thread's life.
#[cfg(any(
    target_vendor = "apple",
    target_os = "freebsd",
    target_os = "dragonfly"
))]
unsafe fn errno_location() -> *mut libc::c_int {
    // SAFETY: always safe to call; the caller keeps the pointer on this thread.
    unsafe { libc::__error() }
}

/// The calling thread's `errno` slot (see the Linux version).
///
/// # Safety
///
/// - The pointer is valid only on the calling thread, for the thread's life.
#[cfg(any(target_os = "openbsd", target_os = "netbsd", target_os = "android"))]
unsafe fn errno_location() -> *mut libc::c_int {
    // SAFETY: always safe to call; the caller keeps the pointer on this thread.
    unsafe { libc::__errno() }
}

/// Signals that must not or cannot usefully be caught.
fn forbidden(signum: i32) -> bool {
    [
        libc::SIGKILL,
        libc::SIGSTOP,
        libc::SIGSEGV,
        libc::SIGBUS,
        libc::SIGILL,
        libc::SIGFPE,
    ]
    .contains(&signum)
}

/// Creates the pipe (once): a non-blocking write end for the handler, a blocking read end
/// for [`wait`].
fn pipe() -> io::Result<&'static UnixStream> {
    if let Some(read) = READ_END.get() {
        return Ok(read);
    }
    let (read, write) = UnixStream::pair()?;
    write.set_nonblocking(true)?;
    // The write end lives as long as the process: the handler may run at any time.
    let _ = READ_END.set(read);
    WAKE_FD.store(write.into_raw_fd(), Ordering::SeqCst);
    Ok(READ_END.get().expect("set above"))
}

/// Routes signal `signum` to [`wait`] from now on, for the life of the process. Calling it
/// again for the same signal does nothing.
///
/// # Errors
///
/// `InvalidInput` for a number outside 1..=63 or a signal that cannot be caught
/// (`SIGKILL`, `SIGSTOP`, `SIGSEGV`, `SIGBUS`, `SIGILL`, `SIGFPE`); the OS error if the
/// pipe or `sigaction` fails.
///
/// # Examples
///
/// ```
/// eddy_reactor::signal::register(libc::SIGUSR2)?;
/// assert!(eddy_reactor::signal::register(libc::SIGKILL).is_err());
/// # std::io::Result::Ok(())
/// ```
pub fn register(signum: i32) -> io::Result<()> {
    if !(1..64).contains(&signum) || forbidden(signum) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("signal {signum} cannot be handled (it is out of range or may not be caught)"),
        ));
    }
    let mut installed = INSTALLED.lock();
    if *installed & (1 << signum) != 0 {
        return Ok(());
    }
    pipe()?;
    // SAFETY: an all-zero `sigaction` is a valid value (no flags, empty mask) that is then
    // filled in; `sigemptyset` gets a valid pointer to its mask.
    let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
    action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
    // SA_RESTART: system calls the signal interrupts are restarted, not failed with EINTR.
    action.sa_flags = libc::SA_RESTART;
    // SAFETY: `action.sa_mask` is a valid, exclusively borrowed sigset_t.
    unsafe { libc::sigemptyset(&mut action.sa_mask) };
    // SAFETY: `action` is fully initialised; `on_signal` is async-signal-safe (see it);
    // a null old-action pointer is allowed.
    if unsafe { libc::sigaction(signum, &action, std::ptr::null_mut()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    *installed |= 1 << signum;
    Ok(())
}

/// Blocks until at least one registered signal has been delivered since the last call, and
/// returns the signals delivered. Meant for one thread that dispatches them.
///
/// # Errors
///
/// The read's error, other than an interruption (retried); `NotFound` if no signal was
/// ever [`register`]ed (nothing could ever end the wait).
pub fn wait() -> io::Result<SignalSet> {
    let Some(mut read) = READ_END.get() else {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            "no signal is registered: call eddy_reactor::signal::register first",
        ));
    };
    let mut bytes = [0u8; 64];
    loop {
        let set = SignalSet(PENDING.swap(0, Ordering::SeqCst));
        if !set.is_empty() {
            return Ok(set);
        }
        match read.read(&mut bytes) {
            Ok(_) => {}
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
}
