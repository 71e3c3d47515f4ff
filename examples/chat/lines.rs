//! The line protocol: what `nc` and `telnet` speak. A line is at most
//! [`MAX_LINE`] bytes; input is framed by asynchronous-codec's `FramedRead` with
//! [`LineCodec`] (`codec.rs`), a decoder that caps the length, so a client that never
//! sends `\n` costs at most `MAX_LINE` bytes of buffer (plus one read), not unbounded
//! memory.

use std::io;
use std::time::Duration;

use asynchronous_codec::FramedRead;
use eddy::io::AsyncWriteExt;
use eddy::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use eddy::net::TcpStream;
use eddy::time::timeout;
use futures_lite::StreamExt;

use super::codec::{LineCodec, LineError};
use super::session::{Input, Leave, Peer};
use super::{linger, MAX_LINE};

/// A line client: its input framed as lines, and the write half for the answers.
#[derive(Debug)]
pub(crate) struct LinePeer {
    framed: FramedRead<OwnedReadHalf, LineCodec>,
    writer: OwnedWriteHalf,
}

impl LinePeer {
    /// A line client on `stream`.
    pub(crate) fn new(stream: TcpStream) -> LinePeer {
        let (reader, writer) = stream.into_split();
        LinePeer {
            framed: FramedRead::new(reader, LineCodec::new(MAX_LINE)),
            writer,
        }
    }

    /// Writes `bytes` as they are (an HTTP answer, say).
    pub(crate) async fn write_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.writer.write_all(bytes).await
    }

    /// After the last write: see [`linger`].
    pub(crate) async fn linger(self) {
        let mut writer = self.writer;
        let _ = writer.close().await;
        linger(self.framed.into_inner()).await;
    }

    /// The socket again, and the input read past the last line returned (the first
    /// bytes of whatever protocol comes next, such as a WebSocket frame).
    pub(crate) fn into_stream(self) -> Option<(TcpStream, Vec<u8>)> {
        let parts = self.framed.into_parts();
        let stream = parts.io.reunite(self.writer).ok()?;
        Some((stream, parts.buffer.to_vec()))
    }
}

impl Peer for LinePeer {
    /// Cancel-safe: `FramedRead` moves input into its buffer only when a read
    /// completes, and a partial line stays there for the next call.
    async fn next(&mut self) -> Input {
        match self.framed.next().await {
            Some(Ok(text)) => Input::Text(text),
            Some(Err(LineError::TooLong)) => Input::TooLong,
            Some(Err(LineError::Io(_))) | None => Input::Closed,
        }
    }

    /// One write for the whole batch.
    async fn send(&mut self, lines: &[&str]) -> io::Result<()> {
        let mut text = String::with_capacity(lines.iter().map(|line| line.len() + 1).sum());
        for line in lines {
            text.push_str(line);
            text.push('\n');
        }
        self.writer.write_all(text.as_bytes()).await
    }

    async fn finish(mut self, _: Leave, last: Option<&str>, limit: Duration) {
        if let Some(text) = last {
            if let Ok(Ok(())) = timeout(limit, self.send(&[text])).await {
                self.linger().await;
            }
        }
    }
}
