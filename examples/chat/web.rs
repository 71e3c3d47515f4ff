//! The web side: a connection whose first line is an HTTP request line gets an HTTP
//! answer instead of a nickname prompt.
//!
//! | request | answer |
//! |---|---|
//! | `GET /` (or `HEAD /`) | the chat page, `page.html`: self-contained, it asks for a nickname and joins over `/ws` |
//! | `GET /ws` with `Upgrade: websocket` | `101 Switching Protocols`, then the connection is a WebSocket client of the room (`ws.rs`) |
//! | `/ws` without a valid upgrade | `426 Upgrade Required` (no upgrade, or not version 13) or `400 Bad Request` (no key, not `GET`) |
//! | anything else | `404 Not Found` |
//!
//! **One port for everything.** A nickname never has a space, so a first line like
//! `GET / HTTP/1.1` cannot be a nickname, and the server can tell the two protocols
//! apart from the line it reads anyway; a browser sends its request at once, so it
//! never waits for the nickname prompt. A user then has one address to remember, for
//! `nc` and for the browser alike, and the WebSocket URL is the page's own host. (A
//! second listener would need a flag, a second address to print and to firewall, and
//! would let the page and the room's port drift apart.)
//!
//! **The head is bounded**: each line by the line codec's cap, the whole head by
//! [`MAX_HEAD`] bytes (`431` past it), and the time to send it by
//! [`Config::head_timeout`](super::Config::head_timeout) (`408`). The upgrade is answered here, with tungstenite's `derive_accept_key`,
//! because the head has been read already; async-tungstenite then takes the stream
//! without a second handshake. No `Origin` check: the room has no accounts or cookies
//! that a page on another site could borrow.

use std::sync::Arc;
use std::time::Duration;

use async_tungstenite::tungstenite::handshake::derive_accept_key;
use eddy::time::timeout;

use super::lines::LinePeer;
use super::room::Room;
use super::session::{self, Input, Peer};
use super::ws::WsPeer;

/// The chat page, served at `/`.
const PAGE: &str = include_str!("page.html");

/// Longest request head accepted, in bytes, request line included.
pub const MAX_HEAD: usize = 8 << 10;

/// Longest an answer may take to write: a client that does not read cannot keep the
/// task.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(5);

/// An HTTP request line: `GET /path HTTP/1.1`.
#[derive(Debug)]
pub(crate) struct RequestLine {
    method: String,
    /// The path without its query.
    path: String,
    /// The line's length, for [`MAX_HEAD`].
    len: usize,
}

impl RequestLine {
    /// The request line that `line` is, if it is one.
    pub(crate) fn parse(line: &str) -> Option<RequestLine> {
        let mut parts = line.split(' ');
        let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
        let methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"];
        let valid = parts.next().is_none()
            && methods.contains(&method)
            && target.starts_with('/')
            && version.starts_with("HTTP/");
        let path = target.split('?').next().unwrap_or(target);
        valid.then(|| RequestLine {
            method: method.to_string(),
            path: path.to_string(),
            len: line.len() + 2,
        })
    }
}

/// Answers the request that `request` starts; a WebSocket upgrade joins the room.
pub(crate) async fn serve(mut peer: LinePeer, request: RequestLine, room: Arc<Room>) {
    let limit = room.config.head_timeout;
    let headers = match timeout(limit, read_headers(&mut peer, request.len)).await {
        Ok(Ok(headers)) => headers,
        Ok(Err(Some(status))) => return answer(peer, status, &[], Body::Text(status)).await,
        Ok(Err(None)) => return, // gone
        Err(_) => {
            let status = "408 Request Timeout";
            return answer(peer, status, &[], Body::Text(status)).await;
        }
    };
    let header = |name: &str| {
        headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    let has_token = |name: &str, token: &str| {
        header(name).is_some_and(|value| {
            value
                .split(',')
                .any(|part| part.trim().eq_ignore_ascii_case(token))
        })
    };
    let (method, path) = (request.method.as_str(), request.path.as_str());
    match (method, path) {
        ("GET" | "HEAD", "/") => {
            let body = match method {
                "HEAD" => Body::Head(PAGE.len()),
                _ => Body::Html(PAGE),
            };
            answer(peer, "200 OK", &[], body).await;
        }
        (_, "/ws") => {
            let websocket_only = [("Upgrade", "websocket"), ("Sec-WebSocket-Version", "13")];
            if !has_token("upgrade", "websocket") || !has_token("connection", "upgrade") {
                let why = "426 Upgrade Required: /ws speaks WebSocket only; open / in a browser";
                return answer(
                    peer,
                    "426 Upgrade Required",
                    &websocket_only,
                    Body::Text(why),
                )
                .await;
            }
            if header("sec-websocket-version") != Some("13") {
                let why = "426 Upgrade Required: WebSocket version 13 only";
                return answer(
                    peer,
                    "426 Upgrade Required",
                    &websocket_only,
                    Body::Text(why),
                )
                .await;
            }
            let key = header("sec-websocket-key").filter(|key| key.len() == 24);
            let Some(key) = key.filter(|_| method == "GET") else {
                let why = "400 Bad Request: a WebSocket upgrade is a GET with a Sec-WebSocket-Key";
                return answer(peer, "400 Bad Request", &[], Body::Text(why)).await;
            };
            upgrade(peer, derive_accept_key(key.as_bytes()), room).await;
        }
        _ => {
            let why = "404 Not Found: this is a chat room; open / in a browser";
            answer(peer, "404 Not Found", &[], Body::Text(why)).await;
        }
    }
}

/// The header lines up to the blank one, as (lower-case name, value). The error is the
/// status to answer with, or `None` if the client went away.
async fn read_headers(
    peer: &mut LinePeer,
    mut len: usize,
) -> Result<Vec<(String, String)>, Option<&'static str>> {
    let mut headers = Vec::new();
    loop {
        let line = match peer.next().await {
            Input::Text(line) => line,
            Input::TooLong => return Err(Some("431 Request Header Fields Too Large")),
            Input::Goodbye | Input::Closed => return Err(None),
        };
        len += line.len() + 2;
        if len > MAX_HEAD {
            return Err(Some("431 Request Header Fields Too Large"));
        }
        if line.is_empty() {
            return Ok(headers);
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(Some("400 Bad Request"));
        };
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
}

/// What an answer carries.
#[derive(Debug)]
enum Body<'a> {
    /// HTML.
    Html(&'a str),
    /// A line of plain text.
    Text(&'a str),
    /// Nothing, for a `HEAD` whose `GET` would carry this many bytes of HTML.
    Head(usize),
}

/// Writes an answer and closes the connection.
async fn answer(mut peer: LinePeer, status: &str, headers: &[(&str, &str)], body: Body<'_>) {
    let (content_type, text, len) = match body {
        Body::Html(html) => ("text/html", html.to_string(), html.len()),
        Body::Text(line) => ("text/plain", format!("{line}\n"), line.len() + 1),
        Body::Head(len) => ("text/html", String::new(), len),
    };
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}; charset=utf-8\r\n\
         Content-Length: {len}\r\nConnection: close\r\n"
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    head.push_str(&text);
    if let Ok(Ok(())) = timeout(ANSWER_TIMEOUT, peer.write_raw(head.as_bytes())).await {
        peer.linger().await;
    }
}

/// Switches the connection to WebSocket and runs the client's session.
async fn upgrade(mut peer: LinePeer, accept: String, room: Arc<Room>) {
    let response = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {accept}\r\n\r\n"
    );
    let limit = room.config.write_timeout;
    if !matches!(
        timeout(limit, peer.write_raw(response.as_bytes())).await,
        Ok(Ok(()))
    ) {
        return;
    }
    let Some((stream, early)) = peer.into_stream() else {
        return;
    };
    let mut ws = WsPeer::new(stream, early, room.config.ping_every).await;
    if let Some(first) = session::first_input(&mut ws, limit).await {
        session::run(ws, first, room).await;
    }
}
