//! `accept` fails: out of descriptors (EMFILE, ENFILE), a connection aborted before it was
//! taken (ECONNABORTED), out of buffer space (ENOBUFS). `accept` returns the error as is,
//! the connection waiting in the kernel's queue is not lost, and the accept loops of the
//! example servers keep serving.

use std::future::Future;
use std::io::{Read, Write};
use std::sync::Arc;
use std::time::Duration;

use eddy::faults::{Call, Faults, When};
use eddy::net::{TcpListener, TcpStream, UnixListener};
use futures_lite::{AsyncReadExt, AsyncWriteExt, StreamExt};

use crate::support::{socket_dir, with_timeout};
use crate::{assert_refused, runtime, LIMIT};

#[path = "../../examples/http_server/graceful.rs"]
mod graceful;

#[path = "../../examples/redis_server/main.rs"]
#[allow(dead_code)]
mod redis_server;

#[path = "../../examples/chat/main.rs"]
#[allow(dead_code, unused_imports)]
mod chat;

/// The errors `accept` meets in production.
const ERRNOS: [i32; 4] = [
    libc::EMFILE,
    libc::ENFILE,
    libc::ECONNABORTED,
    libc::ENOBUFS,
];

/// For each error, with a client waiting in the listener's queue: `accept` returns the
/// error as is, then the next `accept` returns that same client (nothing was taken off
/// the queue) and bytes flow both ways. The same through `incoming()`, which goes on
/// after an error item.
#[test]
fn a_failed_accept_loses_no_pending_connection() {
    with_timeout(LIMIT, || {
        let faults = Faults::begin();
        let rt = runtime(2);
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            for errno in ERRNOS {
                let mut client = std::net::TcpStream::connect(addr).unwrap();
                faults.arm(Call::Accept, When::Nth(1), errno);
                assert_refused("accept", listener.accept().await, errno);
                let (mut stream, peer) = listener.accept().await.unwrap();
                assert_eq!(peer, client.local_addr().unwrap(), "errno {errno}");
                assert_eq!(faults.injected(Call::Accept), 1);
                client.write_all(b"ping").unwrap();
                let mut buf = [0; 4];
                stream.read_exact(&mut buf).await.unwrap();
                stream.write_all(b"pong").await.unwrap();
                client.read_exact(&mut buf).unwrap();
                assert_eq!(&buf, b"pong");
            }

            // `incoming()`: an error item, then the waiting client, then the next one.
            let first = std::net::TcpStream::connect(addr).unwrap();
            let second = std::net::TcpStream::connect(addr).unwrap();
            faults.arm(Call::Accept, When::Nth(1), libc::EMFILE);
            let mut incoming = listener.incoming();
            let err = incoming.next().await.unwrap().unwrap_err();
            assert_eq!(err.raw_os_error(), Some(libc::EMFILE));
            for client in [&first, &second] {
                let stream = incoming.next().await.unwrap().unwrap();
                assert_eq!(stream.peer_addr().unwrap(), client.local_addr().unwrap());
            }
        });
    });
}

/// The same on a Unix listener: the error, then the waiting client.
#[test]
fn a_failed_unix_accept_loses_no_pending_connection() {
    with_timeout(LIMIT, || {
        let faults = Faults::begin();
        let rt = runtime(1);
        let dir = socket_dir("faults-accept");
        let path = dir.join("listener.sock");
        rt.block_on(async {
            let listener = UnixListener::bind(&path).unwrap();
            for errno in ERRNOS {
                let mut client = std::os::unix::net::UnixStream::connect(&path).unwrap();
                faults.arm(Call::Accept, When::Nth(1), errno);
                assert_refused("accept", listener.accept().await, errno);
                let (mut stream, _) = listener.accept().await.unwrap();
                client.write_all(b"ping").unwrap();
                let mut buf = [0; 4];
                stream.read_exact(&mut buf).await.unwrap();
                assert_eq!(&buf, b"ping");
            }
        });
        let _ = std::fs::remove_dir_all(&dir);
    });
}

/// Runs `server(listener)` on a fresh listener whose first accept fails with EMFILE (a
/// client waits in its queue meanwhile), then checks with `client(addr)` that it still
/// serves clients.
fn survives_failed_accepts<S, C>(
    server: impl FnOnce(TcpListener) -> S + Send + 'static,
    client: impl FnOnce(std::net::SocketAddr) -> C + Send + 'static,
) where
    S: Future<Output = ()> + Send + 'static,
    C: Future<Output = ()>,
{
    with_timeout(LIMIT, move || {
        let faults = Faults::begin();
        let rt = runtime(2);
        rt.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            faults.arm(Call::Accept, When::Nth(1), libc::EMFILE);
            let waiting = std::net::TcpStream::connect(addr).unwrap();
            eddy::spawn(server(listener));
            client(addr).await;
            assert_eq!(faults.injected(Call::Accept), 1);
            drop(waiting);
        });
    });
}

/// examples/redis_server's accept loop backs off on an accept error and goes on: a
/// client still gets its PONG. (An accept loop that returned on the error would leave the
/// client waiting, and the test would time out.)
#[test]
fn the_redis_server_keeps_accepting_after_an_accept_error() {
    survives_failed_accepts(
        |listener| redis_server::serve(listener, Arc::new(redis_server::resp::Store::new())),
        |addr| async move {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            stream.write_all(b"PING\r\n").await.unwrap();
            let mut reply = [0; 7];
            stream.read_exact(&mut reply).await.unwrap();
            assert_eq!(&reply, b"+PONG\r\n");
        },
    );
}

/// examples/chat's accept loop backs off on an accept error and goes on: a client still
/// joins the room.
#[test]
fn the_chat_server_keeps_accepting_after_an_accept_error() {
    survives_failed_accepts(
        |listener| chat::serve(listener, Arc::new(chat::Room::new(chat::Config::default()))),
        |addr| async move {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            stream.write_all(b"alice\n").await.unwrap();
            let mut seen = Vec::new();
            while !String::from_utf8_lossy(&seen).contains("* welcome, alice!") {
                let mut chunk = [0; 256];
                let n = stream.read(&mut chunk).await.unwrap();
                assert_ne!(n, 0, "the chat server closed the connection");
                seen.extend_from_slice(&chunk[..n]);
            }
        },
    );
}

/// The HTTP, HTTPS and gRPC servers' shared accept loop (examples/http_server/graceful.rs,
/// `serve_until`) backs off on an accept error and goes on; its shutdown still works.
#[test]
fn the_graceful_accept_loop_keeps_accepting_after_an_accept_error() {
    let (stop_tx, stop_rx) = eddy::sync::oneshot::channel::<()>();
    let (done_tx, done_rx) = eddy::sync::oneshot::channel();
    survives_failed_accepts(
        move |listener| async move {
            let shutdown = async move {
                let _ = stop_rx.await;
                Ok(())
            };
            let served = graceful::serve_until(
                listener,
                shutdown,
                Duration::from_secs(1),
                |mut stream, _, _| async move {
                    let _ = stream.write_all(b"hello\n").await;
                },
            )
            .await;
            let _ = done_tx.send(served);
        },
        |addr| async move {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            let mut hello = [0; 6];
            stream.read_exact(&mut hello).await.unwrap();
            assert_eq!(&hello, b"hello\n");
            stop_tx.send(()).unwrap();
            done_rx.await.unwrap().unwrap();
        },
    );
}
