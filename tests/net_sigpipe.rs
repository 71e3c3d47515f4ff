//! A write to a stream whose peer has gone returns an error; it never raises SIGPIPE,
//! for every way eddy makes a stream. Linux's std sends with `MSG_NOSIGNAL`; on Apple the
//! sockets carry `SO_NOSIGPIPE` instead (std and socket2 set it on the sockets they make,
//! accepted sockets inherit it, and eddy sets it on `UnixStream::pair`, which std leaves
//! without).
//!
//! Its own test binary: it restores SIGPIPE's default action (the process dies), which
//! Rust's runtime sets to "ignore" before `main`, hiding the signal from the other tests.
//! A SIGPIPE here kills the binary, and the run fails with "signal: 13".
//!
//! Unix only: Windows has no SIGPIPE.
#![cfg(unix)]

mod support;

use std::io::{self, ErrorKind};

use eddy::net::{TcpListener, TcpStream, UnixListener, UnixStream};
use futures_lite::{AsyncWrite, AsyncWriteExt};
use support::{runtime, socket_dir, with_timeout, LIMIT};

/// Makes SIGPIPE kill the process again, as in a C program that embeds eddy.
fn sigpipe_kills() {
    // SAFETY: `signal` with SIG_DFL installs no handler, so no handler can run in an
    // unexpected state; no test in this binary relies on SIGPIPE being ignored.
    let previous = unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    assert_ne!(previous, libc::SIG_ERR, "{}", io::Error::last_os_error());
}

/// Writes to `stream`, whose peer is gone, until the OS refuses: over TCP the first
/// writes may still be accepted, until the peer's reset arrives.
async fn write_until_refused(mut stream: impl AsyncWrite + Unpin) -> io::Error {
    loop {
        if let Err(err) = stream.write_all(b"anyone there?").await {
            return err;
        }
    }
}

fn assert_peer_gone(err: &io::Error) {
    assert!(
        matches!(
            err.kind(),
            ErrorKind::BrokenPipe | ErrorKind::ConnectionReset
        ),
        "{err:?}"
    );
}

#[test]
fn a_write_to_a_closed_unix_pair_peer_is_an_error_not_sigpipe() {
    sigpipe_kills();
    with_timeout(LIMIT, || {
        runtime(1).block_on(async {
            let (a, b) = UnixStream::pair().unwrap();
            drop(b);
            assert_peer_gone(&write_until_refused(a).await);
        });
    });
}

#[test]
fn a_write_to_a_closed_unix_peer_is_an_error_not_sigpipe_on_either_side() {
    sigpipe_kills();
    with_timeout(LIMIT, || {
        let dir = socket_dir("sigpipe");
        let path = dir.join("peer.sock");
        runtime(1).block_on(async {
            let listener = UnixListener::bind(&path).unwrap();
            // The connecting side writes to an accepted stream that was dropped ...
            let client = UnixStream::connect(&path).await.unwrap();
            drop(listener.accept().await.unwrap());
            assert_peer_gone(&write_until_refused(client).await);
            // ... and the accepted side to a connecting stream that was dropped.
            let client = UnixStream::connect(&path).await.unwrap();
            let (accepted, _) = listener.accept().await.unwrap();
            drop(client);
            assert_peer_gone(&write_until_refused(accepted).await);
        });
        std::fs::remove_dir_all(&dir).unwrap();
    });
}

#[test]
fn a_write_to_a_closed_tcp_peer_is_an_error_not_sigpipe_on_either_side() {
    sigpipe_kills();
    with_timeout(LIMIT, || {
        runtime(1).block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let client = TcpStream::connect(addr).await.unwrap();
            drop(listener.accept().await.unwrap());
            assert_peer_gone(&write_until_refused(client).await);
            let client = TcpStream::connect(addr).await.unwrap();
            let (accepted, _) = listener.accept().await.unwrap();
            drop(client);
            assert_peer_gone(&write_until_refused(accepted).await);
        });
    });
}
