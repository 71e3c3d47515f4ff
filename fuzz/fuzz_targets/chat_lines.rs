//! The line protocol of examples/chat: the framing (`codec.rs`, through
//! asynchronous-codec's `FramedRead`, as a connection reads) and what a line means
//! (`command.rs`: `/nick`, `/quit`, a message, the nickname rules).
//!
//! Properties, besides "no panic":
//! - the lines are exactly those of a reference model: split at `\n`, one trailing `\r`
//!   dropped, invalid UTF-8 replaced, an unfinished last line dropped, and the first
//!   line over the cap ends the stream with `TooLong`; so reads of any size give the
//!   same lines, and no line holds a `\n` or passes the cap;
//! - the codec never buffers more than the cap (plus a `\r`) while it waits for a `\n`:
//!   a client that never ends its line costs the cap plus one read;
//! - a joined client's line reaches the others as exactly one line, with no control
//!   character (a tab aside: no `\r`, no escape sequence) that could make a terminal show
//!   it as a notice of the room (`* bob left`); nor can its `nick: ` prefix read as one,
//!   for any nickname `valid_nick` accepts; `/nick` takes the trimmed rest of the line.

#![no_main]

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use asynchronous_codec::{BytesMut, Decoder, FramedRead};
use eddy_fuzz::Input;
use futures_lite::io::AsyncRead;
use futures_lite::StreamExt;
use libfuzzer_sys::fuzz_target;

#[path = "../../examples/chat/codec.rs"]
#[allow(dead_code)]
mod codec;
#[path = "../../examples/chat/command.rs"]
#[allow(dead_code)]
mod command;

use codec::{LineCodec, LineError};
use command::{valid_nick, Command};

/// The chat's own cap (`MAX_LINE` in main.rs), one of the caps tried.
const MAX_LINE: usize = 4096;

/// How a stream of lines ended.
#[derive(Debug, PartialEq, Eq)]
enum End {
    /// At the end of the input (an unfinished last line dropped).
    Eof,
    /// At a line over the cap.
    TooLong,
}

fuzz_target!(|data: &[u8]| {
    let Some(input) = Input::new(data) else {
        return;
    };
    // Small caps make every path reachable in a few bytes; the chat's own is tried too.
    let max = match input.knob {
        0x80.. => MAX_LINE,
        knob => usize::from(knob & 0x3f),
    };
    let stream = &input.stream;
    let expected = model(stream, max);
    let got = frame(stream, input.reads(), max);
    if got != expected {
        let same = got
            .0
            .iter()
            .zip(&expected.0)
            .take_while(|(a, b)| a == b)
            .count();
        panic!(
            "the codec and the model disagree (cap {max}): {} lines and {:?} against {} and \
             {:?}, the same up to line {same}",
            got.0.len(),
            got.1,
            expected.0.len(),
            expected.1
        );
    }
    for line in &got.0 {
        check_line(line);
    }
});

/// The lines of `stream` as the codec must frame them with a cap of `max`.
fn model(stream: &[u8], max: usize) -> (Vec<String>, End) {
    let mut lines = Vec::new();
    let mut rest = stream;
    loop {
        let (line, next) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.len() > max {
            return (lines, End::TooLong);
        }
        let Some(next) = next else {
            return (lines, End::Eof);
        };
        lines.push(String::from_utf8_lossy(line).into_owned());
        rest = next;
    }
}

/// The lines `FramedRead` with [`LineCodec`] gives for `stream` read in `sizes`.
fn frame(stream: &[u8], sizes: Vec<usize>, max: usize) -> (Vec<String>, End) {
    let reader = Reads {
        stream,
        sizes: sizes.into_iter(),
        at: 0,
    };
    let mut framed = FramedRead::new(reader, Capped(LineCodec::new(max), max));
    futures_lite::future::block_on(async {
        let mut lines = Vec::new();
        loop {
            match framed.next().await {
                Some(Ok(line)) => lines.push(line),
                Some(Err(LineError::TooLong)) => return (lines, End::TooLong),
                Some(Err(LineError::Io(e))) => panic!("an I/O error from a slice: {e}"),
                None => return (lines, End::Eof),
            }
        }
    })
}

/// [`LineCodec`], checking what it leaves buffered while it waits for a `\n`.
struct Capped(LineCodec, usize);

impl Decoder for Capped {
    type Item = String;
    type Error = LineError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<String>, LineError> {
        let result = self.0.decode(src);
        if let Ok(None) = result {
            let slack = usize::from(src.last() == Some(&b'\r'));
            assert!(
                src.len() <= self.1 + slack,
                "{} bytes buffered for a cap of {}",
                src.len(),
                self.1
            );
        }
        result
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<String>, LineError> {
        self.0.decode_eof(src)
    }
}

/// A reader returning `stream` in reads of the given sizes (or less, as the caller's
/// buffer allows).
struct Reads<'a> {
    stream: &'a [u8],
    sizes: std::vec::IntoIter<usize>,
    at: usize,
}

impl AsyncRead for Reads<'_> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let Some(size) = self.sizes.next() else {
            return Poll::Ready(Ok(0));
        };
        let n = size.min(buf.len());
        let at = self.at;
        buf[..n].copy_from_slice(&self.stream[at..at + n]);
        // What the caller's buffer could not take comes in the next read.
        if n < size {
            let rest: Vec<usize> = std::iter::once(size - n)
                .chain(self.sizes.by_ref())
                .collect();
            self.sizes = rest.into_iter();
        }
        self.at += n;
        Poll::Ready(Ok(n))
    }
}

/// What a joined client's `line` does, checked against the rules of `command.rs` and
/// what the room would send.
fn check_line(line: &str) {
    let trimmed = line.trim();
    match command::parse(line) {
        Command::Quit => assert_eq!(trimmed, "/quit"),
        Command::Nick(new) => {
            assert!(trimmed.starts_with("/nick "));
            assert_eq!(new, new.trim());
            assert!(trimmed.ends_with(new));
            if valid_nick(new) {
                check_nick(new);
            }
        }
        Command::Unknown => assert!(trimmed.starts_with('/') && trimmed != "/quit"),
        Command::Blank => assert!(trimmed.is_empty()),
        Command::Say(text) => {
            assert!(!trimmed.is_empty() && !trimmed.starts_with('/'));
            // What the others receive, from a client with the longest valid nickname.
            let nick = "n".repeat(command::MAX_NICK);
            check_broadcast(&format!("{nick}: {text}"));
        }
    }
    // The first line of a client is its nickname, trimmed.
    if valid_nick(trimmed) {
        check_nick(trimmed);
    }
}

/// A valid nickname: within the cap, and what the room says with it is one line that
/// only the room could have said.
fn check_nick(nick: &str) {
    assert!((1..=command::MAX_NICK).contains(&nick.chars().count()));
    assert!(!nick.contains([' ', '*', ':', '\r', '\n']));
    let message = format!("{nick}: hello");
    assert!(
        !message.starts_with("* "),
        "a message that reads as a notice"
    );
    check_broadcast(&message);
    check_broadcast(&format!("* {nick} joined"));
}

/// A line the room sends: one line on every client's screen, with no control character
/// (a tab aside) that could move a terminal's cursor back over its start.
fn check_broadcast(line: &str) {
    assert!(
        !line.contains(|c: char| c.is_control() && c != '\t'),
        "a line the room sends holds a control character: {line:?}"
    );
}
