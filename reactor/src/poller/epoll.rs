//! The Linux fast path: epoll, used directly.
//!
//! Used directly, beside the portable `polling` backend, because eddy needs two things of
//! epoll that a portable layer does not give: `EPOLLRDHUP`, registered and reported, so
//! that a FIN is an edge of its own and a sticky flag ([`Readiness`](crate::readiness))
//! and a short stream read can clear readiness; and a wait with no per-round set-up (no
//! timer fd armed, no notifier re-armed). `docs/io.md` has the measurements.
//!
//! What eddy needs of epoll is small, so it is here: one `epoll_ctl(ADD)` per source,
//! edge-triggered, for both directions and `EPOLLRDHUP`; one `epoll_ctl(DEL)`; an
//! `eventfd` registered edge-triggered once for [`Epoll::notify`] (every write to it is a
//! new edge, so it is never read or re-armed, except to reset a counter about to
//! overflow); and `epoll_pwait2`, whose timeout is a `timespec`, so an idle worker parks
//! until a timer's exact deadline (on kernels before 5.11, `epoll_wait` with the timeout
//! rounded up to the next millisecond: late by less than a millisecond, never early).

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::Event;

/// The key of the notification eventfd; source keys are slab indices, far below it.
const NOTIFY_KEY: u64 = u64::MAX;

/// What a source is registered for: both directions, the peer's half-close, edge-triggered.
const SOURCE_FLAGS: u32 =
    (libc::EPOLLIN | libc::EPOLLOUT | libc::EPOLLRDHUP | libc::EPOLLET) as u32;

/// The buffer a round fills.
pub(crate) struct Events {
    list: Vec<libc::epoll_event>,
}

impl Events {
    /// Room for `capacity` events per round (more wait for the next round).
    pub(crate) fn with_capacity(capacity: usize) -> Events {
        Events {
            list: Vec::with_capacity(capacity),
        }
    }

    /// The events of the last round, the notification left out.
    pub(crate) fn iter(&self) -> impl Iterator<Item = Event> + '_ {
        self.list.iter().filter_map(|raw| {
            let (flags, key) = (raw.events as libc::c_int, raw.u64);
            if key == NOTIFY_KEY {
                return None;
            }
            let failed = flags & (libc::EPOLLERR | libc::EPOLLHUP) != 0;
            Some(Event {
                key: key as usize,
                readable: flags & (libc::EPOLLIN | libc::EPOLLPRI | libc::EPOLLRDHUP) != 0,
                writable: flags & libc::EPOLLOUT != 0,
                read_closed: flags & (libc::EPOLLRDHUP | libc::EPOLLHUP) != 0,
                failed,
            })
        })
    }
}

/// An epoll instance with its notification eventfd.
#[derive(Debug)]
pub(crate) struct Epoll {
    epoll: OwnedFd,
    notifier: OwnedFd,
    /// False once `epoll_pwait2` said ENOSYS (a kernel before 5.11).
    pwait2: AtomicBool,
}

/// `-1` → the OS error, else the value.
fn check(result: libc::c_int) -> io::Result<libc::c_int> {
    if result < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(result)
    }
}

impl Epoll {
    /// A new epoll instance and eventfd, both close-on-exec.
    pub(crate) fn new() -> io::Result<Epoll> {
        // SAFETY: a plain system call; the returned fd is checked, then owned.
        let epoll =
            unsafe { OwnedFd::from_raw_fd(check(libc::epoll_create1(libc::EPOLL_CLOEXEC))?) };
        eddy_faults::inject(eddy_faults::Call::Eventfd)?;
        // SAFETY: as above.
        let notifier = unsafe {
            OwnedFd::from_raw_fd(check(libc::eventfd(
                0,
                libc::EFD_CLOEXEC | libc::EFD_NONBLOCK,
            ))?)
        };
        let epoll = Epoll {
            epoll,
            notifier,
            // Miri runs epoll_wait but not the raw epoll_pwait2 syscall (`.ci/miri`).
            pwait2: AtomicBool::new(!cfg!(miri)),
        };
        epoll.ctl(
            libc::EPOLL_CTL_ADD,
            epoll.notifier.as_raw_fd(),
            (libc::EPOLLIN | libc::EPOLLET) as u32,
            NOTIFY_KEY,
        )?;
        Ok(epoll)
    }

    fn ctl(&self, op: libc::c_int, fd: RawFd, flags: u32, key: u64) -> io::Result<()> {
        let mut event = libc::epoll_event {
            events: flags,
            u64: key,
        };
        // SAFETY: `event` is a valid epoll_event for the call (the kernel only reads it);
        // the fds are plain numbers to the kernel: a wrong one is an error, not UB.
        check(unsafe { libc::epoll_ctl(self.epoll.as_raw_fd(), op, fd, &mut event) })?;
        Ok(())
    }

    /// Registers `fd` under `key`, edge-triggered, for both directions and the peer's
    /// half-close.
    pub(crate) fn add(&self, fd: RawFd, key: usize) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_ADD, fd, SOURCE_FLAGS, key as u64)
    }

    /// Removes `fd`.
    pub(crate) fn delete(&self, fd: RawFd) -> io::Result<()> {
        self.ctl(libc::EPOLL_CTL_DEL, fd, 0, 0)
    }

    /// Waits for events for at most `timeout` (`None`: without limit) and puts them in
    /// `events`. An interrupted wait returns no events.
    pub(crate) fn wait(&self, events: &mut Events, timeout: Option<Duration>) -> io::Result<()> {
        let list = &mut events.list;
        list.clear();
        let capacity = list.capacity().clamp(1, libc::c_int::MAX as usize) as libc::c_int;
        let n = match self.pwait2(list, capacity, timeout) {
            Some(n) => n,
            None => {
                // Round up: waking a little late is harmless, early is a wasted round.
                let millis = timeout.map_or(-1, |t| {
                    let ms = t.as_nanos().div_ceil(1_000_000);
                    ms.min(libc::c_int::MAX as u128) as libc::c_int
                });
                // SAFETY: the buffer has room for `capacity` events; the kernel writes at
                // most that many.
                unsafe {
                    libc::epoll_wait(self.epoll.as_raw_fd(), list.as_mut_ptr(), capacity, millis)
                }
            }
        };
        match check(n) {
            Ok(n) => {
                // SAFETY: the kernel initialised the first `n <= capacity` entries.
                unsafe { list.set_len(n as usize) };
                Ok(())
            }
            Err(err) if err.kind() == io::ErrorKind::Interrupted => Ok(()),
            Err(err) => Err(err),
        }
    }

    /// `epoll_pwait2` (nanosecond timeout); `None` if the kernel lacks it.
    fn pwait2(
        &self,
        list: &mut Vec<libc::epoll_event>,
        capacity: libc::c_int,
        timeout: Option<Duration>,
    ) -> Option<libc::c_int> {
        if !self.pwait2.load(Ordering::Relaxed) {
            return None;
        }
        let spec = timeout.map(|t| libc::timespec {
            tv_sec: t.as_secs().min(libc::time_t::MAX as u64) as libc::time_t,
            tv_nsec: t.subsec_nanos() as libc::c_long,
        });
        let spec_ptr = spec
            .as_ref()
            .map_or(std::ptr::null(), |s| s as *const libc::timespec);
        // SAFETY: the buffer has room for `capacity` events; `spec_ptr` is null (no
        // timeout) or points to a timespec that outlives the call; a null sigmask leaves
        // the signal mask alone.
        let n = unsafe {
            libc::syscall(
                libc::SYS_epoll_pwait2,
                self.epoll.as_raw_fd(),
                list.as_mut_ptr(),
                capacity,
                spec_ptr,
                std::ptr::null::<libc::sigset_t>(),
                0usize,
            )
        } as libc::c_int;
        if n < 0 && io::Error::last_os_error().raw_os_error() == Some(libc::ENOSYS) {
            self.pwait2.store(false, Ordering::Relaxed);
            return None;
        }
        Some(n)
    }

    /// Wakes the thread in [`wait`](Epoll::wait), or makes the next wait return at once.
    /// Notifications before a wait collects them are one event.
    pub(crate) fn notify(&self) -> io::Result<()> {
        let one = 1u64.to_ne_bytes();
        loop {
            // SAFETY: writes 8 bytes from a valid buffer to our eventfd.
            let n = unsafe { libc::write(self.notifier.as_raw_fd(), one.as_ptr().cast(), 8) };
            if n >= 0 {
                return Ok(());
            }
            let err = io::Error::last_os_error();
            match err.kind() {
                io::ErrorKind::Interrupted => {}
                // The counter is about to overflow (after 2^64 - 2 notifications): reset
                // it by reading, then write again; the write is still a fresh edge.
                io::ErrorKind::WouldBlock => {
                    let mut buf = [0u8; 8];
                    // SAFETY: reads at most 8 bytes into a valid 8-byte buffer.
                    unsafe { libc::read(self.notifier.as_raw_fd(), buf.as_mut_ptr().cast(), 8) };
                }
                _ => return Err(err),
            }
        }
    }
}
