//! What a client's line means once it has joined (a command, a message for the room, or
//! nothing), and what a nickname may be: pure functions of the text, used by
//! `session.rs` and `room.rs`, and driven on their own by the fuzz target `chat_lines`
//! (fuzz/).

use std::borrow::Cow;

/// Longest nickname, in characters.
pub const MAX_NICK: usize = 32;

/// A line a joined client typed, as [`parse`] reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Command<'a> {
    /// `/quit`: leave the room.
    Quit,
    /// `/nick NAME`: rename to `NAME` (trimmed; not validated yet, see [`valid_nick`]).
    Nick(&'a str),
    /// Any other line starting with `/`: the client gets the list of commands.
    Unknown,
    /// A message for the room: the whole line, untrimmed, with its control characters
    /// but tabs replaced by U+FFFD, so that it shows as one line on every screen: a
    /// `\r` or an escape sequence in it could otherwise return a terminal's cursor over
    /// `nick: ` and show a forged notice (`* bob left`) in its place.
    Say(Cow<'a, str>),
    /// A blank line: nothing to do.
    Blank,
}

/// What `line` (one line, without its line ending) asks for.
pub(crate) fn parse(line: &str) -> Command<'_> {
    let trimmed = line.trim();
    if trimmed == "/quit" {
        return Command::Quit;
    }
    if let Some(new) = trimmed.strip_prefix("/nick ") {
        return Command::Nick(new.trim());
    }
    if trimmed.starts_with('/') {
        return Command::Unknown;
    }
    if trimmed.is_empty() {
        return Command::Blank;
    }
    Command::Say(printable(line))
}

/// `line` with its control characters but tabs replaced by U+FFFD.
fn printable(line: &str) -> Cow<'_, str> {
    let hidden = |c: char| c.is_control() && c != '\t';
    if !line.contains(hidden) {
        return Cow::Borrowed(line);
    }
    Cow::Owned(
        line.chars()
            .map(|c| if hidden(c) { '\u{fffd}' } else { c })
            .collect(),
    )
}

/// Whether `nick` is a valid nickname: 1 to [`MAX_NICK`] letters, digits, `-`, `_` or
/// `.` (so never a space, a `*` or a `:`, and a notice such as `* bob left` cannot come
/// from a client's message `nick: text`).
pub(crate) fn valid_nick(nick: &str) -> bool {
    (1..=MAX_NICK).contains(&nick.chars().count())
        && nick
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
}
