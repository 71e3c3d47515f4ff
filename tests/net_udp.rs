//! eddy::net's UDP sockets: round trips connected and not, and errors reported on a
//! connected socket.

mod support;

use std::io::ErrorKind;
use std::sync::Arc;

use eddy::net::UdpSocket;
use support::{runtime, with_timeout, LIMIT};

#[test]
fn udp_round_trips_connected_and_not() {
    with_timeout(LIMIT, || {
        runtime(2).block_on(async {
            let server = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
            let server_addr = server.local_addr().unwrap();
            let echo = eddy::spawn({
                let server = server.clone();
                async move {
                    let mut buf = [0; 64];
                    for _ in 0..200 {
                        let (n, from) = server.recv_from(&mut buf).await.unwrap();
                        server.send_to(&buf[..n], from).await.unwrap();
                    }
                }
            });
            // Unconnected: send_to / recv_from.
            let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            for i in 0..100u32 {
                a.send_to(&i.to_be_bytes(), server_addr).await.unwrap();
                let mut buf = [0; 4];
                let (n, from) = a.recv_from(&mut buf).await.unwrap();
                assert_eq!((n, from, u32::from_be_bytes(buf)), (4, server_addr, i));
            }
            // Connected: send / recv.
            let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            b.connect(server_addr).await.unwrap();
            assert_eq!(b.peer_addr().unwrap(), server_addr);
            for i in 0..100u32 {
                b.send(&i.to_le_bytes()).await.unwrap();
                let mut buf = [0; 4];
                assert_eq!(b.recv(&mut buf).await.unwrap(), 4);
                assert_eq!(u32::from_le_bytes(buf), i);
            }
            echo.await.unwrap();
        });
    });
}

#[test]
fn udp_send_to_a_closed_port_reports_refused_on_a_connected_socket() {
    with_timeout(LIMIT, || {
        runtime(1).block_on(async {
            let closed = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let closed_addr = closed.local_addr().unwrap();
            drop(closed);
            let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            socket.connect(closed_addr).await.unwrap();
            socket.send(b"anyone?").await.unwrap();
            let mut buf = [0; 8];
            let err = socket.recv(&mut buf).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
        });
    });
}
