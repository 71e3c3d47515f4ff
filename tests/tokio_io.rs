//! tokio's I/O traits on eddy's types (feature `tokio-io`), driven by tokio's own
//! extension traits (`AsyncReadExt`, `AsyncWriteExt`, `AsyncSeekExt`, `copy`, `split`)
//! on eddy's runtime — never tokio's: round trips, shutdown as a half-close, EOF, several
//! MiB checked byte for byte, and socket and pipe reads into an uninitialised `ReadBuf`
//! that leave nothing zeroed beyond the bytes read.

mod support;

use std::future::poll_fn;
use std::io::SeekFrom;
use std::mem::MaybeUninit;
use std::pin::Pin;

use eddy::net::{TcpListener, TcpStream};
use support::{runtime, with_timeout, LIMIT};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncSeekExt, AsyncWrite, AsyncWriteExt, ReadBuf};

/// Runs `body` on a 2-worker eddy runtime, failing after [`LIMIT`].
fn run<F>(body: F)
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    with_timeout(LIMIT, move || runtime(2).block_on(body));
}

/// Runs `body` on a current-thread eddy runtime, failing after [`LIMIT`].
fn run_current_thread<F>(body: F)
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    with_timeout(LIMIT, move || {
        eddy::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(body)
    });
}

/// A connected pair of TCP streams on loopback.
async fn tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (client, accepted) = eddy::join!(TcpStream::connect(addr), listener.accept());
    (client.unwrap(), accepted.unwrap().0)
}

/// `len` bytes of a pattern that does not repeat at any power-of-two period.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

/// Reads `reader` to its end through `poll_read` into a fresh uninitialised `ReadBuf`
/// each time, checking that each read initialised only the bytes it filled. (Unix: the
/// Unix socket and pipe tests use it.)
#[cfg(unix)]
async fn read_to_end_uninit(reader: &mut (impl AsyncRead + Unpin)) -> Vec<u8> {
    let mut storage = vec![MaybeUninit::<u8>::uninit(); 64 << 10];
    let mut received = Vec::new();
    loop {
        let mut buf = ReadBuf::uninit(&mut storage);
        poll_fn(|cx| Pin::new(&mut *reader).poll_read(cx, &mut buf))
            .await
            .unwrap();
        if buf.filled().is_empty() {
            return received;
        }
        assert_eq!(buf.initialized().len(), buf.filled().len(), "zeroed");
        received.extend_from_slice(buf.filled());
    }
}

/// Checks that `T` has both of tokio's traits (or the one asked for).
fn is_tokio_read<T: AsyncRead>() {}
fn is_tokio_write<T: AsyncWrite>() {}

#[test]
fn every_stream_type_has_tokios_traits() {
    is_tokio_read::<TcpStream>();
    is_tokio_write::<TcpStream>();
    is_tokio_read::<&TcpStream>();
    is_tokio_write::<&TcpStream>();
    is_tokio_read::<eddy::net::tcp::OwnedReadHalf>();
    is_tokio_write::<eddy::net::tcp::OwnedWriteHalf>();
    #[cfg(unix)]
    {
        is_tokio_read::<eddy::net::UnixStream>();
        is_tokio_write::<eddy::net::UnixStream>();
        is_tokio_read::<&eddy::net::UnixStream>();
        is_tokio_write::<&eddy::net::UnixStream>();
        is_tokio_read::<eddy::net::unix::OwnedReadHalf>();
        is_tokio_write::<eddy::net::unix::OwnedWriteHalf>();
    }
    is_tokio_read::<eddy::fs::File>();
    is_tokio_write::<eddy::fs::File>();
    is_tokio_read::<eddy::process::ChildStdout>();
    is_tokio_read::<eddy::process::ChildStderr>();
    is_tokio_write::<eddy::process::ChildStdin>();
    is_tokio_read::<eddy::io::DuplexStream>();
    is_tokio_write::<eddy::io::DuplexStream>();
    is_tokio_read::<eddy::io::Stdin>();
    is_tokio_write::<eddy::io::Stdout>();
    is_tokio_write::<eddy::io::Stderr>();
    is_tokio_read::<eddy::io::ReadHalf<eddy::io::DuplexStream>>();
    is_tokio_write::<eddy::io::WriteHalf<eddy::io::DuplexStream>>();
}

#[test]
fn tcp_round_trip_with_shutdown_as_a_half_close() {
    run(async {
        let (mut client, mut server) = tcp_pair().await;
        let echo = eddy::spawn(async move {
            // Reads to EOF (the client's shutdown), then answers on the still-open
            // direction.
            let mut request = Vec::new();
            server.read_to_end(&mut request).await.unwrap();
            server.write_all(&request).await.unwrap();
            // eddy's `TcpStream` has std's `shutdown(how)` of its own, which a method call
            // finds before any trait's: tokio's is called by its path.
            AsyncWriteExt::shutdown(&mut server).await.unwrap();
        });
        client.write_all(b"ping over tokio's traits").await.unwrap();
        AsyncWriteExt::shutdown(&mut client).await.unwrap();
        let mut reply = String::new();
        client.read_to_string(&mut reply).await.unwrap();
        assert_eq!(reply, "ping over tokio's traits");
        // EOF stays EOF.
        assert_eq!(client.read(&mut [0; 8]).await.unwrap(), 0);
        echo.await.unwrap();
    });
}

#[test]
fn tcp_moves_eight_mib_intact_on_both_runtimes() {
    const LEN: usize = 8 << 20;
    let body = || async {
        let (mut client, mut server) = tcp_pair().await;
        let writer = eddy::spawn(async move {
            client.write_all(&pattern(LEN)).await.unwrap();
            AsyncWriteExt::shutdown(&mut client).await.unwrap();
            client
        });
        let mut received = Vec::with_capacity(LEN);
        server.read_to_end(&mut received).await.unwrap();
        assert_eq!(received.len(), LEN);
        assert!(received == pattern(LEN), "the bytes differ");
        drop(writer.await.unwrap());
    };
    run(body());
    run_current_thread(body());
}

#[test]
fn a_socket_read_fills_an_uninitialised_buffer_without_zeroing_it() {
    run(async {
        let (mut client, mut server) = tcp_pair().await;
        server.write_all(b"hello").await.unwrap();
        let mut storage = [MaybeUninit::<u8>::uninit(); 4096];
        let mut buf = ReadBuf::uninit(&mut storage);
        while buf.filled().len() < 5 {
            poll_fn(|cx| Pin::new(&mut client).poll_read(cx, &mut buf))
                .await
                .unwrap();
        }
        assert_eq!(buf.filled(), b"hello");
        // Only the bytes read were initialised: nothing was zeroed first.
        assert_eq!(buf.initialized().len(), 5);

        // EOF: ready, and nothing more filled or initialised.
        drop(server);
        poll_fn(|cx| Pin::new(&mut client).poll_read(cx, &mut buf))
            .await
            .unwrap();
        assert_eq!(buf.filled(), b"hello");
        assert_eq!(buf.initialized().len(), 5);
    });
}

#[test]
fn a_read_into_a_full_buffer_reads_nothing() {
    run(async {
        let (mut client, mut server) = tcp_pair().await;
        server.write_all(b"x").await.unwrap();
        let mut buf = ReadBuf::new(&mut []);
        poll_fn(|cx| Pin::new(&mut client).poll_read(cx, &mut buf))
            .await
            .unwrap();
        // The byte is still there for the next read.
        assert_eq!(client.read_u8().await.unwrap(), b'x');
    });
}

#[test]
fn a_shared_reference_reads_and_writes_at_once() {
    run(async {
        let (client, mut server) = tcp_pair().await;
        let echo = eddy::spawn(async move {
            let (mut rd, mut wr) = tokio::io::split(&mut server);
            tokio::io::copy(&mut rd, &mut wr).await.unwrap()
        });
        let (mut rd, mut wr) = (&client, &client);
        let data = pattern(1 << 20);
        let expected = data.clone();
        let ((), received) = eddy::join!(
            async {
                wr.write_all(&data).await.unwrap();
                AsyncWriteExt::shutdown(&mut wr).await.unwrap();
            },
            async {
                let mut received = Vec::new();
                rd.read_to_end(&mut received).await.unwrap();
                received
            }
        );
        assert!(received == expected, "the echo differs");
        assert_eq!(echo.await.unwrap(), 1 << 20);
    });
}

#[test]
fn owned_halves_work_from_two_tasks_with_tokio_copy() {
    run(async {
        let (client, server) = tcp_pair().await;
        let echo = eddy::spawn(async move {
            let (mut rd, mut wr) = server.into_split();
            let n = tokio::io::copy(&mut rd, &mut wr).await.unwrap();
            wr.shutdown().await.unwrap();
            n
        });
        let (mut rd, mut wr) = client.into_split();
        assert!(wr.is_write_vectored());
        let writer = eddy::spawn(async move {
            let bufs = [
                std::io::IoSlice::new(b"one "),
                std::io::IoSlice::new(b"two"),
            ];
            // One `writev`: both slices, or a prefix of them.
            let n = wr.write_vectored(&bufs).await.unwrap();
            assert!(n > 0);
            wr.write_all(&b"one two"[n..]).await.unwrap();
            wr.shutdown().await.unwrap();
        });
        let mut reply = String::new();
        rd.read_to_string(&mut reply).await.unwrap();
        assert_eq!(reply, "one two");
        writer.await.unwrap();
        assert_eq!(echo.await.unwrap(), 7);
    });
}

#[cfg(unix)]
#[test]
fn unix_streams_and_their_halves_round_trip() {
    run(async {
        let (a, mut b) = eddy::net::UnixStream::pair().unwrap();
        let (mut rd, mut wr) = a.into_split();
        let echo = eddy::spawn(async move {
            let mut request = Vec::new();
            b.read_to_end(&mut request).await.unwrap();
            b.write_all(&request).await.unwrap();
        });
        let data = pattern(3 << 20);
        let expected = data.clone();
        let writer = eddy::spawn(async move {
            wr.write_all(&data).await.unwrap();
            wr.shutdown().await.unwrap();
        });
        let received = read_to_end_uninit(&mut rd).await;
        assert!(received == expected, "the echo differs");
        writer.await.unwrap();
        echo.await.unwrap();
    });
}

#[test]
fn files_write_seek_and_read_through_tokios_traits() {
    run(async {
        let path = std::env::temp_dir().join(format!("eddy-tokio-io-{}", std::process::id()));
        let std = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .unwrap();
        let mut file = eddy::fs::File::from_std(std);
        let data = pattern(300 << 10);
        file.write_all(&data).await.unwrap();
        file.flush().await.unwrap();

        assert_eq!(file.seek(SeekFrom::Start(10)).await.unwrap(), 10);
        let mut five = [0u8; 5];
        file.read_exact(&mut five).await.unwrap();
        assert_eq!(five, data[10..15]);
        // The read fetched ahead; the logical position is still right after the 5 bytes.
        assert_eq!(file.stream_position().await.unwrap(), 15);

        file.rewind().await.unwrap();
        let mut storage = vec![MaybeUninit::<u8>::uninit(); 1000];
        let mut buf = ReadBuf::uninit(&mut storage);
        poll_fn(|cx| Pin::new(&mut file).poll_read(cx, &mut buf))
            .await
            .unwrap();
        assert_eq!(buf.filled(), &data[..1000]);
        let mut rest = Vec::new();
        file.read_to_end(&mut rest).await.unwrap();
        assert!(rest == data[1000..], "the file's bytes differ");
        file.shutdown().await.unwrap();
        drop(file);
        std::fs::remove_file(&path).unwrap();
    });
}

#[test]
fn a_file_refuses_start_seek_while_a_write_is_in_flight() {
    use tokio::io::AsyncSeek;
    run(async {
        let path = std::env::temp_dir().join(format!("eddy-tokio-seek-{}", std::process::id()));
        let mut file = eddy::fs::File::create(&path).await.unwrap();
        // 64 KiB fills the buffer: its write starts in the background at once.
        file.write_all(&pattern(64 << 10)).await.unwrap();
        let err = Pin::new(&mut file)
            .start_seek(SeekFrom::Start(0))
            .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::Other);
        assert!(err.to_string().contains("call poll_complete"), "{err}");
        // `poll_complete` waits for the write; then the seek starts and completes.
        poll_fn(|cx| Pin::new(&mut file).poll_complete(cx))
            .await
            .unwrap();
        Pin::new(&mut file).start_seek(SeekFrom::End(-4)).unwrap();
        let pos = poll_fn(|cx| Pin::new(&mut file).poll_complete(cx))
            .await
            .unwrap();
        assert_eq!(pos, (64 << 10) - 4);
        drop(file);
        std::fs::remove_file(&path).unwrap();
    });
}

#[test]
fn duplex_streams_round_trip_and_close() {
    run(async {
        let (mut a, mut b) = eddy::io::duplex(64);
        assert!(!a.is_write_vectored());
        let data = pattern(1 << 20);
        let expected = data.clone();
        // Through a 64-byte pipe: the writer waits for the reader, many times over.
        let writer = eddy::spawn(async move {
            a.write_all(&data).await.unwrap();
            a.shutdown().await.unwrap();
            // Still readable after the half-close.
            let mut reply = [0u8; 2];
            a.read_exact(&mut reply).await.unwrap();
            assert_eq!(&reply, b"ok");
        });
        let mut received = Vec::new();
        b.read_to_end(&mut received).await.unwrap();
        assert!(received == expected, "the bytes differ");
        b.write_all(b"ok").await.unwrap();
        writer.await.unwrap();
    });
}

#[test]
fn split_halves_of_a_duplex_use_the_streams_tokio_impls() {
    run(async {
        let (a, mut b) = eddy::io::duplex(16);
        let (mut rd, mut wr) = eddy::io::split(a);
        let writer = eddy::spawn(async move {
            wr.write_all(b"through the halves").await.unwrap();
            wr.shutdown().await.unwrap();
            wr
        });
        let mut got = String::new();
        b.read_to_string(&mut got).await.unwrap();
        assert_eq!(got, "through the halves");
        b.write_all(b"back").await.unwrap();
        drop(b);
        let mut back = String::new();
        rd.read_to_string(&mut back).await.unwrap();
        assert_eq!(back, "back");
        let _a = rd.unsplit(writer.await.unwrap());
    });
}

#[cfg(unix)]
#[test]
fn child_pipes_carry_several_mib_through_cat() {
    use std::process::Stdio;
    run(async {
        let mut child = eddy::process::Command::new("cat")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        assert!(stdin.is_write_vectored());
        let data = pattern(4 << 20);
        let expected = data.clone();
        let writer = eddy::spawn(async move {
            stdin.write_all(&data).await.unwrap();
            stdin.shutdown().await.unwrap();
            // Dropping the pipe closes it: cat sees its input end.
        });
        // A pipe read, too, fills the uninitialised buffer without zeroing it.
        let received = read_to_end_uninit(&mut stdout).await;
        assert!(received == expected, "cat's output differs");
        writer.await.unwrap();
        assert!(child.wait().await.unwrap().success());
    });
}

#[cfg(unix)]
#[test]
fn child_stderr_reads_to_the_end() {
    use std::process::Stdio;
    run(async {
        let mut child = eddy::process::Command::new("sh")
            .args(["-c", "echo oops >&2"])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .await
            .unwrap();
        assert_eq!(err, "oops\n");
        assert!(child.wait().await.unwrap().success());
    });
}

/// The child of [`stdio_reads_stdin_and_writes_stdout_through_tokios_traits`]: this test
/// binary again, with this variable set.
const STDIO_CHILD: &str = "EDDY_TOKIO_IO_STDIO_CHILD";

#[test]
fn stdio_reads_stdin_and_writes_stdout_through_tokios_traits() {
    if std::env::var_os(STDIO_CHILD).is_some() {
        // Upper-cases stdin onto stdout between markers (libtest prints lines of its own).
        return eddy::run(async {
            let mut input = Vec::new();
            eddy::io::stdin().read_to_end(&mut input).await.unwrap();
            let mut out = eddy::io::stdout();
            out.write_all(b"<<").await.unwrap();
            out.write_all(&input.to_ascii_uppercase()).await.unwrap();
            out.write_all(b">>\n").await.unwrap();
            out.flush().await.unwrap();
            let mut err = eddy::io::stderr();
            err.write_all(b"<<stderr>>\n").await.unwrap();
            err.shutdown().await.unwrap();
        });
    }
    with_timeout(LIMIT, || {
        use std::io::Write;
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "stdio_reads_stdin_and_writes_stdout_through_tokios_traits",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(STDIO_CHILD, "1")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"hello stdio")
            .unwrap();
        let output = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "child failed: {stdout}\n{stderr}");
        assert!(stdout.contains("<<HELLO STDIO>>"), "{stdout}");
        assert!(stderr.contains("<<stderr>>"), "{stderr}");
    });
}
