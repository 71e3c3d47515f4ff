//! The short-read rule over real sockets (`Registration::poll_stream_read`): a stream read
//! that returns fewer bytes than asked ends a read burst where the backend allows it
//! (`Reactor::short_reads_drain`), and never hides an end-of-stream queued behind the
//! bytes, on every backend (`EDDY_IO_BACKEND` picks one, `common::reactor`).
//!
//! Unix only: half of each test runs over a Unix socket pair.
#![cfg(unix)]

mod common;

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::task::{Context, Poll};

use common::{within_timeout, Flag, HANG};
use eddy_reactor::{Backend, Reactor, Registration};

/// A registered reader over a Unix socket pair, and its plain peer.
fn unix_reader(reactor: &Arc<Reactor>) -> (Registration<UnixStream>, UnixStream) {
    let (a, b) = UnixStream::pair().unwrap();
    (Registration::new(a, reactor.clone()).unwrap(), b)
}

/// A registered reader over TCP loopback, and its plain peer.
fn tcp_reader(reactor: &Arc<Reactor>) -> (Registration<TcpStream>, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    (Registration::new(server, reactor.clone()).unwrap(), client)
}

/// `poll_stream_read` into a 16-byte buffer, counting syscalls.
fn stream_read<T>(
    a: &Registration<T>,
    cx: &mut Context<'_>,
    calls: &std::cell::Cell<usize>,
) -> Poll<io::Result<usize>>
where
    T: std::os::fd::AsFd,
    for<'a> &'a T: Read,
{
    a.poll_stream_read(cx, 16, |mut s| {
        calls.set(calls.get() + 1);
        s.read(&mut [0; 16])
    })
}

/// A stream read that returns fewer bytes than asked clears readiness, so the next read
/// waits without a syscall (one `read` per message, as in tokio).
#[test]
fn a_short_stream_read_clears_readiness() {
    fn check<T>(a: Registration<T>, mut peer: impl Write, reactor: &Reactor)
    where
        T: std::os::fd::AsFd,
        for<'a> &'a T: Read,
    {
        let (_flag, waker) = Flag::new();
        let mut cx = Context::from_waker(&waker);
        let calls = std::cell::Cell::new(0);
        peer.write_all(b"abc").unwrap();
        reactor.poll(Some(HANG)).unwrap();
        assert!(matches!(
            stream_read(&a, &mut cx, &calls),
            Poll::Ready(Ok(3))
        ));
        assert!(stream_read(&a, &mut cx, &calls).is_pending());
        if reactor.short_reads_drain() {
            assert_eq!(
                calls.get(),
                1,
                "a short read drained the socket: no second syscall"
            );
        } else {
            // `polling` in edge mode: the rule is off, the second read says WouldBlock.
            assert_eq!(
                calls.get(),
                2,
                "without the rule, the second read makes a syscall"
            );
        }
    }
    within_timeout(|| {
        let reactor = Arc::new(common::reactor());
        let (a, b) = unix_reader(&reactor);
        check(a, b, &reactor);
        let (a, b) = tcp_reader(&reactor);
        check(a, b, &reactor);
    });
}

/// The case the short-read rule must not break: the peer's bytes and then its FIN arrive
/// before the read, and one round reports both. The short read returns the bytes and would
/// clear readiness; the read-closed flag (`EPOLLRDHUP`) keeps it, so end-of-stream is read
/// next instead of never.
#[test]
fn a_fin_queued_behind_a_short_read_is_still_seen() {
    within_timeout(|| {
        let reactor = Arc::new(common::reactor());
        let (_flag, waker) = Flag::new();
        let mut cx = Context::from_waker(&waker);
        let calls = std::cell::Cell::new(0);

        // Unix: the bytes and the FIN are queued by the time the calls return, so the one
        // round reports both, and end-of-stream must follow the short read at once.
        let (a, mut b) = unix_reader(&reactor);
        b.write_all(b"bye").unwrap();
        b.shutdown(std::net::Shutdown::Write).unwrap();
        reactor.poll(Some(HANG)).unwrap();
        assert!(matches!(
            stream_read(&a, &mut cx, &calls),
            Poll::Ready(Ok(3))
        ));
        if reactor.backend() == Backend::Epoll {
            // The round reported the FIN (`EPOLLRDHUP`): the short read did not clear.
            assert!(
                matches!(stream_read(&a, &mut cx, &calls), Poll::Ready(Ok(0))),
                "end-of-stream hidden behind a short read"
            );
        } else {
            // No half-close event: the read either makes the syscall (edge mode, rule off)
            // or waits and its arming reports the FIN at once (one-shot).
            read_to_end_of_stream(&reactor, &a, &mut cx, &calls);
        }

        // TCP loopback: the FIN may trail the bytes. A pending read is right only while
        // it has not been reported, and then a round must deliver it and wake the reader.
        let (a, mut b) = tcp_reader(&reactor);
        b.write_all(b"bye").unwrap();
        b.shutdown(std::net::Shutdown::Write).unwrap();
        reactor.poll(Some(HANG)).unwrap();
        assert!(matches!(
            stream_read(&a, &mut cx, &calls),
            Poll::Ready(Ok(3))
        ));
        read_to_end_of_stream(&reactor, &a, &mut cx, &calls);
    });
}

/// Stream reads until end-of-stream; each pending read must be followed by a round that
/// wakes it (an end-of-stream that no round reports would fail the test, not hang it).
fn read_to_end_of_stream<T>(
    reactor: &Reactor,
    a: &Registration<T>,
    cx: &mut Context<'_>,
    calls: &std::cell::Cell<usize>,
) where
    T: std::os::fd::AsFd,
    for<'a> &'a T: Read,
{
    loop {
        match stream_read(a, cx, calls) {
            Poll::Ready(Ok(0)) => break,
            Poll::Pending => assert_eq!(
                reactor.poll(Some(HANG)).unwrap(),
                1,
                "end-of-stream hidden behind a short read"
            ),
            other => panic!("unexpected read: {other:?}"),
        }
    }
}
