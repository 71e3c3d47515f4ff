//! `Registration<T>` and `Source` over real sockets: readiness, round trips, partial writes, the
//! WouldBlock-then-register gap, several waiters, deregistration and hang-ups.
//!
//! Unix only: most tests run over Unix socket pairs.
#![cfg(unix)]

mod common;

use std::future::Future;
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::net::UnixStream;
use std::pin::Pin;
use std::sync::{mpsc, Arc};
use std::task::{Context, Poll};
use std::thread;

use common::{within_timeout, Driver, Flag, HANG};
use eddy_reactor::{Direction, Reactor, Registration, Source};
use futures_lite::future::block_on;

fn pair(reactor: &Arc<Reactor>) -> (Registration<UnixStream>, Registration<UnixStream>) {
    let (a, b) = UnixStream::pair().unwrap();
    (
        Registration::new(a, reactor.clone()).unwrap(),
        Registration::new(b, reactor.clone()).unwrap(),
    )
}

fn tcp_pair(reactor: &Arc<Reactor>) -> (Registration<TcpStream>, Registration<TcpStream>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    (
        Registration::new(client, reactor.clone()).unwrap(),
        Registration::new(server, reactor.clone()).unwrap(),
    )
}

fn would_block<T>(result: io::Result<T>) -> bool {
    matches!(result, Err(ref e) if e.kind() == io::ErrorKind::WouldBlock)
}

fn poll_ready(
    source: &Source,
    reactor: &Reactor,
    dir: Direction,
    waker: &std::task::Waker,
) -> Poll<io::Result<()>> {
    source.poll_ready(reactor, dir, &mut Context::from_waker(waker))
}

#[test]
fn a_reader_becomes_readable_after_the_peer_writes() {
    within_timeout(|| {
        let reactor = Arc::new(common::reactor());
        let (a, b) = pair(&reactor);
        let _driver = Driver::start(&reactor);
        let reader = thread::spawn(move || {
            block_on(async {
                a.readable().await.unwrap();
                let mut buf = [0; 8];
                let n = a.read_with(|mut s| s.read(&mut buf)).await.unwrap();
                buf[..n].to_vec()
            })
        });
        b.get_ref().write_all(b"hello").unwrap();
        assert_eq!(reader.join().unwrap(), b"hello");
    });
}

#[test]
fn a_fresh_socket_is_writable_once_interest_is_armed() {
    within_timeout(|| {
        let reactor = Arc::new(common::reactor());
        let (client, _server) = tcp_pair(&reactor);
        let _driver = Driver::start(&reactor);
        block_on(client.writable()).unwrap();
    });
}

#[test]
fn read_with_and_write_with_round_trip_over_tcp() {
    within_timeout(|| {
        let reactor = Arc::new(common::reactor());
        let (client, server) = tcp_pair(&reactor);
        let _driver = Driver::start(&reactor);
        let echo = thread::spawn(move || {
            block_on(async {
                let mut buf = [0; 64];
                loop {
                    let n = server.read_with(|mut s| s.read(&mut buf)).await.unwrap();
                    if n == 0 {
                        break;
                    }
                    let mut sent = 0;
                    while sent < n {
                        sent += server
                            .write_with(|mut s| s.write(&buf[sent..n]))
                            .await
                            .unwrap();
                    }
                }
            })
        });
        block_on(async {
            for round in 0..100u32 {
                let message = format!("message {round}");
                client
                    .write_with(|mut s| s.write_all(message.as_bytes()))
                    .await
                    .unwrap();
                let mut got = Vec::new();
                while got.len() < message.len() {
                    let mut buf = [0; 64];
                    let n = client.read_with(|mut s| s.read(&mut buf)).await.unwrap();
                    assert_ne!(n, 0, "the echo closed early");
                    got.extend_from_slice(&buf[..n]);
                }
                assert_eq!(got, message.as_bytes());
            }
        });
        client
            .get_ref()
            .shutdown(std::net::Shutdown::Write)
            .unwrap();
        echo.join().unwrap();
    });
}

#[test]
fn a_large_write_goes_through_in_partial_writes() {
    const LEN: usize = 8 << 20;
    within_timeout(|| {
        let reactor = Arc::new(common::reactor());
        let (a, b) = pair(&reactor);
        let _driver = Driver::start(&reactor);
        let data: Vec<u8> = (0..LEN).map(|i| (i * 31 % 251) as u8).collect();
        let expected = data.clone();
        let writer = thread::spawn(move || {
            block_on(async {
                let mut sent = 0;
                let mut writes = 0;
                while sent < data.len() {
                    sent += b.write_with(|mut s| s.write(&data[sent..])).await.unwrap();
                    writes += 1;
                }
                writes
            })
        });
        let received = block_on(async {
            let mut received = Vec::with_capacity(LEN);
            let mut buf = vec![0; 64 << 10];
            while received.len() < LEN {
                let n = a.read_with(|mut s| s.read(&mut buf)).await.unwrap();
                assert_ne!(n, 0);
                received.extend_from_slice(&buf[..n]);
            }
            received
        });
        let writes = writer.join().unwrap();
        assert!(writes > 1, "8 MiB cannot fit a socket buffer in one write");
        assert!(
            received == expected,
            "the bytes arrived altered or out of order"
        );
    });
}

#[test]
fn readiness_arriving_between_would_block_and_registration_is_not_lost() {
    within_timeout(|| {
        let reactor = common::reactor();
        let (a, mut b) = UnixStream::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        // SAFETY: `a` stays open until after the source is deregistered below.
        let source = unsafe { reactor.register(std::os::fd::AsFd::as_fd(&a)) }.unwrap();
        let (flag, waker) = Flag::new();

        // The read says WouldBlock; the bytes arrive before the task registers.
        assert!(would_block((&a).read(&mut [0; 4])));
        b.write_all(b"late").unwrap();
        assert!(poll_ready(&source, &reactor, Direction::Read, &waker).is_pending());
        // The edge of the write (with the one registration queued) waits in the poller:
        // the next round delivers it and wakes the waiter.
        assert_eq!(reactor.poll(Some(HANG)).unwrap(), 1);
        assert_eq!(flag.take(), 1);
        assert!(matches!(
            poll_ready(&source, &reactor, Direction::Read, &waker),
            Poll::Ready(Ok(()))
        ));
        assert_eq!((&a).read(&mut [0; 4]).unwrap(), 4);
        reactor.deregister(&source).unwrap();
    });
}

#[test]
fn readiness_delivered_to_another_waiter_in_the_gap_is_not_lost() {
    within_timeout(|| {
        let reactor = Arc::new(common::reactor());
        let (a, mut b) = UnixStream::pair().unwrap();
        let a = Registration::new(a, reactor.clone()).unwrap();
        let (first_flag, first) = Flag::new();
        let (late_flag, late) = Flag::new();

        // A first task waits on readability.
        assert!(poll_ready(a.source(), &reactor, Direction::Read, &first).is_pending());
        // A second task's read says WouldBlock (the direction is cleared); then the bytes
        // arrive and the round delivers their edge, waking the first task only. The
        // edge is reported once and never again (edge-triggered).
        let mut cx = Context::from_waker(&late);
        let mut buf = [0; 4];
        let read = a.poll_io(Direction::Read, &mut cx, |mut s| s.read(&mut buf));
        assert!(read.is_pending());
        b.write_all(b"data").unwrap();
        assert_eq!(reactor.poll(Some(HANG)).unwrap(), 2, "both waiters woken");
        assert_eq!((first_flag.take(), late_flag.take()), (1, 1));
        // A third task that registers only now still sees the readiness: the bit stays
        // set until an operation says WouldBlock.
        let (_third_flag, third) = Flag::new();
        assert!(matches!(
            poll_ready(a.source(), &reactor, Direction::Read, &third),
            Poll::Ready(Ok(()))
        ));
        let read = a.poll_io(Direction::Read, &mut cx, |mut s| s.read(&mut buf));
        assert!(matches!(read, Poll::Ready(Ok(4))));
    });
}

#[test]
fn an_operation_on_a_cleared_direction_waits_without_a_syscall() {
    within_timeout(|| {
        let reactor = Arc::new(common::reactor());
        let (a, mut b) = pair(&reactor);
        let (flag, waker) = Flag::new();
        let mut cx = Context::from_waker(&waker);
        let calls = std::cell::Cell::new(0);
        let mut read = |s: &UnixStream| {
            calls.set(calls.get() + 1);
            let mut s = s;
            s.read(&mut [0; 8])
        };
        // The first round delivers the registration's edge (writable only).
        reactor.poll(Some(std::time::Duration::ZERO)).unwrap();
        assert!(a.poll_io(Direction::Read, &mut cx, &mut read).is_pending());
        assert!(a.poll_io(Direction::Read, &mut cx, &mut read).is_pending());
        assert_eq!(
            calls.get(),
            1,
            "known not readable: the second poll made no syscall"
        );
        b.get_mut().write_all(b"x").unwrap();
        assert_eq!(reactor.poll(Some(HANG)).unwrap(), 1);
        assert_eq!(flag.take(), 1);
        assert!(matches!(
            a.poll_io(Direction::Read, &mut cx, &mut read),
            Poll::Ready(Ok(1))
        ));
    });
}

#[test]
fn try_io_would_block_clears_a_spurious_readable() {
    within_timeout(|| {
        let reactor = Arc::new(common::reactor());
        let (a, mut b) = pair(&reactor);
        let (_flag, waker) = Flag::new();
        b.get_mut().write_all(b"x").unwrap();
        reactor.poll(Some(HANG)).unwrap();
        // Read around the reactor: the ready bit stays set, so readable() is spurious.
        a.get_ref().read_exact(&mut [0; 1]).unwrap();
        let readable = |a: &Registration<UnixStream>| {
            a.source()
                .poll_ready(&reactor, Direction::Read, &mut Context::from_waker(&waker))
        };
        assert!(matches!(readable(&a), Poll::Ready(Ok(()))));
        let error = a
            .try_io(Direction::Read, |mut s| s.read(&mut [0; 1]))
            .unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::WouldBlock);
        assert!(readable(&a).is_pending(), "cleared by the WouldBlock");
    });
}

#[test]
fn two_waiters_on_one_direction_are_both_woken() {
    within_timeout(|| {
        let reactor = common::reactor();
        let (a, mut b) = UnixStream::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        // SAFETY: `a` stays open until after the source is deregistered below.
        let source = unsafe { reactor.register(std::os::fd::AsFd::as_fd(&a)) }.unwrap();
        let (flag_1, waker_1) = Flag::new();
        let (flag_2, waker_2) = Flag::new();
        assert!(poll_ready(&source, &reactor, Direction::Read, &waker_1).is_pending());
        assert!(poll_ready(&source, &reactor, Direction::Read, &waker_2).is_pending());
        b.write_all(b"x").unwrap();
        assert_eq!(reactor.poll(Some(HANG)).unwrap(), 2);
        assert_eq!((flag_1.take(), flag_2.take()), (1, 1));
        reactor.deregister(&source).unwrap();
    });
}

#[test]
fn two_tasks_awaiting_readable_on_a_shared_socket_both_finish() {
    within_timeout(|| {
        let reactor = Arc::new(common::reactor());
        let (a, b) = pair(&reactor);
        let a = Arc::new(a);
        let _driver = Driver::start(&reactor);
        let (pending_tx, pending_rx) = mpsc::channel();
        let tasks: Vec<_> = (0..2)
            .map(|_| {
                let (a, pending_tx) = (a.clone(), pending_tx.clone());
                thread::spawn(move || block_on(SignalPending::new(a.readable(), pending_tx)))
            })
            .collect();
        // Both tasks have registered (their first poll returned Pending) before the write.
        for _ in 0..2 {
            pending_rx.recv().unwrap();
        }
        b.get_ref().write_all(b"x").unwrap();
        for task in tasks {
            task.join().unwrap().unwrap();
        }
    });
}

/// A future that reports, once, that its first poll returned `Pending`.
struct SignalPending<F> {
    inner: Pin<Box<F>>,
    pending: Option<mpsc::Sender<()>>,
}

impl<F: Future> SignalPending<F> {
    fn new(inner: F, pending: mpsc::Sender<()>) -> Self {
        SignalPending {
            inner: Box::pin(inner),
            pending: Some(pending),
        }
    }
}

impl<F: Future> Future for SignalPending<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let poll = self.inner.as_mut().poll(cx);
        if poll.is_pending() {
            if let Some(pending) = self.pending.take() {
                pending.send(()).unwrap();
            }
        }
        poll
    }
}

#[test]
fn deregister_wakes_waiters_with_an_error() {
    within_timeout(|| {
        let reactor = common::reactor();
        let (a, _b) = UnixStream::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        // SAFETY: `a` stays open until after the source is deregistered below.
        let source = unsafe { reactor.register(std::os::fd::AsFd::as_fd(&a)) }.unwrap();
        let (flag, waker) = Flag::new();
        assert!(poll_ready(&source, &reactor, Direction::Read, &waker).is_pending());
        assert!(poll_ready(&source, &reactor, Direction::Write, &waker).is_pending());
        assert_eq!(reactor.sources(), 1);
        reactor.deregister(&source).unwrap();
        assert_eq!(reactor.sources(), 0);
        assert_eq!(flag.take(), 2, "one wake per waiting direction");
        for dir in [Direction::Read, Direction::Write] {
            match poll_ready(&source, &reactor, dir, &waker) {
                Poll::Ready(Err(error)) => {
                    assert_eq!(error.kind(), io::ErrorKind::Other);
                    assert!(error.to_string().contains("deregistered"), "{error}");
                }
                other => panic!("expected the deregistered error, got {other:?}"),
            }
        }
        reactor.deregister(&source).unwrap();
    });
}

#[test]
fn a_task_blocked_on_a_deregistered_source_gets_the_error() {
    within_timeout(|| {
        let reactor = Arc::new(common::reactor());
        let (a, _b) = pair(&reactor);
        let a = Arc::new(a);
        let _driver = Driver::start(&reactor);
        let task = thread::spawn({
            let a = a.clone();
            move || block_on(a.readable())
        });
        // Whether the task registered before or after, it ends with the error.
        reactor.deregister(a.source()).unwrap();
        let error = task.join().unwrap().unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::Other);
    });
}

#[test]
fn a_hang_up_wakes_the_reader_which_reads_eof() {
    within_timeout(|| {
        let reactor = common::reactor();
        let (a, b) = UnixStream::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        // SAFETY: `a` stays open until after the source is deregistered below.
        let source = unsafe { reactor.register(std::os::fd::AsFd::as_fd(&a)) }.unwrap();
        let (flag, waker) = Flag::new();
        assert!(would_block((&a).read(&mut [0; 4])));
        assert!(poll_ready(&source, &reactor, Direction::Read, &waker).is_pending());
        drop(b);
        assert_eq!(reactor.poll(Some(HANG)).unwrap(), 1);
        assert_eq!(flag.take(), 1);
        assert!(matches!(
            poll_ready(&source, &reactor, Direction::Read, &waker),
            Poll::Ready(Ok(()))
        ));
        assert_eq!((&a).read(&mut [0; 4]).unwrap(), 0, "EOF");
        reactor.deregister(&source).unwrap();
    });
}

#[test]
fn a_hang_up_wakes_a_blocked_writer_which_sees_the_error() {
    within_timeout(|| {
        let reactor = common::reactor();
        let (a, b) = UnixStream::pair().unwrap();
        a.set_nonblocking(true).unwrap();
        // SAFETY: `a` stays open until after the source is deregistered below.
        let source = unsafe { reactor.register(std::os::fd::AsFd::as_fd(&a)) }.unwrap();
        let chunk = [0u8; 64 << 10];
        while !would_block((&a).write(&chunk)) {}
        let (flag, waker) = Flag::new();
        assert!(poll_ready(&source, &reactor, Direction::Write, &waker).is_pending());
        drop(b);
        assert_eq!(reactor.poll(Some(HANG)).unwrap(), 1);
        assert_eq!(flag.take(), 1);
        let error = (&a).write(&chunk).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::BrokenPipe);
        reactor.deregister(&source).unwrap();
    });
}

#[test]
fn a_hang_up_ends_a_read_with_future_with_zero_bytes() {
    within_timeout(|| {
        let reactor = Arc::new(common::reactor());
        let (a, b) = pair(&reactor);
        let _driver = Driver::start(&reactor);
        let reader = thread::spawn(move || block_on(a.read_with(|mut s| s.read(&mut [0; 4]))));
        drop(b);
        assert_eq!(reader.join().unwrap().unwrap(), 0);
    });
}

/// An fd registered a second time is refused (epoll says `EEXIST`; `polling` refuses it
/// before any system call on kqueue and Windows), and the refusal takes nothing from the
/// first registration: its reader still gets the bytes, and no source is left behind.
#[test]
fn registering_an_fd_twice_is_refused_and_the_first_registration_still_works() {
    use std::os::fd::AsFd;

    within_timeout(|| {
        let reactor = Arc::new(common::reactor());
        let (a, b) = pair(&reactor);
        let _driver = Driver::start(&reactor);
        // SAFETY: `a` owns the fd and outlives this (refused) registration.
        let again = unsafe { reactor.register(a.get_ref().as_fd()) };
        assert!(again.is_err(), "the fd was registered twice");
        assert_eq!(reactor.sources(), 2);
        b.get_ref().write_all(b"still here").unwrap();
        let heard = block_on(async {
            let mut buf = [0; 16];
            let n = a.read_with(|mut s| s.read(&mut buf)).await.unwrap();
            buf[..n].to_vec()
        });
        assert_eq!(heard, b"still here");
    });
}

#[test]
fn into_inner_deregisters_and_returns_the_io() {
    let reactor = Arc::new(common::reactor());
    let (a, mut b) = pair(&reactor);
    assert_eq!(reactor.sources(), 2);
    let mut a = a.into_inner().unwrap();
    assert_eq!(reactor.sources(), 1);
    b.get_mut().write_all(b"!").unwrap();
    let mut buf = [0; 1];
    a.read_exact(&mut buf).unwrap();
    drop(b);
    assert_eq!(reactor.sources(), 0);
}

#[test]
fn reactor_source_and_async_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Reactor>();
    send_sync::<Source>();
    send_sync::<Registration<TcpStream>>();
    send_sync::<Direction>();
}

#[test]
fn debug_output_names_the_types() {
    let reactor = Arc::new(common::reactor());
    let (a, _b) = pair(&reactor);
    assert!(format!("{reactor:?}").contains("Reactor"));
    assert!(format!("{:?}", a.source()).contains("Source"));
    assert!(format!("{a:?}").contains("Registration"));
}
