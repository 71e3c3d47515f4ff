//! A chat room on eddy: line clients (`nc`, `telnet`) and browsers (WebSocket) in one
//! room, on one port. A task per client, `eddy::sync::broadcast` to everyone else.
//!
//! ```sh
//! cargo run --release --example chat -- 127.0.0.1:7000
//! nc 127.0.0.1 7000                    # in a terminal (or telnet)
//! websocat ws://127.0.0.1:7000/ws      # a WebSocket client, if you have one
//! ```
//!
//! and open <http://127.0.0.1:7000/> in a browser: the page asks for a nickname and
//! joins the same room over WebSocket.
//!
//! * The first line a client sends is its nickname (1 to 32 letters, digits, `-`, `_`,
//!   `.`; unique, ignoring case). A client silent for [`PROMPT_AFTER`] is asked for it.
//! * Every other line goes to everyone else in the room as `nick: text`; `/nick NAME`
//!   renames, `/quit` leaves. Everyone else sees `* nick joined` and `* nick left`.
//! * A client that disconnects leaves with `* nick left (disconnected)`; a line it had
//!   not finished is dropped, not sent half-written.
//! * **Slow clients are dropped.** The room keeps the last [`Config::history`] messages
//!   (the broadcast ring). A client whose task falls further behind than that — its
//!   socket is not drained, or it cannot keep up — would miss messages, and a write
//!   that cannot finish within [`Config::write_timeout`] means the same. Either way the
//!   client is told (best effort), disconnected, and the room sees `* nick was dropped:
//!   too slow`. Skipping the missed messages would leave holes in the conversation
//!   that nobody sees; waiting for the client would let one stalled reader hold the
//!   room's memory or block the others. Dropping keeps the room's cost bounded: a
//!   fixed ring, and each client's task blocked at most `write_timeout`.
//! * A line is at most [`MAX_LINE`] bytes; a longer one disconnects its sender
//!   (`* nick was dropped: line too long`).
//!
//! * Ctrl-C (SIGINT) stops the server: it exits with status 0. With `STATS_EVERY=10` in
//!   its environment it prints the runtime's live tasks, I/O sources and timers to stderr
//!   every 10 s (`examples/support/stats.rs`; `.ci/soak` reads them).
//!
//! All of that is written once, in `session.rs`, for both protocols:
//!
//! | file | what |
//! |---|---|
//! | `room.rs` | the room: the broadcast ring, the nicknames, [`Config`] |
//! | `session.rs` | one client's life in the room, over any protocol (a `Peer`) |
//! | `command.rs` | what a client's line means (`/nick`, `/quit`, a message), valid nicknames |
//! | `lines.rs` | the line protocol, framed by [`LineCodec`] |
//! | `codec.rs` | [`LineCodec`]: lines with a length cap, no I/O (fuzzed: fuzz/) |
//! | `web.rs` | HTTP on the same port: the page at `/`, the upgrade at `/ws`, 404s; why one port |
//! | `head.rs` | the request head: request line, headers under the cap, which answer |
//! | `ws.rs` | the WebSocket protocol (async-tungstenite on eddy's `TcpStream`): caps, ping, close |
//! | `page.html` | the page: a nickname box, the room's lines, an input line |
//!
//! A WebSocket text message is a line (several lines if it holds newlines), subject to
//! the same cap; a WebSocket client that stops answering pings is removed as
//! disconnected; a close frame is a goodbye (`* nick left`).

use std::sync::Arc;
use std::time::Duration;

use eddy::io::{AsyncRead, AsyncReadExt};
use eddy::net::{TcpListener, TcpStream};
use eddy::time::timeout;

mod codec;
mod command;
mod head;
mod lines;
mod room;
mod session;
#[path = "../support/stats.rs"]
mod stats;
mod web;
mod ws;

pub use self::codec::{LineCodec, LineError};
pub use self::head::MAX_HEAD;
pub use self::room::{Config, Room};

use self::lines::LinePeer;
use self::session::Input;

/// Where the room listens without an argument.
const DEFAULT_ADDR: &str = "127.0.0.1:7000";

/// Longest line (or WebSocket message) accepted, in bytes, without its `\n`.
pub const MAX_LINE: usize = 4096;

pub use self::command::MAX_NICK;

/// How long a new client may stay silent before it is asked for its nickname. An HTTP
/// client sends its request line at once, so it gets its answer and never the prompt.
pub const PROMPT_AFTER: Duration = Duration::from_millis(250);

/// How long, and for how many bytes, a closing connection drains its input so that
/// the close does not reset away the last thing written.
const LINGER: Duration = Duration::from_secs(1);
const LINGER_BYTES: usize = 1 << 20;

fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| DEFAULT_ADDR.to_string());
    if let Err(message) = run(&addr) {
        eprintln!("chat: {message}");
        std::process::exit(1);
    }
}

/// Listens on `addr` and runs the room until Ctrl-C (SIGINT), then returns: leaving the
/// runtime cancels every client's task and closes its socket. With `STATS_EVERY` set,
/// prints the runtime's gauges to stderr meanwhile (`support/stats.rs`).
pub fn run(addr: &str) -> Result<(), String> {
    eddy::run(async move {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        let local = listener.local_addr().map_err(|e| e.to_string())?;
        println!("eddy chat listening on {local}");
        println!("  terminal:  nc {} {}", local.ip(), local.port());
        println!("  browser:   http://{local}/");
        println!("  WebSocket: ws://{local}/ws");
        stats::spawn_from_env();
        // `biased`, Ctrl-C first: its first poll installs the handler, before `serve`
        // accepts anyone, so a client that has been answered can count on it.
        eddy::select! {
            biased;
            signal = eddy::signal::ctrl_c() => {
                signal.map_err(|e| format!("cannot wait for Ctrl-C: {e}"))?;
            }
            _ = serve(listener, Arc::new(Room::new(Config::default()))) => {}
        }
        println!("bye");
        Ok(())
    })
}

/// Accepts clients for ever, a task each.
pub async fn serve(listener: TcpListener, room: Arc<Room>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                eddy::spawn(client(stream, room.clone()));
            }
            Err(e) => {
                // Out of file descriptors, say: wait rather than spin on the error.
                eprintln!("chat: accept failed: {e}; retrying in 100 ms");
                eddy::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// One connection: its first line says whether it is a line client or an HTTP
/// request (the page, or a WebSocket upgrade).
async fn client(stream: TcpStream, room: Arc<Room>) {
    // Chat lines are small and interactive: do not let Nagle hold them back.
    let _ = stream.set_nodelay(true);
    let mut peer = LinePeer::new(stream);
    let Some(first) = session::first_input(&mut peer, room.config.write_timeout).await else {
        return;
    };
    if let Input::Text(line) = &first {
        if let Some(request) = head::RequestLine::parse(line) {
            return web::serve(peer, request, room).await;
        }
    }
    session::run(peer, first, room).await;
}

/// After the last write and a shutdown of the write side: drain what the client still
/// sends for a while, so that closing with unread input does not reset the connection
/// before the client has read our last words.
async fn linger(mut reader: impl AsyncRead + Unpin) {
    let drain = async {
        let mut sink = [0u8; 4096];
        let mut total = 0;
        while total < LINGER_BYTES {
            match reader.read(&mut sink).await {
                Ok(0) | Err(_) => break,
                Ok(n) => total += n,
            }
        }
    };
    let _ = timeout(LINGER, drain).await;
}
