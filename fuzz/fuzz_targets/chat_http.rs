//! The HTTP side of examples/chat (`head.rs`): a connection's lines, framed as the line
//! codec frames them (the reference model that `chat_lines` holds the codec to), read as
//! a request head and answered.
//!
//! Properties, besides "no panic":
//! - a request line is exactly `METHOD /target HTTP/...` with a known method, and its
//!   path is the target up to any `?`; no valid nickname is a request line (the port
//!   tells the two protocols apart by the first line);
//! - while a head is accepted it is within `MAX_HEAD` bytes, and a line over the codec's
//!   cap or a head over `MAX_HEAD` is `431`, a header line without `:` is `400`;
//!   header names are lower case, names and values trimmed;
//! - the answer follows the rules: the page only for `GET /` or `HEAD /`, an upgrade
//!   only for a `GET /ws` with `Upgrade: websocket`, `Connection: upgrade`,
//!   `Sec-WebSocket-Version: 13` and a 24-byte key (the one sent), `426` offering
//!   WebSocket for a `/ws` without them, `404` elsewhere; every status and reason is one
//!   line;
//! - the heap a head costs is bounded by `MAX_HEAD`, however long the stream.

#![no_main]

use eddy_fuzz::{peak_during, Input};
use libfuzzer_sys::fuzz_target;

#[path = "../../examples/chat/command.rs"]
#[allow(dead_code)]
mod command;
#[path = "../../examples/chat/head.rs"]
#[allow(dead_code)]
mod head;

use head::{Answer, Head, RequestLine, MAX_HEAD};

/// The chat's line cap (`MAX_LINE` in main.rs).
const MAX_LINE: usize = 4096;

fuzz_target!(|data: &[u8]| {
    let Some(input) = Input::new(data) else {
        return;
    };
    let stream = &input.stream;
    // A head is refused past MAX_HEAD bytes: what it costs is bounded by that, however
    // long the stream (at most ~4 K headers of 48 bytes each, and a line being read).
    let ((), heap) = peak_during(|| serve(stream));
    assert!(heap <= 64 * MAX_HEAD, "{heap} bytes of heap");
});

/// Reads the head in `stream` as a connection does and checks the answer.
fn serve(stream: &[u8]) {
    let mut lines = Lines(stream);
    let Some(Ok(first)) = lines.next() else {
        return;
    };
    let Some(request) = RequestLine::parse(&first) else {
        return;
    };
    check_request(&first, &request);
    let mut head = Head::new(&request);
    loop {
        let line = match lines.next() {
            // The client went away, or stalled until the head timeout: no answer here.
            None => return,
            Some(Err(TooLong)) => return, // 431, from `read_head`
            Some(Ok(line)) => line,
        };
        let before = head.headers.len();
        match head.line(&line) {
            Ok(done) => {
                assert!(head.len <= MAX_HEAD, "a head of {} bytes", head.len);
                assert_eq!(done, line.is_empty());
                if done {
                    return check_answer(&request, &head);
                }
                let (name, value) = head.headers.last().expect("a header");
                assert_eq!(head.headers.len(), before + 1);
                assert_eq!(*name, name.trim().to_ascii_lowercase());
                assert_eq!(value, value.trim());
            }
            Err(status) => {
                let expected = match head.len > MAX_HEAD {
                    true => "431 Request Header Fields Too Large",
                    false => {
                        assert!(!line.contains(':'));
                        "400 Bad Request"
                    }
                };
                assert_eq!(status, expected);
                return;
            }
        }
    }
}

/// The request line's rules.
fn check_request(line: &str, request: &RequestLine) {
    let parts: Vec<&str> = line.split(' ').collect();
    assert_eq!(parts.len(), 3);
    assert_eq!(request.method, parts[0]);
    assert!(["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"].contains(&parts[0]));
    assert!(parts[1].starts_with(&request.path) && request.path.starts_with('/'));
    assert!(!request.path.contains('?'));
    assert!(parts[2].starts_with("HTTP/"));
    assert!(
        !command::valid_nick(line.trim()),
        "a nickname that is a request line"
    );
}

/// The answer's rules.
fn check_answer(request: &RequestLine, head: &Head) {
    let (method, path) = (request.method.as_str(), request.path.as_str());
    let header = |name: &str| {
        head.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    match head::route(request, head) {
        Answer::Page { head_only } => {
            assert!(matches!(method, "GET" | "HEAD") && path == "/");
            assert_eq!(head_only, method == "HEAD");
        }
        Answer::Upgrade { key } => {
            assert!(method == "GET" && path == "/ws");
            assert_eq!(Some(key), header("sec-websocket-key"));
            assert_eq!(key.len(), 24);
            assert_eq!(header("sec-websocket-version"), Some("13"));
            let upgrade = header("upgrade").unwrap_or_default().to_ascii_lowercase();
            assert!(upgrade.contains("websocket"));
            let connection = header("connection")
                .unwrap_or_default()
                .to_ascii_lowercase();
            assert!(connection.contains("upgrade"));
        }
        Answer::Refuse {
            status,
            why,
            websocket_only,
        } => {
            assert!(!status.contains(['\r', '\n']) && !why.contains(['\r', '\n']));
            assert!(why.starts_with(status));
            assert_eq!(websocket_only, status == "426 Upgrade Required");
            match status {
                "404 Not Found" => {
                    assert!(path != "/ws" && !(path == "/" && matches!(method, "GET" | "HEAD")))
                }
                "426 Upgrade Required" | "400 Bad Request" => assert_eq!(path, "/ws"),
                other => panic!("an answer {other:?}"),
            }
        }
    }
}

/// A line over the cap.
struct TooLong;

/// The lines of a stream as the chat's line codec frames them: split at `\n`, one
/// trailing `\r` dropped, invalid UTF-8 replaced, an unfinished last line dropped, a
/// line over [`MAX_LINE`] an error.
struct Lines<'a>(&'a [u8]);

impl Iterator for Lines<'_> {
    type Item = Result<String, TooLong>;

    fn next(&mut self) -> Option<Self::Item> {
        let (line, rest) = match self.0.iter().position(|&b| b == b'\n') {
            Some(i) => (&self.0[..i], &self.0[i + 1..]),
            None if self.0.strip_suffix(b"\r").unwrap_or(self.0).len() > MAX_LINE => {
                self.0 = &[];
                return Some(Err(TooLong));
            }
            None => return None,
        };
        self.0 = rest;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.len() > MAX_LINE {
            self.0 = &[];
            return Some(Err(TooLong));
        }
        Some(Ok(String::from_utf8_lossy(line).into_owned()))
    }
}
