//! `accept` when the process is out of file descriptors: the error reaches the caller,
//! nothing spins, and the listener works again once descriptors are freed.
//!
//! Its own test binary: it lowers the process's fd limit.
//!
//! Unix only: it lowers `RLIMIT_NOFILE` through libc.
#![cfg(unix)]

mod support;

use std::fs::File;
use std::io::ErrorKind;
use std::time::Duration;

use eddy::net::TcpListener;
use eddy_test_support::process::open_fds;
use support::{runtime, with_timeout, LIMIT};

/// Lowers the soft `RLIMIT_NOFILE` to `limit`.
fn set_fd_limit(limit: usize) {
    let mut rlim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes a `rlimit` into the valid, exclusively borrowed `rlim`.
    let got = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut rlim) };
    assert_eq!(got, 0);
    // `rlim_t` is u64 on Linux and macOS, i64 on FreeBSD.
    let limit = libc::rlim_t::try_from(limit).expect("a limit that fits rlim_t");
    rlim.rlim_cur = limit.min(rlim.rlim_max);
    // SAFETY: setrlimit only reads the valid `rlim`.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &rlim) }, 0);
}

#[test]
fn accept_out_of_fds_returns_the_error_and_recovers() {
    with_timeout(LIMIT, || {
        let rt = runtime(2);
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            // Two connections wait in the kernel's queue.
            let _one = std::net::TcpStream::connect(addr).unwrap();
            let _two = std::net::TcpStream::connect(addr).unwrap();

            // Use up every descriptor under a lowered limit.
            set_fd_limit(open_fds() + 16);
            let mut hog = Vec::new();
            loop {
                match File::open("/dev/null") {
                    Ok(file) => hog.push(file),
                    Err(err) => {
                        assert_eq!(err.raw_os_error(), Some(libc::EMFILE));
                        break;
                    }
                }
            }

            // Each accept reports EMFILE at once; the pending connection stays queued.
            for _ in 0..3 {
                let err = eddy::time::timeout(Duration::from_secs(10), listener.accept())
                    .await
                    .expect("accept must fail promptly, not wait")
                    .unwrap_err();
                assert_eq!(err.raw_os_error(), Some(libc::EMFILE), "{err}");
                assert_ne!(err.kind(), ErrorKind::WouldBlock);
            }
            // Timers and wake-ups still work while the process is out of fds.
            eddy::time::sleep(Duration::from_millis(1)).await;
            eddy::spawn(async {}).await.unwrap();

            // Free some descriptors: both queued connections are accepted.
            hog.truncate(hog.len().saturating_sub(8));
            let (first, _) = listener.accept().await.unwrap();
            let (second, _) = listener.accept().await.unwrap();
            assert_ne!(first.peer_addr().unwrap(), second.peer_addr().unwrap());
        });
    });
}
