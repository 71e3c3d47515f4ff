//! eddy::net::UdpSocket's options (multicast, TTL, TOS, broadcast), peek_sender and the
//! recv_buf family (tokio's).

mod support;

use std::io::ErrorKind;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};

use bytes::BytesMut;
use eddy::net::UdpSocket;
use support::{runtime, with_timeout, LIMIT};

#[test]
fn option_setters_read_back_what_was_set() {
    with_timeout(LIMIT, || {
        runtime(1).block_on(async {
            let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            socket.set_ttl(9).unwrap();
            assert_eq!(socket.ttl().unwrap(), 9);
            socket.set_broadcast(true).unwrap();
            assert!(socket.broadcast().unwrap());
            socket.set_multicast_loop_v4(false).unwrap();
            assert!(!socket.multicast_loop_v4().unwrap());
            socket.set_multicast_loop_v4(true).unwrap();
            assert!(socket.multicast_loop_v4().unwrap());
            socket.set_multicast_ttl_v4(5).unwrap();
            assert_eq!(socket.multicast_ttl_v4().unwrap(), 5);
            socket.set_tos_v4(0x20).unwrap();
            assert_eq!(socket.tos_v4().unwrap(), 0x20);
            socket.set_tos(0x08).unwrap();
            assert_eq!(socket.tos().unwrap(), 0x08);

            if let Ok(v6) = UdpSocket::bind("[::1]:0").await {
                v6.set_multicast_loop_v6(false).unwrap();
                assert!(!v6.multicast_loop_v6().unwrap());
            }
        })
    });
}

#[test]
fn joining_a_non_multicast_address_is_an_error() {
    with_timeout(LIMIT, || {
        runtime(1).block_on(async {
            let socket = UdpSocket::bind("0.0.0.0:0").await.unwrap();
            let err = socket
                .join_multicast_v4(Ipv4Addr::new(127, 0, 0, 1), Ipv4Addr::UNSPECIFIED)
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
        })
    });
}

/// Whether `err` says this host has no route or interface for multicast (a sandbox
/// without one): the only errors the multicast tests skip on.
fn no_multicast_route(err: &std::io::Error) -> bool {
    matches!(
        err.kind(),
        ErrorKind::AddrNotAvailable | ErrorKind::NetworkUnreachable | ErrorKind::HostUnreachable
    ) || err.raw_os_error() == Some(19) // ENODEV on Linux: no interface for the group
}

#[test]
fn a_multicast_datagram_loops_back_to_a_member_of_the_group() {
    with_timeout(LIMIT, || {
        runtime(1).block_on(async {
            let group = Ipv4Addr::new(224, 0, 0, 251);
            let receiver = UdpSocket::bind("0.0.0.0:0").await.unwrap();
            let port = receiver.local_addr().unwrap().port();
            // The loopback interface first (it may lack the MULTICAST flag), then the
            // system's choice.
            let interface = [Ipv4Addr::LOCALHOST, Ipv4Addr::UNSPECIFIED]
                .into_iter()
                .find_map(|iface| match receiver.join_multicast_v4(group, iface) {
                    Ok(()) => Some(Ok(iface)),
                    Err(err) if no_multicast_route(&err) => {
                        println!("join on {iface}: {err}");
                        None
                    }
                    Err(err) => Some(Err(err)),
                });
            let interface = match interface {
                Some(result) => result.unwrap(),
                None => {
                    println!("skipped: this host has no multicast route");
                    return;
                }
            };
            let sender = UdpSocket::bind("0.0.0.0:0").await.unwrap();
            sender.set_multicast_loop_v4(true).unwrap();
            sender.set_multicast_ttl_v4(0).unwrap(); // never leaves the host
            if interface == Ipv4Addr::LOCALHOST {
                socket2::SockRef::from(&sender)
                    .set_multicast_if_v4(&Ipv4Addr::LOCALHOST)
                    .unwrap();
            }
            match sender.send_to(b"to the group", (group, port)).await {
                Ok(n) => assert_eq!(n, 12),
                Err(err) if no_multicast_route(&err) => {
                    println!("skipped: sending to the group: {err}");
                    return;
                }
                Err(err) => panic!("send to the group: {err}"),
            }
            let mut buf = [0; 32];
            let (n, from) = receiver.recv_from(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"to the group");
            assert_eq!(from.port(), sender.local_addr().unwrap().port());
            receiver.leave_multicast_v4(group, interface).unwrap();
        })
    });
}

#[test]
fn ipv6_multicast_join_and_leave_where_the_host_allows() {
    with_timeout(LIMIT, || {
        runtime(1).block_on(async {
            let Ok(socket) = UdpSocket::bind("[::]:0").await else {
                println!("skipped: no IPv6");
                return;
            };
            let group: Ipv6Addr = "ff02::1:3".parse().unwrap();
            match socket.join_multicast_v6(&group, 0) {
                Ok(()) => socket.leave_multicast_v6(&group, 0).unwrap(),
                Err(err) if no_multicast_route(&err) => println!("skipped: {err}"),
                Err(err) => panic!("join_multicast_v6: {err}"),
            }
        })
    });
}

#[test]
fn peek_sender_leaves_the_datagram_queued() {
    with_timeout(LIMIT, || {
        runtime(2).block_on(async {
            let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            assert_eq!(
                b.try_peek_sender().unwrap_err().kind(),
                ErrorKind::WouldBlock
            );
            assert_eq!(
                b.try_peek_from(&mut [0; 4]).unwrap_err().kind(),
                ErrorKind::WouldBlock
            );
            let b_addr = b.local_addr().unwrap();
            let sender = eddy::spawn(async move {
                a.send_to(b"a long datagram", b_addr).await.unwrap();
                a.local_addr().unwrap()
            });
            let from = b.peek_sender().await.unwrap();
            assert_eq!(from, sender.await.unwrap());
            assert_eq!(b.try_peek_sender().unwrap(), from);
            let from_poll = std::future::poll_fn(|cx| b.poll_peek_sender(cx))
                .await
                .unwrap();
            assert_eq!(from_poll, from);
            let mut small = [0; 6];
            let (n, peeked_from) = b.try_peek_from(&mut small).unwrap();
            assert_eq!((&small[..n], peeked_from), (&b"a long"[..], from));
            let mut buf = [0; 64];
            let (n, got_from) = b.recv_from(&mut buf).await.unwrap();
            assert_eq!((&buf[..n], got_from), (&b"a long datagram"[..], from));
        })
    });
}

#[test]
fn recv_buf_fills_spare_capacity_of_bytes_mut_and_vec() {
    with_timeout(LIMIT, || {
        runtime(2).block_on(async {
            let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let (a_addr, b_addr): (SocketAddr, SocketAddr) =
                (a.local_addr().unwrap(), b.local_addr().unwrap());
            b.connect(a_addr).await.unwrap();

            let mut empty = BytesMut::with_capacity(16);
            assert_eq!(
                b.try_recv_buf(&mut empty).unwrap_err().kind(),
                ErrorKind::WouldBlock
            );
            assert_eq!(
                b.try_recv_buf_from(&mut empty).unwrap_err().kind(),
                ErrorKind::WouldBlock
            );
            assert!(empty.is_empty());

            // Appends after what the buffer holds.
            let mut buf = BytesMut::with_capacity(64);
            buf.extend_from_slice(b">>");
            a.send_to(b"one", b_addr).await.unwrap();
            assert_eq!(b.recv_buf(&mut buf).await.unwrap(), 3);
            assert_eq!(&buf[..], b">>one");

            let mut vec = Vec::with_capacity(64);
            a.send_to(b"two", b_addr).await.unwrap();
            let (n, from) = b.recv_buf_from(&mut vec).await.unwrap();
            assert_eq!((n, from, &vec[..]), (3, a_addr, &b"two"[..]));

            a.send_to(b"three", b_addr).await.unwrap();
            b.readable().await.unwrap();
            let mut vec = Vec::with_capacity(64);
            let n = loop {
                match b.try_recv_buf(&mut vec) {
                    Err(err) if err.kind() == ErrorKind::WouldBlock => b.readable().await.unwrap(),
                    res => break res.unwrap(),
                }
            };
            assert_eq!(&vec[..n], b"three");

            a.send_to(b"four", b_addr).await.unwrap();
            let mut buf = BytesMut::with_capacity(64);
            let (n, from) = loop {
                match b.try_recv_buf_from(&mut buf) {
                    Err(err) if err.kind() == ErrorKind::WouldBlock => b.readable().await.unwrap(),
                    res => break res.unwrap(),
                }
            };
            assert_eq!((n, from, &buf[..]), (4, a_addr, &b"four"[..]));
        })
    });
}
