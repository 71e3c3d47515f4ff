//! The RESP2 request parser of examples/redis_server (`protocol.rs`), fed a client's
//! bytes in reads of any size, as a connection feeds it.
//!
//! Properties, besides "no panic":
//! - a command never takes more bytes than it was given, nor fewer than a `NeedMore`
//!   said it needs; its arguments lie inside it;
//! - reads of any size give the same commands and the same error as the whole input at
//!   once (the parser's resumable state loses nothing and adds nothing);
//! - a multibulk command is exactly the canonical encoding of its arguments, and the
//!   encoding of any command's arguments parses back to them, taking exactly its length;
//! - an inline command's arguments hold no space, tab or newline, and its line is within
//!   the inline cap;
//! - the parser's heap use is bounded by what it was given, never by what a header
//!   declares (a `*1000000` or `$500000000` costs nothing until the bytes arrive).

#![no_main]

use eddy_fuzz::{peak_during, Input};
use libfuzzer_sys::fuzz_target;

#[path = "../../examples/redis_server/protocol.rs"]
#[allow(dead_code)]
mod protocol;

use protocol::{Parser, ProtocolError, Step, MAX_INLINE};

/// One command as the parser returned it.
#[derive(Debug, PartialEq, Eq)]
struct Command {
    len: usize,
    inline: bool,
    args: Vec<Vec<u8>>,
}

/// Everything the parser made of a stream.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    commands: Vec<Command>,
    error: Option<ProtocolError>,
}

fuzz_target!(|data: &[u8]| {
    let Some(input) = Input::new(data) else {
        return;
    };
    let stream = &input.stream;
    let pieces = run(stream, input.reads());
    let whole = run(stream, (!stream.is_empty()).then_some(stream.len()));
    // Compared without printing: a command can be 64 KiB.
    assert!(pieces == whole, "reads of other sizes, other commands");
});

/// Parses `stream` delivered in reads of `sizes`, as a connection does: the unconsumed
/// input starts where the last command ended and grows by each read; after an error the
/// connection closes.
fn run(stream: &[u8], sizes: impl IntoIterator<Item = usize>) -> Outcome {
    let mut parser = Parser::default();
    let mut commands = Vec::new();
    let (mut start, mut end) = (0, 0);
    // The largest `at_least` a `NeedMore` gave for the command being read.
    let mut promised = 0;
    for size in sizes {
        end += size;
        loop {
            let input = &stream[start..end];
            let (step, heap) = peak_during(|| parser.parse(input));
            assert!(
                heap <= 1024 + 32 * input.len(),
                "the parser took {heap} bytes of heap for {} bytes of input",
                input.len()
            );
            match step {
                Ok(Step::Command { len, inline }) => {
                    assert!(len > 0, "an empty command");
                    assert!(len <= input.len(), "took {len} bytes of {}", input.len());
                    assert!(len >= promised, "took {len} bytes after needing {promised}");
                    promised = 0;
                    let args = parser
                        .args()
                        .iter()
                        .map(|range| {
                            assert!(range.start <= range.end && range.end <= len);
                            input[range.clone()].to_vec()
                        })
                        .collect();
                    let command = Command { len, inline, args };
                    check(&input[..len], &command);
                    commands.push(command);
                    start += len;
                }
                Ok(Step::NeedMore { at_least }) => {
                    assert!(
                        at_least == 0 || at_least > input.len(),
                        "needs {at_least} bytes but has {}",
                        input.len()
                    );
                    promised = promised.max(at_least);
                    // Each argument read so far took at least `$0\r\n\r\n`.
                    assert!(parser.args().len() * 6 <= input.len());
                    break;
                }
                Err(error) => {
                    return Outcome {
                        commands,
                        error: Some(error),
                    }
                }
            }
        }
    }
    Outcome {
        commands,
        error: None,
    }
}

/// The properties of one command, `bytes` being what it took.
fn check(bytes: &[u8], command: &Command) {
    let args = &command.args;
    if command.inline {
        let line = bytes
            .strip_suffix(b"\n")
            .expect("an inline command ends its line");
        assert!(
            line.len() <= MAX_INLINE,
            "an inline command of {} bytes",
            line.len()
        );
        for arg in args {
            assert!(!arg.is_empty(), "an empty inline argument");
            assert!(!arg.iter().any(|b| matches!(b, b' ' | b'\t' | b'\n')));
        }
        // Written back as an inline line, it reads the same (unless it starts with `*`,
        // which makes a line multibulk, or the `\r` of the `\r\n` takes it past the cap).
        let mut line = args.join(&b' ');
        line.extend_from_slice(b"\r\n");
        let starred = args.first().is_some_and(|first| first.starts_with(b"*"));
        if !starred && line.len() - 1 <= MAX_INLINE {
            let again = parse_alone(&line);
            assert!(again.args == *args, "inline round trip");
            assert_eq!(again.len, line.len());
        }
    } else if !args.is_empty() {
        assert!(
            bytes == encode(args),
            "a multibulk command that is not canonical"
        );
    }
    if !args.is_empty() {
        // Any command's arguments, encoded, parse back to them; with more bytes after
        // them, the command still ends where it did.
        let mut encoded = encode(args);
        let len = encoded.len();
        let again = parse_alone(&encoded);
        assert_eq!((again.len, again.inline), (len, false));
        assert!(again.args == *args, "multibulk round trip");
        encoded.extend_from_slice(b"*1\r\n$4\r\nPING\r\n");
        assert_eq!(parse_alone(&encoded).len, len, "took bytes past its end");
    }
}

/// `args` as a multibulk command: `*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`.
fn encode(args: &[Vec<u8>]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// The first command of `bytes`, which must hold a whole one.
fn parse_alone(bytes: &[u8]) -> Command {
    let mut parser = Parser::default();
    match parser.parse(bytes) {
        Ok(Step::Command { len, inline }) => Command {
            len,
            inline,
            args: parser
                .args()
                .iter()
                .map(|r| bytes[r.clone()].to_vec())
                .collect(),
        },
        other => panic!("{other:?} for a whole command"),
    }
}
