//! Making the system calls eddy makes fail on purpose, in tests.
//!
//! A server meets the operating system saying no: `EMFILE` at `accept`, `ENOSPC` from
//! `epoll_ctl` once `max_user_watches` is reached, `EAGAIN` from `clone` under
//! `RLIMIT_NPROC`. Such failures are rare and hard to provoke, so each place where eddy makes
//! one of these calls asks this crate first ([`inject`]), and a test arms a fault for a kind
//! of call ([`Call`]): the Nth call, every call from the Nth, or a fraction of calls
//! ([`When`]), failing with the OS error the test names.
//!
//! **Compiled out of normal builds.** Without this crate's `enabled` feature (the facade's
//! `fault-injection` feature turns it on) [`inject`] is an inlined `Ok(())` and nothing else
//! exists: no state, no check, no branch. Turn the feature on in the `[dev-dependencies]` of
//! the crate whose tests arm faults, never in a build you ship.
//!
//! **One test at a time.** A fault is armed for the whole process (the call it fails may be
//! made on any of the runtime's threads), so a test arms faults inside a [`Faults`] session,
//! and sessions take turns: a second test's [`Faults::begin`] waits for the first session to
//! end. A test that arms nothing does not wait, and would see another test's faults: keep
//! the tests that arm faults in test binaries of their own.
//!
//! # Examples
//!
//! ```
//! # #[cfg(feature = "enabled")] {
//! use eddy_faults::{inject, Call, Faults, When};
//!
//! let faults = Faults::begin();
//! faults.arm(Call::Accept, When::Nth(2), 24); // EMFILE on Linux
//! assert!(inject(Call::Accept).is_ok());
//! assert_eq!(inject(Call::Accept).unwrap_err().raw_os_error(), Some(24));
//! assert!(inject(Call::Accept).is_ok());
//! assert_eq!(faults.calls(Call::Accept), 3);
//! assert_eq!(faults.injected(Call::Accept), 1);
//! # }
//! ```

/// A kind of system call eddy makes, as the fault layer names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Call {
    /// Creating a reactor's poller: `epoll_create1` on the epoll backend, `Poller::new` of
    /// the `polling` crate (kqueue, IOCP, event ports, poll(2)) on the portable one.
    PollerCreate,
    /// Creating the epoll backend's notification `eventfd`.
    Eventfd,
    /// Registering a source with the poller: `epoll_ctl(EPOLL_CTL_ADD)`, `Poller::add`.
    Register,
    /// Arming a source again in one-shot mode (`Poller::modify`): the path of IOCP and
    /// event ports, and of the `polling-oneshot` backend.
    Rearm,
    /// Waking the thread that waits in the poller: the `eventfd` write on epoll,
    /// `Poller::notify` on the portable backend.
    Notify,
    /// Starting a worker thread.
    SpawnWorker,
    /// Starting a thread of the blocking pool (`spawn_blocking`, `run_in_executor`, files).
    SpawnBlocking,
    /// Starting one of eddy's helper threads: the signal thread, the debug watchdog.
    SpawnHelper,
    /// `accept` on a TCP or Unix listener.
    Accept,
    /// Creating a socket: `socket(2)` for a listener, a connection, a UDP socket.
    Socket,
    /// `pidfd_open` for a child process (Linux and Android).
    Pidfd,
    /// `waitpid` for a child process (`Child::try_wait`, `Child::wait`).
    Waitpid,
}

impl Call {
    /// Every kind of call, in declaration order.
    pub const ALL: [Call; 12] = [
        Call::PollerCreate,
        Call::Eventfd,
        Call::Register,
        Call::Rearm,
        Call::Notify,
        Call::SpawnWorker,
        Call::SpawnBlocking,
        Call::SpawnHelper,
        Call::Accept,
        Call::Socket,
        Call::Pidfd,
        Call::Waitpid,
    ];
}

// `Call::ALL` lists every kind at its own index: the armed layer indexes its slots by
// `call as usize`, so a kind added to the enum but not here fails the build.
const _: () = {
    let mut i = 0;
    while i < Call::ALL.len() {
        assert!(
            Call::ALL[i] as usize == i,
            "Call::ALL must list every Call in order"
        );
        i += 1;
    }
    assert!(
        Call::Waitpid as usize + 1 == Call::ALL.len(),
        "Call::ALL misses a kind"
    );
};

/// Which calls of its kind an armed fault fails, counting the calls made since it was armed
/// (the first is 1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum When {
    /// The nth call only.
    Nth(u64),
    /// The nth call and every one after it.
    From(u64),
    /// Every call.
    Always,
    /// Each call with probability `ratio` (0.0 to 1.0), drawn from a generator seeded with
    /// `seed`: the same seed fails the same calls of a sequence.
    Fraction {
        /// The probability that a call fails.
        ratio: f64,
        /// The generator's seed.
        seed: u64,
    },
}

/// Asks whether this call of kind `call` should fail: `Err` with the armed OS error if a
/// fault of a running [`Faults`] session says so, else `Ok(())`. eddy calls it right before
/// each system call of that kind. Without the `enabled` feature it is always `Ok(())`.
///
/// # Examples
///
/// ```
/// // With no session running, nothing fails.
/// assert!(eddy_faults::inject(eddy_faults::Call::Socket).is_ok());
/// ```
#[cfg(not(feature = "enabled"))]
#[inline(always)]
pub fn inject(call: Call) -> std::io::Result<()> {
    let _ = call;
    Ok(())
}

#[cfg(feature = "enabled")]
mod armed;

#[cfg(feature = "enabled")]
pub use armed::{inject, Faults};
