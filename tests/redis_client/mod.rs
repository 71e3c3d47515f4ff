//! The harness of the redis_server tests: a server on an ephemeral port, and a client
//! that sends raw RESP bytes and reads whole replies back.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use eddy::net::{TcpListener, TcpStream};
use futures_lite::{AsyncReadExt, AsyncWriteExt};

use crate::redis_server::{self, resp::Store};
use crate::support::{runtime, with_timeout, LIMIT};

/// How long a test waits for an expiry it is polling for before failing.
pub const EXPIRY_LIMIT: Duration = Duration::from_secs(10);

/// Starts the server on an ephemeral port of the current runtime.
pub async fn start() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    eddy::spawn(redis_server::serve(listener, Arc::new(Store::new())));
    addr
}

/// Runs `body` against a fresh server on a 2-worker runtime, failing after [`LIMIT`].
pub fn with_server<F>(body: impl FnOnce(SocketAddr) -> F + Send + 'static)
where
    F: std::future::Future<Output = ()>,
{
    with_timeout(LIMIT, move || {
        runtime(2).block_on(async move {
            let addr = start().await;
            body(addr).await;
        })
    });
}

/// A client that sends raw bytes and reads whole RESP replies back.
pub struct Client {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Client {
    pub async fn connect(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).await.unwrap();
        stream.set_nodelay(true).unwrap();
        Client {
            stream,
            buf: Vec::new(),
        }
    }

    pub async fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.unwrap();
    }

    /// The next whole reply, as text (the tests use ASCII).
    pub async fn reply(&mut self) -> String {
        loop {
            if let Some(len) = reply_len(&self.buf) {
                let reply: Vec<u8> = self.buf.drain(..len).collect();
                return String::from_utf8_lossy(&reply).into_owned();
            }
            let mut chunk = vec![0u8; 64 << 10];
            let n = self.stream.read(&mut chunk).await.unwrap();
            assert!(
                n > 0,
                "the server closed the connection in the middle of a reply: {:?}",
                String::from_utf8_lossy(&self.buf)
            );
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Sends `args` as a multibulk command and returns the reply.
    pub async fn call(&mut self, args: &[&str]) -> String {
        self.send(&command(args)).await;
        self.reply().await
    }

    /// Asserts that the server closes the connection with nothing more to say.
    pub async fn expect_closed(&mut self) {
        let mut rest = std::mem::take(&mut self.buf);
        self.stream.read_to_end(&mut rest).await.unwrap();
        assert!(
            rest.is_empty(),
            "expected the connection to close, got {:?}",
            String::from_utf8_lossy(&rest)
        );
    }

    /// The reply to `args` as an integer.
    pub async fn int(&mut self, args: &[&str]) -> i64 {
        let reply = self.call(args).await;
        reply
            .strip_prefix(':')
            .and_then(|r| r.strip_suffix("\r\n"))
            .and_then(|r| r.parse().ok())
            .unwrap_or_else(|| panic!("{args:?}: expected an integer reply, got {reply:?}"))
    }
}

/// `args` as a RESP multibulk command.
pub fn command(args: &[&str]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        out.extend_from_slice(format!("${}\r\n{arg}\r\n", arg.len()).as_bytes());
    }
    out
}

/// The length of the first complete RESP2 reply in `buf`, if it is all there.
pub fn reply_len(buf: &[u8]) -> Option<usize> {
    let line_end = buf.windows(2).position(|w| w == b"\r\n")?;
    let header = std::str::from_utf8(&buf[1..line_end]).ok()?;
    let after_header = line_end + 2;
    match buf[0] {
        b'+' | b'-' | b':' => Some(after_header),
        b'$' => match header.parse::<i64>().ok()? {
            -1 => Some(after_header),
            n => {
                let total = after_header + n as usize + 2;
                (buf.len() >= total).then_some(total)
            }
        },
        b'*' => {
            let mut at = after_header;
            for _ in 0..header.parse::<i64>().ok()?.max(0) {
                at += reply_len(&buf[at..])?;
            }
            Some(at)
        }
        // An HTTP answer, which the hello tests read with `expect_closed` instead.
        other => panic!("not a RESP reply: starts with {:?}", char::from(other)),
    }
}
