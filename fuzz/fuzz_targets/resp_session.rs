//! A whole connection of examples/redis_server (`resp.rs`: the parser, the commands and
//! their argument parsing, the store, the HTTP hello), fed a client's bytes in reads of
//! any size through its own read buffer, as `main.rs` does.
//!
//! Properties, besides "no panic":
//! - the output is a sequence of well-formed RESP2 replies (an error or status line
//!   holds no `\r` or `\n`, a bulk's length is its length, an array has its elements);
//! - reads of any size give the same replies as the whole input at once, byte for byte
//!   when no TTL is involved (the input holds no `ex`/`px`, in any case: no `EXPIRE`,
//!   `PEXPIRE`, `SET .. EX/PX`, `TTL`, `PTTL`, whose replies depend on the clock), else
//!   the same number of replies; and the connection closes (or not) the same way;
//! - the read buffer grows with what arrived, never with what a header declares: the
//!   space offered to a read is at most `READ_CHUNK + 2 *` the bytes received;
//! - the heap a connection uses is bounded by what it received.

#![no_main]

use std::hash::{DefaultHasher, Hasher};

use eddy_fuzz::{peak_during, Input};
use libfuzzer_sys::fuzz_target;

#[path = "../../examples/redis_server/resp.rs"]
mod resp;

use resp::{Progress, Session, Store, READ_CHUNK};

/// What a connection sent back, and whether it closed. The output itself is not kept:
/// a few bytes of input can ask for megabytes of replies (a large value, then `GET`s),
/// which the server writes out in pieces of `FLUSH_AT` and so never holds; a harness
/// that kept them would measure itself.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    /// A hash of the output's bytes, and their number.
    hash: u64,
    len: usize,
    /// The replies in it.
    replies: usize,
    closed: bool,
}

fuzz_target!(|data: &[u8]| {
    let Some(input) = Input::new(data) else {
        return;
    };
    let stream = &input.stream;
    let (pieces, heap) = peak_during(|| run(stream, input.reads()));
    let limit = (1 << 20) + 16 * stream.len();
    assert!(
        heap <= limit,
        "{heap} bytes of heap for {} bytes of input",
        stream.len()
    );
    let whole = run(stream, (!stream.is_empty()).then_some(stream.len()));
    assert_eq!(
        pieces.replies, whole.replies,
        "reads of other sizes, other replies"
    );
    assert_eq!(
        pieces.closed, whole.closed,
        "reads of other sizes, another end"
    );
    let lower = stream.to_ascii_lowercase();
    let clock = lower.windows(2).any(|w| w == b"ex" || w == b"px");
    if !clock {
        assert_eq!(
            (pieces.hash, pieces.len),
            (whole.hash, whole.len),
            "reads of other sizes, other replies"
        );
    }
});

/// One connection receiving `stream` in reads of `sizes` (each a `read` that may fill
/// less than the buffer offers), answering as `main.rs`'s loop does.
fn run(stream: &[u8], sizes: impl IntoIterator<Item = usize>) -> Outcome {
    let store = Store::new();
    let mut session = Session::new("fuzz");
    // SipHash with fixed keys: the same bytes give the same hash in both runs.
    let mut hasher = DefaultHasher::new();
    let mut outcome = Outcome {
        hash: 0,
        len: 0,
        replies: 0,
        closed: false,
    };
    let (mut sent, mut received) = (0, 0);
    'reads: for size in sizes {
        let mut left = size;
        while left > 0 {
            let buf = session.read_buf();
            assert!(!buf.is_empty(), "no room for a read");
            assert!(
                buf.len() <= READ_CHUNK + 2 * received,
                "a read buffer of {} bytes after {received} received",
                buf.len()
            );
            let n = left.min(buf.len());
            buf[..n].copy_from_slice(&stream[sent..sent + n]);
            session.filled(n);
            sent += n;
            received += n;
            left -= n;
            loop {
                let progress = session.process(&store);
                // `process` stops between replies: each output holds whole ones.
                let output = session.output();
                hasher.write(output);
                outcome.len += output.len();
                outcome.replies += count_replies(output, outcome.len == output.len());
                session.written();
                match progress {
                    Progress::NeedInput => break,
                    Progress::Flush => continue,
                    Progress::Close => {
                        outcome.closed = true;
                        break 'reads;
                    }
                }
            }
        }
    }
    outcome.hash = hasher.finish();
    outcome
}

/// How many RESP2 replies `output` holds, checking that each is well formed. The HTTP
/// hello (an HTTP response, the only output of its connection, so `first`) counts as
/// one.
fn count_replies(output: &[u8], first: bool) -> usize {
    if first && output.starts_with(b"HTTP/1.1 ") {
        return 1;
    }
    let mut at = 0;
    let mut count = 0;
    while at < output.len() {
        at = reply(output, at);
        count += 1;
    }
    count
}

/// Checks the reply at `at`; returns where it ends.
fn reply(output: &[u8], at: usize) -> usize {
    let line_end = output[at..]
        .windows(2)
        .position(|w| w == b"\r\n")
        .map(|i| at + i)
        .unwrap_or_else(|| panic!("a reply without its CRLF at {at}"));
    let line = &output[at + 1..line_end];
    assert!(
        !line.contains(&b'\r') && !line.contains(&b'\n'),
        "a line with a CR or LF in it"
    );
    let next = line_end + 2;
    let number = || -> i64 {
        std::str::from_utf8(line)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("not a number: {:?}", String::from_utf8_lossy(line)))
    };
    match output[at] {
        b'+' | b'-' => next,
        b':' => {
            number();
            next
        }
        b'$' => match number() {
            -1 => next,
            len if len >= 0 => {
                let end = next + len as usize;
                assert_eq!(
                    output.get(end..end + 2),
                    Some(&b"\r\n"[..]),
                    "a bulk's length"
                );
                end + 2
            }
            len => panic!("a bulk of length {len}"),
        },
        b'*' => {
            let len = number();
            assert!(len >= 0, "an array of length {len}");
            (0..len).fold(next, |at, _| reply(output, at))
        }
        other => panic!("a reply starting with {:?}", char::from(other)),
    }
}
