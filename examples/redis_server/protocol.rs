//! RESP2 requests: a resumable parser for multibulk (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`)
//! and inline (`GET k\r\n`) commands, with caps that keep a bad client from making the
//! server allocate more than it actually sent (plus a bounded slack).
//!
//! The parser keeps its place between calls (the argument being read, how far it
//! scanned), so a command that arrives a byte at a time, or a 100 MB value that arrives
//! in 16 KiB reads, is scanned once, not once per read.

use std::fmt;
use std::ops::Range;

/// Longest bulk string accepted: Redis's default `proto-max-bulk-len` (512 MB).
pub const MAX_BULK_LEN: usize = 512 << 20;

/// Most arguments in one multibulk command: Redis accepts up to `INT_MAX`, but a
/// million is far beyond any command this server knows, and each argument costs a
/// `Range` (16 bytes) before its bytes arrive.
pub const MAX_ARGS: usize = 1 << 20;

/// Longest inline command or `*`/`$` header line: Redis's `PROTO_INLINE_MAX_SIZE`.
pub const MAX_INLINE: usize = 64 << 10;

/// Most bytes one command may take on the wire: Redis's default
/// `client-query-buffer-limit` (1 GB). Together with the caps above this bounds the
/// read buffer of a connection.
pub const MAX_QUERY: usize = 1 << 30;

/// A malformed request. The server answers `-ERR Protocol error: <message>` and closes
/// the connection, as Redis does: after a framing error nothing that follows can be
/// trusted to start a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolError(pub String);

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Protocol error: {}", self.0)
    }
}

fn error<T>(message: &str) -> Result<T, ProtocolError> {
    Err(ProtocolError(message.to_string()))
}

/// What [`Parser::parse`] found at the start of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A whole command of `len` bytes; its arguments are in [`Parser::args`] (possibly
    /// none: an empty line or `*0`, which the caller skips).
    Command {
        /// Bytes the command took; the caller consumes them before the next call.
        len: usize,
        /// Whether it was an inline command (a plain line, as telnet sends).
        inline: bool,
    },
    /// The command is incomplete. It needs at least `at_least` bytes in all (counted
    /// from the start of the input), when that is known; otherwise just more input.
    NeedMore {
        /// The smallest total input length that can complete the command.
        at_least: usize,
    },
}

/// The resumable RESP2 request parser of one connection.
#[derive(Debug, Default)]
pub struct Parser {
    /// Where the element being read (`*`/`$` header, bulk body) starts, counted from the
    /// start of the unconsumed input.
    pos: usize,
    /// How far the line at `pos` was scanned without finding its `\n`, so that a
    /// header or inline command arriving a byte at a time is scanned once.
    scanned: usize,
    /// The argument count of the multibulk command being read; `None` between commands.
    expected: Option<usize>,
    /// The declared length of the bulk whose `$` header has been read.
    bulk: Option<usize>,
    /// The arguments read so far, as ranges of the input.
    args: Vec<Range<usize>>,
}

impl Parser {
    /// The arguments of the command the last [`Step::Command`] returned, as ranges of
    /// the input passed to that call.
    pub fn args(&self) -> &[Range<usize>] {
        &self.args
    }

    /// Parses the command at the start of `input`, which must begin where the last
    /// complete command ended (and keep the bytes of an incomplete one between calls).
    ///
    /// # Errors
    ///
    /// A [`ProtocolError`] for malformed framing or a length over the caps.
    pub fn parse(&mut self, input: &[u8]) -> Result<Step, ProtocolError> {
        if self.expected.is_none() {
            self.args.clear();
            match input.first() {
                None => return Ok(Step::NeedMore { at_least: 1 }),
                Some(b'*') => {}
                Some(_) => return self.parse_inline(input),
            }
            let Some((count, next)) = self.line_number(
                input,
                1,
                "too big mbulk count string",
                "invalid multibulk length",
            )?
            else {
                return Ok(Step::NeedMore { at_least: 0 });
            };
            if count > MAX_ARGS as i64 {
                return error("invalid multibulk length");
            }
            if count <= 0 {
                // Redis ignores `*0` and `*-1` requests.
                return Ok(self.finish(next, false));
            }
            self.expected = Some(count as usize);
            self.pos = next;
        }
        let expected = self.expected.unwrap_or(0);
        while self.args.len() < expected {
            let len = match self.bulk {
                Some(len) => len,
                None => {
                    let Some(&first) = input.get(self.pos) else {
                        return Ok(Step::NeedMore { at_least: 0 });
                    };
                    if first != b'$' {
                        return Err(ProtocolError(format!(
                            "expected '$', got '{}'",
                            char::from(first).escape_default()
                        )));
                    }
                    let Some((len, next)) = self.line_number(
                        input,
                        self.pos + 1,
                        "too big bulk count string",
                        "invalid bulk length",
                    )?
                    else {
                        return Ok(Step::NeedMore { at_least: 0 });
                    };
                    if !(0..=MAX_BULK_LEN as i64).contains(&len) {
                        return error("invalid bulk length");
                    }
                    let len = len as usize;
                    if next + len + 2 > MAX_QUERY {
                        return error("command larger than the query buffer limit (1 GB)");
                    }
                    self.pos = next;
                    self.bulk = Some(len);
                    len
                }
            };
            let end = self.pos + len;
            if input.len() < end + 2 {
                return Ok(Step::NeedMore { at_least: end + 2 });
            }
            if &input[end..end + 2] != b"\r\n" {
                return error("bulk string not terminated by CRLF");
            }
            self.args.push(self.pos..end);
            self.pos = end + 2;
            self.bulk = None;
        }
        Ok(self.finish(self.pos, false))
    }

    /// Resets for the next command and reports this one.
    fn finish(&mut self, len: usize, inline: bool) -> Step {
        self.pos = 0;
        self.scanned = 0;
        self.expected = None;
        self.bulk = None;
        Step::Command { len, inline }
    }

    /// Reads a `\r\n`-terminated decimal number starting at `from` (just after the `*`
    /// or `$`); `None` if the line is incomplete.
    fn line_number(
        &mut self,
        input: &[u8],
        from: usize,
        too_long: &str,
        invalid: &str,
    ) -> Result<Option<(i64, usize)>, ProtocolError> {
        let scan_from = self.scanned.max(from).min(input.len());
        let Some(newline) = input[scan_from..].iter().position(|&b| b == b'\n') else {
            if input.len().saturating_sub(from) > MAX_INLINE {
                return error(too_long);
            }
            self.scanned = input.len();
            return Ok(None);
        };
        let newline = scan_from + newline;
        self.scanned = 0;
        // The same cap when the `\n` is here: what a line is must not depend on how the
        // reads split it.
        if newline - from > MAX_INLINE {
            return error(too_long);
        }
        match input[from..newline].strip_suffix(b"\r").and_then(parse_i64) {
            Some(n) => Ok(Some((n, newline + 1))),
            None => error(invalid),
        }
    }

    /// An inline command: one line, arguments separated by spaces or tabs.
    fn parse_inline(&mut self, input: &[u8]) -> Result<Step, ProtocolError> {
        let scan_from = self.scanned.min(input.len());
        let Some(newline) = input[scan_from..].iter().position(|&b| b == b'\n') else {
            if input.len() > MAX_INLINE {
                return error("too big inline request");
            }
            self.scanned = input.len();
            return Ok(Step::NeedMore { at_least: 0 });
        };
        let newline = scan_from + newline;
        if newline > MAX_INLINE {
            return error("too big inline request");
        }
        let line = &input[..newline];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let mut i = 0;
        while i < line.len() {
            if line[i] == b' ' || line[i] == b'\t' {
                i += 1;
                continue;
            }
            let start = i;
            while i < line.len() && line[i] != b' ' && line[i] != b'\t' {
                i += 1;
            }
            self.args.push(start..i);
        }
        Ok(self.finish(newline + 1, true))
    }
}

/// Parses a decimal `i64` as Redis's `string2ll` does: an optional `-`, no `+`, no
/// leading zeros, no spaces, no overflow.
pub fn parse_i64(s: &[u8]) -> Option<i64> {
    let (negative, digits) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    match digits {
        [] => return None,
        [b'0'] => return (!negative).then_some(0),
        [b'0', ..] => return None,
        _ => {}
    }
    let mut n: i64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        let d = i64::from(b - b'0');
        // Accumulate negatively so that i64::MIN parses too.
        n = n.checked_mul(10)?.checked_sub(d)?;
    }
    if negative {
        Some(n)
    } else {
        n.checked_neg()
    }
}
