//! The line protocol: broadcast to everyone but the sender, join and leave notices,
//! nicknames, clients that quit, vanish mid-line or stop reading, the line cap.

use std::time::Duration;

use super::chat::{Config, MAX_LINE};
use super::{flood_until_notice, with_room, Client};

#[test]
fn messages_reach_everyone_but_their_sender_with_join_notices() {
    with_room(Config::default(), |addr| async move {
        let mut alice = Client::join(addr, "alice").await;
        let mut bob = Client::join(addr, "bob").await;
        assert_eq!(alice.line().await, "* bob joined");
        let mut carol = Client::connect(addr).await;
        carol.send("carol\n").await;
        let welcome = carol.expect_welcome("carol").await;
        assert!(welcome.contains("2 here: alice, bob"), "{welcome}");
        assert_eq!(alice.line().await, "* carol joined");
        assert_eq!(bob.line().await, "* carol joined");

        alice.send("hello, room\n").await;
        assert_eq!(bob.line().await, "alice: hello, room");
        assert_eq!(carol.line().await, "alice: hello, room");
        // Alice's next line is Bob's answer, sent after her message reached everyone:
        // her own message was not echoed back to her.
        bob.send("hi alice\r\n").await;
        assert_eq!(alice.line().await, "bob: hi alice");
        assert_eq!(carol.line().await, "bob: hi alice");
        carol.send("one\ntwo\n").await;
        for client in [&mut alice, &mut bob] {
            assert_eq!(client.line().await, "carol: one");
            assert_eq!(client.line().await, "carol: two");
        }
        bob.send("last\n").await;
        assert_eq!(carol.line().await, "bob: last");
        assert_eq!(alice.line().await, "bob: last");
    });
}

#[test]
fn quitting_and_disconnecting_send_leave_notices() {
    with_room(Config::default(), |addr| async move {
        let mut alice = Client::join(addr, "alice").await;
        let mut bob = Client::join(addr, "bob").await;
        let carol = Client::join(addr, "carol").await;
        assert_eq!(alice.line().await, "* bob joined");
        assert_eq!(alice.line().await, "* carol joined");
        assert_eq!(bob.line().await, "* carol joined");

        bob.send("/quit\n").await;
        assert_eq!(bob.line().await, "* bye");
        bob.expect_closed().await;
        assert_eq!(alice.line().await, "* bob left");

        drop(carol);
        assert_eq!(alice.line().await, "* carol left (disconnected)");
        // The nickname is free again.
        let _bob = Client::join(addr, "Bob").await;
        assert_eq!(alice.line().await, "* Bob joined");
    });
}

#[test]
fn a_client_that_disconnects_mid_line_leaves_without_its_half_line() {
    with_room(Config::default(), |addr| async move {
        let mut alice = Client::join(addr, "alice").await;
        let mut bob = Client::join(addr, "bob").await;
        let mut carol = Client::join(addr, "carol").await;
        assert_eq!(alice.line().await, "* bob joined");
        assert_eq!(alice.line().await, "* carol joined");
        assert_eq!(bob.line().await, "* carol joined");

        carol.send("a whole line\nand half a li").await;
        drop(carol);
        for client in [&mut alice, &mut bob] {
            assert_eq!(client.line().await, "carol: a whole line");
            assert_eq!(client.line().await, "* carol left (disconnected)");
        }
        alice.send("still here\n").await;
        assert_eq!(bob.line().await, "alice: still here");
    });
}

/// Found by the fuzz target `chat_lines`: a `\r` (or an escape sequence) inside a line
/// reached the others as it was, and a terminal showing `mallory: x\r* bob left`
/// returns its cursor over `mallory: `, so the room appears to say that bob left.
#[test]
fn control_characters_in_a_message_reach_the_others_replaced() {
    with_room(Config::default(), |addr| async move {
        let mut alice = Client::join(addr, "alice").await;
        let mut mallory = Client::join(addr, "mallory").await;
        assert_eq!(alice.line().await, "* mallory joined");
        mallory.send("x\r* bob left\r\n").await;
        mallory.send("\x1b[2K\r* bob left\ttoo\n").await;
        assert_eq!(alice.line().await, "mallory: x\u{fffd}* bob left");
        assert_eq!(
            alice.line().await,
            "mallory: \u{fffd}[2K\u{fffd}* bob left\ttoo"
        );
    });
}

#[test]
fn nicknames_must_be_valid_and_unique_and_can_change() {
    with_room(Config::default(), |addr| async move {
        let mut alice = Client::join(addr, "alice").await;
        let mut other = Client::connect(addr).await;
        other.send("ALICE\n").await;
        assert_eq!(
            other.line().await,
            "* the nickname ALICE is taken; try another"
        );
        other.send("two words\n").await;
        assert!(other
            .line()
            .await
            .starts_with("* a nickname is 1 to 32 letters"));
        other.send(&format!("{}\n", "x".repeat(33))).await;
        assert!(other
            .line()
            .await
            .starts_with("* a nickname is 1 to 32 letters"));
        other.send("dave\n").await;
        other.expect_welcome("dave").await;
        assert_eq!(alice.line().await, "* dave joined");

        other.send("/nick alice\n").await;
        assert_eq!(
            other.line().await,
            "* the nickname alice is taken; try another"
        );
        other.send("/nick david\n").await;
        assert_eq!(other.line().await, "* you are now known as david");
        assert_eq!(alice.line().await, "* dave is now known as david");
        other.send("/dance\n").await;
        assert!(other.line().await.starts_with("* unknown command"));
        other.send("renamed\n").await;
        assert_eq!(alice.line().await, "david: renamed");
        // The old nickname is free.
        let _dave = Client::join(addr, "dave").await;
        assert_eq!(alice.line().await, "* dave joined");
    });
}

#[test]
fn a_silent_client_is_asked_for_its_nickname() {
    with_room(Config::default(), |addr| async move {
        let mut client = Client::connect(addr).await;
        assert_eq!(
            client.line().await,
            "* welcome to eddy chat; what is your nickname?"
        );
        client.send("erin\n").await;
        let welcome = client.expect_welcome("erin").await;
        assert!(welcome.contains("nobody else is here yet"), "{welcome}");
    });
}

#[test]
fn a_line_over_the_limit_disconnects_its_sender() {
    with_room(Config::default(), |addr| async move {
        let mut alice = Client::join(addr, "alice").await;
        let mut bob = Client::join(addr, "bob").await;
        assert_eq!(alice.line().await, "* bob joined");
        bob.send(&"y".repeat(MAX_LINE + 1)).await;
        assert_eq!(bob.line().await, "* that line was too long; disconnecting");
        bob.expect_closed().await;
        assert_eq!(alice.line().await, "* bob was dropped: line too long");
    });
}

#[test]
fn a_client_that_stops_reading_is_dropped_as_too_slow() {
    let config = Config {
        history: 16,
        write_timeout: Duration::from_millis(200),
        ..Config::default()
    };
    with_room(config, |addr| async move {
        let mut alice = Client::join(addr, "alice").await;
        let _sloth = Client::join(addr, "sloth").await; // never reads again
        assert_eq!(alice.line().await, "* sloth joined");
        assert_eq!(
            flood_until_notice(alice).await,
            b"* sloth was dropped: too slow\n"
        );
    });
}

/// Found by the fuzz target `chat_lines`: a line of exactly the cap whose `\r\n` was
/// split between two reads was refused as too long after the first, as if the `\r`
/// belonged to the line, while the same bytes in one read were a line.
#[test]
fn the_line_codec_gives_the_same_lines_however_the_crlf_is_split() {
    use super::chat::LineCodec;
    use asynchronous_codec::{BytesMut, Decoder};

    let mut codec = LineCodec::new(4);
    let mut buf = BytesMut::from(&b"abcd\r"[..]);
    assert!(
        matches!(codec.decode(&mut buf), Ok(None)),
        "refused before its \\n"
    );
    buf.extend_from_slice(b"\n");
    assert_eq!(
        codec.decode(&mut buf).ok().flatten().as_deref(),
        Some("abcd")
    );
    // A `\r` that is not followed by the `\n` counts: the line is one byte too long.
    buf.extend_from_slice(b"abcd\r");
    assert!(matches!(codec.decode(&mut buf), Ok(None)));
    buf.extend_from_slice(b"x");
    assert!(codec.decode(&mut buf).is_err());
}

#[test]
fn the_line_codec_caps_lengths_and_drops_an_unfinished_last_line() {
    use super::chat::{LineCodec, LineError};
    use asynchronous_codec::FramedRead;
    use futures_lite::StreamExt;

    futures_lite::future::block_on(async {
        let input = b"one\r\ntwo\n\xffbad utf-8\nunfinished".to_vec();
        let mut lines = FramedRead::new(futures_lite::io::Cursor::new(input), LineCodec::new(16));
        assert_eq!(lines.next().await.unwrap().unwrap(), "one");
        assert_eq!(lines.next().await.unwrap().unwrap(), "two");
        assert_eq!(lines.next().await.unwrap().unwrap(), "\u{fffd}bad utf-8");
        assert!(lines.next().await.is_none(), "the unfinished line was kept");

        // Too long with its newline, and too long without one (never buffered past the cap).
        for input in [format!("{}\n", "x".repeat(17)), "x".repeat(1 << 20)] {
            let cursor = futures_lite::io::Cursor::new(input.into_bytes());
            let mut lines = FramedRead::new(cursor, LineCodec::new(16));
            assert!(matches!(lines.next().await, Some(Err(LineError::TooLong))));
            assert!(
                lines.read_buffer().len() <= 16 + 8192,
                "buffered past the cap"
            );
        }
    });
}
