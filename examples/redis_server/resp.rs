//! The runtime-independent half of the RESP2 key-value server: the request parser
//! (`protocol.rs`), the key space with its expiry (`store.rs`), the commands and reply
//! encoding (`commands.rs`), and [`Session`], one connection's buffers and state.
//!
//! The eddy example (`main.rs`) and its tokio twin (`benches/twins`) include this file
//! with `#[path]` and differ only in how they accept, read, write and run the sweeper,
//! so a benchmark of the two compares the runtimes, not two servers.
//!
//! A connection's loop, the same on both runtimes:
//!
//! ```text
//! loop {
//!     n = read(session.read_buf())      // 0: the peer closed
//!     session.filled(n)
//!     loop {
//!         progress = session.process(&store)
//!         write_all(session.output()); session.written()
//!         match progress { NeedInput => break, Flush => continue, Close => return }
//!     }
//! }
//! ```
//!
//! `process` runs every complete command in the buffer and answers them all in one
//! output buffer (pipelining: one write per batch), stopping early only when the
//! replies pass [`FLUSH_AT`] bytes, so a pipeline of large `GET`s is answered in bounded
//! pieces instead of growing the output without limit.

#![allow(dead_code)] // each includer uses its own part of the API

#[path = "commands.rs"]
mod commands;
#[path = "protocol.rs"]
pub mod protocol;
#[path = "store.rs"]
mod store;

use std::time::Instant;

pub use self::store::Store;

use self::commands::{After, Args};
use self::protocol::{Parser, Step};

/// Bytes asked of each read, and the size both buffers shrink back to: Redis's
/// `PROTO_IOBUF_LEN`.
pub const READ_CHUNK: usize = 16 << 10;

/// Output size at which `process` stops to let the caller write.
pub const FLUSH_AT: usize = 64 << 10;

/// What the caller does after [`Session::process`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Every complete command has been answered: write the output, then read.
    NeedInput,
    /// The output is large and commands remain: write it, then call `process` again.
    Flush,
    /// Write the output, then close the connection (`QUIT`, a protocol error, or the
    /// HTTP hello).
    Close,
}

/// One connection: the read buffer, the parser's place in it, and the replies to send.
#[derive(Debug)]
pub struct Session {
    /// The read buffer; `buf[start..end]` is received and not yet consumed.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// The total input the incomplete command needs, when the parser knows.
    want: usize,
    parser: Parser,
    out: Vec<u8>,
    /// Nothing has been parsed yet: an HTTP request line now gets the hello.
    first: bool,
    /// Names the server in the HTTP hello, e.g. "eddy".
    runtime: &'static str,
}

impl Session {
    /// A fresh connection's state; `runtime` names the runtime in the HTTP hello.
    pub fn new(runtime: &'static str) -> Session {
        Session {
            buf: vec![0; READ_CHUNK],
            start: 0,
            end: 0,
            want: 0,
            parser: Parser::default(),
            out: Vec::with_capacity(READ_CHUNK),
            first: true,
            runtime,
        }
    }

    /// Where the next read goes: at least [`READ_CHUNK`] bytes, more while a large
    /// bulk arrives — growing with what has arrived (so doubling), never by what a
    /// header merely declares.
    pub fn read_buf(&mut self) -> &mut [u8] {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
            if self.buf.len() > 4 * READ_CHUNK {
                self.buf = vec![0; READ_CHUNK]; // give back what a large command took
            }
        }
        let pending = self.end - self.start;
        let needed = self.want.saturating_sub(pending);
        let spare = needed.min(pending).max(READ_CHUNK);
        if self.buf.len() - self.end < spare {
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            if self.buf.len() - self.end < spare {
                self.buf.resize(self.end + spare, 0);
            }
        }
        &mut self.buf[self.end..]
    }

    /// Records that a read put `n` bytes at the start of [`read_buf`](Self::read_buf).
    pub fn filled(&mut self, n: usize) {
        self.end = (self.end + n).min(self.buf.len());
    }

    /// Runs the complete commands received so far, appending their replies to the
    /// output; see [`Progress`] for what to do next.
    pub fn process(&mut self, store: &Store) -> Progress {
        let now = Instant::now();
        loop {
            if self.out.len() >= FLUSH_AT {
                return Progress::Flush;
            }
            let input = &self.buf[self.start..self.end];
            let (len, inline) = match self.parser.parse(input) {
                Ok(Step::Command { len, inline }) => (len, inline),
                Ok(Step::NeedMore { at_least }) => {
                    self.want = at_least;
                    return Progress::NeedInput;
                }
                Err(error) => {
                    commands::push_error(&mut self.out, &format!("ERR {error}"));
                    self.start = self.end;
                    return Progress::Close;
                }
            };
            let args = Args::new(input, self.parser.args());
            let first = std::mem::replace(&mut self.first, false);
            if args.is_empty() {
                self.start += len;
                continue;
            }
            if first && inline && is_http_request_line(args) {
                let root = args.get(1) == b"/";
                self.http_hello(root);
                self.start = self.end;
                return Progress::Close;
            }
            let after = commands::execute(store, args, now, &mut self.out);
            self.start += len;
            if after == After::Close {
                return Progress::Close;
            }
        }
    }

    /// The replies to send (possibly empty).
    pub fn output(&self) -> &[u8] {
        &self.out
    }

    /// Records that [`output`](Self::output) was written.
    pub fn written(&mut self) {
        self.out.clear();
        if self.out.capacity() > 4 * FLUSH_AT {
            self.out = Vec::with_capacity(READ_CHUNK);
        }
    }

    /// Answers an HTTP request line (`GET / HTTP/1.1`, from a browser or curl pointed
    /// at the port) with a plain-text note saying what this is and how to talk to it; a
    /// path other than `/` (`root` false) gets a 404.
    fn http_hello(&mut self, root: bool) {
        let (status, body) = if root {
            (
                "200 OK",
                format!(
                    "Hello from the eddy RESP server (running on {}).\n\
                     This port speaks RESP2, the Redis protocol, not HTTP: an in-memory \
                     key-value store.\n\
                     Talk to it with redis-cli, e.g.: redis-cli -p <port> SET greeting hello\n\
                     Commands: {}\n",
                    self.runtime,
                    commands::COMMANDS
                ),
            )
        } else {
            (
                "404 Not Found",
                "Not found: this is a RESP (Redis protocol) server; only / answers HTTP.\n"
                    .to_string(),
            )
        };
        let head = format!(
            "HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        self.out.extend_from_slice(head.as_bytes());
        self.out.extend_from_slice(body.as_bytes());
    }
}

/// `METHOD /path HTTP/x.y`: an HTTP client, not a Redis one (as an inline Redis command
/// this would be an error anyway: no command here takes that shape).
fn is_http_request_line(args: Args<'_>) -> bool {
    const METHODS: [&[u8]; 7] = [
        b"GET", b"HEAD", b"POST", b"PUT", b"DELETE", b"OPTIONS", b"PATCH",
    ];
    args.len() == 3
        && METHODS.contains(&args.get(0))
        && args.get(1).starts_with(b"/")
        && args.get(2).starts_with(b"HTTP/")
}
