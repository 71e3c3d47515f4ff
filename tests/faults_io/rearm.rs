//! Re-arming a source fails in one-shot mode (`Poller::modify`: the path of IOCP and event
//! ports, run here on `IoBackend::PollingOneshot`). The operation that waited returns the
//! error, or is woken to try again when the arming failed for it in another's round;
//! never a hang, never a readiness lost for another socket or direction.

use eddy::faults::{Call, Faults, When};
use eddy::net::{TcpListener, TcpStream};
use eddy::runtime::{Builder, IoBackend};
use futures_lite::{AsyncReadExt, AsyncWriteExt};

use crate::support::with_timeout;
use crate::{assert_refused, LIMIT};

/// A multi-thread runtime on the one-shot backend.
fn oneshot_runtime(workers: usize) -> eddy::Runtime {
    Builder::new_multi_thread()
        .worker_threads(workers)
        .io_backend(IoBackend::PollingOneshot)
        .build()
        .unwrap()
}

/// Runs the I/O expression again while it fails with the injected error (ENOMEM), as a
/// caller that retries would.
macro_rules! retry {
    ($op:expr) => {
        loop {
            match $op {
                Err(err) if err.raw_os_error() == Some(libc::ENOMEM) => continue,
                other => break other,
            }
        }
    };
}

/// A read with nothing to read waits, and arming its direction fails: the read returns
/// ENOMEM as is. The next read arms again and gets the bytes. The same for a write that
/// waits for room: it returns the error, and nothing it wrote before is lost.
#[test]
fn a_failed_rearm_fails_the_waiting_operation_and_the_next_one_works() {
    with_timeout(LIMIT, || {
        let faults = Faults::begin();
        let rt = oneshot_runtime(1);
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let mut client = TcpStream::connect(listener.local_addr().unwrap())
                .await
                .unwrap();
            let (mut server, _) = listener.accept().await.unwrap();

            faults.arm(Call::Rearm, When::Nth(1), libc::ENOMEM);
            let mut buf = [0; 16];
            assert_refused("read", client.read(&mut buf).await, libc::ENOMEM);
            assert_eq!(faults.injected(Call::Rearm), 1);
            server.write_all(b"hello").await.unwrap();
            let n = client.read(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"hello");

            // Writes until the send buffer is full and the write waits for room.
            faults.arm(Call::Rearm, When::Nth(1), libc::ENOMEM);
            let chunk = vec![7u8; 64 << 10];
            let mut written = 0;
            let err = loop {
                match client.write(&chunk).await {
                    Ok(n) => written += n,
                    Err(err) => break err,
                }
            };
            assert_eq!(err.raw_os_error(), Some(libc::ENOMEM), "{err}");
            assert!(written > 0);
            // The rest goes out once the server reads: every byte arrives, once.
            let reader = eddy::spawn(async move {
                let mut all = vec![0; written + 5];
                server.read_exact(&mut all).await.unwrap();
                assert!(all[..written].iter().all(|&b| b == 7));
                assert_eq!(&all[written..], b"tail!");
            });
            client.write_all(b"tail!").await.unwrap();
            reader.await.unwrap();
        });
    });
}

/// A fifth of all re-arms fail while three connections echo 256 KiB each, full duplex
/// (so both directions of a socket wait at once, and a round that re-arms one source for
/// the other direction meets the failure too). Callers retry on the error; every byte
/// comes back in order and nothing hangs. Without waking the waiters whose re-arming
/// failed in a delivery, one of them would wait for an event its source is not armed for.
#[test]
fn rearms_failing_at_random_never_hang_or_lose_readiness() {
    const SIZE: usize = 256 << 10;
    with_timeout(LIMIT, || {
        let faults = Faults::begin();
        let rt = oneshot_runtime(2);
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            faults.arm(
                Call::Rearm,
                When::Fraction {
                    ratio: 0.2,
                    seed: 5,
                },
                libc::ENOMEM,
            );
            let server = eddy::spawn(async move {
                loop {
                    let (mut stream, _) = retry!(listener.accept().await).unwrap();
                    eddy::spawn(async move {
                        let mut buf = vec![0; 16 << 10];
                        loop {
                            let n = retry!(stream.read(&mut buf).await).unwrap();
                            if n == 0 {
                                return;
                            }
                            let mut sent = 0;
                            while sent < n {
                                sent += retry!(stream.write(&buf[sent..n]).await).unwrap();
                            }
                        }
                    });
                }
            });
            let clients: Vec<_> = (0..3u8)
                .map(|id| {
                    eddy::spawn(async move {
                        let stream = retry!(TcpStream::connect(addr).await).unwrap();
                        let (mut reader, mut writer) = stream.into_split();
                        let data: Vec<u8> = (0..SIZE).map(|i| (i % 251) as u8 ^ id).collect();
                        let expected = data.clone();
                        let sending = eddy::spawn(async move {
                            let mut sent = 0;
                            while sent < SIZE {
                                let end = (sent + (16 << 10)).min(SIZE);
                                sent += retry!(writer.write(&data[sent..end]).await).unwrap();
                            }
                            writer
                        });
                        let mut back = vec![0; SIZE];
                        let mut got = 0;
                        while got < SIZE {
                            let n = retry!(reader.read(&mut back[got..]).await).unwrap();
                            assert_ne!(n, 0, "client {id}: end-of-stream after {got} bytes");
                            got += n;
                        }
                        assert!(back == expected, "client {id}: the echo differs");
                        drop(sending.await.unwrap());
                    })
                })
                .collect();
            for client in clients {
                client.await.unwrap();
            }
            assert!(faults.injected(Call::Rearm) > 0);
            server.abort();
            let _ = server.await.map_err(|e| assert!(e.is_cancelled()));
        });
    });
}
