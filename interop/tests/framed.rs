//! tokio-util's `Framed` with `LinesCodec` (eddy's `tokio-io` feature) over an eddy
//! `TcpStream`, its owned halves and `eddy::io::duplex`: lines both ways, closing the
//! sink as a half-close, and a line over the codec's length cap as a codec error rather
//! than an unbounded buffer. All on eddy's runtime.

#[path = "../../tests/support/mod.rs"]
mod support;

use std::io::ErrorKind;

use eddy::io::{duplex, DuplexStream};
use eddy::net::{TcpListener, TcpStream};
use futures_util::{SinkExt, StreamExt};
use support::{runtime, with_timeout, LIMIT};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio_util::codec::{Framed, FramedRead, FramedWrite, LinesCodec, LinesCodecError};

/// The longest line the codecs here take.
const MAX_LINE: usize = 64;

/// Runs `body` on a 2-worker eddy runtime, failing after [`LIMIT`].
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
    let (client, accepted) = eddy::join!(TcpStream::connect(addr), listener.accept());
    (client.unwrap(), accepted.unwrap().0)
}

fn lines<T: AsyncRead + AsyncWrite>(io: T) -> Framed<T, LinesCodec> {
    Framed::new(io, LinesCodec::new_with_max_length(MAX_LINE))
}

/// Answers each line upper-cased until the peer closes; returns how many it answered.
async fn upper_server<T: AsyncRead + AsyncWrite + Unpin>(io: T) -> Result<usize, LinesCodecError> {
    let mut framed = lines(io);
    let mut answered = 0;
    while let Some(line) = framed.next().await {
        framed.send(line?.to_uppercase()).await?;
        answered += 1;
    }
    Ok(answered)
}

/// Sends `count` numbered lines and checks each answer; then closes (a half-close of the
/// stream underneath) and expects the end.
async fn upper_client<T: AsyncRead + AsyncWrite + Unpin>(io: T, count: usize) {
    let mut framed = lines(io);
    for i in 0..count {
        framed.send(format!("line {i}")).await.unwrap();
        let answer = framed.next().await.unwrap().unwrap();
        assert_eq!(answer, format!("LINE {i}"));
    }
    // A `Framed` is a sink of any `AsRef<str>`: the item type is named to close it.
    SinkExt::<String>::close(&mut framed).await.unwrap();
    assert!(
        framed.next().await.is_none(),
        "the server closes after our close"
    );
}

#[test]
fn framed_lines_over_an_eddy_tcp_stream() {
    run(async {
        let (client, server) = tcp_pair().await;
        let server = eddy::spawn(upper_server(server));
        upper_client(client, 100).await;
        assert_eq!(server.await.unwrap().unwrap(), 100);
    });
}

#[test]
fn framed_lines_over_an_eddy_duplex() {
    run(async {
        // A buffer smaller than a line: every frame waits for the peer to read.
        let (client, server): (DuplexStream, DuplexStream) = duplex(7);
        let server = eddy::spawn(upper_server(server));
        upper_client(client, 500).await;
        assert_eq!(server.await.unwrap().unwrap(), 500);
    });
}

#[test]
fn framed_read_and_write_on_owned_halves_in_two_tasks() {
    run(async {
        let (client, server) = tcp_pair().await;
        let server = eddy::spawn(upper_server(server));
        let (rd, wr) = client.into_split();
        let mut sink = FramedWrite::new(wr, LinesCodec::new());
        let stream = FramedRead::new(rd, LinesCodec::new_with_max_length(MAX_LINE));
        let writer = eddy::spawn(async move {
            for word in ["alpha", "beta", "gamma"] {
                sink.send(word).await.unwrap();
            }
            // The write half's shutdown: the server sees EOF.
            SinkExt::<&str>::close(&mut sink).await.unwrap();
        });
        let answers: Vec<String> = stream.map(Result::unwrap).collect().await;
        assert_eq!(answers, ["ALPHA", "BETA", "GAMMA"]);
        writer.await.unwrap();
        assert_eq!(server.await.unwrap().unwrap(), 3);
    });
}

/// Writes a line longer than the cap, raw, and returns the server's error.
async fn over_long_line<T, U>(mut client: T, server: U) -> LinesCodecError
where
    T: AsyncWrite + Unpin,
    U: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let server = eddy::spawn(upper_server(server));
    let line = format!("{}\n", "x".repeat(4 * MAX_LINE));
    // The server may give up and hang up before the whole line is written.
    if let Err(err) = client.write_all(line.as_bytes()).await {
        assert!(
            matches!(
                err.kind(),
                ErrorKind::BrokenPipe | ErrorKind::ConnectionReset
            ),
            "{err}"
        );
    }
    server.await.unwrap().unwrap_err()
}

#[test]
fn an_over_long_line_is_a_codec_error_over_tcp() {
    run(async {
        let (client, server) = tcp_pair().await;
        let err = over_long_line(client, server).await;
        assert!(
            matches!(err, LinesCodecError::MaxLineLengthExceeded),
            "{err:?}"
        );
        assert_eq!(err.to_string(), "max line length exceeded");
    });
}

#[test]
fn an_over_long_line_is_a_codec_error_over_duplex() {
    run(async {
        let (client, server) = duplex(MAX_LINE);
        let err = over_long_line(client, server).await;
        assert!(
            matches!(err, LinesCodecError::MaxLineLengthExceeded),
            "{err:?}"
        );
    });
}
