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
//! [`MAX_HEAD`](super::MAX_HEAD) bytes (`431` past it), and the time to send it by
//! [`Config::head_timeout`](super::Config::head_timeout) (`408`). The upgrade is answered here, with tungstenite's `derive_accept_key`,
//! because the head has been read already; async-tungstenite then takes the stream
//! without a second handshake. No `Origin` check: the room has no accounts or cookies
//! that a page on another site could borrow.

use std::sync::Arc;
use std::time::Duration;

use async_tungstenite::tungstenite::handshake::derive_accept_key;
use eddy::time::timeout;

use super::head::{self, Answer, Head, RequestLine};
use super::lines::LinePeer;
use super::room::Room;
use super::session::{self, Input, Peer};
use super::ws::WsPeer;

/// The chat page, served at `/`.
const PAGE: &str = include_str!("page.html");

/// Longest an answer may take to write: a client that does not read cannot keep the
/// task.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(5);

/// Answers the request that `request` starts; a WebSocket upgrade joins the room.
pub(crate) async fn serve(mut peer: LinePeer, request: RequestLine, room: Arc<Room>) {
    let limit = room.config.head_timeout;
    let head = match timeout(limit, read_head(&mut peer, &request)).await {
        Ok(Ok(head)) => head,
        Ok(Err(Some(status))) => return answer(peer, status, &[], Body::Text(status)).await,
        Ok(Err(None)) => return, // gone
        Err(_) => {
            let status = "408 Request Timeout";
            return answer(peer, status, &[], Body::Text(status)).await;
        }
    };
    match head::route(&request, &head) {
        Answer::Page { head_only } => {
            let body = match head_only {
                true => Body::Head(PAGE.len()),
                false => Body::Html(PAGE),
            };
            answer(peer, "200 OK", &[], body).await;
        }
        Answer::Upgrade { key } => {
            upgrade(peer, derive_accept_key(key.as_bytes()), room).await;
        }
        Answer::Refuse {
            status,
            why,
            websocket_only,
        } => {
            let offer = [("Upgrade", "websocket"), ("Sec-WebSocket-Version", "13")];
            let headers: &[(&str, &str)] = if websocket_only { &offer } else { &[] };
            answer(peer, status, headers, Body::Text(why)).await;
        }
    }
}

/// The rest of the head that `request` starts, up to the blank line. The error is the
/// status to answer with, or `None` if the client went away.
async fn read_head(
    peer: &mut LinePeer,
    request: &RequestLine,
) -> Result<Head, Option<&'static str>> {
    let mut head = Head::new(request);
    loop {
        let line = match peer.next().await {
            Input::Text(line) => line,
            Input::TooLong => return Err(Some("431 Request Header Fields Too Large")),
            Input::Goodbye | Input::Closed => return Err(None),
        };
        if head.line(&line)? {
            return Ok(head);
        }
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
