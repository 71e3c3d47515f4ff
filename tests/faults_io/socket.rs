//! `socket(2)` fails: the process (EMFILE) or the system (ENFILE) is out of file
//! descriptors. Every call that makes a socket returns the error as is; the sockets that
//! already exist go on working.

use eddy::faults::{Call, Faults, When};
use eddy::net::{
    TcpListener, TcpSocket, TcpStream, UdpSocket, UnixDatagram, UnixListener, UnixStream,
};
use eddy_test_support::process::open_fds;

use crate::support::{socket_dir, with_timeout};
use crate::{
    assert_refused, echo, keep_echoing, runtime, spawn_echo_server, wait_for_open_fds, LIMIT,
};

/// With every `socket(2)` failing (EMFILE, then ENFILE), each call that makes a socket
/// returns that error: TCP connect and bind, `TcpSocket`, UDP bind, Unix connect, bind
/// and pairs. Meanwhile a connection made before keeps echoing, nothing is registered or
/// left open, and the same calls work once the OS says yes again.
#[test]
fn every_socket_maker_returns_the_error_and_the_rest_keeps_working() {
    with_timeout(LIMIT, || {
        let faults = Faults::begin();
        let rt = runtime(2);
        let dir = socket_dir("faults-socket");
        let fds = open_fds();
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = spawn_echo_server(listener);
            let mut established = TcpStream::connect(addr).await.unwrap();
            echo(&mut established, b"before").await;
            let unix_path = dir.join("listener.sock");
            let unix_listener = UnixListener::bind(&unix_path).unwrap();
            let sources = eddy::runtime::Handle::current().io_sources();
            let open = open_fds();

            for errno in [libc::EMFILE, libc::ENFILE] {
                faults.arm(Call::Socket, When::Always, errno);
                // The established connection echoes while every new socket is refused.
                let steady = eddy::spawn(keep_echoing(established, 20));
                assert_refused("TcpStream::connect", TcpStream::connect(addr).await, errno);
                assert_refused(
                    "TcpListener::bind",
                    TcpListener::bind("127.0.0.1:0").await,
                    errno,
                );
                assert_refused("TcpSocket::new_v4", TcpSocket::new_v4(), errno);
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
                assert_refused("UnixDatagram::bind", UnixDatagram::bind(&other), errno);
                assert_refused("UnixDatagram::unbound", UnixDatagram::unbound(), errno);
                assert_refused("UnixStream::pair", UnixStream::pair(), errno);
                assert_refused("UnixDatagram::pair", UnixDatagram::pair(), errno);
                assert_eq!(faults.injected(Call::Socket), 10);
                assert_eq!(faults.calls(Call::Socket), 10);
                established = steady.await.unwrap();
                faults.disarm(Call::Socket);
                assert_eq!(eddy::runtime::Handle::current().io_sources(), sources);
                assert_eq!(open_fds(), open, "a descriptor leaked (errno {errno})");
            }
            // Nothing is left broken.
            let mut fresh = TcpStream::connect(addr).await.unwrap();
            echo(&mut fresh, b"after").await;
            echo(&mut established, b"after").await;
            let (_a, _b) = UnixStream::pair().unwrap();
            drop(unix_listener);
            server.abort();
        });
        let _ = std::fs::remove_dir_all(&dir);
        wait_for_open_fds(fds);
    });
}
