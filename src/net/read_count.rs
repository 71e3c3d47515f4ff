//! Reads that say what they left behind.
//!
//! A read that stops short of its buffer drained the socket, so readiness is cleared and
//! the next read waits without a syscall (`Registration::poll_stream_read`). A read that
//! *fills* its buffer cannot tell: more bytes may wait behind it. A `read_exact` of a
//! whole message, the way length-prefixed protocols read, fills its buffer every time,
//! and so every message costs a second `read` that says `WouldBlock`.
//!
//! Linux can say what is left: with `TCP_INQ` on (Linux 4.18), each `recvmsg` of a TCP
//! socket carries the count of bytes still queued (1 rather than 0 when a FIN is
//! pending). A stream switches it on at its second futures-io read that fills the buffer
//! and from then on makes those reads through `recvmsg`, clearing readiness when nothing
//! is left, on the backends where a short read does the same
//! (`Registration::poll_stream_read_queued`). A stream whose reads always stop short (a
//! server reading requests into a large buffer) never pays the `setsockopt`, nor does one
//! that reads one whole message and ends (a client's one response on a short-lived
//! connection, where the `setsockopt` would cost what it saves); one that goes on reading
//! whole messages pays a single `WouldBlock` read more, once. `into_std` turns the
//! option off again. Elsewhere, and for Unix streams, [`ReadCount`]
//! stays off and reads are plain `read`s. `try_read`, `peek` and the hyper and tokio-io
//! reads are plain reads either way.

use std::sync::atomic::{AtomicU8, Ordering};

use super::stream_io::StdStream;

/// Not tried yet, and no read has filled its buffer.
const UNTRIED: u8 = 0;
/// Not tried yet; one read has filled its buffer.
const FILLED_ONCE: u8 = 1;
/// The kernel counts: read with [`StdStream::read_counted`].
const ON: u8 = 2;
/// The kernel (or the socket type) cannot; plain reads from now on.
const UNAVAILABLE: u8 = 3;

/// Whether a stream's reads carry the kernel's count of what is left (module docs).
#[derive(Debug)]
pub(crate) struct ReadCount(AtomicU8);

/// The most buffers one counted read takes: `UIO_MAXIOV`, the most one `recvmsg` takes
/// (more fail with `EMSGSIZE`). A longer list is read into its first `MAX_BUFS`.
pub(crate) const MAX_BUFS: usize = 1024;

impl ReadCount {
    pub(crate) const fn new() -> ReadCount {
        ReadCount(AtomicU8::new(UNTRIED))
    }

    /// True once the kernel counts for this stream.
    #[inline]
    pub(crate) fn is_on(&self) -> bool {
        // Relaxed: a hint; a read that misses the switch is a plain read, still correct.
        self.0.load(Ordering::Relaxed) == ON
    }

    /// A plain read filled its buffer: the second time, ask the kernel to count from now
    /// on (module docs).
    #[inline]
    pub(crate) fn filled<S: StdStream>(&self, stream: &S) {
        // Relaxed: a hint. The first fill moves only UNTRIED on (a plain store could turn
        // another reader's ON back, leaving the option on with `is_on` false); two reads
        // racing on the second fill at worst both switch it on.
        match self.0.load(Ordering::Relaxed) {
            UNTRIED => {
                let _ = self.0.compare_exchange(
                    UNTRIED,
                    FILLED_ONCE,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                );
            }
            FILLED_ONCE => self.switch_on(stream),
            _ => {}
        }
    }

    #[cold]
    fn switch_on<S: StdStream>(&self, stream: &S) {
        let state = if stream.count_reads() {
            ON
        } else {
            UNAVAILABLE
        };
        self.0.store(state, Ordering::Relaxed);
    }
}

/// `TCP_INQ` and `recvmsg` with its control message (Linux, Android).
#[cfg(any(target_os = "linux", target_os = "android"))]
#[allow(unsafe_code)]
pub(crate) mod sys {
    use std::io::{self, IoSliceMut};
    use std::mem::{size_of, MaybeUninit};
    use std::os::fd::{AsRawFd, BorrowedFd};

    use libc::c_int;

    use super::MAX_BUFS;

    /// Turns `TCP_INQ` on; false if the kernel refuses (before 4.18).
    pub(crate) fn enable(fd: BorrowedFd<'_>) -> bool {
        set(fd, 1)
    }

    /// Turns `TCP_INQ` off again (a socket handed back to its owner, whose own
    /// `recvmsg` calls would otherwise get a control message they did not ask for). A
    /// failure leaves the option on, which is harmless to plain reads.
    pub(crate) fn disable(fd: BorrowedFd<'_>) {
        set(fd, 0);
    }

    /// Sets `TCP_INQ` to `value`; false if the kernel refuses.
    fn set(fd: BorrowedFd<'_>, value: c_int) -> bool {
        // SAFETY: `fd` is an open socket for the call; the option value is a valid
        // `c_int` whose size we pass.
        let rc = unsafe {
            libc::setsockopt(
                fd.as_raw_fd(),
                libc::IPPROTO_TCP,
                libc::TCP_INQ,
                (&raw const value).cast(),
                size_of::<c_int>() as libc::socklen_t,
            )
        };
        rc == 0
    }

    /// Whether `TCP_INQ` is on (for tests).
    #[cfg(test)]
    pub(crate) fn is_enabled(fd: BorrowedFd<'_>) -> bool {
        let mut on: c_int = 0;
        let mut len = size_of::<c_int>() as libc::socklen_t;
        // SAFETY: `fd` is open; `on` and `len` are valid for writes, `len` its size.
        let rc = unsafe {
            libc::getsockopt(
                fd.as_raw_fd(),
                libc::IPPROTO_TCP,
                libc::TCP_INQ,
                (&raw mut on).cast(),
                &raw mut len,
            )
        };
        assert_eq!(rc, 0, "getsockopt(TCP_INQ): {}", io::Error::last_os_error());
        on != 0
    }

    // The shared limit is the kernel's.
    const _: () = assert!(MAX_BUFS == libc::UIO_MAXIOV as usize);

    /// Room for the count's control message (`CMSG_SPACE(sizeof(int))`: 24 bytes on
    /// 64-bit targets) and others the owner may have asked for with socket options
    /// (timestamps, up to 64 bytes), aligned as `cmsghdr`. If they do not all fit, the
    /// kernel says so (`MSG_CTRUNC`) and the read reports no count.
    #[repr(C)]
    struct Control {
        _align: [libc::cmsghdr; 0],
        bytes: [MaybeUninit<u8>; 128],
    }

    /// One `recvmsg` into `bufs` (at most [`MAX_BUFS`] of them): the bytes read, and the
    /// bytes still queued if the kernel said (`TCP_CM_INQ`).
    pub(crate) fn recv_counted(
        fd: BorrowedFd<'_>,
        bufs: &mut [IoSliceMut<'_>],
    ) -> io::Result<(usize, Option<usize>)> {
        debug_assert!(bufs.len() <= MAX_BUFS);
        let mut control = Control {
            _align: [],
            bytes: [MaybeUninit::uninit(); 128],
        };
        // SAFETY: all-zero is a valid `msghdr` (null pointers, zero lengths).
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        // `IoSliceMut` is ABI-compatible with `iovec` on Unix (std's promise).
        msg.msg_iov = bufs.as_mut_ptr().cast();
        msg.msg_iovlen = bufs.len() as _;
        msg.msg_control = control.bytes.as_mut_ptr().cast();
        msg.msg_controllen = control.bytes.len() as _;
        // SAFETY: `fd` is open; `msg` points at `bufs` (valid for writes of their lengths,
        // borrowed mutably for the call) and at `control` (valid for its length).
        let n = unsafe { libc::recvmsg(fd.as_raw_fd(), &raw mut msg, 0) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        // A truncated control area may hold a cut-off count: take none.
        if msg.msg_flags & libc::MSG_CTRUNC != 0 {
            return Ok((n as usize, None));
        }
        // The length a whole count message has (`CMSG_LEN(sizeof(int))`).
        // SAFETY: a pure computation on its argument.
        let count_len = unsafe { libc::CMSG_LEN(size_of::<c_int>() as u32) } as usize;
        let mut queued = None;
        // SAFETY: `msg` is as `recvmsg` left it, untruncated: its control pointer and
        // length describe the messages the kernel wrote into `control`, which the CMSG
        // macros walk within those bounds; a count is read only from a message whose
        // length says its `c_int` is there.
        unsafe {
            let mut cmsg = libc::CMSG_FIRSTHDR(&raw const msg);
            while !cmsg.is_null() {
                if (*cmsg).cmsg_level == libc::SOL_TCP
                    && (*cmsg).cmsg_type == libc::TCP_CM_INQ
                    && (*cmsg).cmsg_len as usize >= count_len
                {
                    let count = libc::CMSG_DATA(cmsg).cast::<c_int>().read_unaligned();
                    // A negative count would be a kernel bug: no count, then.
                    queued = usize::try_from(count).ok();
                }
                cmsg = libc::CMSG_NXTHDR(&raw const msg, cmsg);
            }
        }
        // `recvmsg` returned a byte count, never negative here.
        Ok((n as usize, queued))
    }
}

/// The kernel's side of the contract the clear relies on: the count is exact, and an
/// end-of-stream behind the bytes counts as one.
#[cfg(all(test, any(target_os = "linux", target_os = "android")))]
mod tests {
    use std::io::{IoSliceMut, Write};
    use std::net::{Shutdown, TcpListener, TcpStream};
    use std::os::fd::AsFd;

    use super::sys::{enable, recv_counted};

    fn pair() -> (TcpStream, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let writer = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (reader, _) = listener.accept().unwrap();
        (writer, reader)
    }

    fn read(reader: &TcpStream, len: usize) -> (Vec<u8>, Option<usize>) {
        let mut buf = vec![0; len];
        let (n, left) = recv_counted(reader.as_fd(), &mut [IoSliceMut::new(&mut buf)]).unwrap();
        buf.truncate(n);
        (buf, left)
    }

    /// Blocks until the peer's FIN has arrived (`POLLRDHUP`), for at most ten seconds.
    #[allow(unsafe_code)]
    fn wait_for_fin(reader: &TcpStream) {
        use std::os::fd::AsRawFd;
        let mut fd = libc::pollfd {
            fd: reader.as_raw_fd(),
            events: libc::POLLRDHUP,
            revents: 0,
        };
        // SAFETY: one valid `pollfd`, on a socket open for the call.
        let ready = unsafe { libc::poll(&raw mut fd, 1, 10_000) };
        assert_eq!(ready, 1, "no FIN within ten seconds");
        assert_ne!(fd.revents & libc::POLLRDHUP, 0);
    }

    #[test]
    fn each_read_says_how_many_bytes_are_left() {
        let (mut writer, reader) = pair();
        assert!(enable(reader.as_fd()), "TCP_INQ needs Linux 4.18");
        writer.write_all(&[1; 100]).unwrap();
        // The reader blocks (a std socket): the first read waits for the bytes. Loopback
        // delivers a 100-byte write as one segment.
        assert_eq!(read(&reader, 64), (vec![1; 64], Some(36)));
        assert_eq!(read(&reader, 64), (vec![1; 36], Some(0)));
    }

    #[test]
    fn an_end_of_stream_behind_the_bytes_counts_as_one() {
        let (mut writer, reader) = pair();
        assert!(enable(reader.as_fd()));
        writer.write_all(&[2; 10]).unwrap();
        writer.shutdown(Shutdown::Write).unwrap();
        // Read only once the FIN is there too (a read that saw only the bytes would say
        // 0, and be right for that moment).
        wait_for_fin(&reader);
        assert_eq!(read(&reader, 10), (vec![2; 10], Some(1)));
        assert_eq!(read(&reader, 10), (vec![], Some(1)));
    }

    /// A stream switches the count on at its second read that fills the buffer, not at a
    /// short one nor at the first, and `into_std` switches it off again.
    #[test]
    fn a_second_full_read_switches_the_count_on_and_into_std_off() {
        use futures_lite::{AsyncReadExt, AsyncWriteExt};

        use super::sys::is_enabled;

        crate::run(async {
            let listener = crate::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let mut writer = crate::net::TcpStream::connect(listener.local_addr().unwrap())
                .await
                .unwrap();
            let (mut reader, _) = listener.accept().await.unwrap();
            writer.write_all(&[1; 10]).await.unwrap();
            let mut buf = [0; 64];
            let n = reader.read(&mut buf).await.unwrap();
            assert!(n < buf.len());
            assert!(!is_enabled(reader.as_fd()), "a short read leaves it off");
            writer.write_all(&[2; 64 - 10]).await.unwrap();
            writer.write_all(&[3; 64]).await.unwrap();
            reader.read_exact(&mut buf[n..]).await.unwrap();
            assert!(!is_enabled(reader.as_fd()), "one full read leaves it off");
            reader.read_exact(&mut buf).await.unwrap();
            assert_eq!(buf, [3; 64]);
            assert!(is_enabled(reader.as_fd()), "a second full read turns it on");
            let reader = reader.into_std().unwrap();
            assert!(!is_enabled(reader.as_fd()), "into_std turns it off");
        });
    }

    #[test]
    fn without_the_option_reads_carry_no_count() {
        let (mut writer, reader) = pair();
        writer.write_all(&[3; 8]).unwrap();
        assert_eq!(read(&reader, 8), (vec![3; 8], None));
    }
}
