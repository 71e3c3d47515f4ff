//! A WebSocket client of the room: async-tungstenite's `WebSocketStream` straight on
//! eddy's `TcpStream` (a futures-io stream: no adapter, no tokio), as a [`Peer`] for
//! the same session code the line protocol uses.
//!
//! * Each text message is one line; a message holding several lines (`\n` or `\r\n`
//!   between them) is several, so nobody can smuggle a fake `* ... left` line to the
//!   line clients. A binary message counts as text (invalid UTF-8 replaced), as a line
//!   client's bytes do.
//! * **Caps.** A message is at most [`MAX_LINE`] bytes, like a line: tungstenite's
//!   `max_message_size` and `max_frame_size` are set to it, so a frame that announces
//!   more is refused from its header, before any of its payload is buffered, and the
//!   sender is dropped as for a long line (close code 1009). The read buffer is small and
//!   the write buffer capped: a stalled client holds a few KiB, not tungstenite's
//!   128 KiB defaults.
//! * **Ping and pong.** tungstenite answers the client's pings by itself (on the next
//!   read, which the session's loop is always waiting in). A client silent for
//!   [`Config::ping_every`](super::Config::ping_every) is pinged; one that sends nothing,
//!   not even the pong, for as long again has vanished (a dead network path sends no
//!   FIN) and is removed as disconnected.
//! * **Close.** A close frame from the client is a goodbye: the room sees `* nick left`,
//!   and the server's reply goes out on the next read. When the server ends the
//!   conversation (`/quit`, too slow, too long) it sends its notice and a close frame
//!   with a code saying why, then shuts its side and drains the client's input for a
//!   while, as the line protocol does, so the notice is not lost to a reset.

use std::collections::VecDeque;
use std::io;
use std::time::Duration;

use async_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use async_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use async_tungstenite::tungstenite::{Error as WsError, Message};
use async_tungstenite::WebSocketStream;
use eddy::net::TcpStream;
use eddy::time::{sleep_until, timeout, Instant};
use futures_lite::StreamExt;

use super::session::{Input, Leave, Peer};
use super::{linger, MAX_LINE};

/// tungstenite's read buffer: enough for a whole message at the cap (its default,
/// 128 KiB, is allocated eagerly per connection).
const READ_BUFFER: usize = 8 << 10;

/// Most that may wait in tungstenite's write buffer for a client that does not read:
/// one batch of the room's lines (each written and flushed in turn) and a control frame.
const MAX_WRITE_BUFFER: usize = 64 << 10;

/// The WebSocket settings every client gets: see the module's doc.
pub(crate) fn config() -> WebSocketConfig {
    WebSocketConfig::default()
        .max_message_size(Some(MAX_LINE))
        .max_frame_size(Some(MAX_LINE))
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(0)
        .max_write_buffer_size(MAX_WRITE_BUFFER)
}

/// A WebSocket client, after the handshake.
#[derive(Debug)]
pub(crate) struct WsPeer {
    ws: WebSocketStream<TcpStream>,
    /// Lines of a multi-line message not returned yet.
    pending: VecDeque<String>,
    ping_every: Duration,
    /// When the client is next pinged (`ping_every` after it was last heard from, any
    /// frame counting), or, once `pinged`, given up (`ping_every` after the ping went
    /// out).
    deadline: Instant,
    /// A ping has gone out since the client was last heard from.
    pinged: bool,
    /// The client sent a close frame; tungstenite has queued the reply.
    closed_by_client: bool,
}

impl WsPeer {
    /// Takes over `stream` after the upgrade was answered; `early` is what the client
    /// sent past its request head (frames it did not wait to send).
    pub(crate) async fn new(stream: TcpStream, early: Vec<u8>, ping_every: Duration) -> WsPeer {
        let ws =
            WebSocketStream::from_partially_read(stream, early, Role::Server, Some(config())).await;
        WsPeer {
            ws,
            pending: VecDeque::new(),
            ping_every,
            deadline: Instant::now() + ping_every,
            pinged: false,
            closed_by_client: false,
        }
    }

    /// Pings a silent client, or gives it up if it has not answered the last ping.
    /// `false`: it is gone.
    async fn keep_alive(&mut self) -> bool {
        if self.pinged {
            return false;
        }
        // Bounded: a client that does not read cannot hold the session here.
        let ping = self.ws.send(Message::Ping(Default::default()));
        if !matches!(timeout(self.ping_every, ping).await, Ok(Ok(()))) {
            return false;
        }
        self.pinged = true;
        self.deadline = Instant::now() + self.ping_every;
        true
    }
}

impl Peer for WsPeer {
    /// Cancel-safe: tungstenite keeps a partial frame in its buffer, the lines of a
    /// message wait in `pending`, and the keep-alive state is in `self`, so a dropped
    /// call loses nothing (a ping it had queued goes out with the next write).
    async fn next(&mut self) -> Input {
        loop {
            if let Some(line) = self.pending.pop_front() {
                return Input::Text(line);
            }
            let message = eddy::select! {
                biased;
                message = self.ws.next() => message,
                () = sleep_until(self.deadline) => {
                    if !self.keep_alive().await {
                        return Input::Closed;
                    }
                    continue;
                }
            };
            self.deadline = Instant::now() + self.ping_every;
            self.pinged = false;
            match message {
                Some(Ok(Message::Text(text))) => {
                    self.pending
                        .extend(text.as_str().lines().map(str::to_owned));
                }
                Some(Ok(Message::Binary(bytes))) => {
                    let text = String::from_utf8_lossy(&bytes);
                    self.pending.extend(text.lines().map(str::to_owned));
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
                Some(Ok(Message::Close(_))) => {
                    self.closed_by_client = true;
                    return Input::Goodbye;
                }
                Some(Err(WsError::Capacity(_))) => return Input::TooLong,
                // A protocol error, a reset, or the end of the stream without a close.
                Some(Err(_)) | None => return Input::Closed,
            }
        }
    }

    /// A message per line, each flushed.
    async fn send(&mut self, lines: &[&str]) -> io::Result<()> {
        for line in lines {
            self.ws
                .send(Message::text(line.to_string()))
                .await
                .map_err(io::Error::other)?;
        }
        Ok(())
    }

    async fn finish(mut self, leave: Leave, last: Option<&str>, limit: Duration) {
        if self.closed_by_client {
            // One more read sends the queued close reply, and then ends the stream:
            // the server closes the TCP connection first, as RFC 6455 wants.
            let _ = timeout(limit, self.ws.next()).await;
            return;
        }
        let (code, reason) = match leave {
            // Gone, or closed already: nobody to tell.
            Leave::Disconnected | Leave::Closed => return,
            Leave::Quit => (CloseCode::Normal, "bye"),
            Leave::TooSlow => (CloseCode::Policy, "too slow"),
            Leave::LineTooLong => (CloseCode::Size, "message too long"),
        };
        let goodbye = async {
            if let Some(text) = last {
                self.ws.send(Message::text(text.to_string())).await?;
            }
            let frame = CloseFrame {
                code,
                reason: reason.into(),
            };
            self.ws.close(Some(frame)).await
        };
        if let Ok(Ok(())) = timeout(limit, goodbye).await {
            let stream = self.ws.into_inner();
            let _ = stream.shutdown(std::net::Shutdown::Write);
            linger(stream).await;
        }
    }
}
