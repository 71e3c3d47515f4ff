//! The HTTP request head of a connection whose first line is a request line: the request
//! line, the header lines under the size cap, and which answer they get (`web.rs` reads
//! the lines and writes the answer). Pure functions of the lines, so the fuzz target
//! `chat_http` (fuzz/) drives them on their own.

/// Longest request head accepted, in bytes, request line included.
pub const MAX_HEAD: usize = 8 << 10;

/// An HTTP request line: `GET /path HTTP/1.1`.
#[derive(Debug)]
pub(crate) struct RequestLine {
    pub(crate) method: String,
    /// The path without its query.
    pub(crate) path: String,
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

/// The header lines of a request read so far, and the head's size.
#[derive(Debug)]
pub(crate) struct Head {
    /// The head's size so far, in bytes, line endings and request line included.
    pub(crate) len: usize,
    /// The headers so far, as (lower-case name, value), both trimmed.
    pub(crate) headers: Vec<(String, String)>,
}

impl Head {
    /// The head that `request` starts.
    pub(crate) fn new(request: &RequestLine) -> Head {
        Head {
            len: request.len,
            headers: Vec::new(),
        }
    }

    /// Takes the next line of the head (without its line ending): `Ok(true)` if it was
    /// the blank line that ends it; the error is the status to answer with.
    pub(crate) fn line(&mut self, line: &str) -> Result<bool, &'static str> {
        self.len += line.len() + 2;
        if self.len > MAX_HEAD {
            return Err("431 Request Header Fields Too Large");
        }
        if line.is_empty() {
            return Ok(true);
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err("400 Bad Request");
        };
        self.headers
            .push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        Ok(false)
    }

    /// The value of the first header called `name` (lower case).
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// Whether header `name` lists `token` (comma-separated, any case).
    fn has_token(&self, name: &str, token: &str) -> bool {
        self.header(name).is_some_and(|value| {
            value
                .split(',')
                .any(|part| part.trim().eq_ignore_ascii_case(token))
        })
    }
}

/// How a complete request is answered.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Answer<'a> {
    /// `200 OK` with the chat page (`GET /`), or only its head (`HEAD /`).
    Page {
        /// A `HEAD` request: no body.
        head_only: bool,
    },
    /// `101 Switching Protocols`, for this `Sec-WebSocket-Key`.
    Upgrade {
        /// The client's key (24 bytes).
        key: &'a str,
    },
    /// An error status, with a line of text saying why.
    Refuse {
        status: &'static str,
        why: &'static str,
        /// Whether the answer says `Upgrade: websocket` and `Sec-WebSocket-Version: 13`
        /// (what `426 Upgrade Required` offers).
        websocket_only: bool,
    },
}

/// The answer to `request` with the complete `head`.
pub(crate) fn route<'a>(request: &RequestLine, head: &'a Head) -> Answer<'a> {
    let (method, path) = (request.method.as_str(), request.path.as_str());
    match (method, path) {
        ("GET" | "HEAD", "/") => Answer::Page {
            head_only: method == "HEAD",
        },
        (_, "/ws") => {
            let upgrade_required = |why| Answer::Refuse {
                status: "426 Upgrade Required",
                why,
                websocket_only: true,
            };
            if !head.has_token("upgrade", "websocket") || !head.has_token("connection", "upgrade") {
                return upgrade_required(
                    "426 Upgrade Required: /ws speaks WebSocket only; open / in a browser",
                );
            }
            if head.header("sec-websocket-version") != Some("13") {
                return upgrade_required("426 Upgrade Required: WebSocket version 13 only");
            }
            let key = head
                .header("sec-websocket-key")
                .filter(|key| key.len() == 24);
            match key.filter(|_| method == "GET") {
                Some(key) => Answer::Upgrade { key },
                None => Answer::Refuse {
                    status: "400 Bad Request",
                    why: "400 Bad Request: a WebSocket upgrade is a GET with a Sec-WebSocket-Key",
                    websocket_only: false,
                },
            }
        }
        _ => Answer::Refuse {
            status: "404 Not Found",
            why: "404 Not Found: this is a chat room; open / in a browser",
            websocket_only: false,
        },
    }
}
