//! eddy::net::TcpSocket (tokio's), lookup_host, TcpListener::incoming and the TCP
//! options of listeners and streams.

mod support;

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::time::Duration;

use eddy::net::{TcpListener, TcpSocket, TcpStream};
use futures_lite::{AsyncReadExt, AsyncWriteExt, StreamExt};
use support::{runtime, with_timeout, LIMIT};

fn local() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

#[test]
#[allow(deprecated)] // set_linger, deprecated as in tokio
fn options_read_back_what_was_set_without_a_runtime() {
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_reuseaddr(true).unwrap();
    assert!(socket.reuseaddr().unwrap());
    socket.set_keepalive(true).unwrap();
    assert!(socket.keepalive().unwrap());
    socket.set_nodelay(true).unwrap();
    assert!(socket.nodelay().unwrap());
    socket.set_linger(Some(Duration::from_secs(3))).unwrap();
    assert_eq!(socket.linger().unwrap(), Some(Duration::from_secs(3)));
    socket.set_linger(None).unwrap();
    assert_eq!(socket.linger().unwrap(), None);
    socket.set_zero_linger().unwrap();
    assert_eq!(socket.linger().unwrap(), Some(Duration::ZERO));
    socket.set_tos_v4(0x08).unwrap();
    assert_eq!(socket.tos_v4().unwrap(), 0x08);
    socket.set_send_buffer_size(32 * 1024).unwrap();
    assert!(socket.send_buffer_size().unwrap() >= 32 * 1024);
    socket.set_recv_buffer_size(32 * 1024).unwrap();
    assert!(socket.recv_buffer_size().unwrap() >= 32 * 1024);
    socket.set_tos(0x10).unwrap();
    assert_eq!(socket.tos().unwrap(), 0x10);
    #[cfg(unix)]
    {
        socket.set_reuseport(true).unwrap();
        assert!(socket.reuseport().unwrap());
    }
    #[cfg(target_os = "linux")]
    {
        socket.bind_device(None).unwrap();
        assert_eq!(socket.device().unwrap(), None);
    }
    assert!(socket.take_error().unwrap().is_none());
    socket.bind(local()).unwrap();
    let addr = socket.local_addr().unwrap();
    assert!(addr.ip().is_loopback() && addr.port() != 0);
}

#[test]
fn a_socket_listens_and_connects_and_keeps_its_options() {
    with_timeout(LIMIT, || {
        runtime(2).block_on(async {
            let server = TcpSocket::new_v4().unwrap();
            server.set_reuseaddr(true).unwrap();
            server.bind(local()).unwrap();
            let listener = server.listen(8).unwrap();
            let addr = listener.local_addr().unwrap();

            let client = TcpSocket::new_v4().unwrap();
            client.set_nodelay(true).unwrap();
            client.bind(local()).unwrap();
            let client_addr = client.local_addr().unwrap();
            let mut stream = client.connect(addr).await.unwrap();
            let (mut accepted, peer) = listener.accept().await.unwrap();
            assert_eq!(peer, client_addr);
            assert_eq!(stream.local_addr().unwrap(), client_addr);
            assert!(stream.nodelay().unwrap());

            stream.write_all(b"through a TcpSocket").await.unwrap();
            stream.close().await.unwrap();
            let mut got = String::new();
            accepted.read_to_string(&mut got).await.unwrap();
            assert_eq!(got, "through a TcpSocket");
        })
    });
}

#[test]
fn connecting_to_a_closed_port_is_refused_promptly() {
    with_timeout(LIMIT, || {
        runtime(1).block_on(async {
            // A port that was free a moment ago: bind, note it, close.
            let addr = std::net::TcpListener::bind(local())
                .unwrap()
                .local_addr()
                .unwrap();
            let err = TcpSocket::new_v4()
                .unwrap()
                .connect(addr)
                .await
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
        })
    });
}

#[test]
fn an_ipv6_socket_connects_where_the_host_has_ipv6() {
    with_timeout(LIMIT, || {
        runtime(1).block_on(async {
            let Ok(listener) = TcpListener::bind("[::1]:0").await else {
                println!("skipped: no IPv6 loopback on this host");
                return;
            };
            let socket = TcpSocket::new_v6().unwrap();
            let stream = socket
                .connect(listener.local_addr().unwrap())
                .await
                .unwrap();
            assert!(stream.peer_addr().unwrap().is_ipv6());
        })
    });
}

#[cfg(unix)]
#[test]
fn two_sockets_with_reuseport_listen_on_one_port() {
    with_timeout(LIMIT, || {
        runtime(1).block_on(async {
            let first = TcpSocket::new_v4().unwrap();
            first.set_reuseport(true).unwrap();
            first.bind(local()).unwrap();
            let addr = first.local_addr().unwrap();
            let second = TcpSocket::new_v4().unwrap();
            second.set_reuseport(true).unwrap();
            second.bind(addr).unwrap();
            let _a = first.listen(8).unwrap();
            let _b = second.listen(8).unwrap();
            // Without the option the port is taken.
            let third = TcpSocket::new_v4().unwrap();
            assert_eq!(third.bind(addr).unwrap_err().kind(), ErrorKind::AddrInUse);
        })
    });
}

#[test]
fn from_std_stream_and_raw_handles_round_trip() {
    let listener = std::net::TcpListener::bind(local()).unwrap();
    let std = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let local_addr = std.local_addr().unwrap();
    let socket = TcpSocket::from_std_stream(std);
    assert_eq!(socket.local_addr().unwrap(), local_addr);
    #[cfg(unix)]
    {
        use std::os::fd::{AsFd, AsRawFd, FromRawFd, IntoRawFd, OwnedFd};
        assert_eq!(socket.as_fd().as_raw_fd(), socket.as_raw_fd());
        let raw = socket.into_raw_fd();
        // SAFETY: `raw` came from `into_raw_fd` just above: an open socket nobody else owns.
        let socket = unsafe { TcpSocket::from_raw_fd(raw) };
        assert_eq!(socket.local_addr().unwrap(), local_addr);
        let fd = OwnedFd::from(socket);
        let socket = TcpSocket::from(fd);
        assert_eq!(socket.local_addr().unwrap(), local_addr);
    }
    #[cfg(windows)]
    {
        use std::os::windows::io::{FromRawSocket, IntoRawSocket};
        let raw = socket.into_raw_socket();
        // SAFETY: `raw` came from `into_raw_socket` just above: an open socket nobody else
        // owns.
        let socket = unsafe { TcpSocket::from_raw_socket(raw) };
        assert_eq!(socket.local_addr().unwrap(), local_addr);
    }
}

#[test]
fn lookup_host_resolves_literals_and_names_and_rejects_a_missing_port() {
    with_timeout(LIMIT, || {
        runtime(1).block_on(async {
            let addrs: Vec<_> = eddy::net::lookup_host("127.0.0.1:8080")
                .await
                .unwrap()
                .collect();
            assert_eq!(addrs, [SocketAddr::from(([127, 0, 0, 1], 8080))]);
            let addrs: Vec<_> = eddy::net::lookup_host(("localhost", 443))
                .await
                .unwrap()
                .collect();
            assert!(!addrs.is_empty());
            assert!(addrs
                .iter()
                .all(|a| a.ip().is_loopback() && a.port() == 443));
            let err = eddy::net::lookup_host("localhost").await.err().unwrap();
            assert_eq!(err.kind(), ErrorKind::InvalidInput);
            let err = eddy::net::lookup_host("no-such-host.invalid:80")
                .await
                .err()
                .unwrap();
            assert_ne!(err.kind(), ErrorKind::InvalidInput, "{err}");
        })
    });
}

#[test]
fn incoming_yields_each_connection_as_a_stream_item() {
    with_timeout(LIMIT, || {
        runtime(2).block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let clients = eddy::spawn(async move {
                let mut streams = Vec::new();
                for _ in 0..5 {
                    streams.push(TcpStream::connect(addr).await.unwrap());
                }
                streams
            });
            let mut peers = Vec::new();
            let mut incoming = listener.incoming();
            while let Some(stream) = incoming.next().await {
                peers.push(stream.unwrap().peer_addr().unwrap());
                if peers.len() == 5 {
                    break;
                }
            }
            let streams = clients.await.unwrap();
            let mut locals: Vec<_> = streams.iter().map(|s| s.local_addr().unwrap()).collect();
            locals.sort();
            peers.sort();
            assert_eq!(peers, locals);
        })
    });
}

#[test]
fn listener_and_stream_options_and_std_conversions() {
    with_timeout(LIMIT, || {
        runtime(1).block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            listener.set_ttl(33).unwrap();
            assert_eq!(listener.ttl().unwrap(), 33);
            let std = listener.into_std().unwrap();
            let addr = std.local_addr().unwrap();
            let listener = TcpListener::from_std(std).unwrap();

            let stream = TcpStream::connect(addr).await.unwrap();
            let (accepted, _) = listener.accept().await.unwrap();
            stream.set_ttl(17).unwrap();
            assert_eq!(stream.ttl().unwrap(), 17);
            stream.set_nodelay(true).unwrap();
            assert!(stream.nodelay().unwrap());
            assert_eq!(stream.linger().unwrap(), None);

            assert_eq!(
                accepted.try_peek(&mut [0; 4]).unwrap_err().kind(),
                ErrorKind::WouldBlock
            );
            (&stream).write_all(b"peek").await.unwrap();
            let mut buf = [0; 4];
            assert_eq!(accepted.peek(&mut buf).await.unwrap(), 4);
            assert_eq!(accepted.try_peek(&mut buf).unwrap(), 4);
            let mut read = [0; 4];
            (&accepted).read_exact(&mut read).await.unwrap();
            assert_eq!((&buf, &read), (b"peek", b"peek"));
        })
    });
}

#[test]
fn a_stream_with_zero_linger_resets_the_connection_when_dropped() {
    with_timeout(LIMIT, || {
        runtime(1).block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let stream = TcpStream::connect(listener.local_addr().unwrap())
                .await
                .unwrap();
            let (mut accepted, _) = listener.accept().await.unwrap();
            stream.set_zero_linger().unwrap();
            assert_eq!(stream.linger().unwrap(), Some(Duration::ZERO));
            drop(stream);
            let err = accepted.read(&mut [0; 8]).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::ConnectionReset);
        })
    });
}
