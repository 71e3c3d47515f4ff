//! Real work through eddy, each piece checking its own result exactly: every error is a
//! failure (an `Interrupted` that reaches the caller is the defect the storm looks for),
//! every byte count and checksum must match.

use std::path::Path;

use eddy::net::{TcpListener, TcpStream, UdpSocket, UnixDatagram, UnixListener, UnixStream};
use eddy::process::Command;
use futures_lite::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The bytes a connection sends: position-dependent, so loss, duplication and reordering
/// all change the checksum.
pub fn pattern(seed: usize, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i * 31 + seed * 7 + i / 251) as u8)
        .collect()
}

/// Unwraps, naming the operation (and the error's kind, `Interrupted` being the one this
/// file is about).
fn ok<T>(what: &str, result: std::io::Result<T>) -> T {
    result.unwrap_or_else(|err| panic!("{what}: {err} (kind {:?})", err.kind()))
}

/// Writes `data` and closes the write side while reading everything back; the bytes read
/// must be the bytes written.
async fn echo_round<S>(stream: S, seed: usize, len: usize)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut reader, mut writer) = futures_lite::io::split(stream);
    let data = pattern(seed, len);
    let writing = eddy::spawn(async move {
        for chunk in data.chunks(16 * 1024) {
            ok("write", writer.write_all(chunk).await);
        }
        ok("close", writer.close().await);
    });
    let mut back = Vec::with_capacity(len);
    ok("read", reader.read_to_end(&mut back).await);
    writing.await.unwrap();
    assert_eq!(back.len(), len, "echoed byte count");
    assert!(back == pattern(seed, len), "echoed bytes differ");
}

/// Echoes one accepted stream until its peer closes.
async fn echo_server<S>(stream: S)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut reader, mut writer) = futures_lite::io::split(stream);
    ok(
        "echo copy",
        futures_lite::io::copy(&mut reader, &mut writer).await,
    );
    ok("echo close", writer.close().await);
}

/// TCP: `conns` connections, each echoing `bytes` through a server on the same runtime;
/// half connect to "localhost" by name.
/// Returns the bytes moved (both directions).
pub async fn tcp_echo(conns: usize, bytes: usize) -> u64 {
    let listener = ok("bind", TcpListener::bind("127.0.0.1:0").await);
    let addr = ok("local_addr", listener.local_addr());
    let server = eddy::spawn(async move {
        let mut served = Vec::new();
        for _ in 0..conns {
            let (stream, _) = ok("accept", listener.accept().await);
            served.push(eddy::spawn(echo_server(stream)));
        }
        for task in served {
            task.await.unwrap();
        }
    });
    let clients: Vec<_> = (0..conns)
        .map(|i| {
            eddy::spawn(async move {
                // Half by name: the lookup runs `getaddrinfo` on the blocking pool.
                let stream = if i % 2 == 0 {
                    ok("connect", TcpStream::connect(addr).await)
                } else {
                    let by_name = ("localhost", addr.port());
                    ok("connect by name", TcpStream::connect(by_name).await)
                };
                echo_round(stream, i, bytes).await;
            })
        })
        .collect();
    for client in clients {
        client.await.unwrap();
    }
    server.await.unwrap();
    2 * (conns * bytes) as u64
}

/// Unix stream sockets: as [`tcp_echo`], through a listener at a path in `dir`.
pub async fn unix_echo(dir: &Path, conns: usize, bytes: usize) -> u64 {
    let path = dir.join(format!("echo-{}.sock", fastrand_u64()));
    let listener = ok("unix bind", UnixListener::bind(&path));
    let server = eddy::spawn(async move {
        let mut served = Vec::new();
        for _ in 0..conns {
            let (stream, _) = ok("unix accept", listener.accept().await);
            served.push(eddy::spawn(echo_server(stream)));
        }
        for task in served {
            task.await.unwrap();
        }
    });
    let clients: Vec<_> = (0..conns)
        .map(|i| {
            let path = path.clone();
            eddy::spawn(async move {
                let stream = ok("unix connect", UnixStream::connect(&path).await);
                echo_round(stream, i, bytes).await;
            })
        })
        .collect();
    for client in clients {
        client.await.unwrap();
    }
    server.await.unwrap();
    let _ = std::fs::remove_file(&path);
    2 * (conns * bytes) as u64
}

/// A number for unique file names within the process.
fn fastrand_u64() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Relaxed)
}

/// UDP: `rounds` request/response datagrams of 1 KiB between two sockets (one at a time,
/// so loopback loses none); each reply must carry the request's sequence number.
pub async fn udp_ping_pong(rounds: u32) -> u64 {
    let a = ok("udp bind", UdpSocket::bind("127.0.0.1:0").await);
    let b = ok("udp bind", UdpSocket::bind("127.0.0.1:0").await);
    let (a_addr, b_addr) = (ok("addr", a.local_addr()), ok("addr", b.local_addr()));
    let responder = eddy::spawn(async move {
        let mut buf = [0u8; 2048];
        for _ in 0..rounds {
            let (n, from) = ok("udp recv_from", b.recv_from(&mut buf).await);
            assert_eq!((n, from), (1024, a_addr));
            ok("udp send_to", b.send_to(&buf[..n], from).await);
        }
    });
    let mut buf = [0u8; 2048];
    for seq in 0..rounds {
        let mut datagram = [seq as u8; 1024];
        datagram[..4].copy_from_slice(&seq.to_le_bytes());
        assert_eq!(ok("udp send_to", a.send_to(&datagram, b_addr).await), 1024);
        let (n, _) = ok("udp recv_from", a.recv_from(&mut buf).await);
        assert_eq!(&buf[..n], &datagram[..], "reply to datagram {seq}");
    }
    responder.await.unwrap();
    2 * 1024 * u64::from(rounds)
}

/// Unix datagrams: as [`udp_ping_pong`], over a socket pair.
pub async fn unix_datagram_ping_pong(rounds: u32) -> u64 {
    let (a, b) = ok("unix datagram pair", UnixDatagram::pair());
    let responder = eddy::spawn(async move {
        let mut buf = [0u8; 2048];
        for _ in 0..rounds {
            let n = ok("unix recv", b.recv(&mut buf).await);
            ok("unix send", b.send(&buf[..n]).await);
        }
    });
    let mut buf = [0u8; 2048];
    for seq in 0..rounds {
        let datagram = seq.to_le_bytes().repeat(128);
        ok("unix send", a.send(&datagram).await);
        let n = ok("unix recv", a.recv(&mut buf).await);
        assert_eq!(&buf[..n], &datagram[..]);
    }
    responder.await.unwrap();
    2 * 512 * u64::from(rounds)
}

/// Children: `cat` echoing `bytes` through its pipes (written while read), then its exit
/// status; and a shell's exit code. `children` of each, concurrently.
pub async fn processes(children: usize, bytes: usize) -> u64 {
    let cats: Vec<_> = (0..children)
        .map(|i| {
            eddy::spawn(async move {
                let mut child = ok(
                    "spawn cat",
                    Command::new("cat")
                        .stdin(std::process::Stdio::piped())
                        .stdout(std::process::Stdio::piped())
                        .spawn(),
                );
                let mut stdin = child.stdin.take().unwrap();
                let mut stdout = child.stdout.take().unwrap();
                let data = pattern(i, bytes);
                let expected = data.clone();
                let writing = eddy::spawn(async move {
                    ok("write to cat", stdin.write_all(&data).await);
                    drop(stdin);
                });
                let mut back = Vec::new();
                ok("read from cat", stdout.read_to_end(&mut back).await);
                writing.await.unwrap();
                assert!(
                    back == expected,
                    "cat echoed {} of {bytes} bytes",
                    back.len()
                );
                assert!(ok("wait cat", child.wait().await).success());
            })
        })
        .collect();
    let exits: Vec<_> = (0..children)
        .map(|i| {
            eddy::spawn(async move {
                let code = (i % 100) as i32 + 1;
                let out = ok(
                    "sh output",
                    Command::new("sh")
                        .arg("-c")
                        .arg(format!("echo {code}; exit {code}"))
                        .output()
                        .await,
                );
                assert_eq!(out.status.code(), Some(code));
                assert_eq!(out.stdout, format!("{code}\n").into_bytes());
            })
        })
        .collect();
    // Children still running when waited for: their exit must wake the waiter (the pidfd
    // on the reactor, or SIGCHLD through the `eddy-signal` thread).
    let sleepers: Vec<_> = (0..children)
        .map(|_| {
            eddy::spawn(async move {
                let mut child = ok("spawn sleep", Command::new("sleep").arg("0.02").spawn());
                let status = crate::support::step("wait for sleep", child.wait()).await;
                assert!(ok("wait sleep", status).success());
            })
        })
        .collect();
    for task in cats.into_iter().chain(exits).chain(sleepers) {
        task.await.unwrap();
    }
    2 * (children * bytes) as u64
}

/// Files through `eddy::fs`: write, read back, copy, a `File` written and read in chunks,
/// a directory listed, all removed.
pub async fn files(dir: &Path, bytes: usize) -> u64 {
    let dir = dir.join(format!("fs-{}", fastrand_u64()));
    ok("create_dir_all", eddy::fs::create_dir_all(&dir).await);
    let data = pattern(3, bytes);
    let (a, b, c) = (dir.join("a"), dir.join("b"), dir.join("c"));
    ok("fs::write", eddy::fs::write(&a, &data).await);
    assert!(ok("fs::read", eddy::fs::read(&a).await) == data);
    assert_eq!(ok("fs::copy", eddy::fs::copy(&a, &b).await), bytes as u64);
    let mut file = ok("File::create", eddy::fs::File::create(&c).await);
    for chunk in data.chunks(10_000) {
        ok("File write_all", file.write_all(chunk).await);
    }
    ok("File flush", file.flush().await);
    drop(file);
    let mut file = ok("File::open", eddy::fs::File::open(&c).await);
    let mut back = Vec::new();
    ok("File read_to_end", file.read_to_end(&mut back).await);
    assert!(back == data);
    assert!(ok("fs::read copy", eddy::fs::read(&b).await) == data);
    let mut entries = ok("read_dir", eddy::fs::read_dir(&dir).await);
    let mut names = 0;
    while ok("next_entry", entries.next_entry().await).is_some() {
        names += 1;
    }
    assert_eq!(names, 3);
    ok("remove_dir_all", eddy::fs::remove_dir_all(&dir).await);
    4 * bytes as u64
}

/// The blocking pool: `jobs` closures that sleep (`nanosleep`, which std retries on
/// `EINTR`) and read and write a file with std, through `spawn_blocking` and
/// `run_in_executor`; each returns its own checksum.
pub async fn blocking(dir: &Path, jobs: usize) -> u64 {
    let tasks: Vec<_> = (0..jobs)
        .map(|i| {
            let path = dir.join(format!("blocking-{}", fastrand_u64()));
            let job = move || {
                std::thread::sleep(std::time::Duration::from_millis(2));
                let data = pattern(i, 64 * 1024);
                std::fs::write(&path, &data).unwrap();
                let back = std::fs::read(&path).unwrap();
                std::fs::remove_file(&path).unwrap();
                assert!(back == data);
                back.iter().map(|&b| u64::from(b)).sum::<u64>()
            };
            if i % 2 == 0 {
                eddy::task::spawn_blocking(job)
            } else {
                eddy::run_in_executor(job)
            }
        })
        .collect();
    let mut sum = 0;
    for (i, task) in tasks.into_iter().enumerate() {
        let got = task.await.unwrap();
        assert_eq!(
            got,
            pattern(i, 64 * 1024)
                .iter()
                .map(|&b| u64::from(b))
                .sum::<u64>()
        );
        sum += got;
    }
    sum
}

/// Channels: `producers` tasks send `each` numbers through a bounded channel of 16 (so
/// senders wait on a full channel), a oneshot carries the total back.
pub async fn channels(producers: u64, each: u64) -> u64 {
    let (tx, mut rx) = eddy::sync::mpsc::channel::<u64>(16);
    let (done_tx, done_rx) = eddy::sync::oneshot::channel();
    eddy::spawn(async move {
        let mut total = 0;
        while let Some(n) = rx.recv().await {
            total += n;
        }
        let _ = done_tx.send(total);
    });
    for p in 0..producers {
        let tx = tx.clone();
        eddy::spawn(async move {
            for n in 0..each {
                tx.send(p * each + n).await.unwrap();
            }
        });
    }
    drop(tx);
    let total = done_rx.await.unwrap();
    let count = producers * each;
    assert_eq!(total, count * (count - 1) / 2);
    count
}

/// eddy's own signals: a `Signal` for SIGUSR1 sees `rounds` deliveries, one at a time
/// (so none coalesce), through the `eddy-signal` thread, which the storm interrupts too.
pub async fn eddy_signals(rounds: u32) -> u64 {
    use eddy::signal::{signal, SignalKind};
    let mut usr1 = ok("signal", signal(SignalKind::user_defined1()));
    for _ in 0..rounds {
        // SAFETY: `kill` takes integers; SIGUSR1 has eddy's handler installed just above.
        let rc = unsafe { libc::kill(libc::getpid(), libc::SIGUSR1) };
        assert_eq!(rc, 0);
        let got = crate::support::step("SIGUSR1 through eddy::signal", usr1.recv()).await;
        assert!(got.is_some());
    }
    u64::from(rounds)
}

/// FIFOs: blocking opens, reads and writes on the blocking pool, where a signal
/// interrupts a thread asleep in the kernel. A writer sends `bytes` in 4 KiB chunks with
/// pauses between them (so the reader blocks, and is interrupted, often) to a reader that
/// is an `eddy::fs::File`, then `eddy::fs::read`. (std's `fs::copy` refuses FIFOs.)
pub async fn fifos(dir: &Path, bytes: usize) -> u64 {
    let fifo = dir.join(format!("fifo-{}", fastrand_u64()));
    let c_path = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: `c_path` is a valid NUL-terminated path for the call.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    let data = pattern(9, bytes);
    for reader in ["File", "fs::read"] {
        let writer = eddy::spawn({
            let (fifo, data) = (fifo.clone(), data.clone());
            async move {
                let mut file = ok("open fifo for writing", eddy::fs::File::create(&fifo).await);
                for chunk in data.chunks(4096) {
                    ok("fifo write", file.write_all(chunk).await);
                    ok("fifo flush", file.flush().await);
                    eddy::time::sleep(std::time::Duration::from_micros(300)).await;
                }
            }
        });
        let back = match reader {
            "File" => {
                let mut file = ok("open fifo for reading", eddy::fs::File::open(&fifo).await);
                let mut back = Vec::new();
                ok("fifo File read_to_end", file.read_to_end(&mut back).await);
                back
            }
            _ => ok("fifo fs::read", eddy::fs::read(&fifo).await),
        };
        writer.await.unwrap();
        assert_eq!(back.len(), bytes, "{reader} from a fifo: byte count");
        assert!(back == data, "{reader} from a fifo: bytes differ");
    }
    ok("remove fifo", eddy::fs::remove_file(&fifo).await);
    2 * bytes as u64
}
