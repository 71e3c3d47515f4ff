//! HTTP on the chat's port: the page at `/`, 404 elsewhere, 426/400 for `/ws` without
//! a valid upgrade, and a bounded request head.

use std::net::SocketAddr;
use std::time::Duration;

use eddy::net::TcpStream;
use futures_lite::{AsyncReadExt, AsyncWriteExt};

use super::chat::{Config, MAX_HEAD};
use super::with_room;

/// Sends `request` and reads the answer to the end: its head and its body.
async fn http(addr: SocketAddr, request: &str) -> (String, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    let (head, body) = answer
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no head in {answer:?}"));
    (head.to_string(), body.to_string())
}

#[test]
fn the_root_serves_the_chat_page() {
    with_room(Config::default(), |addr| async move {
        let (head, body) = http(addr, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n").await;
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
        assert!(head.contains("Content-Type: text/html"), "{head}");
        let length = format!("Content-Length: {}", body.len());
        assert!(head.contains(&length), "{head}");
        assert!(body.starts_with("<!doctype html>"), "{body}");
        assert!(
            body.contains("new WebSocket(") && body.contains("/ws"),
            "{body}"
        );

        // HEAD: the same head, no body.
        let (head_only, body) = http(addr, "HEAD /?x=1 HTTP/1.1\r\n\r\n").await;
        assert!(head_only.starts_with("HTTP/1.1 200 OK\r\n"), "{head_only}");
        assert!(head_only.contains(&length), "{head_only}");
        assert!(body.is_empty(), "{body}");
    });
}

#[test]
fn other_paths_are_not_found_and_ws_wants_an_upgrade() {
    with_room(Config::default(), |addr| async move {
        for request in ["GET /x HTTP/1.0\r\n\r\n", "POST / HTTP/1.1\r\n\r\n"] {
            let (head, _) = http(addr, request).await;
            assert!(head.starts_with("HTTP/1.1 404 Not Found\r\n"), "{head}");
        }

        let (head, body) = http(addr, "GET /ws HTTP/1.1\r\nHost: localhost\r\n\r\n").await;
        assert!(
            head.starts_with("HTTP/1.1 426 Upgrade Required\r\n"),
            "{head}"
        );
        assert!(head.contains("Upgrade: websocket"), "{head}");
        assert!(body.contains("WebSocket"), "{body}");

        let upgrade =
            "GET /ws HTTP/1.1\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n";
        let (head, _) = http(addr, &format!("{upgrade}Sec-WebSocket-Version: 8\r\n\r\n")).await;
        assert!(
            head.starts_with("HTTP/1.1 426 Upgrade Required\r\n"),
            "{head}"
        );
        assert!(head.contains("Sec-WebSocket-Version: 13"), "{head}");

        // Version 13, but no key.
        let (head, _) = http(addr, &format!("{upgrade}Sec-WebSocket-Version: 13\r\n\r\n")).await;
        assert!(head.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{head}");
    });
}

#[test]
fn a_request_head_is_bounded_in_size_and_time() {
    let config = Config {
        head_timeout: Duration::from_millis(200),
        ..Config::default()
    };
    with_room(config, |addr| async move {
        // Many short header lines, each under the line cap, the head over its cap.
        let filler = "X-Filler: 0123456789abcdef\r\n".repeat(MAX_HEAD / 20);
        let (head, _) = http(addr, &format!("GET / HTTP/1.1\r\n{filler}\r\n")).await;
        assert!(
            head.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"),
            "{head}"
        );

        // A request line, and then nothing: the head times out.
        let (head, _) = http(addr, "GET / HTTP/1.1\r\nHost: localhost\r\n").await;
        assert!(
            head.starts_with("HTTP/1.1 408 Request Timeout\r\n"),
            "{head}"
        );
    });
}
