//! WebSocket clients in the same room as line clients: joins, messages both ways and
//! leaves; the same caps, the same slow-client policy; pings; clients that vanish.

use std::time::Duration;

use async_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use async_tungstenite::tungstenite::Message;
use futures_lite::{AsyncReadExt, AsyncWriteExt, StreamExt};

use super::chat::{Config, MAX_LINE};
use super::{flood_until_notice, with_room, Client, WsClient};

#[test]
fn websocket_and_line_clients_share_one_room() {
    with_room(Config::default(), |addr| async move {
        let mut alice = WsClient::join(addr, "alice").await;
        let mut bob = Client::join(addr, "bob").await;
        assert_eq!(alice.text().await, "* bob joined");

        // The same nickname rules on both sides.
        let mut carol = WsClient::connect(addr).await;
        carol.send("BOB").await;
        assert_eq!(
            carol.text().await,
            "* the nickname BOB is taken; try another"
        );
        carol.send("carol").await;
        let welcome = carol.expect_welcome("carol").await;
        assert!(welcome.contains("2 here: alice, bob"), "{welcome}");
        assert_eq!(alice.text().await, "* carol joined");
        assert_eq!(bob.line().await, "* carol joined");

        alice.send("hello from a browser").await;
        assert_eq!(bob.line().await, "alice: hello from a browser");
        assert_eq!(carol.text().await, "alice: hello from a browser");
        bob.send("hi from a terminal\n").await;
        assert_eq!(alice.text().await, "bob: hi from a terminal");
        assert_eq!(carol.text().await, "bob: hi from a terminal");
        // A message with newlines is several lines: none can pass for a notice.
        carol.send("one\r\n* alice left").await;
        for expected in ["carol: one", "carol: * alice left"] {
            assert_eq!(alice.text().await, expected);
            assert_eq!(bob.line().await, expected);
        }

        // A close frame is a goodbye; the server answers it and closes.
        carol.ws.close(None).await.unwrap();
        assert!(matches!(carol.message().await, Some(Message::Close(_))));
        assert!(carol.message().await.is_none());
        assert_eq!(alice.text().await, "* carol left");
        assert_eq!(bob.line().await, "* carol left");

        bob.send("/quit\n").await;
        assert_eq!(bob.line().await, "* bye");
        bob.expect_closed().await;
        assert_eq!(alice.text().await, "* bob left");

        alice.send("/nick alicia").await;
        assert_eq!(alice.text().await, "* you are now known as alicia");
        alice.send("/quit").await;
        assert_eq!(alice.text().await, "* bye");
        alice.expect_close(CloseCode::Normal).await;
    });
}

#[test]
fn a_websocket_message_over_the_cap_drops_its_sender() {
    with_room(Config::default(), |addr| async move {
        let mut alice = Client::join(addr, "alice").await;
        let mut bob = WsClient::join(addr, "bob").await;
        assert_eq!(alice.line().await, "* bob joined");
        bob.send(&"x".repeat(MAX_LINE)).await;
        assert_eq!(alice.line().await, format!("bob: {}", "x".repeat(MAX_LINE)));

        bob.send(&"y".repeat(MAX_LINE + 1)).await;
        assert_eq!(bob.text().await, "* that line was too long; disconnecting");
        bob.expect_close(CloseCode::Size).await;
        assert_eq!(alice.line().await, "* bob was dropped: line too long");
    });
}

#[test]
fn a_frame_announcing_a_huge_payload_is_refused_from_its_header() {
    with_room(Config::default(), |addr| async move {
        let mut alice = Client::join(addr, "alice").await;
        let mut bob = WsClient::join(addr, "bob").await;
        assert_eq!(alice.line().await, "* bob joined");
        // A masked text frame announcing 1 TiB (64-bit length), and none of it: the
        // server must refuse it from the header, not wait to buffer the payload.
        let mut header = vec![0x81, 0xff];
        header.extend_from_slice(&(1u64 << 40).to_be_bytes());
        header.extend_from_slice(&[1, 2, 3, 4]);
        bob.ws.get_mut().write_all(&header).await.unwrap();
        assert_eq!(bob.text().await, "* that line was too long; disconnecting");
        bob.expect_close(CloseCode::Size).await;
        assert_eq!(alice.line().await, "* bob was dropped: line too long");
    });
}

#[test]
fn a_websocket_client_that_vanishes_is_announced_as_left() {
    with_room(Config::default(), |addr| async move {
        let mut alice = Client::join(addr, "alice").await;
        let dave = WsClient::join(addr, "dave").await;
        assert_eq!(alice.line().await, "* dave joined");
        drop(dave); // the TCP connection closes, no close frame
        assert_eq!(alice.line().await, "* dave left (disconnected)");
    });
}

#[test]
fn pings_are_answered_and_silent_clients_are_pinged() {
    // Generous: a client that cannot answer within this is dropped, which is what the
    // next test checks; here the client answers at once, however loaded the machine.
    let config = Config {
        ping_every: Duration::from_millis(500),
        ..Config::default()
    };
    with_room(config, |addr| async move {
        let mut alice = Client::join(addr, "alice").await;
        let mut pat = WsClient::join(addr, "pat").await;
        assert_eq!(alice.line().await, "* pat joined");
        pat.ws.send(Message::Ping("there?".into())).await.unwrap();
        let mut server_pings = 0;
        let mut ponged = false;
        // The server pings again only after it has heard the answer to its last ping
        // (tungstenite sends it on our next read), so two pings mean one was answered.
        while !ponged || server_pings < 2 {
            match pat.ws.next().await.unwrap().unwrap() {
                Message::Pong(payload) => {
                    assert_eq!(&payload[..], b"there?");
                    ponged = true;
                }
                Message::Ping(_) => server_pings += 1,
                other => panic!("expected a ping or a pong, got {other:?}"),
            }
        }
        pat.send("still here").await;
        assert_eq!(alice.line().await, "pat: still here");
    });
}

#[test]
fn a_websocket_client_that_answers_no_ping_is_removed() {
    let config = Config {
        ping_every: Duration::from_millis(100),
        ..Config::default()
    };
    with_room(config, |addr| async move {
        let mut alice = Client::join(addr, "alice").await;
        // Joins, then is never read again: the server's ping gets no pong.
        let _mute = WsClient::join(addr, "mute").await;
        assert_eq!(alice.line().await, "* mute joined");
        assert_eq!(alice.line().await, "* mute left (disconnected)");
    });
}

#[test]
fn a_websocket_client_that_stops_reading_is_dropped_as_too_slow() {
    let config = Config {
        history: 16,
        write_timeout: Duration::from_millis(200),
        ..Config::default()
    };
    with_room(config, |addr| async move {
        let mut alice = Client::join(addr, "alice").await;
        let _sloth = WsClient::join(addr, "sloth").await; // never reads again
        assert_eq!(alice.line().await, "* sloth joined");
        assert_eq!(
            flood_until_notice(alice).await,
            b"* sloth was dropped: too slow\n"
        );
    });
}

#[test]
fn frames_sent_right_behind_the_upgrade_request_are_not_lost() {
    with_room(Config::default(), |addr| async move {
        let mut alice = Client::join(addr, "alice").await;
        // RFC 6455's sample key, then two frames without waiting for the 101: the
        // server reads them with the head and must hand them on to the WebSocket.
        let mut request = format!(
            "GET /ws HTTP/1.1\r\nHost: {addr}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
             Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
        )
        .into_bytes();
        for text in ["early", "no waiting"] {
            let mask = [1, 2, 3, 4];
            request.extend_from_slice(&[0x81, 0x80 | text.len() as u8]);
            request.extend_from_slice(&mask);
            request.extend(text.bytes().zip(mask.iter().cycle()).map(|(b, m)| b ^ m));
        }
        let mut stream = eddy::net::TcpStream::connect(addr).await.unwrap();
        stream.write_all(&request).await.unwrap();
        assert_eq!(alice.line().await, "* early joined");
        assert_eq!(alice.line().await, "early: no waiting");

        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            let mut byte = [0u8];
            assert_eq!(stream.read(&mut byte).await.unwrap(), 1, "closed mid-head");
            head.push(byte[0]);
        }
        let head = String::from_utf8(head).unwrap();
        assert!(
            head.starts_with("HTTP/1.1 101 Switching Protocols\r\n"),
            "{head}"
        );
        assert!(
            head.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"),
            "{head}"
        );
    });
}
