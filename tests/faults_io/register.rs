//! Registering a socket with the poller fails: `epoll_ctl(EPOLL_CTL_ADD)` says ENOMEM, or
//! ENOSPC once `max_user_watches` is reached (`Poller::add` on the portable backend). The
//! constructor (or the accept) returns the OS error as is, the socket is closed, and
//! everything else goes on.

use std::io::{ErrorKind, Read, Write};

use eddy::faults::{Call, Faults, When};
use eddy::net::{TcpListener, TcpStream, UdpSocket, UnixDatagram, UnixListener, UnixStream};
use eddy_test_support::process::open_fds;
use futures_lite::{AsyncReadExt, AsyncWriteExt};

use crate::support::{socket_dir, with_timeout};
use crate::{
    assert_refused, echo, keep_echoing, runtime, spawn_echo_server, wait_for_open_fds, LIMIT,
};

/// Every constructor that registers a socket returns the registration's error (ENOMEM,
/// ENOSPC) as is: connect and bind for TCP, UDP and Unix sockets, and each `from_std`.
/// The socket it made or was given is closed (no descriptor is left open), no source
/// stays registered, and the same call works once the OS says yes again.
#[test]
fn constructors_return_the_registration_error_and_leak_nothing() {
    with_timeout(LIMIT, || {
        let faults = Faults::begin();
        let rt = runtime(1);
        let dir = socket_dir("faults-register");
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let unix_path = dir.join("listener.sock");
            let unix_listener = UnixListener::bind(&unix_path).unwrap();
            let sources = eddy::runtime::Handle::current().io_sources();
            let fds = open_fds();
            for errno in [libc::ENOMEM, libc::ENOSPC] {
                faults.arm(Call::Register, When::Always, errno);
                assert_refused("TcpStream::connect", TcpStream::connect(addr).await, errno);
                assert_refused(
                    "TcpListener::bind",
                    TcpListener::bind("127.0.0.1:0").await,
                    errno,
                );
                assert_refused(
                    "UdpSocket::bind",
                    UdpSocket::bind("127.0.0.1:0").await,
                    errno,
                );
                assert_refused(
                    "UnixStream::connect",
                    UnixStream::connect(&unix_path).await,
                    errno,
                );
                let other = dir.join("other.sock");
                assert_refused("UnixListener::bind", UnixListener::bind(&other), errno);
                let _ = std::fs::remove_file(&other);
                assert_refused("UnixStream::pair", UnixStream::pair(), errno);
                assert_refused("UnixDatagram::pair", UnixDatagram::pair(), errno);
                let std_stream = std::net::TcpStream::connect(addr).unwrap();
                assert_refused(
                    "TcpStream::from_std",
                    TcpStream::from_std(std_stream),
                    errno,
                );
                let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
                assert_refused(
                    "TcpListener::from_std",
                    TcpListener::from_std(std_listener),
                    errno,
                );
                let std_udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
                assert_refused("UdpSocket::from_std", UdpSocket::from_std(std_udp), errno);
                let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
                assert_refused("UnixStream::from_std", UnixStream::from_std(a), errno);
                drop(b);
                let std_unix = std::os::unix::net::UnixListener::bind(&other).unwrap();
                let _ = std::fs::remove_file(&other);
                assert_refused(
                    "UnixListener::from_std",
                    UnixListener::from_std(std_unix),
                    errno,
                );
                let (a, b) = std::os::unix::net::UnixDatagram::pair().unwrap();
                assert_refused("UnixDatagram::from_std", UnixDatagram::from_std(a), errno);
                drop(b);
                assert_eq!(faults.injected(Call::Register), 13);
                faults.disarm(Call::Register);

                // Drain what the failed connects queued on the listeners (their clients
                // are closed: each reads end-of-stream), so the count below is exact.
                for _ in 0..2 {
                    let (mut queued, _) = listener.accept().await.unwrap();
                    let mut byte = [0; 1];
                    assert_eq!(queued.read(&mut byte).await.unwrap(), 0);
                }
                let (mut queued, _) = unix_listener.accept().await.unwrap();
                let mut byte = [0; 1];
                assert_eq!(queued.read(&mut byte).await.unwrap(), 0);
                drop(queued);
                assert_eq!(eddy::runtime::Handle::current().io_sources(), sources);
                assert_eq!(open_fds(), fds, "a descriptor leaked (errno {errno})");
            }
            // Nothing is left broken.
            let mut stream = TcpStream::connect(addr).await.unwrap();
            let (mut accepted, _) = listener.accept().await.unwrap();
            stream.write_all(b"ok").await.unwrap();
            let mut two = [0; 2];
            accepted.read_exact(&mut two).await.unwrap();
            assert_eq!(&two, b"ok");
        });
        let _ = std::fs::remove_dir_all(&dir);
    });
}

/// The registration of an accepted connection fails: `accept` returns the error (ENOMEM),
/// that connection is closed (its client reads end-of-stream), and the listener serves
/// the next connection as ever.
#[test]
fn accept_returns_the_registration_error_and_the_listener_keeps_serving() {
    with_timeout(LIMIT, || {
        let faults = Faults::begin();
        let rt = runtime(2);
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            // Plain clients: only the server side registers.
            let mut refused = std::net::TcpStream::connect(addr).unwrap();
            let mut served = std::net::TcpStream::connect(addr).unwrap();
            faults.arm(Call::Register, When::Nth(1), libc::ENOMEM);
            assert_refused("accept", listener.accept().await, libc::ENOMEM);
            let (mut stream, _) = listener.accept().await.unwrap();
            assert_eq!(faults.calls(Call::Register), 2);

            let server = eddy::spawn(async move {
                let mut buf = [0; 5];
                stream.read_exact(&mut buf).await.unwrap();
                stream.write_all(&buf).await.unwrap();
            });
            eddy::task::spawn_blocking(move || {
                let mut byte = [0; 1];
                let eof = refused.read(&mut byte);
                assert!(
                    matches!(eof, Ok(0))
                        || eof.is_err_and(|e| e.kind() == ErrorKind::ConnectionReset),
                    "the refused connection is closed"
                );
                served.write_all(b"hello").unwrap();
                let mut back = [0; 5];
                served.read_exact(&mut back).unwrap();
                assert_eq!(&back, b"hello");
            })
            .await
            .unwrap();
            server.await.unwrap();
        });
    });
}

/// A third of all registrations fail (ENOSPC, as from `max_user_watches`) while 40
/// clients connect to an echo server and an established connection echoes 100 times:
/// each connect either fails with ENOSPC, or is refused on the server's side (the client
/// reads end-of-stream or a reset), or echoes; the established connection never misses a
/// beat; and once everything is closed the process has as many descriptors open as
/// before.
#[test]
fn registrations_failing_at_random_lose_nothing_else() {
    with_timeout(LIMIT, || {
        let faults = Faults::begin();
        let rt = runtime(2);
        let fds = open_fds();
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = spawn_echo_server(listener);
            let established = TcpStream::connect(addr).await.unwrap();
            let mut probe = TcpStream::connect(addr).await.unwrap();
            echo(&mut probe, b"up").await;

            faults.arm(
                Call::Register,
                When::Fraction {
                    ratio: 0.33,
                    seed: 20,
                },
                libc::ENOSPC,
            );
            let steady = eddy::spawn(keep_echoing(established, 100));
            let (mut failed, mut closed, mut echoed) = (0, 0, 0);
            for i in 0..40 {
                match TcpStream::connect(addr).await {
                    Err(err) => {
                        assert_eq!(err.raw_os_error(), Some(libc::ENOSPC), "{err}");
                        failed += 1;
                    }
                    Ok(mut stream) => {
                        let message = format!("client {i}");
                        stream.write_all(message.as_bytes()).await.unwrap();
                        let mut back = vec![0; message.len()];
                        match stream.read_exact(&mut back).await {
                            Ok(()) => {
                                assert_eq!(back, message.as_bytes());
                                echoed += 1;
                            }
                            Err(err) => {
                                assert!(
                                    matches!(
                                        err.kind(),
                                        ErrorKind::UnexpectedEof | ErrorKind::ConnectionReset
                                    ),
                                    "{err}"
                                );
                                closed += 1;
                            }
                        }
                    }
                }
            }
            drop(steady.await.unwrap());
            faults.disarm(Call::Register);
            assert_eq!(failed + closed + echoed, 40);
            assert!(failed > 0 && echoed > 0, "{failed} {closed} {echoed}");
            // A client refused on its side still reached the listener's queue: the server
            // may meet a failure for it too.
            assert!(faults.injected(Call::Register) >= failed + closed);
            // The connection made before the faults still echoes.
            echo(&mut probe, b"still up").await;
            server.abort();
        });
        // Every client is closed, the server's connection tasks end as they read
        // end-of-stream, and the aborted server drops its listener: as many descriptors
        // as before, whatever the faults refused.
        wait_for_open_fds(fds);
        assert_eq!(rt.handle().io_sources(), 0);
    });
}
