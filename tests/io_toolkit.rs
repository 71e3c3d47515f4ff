//! eddy::io's toolkit: `copy_bidirectional` as a proxy over TCP and over `duplex`, with
//! half-closes passed on and errors propagated; `duplex`'s bounded buffers, EOF and
//! broken pipes; `split` / `unsplit`; the re-exported extension traits.

mod support;

use std::io::ErrorKind;
use std::pin::pin;

use eddy::io::{
    copy_bidirectional, copy_bidirectional_with_sizes, duplex, split, AsyncBufReadExt, AsyncRead,
    AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader, DuplexStream, ReadHalf, WriteHalf,
};
use eddy::net::{TcpListener, TcpStream};
use futures_lite::future::poll_once;
use support::{panic_message, runtime, with_timeout, LIMIT};

/// Runs `body` on a 2-worker runtime, failing after [`LIMIT`].
fn run<F>(body: F)
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    with_timeout(LIMIT, move || runtime(2).block_on(body));
}

/// A connected pair of TCP streams on loopback.
async fn tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (client, accepted) =
        futures_lite::future::zip(TcpStream::connect(addr), listener.accept()).await;
    (client.unwrap(), accepted.unwrap().0)
}

/// The server side of the proxy tests: reads the whole request (up to the client's
/// half-close), answers with it reversed, then closes.
async fn reverse_server(mut stream: impl AsyncRead + AsyncWrite + Unpin) {
    let mut request = Vec::new();
    stream.read_to_end(&mut request).await.unwrap();
    request.reverse();
    stream.write_all(&request).await.unwrap();
    stream.close().await.unwrap();
}

/// The client side: sends `request`, half-closes, reads the whole answer.
async fn client(mut stream: impl AsyncRead + AsyncWrite + Unpin, request: Vec<u8>) -> Vec<u8> {
    stream.write_all(&request).await.unwrap();
    stream.close().await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    answer
}

fn payload(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

#[test]
fn copy_bidirectional_proxies_tcp_and_passes_the_half_close_on() {
    run(async {
        let (client_end, mut proxy_front) = tcp_pair().await;
        let (mut proxy_back, server_end) = tcp_pair().await;
        let proxy =
            eddy::spawn(async move { copy_bidirectional(&mut proxy_front, &mut proxy_back).await });
        let server = eddy::spawn(reverse_server(server_end));
        // Larger than any socket buffer, so both directions wait on each other.
        let request = payload(3 << 20);
        let answer = client(client_end, request.clone()).await;
        let mut expected = request;
        expected.reverse();
        assert!(answer == expected, "the answer came back altered");
        server.await.unwrap();
        let (up, down) = proxy.await.unwrap().unwrap();
        assert_eq!((up, down), (3 << 20, 3 << 20));
    });
}

#[test]
fn copy_bidirectional_proxies_duplex_streams() {
    run(async {
        let (client_end, mut proxy_front) = duplex(100);
        let (mut proxy_back, server_end) = duplex(37);
        let proxy = eddy::spawn(async move {
            copy_bidirectional_with_sizes(&mut proxy_front, &mut proxy_back, 13, 64).await
        });
        let server = eddy::spawn(reverse_server(server_end));
        let answer = client(client_end, b"hello, proxy".repeat(500)).await;
        let mut expected = b"hello, proxy".repeat(500);
        expected.reverse();
        assert_eq!(answer, expected);
        server.await.unwrap();
        assert_eq!(proxy.await.unwrap().unwrap(), (6000, 6000));
    });
}

#[test]
fn one_direction_ending_shuts_down_only_the_peers_write_side() {
    run(async {
        let (mut a, mut a_peer) = duplex(64);
        let (mut b, mut b_peer) = duplex(64);
        let proxy = eddy::spawn(async move { copy_bidirectional(&mut a, &mut b).await });

        // a's side ends its input: b_peer sees EOF...
        a_peer.write_all(b"last words").await.unwrap();
        a_peer.close().await.unwrap();
        let mut got = Vec::new();
        b_peer.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"last words");
        // ...while b to a still flows, more than once.
        for round in 0..3u8 {
            b_peer.write_all(&[round; 10]).await.unwrap();
            let mut echo = [0u8; 10];
            a_peer.read_exact(&mut echo).await.unwrap();
            assert_eq!(echo, [round; 10]);
        }
        assert!(
            !proxy.is_finished(),
            "the proxy ended with one direction open"
        );
        b_peer.close().await.unwrap();
        let mut rest = Vec::new();
        a_peer.read_to_end(&mut rest).await.unwrap();
        assert!(rest.is_empty());
        assert_eq!(proxy.await.unwrap().unwrap(), (10, 30));
    });
}

#[test]
fn copy_bidirectional_returns_the_first_error() {
    run(async {
        let (mut a, mut a_peer) = duplex(64);
        let (mut b, b_peer) = duplex(64);
        // Nobody will ever read what reaches b: its peer is gone.
        drop(b_peer);
        a_peer.write_all(b"into the void").await.unwrap();
        let error = copy_bidirectional(&mut a, &mut b).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::BrokenPipe);
    });
}

#[test]
fn a_full_duplex_buffer_makes_the_writer_wait_until_the_reader_reads() {
    run(async {
        let (mut tx, mut rx) = duplex(8);
        // A write takes only what fits.
        assert_eq!(tx.write(&[1; 20]).await.unwrap(), 8);
        // Full: the next write waits (polled once, it is pending)...
        let mut write = pin!(tx.write_all(&[2; 12]));
        assert!(
            poll_once(write.as_mut()).await.is_none(),
            "wrote past the bound"
        );
        // ...until the reader makes room; then the waiting writer is woken.
        let reader = eddy::spawn(async move {
            let mut all = vec![0u8; 20];
            rx.read_exact(&mut all).await.unwrap();
            all
        });
        write.await.unwrap();
        let all = reader.await.unwrap();
        assert_eq!(&all[..8], &[1; 8]);
        assert_eq!(&all[8..], &[2; 12]);
    });
}

#[test]
fn duplex_reader_sees_eof_after_the_peer_closes_or_drops() {
    run(async {
        let (mut a, mut b) = duplex(16);
        a.write_all(b"abc").await.unwrap();
        a.close().await.unwrap();
        let mut got = String::new();
        b.read_to_string(&mut got).await.unwrap();
        assert_eq!(got, "abc");
        // a closed only its write side: b can still write to it.
        b.write_all(b"still open").await.unwrap();
        let mut buf = [0u8; 10];
        a.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"still open");
        // Writing after one's own close is an error, not a silent loss.
        assert_eq!(
            a.write(b"x").await.unwrap_err().kind(),
            ErrorKind::BrokenPipe
        );

        let (mut c, d) = duplex(16);
        let waiting = eddy::spawn(async move {
            let mut rest = Vec::new();
            c.read_to_end(&mut rest).await.unwrap();
            rest
        });
        drop(d); // wakes the waiting reader with EOF
        assert!(waiting.await.unwrap().is_empty());
    });
}

#[test]
fn writing_to_a_duplex_whose_peer_was_dropped_is_a_broken_pipe() {
    run(async {
        let (mut a, b) = duplex(4);
        assert_eq!(a.write(b"abcdef").await.unwrap(), 4);
        // A writer waiting for room is woken by the drop, with the error.
        let mut write = pin!(a.write_all(b"more"));
        assert!(
            poll_once(write.as_mut()).await.is_none(),
            "wrote past the bound"
        );
        drop(b);
        assert_eq!(write.await.unwrap_err().kind(), ErrorKind::BrokenPipe);
    });
}

#[test]
#[should_panic(expected = "max_buf_size must be at least 1")]
fn a_zero_sized_duplex_is_refused() {
    let _ = duplex(0);
}

#[test]
fn split_halves_work_from_different_tasks_and_unsplit() {
    run(async {
        let (stream, mut peer) = duplex(32);
        let (mut rd, mut wr) = split(stream);
        assert!(rd.is_pair_of(&wr) && wr.is_pair_of(&rd));
        let writer = eddy::spawn(async move {
            for i in 0..100u8 {
                wr.write_all(&[i; 10]).await.unwrap();
            }
            wr
        });
        let reader = eddy::spawn(async move {
            let mut got = vec![0u8; 1000];
            rd.read_exact(&mut got).await.unwrap();
            (rd, got)
        });
        // The peer echoes everything back: reads and writes on the halves interleave.
        let mut buf = vec![0u8; 1000];
        let mut done = 0;
        while done < 1000 {
            let n = peer.read(&mut buf[done..]).await.unwrap();
            peer.write_all(&buf[done..done + n]).await.unwrap();
            done += n;
        }
        let wr = writer.await.unwrap();
        let (rd, got) = reader.await.unwrap();
        let expected: Vec<u8> = (0..100u8).flat_map(|i| [i; 10]).collect();
        assert_eq!(got, expected);

        let mut whole: DuplexStream = rd.unsplit(wr);
        whole.write_all(b"whole").await.unwrap();
        let mut five = [0u8; 5];
        peer.read_exact(&mut five).await.unwrap();
        assert_eq!(&five, b"whole");
    });
}

#[test]
fn split_works_on_tcp_streams_and_passes_close_on() {
    run(async {
        let (stream, mut peer) = tcp_pair().await;
        let (mut rd, mut wr) = split(stream);
        wr.write_all(b"over tcp").await.unwrap();
        wr.close().await.unwrap();
        let mut got = Vec::new();
        peer.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"over tcp");
        peer.write_all(b"back").await.unwrap();
        drop(peer);
        let mut back = String::new();
        rd.read_to_string(&mut back).await.unwrap();
        assert_eq!(back, "back");
    });
}

#[test]
fn unsplit_of_halves_from_different_streams_panics_naming_the_fix() {
    let (a, b) = duplex(8);
    let (a_rd, _a_wr) = split(a);
    let (_b_rd, b_wr) = split(b);
    assert!(!a_rd.is_pair_of(&b_wr));
    let panic =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| a_rd.unsplit(b_wr))).unwrap_err();
    let message = panic_message(&*panic);
    assert!(
        message.contains("pass the WriteHalf that split() returned"),
        "{message}"
    );
}

#[test]
fn split_halves_are_send_and_sync_for_a_send_stream() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<ReadHalf<DuplexStream>>();
    send_sync::<WriteHalf<DuplexStream>>();
    send_sync::<ReadHalf<TcpStream>>();
    send_sync::<DuplexStream>();
}

#[test]
fn the_reexported_extension_traits_read_lines_and_copy() {
    run(async {
        let (mut tx, rx) = duplex(16);
        let writer = eddy::spawn(async move {
            let mut source = futures_lite::io::Cursor::new(b"one\ntwo\nthree\n".to_vec());
            eddy::io::copy(&mut source, &mut tx).await.unwrap()
        });
        let mut lines = BufReader::new(rx).lines();
        let mut got = Vec::new();
        while let Some(line) = futures_lite::StreamExt::next(&mut lines).await {
            got.push(line.unwrap());
        }
        assert_eq!(got, ["one", "two", "three"]);
        assert_eq!(writer.await.unwrap(), 14);

        let mut sunk = eddy::io::sink();
        let copied = eddy::io::copy(eddy::io::repeat(7).take(1000), &mut sunk)
            .await
            .unwrap();
        assert_eq!(copied, 1000);
        let mut nothing = Vec::new();
        eddy::io::empty().read_to_end(&mut nothing).await.unwrap();
        assert!(nothing.is_empty());
    });
}

#[test]
fn a_duplex_reader_and_writer_on_other_threads_wake_each_other() {
    // Many small round trips across workers: a lost wakeup would hang the test.
    run(async {
        let (mut a, mut b) = duplex(3);
        let echo = eddy::spawn(async move {
            let mut buf = [0u8; 64];
            loop {
                let n = b.read(&mut buf).await.unwrap();
                if n == 0 {
                    return;
                }
                b.write_all(&buf[..n]).await.unwrap();
            }
        });
        for i in 0..2000u32 {
            let bytes = i.to_le_bytes();
            a.write_all(&bytes).await.unwrap();
            let mut back = [0u8; 4];
            a.read_exact(&mut back).await.unwrap();
            assert_eq!(back, bytes);
        }
        a.close().await.unwrap();
        echo.await.unwrap();
    });
}

#[test]
fn reading_into_an_empty_buffer_returns_at_once() {
    run(async {
        let (mut a, _b) = duplex(8);
        assert_eq!(
            poll_once(a.read(&mut [])).await.map(|r| r.unwrap()),
            Some(0)
        );
        let mut line = String::new();
        let (mut tx, rx) = duplex(8);
        tx.write_all(b"x\n").await.unwrap();
        BufReader::new(rx).read_line(&mut line).await.unwrap();
        assert_eq!(line, "x\n");
    });
}
