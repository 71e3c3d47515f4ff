//! eddy::net's Unix domain sockets: streams through a listener, datagrams by path and
//! by pair, and a missing socket file.
//!
//! Unix only, as Unix domain sockets are.
#![cfg(unix)]

mod support;

use std::io::ErrorKind;

use eddy::net::{UnixDatagram, UnixListener, UnixStream};
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use support::{runtime, socket_dir, with_timeout, LIMIT};

#[test]
fn unix_stream_echo_through_a_listener() {
    with_timeout(LIMIT, || {
        let dir = socket_dir("stream");
        let path = dir.join("echo.sock");
        runtime(2).block_on(async {
            let listener = UnixListener::bind(&path).unwrap();
            eddy::spawn(async move {
                loop {
                    let (stream, _) = listener.accept().await.unwrap();
                    eddy::spawn(async move {
                        let (mut reader, mut writer) = stream.into_split();
                        futures_lite::io::copy(&mut reader, &mut writer).await.ok();
                    });
                }
            });
            let clients: Vec<_> = (0..50)
                .map(|i| {
                    let path = path.clone();
                    eddy::spawn(async move {
                        let mut stream = UnixStream::connect(&path).await.unwrap();
                        let message = format!("unix client {i}");
                        stream.write_all(message.as_bytes()).await.unwrap();
                        let mut echoed = vec![0; message.len()];
                        stream.read_exact(&mut echoed).await.unwrap();
                        assert_eq!(echoed, message.as_bytes());
                    })
                })
                .collect();
            for client in clients {
                client.await.unwrap();
            }
        });
        std::fs::remove_dir_all(&dir).unwrap();
    });
}

#[test]
fn unix_datagrams_by_path_and_by_pair() {
    with_timeout(LIMIT, || {
        let dir = socket_dir("dgram");
        runtime(1).block_on(async {
            let server = UnixDatagram::bind(dir.join("server.sock")).unwrap();
            let client = UnixDatagram::bind(dir.join("client.sock")).unwrap();
            client
                .send_to(b"by path", dir.join("server.sock"))
                .await
                .unwrap();
            let mut buf = [0; 16];
            let (n, from) = server.recv_from(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"by path");
            assert_eq!(from.as_pathname(), Some(dir.join("client.sock").as_path()));

            let (a, b) = UnixDatagram::pair().unwrap();
            for i in 0..100u8 {
                a.send(&[i; 3]).await.unwrap();
                assert_eq!(b.recv(&mut buf).await.unwrap(), 3);
                assert_eq!(&buf[..3], &[i; 3]);
            }
        });
        std::fs::remove_dir_all(&dir).unwrap();
    });
}

#[test]
fn connecting_to_a_missing_unix_socket_says_not_found() {
    with_timeout(LIMIT, || {
        runtime(1).block_on(async {
            let err = UnixStream::connect("/nonexistent/eddy.sock")
                .await
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
        });
    });
}

#[test]
fn halves_of_different_streams_come_back_in_a_reunite_error_matched_by_name() {
    use eddy::net::unix::ReuniteError;
    with_timeout(LIMIT, || {
        runtime(1).block_on(async {
            let (a, _a_peer) = UnixStream::pair().unwrap();
            let (b, _b_peer) = UnixStream::pair().unwrap();
            let (a_read, a_write) = a.into_split();
            let (b_read, b_write) = b.into_split();
            assert!(format!("{a_read:?}").starts_with("OwnedReadHalf { inner: UnixStream"));
            // tokio's form: the error is a tuple struct of the two halves.
            let Err(ReuniteError(a_read, b_write)) = a_read.reunite(b_write) else {
                panic!("halves of different streams reunited");
            };
            let err = b_read.reunite(a_write).unwrap_err();
            assert_eq!(
                err.to_string(),
                "tried to reunite halves that are not from the same socket"
            );
            let ReuniteError(b_read, a_write) = err;
            a_read.reunite(a_write).expect("a's own halves");
            b_write.reunite(b_read).expect("b's own halves");
        });
    });
}
