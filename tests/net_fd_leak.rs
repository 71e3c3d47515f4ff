//! No fd leaks: the open fds counted around 5,000 connect / accept / drop cycles.
//!
//! Its own test binary: the count is process-wide, so no other test may run beside it.

mod support;

use eddy::net::{TcpListener, TcpStream};
use eddy_test_support::process::open_fds;
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use support::{runtime, with_timeout, LIMIT};

#[test]
fn no_fd_leaks_over_5000_connect_accept_drop_cycles() {
    with_timeout(LIMIT, || {
        let rt = runtime(2);
        let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        let before = open_fds();
        rt.block_on(async move {
            let server = eddy::spawn(async move {
                for _ in 0..5000 {
                    let (mut stream, _) = listener.accept().await.unwrap();
                    stream.write_all(b"k").await.unwrap();
                }
            });
            for _ in 0..5000 {
                let mut stream = TcpStream::connect(addr).await.unwrap();
                let mut byte = [0; 1];
                stream.read_exact(&mut byte).await.unwrap();
            }
            server.await.unwrap();
        });
        assert_eq!(rt.handle().io_sources(), 0);
        // The listener moved into the server task and is closed now: one fd fewer.
        assert_eq!(open_fds(), before - 1);
    });
}
