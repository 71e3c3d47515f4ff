//! The chat example (examples/chat/), driven in-process over TCP on a 2-worker runtime:
//! the line protocol (`lines.rs`), HTTP on the same port (`web.rs`), and WebSocket
//! clients in the same room as line clients (`ws.rs`). This file holds the harness:
//! the room, a line client and a WebSocket client that read what they expect.

#[path = "../support/mod.rs"]
mod support;

#[path = "../../examples/chat/main.rs"]
#[allow(dead_code)]
mod chat;

mod lines;
mod web;
mod ws;

use std::net::SocketAddr;
use std::sync::Arc;

use async_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use async_tungstenite::tungstenite::Message;
use async_tungstenite::WebSocketStream;
use chat::{Config, Room};
use eddy::net::{TcpListener, TcpStream};
use futures_lite::{AsyncReadExt, AsyncWriteExt, StreamExt};
use support::{runtime, with_timeout, LIMIT};

/// Runs `body` against a fresh room with `config` on a 2-worker runtime, failing after
/// [`LIMIT`].
fn with_room<F>(config: Config, body: impl FnOnce(SocketAddr) -> F + Send + 'static)
where
    F: std::future::Future<Output = ()>,
{
    with_timeout(LIMIT, move || {
        runtime(2).block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            eddy::spawn(chat::serve(listener, Arc::new(Room::new(config))));
            body(addr).await;
        })
    });
}

/// Floods the room from `alice` — up to 32 MB of chat, more than the loopback socket
/// buffers hold, so a client that does not read blocks the server's writes to it — until
/// alice reads a line, which is returned (she never sees her own lines, so it is the
/// room's notice). Fails if all 32 MB went out first.
async fn flood_until_notice(alice: Client) -> Vec<u8> {
    use std::sync::atomic::{AtomicBool, Ordering};

    let Client { stream, buf } = alice;
    assert!(buf.is_empty());
    let (mut reader, mut writer) = stream.into_split();
    let stop = Arc::new(AtomicBool::new(false));
    let flood = eddy::spawn({
        let stop = stop.clone();
        async move {
            let burst = format!("{}\n", "z".repeat(chat::MAX_LINE - 1)).repeat(64);
            let mut sent = 0;
            while sent < 32 << 20 && !stop.load(Ordering::Relaxed) {
                writer.write_all(burst.as_bytes()).await.unwrap();
                sent += burst.len();
            }
            sent
        }
    });
    let mut notice = Vec::new();
    while !notice.ends_with(b"\n") {
        let mut byte = [0u8];
        let n = reader.read(&mut byte).await.unwrap();
        assert_eq!(n, 1, "alice was disconnected");
        notice.push(byte[0]);
    }
    stop.store(true, Ordering::Relaxed);
    let sent = flood.await.unwrap();
    assert!(sent < 32 << 20, "32 MB went out and nobody was dropped");
    notice
}

struct Client {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Client {
    async fn connect(addr: SocketAddr) -> Client {
        Client {
            stream: TcpStream::connect(addr).await.unwrap(),
            buf: Vec::new(),
        }
    }

    /// Connects and takes `nick`, returning once the welcome has arrived.
    async fn join(addr: SocketAddr, nick: &str) -> Client {
        let mut client = Client::connect(addr).await;
        client.send(&format!("{nick}\n")).await;
        client.expect_welcome(nick).await;
        client
    }

    /// Reads up to the welcome for `nick`, skipping the nickname prompt, which comes
    /// first if the server saw nothing for a while.
    async fn expect_welcome(&mut self, nick: &str) -> String {
        loop {
            let line = self.line().await;
            if line.starts_with(&format!("* welcome, {nick}!")) {
                return line;
            }
            assert_eq!(line, "* welcome to eddy chat; what is your nickname?");
        }
    }

    async fn send(&mut self, text: &str) {
        self.stream.write_all(text.as_bytes()).await.unwrap();
    }

    /// The next line, without its `\n`.
    async fn line(&mut self) -> String {
        loop {
            if let Some(i) = self.buf.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.buf.drain(..=i).collect();
                return String::from_utf8(line[..i].to_vec()).unwrap();
            }
            let mut chunk = vec![0u8; 64 << 10];
            let n = self.stream.read(&mut chunk).await.unwrap();
            assert!(
                n > 0,
                "the server closed the connection; unfinished: {:?}",
                String::from_utf8_lossy(&self.buf)
            );
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Asserts that the server closes the connection with nothing more to say.
    async fn expect_closed(&mut self) {
        let mut rest = std::mem::take(&mut self.buf);
        self.stream.read_to_end(&mut rest).await.unwrap();
        assert!(
            rest.is_empty(),
            "expected a close, got {:?}",
            String::from_utf8_lossy(&rest)
        );
    }
}

/// A WebSocket client, as a browser's page would be: async-tungstenite's
/// `client_async` over an eddy `TcpStream`.
struct WsClient {
    ws: WebSocketStream<TcpStream>,
}

impl WsClient {
    /// Connects to `/ws` and completes the upgrade.
    async fn connect(addr: SocketAddr) -> WsClient {
        let stream = TcpStream::connect(addr).await.unwrap();
        let (ws, response) = async_tungstenite::client_async(format!("ws://{addr}/ws"), stream)
            .await
            .unwrap();
        assert_eq!(response.status(), 101);
        WsClient { ws }
    }

    /// Connects and takes `nick`, returning once the welcome has arrived.
    async fn join(addr: SocketAddr, nick: &str) -> WsClient {
        let mut client = WsClient::connect(addr).await;
        client.send(nick).await;
        client.expect_welcome(nick).await;
        client
    }

    /// Reads up to the welcome for `nick`, skipping the nickname prompt.
    async fn expect_welcome(&mut self, nick: &str) -> String {
        loop {
            let text = self.text().await;
            if text.starts_with(&format!("* welcome, {nick}!")) {
                return text;
            }
            assert_eq!(text, "* welcome to eddy chat; what is your nickname?");
        }
    }

    async fn send(&mut self, text: &str) {
        self.ws.send(Message::text(text.to_string())).await.unwrap();
    }

    /// The next message, skipping the server's pings (answered by tungstenite on the
    /// next read) and pongs.
    async fn message(&mut self) -> Option<Message> {
        loop {
            match self.ws.next().await {
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                Some(Ok(message)) => return Some(message),
                Some(Err(e)) => panic!("the WebSocket failed: {e}"),
                None => return None,
            }
        }
    }

    /// The next text message.
    async fn text(&mut self) -> String {
        match self.message().await {
            Some(Message::Text(text)) => text.as_str().to_string(),
            other => panic!("expected a text message, got {other:?}"),
        }
    }

    /// Expects the server's close frame with `code`, then the end of the stream.
    async fn expect_close(&mut self, code: CloseCode) {
        match self.message().await {
            Some(Message::Close(Some(frame))) => assert_eq!(frame.code, code, "{frame:?}"),
            other => panic!("expected a close frame with {code}, got {other:?}"),
        }
        assert!(self.message().await.is_none(), "more after the close");
    }
}
