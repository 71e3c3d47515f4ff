//! No fd or source is leaked across many register/drop cycles. Alone in its file (its own
//! process), so other tests' sockets cannot move the fd count.

mod common;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::Arc;

use common::{within_timeout, Driver};
use eddy_reactor::Registration;
use futures_lite::future::block_on;

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

#[test]
fn a_thousand_register_drop_cycles_leak_no_fd_and_no_source() {
    within_timeout(|| {
        let reactor = Arc::new(common::reactor());
        let driver = Driver::start(&reactor);
        let before = open_fds();
        for i in 0..1000u32 {
            let (a, b) = UnixStream::pair().unwrap();
            let a = Registration::new(a, reactor.clone()).unwrap();
            let b = Registration::new(b, reactor.clone()).unwrap();
            if i % 10 == 0 {
                // Some cycles wait on the reactor, so sources are dropped while armed.
                block_on(async {
                    b.write_with(|mut s| s.write(&i.to_le_bytes()))
                        .await
                        .unwrap();
                    let mut buf = [0; 4];
                    a.read_with(|mut s| s.read(&mut buf)).await.unwrap();
                    assert_eq!(u32::from_le_bytes(buf), i);
                });
            }
            assert_eq!(reactor.sources(), 2);
            drop(a);
            drop(b);
            assert_eq!(reactor.sources(), 0);
        }
        drop(driver);
        assert_eq!(open_fds(), before, "fds leaked");
    });
}
