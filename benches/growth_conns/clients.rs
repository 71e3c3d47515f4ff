//! The load generator: one client thread's connections, driven by its own epoll loop
//! with one request in flight per connection — the same for every runtime.
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};

use crate::MESSAGE;

/// One client thread's connections and its epoll instance.
pub struct Clients {
    epoll: i32,
    streams: Vec<TcpStream>,
    /// Bytes of the current response read so far, per connection.
    got: Vec<usize>,
}

impl Clients {
    pub fn new(streams: Vec<TcpStream>) -> Clients {
        // SAFETY: plain system call; the result is checked.
        let epoll = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        assert!(
            epoll >= 0,
            "epoll_create1: {}",
            std::io::Error::last_os_error()
        );
        for (i, stream) in streams.iter().enumerate() {
            let mut event = libc::epoll_event {
                events: libc::EPOLLIN as u32,
                u64: i as u64,
            };
            // SAFETY: `epoll` and the stream's fd are open; `event` outlives the call.
            let rc = unsafe {
                libc::epoll_ctl(epoll, libc::EPOLL_CTL_ADD, stream.as_raw_fd(), &mut event)
            };
            assert_eq!(rc, 0, "epoll_ctl: {}", std::io::Error::last_os_error());
        }
        let got = vec![0; streams.len()];
        Clients {
            epoll,
            streams,
            got,
        }
    }

    fn send(&self, i: usize) {
        let n = (&self.streams[i]).write(&[0xa5; MESSAGE]).unwrap();
        // A fresh 64-byte write to a socket with one message in flight: always whole.
        assert_eq!(n, MESSAGE, "short write");
    }

    /// Sends one request on every connection, then answers each response with the
    /// next request while `go` holds (once each if `once`), counting round trips.
    pub fn run(&mut self, once: bool, go: &AtomicBool, count: &AtomicU64) {
        for i in 0..self.streams.len() {
            self.send(i);
        }
        let mut waiting = self.streams.len();
        let mut events = vec![libc::epoll_event { events: 0, u64: 0 }; 1024];
        let mut buf = [0u8; MESSAGE];
        while waiting > 0 {
            // SAFETY: `events` has room for 1024 entries.
            let ready = unsafe { libc::epoll_wait(self.epoll, events.as_mut_ptr(), 1024, 100) };
            if ready < 0 {
                let err = std::io::Error::last_os_error();
                assert_eq!(err.kind(), ErrorKind::Interrupted, "epoll_wait: {err}");
                continue;
            }
            let mut done = 0;
            for event in &events[..ready as usize] {
                let i = event.u64 as usize;
                let want = MESSAGE - self.got[i];
                match (&self.streams[i]).read(&mut buf[..want]) {
                    Ok(0) => panic!("the server closed connection {i}"),
                    Ok(k) => self.got[i] += k,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
                    Err(e) => panic!("read: {e}"),
                }
                if self.got[i] < MESSAGE {
                    continue;
                }
                self.got[i] = 0;
                done += 1;
                if !once && go.load(Relaxed) {
                    self.send(i);
                } else {
                    waiting -= 1;
                }
            }
            count.fetch_add(done, Relaxed);
        }
    }
}

impl Drop for Clients {
    fn drop(&mut self) {
        // SAFETY: `epoll` is ours and closed once.
        unsafe { libc::close(self.epoll) };
    }
}
