//! A line-based TCP chat room on eddy: a task per client, `eddy::sync::broadcast` to
//! everyone else.
//!
//! ```sh
//! cargo run --release --example chat -- 127.0.0.1:7000
//! nc 127.0.0.1 7000        # in two or more terminals (or telnet)
//! ```
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
//! * A first line of the form `GET / HTTP/1.1` gets a plain-text HTTP hello saying
//!   what this is and how to join, then the connection closes.
//!
//! A line is at most [`MAX_LINE`] bytes; a longer one disconnects its sender. Lines are
//! framed by asynchronous-codec's `FramedRead` with [`LineCodec`], a decoder that caps
//! the length, so a client that never sends `\n` costs at most `MAX_LINE` bytes of
//! buffer (plus one read), not unbounded memory.

use std::collections::BTreeMap;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use asynchronous_codec::{BytesMut, Decoder, FramedRead};
use eddy::io::{AsyncReadExt, AsyncWriteExt};
use eddy::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use eddy::net::{TcpListener, TcpStream};
use eddy::sync::broadcast::{self, error::RecvError, error::TryRecvError};
use eddy::time::timeout;
use futures_lite::StreamExt;
use parking_lot::Mutex;

/// Where the room listens without an argument.
const DEFAULT_ADDR: &str = "127.0.0.1:7000";

/// Longest line accepted, in bytes, without its `\n`.
pub const MAX_LINE: usize = 4096;

/// Longest nickname, in characters.
pub const MAX_NICK: usize = 32;

/// How long a new client may stay silent before it is asked for its nickname. An HTTP
/// client sends its request line at once, so it gets the hello and never the prompt.
pub const PROMPT_AFTER: Duration = Duration::from_millis(250);

/// How long, and for how many bytes, a closing connection drains its input so that
/// the close does not reset away the last thing written.
const LINGER: Duration = Duration::from_secs(1);
const LINGER_BYTES: usize = 1 << 20;

fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| DEFAULT_ADDR.to_string());
    let result = eddy::run(async move {
        let listener = TcpListener::bind(addr.as_str())
            .await
            .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        let local = listener.local_addr().map_err(|e| e.to_string())?;
        println!(
            "eddy chat listening on {local} (join with: nc {} {})",
            local.ip(),
            local.port()
        );
        serve(listener, Arc::new(Room::new(Config::default()))).await;
        Ok::<(), String>(())
    });
    if let Err(message) = result {
        eprintln!("chat: {message}");
        std::process::exit(1);
    }
}

/// The room's tunables.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// Messages the broadcast ring holds: how far a client's task may fall behind
    /// before it is dropped.
    pub history: usize,
    /// Longest a write to one client may take before it is dropped as too slow.
    pub write_timeout: Duration,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            history: 256,
            write_timeout: Duration::from_secs(5),
        }
    }
}

/// A message for the room: a whole line, and who sent it (not echoed back to them).
#[derive(Debug)]
struct Event {
    from: u64,
    line: String,
}

/// The chat room: the broadcast channel and the nicknames in use.
#[derive(Debug)]
pub struct Room {
    tx: broadcast::Sender<Arc<Event>>,
    /// Nicknames in use, by lower case, to the spelling their owner chose.
    nicks: Mutex<BTreeMap<String, String>>,
    next_id: AtomicU64,
    config: Config,
}

impl Room {
    /// An empty room.
    pub fn new(config: Config) -> Room {
        let (tx, _) = broadcast::channel(config.history.max(1));
        Room {
            tx,
            nicks: Mutex::new(BTreeMap::new()),
            next_id: AtomicU64::new(0),
            config,
        }
    }

    /// Sends `line` to everyone but `from`.
    fn announce(&self, from: u64, line: String) {
        // An error only means that nobody is listening.
        let _ = self.tx.send(Arc::new(Event { from, line }));
    }

    /// Takes `nick` if it is valid and free; otherwise says why not.
    fn claim(&self, nick: &str) -> Result<String, String> {
        let valid = (1..=MAX_NICK).contains(&nick.chars().count())
            && nick
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !valid {
            return Err(format!(
                "* a nickname is 1 to {MAX_NICK} letters, digits, '-', '_' or '.'; try another\n"
            ));
        }
        let mut nicks = self.nicks.lock();
        let key = nick.to_lowercase();
        if nicks.contains_key(&key) {
            return Err(format!("* the nickname {nick} is taken; try another\n"));
        }
        nicks.insert(key, nick.to_string());
        Ok(nick.to_string())
    }

    fn release(&self, nick: &str) {
        self.nicks.lock().remove(&nick.to_lowercase());
    }

    /// The nicknames in the room other than `nick`, in order.
    fn others(&self, nick: &str) -> Vec<String> {
        let me = nick.to_lowercase();
        let nicks = self.nicks.lock();
        nicks
            .iter()
            .filter(|(key, _)| **key != me)
            .map(|(_, shown)| shown.clone())
            .collect()
    }
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

/// Why a client left the room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Leave {
    Quit,
    Disconnected,
    TooSlow,
    LineTooLong,
}

/// One client, from its first line to its leave notice.
async fn client(stream: TcpStream, room: Arc<Room>) {
    // Chat lines are small and interactive: do not let Nagle hold them back.
    let _ = stream.set_nodelay(true);
    let (reader, mut writer) = stream.into_split();
    let mut lines = Lines::new(reader);
    let limit = room.config.write_timeout;

    let mut line = match timeout(PROMPT_AFTER, lines.next()).await {
        Ok(line) => line,
        Err(_) => {
            let prompt = "* welcome to eddy chat; what is your nickname?\n";
            if write(&mut writer, prompt, limit).await.is_err() {
                return;
            }
            lines.next().await
        }
    };
    if let Line::Text(text) = &line {
        if let Some(path) = http_request_path(text) {
            let _ = write(&mut writer, &http_hello(path), limit).await;
            linger(lines, writer).await;
            return;
        }
    }
    let nick = loop {
        let Line::Text(text) = line else {
            return; // gone before joining: nobody to tell
        };
        match room.claim(text.trim()) {
            Ok(nick) => break nick,
            Err(why) => {
                if write(&mut writer, &why, limit).await.is_err() {
                    return;
                }
            }
        }
        line = lines.next().await;
    };

    let id = room.next_id.fetch_add(1, Ordering::Relaxed);
    // Subscribe before announcing, so that nothing said after the join is missed.
    let mut rx = room.tx.subscribe();
    room.announce(id, format!("* {nick} joined\n"));
    let others = room.others(&nick);
    let here = match others.len() {
        0 => "nobody else is here yet".to_string(),
        n => format!("{n} here: {}", others.join(", ")),
    };
    let welcome = format!("* welcome, {nick}! {here}. /nick NAME renames you, /quit leaves.\n");
    let (nick, leave) = match write(&mut writer, &welcome, limit).await {
        Ok(()) => chat(&room, id, nick, &mut lines, &mut writer, &mut rx).await,
        Err(leave) => (nick, leave),
    };

    room.release(&nick);
    let (to_room, to_client) = match leave {
        Leave::Quit => (format!("* {nick} left\n"), Some("* bye\n")),
        Leave::Disconnected => (format!("* {nick} left (disconnected)\n"), None),
        Leave::TooSlow => (
            format!("* {nick} was dropped: too slow\n"),
            Some("* you fell too far behind the room; disconnecting\n"),
        ),
        Leave::LineTooLong => (
            format!("* {nick} was dropped: line too long\n"),
            Some("* that line was too long; disconnecting\n"),
        ),
    };
    room.announce(id, to_room);
    if let Some(text) = to_client {
        // Best effort: a slow client gets a second (not another full timeout).
        let limit = limit.min(Duration::from_secs(1));
        if write(&mut writer, text, limit).await.is_ok() {
            linger(lines, writer).await;
        }
    }
}

/// The joined client's loop: its lines to the room, the room's lines to it. Returns
/// its last nickname and why it left.
async fn chat(
    room: &Room,
    id: u64,
    mut nick: String,
    lines: &mut Lines,
    writer: &mut OwnedWriteHalf,
    rx: &mut broadcast::Receiver<Arc<Event>>,
) -> (String, Leave) {
    let limit = room.config.write_timeout;
    loop {
        // Both branches are cancel-safe: `recv` consumes a message only when it
        // returns it, and `Lines::next` keeps partial input in its buffer. The room
        // comes first: a client's task sends out what is waiting before it reads more
        // of the client's lines, so a fast talker's own lines (which it skips) never
        // make it fall behind the ring, and its input waits while its output does.
        let outcome = eddy::select! {
            biased;
            event = rx.recv() => match event {
                Ok(event) => forward(id, event, rx, writer, limit).await,
                Err(RecvError::Lagged(_)) => Err(Leave::TooSlow),
                Err(RecvError::Closed) => Err(Leave::Disconnected),
            },
            line = lines.next() => match line {
                Line::Text(text) => command(room, id, &mut nick, &text, writer).await,
                Line::TooLong => Err(Leave::LineTooLong),
                Line::Closed => Err(Leave::Disconnected),
            },
        };
        if let Err(leave) = outcome {
            return (nick, leave);
        }
    }
}

/// A line the client typed: a command, or a message for the room.
async fn command(
    room: &Room,
    id: u64,
    nick: &mut String,
    text: &str,
    writer: &mut OwnedWriteHalf,
) -> Result<(), Leave> {
    let limit = room.config.write_timeout;
    let trimmed = text.trim();
    if trimmed == "/quit" {
        return Err(Leave::Quit);
    }
    if let Some(new) = trimmed.strip_prefix("/nick ") {
        return match room.claim(new.trim()) {
            Ok(new) => {
                room.release(nick);
                room.announce(id, format!("* {nick} is now known as {new}\n"));
                let confirm = format!("* you are now known as {new}\n");
                *nick = new;
                write(writer, &confirm, limit).await
            }
            Err(why) => write(writer, &why, limit).await,
        };
    }
    if trimmed.starts_with('/') {
        let help = "* unknown command; /nick NAME renames you, /quit leaves\n";
        return write(writer, help, limit).await;
    }
    if !trimmed.is_empty() {
        room.announce(id, format!("{nick}: {text}\n"));
    }
    Ok(())
}

/// Sends `event`, and whatever else is already waiting, to the client in one write,
/// unless it is the client's own.
async fn forward(
    id: u64,
    event: Arc<Event>,
    rx: &mut broadcast::Receiver<Arc<Event>>,
    writer: &mut OwnedWriteHalf,
    limit: Duration,
) -> Result<(), Leave> {
    let mut batch = String::new();
    let mut next = Some(event);
    while let Some(event) = next.take() {
        if event.from != id {
            batch.push_str(&event.line);
        }
        if batch.len() >= 16 << 10 {
            break;
        }
        next = match rx.try_recv() {
            Ok(event) => Some(event),
            Err(TryRecvError::Lagged(_)) => return Err(Leave::TooSlow),
            Err(TryRecvError::Empty | TryRecvError::Closed) => None,
        };
    }
    if batch.is_empty() {
        return Ok(());
    }
    write(writer, &batch, limit).await
}

/// Writes `text`, giving up after `limit`.
async fn write(writer: &mut OwnedWriteHalf, text: &str, limit: Duration) -> Result<(), Leave> {
    match timeout(limit, writer.write_all(text.as_bytes())).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err(Leave::Disconnected),
        Err(_) => Err(Leave::TooSlow),
    }
}

/// After the last write: send FIN, then drain what the client still sends for a while,
/// so that closing with unread input does not reset the connection before the client
/// has read our last line.
async fn linger(lines: Lines, mut writer: OwnedWriteHalf) {
    let _ = writer.close().await;
    let mut reader = lines.framed.into_inner();
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

/// The path of an HTTP request line (`GET /path HTTP/1.1`), if `line` is one.
fn http_request_path(line: &str) -> Option<&str> {
    let mut parts = line.split(' ');
    let (method, path, version) = (parts.next()?, parts.next()?, parts.next()?);
    let methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"];
    (parts.next().is_none()
        && methods.contains(&method)
        && path.starts_with('/')
        && version.starts_with("HTTP/"))
    .then_some(path)
}

/// The answer to an HTTP request: a hello at `/`, 404 elsewhere.
fn http_hello(path: &str) -> String {
    let (status, body) = if path == "/" {
        (
            "200 OK",
            "Hello from eddy chat: a line-based TCP chat room (not an HTTP server).\n\
             Join with a plain TCP client, e.g.: nc <host> <port>\n\
             Your first line is your nickname; then every line goes to everyone else.\n\
             /nick NAME renames you, /quit leaves.\n",
        )
    } else {
        (
            "404 Not Found",
            "Not found: this is a line-based chat server; only / answers HTTP.\n",
        )
    };
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// What [`Lines::next`] read.
#[derive(Debug)]
enum Line {
    /// A whole line, without `\n` or `\r\n` (invalid UTF-8 replaced).
    Text(String),
    /// A line longer than [`MAX_LINE`].
    TooLong,
    /// The peer closed (an unfinished last line is dropped), or reading failed.
    Closed,
}

/// A client's input as lines: asynchronous-codec's `FramedRead` with [`LineCodec`].
#[derive(Debug)]
struct Lines {
    framed: FramedRead<OwnedReadHalf, LineCodec>,
}

impl Lines {
    fn new(reader: OwnedReadHalf) -> Lines {
        Lines {
            framed: FramedRead::new(reader, LineCodec::new(MAX_LINE)),
        }
    }

    /// The next line. Cancel-safe: `FramedRead` moves input into its buffer only when
    /// a read completes, and a partial line stays there for the next call.
    async fn next(&mut self) -> Line {
        match self.framed.next().await {
            Some(Ok(text)) => Line::Text(text),
            Some(Err(LineError::TooLong)) => Line::TooLong,
            Some(Err(LineError::Io(_))) | None => Line::Closed,
        }
    }
}

/// Why [`LineCodec`] stopped.
#[derive(Debug)]
pub enum LineError {
    /// A line (without its `\n` or `\r\n`) was longer than the cap.
    TooLong,
    /// Reading failed.
    Io(io::Error),
}

impl From<io::Error> for LineError {
    fn from(error: io::Error) -> LineError {
        LineError::Io(error)
    }
}

/// Lines of at most `max` bytes, for asynchronous-codec's `FramedRead`; a longer line
/// is [`LineError::TooLong`] as soon as `max` bytes without a `\n` have arrived. Its
/// `LinesCodec` has no cap (and rejects invalid UTF-8, which chat replaces), hence this
/// one. At EOF an unfinished last line is dropped.
#[derive(Debug)]
pub struct LineCodec {
    max: usize,
    /// How much of the buffer is known to hold no `\n`.
    scanned: usize,
}

impl LineCodec {
    /// A codec for lines of at most `max` bytes.
    pub fn new(max: usize) -> LineCodec {
        LineCodec { max, scanned: 0 }
    }
}

impl Decoder for LineCodec {
    type Item = String;
    type Error = LineError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<String>, LineError> {
        let Some(i) = src[self.scanned..].iter().position(|&b| b == b'\n') else {
            self.scanned = src.len();
            return match src.len() > self.max {
                true => Err(LineError::TooLong),
                false => Ok(None),
            };
        };
        let end = self.scanned + i;
        self.scanned = 0;
        let frame = src.split_to(end + 1);
        let line = frame[..end].strip_suffix(b"\r").unwrap_or(&frame[..end]);
        if line.len() > self.max {
            return Err(LineError::TooLong);
        }
        Ok(Some(String::from_utf8_lossy(line).into_owned()))
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<String>, LineError> {
        let line = self.decode(src)?;
        if line.is_none() {
            // The peer closed mid-line: drop the fragment, not send it half-written.
            src.clear();
            self.scanned = 0;
        }
        Ok(line)
    }
}
