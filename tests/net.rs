//! eddy::net's TCP sockets on the reactor — round trips, bulk transfers, half-close,
//! faults, and the driver's fairness rules (I/O is polled while workers are busy, and the
//! poller is handed off while its worker runs long). UDP and Unix sockets have files of
//! their own (`net_udp.rs`, `net_unix.rs`), and so do connect's outcomes
//! (`net_connect.rs`). The tests over a Unix socket pair are Unix only.

mod support;

use std::io::{ErrorKind, Write};
use std::net::Shutdown;
#[cfg(unix)]
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
#[cfg(unix)]
use std::sync::Arc;
use std::time::{Duration, Instant};

#[cfg(unix)]
use eddy::net::UnixStream;
use eddy::net::{TcpListener, TcpStream};
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use support::{runtime, with_timeout, LIMIT};

/// Accepts connections for ever, echoing each on its own task.
fn spawn_echo_server(listener: TcpListener) {
    eddy::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            eddy::spawn(async move {
                let (mut reader, mut writer) = stream.into_split();
                futures_lite::io::copy(&mut reader, &mut writer).await.ok();
            });
        }
    });
}

#[test]
fn echo_over_1000_concurrent_connections() {
    with_timeout(LIMIT, || {
        runtime(2).block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            spawn_echo_server(listener);
            let clients: Vec<_> = (0..1000u32)
                .map(|i| {
                    eddy::spawn(async move {
                        let mut stream = TcpStream::connect(addr).await.unwrap();
                        let message = format!("hello from client {i:04}");
                        for _ in 0..3 {
                            stream.write_all(message.as_bytes()).await.unwrap();
                            let mut echoed = vec![0; message.len()];
                            stream.read_exact(&mut echoed).await.unwrap();
                            assert_eq!(echoed, message.as_bytes());
                        }
                    })
                })
                .collect();
            for client in clients {
                client.await.unwrap();
            }
        });
    });
}

/// A cheap checksum that notices reordering, loss and duplication (Fletcher-style).
fn checksum(state: &mut (u64, u64), bytes: &[u8]) {
    for &b in bytes {
        state.0 = (state.0 + u64::from(b)) % 65_521;
        state.1 = (state.1 + state.0) % 65_521;
    }
}

#[test]
fn a_64_mib_transfer_arrives_whole_through_partial_writes() {
    const TOTAL: usize = 64 << 20;
    with_timeout(LIMIT, || {
        runtime(2).block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let sender = eddy::spawn(async move {
                let (mut stream, _) = listener.accept().await.unwrap();
                let mut sum = (1, 0);
                let mut chunk = vec![0u8; 1 << 20];
                let mut sent = 0;
                while sent < TOTAL {
                    for (i, byte) in chunk.iter_mut().enumerate() {
                        *byte = ((sent + i) * 7 % 251) as u8;
                    }
                    checksum(&mut sum, &chunk);
                    // One poll_write takes what the kernel's buffer has room for: a
                    // 1 MiB write is many partial writes under write_all.
                    stream.write_all(&chunk).await.unwrap();
                    sent += chunk.len();
                }
                stream.close().await.unwrap();
                sum
            });
            let mut stream = TcpStream::connect(addr).await.unwrap();
            let mut sum = (1, 0);
            let mut received = 0;
            let mut buf = vec![0u8; 64 << 10];
            loop {
                let n = stream.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                checksum(&mut sum, &buf[..n]);
                received += n;
            }
            assert_eq!(received, TOTAL);
            assert_eq!(sum, sender.await.unwrap());
        });
    });
}

#[test]
fn half_close_lets_the_peer_read_to_the_end_and_still_answer() {
    with_timeout(LIMIT, || {
        runtime(2).block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = eddy::spawn(async move {
                let (mut stream, _) = listener.accept().await.unwrap();
                let mut request = Vec::new();
                // Reads until the client's write shutdown: read returns 0.
                stream.read_to_end(&mut request).await.unwrap();
                stream.write_all(&request).await.unwrap();
                stream.write_all(b" (done)").await.unwrap();
            });
            let mut client = TcpStream::connect(addr).await.unwrap();
            client.write_all(b"request").await.unwrap();
            client.shutdown(Shutdown::Write).unwrap();
            let mut reply = String::new();
            client.read_to_string(&mut reply).await.unwrap();
            assert_eq!(reply, "request (done)");
            // Further reads keep returning 0.
            assert_eq!(client.read(&mut [0; 8]).await.unwrap(), 0);
            server.await.unwrap();
        });
    });
}

/// Reads that fill their buffer (`read_exact` of whole messages) carry the kernel's
/// count of what is left on Linux, and a read that left nothing waits for the next
/// message without a `read` that says `WouldBlock`. What must not change: every byte
/// arrives, and an end-of-stream that came with the last message is still seen.
#[test]
fn whole_message_reads_see_every_message_and_the_end_of_stream_behind_them() {
    with_timeout(LIMIT, || {
        runtime(2).block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let (messages, size) = (2_000u32, 64);
            let (sent_tx, sent_rx) = eddy::sync::oneshot::channel();
            let mut sent_tx = Some(sent_tx);
            let server = eddy::spawn(async move {
                let (mut stream, _) = listener.accept().await.unwrap();
                let mut message = vec![0; size];
                let mut sent = Some(sent_rx);
                for i in 0..messages {
                    if i + 1 == messages {
                        // The last message and the FIN are both in: give the reactor a
                        // moment to take their edges as one, so that the read below sees
                        // both at once (correct code passes either way; this is what
                        // catches a clear that would hide the FIN behind the bytes).
                        sent.take().unwrap().await.unwrap();
                        eddy::time::sleep(Duration::from_millis(20)).await;
                    }
                    stream.read_exact(&mut message).await.unwrap();
                    assert!(message.iter().all(|&b| b == i as u8), "message {i}");
                    // Answer every tenth, so some messages wait and some arrive in bursts.
                    if i % 10 == 9 {
                        stream.write_all(&[1]).await.unwrap();
                    }
                }
                // The last message and the FIN came together: the end is still seen.
                assert_eq!(stream.read(&mut message).await.unwrap(), 0);
                assert_eq!(stream.read(&mut message).await.unwrap(), 0);
            });
            let mut client = TcpStream::connect(addr).await.unwrap();
            client.set_nodelay(true).unwrap();
            for i in 0..messages {
                let message = vec![i as u8; size];
                if i + 1 == messages {
                    // One write of the last message, then the FIN at once.
                    client.write_all(&message).await.unwrap();
                    client.shutdown(Shutdown::Write).unwrap();
                    sent_tx.take().unwrap().send(()).unwrap();
                } else {
                    client.write_all(&message).await.unwrap();
                }
                if i % 10 == 9 {
                    client.read_exact(&mut [0; 1]).await.unwrap();
                }
            }
            server.await.unwrap();
        });
    });
}

/// A reset that comes right behind a whole message: the kernel counts 0 bytes left (a
/// reset is not a FIN), yet the next read must return the error, not wait for an edge
/// that already came.
#[test]
fn a_reset_behind_a_whole_message_is_still_reported() {
    with_timeout(LIMIT, || {
        runtime(2).block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let (sent_tx, sent_rx) = eddy::sync::oneshot::channel();
            let server = eddy::spawn(async move {
                let (mut stream, _) = listener.accept().await.unwrap();
                let mut message = [0; 64];
                // A full read: the count goes on (Linux).
                stream.read_exact(&mut message).await.unwrap();
                sent_rx.await.unwrap();
                // Both the second message and the reset are in: give the reactor a moment
                // to take their edges as one before the read (as in the FIN test above).
                eddy::time::sleep(Duration::from_millis(20)).await;
                stream.read_exact(&mut message).await.unwrap();
                assert_eq!(message, [2; 64]);
                match stream.read(&mut message).await {
                    Err(err) => assert_eq!(err.kind(), ErrorKind::ConnectionReset, "{err:?}"),
                    Ok(n) => panic!("a read after the reset returned {n} bytes"),
                }
            });
            let mut client = TcpStream::connect(addr).await.unwrap();
            client.set_nodelay(true).unwrap();
            client.write_all(&[1; 64]).await.unwrap();
            client.write_all(&[2; 64]).await.unwrap();
            // Closing with a zero linger sends a reset instead of a FIN.
            client.set_zero_linger().unwrap();
            drop(client);
            sent_tx.send(()).unwrap();
            server.await.unwrap();
        });
    });
}

/// A request/response exchange of whole messages: each side's reads fill their buffer
/// and must each wait for the other's next message, never hang on a readiness cleared
/// too early.
#[test]
fn whole_message_ping_pong_never_stalls() {
    with_timeout(LIMIT, || {
        runtime(2).block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = eddy::spawn(async move {
                let (mut stream, _) = listener.accept().await.unwrap();
                let mut message = [0; 32];
                while stream.read_exact(&mut message).await.is_ok() {
                    message[0] = message[0].wrapping_add(1);
                    stream.write_all(&message).await.unwrap();
                }
            });
            let mut client = TcpStream::connect(addr).await.unwrap();
            client.set_nodelay(true).unwrap();
            let mut message = [0u8; 32];
            for i in 0..5_000u32 {
                client.write_all(&message).await.unwrap();
                client.read_exact(&mut message).await.unwrap();
                assert_eq!(message[0], (i + 1) as u8);
            }
            drop(client);
            server.await.unwrap();
        });
    });
}

#[cfg(unix)] // over a Unix socket pair
#[test]
fn owned_halves_work_from_two_tasks_and_reunite() {
    with_timeout(LIMIT, || {
        runtime(2).block_on(async {
            let (a, b) = UnixStream::pair().unwrap();
            let (mut read_half, mut write_half) = a.into_split();
            let writer = eddy::spawn(async move {
                for i in 0..1000u32 {
                    write_half.write_all(&i.to_be_bytes()).await.unwrap();
                }
                write_half
            });
            let peer = eddy::spawn(async move {
                let mut b = b;
                let mut buf = [0; 4];
                for i in 0..1000u32 {
                    b.read_exact(&mut buf).await.unwrap();
                    assert_eq!(u32::from_be_bytes(buf), i);
                    b.write_all(&buf).await.unwrap();
                }
                b
            });
            let mut buf = [0; 4];
            for i in 0..1000u32 {
                read_half.read_exact(&mut buf).await.unwrap();
                assert_eq!(u32::from_be_bytes(buf), i);
            }
            let write_half = writer.await.unwrap();
            let _b = peer.await.unwrap();
            let stream = read_half.reunite(write_half).unwrap();
            assert!(stream.local_addr().is_ok());
        });
    });
}

#[cfg(unix)] // over a Unix socket pair
#[test]
fn dropping_the_write_half_shuts_down_writing() {
    with_timeout(LIMIT, || {
        runtime(1).block_on(async {
            let (a, mut b) = UnixStream::pair().unwrap();
            let (_read_half, write_half) = a.into_split();
            drop(write_half);
            let mut rest = Vec::new();
            assert_eq!(b.read_to_end(&mut rest).await.unwrap(), 0);
        });
    });
}

#[test]
fn connecting_to_a_closed_port_is_refused_promptly() {
    with_timeout(LIMIT, || {
        runtime(1).block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            drop(listener);
            let started = Instant::now();
            let err = TcpStream::connect(addr).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "{err}");
            assert!(started.elapsed() < Duration::from_secs(5));
        });
    });
}

#[test]
fn a_peer_reset_is_an_error_not_a_panic() {
    with_timeout(LIMIT, || {
        runtime(2).block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            // The peer is a plain std socket that closes with unread data: the kernel
            // answers with RST instead of FIN.
            let peer = std::thread::spawn(move || {
                let mut stream = std::net::TcpStream::connect(addr).unwrap();
                stream.write_all(b"x").unwrap();
                let mut buf = [0; 1];
                std::io::Read::read_exact(&mut stream, &mut buf).unwrap();
                // `buf` was the go-ahead; the server wrote more that stays unread.
                std::thread::sleep(Duration::from_millis(20));
                drop(stream);
            });
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut buf = [0; 1];
            stream.read_exact(&mut buf).await.unwrap();
            stream.write_all(b"go-ahead and more").await.unwrap();
            peer.join().unwrap();
            // Writing into a reset connection fails (EPIPE / ECONNRESET); reading
            // reports the reset or end-of-stream. Neither panics.
            let mut result = Ok(());
            for _ in 0..100 {
                if let Err(err) = stream.write_all(&[0; 1024]).await {
                    result = Err(err);
                    break;
                }
                eddy::time::sleep(Duration::from_millis(1)).await;
            }
            let err = result.expect_err("writes into a reset connection must fail");
            assert!(
                matches!(
                    err.kind(),
                    ErrorKind::ConnectionReset | ErrorKind::BrokenPipe
                ),
                "{err:?}"
            );
            match stream.read(&mut [0; 16]).await {
                Ok(n) => assert_eq!(n, 0),
                Err(err) => assert_eq!(err.kind(), ErrorKind::ConnectionReset),
            }
        });
    });
}

#[cfg(unix)] // over a Unix socket pair
#[test]
fn a_waiting_reader_is_woken_when_the_peer_drops() {
    with_timeout(LIMIT, || {
        runtime(2).block_on(async {
            let (a, b) = UnixStream::pair().unwrap();
            let (started_tx, started_rx) = std::sync::mpsc::channel();
            let reader = eddy::spawn(async move {
                let mut a = a;
                started_tx.send(()).unwrap();
                let mut buf = [0; 8];
                a.read(&mut buf).await
            });
            started_rx.recv().unwrap();
            eddy::task::yield_now().await;
            drop(b);
            assert_eq!(reader.await.unwrap().unwrap(), 0);
        });
    });
}

#[cfg(unix)] // over a Unix socket pair
#[test]
fn aborting_a_task_waiting_on_a_socket_deregisters_it() {
    with_timeout(LIMIT, || {
        let rt = runtime(2);
        let sources = |rt: &eddy::Runtime| rt.handle().io_sources();
        let (a, b) = rt.block_on(async { UnixStream::pair().unwrap() });
        assert_eq!(sources(&rt), 2);
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let reader = rt.spawn(async move {
            let mut a = a;
            started_tx.send(()).unwrap();
            a.read(&mut [0; 8]).await
        });
        started_rx.recv().unwrap();
        reader.abort();
        let err = rt.block_on(reader).unwrap_err();
        assert!(err.is_cancelled());
        assert_eq!(
            sources(&rt),
            1,
            "the aborted task's socket was deregistered"
        );
        drop(b);
        assert_eq!(sources(&rt), 0);
    });
}

#[cfg(unix)] // over a Unix socket pair
#[test]
fn readable_and_writable_and_try_io() {
    with_timeout(LIMIT, || {
        runtime(1).block_on(async {
            let (a, b) = UnixStream::pair().unwrap();
            a.writable().await.unwrap();
            assert_eq!(
                b.try_read(&mut [0; 4]).unwrap_err().kind(),
                ErrorKind::WouldBlock
            );
            assert_eq!(a.try_write(b"abc").unwrap(), 3);
            b.readable().await.unwrap();
            let mut buf = [0; 4];
            assert_eq!(b.try_read(&mut buf).unwrap(), 3);
            assert_eq!(&buf[..3], b"abc");
        });
    });
}

#[cfg(unix)] // over a Unix socket pair
#[test]
fn a_hot_reader_spends_its_budget_and_lets_other_tasks_run() {
    with_timeout(LIMIT, || {
        // One worker: if reads never returned Pending, the reader would keep it.
        runtime(1).block_on(async {
            let (a, b) = UnixStream::pair().unwrap();
            let stop = Arc::new(AtomicBool::new(false));
            // A writer thread keeps the socket readable.
            let writer_stop = stop.clone();
            let mut b = b.into_std().unwrap();
            b.set_nonblocking(false).unwrap();
            // Data before the reader starts, whenever the writer thread gets to run.
            b.write_all(&[1; 4096]).unwrap();
            let writer = std::thread::spawn(move || {
                while !writer_stop.load(SeqCst) {
                    if b.write_all(&[1; 4096]).is_err() {
                        break;
                    }
                }
            });
            let reader_stop = stop.clone();
            let reader = eddy::spawn(async move {
                let mut a = a;
                let mut buf = [0; 64];
                let mut reads = 0u64;
                while !reader_stop.load(SeqCst) {
                    match a.read_exact(&mut buf).await {
                        Ok(()) => reads += 1,
                        // The writer leaves only once `stop` is set: if this reader had
                        // caught up and was waiting then, it reads end-of-stream.
                        Err(error) if error.kind() == ErrorKind::UnexpectedEof => {
                            assert!(reader_stop.load(SeqCst), "end-of-stream before stop");
                            break;
                        }
                        Err(error) => panic!("{error}"),
                    }
                }
                reads
            });
            // This task gets to run although the reader always has data.
            eddy::spawn(async {}).await.unwrap();
            stop.store(true, SeqCst);
            assert!(reader.await.unwrap() > 0);
            writer.join().unwrap();
        });
    });
}

#[cfg(unix)] // over a Unix socket pair
#[test]
fn io_is_polled_while_every_worker_is_busy() {
    with_timeout(LIMIT, || {
        // Both workers run tasks that never stop yielding, so neither ever parks: only
        // the busy-worker reactor poll (every 61 ticks) can deliver the readiness.
        runtime(2).block_on(async {
            let stop = Arc::new(AtomicBool::new(false));
            let spinners: Vec<_> = (0..4)
                .map(|_| {
                    let stop = stop.clone();
                    eddy::spawn(async move {
                        while !stop.load(SeqCst) {
                            eddy::task::yield_now().await;
                        }
                    })
                })
                .collect();
            let (a, b) = UnixStream::pair().unwrap();
            let echo = eddy::spawn(async move {
                let mut a = a;
                let mut buf = [0; 4];
                a.read_exact(&mut buf).await.unwrap();
                a.write_all(&buf).await.unwrap();
            });
            let mut b = b;
            b.write_all(b"ping").await.unwrap();
            let mut buf = [0; 4];
            b.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"ping");
            echo.await.unwrap();
            stop.store(true, SeqCst);
            for spinner in spinners {
                spinner.await.unwrap();
            }
        });
    });
}

#[cfg(unix)] // over a Unix socket pair
#[test]
fn a_worker_stuck_after_polling_io_does_not_hold_io_hostage() {
    with_timeout(LIMIT, || {
        let rt = runtime(2);
        let (first, mut first_peer) = std::os::unix::net::UnixStream::pair().unwrap();
        let (second, mut second_peer) = std::os::unix::net::UnixStream::pair().unwrap();
        let released = Arc::new(AtomicBool::new(false));
        let (stuck_tx, stuck_rx) = std::sync::mpsc::channel();
        let (waiting_tx, waiting_rx) = std::sync::mpsc::channel();
        // Woken by I/O, this task blocks its worker (no await) until the other I/O event
        // has been handled, which only the other worker can do: by taking the poller.
        let stuck = rt.spawn({
            let released = released.clone();
            let waiting_tx = waiting_tx.clone();
            async move {
                let mut first = UnixStream::from_std(first).unwrap();
                waiting_tx.send(()).unwrap();
                first.read_exact(&mut [0; 1]).await.unwrap();
                stuck_tx.send(()).unwrap();
                while !released.load(SeqCst) {
                    std::hint::spin_loop();
                }
            }
        });
        let releaser = rt.spawn(async move {
            let mut second = UnixStream::from_std(second).unwrap();
            waiting_tx.send(()).unwrap();
            second.read_exact(&mut [0; 1]).await.unwrap();
            released.store(true, SeqCst);
        });
        waiting_rx.recv().unwrap();
        waiting_rx.recv().unwrap();
        first_peer.write_all(b"1").unwrap();
        stuck_rx.recv().unwrap();
        second_peer.write_all(b"2").unwrap();
        rt.block_on(releaser).unwrap();
        rt.block_on(stuck).unwrap();
    });
}

#[cfg(unix)] // over a Unix socket pair
#[test]
fn a_socket_kept_past_its_runtime_errs_instead_of_hanging() {
    with_timeout(LIMIT, || {
        let rt = runtime(1);
        let (a, _b) = rt.block_on(async { UnixStream::pair().unwrap() });
        let a = Arc::new(a);
        // A plain thread waits on the socket with a runtime-agnostic executor.
        let (waiting_tx, waiting_rx) = std::sync::mpsc::channel();
        let waiter = std::thread::spawn({
            let a = a.clone();
            move || {
                futures_lite::future::block_on(async {
                    waiting_tx.send(()).unwrap();
                    (&*a).read(&mut [0; 8]).await
                })
            }
        });
        waiting_rx.recv().unwrap();
        drop(rt);
        let err = waiter.join().unwrap().unwrap_err();
        assert!(err.to_string().contains("shut down"), "{err}");
        // Later waits fail at once too.
        let err = futures_lite::future::block_on((&*a).read(&mut [0; 8])).unwrap_err();
        assert!(err.to_string().contains("shut down"), "{err}");
    });
}

/// `fcntl`'s answer for `fd`: (non-blocking, close-on-exec).
#[cfg(unix)]
fn modes(fd: &impl std::os::fd::AsRawFd) -> (bool, bool) {
    let fd = fd.as_raw_fd();
    // SAFETY: F_GETFL and F_GETFD only read the flags of `fd`, borrowed and open here.
    let (status, fd_flags) = unsafe {
        (
            libc::fcntl(fd, libc::F_GETFL),
            libc::fcntl(fd, libc::F_GETFD),
        )
    };
    assert!(
        status != -1 && fd_flags != -1,
        "fcntl: {}",
        std::io::Error::last_os_error()
    );
    (
        status & libc::O_NONBLOCK != 0,
        fd_flags & libc::FD_CLOEXEC != 0,
    )
}

/// Every socket eddy opens or accepts is non-blocking (a blocking call would stall a
/// worker) and close-on-exec (a child process must not inherit it), whether the OS sets
/// both as it makes the socket (`SOCK_NONBLOCK`, Linux and the BSDs) or eddy sets the
/// first after; and a socket of the user's, blocking, is made non-blocking by
/// `TcpSocket::connect`.
#[cfg(unix)]
#[test]
fn every_socket_is_non_blocking_and_close_on_exec() {
    use eddy::net::{TcpSocket, UdpSocket, UnixListener};
    use std::os::fd::{FromRawFd, OwnedFd};

    with_timeout(LIMIT, || {
        runtime(2).block_on(async {
            let both = (true, true);
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            assert_eq!(modes(&listener), both, "TcpListener::bind");
            let addr = listener.local_addr().unwrap();
            let client = TcpStream::connect(addr).await.unwrap();
            assert_eq!(modes(&client), both, "TcpStream::connect");
            let (accepted, peer) = listener.accept().await.unwrap();
            assert_eq!(modes(&accepted), both, "TcpListener::accept");
            assert_eq!(peer, client.local_addr().unwrap());

            let socket = TcpSocket::new_v4().unwrap();
            assert_eq!(modes(&socket), both, "TcpSocket::new_v4");
            let stream = socket.connect(addr).await.unwrap();
            assert_eq!(modes(&stream), both, "TcpSocket::connect");
            let socket = TcpSocket::new_v4().unwrap();
            socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
            assert_eq!(modes(&socket.listen(8).unwrap()), both, "TcpSocket::listen");
            // A user's socket, blocking: `connect` and `listen` make it non-blocking.
            let blocking = || {
                // SAFETY: socket(2) with constant, valid arguments.
                let raw = unsafe { libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0) };
                assert!(raw >= 0, "socket: {}", std::io::Error::last_os_error());
                // SAFETY: `raw` is a socket just opened that nothing else owns.
                let socket = TcpSocket::from(unsafe { OwnedFd::from_raw_fd(raw) });
                assert!(!modes(&socket).0);
                socket
            };
            let stream = blocking().connect(addr).await.unwrap();
            assert!(modes(&stream).0, "TcpSocket::connect of a blocking socket");
            let socket = blocking();
            socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
            let user_listener = socket.listen(8).unwrap();
            assert!(
                modes(&user_listener).0,
                "TcpSocket::listen of a blocking socket"
            );

            let udp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            assert_eq!(modes(&udp), both, "UdpSocket::bind");

            let dir = support::socket_dir("modes");
            let path = dir.join("modes.sock");
            let unix = UnixListener::bind(&path).unwrap();
            assert_eq!(modes(&unix), both, "UnixListener::bind");
            let unix_client = UnixStream::connect(&path).await.unwrap();
            assert_eq!(modes(&unix_client), both, "UnixStream::connect");
            let (unix_accepted, _) = unix.accept().await.unwrap();
            assert_eq!(modes(&unix_accepted), both, "UnixListener::accept");
            std::fs::remove_dir_all(&dir).unwrap();
        })
    });
}

/// A client's first read waits for the reactor's report rather than trying the syscall
/// (`stream_io::connect`), so a server that speaks first must still be heard: its greeting,
/// sent as soon as it accepts (often before `connect` has returned), reaches the client's
/// first read, over TCP and a Unix socket, a hundred connections each. The server keeps
/// the connection open until the client answers, so no FIN (whose report would wake a
/// stranded reader, or whose sticky flag would refuse a wrong clear) can hide a lost
/// report of the greeting: the reader either gets the greeting or hangs, and the hang
/// fails the test.
#[test]
fn a_greeting_sent_at_once_reaches_the_clients_first_read() {
    const GREETING: &[u8] = b"220 eddy ready\r\n";

    /// Greets each connection at once, then waits for the client's one-byte answer before
    /// closing it.
    fn greet<S: std::io::Read + std::io::Write>(mut stream: S) {
        stream.write_all(GREETING).unwrap();
        let mut answer = [0; 1];
        stream.read_exact(&mut answer).unwrap();
        assert_eq!(&answer, b"!");
    }

    /// Reads the greeting, then answers.
    async fn hear<S: futures_lite::AsyncRead + futures_lite::AsyncWrite + Unpin>(mut stream: S) {
        let mut heard = [0; GREETING.len()];
        stream.read_exact(&mut heard).await.unwrap();
        assert_eq!(heard, GREETING);
        stream.write_all(b"!").await.unwrap();
    }

    with_timeout(LIMIT, || {
        runtime(2).block_on(async {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let addr = listener.local_addr().unwrap();
            let server = std::thread::spawn(move || {
                for _ in 0..100 {
                    greet(listener.accept().unwrap().0);
                }
            });
            for _ in 0..100 {
                hear(TcpStream::connect(addr).await.unwrap()).await;
            }
            server.join().unwrap();

            #[cfg(unix)]
            {
                let dir = support::socket_dir("greeting");
                let path = dir.join("greeter.sock");
                let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
                let server = std::thread::spawn(move || {
                    for _ in 0..100 {
                        greet(listener.accept().unwrap().0);
                    }
                });
                for _ in 0..100 {
                    hear(UnixStream::connect(&path).await.unwrap()).await;
                }
                server.join().unwrap();
                std::fs::remove_dir_all(&dir).unwrap();
            }
        })
    });
}
