//! What the reactor registers, per OS family: file descriptors on Unix, sockets on Windows.
//!
//! [`AsSource`] is the one bound the rest of the crate (and [`Registration`]) puts on an
//! I/O object, so that the same code registers a `TcpStream` on Linux, macOS and Windows.
//!
//! [`Registration`]: crate::Registration

use std::io;

#[cfg(unix)]
pub use std::os::fd::{BorrowedFd as BorrowedSource, RawFd as RawSource};
#[cfg(windows)]
pub use std::os::windows::io::{BorrowedSocket as BorrowedSource, RawSocket as RawSource};

/// An I/O object the reactor can register: on Unix anything [`AsFd`] (sockets, pipes,
/// terminals, eventfds), on Windows anything [`AsSocket`] (IOCP, through `polling`, waits
/// on sockets only). Implemented for every such type; you never implement it yourself.
///
/// [`AsFd`]: std::os::fd::AsFd
/// [`AsSocket`]: https://doc.rust-lang.org/std/os/windows/io/trait.AsSocket.html
///
/// # Examples
///
/// ```
/// use eddy_reactor::AsSource;
///
/// fn registrable(_: &impl AsSource) {}
/// registrable(&std::net::TcpListener::bind("127.0.0.1:0")?);
/// # std::io::Result::Ok(())
/// ```
pub trait AsSource {
    /// The borrowed fd (Unix) or socket (Windows).
    fn as_source(&self) -> BorrowedSource<'_>;
}

#[cfg(unix)]
impl<T: std::os::fd::AsFd + ?Sized> AsSource for T {
    fn as_source(&self) -> BorrowedSource<'_> {
        self.as_fd()
    }
}

#[cfg(windows)]
impl<T: std::os::windows::io::AsSocket + ?Sized> AsSource for T {
    fn as_source(&self) -> BorrowedSource<'_> {
        self.as_socket()
    }
}

/// The raw number of a borrowed source.
pub(crate) fn raw(source: BorrowedSource<'_>) -> RawSource {
    #[cfg(unix)]
    return std::os::fd::AsRawFd::as_raw_fd(&source);
    #[cfg(windows)]
    return std::os::windows::io::AsRawSocket::as_raw_socket(&source);
}

/// Borrows a registered source by its raw number.
///
/// # Safety
///
/// - `raw` is open, and stays open for the borrow's lifetime `'a`.
pub(crate) unsafe fn borrow<'a>(raw: RawSource) -> BorrowedSource<'a> {
    // SAFETY: the caller keeps `raw` open for `'a` (this function's contract).
    #[cfg(unix)]
    return unsafe { BorrowedSource::borrow_raw(raw) };
    // SAFETY: as above.
    #[cfg(windows)]
    return unsafe { BorrowedSource::borrow_raw(raw) };
}

/// Puts a source in non-blocking mode: `FIONBIO` on Linux, Android and Windows (one
/// system call, and Linux applies it to any file: sockets, pipes, terminals); `O_NONBLOCK`
/// through `fcntl` on the other Unixes, whose `FIONBIO` is not defined for every kind of fd.
pub(crate) fn set_nonblocking(source: BorrowedSource<'_>) -> io::Result<()> {
    // (Miri runs `fcntl` on socketpairs but not `ioctl`: `.ci/miri` runs the reactor's keys.)
    #[cfg(all(any(target_os = "linux", target_os = "android"), not(miri)))]
    {
        let mut on: libc::c_int = 1;
        // SAFETY: `source` is a live `BorrowedFd`; FIONBIO reads one `c_int` through the
        // pointer, which is valid for the call.
        if unsafe { libc::ioctl(raw(source), libc::FIONBIO, &mut on) } == -1 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
    #[cfg(all(unix, any(not(any(target_os = "linux", target_os = "android")), miri)))]
    {
        let raw = raw(source);
        // SAFETY: `source` is a live `BorrowedFd`, and F_GETFL reads only its status flags.
        let flags = unsafe { libc::fcntl(raw, libc::F_GETFL) };
        if flags == -1 {
            return Err(io::Error::last_os_error());
        }
        if flags & libc::O_NONBLOCK == 0 {
            // SAFETY: as above; F_SETFL changes only the fd's status flags.
            let set = unsafe { libc::fcntl(raw, libc::F_SETFL, flags | libc::O_NONBLOCK) };
            if set == -1 {
                return Err(io::Error::last_os_error());
            }
        }
        Ok(())
    }
    #[cfg(windows)]
    {
        socket2::SockRef::from(&source).set_nonblocking(true)
    }
}
