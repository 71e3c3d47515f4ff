//! One client's life in the room, whichever protocol it speaks: the nickname, the join
//! notice, the loop that passes its lines to the room and the room's lines to it, and
//! the leave notice. A protocol plugs in as a [`Peer`]: the line protocol
//! (`lines.rs`) and WebSocket (`ws.rs`) get the same names, commands, caps and
//! slow-client policy because this file is the only place they are written.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use eddy::sync::broadcast::{self, error::RecvError, error::TryRecvError};
use eddy::time::timeout;

use super::command::{self, Command};
use super::room::{Event, Room};
use super::PROMPT_AFTER;

/// What a client sent, as the session sees it.
#[derive(Debug)]
pub(crate) enum Input {
    /// One line, without its line ending (invalid UTF-8 replaced).
    Text(String),
    /// A line (or WebSocket message) longer than [`MAX_LINE`](super::MAX_LINE).
    TooLong,
    /// The client said goodbye in its protocol (a WebSocket close frame).
    Goodbye,
    /// The client is gone without a goodbye: it closed, reading failed, or it stopped
    /// answering.
    Closed,
}

/// Why a client left the room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Leave {
    /// `/quit`.
    Quit,
    /// A goodbye in the client's protocol ([`Input::Goodbye`]).
    Closed,
    /// Gone without a goodbye ([`Input::Closed`]), or a write failed.
    Disconnected,
    /// Fell behind the broadcast ring, or a write took longer than the write timeout.
    TooSlow,
    /// Sent a line over the cap.
    LineTooLong,
}

/// A client connection as the session drives it: lines in, lines out.
pub(crate) trait Peer {
    /// The client's next line. Must be cancel-safe: the session drops it unfinished
    /// whenever the room has something to send, and input read so far must stay
    /// buffered for the next call.
    async fn next(&mut self) -> Input;

    /// Sends `lines` (each without a line ending) in order. The session bounds it with
    /// the write timeout.
    async fn send(&mut self, lines: &[&str]) -> io::Result<()>;

    /// Ends the connection after the client left for `leave`: sends `last` if there is
    /// one, spending at most `limit` on it, and closes as the protocol wants.
    async fn finish(self, leave: Leave, last: Option<&str>, limit: Duration);
}

/// What a client is asked when it stays silent for [`PROMPT_AFTER`].
const PROMPT: &str = "* welcome to eddy chat; what is your nickname?";

/// The client's first line, asking for its nickname if none came within
/// [`PROMPT_AFTER`]. `None` if the prompt could not be written.
pub(crate) async fn first_input<P: Peer>(peer: &mut P, limit: Duration) -> Option<Input> {
    match timeout(PROMPT_AFTER, peer.next()).await {
        Ok(input) => Some(input),
        Err(_) => {
            send(peer, &[PROMPT], limit).await.ok()?;
            Some(peer.next().await)
        }
    }
}

/// One client, from its first line (`input`, the nickname it asks for) to its leave
/// notice.
pub(crate) async fn run<P: Peer>(mut peer: P, mut input: Input, room: Arc<Room>) {
    let limit = room.config.write_timeout;
    let nick = loop {
        let leave = match input {
            Input::Text(text) => match room.claim(text.trim()) {
                Ok(nick) => break nick,
                Err(why) => match send(&mut peer, &[&why], limit).await {
                    Ok(()) => {
                        input = peer.next().await;
                        continue;
                    }
                    Err(leave) => leave,
                },
            },
            Input::TooLong => Leave::LineTooLong,
            Input::Goodbye => Leave::Closed,
            Input::Closed => Leave::Disconnected,
        };
        // Gone before joining: nobody else to tell.
        return peer.finish(leave, farewell(leave), limit).await;
    };

    // Subscribe before announcing, so that nothing said after the join is missed.
    let (id, mut rx) = room.enter();
    room.announce(id, format!("* {nick} joined"));
    let others = room.others(&nick);
    let here = match others.len() {
        0 => "nobody else is here yet".to_string(),
        n => format!("{n} here: {}", others.join(", ")),
    };
    let welcome = format!("* welcome, {nick}! {here}. /nick NAME renames you, /quit leaves.");
    let (nick, leave) = match send(&mut peer, &[&welcome], limit).await {
        Ok(()) => chat(&room, id, nick, &mut peer, &mut rx).await,
        Err(leave) => (nick, leave),
    };

    room.release(&nick);
    let to_room = match leave {
        Leave::Quit | Leave::Closed => format!("* {nick} left"),
        Leave::Disconnected => format!("* {nick} left (disconnected)"),
        Leave::TooSlow => format!("* {nick} was dropped: too slow"),
        Leave::LineTooLong => format!("* {nick} was dropped: line too long"),
    };
    room.announce(id, to_room);
    // Best effort: a slow client gets a second (not another full timeout).
    let limit = limit.min(Duration::from_secs(1));
    peer.finish(leave, farewell(leave), limit).await;
}

/// What a client that left for `leave` is told, if anything.
fn farewell(leave: Leave) -> Option<&'static str> {
    match leave {
        Leave::Quit => Some("* bye"),
        Leave::Closed | Leave::Disconnected => None,
        Leave::TooSlow => Some("* you fell too far behind the room; disconnecting"),
        Leave::LineTooLong => Some("* that line was too long; disconnecting"),
    }
}

/// The joined client's loop: its lines to the room, the room's lines to it. Returns
/// its last nickname and why it left.
async fn chat<P: Peer>(
    room: &Room,
    id: u64,
    mut nick: String,
    peer: &mut P,
    rx: &mut broadcast::Receiver<Arc<Event>>,
) -> (String, Leave) {
    let limit = room.config.write_timeout;
    loop {
        // Both branches are cancel-safe: `recv` consumes a message only when it
        // returns it, and `Peer::next` keeps partial input buffered. The room comes
        // first: a client's task sends out what is waiting before it reads more of the
        // client's lines, so a fast talker's own lines (which it skips) never make it
        // fall behind the ring, and its input waits while its output does.
        let outcome = eddy::select! {
            biased;
            event = rx.recv() => match event {
                Ok(event) => forward(id, event, rx, peer, limit).await,
                Err(RecvError::Lagged(_)) => Err(Leave::TooSlow),
                Err(RecvError::Closed) => Err(Leave::Disconnected),
            },
            input = peer.next() => match input {
                Input::Text(text) => command(room, id, &mut nick, &text, peer).await,
                Input::TooLong => Err(Leave::LineTooLong),
                Input::Goodbye => Err(Leave::Closed),
                Input::Closed => Err(Leave::Disconnected),
            },
        };
        if let Err(leave) = outcome {
            return (nick, leave);
        }
    }
}

/// A line the client typed: a command, or a message for the room.
async fn command<P: Peer>(
    room: &Room,
    id: u64,
    nick: &mut String,
    text: &str,
    peer: &mut P,
) -> Result<(), Leave> {
    let limit = room.config.write_timeout;
    match command::parse(text) {
        Command::Quit => Err(Leave::Quit),
        Command::Nick(new) => match room.claim(new) {
            Ok(new) => {
                room.release(nick);
                room.announce(id, format!("* {nick} is now known as {new}"));
                let confirm = format!("* you are now known as {new}");
                *nick = new;
                send(peer, &[&confirm], limit).await
            }
            Err(why) => send(peer, &[&why], limit).await,
        },
        Command::Unknown => {
            let help = "* unknown command; /nick NAME renames you, /quit leaves";
            send(peer, &[help], limit).await
        }
        Command::Say(text) => {
            room.announce(id, format!("{nick}: {text}"));
            Ok(())
        }
        Command::Blank => Ok(()),
    }
}

/// Sends `event`, and whatever else is already waiting, to the client in one batch,
/// leaving out the client's own lines.
async fn forward<P: Peer>(
    id: u64,
    event: Arc<Event>,
    rx: &mut broadcast::Receiver<Arc<Event>>,
    peer: &mut P,
    limit: Duration,
) -> Result<(), Leave> {
    let mut batch = Vec::new();
    let mut bytes = 0;
    let mut next = Some(event);
    while let Some(event) = next.take() {
        if event.from != id {
            bytes += event.line.len() + 1;
            batch.push(event);
        }
        if bytes >= 16 << 10 {
            break;
        }
        next = match rx.try_recv() {
            Ok(event) => Some(event),
            Err(TryRecvError::Lagged(_)) => return Err(Leave::TooSlow),
            Err(TryRecvError::Empty | TryRecvError::Closed) => None,
        };
    }
    if batch.is_empty() {
        return Ok(());
    }
    let lines: Vec<&str> = batch.iter().map(|event| event.line.as_str()).collect();
    send(peer, &lines, limit).await
}

/// Sends `lines`, giving up after `limit`.
async fn send<P: Peer>(peer: &mut P, lines: &[&str], limit: Duration) -> Result<(), Leave> {
    match timeout(limit, peer.send(lines)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err(Leave::Disconnected),
        Err(_) => Err(Leave::TooSlow),
    }
}
