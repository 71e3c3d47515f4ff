//! The readiness API (tokio's): eddy::io::{Interest, Ready}, and ready / try_io /
//! async_io / poll_*_ready on TcpStream, UdpSocket, UnixStream and UnixDatagram; the
//! UnixListener's incoming stream; UnwindSafe on the net, fs and io types.

mod support;

use std::io::{ErrorKind, Read, Write};
use std::panic::{RefUnwindSafe, UnwindSafe};

use eddy::io::{Interest, Ready};
use eddy::net::{TcpListener, TcpStream, UdpSocket};
use futures_lite::future::poll_once;
use support::{runtime, with_timeout, LIMIT};

#[test]
fn interest_and_ready_combine_as_tokios_do() {
    let both = Interest::READABLE | Interest::WRITABLE;
    assert!(both.is_readable() && both.is_writable());
    assert_eq!(Interest::READABLE.add(Interest::WRITABLE), both);
    assert_eq!(both.remove(Interest::WRITABLE), Some(Interest::READABLE));
    assert_eq!(Interest::WRITABLE.remove(Interest::WRITABLE), None);
    let mut interest = Interest::READABLE;
    interest |= Interest::WRITABLE;
    assert_eq!(interest, both);
    assert_eq!(format!("{both:?}"), "READABLE | WRITABLE");

    assert!(Ready::EMPTY.is_empty());
    let ready = Ready::READABLE | Ready::READ_CLOSED;
    assert!(ready.is_readable() && ready.is_read_closed() && !ready.is_writable());
    assert!(Ready::WRITE_CLOSED.is_writable() && Ready::WRITE_CLOSED.is_write_closed());
    assert_eq!(
        (Ready::ALL - Ready::READABLE) & Ready::READABLE,
        Ready::EMPTY
    );
    assert!(Ready::ALL.is_readable() && Ready::ALL.is_writable());
}

async fn tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server)
}

#[test]
fn ready_reports_what_the_socket_is_ready_for() {
    with_timeout(LIMIT, || {
        runtime(2).block_on(async {
            let (a, b) = tcp_pair().await;
            let ready = a.ready(Interest::WRITABLE).await.unwrap();
            assert!(ready.is_writable() && !ready.is_readable());
            b.try_write(b"x").unwrap();
            let ready = a.ready(Interest::READABLE).await.unwrap();
            assert!(ready.is_readable() && !ready.is_writable());
            let both = a
                .ready(Interest::READABLE | Interest::WRITABLE)
                .await
                .unwrap();
            assert!(both.is_readable() && both.is_writable());
        })
    });
}

#[test]
fn a_would_block_from_try_io_makes_ready_wait_for_the_next_edge() {
    with_timeout(LIMIT, || {
        runtime(2).block_on(async {
            let (a, b) = tcp_pair().await;
            let mut buf = [0; 16];
            // Whatever readiness the connect left, a `WouldBlock` inside try_io clears it.
            let err = a
                .try_io(Interest::READABLE, || a.try_read(&mut buf))
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::WouldBlock);
            assert!(poll_once(a.ready(Interest::READABLE)).await.is_none());
            // The closure's own error passes through untouched.
            let err = a
                .try_io(Interest::WRITABLE, || {
                    Err::<(), _>(std::io::Error::other("mine"))
                })
                .unwrap_err();
            assert_eq!(err.to_string(), "mine");

            b.try_write(b"edge").unwrap();
            assert!(a.ready(Interest::READABLE).await.unwrap().is_readable());
            let n = a
                .try_io(Interest::READABLE, || a.try_read(&mut buf))
                .unwrap();
            assert_eq!(&buf[..n], b"edge");
        })
    });
}

#[test]
fn async_io_retries_until_the_operation_goes_through() {
    with_timeout(LIMIT, || {
        runtime(2).block_on(async {
            let (a, b) = tcp_pair().await;
            let writer = eddy::spawn(async move {
                b.writable().await.unwrap();
                b.try_write(b"later").unwrap();
                b
            });
            let mut buf = [0; 16];
            let n = a
                .async_io(Interest::READABLE, || a.try_read(&mut buf))
                .await
                .unwrap();
            assert_eq!(&buf[..n], b"later");
            let b = writer.await.unwrap();
            // Both directions: the first that is ready runs the closure.
            let mut calls = 0;
            let ready = a
                .async_io(Interest::READABLE | Interest::WRITABLE, || {
                    calls += 1;
                    a.try_write(b"!")
                })
                .await
                .unwrap();
            assert_eq!((ready, calls > 0), (1, true));
            b.readable().await.unwrap();
            assert_eq!(b.try_read(&mut buf).unwrap(), 1);
        })
    });
}

#[test]
fn poll_read_ready_and_poll_write_ready_on_a_tcp_stream() {
    with_timeout(LIMIT, || {
        runtime(2).block_on(async {
            let (a, b) = tcp_pair().await;
            std::future::poll_fn(|cx| a.poll_write_ready(cx))
                .await
                .unwrap();
            let mut buf = [0; 4];
            let _ = a.try_io(Interest::READABLE, || a.try_read(&mut buf));
            let pending = poll_once(std::future::poll_fn(|cx| a.poll_read_ready(cx))).await;
            assert!(pending.is_none());
            b.try_write(b"ok").unwrap();
            std::future::poll_fn(|cx| a.poll_read_ready(cx))
                .await
                .unwrap();
            assert_eq!(a.try_read(&mut buf).unwrap(), 2);
        })
    });
}

#[test]
fn a_closed_peer_is_readable_and_read_closed_where_the_backend_reports_it() {
    with_timeout(LIMIT, || {
        runtime(2).block_on(async {
            let (a, b) = tcp_pair().await;
            drop(b);
            let ready = a.ready(Interest::READABLE).await.unwrap();
            assert!(ready.is_readable());
            // epoll reports the half-close (EPOLLRDHUP); the `polling` backends may not.
            let epoll = cfg!(any(target_os = "linux", target_os = "android"))
                && std::env::var_os("EDDY_IO_BACKEND").is_none();
            if epoll {
                // The FIN is one event: EPOLLIN with EPOLLRDHUP.
                assert!(ready.is_read_closed(), "{ready:?}");
            }
            assert_eq!(a.try_read(&mut [0; 4]).unwrap(), 0);
        })
    });
}

#[test]
fn udp_readiness_methods() {
    with_timeout(LIMIT, || {
        runtime(2).block_on(async {
            let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            a.connect(b.local_addr().unwrap()).await.unwrap();
            b.connect(a.local_addr().unwrap()).await.unwrap();
            std::future::poll_fn(|cx| a.poll_send_ready(cx))
                .await
                .unwrap();
            assert!(a.ready(Interest::WRITABLE).await.unwrap().is_writable());
            let mut buf = [0; 8];
            assert_eq!(
                a.try_io(Interest::READABLE, || a.try_recv(&mut buf))
                    .unwrap_err()
                    .kind(),
                ErrorKind::WouldBlock
            );
            b.try_send(b"dgram").unwrap();
            std::future::poll_fn(|cx| a.poll_recv_ready(cx))
                .await
                .unwrap();
            let n = a
                .async_io(Interest::READABLE, || a.try_recv(&mut buf))
                .await
                .unwrap();
            assert_eq!(&buf[..n], b"dgram");
        })
    });
}

#[cfg(unix)]
#[test]
fn unix_stream_and_datagram_readiness_methods() {
    use eddy::net::{UnixDatagram, UnixStream};
    with_timeout(LIMIT, || {
        runtime(2).block_on(async {
            let (a, b) = UnixStream::pair().unwrap();
            let mut buf = [0; 8];
            assert!(a
                .try_io(Interest::READABLE, || a.try_read(&mut buf))
                .is_err());
            b.try_write(b"unix").unwrap();
            assert!(a.ready(Interest::READABLE).await.unwrap().is_readable());
            std::future::poll_fn(|cx| a.poll_read_ready(cx))
                .await
                .unwrap();
            std::future::poll_fn(|cx| a.poll_write_ready(cx))
                .await
                .unwrap();
            let n = a
                .async_io(Interest::READABLE, || a.try_read(&mut buf))
                .await
                .unwrap();
            assert_eq!(&buf[..n], b"unix");

            let (a, b) = UnixDatagram::pair().unwrap();
            assert!(a
                .try_io(Interest::READABLE, || a.try_recv(&mut buf))
                .is_err());
            b.try_send(b"dgram").unwrap();
            assert!(a.ready(Interest::READABLE).await.unwrap().is_readable());
            std::future::poll_fn(|cx| a.poll_recv_ready(cx))
                .await
                .unwrap();
            std::future::poll_fn(|cx| a.poll_send_ready(cx))
                .await
                .unwrap();
            let n = a
                .try_io(Interest::READABLE, || a.try_recv(&mut buf))
                .unwrap();
            assert_eq!(&buf[..n], b"dgram");
        })
    });
}

#[test]
fn async_ready_works_on_an_fd_brought_from_elsewhere() {
    with_timeout(LIMIT, || {
        runtime(1).block_on(async {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let mut std = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
            let (theirs, _) = listener.accept().unwrap();
            let ours = eddy::io::Async::new(theirs).unwrap();
            std.write_all(b"x").unwrap();
            let ready = ours.ready(Interest::READABLE).await.unwrap();
            assert!(ready.is_readable());
            let mut buf = [0; 1];
            ours.get_ref().read_exact(&mut buf).unwrap();
        })
    });
}

#[cfg(unix)]
#[test]
fn unix_incoming_yields_each_connection() {
    use eddy::net::{UnixListener, UnixStream};
    use futures_lite::StreamExt;
    with_timeout(LIMIT, || {
        runtime(2).block_on(async {
            let dir = support::socket_dir("incoming");
            let path = dir.join("s.sock");
            let listener = UnixListener::bind(&path).unwrap();
            let clients = eddy::spawn({
                let path = path.clone();
                async move {
                    let mut streams = Vec::new();
                    for _ in 0..3 {
                        streams.push(UnixStream::connect(&path).await.unwrap());
                    }
                    streams
                }
            });
            let accepted: Vec<_> = listener.incoming().take(3).collect().await;
            assert_eq!(accepted.len(), 3);
            assert!(accepted.iter().all(Result::is_ok));
            drop(clients.await.unwrap());
            std::fs::remove_dir_all(&dir).unwrap();
        })
    });
}

fn unwind_safe<T: UnwindSafe + RefUnwindSafe>() {}

#[test]
fn net_fs_and_io_types_are_unwind_safe_as_tokios_are() {
    unwind_safe::<eddy::net::TcpStream>();
    unwind_safe::<eddy::net::TcpListener>();
    unwind_safe::<eddy::net::TcpSocket>();
    unwind_safe::<eddy::net::UdpSocket>();
    unwind_safe::<eddy::net::tcp::OwnedReadHalf>();
    unwind_safe::<eddy::net::tcp::OwnedWriteHalf>();
    unwind_safe::<eddy::net::tcp::Incoming<'static>>();
    #[cfg(unix)]
    {
        unwind_safe::<eddy::net::UnixStream>();
        unwind_safe::<eddy::net::UnixListener>();
        unwind_safe::<eddy::net::UnixDatagram>();
        unwind_safe::<eddy::net::unix::OwnedReadHalf>();
        unwind_safe::<eddy::net::unix::OwnedWriteHalf>();
        unwind_safe::<eddy::net::unix::Incoming<'static>>();
    }
    unwind_safe::<eddy::io::Interest>();
    unwind_safe::<eddy::io::Ready>();
    unwind_safe::<eddy::io::Async<std::net::TcpStream>>();
    unwind_safe::<eddy::io::Stdin>();
    unwind_safe::<eddy::io::Stdout>();
    unwind_safe::<eddy::io::Stderr>();
    unwind_safe::<eddy::fs::File>();
    unwind_safe::<eddy::fs::OpenOptions>();
    unwind_safe::<eddy::fs::DirEntry>();
    unwind_safe::<eddy::io::DuplexStream>();
    unwind_safe::<eddy::io::ReadHalf<eddy::net::TcpStream>>();
    unwind_safe::<eddy::io::WriteHalf<eddy::net::TcpStream>>();
    unwind_safe::<eddy::process::Child>();
    unwind_safe::<eddy::process::ChildStdin>();
    unwind_safe::<eddy::process::ChildStdout>();
    unwind_safe::<eddy::process::ChildStderr>();
    #[cfg(unix)]
    unwind_safe::<eddy::signal::Signal>();
}
