//! The commands: each reads its arguments, runs against the [`Store`] and appends its
//! RESP2 reply to the output buffer. Error replies use Redis's words, so clients and
//! their tests see what they would from Redis.

use std::ops::Range;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::store::{Condition, IncrError, Store, Ttl};

/// What the connection does after a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum After {
    /// Go on reading commands.
    Continue,
    /// Send the replies so far, then close (`QUIT`).
    Close,
}

/// The arguments of one command: ranges of the connection's read buffer.
#[derive(Debug, Clone, Copy)]
pub struct Args<'a> {
    input: &'a [u8],
    ranges: &'a [Range<usize>],
}

impl<'a> Args<'a> {
    /// The arguments `ranges` of `input`; every range must lie inside `input`.
    pub fn new(input: &'a [u8], ranges: &'a [Range<usize>]) -> Args<'a> {
        Args { input, ranges }
    }

    /// How many there are, the command's name included.
    pub fn len(&self) -> usize {
        self.ranges.len()
    }

    /// Whether there are none (an empty line).
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// Argument `i` (0 is the command's name).
    pub fn get(&self, i: usize) -> &'a [u8] {
        &self.input[self.ranges[i].clone()]
    }

    /// The arguments from `i` on.
    pub fn from(&self, i: usize) -> impl Iterator<Item = &'a [u8]> + 'a {
        let input = self.input;
        self.ranges[i..].iter().map(move |r| &input[r.clone()])
    }
}

/// The names this server knows, for the HTTP hello and error messages.
pub const COMMANDS: &str =
    "PING ECHO SET GET DEL INCR EXPIRE PEXPIRE TTL PTTL EXISTS DBSIZE CONFIG GET COMMAND QUIT";

/// Runs the command in `args` (not empty) and appends its reply to `out`.
pub fn execute(store: &Store, args: Args<'_>, now: Instant, out: &mut Vec<u8>) -> After {
    let name = args.get(0);
    let mut upper = [0u8; 8];
    let known = name.len() <= upper.len();
    if known {
        upper[..name.len()].copy_from_slice(name);
        upper.make_ascii_uppercase();
    }
    let n = args.len();
    let arity_ok = |min: usize, max: usize| (min..=max).contains(&n);
    match &upper[..if known { name.len() } else { 0 }] {
        b"GET" if arity_ok(2, 2) => match store.get(args.get(1), now) {
            Some(value) => push_bulk(out, &value),
            None => push_null(out),
        },
        b"SET" if arity_ok(3, usize::MAX) => set(store, args, now, out),
        b"INCR" if arity_ok(2, 2) => match store.incr(args.get(1), now) {
            Ok(value) => push_int(out, value),
            Err(IncrError::NotAnInteger) => push_error(out, NOT_AN_INTEGER),
            Err(IncrError::Overflow) => {
                push_error(out, "ERR increment or decrement would overflow")
            }
        },
        b"PING" if arity_ok(1, 2) => match n {
            1 => push_simple(out, "PONG"),
            _ => push_bulk(out, args.get(1)),
        },
        b"ECHO" if arity_ok(2, 2) => push_bulk(out, args.get(1)),
        b"DEL" if arity_ok(2, usize::MAX) => {
            let removed = args.from(1).filter(|key| store.del(key, now)).count();
            push_int(out, removed as i64);
        }
        b"EXISTS" if arity_ok(2, usize::MAX) => {
            let found = args.from(1).filter(|key| store.exists(key, now)).count();
            push_int(out, found as i64);
        }
        b"EXPIRE" if arity_ok(3, usize::MAX) => expire(store, args, 1000, now, out),
        b"PEXPIRE" if arity_ok(3, usize::MAX) => expire(store, args, 1, now, out),
        b"TTL" | b"PTTL" if arity_ok(2, 2) => match store.ttl(args.get(1), now) {
            Ttl::Missing => push_int(out, -2),
            Ttl::Persistent => push_int(out, -1),
            Ttl::Remaining(left) if upper[0] == b'T' => {
                push_int(out, ((left.as_millis() + 500) / 1000) as i64)
            }
            Ttl::Remaining(left) => push_int(out, left.as_millis() as i64),
        },
        b"DBSIZE" if arity_ok(1, 1) => push_int(out, store.len() as i64),
        // Enough for redis-benchmark, which asks `CONFIG GET save` and `CONFIG GET
        // appendonly` and warns unless each answer is a name/value pair, and redis-cli,
        // which asks `COMMAND DOCS` for its hints: this server persists nothing, and an
        // empty array is Redis's answer for a parameter it does not have.
        b"CONFIG" if arity_ok(2, usize::MAX) => {
            if !args.get(1).eq_ignore_ascii_case(b"GET") {
                let message = format!(
                    "ERR unknown subcommand '{}'. Try CONFIG GET.",
                    printable(args.get(1))
                );
                push_error(out, &message);
            } else if n < 3 {
                push_error(out, &arity_error("config|get"));
            } else {
                config_get(args, out);
            }
        }
        b"COMMAND" => push_array_len(out, 0),
        b"QUIT" => {
            push_simple(out, "OK");
            return After::Close;
        }
        b"GET" | b"SET" | b"INCR" | b"PING" | b"ECHO" | b"DEL" | b"EXISTS" | b"EXPIRE"
        | b"PEXPIRE" | b"TTL" | b"PTTL" | b"DBSIZE" | b"CONFIG" => {
            let lower = String::from_utf8_lossy(name).to_ascii_lowercase();
            push_error(out, &arity_error(&lower));
        }
        _ => {
            let mut message = format!("ERR unknown command '{}', with args beginning with: ", {
                printable(name)
            });
            for arg in args.from(1).take(8) {
                message.push_str(&format!("'{}' ", printable(arg)));
            }
            push_error(out, &message);
        }
    }
    After::Continue
}

const NOT_AN_INTEGER: &str = "ERR value is not an integer or out of range";
const SYNTAX: &str = "ERR syntax error";

fn arity_error(name: &str) -> String {
    format!("ERR wrong number of arguments for '{name}' command")
}

/// `SET key value [NX | XX] [EX seconds | PX milliseconds]`.
fn set(store: &Store, args: Args<'_>, now: Instant, out: &mut Vec<u8>) {
    let mut condition = Condition::Always;
    let mut ttl_ms: Option<i64> = None;
    let mut i = 3;
    while i < args.len() {
        let option = args.get(i);
        let is = |name: &[u8]| option.eq_ignore_ascii_case(name);
        if is(b"NX") && condition == Condition::Always {
            condition = Condition::IfAbsent;
        } else if is(b"XX") && condition == Condition::Always {
            condition = Condition::IfPresent;
        } else if (is(b"EX") || is(b"PX")) && ttl_ms.is_none() && i + 1 < args.len() {
            let Some(amount) = super::protocol::parse_i64(args.get(i + 1)) else {
                return push_error(out, NOT_AN_INTEGER);
            };
            let scale = if is(b"EX") { 1000 } else { 1 };
            match amount.checked_mul(scale) {
                Some(ms) if ms > 0 => ttl_ms = Some(ms),
                _ => return push_error(out, "ERR invalid expire time in 'set' command"),
            }
            i += 1;
        } else {
            return push_error(out, SYNTAX);
        }
        i += 1;
    }
    let deadline = match ttl_ms {
        None => None,
        Some(ms) => match deadline_after(now, ms) {
            Some(deadline) => Some(deadline),
            None => return push_error(out, "ERR invalid expire time in 'set' command"),
        },
    };
    if store.set(args.get(1), args.get(2), condition, deadline, now) {
        push_simple(out, "OK");
    } else {
        push_null(out);
    }
}

/// `EXPIRE key seconds` (`unit_ms` 1000) and `PEXPIRE key milliseconds` (1).
fn expire(store: &Store, args: Args<'_>, unit_ms: i64, now: Instant, out: &mut Vec<u8>) {
    let command = if unit_ms == 1 { "pexpire" } else { "expire" };
    if args.len() > 3 {
        let message = format!("ERR Unsupported option {}", printable(args.get(3)));
        return push_error(out, &message);
    }
    let Some(amount) = super::protocol::parse_i64(args.get(2)) else {
        return push_error(out, NOT_AN_INTEGER);
    };
    let invalid = || format!("ERR invalid expire time in '{command}' command");
    let deadline = match amount.checked_mul(unit_ms) {
        // A time in the past deletes the key, as in Redis.
        Some(ms) if ms <= 0 => None,
        Some(ms) => match deadline_after(now, ms) {
            Some(deadline) => Some(deadline),
            None => return push_error(out, &invalid()),
        },
        None => return push_error(out, &invalid()),
    };
    let existed = store.expire(args.get(1), deadline, now);
    push_int(out, i64::from(existed));
}

/// The deadline `ms` (positive) milliseconds after `now`, or `None` if Redis would call
/// it an invalid expire time: Redis keeps deadlines as Unix milliseconds in an `i64`.
fn deadline_after(now: Instant, ms: i64) -> Option<Instant> {
    let unix_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as i64);
    if ms > i64::MAX - unix_ms {
        return None;
    }
    now.checked_add(Duration::from_millis(ms as u64))
}

/// `CONFIG GET parameter...`: the persistence settings, which are off; nothing else.
fn config_get(args: Args<'_>, out: &mut Vec<u8>) {
    const KNOWN: [(&str, &str); 2] = [("save", ""), ("appendonly", "no")];
    let found: Vec<_> = KNOWN
        .iter()
        .filter(|(name, _)| {
            args.from(2)
                .any(|p| p.eq_ignore_ascii_case(name.as_bytes()))
        })
        .collect();
    push_array_len(out, 2 * found.len());
    for (name, value) in found {
        push_bulk(out, name.as_bytes());
        push_bulk(out, value.as_bytes());
    }
}

/// `bytes` made safe for an error line: at most 128 bytes, control characters as spaces.
fn printable(bytes: &[u8]) -> String {
    let bytes = &bytes[..bytes.len().min(128)];
    String::from_utf8_lossy(bytes)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// `+text\r\n`.
pub fn push_simple(out: &mut Vec<u8>, text: &str) {
    out.push(b'+');
    out.extend_from_slice(text.as_bytes());
    out.extend_from_slice(b"\r\n");
}

/// `-message\r\n`; `message` must hold no `\r` or `\n`.
pub fn push_error(out: &mut Vec<u8>, message: &str) {
    out.push(b'-');
    out.extend_from_slice(message.as_bytes());
    out.extend_from_slice(b"\r\n");
}

/// `:n\r\n`.
pub fn push_int(out: &mut Vec<u8>, n: i64) {
    out.push(b':');
    push_decimal(out, n);
    out.extend_from_slice(b"\r\n");
}

/// `$len\r\nbytes\r\n`.
pub fn push_bulk(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'$');
    push_decimal(out, bytes.len() as i64);
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(bytes);
    out.extend_from_slice(b"\r\n");
}

/// The null bulk string, `$-1\r\n`.
pub fn push_null(out: &mut Vec<u8>) {
    out.extend_from_slice(b"$-1\r\n");
}

/// `*n\r\n`, the header of an array of `n` replies.
pub fn push_array_len(out: &mut Vec<u8>, n: usize) {
    out.push(b'*');
    push_decimal(out, n as i64);
    out.extend_from_slice(b"\r\n");
}

/// `n` in decimal ASCII, without going through `fmt`.
pub fn push_decimal(out: &mut Vec<u8>, n: i64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut rest = n.unsigned_abs();
    loop {
        i -= 1;
        digits[i] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if n < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&digits[i..]);
}
