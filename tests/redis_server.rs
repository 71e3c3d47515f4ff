//! examples/redis_server, driven in-process with raw RESP bytes: every command, pipelined
//! batches, commands split across writes, inline commands, and the HTTP hello. Expiry,
//! protocol errors and the caps on lengths are in `redis_server_limits.rs`.
//!
//! The server runs on an eddy runtime on an ephemeral port; the session-level tests feed
//! `resp::Session` directly where the split of bytes into reads must be exact.

mod support;

mod redis_client;
#[path = "../examples/redis_server/main.rs"]
#[allow(dead_code)]
mod redis_server;

use std::time::Duration;

use eddy::net::TcpStream;
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use redis_client::{command, with_server, Client};
use redis_server::resp::{Progress, Session, Store};

#[test]
fn each_command_answers_as_redis_does() {
    with_server(|addr| async move {
        let mut c = Client::connect(addr).await;
        assert_eq!(c.call(&["PING"]).await, "+PONG\r\n");
        assert_eq!(c.call(&["ping", "hi there"]).await, "$8\r\nhi there\r\n");
        assert_eq!(c.call(&["ECHO", "echo"]).await, "$4\r\necho\r\n");
        assert_eq!(c.call(&["GET", "k"]).await, "$-1\r\n");
        assert_eq!(c.call(&["SET", "k", "v1"]).await, "+OK\r\n");
        assert_eq!(c.call(&["get", "k"]).await, "$2\r\nv1\r\n");
        assert_eq!(c.call(&["SET", "k", ""]).await, "+OK\r\n");
        assert_eq!(c.call(&["GET", "k"]).await, "$0\r\n\r\n");
        assert_eq!(c.call(&["SET", "other", "x"]).await, "+OK\r\n");
        assert_eq!(c.int(&["EXISTS", "k", "k", "missing", "other"]).await, 3);
        assert_eq!(c.int(&["DBSIZE"]).await, 2);
        assert_eq!(c.int(&["DEL", "k", "missing", "other", "k"]).await, 2);
        assert_eq!(c.int(&["EXISTS", "k"]).await, 0);
        assert_eq!(c.int(&["INCR", "n"]).await, 1);
        assert_eq!(c.int(&["INCR", "n"]).await, 2);
        assert_eq!(c.call(&["GET", "n"]).await, "$1\r\n2\r\n");
        assert_eq!(c.call(&["SET", "n", "-10"]).await, "+OK\r\n");
        assert_eq!(c.int(&["INCR", "n"]).await, -9);
        assert_eq!(c.int(&["TTL", "n"]).await, -1);
        assert_eq!(c.int(&["PTTL", "missing"]).await, -2);
        assert_eq!(
            c.call(&["CONFIG", "GET", "save"]).await,
            "*2\r\n$4\r\nsave\r\n$0\r\n\r\n"
        );
        assert_eq!(
            c.call(&["CONFIG", "GET", "appendonly"]).await,
            "*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n"
        );
        assert_eq!(c.call(&["CONFIG", "GET", "maxmemory"]).await, "*0\r\n");
        assert_eq!(c.call(&["COMMAND"]).await, "*0\r\n");
        assert_eq!(c.call(&["COMMAND", "DOCS"]).await, "*0\r\n");
        assert_eq!(c.call(&["QUIT"]).await, "+OK\r\n");
        c.expect_closed().await;
    });
}

#[test]
fn wrong_arguments_and_unknown_commands_get_redis_errors_and_the_connection_goes_on() {
    with_server(|addr| async move {
        let mut c = Client::connect(addr).await;
        let arity = |name: &str| format!("-ERR wrong number of arguments for '{name}' command\r\n");
        assert_eq!(c.call(&["GET"]).await, arity("get"));
        assert_eq!(c.call(&["GET", "a", "b"]).await, arity("get"));
        assert_eq!(c.call(&["Set", "a"]).await, arity("set"));
        assert_eq!(c.call(&["PING", "a", "b"]).await, arity("ping"));
        assert_eq!(c.call(&["DEL"]).await, arity("del"));
        assert_eq!(c.call(&["EXPIRE", "a"]).await, arity("expire"));
        assert_eq!(c.call(&["CONFIG", "GET"]).await, arity("config|get"));
        assert_eq!(
            c.call(&["CONFIG", "SET", "save", ""]).await,
            "-ERR unknown subcommand 'SET'. Try CONFIG GET.\r\n"
        );
        assert_eq!(
            c.call(&["FLUSHALL", "a\r\nb"]).await,
            "-ERR unknown command 'FLUSHALL', with args beginning with: 'a  b' \r\n"
        );
        assert_eq!(c.call(&["PING"]).await, "+PONG\r\n");
    });
}

#[test]
fn set_options_follow_redis() {
    with_server(|addr| async move {
        let mut c = Client::connect(addr).await;
        assert_eq!(c.call(&["SET", "k", "1", "XX"]).await, "$-1\r\n");
        assert_eq!(c.call(&["GET", "k"]).await, "$-1\r\n");
        assert_eq!(c.call(&["SET", "k", "1", "nx"]).await, "+OK\r\n");
        assert_eq!(c.call(&["SET", "k", "2", "NX"]).await, "$-1\r\n");
        assert_eq!(c.call(&["SET", "k", "3", "XX"]).await, "+OK\r\n");
        assert_eq!(c.call(&["GET", "k"]).await, "$1\r\n3\r\n");
        assert_eq!(
            c.call(&["SET", "k", "4", "XX", "EX", "100"]).await,
            "+OK\r\n"
        );
        assert!((99..=100).contains(&c.int(&["TTL", "k"]).await));
        // A plain SET clears the TTL.
        assert_eq!(c.call(&["SET", "k", "5"]).await, "+OK\r\n");
        assert_eq!(c.int(&["TTL", "k"]).await, -1);

        let syntax = "-ERR syntax error\r\n";
        assert_eq!(c.call(&["SET", "k", "v", "NX", "XX"]).await, syntax);
        assert_eq!(
            c.call(&["SET", "k", "v", "EX", "1", "PX", "1"]).await,
            syntax
        );
        assert_eq!(c.call(&["SET", "k", "v", "EX"]).await, syntax);
        assert_eq!(c.call(&["SET", "k", "v", "KEEPTTL"]).await, syntax);
        let invalid = "-ERR invalid expire time in 'set' command\r\n";
        assert_eq!(c.call(&["SET", "k", "v", "EX", "0"]).await, invalid);
        assert_eq!(c.call(&["SET", "k", "v", "PX", "-5"]).await, invalid);
        let huge = i64::MAX.to_string();
        assert_eq!(c.call(&["SET", "k", "v", "EX", &huge]).await, invalid);
        assert_eq!(c.call(&["SET", "k", "v", "PX", &huge]).await, invalid);
        let not_integer = "-ERR value is not an integer or out of range\r\n";
        assert_eq!(c.call(&["SET", "k", "v", "EX", "ten"]).await, not_integer);
        assert_eq!(c.call(&["SET", "k", "v", "EX", "+1"]).await, not_integer);
        // None of the failed SETs touched the value.
        assert_eq!(c.call(&["GET", "k"]).await, "$1\r\n5\r\n");
    });
}

#[test]
fn incr_rejects_non_integers_and_overflow_like_redis() {
    with_server(|addr| async move {
        let mut c = Client::connect(addr).await;
        let not_integer = "-ERR value is not an integer or out of range\r\n";
        for bad in [
            "abc",
            "1.5",
            " 1",
            "1 ",
            "+1",
            "01",
            "-0",
            "",
            "99999999999999999999",
        ] {
            assert_eq!(c.call(&["SET", "k", bad]).await, "+OK\r\n");
            assert_eq!(c.call(&["INCR", "k"]).await, not_integer, "INCR of {bad:?}");
            assert_eq!(
                c.call(&["GET", "k"]).await,
                format!("${}\r\n{bad}\r\n", bad.len()),
                "a failed INCR leaves {bad:?} alone"
            );
        }
        assert_eq!(
            c.call(&["SET", "k", &i64::MAX.to_string()]).await,
            "+OK\r\n"
        );
        assert_eq!(
            c.call(&["INCR", "k"]).await,
            "-ERR increment or decrement would overflow\r\n"
        );
        assert_eq!(
            c.call(&["SET", "k", &i64::MIN.to_string()]).await,
            "+OK\r\n"
        );
        assert_eq!(c.int(&["INCR", "k"]).await, i64::MIN + 1);
        assert_eq!(c.call(&["SET", "k", "0"]).await, "+OK\r\n");
        assert_eq!(c.int(&["INCR", "k"]).await, 1);
    });
}

#[test]
fn a_thousand_pipelined_commands_in_one_write_are_answered_in_order() {
    with_server(|addr| async move {
        let mut c = Client::connect(addr).await;
        let mut batch = Vec::new();
        let mut expected = Vec::new();
        for i in 0..250 {
            let key = format!("key:{i}");
            let value = format!("value-{i}");
            batch.extend(command(&["SET", &key, &value]));
            expected.push("+OK\r\n".to_string());
            batch.extend(command(&["GET", &key]));
            expected.push(format!("${}\r\n{value}\r\n", value.len()));
            batch.extend(command(&["INCR", "counter"]));
            expected.push(format!(":{}\r\n", i + 1));
            batch.extend(format!("ECHO {i}\r\n").as_bytes()); // inline, mixed in
            expected.push(format!("${}\r\n{i}\r\n", i.to_string().len()));
        }
        c.send(&batch).await;
        for (i, want) in expected.iter().enumerate() {
            assert_eq!(&c.reply().await, want, "reply {i} of 1000");
        }
        assert_eq!(c.int(&["DBSIZE"]).await, 251);
    });
}

#[test]
fn a_session_answers_a_whole_pipelined_batch_in_one_output() {
    let store = Store::new();
    let mut session = Session::new("test");
    let batch: Vec<u8> = (0..1000)
        .flat_map(|i| command(&["SET", &format!("k{i}"), "v"]))
        .collect();
    let mut fed = 0;
    while fed < batch.len() {
        let buf = session.read_buf();
        let n = buf.len().min(batch.len() - fed);
        buf[..n].copy_from_slice(&batch[fed..fed + n]);
        session.filled(n);
        fed += n;
    }
    assert_eq!(session.process(&store), Progress::NeedInput);
    assert_eq!(session.output(), "+OK\r\n".repeat(1000).as_bytes());
    assert_eq!(store.len(), 1000);
}

/// Feeds `bytes` to `session` one byte per read, checking that nothing is answered
/// before the last byte; returns the output after it.
fn feed_byte_by_byte(session: &mut Session, store: &Store, bytes: &[u8]) -> Vec<u8> {
    for (i, &byte) in bytes.iter().enumerate() {
        session.read_buf()[0] = byte;
        session.filled(1);
        assert_eq!(session.process(store), Progress::NeedInput);
        if i + 1 < bytes.len() {
            assert!(session.output().is_empty(), "answered after byte {i}");
        }
    }
    let out = session.output().to_vec();
    session.written();
    out
}

#[test]
fn a_command_fed_one_byte_per_read_is_answered_once_whole() {
    let store = Store::new();
    let mut session = Session::new("test");
    let set = command(&["SET", "key", "a value of some length"]);
    assert_eq!(feed_byte_by_byte(&mut session, &store, &set), b"+OK\r\n");
    let get = command(&["GET", "key"]);
    assert_eq!(
        feed_byte_by_byte(&mut session, &store, &get),
        b"$22\r\na value of some length\r\n"
    );
    assert_eq!(
        feed_byte_by_byte(&mut session, &store, b"PING\r\n"),
        b"+PONG\r\n"
    );
}

#[test]
fn a_command_written_a_byte_at_a_time_over_tcp_is_answered() {
    with_server(|addr| async move {
        let mut c = Client::connect(addr).await;
        let mut bytes = command(&["SET", "split", "across many packets"]);
        bytes.extend(command(&["GET", "split"]));
        bytes.extend(b"ECHO inline\r\n");
        for byte in &bytes {
            c.send(std::slice::from_ref(byte)).await;
            // Let the server read: most bytes arrive in a read of their own.
            eddy::time::sleep(Duration::from_micros(200)).await;
        }
        assert_eq!(c.reply().await, "+OK\r\n");
        assert_eq!(c.reply().await, "$19\r\nacross many packets\r\n");
        assert_eq!(c.reply().await, "$6\r\ninline\r\n");
    });
}

#[test]
fn inline_commands_are_split_on_spaces_and_empty_lines_are_ignored() {
    with_server(|addr| async move {
        let mut c = Client::connect(addr).await;
        c.send(b"PING\r\n\r\n\n  SET  a   b \r\nGET a\nping\tmsg\r\n")
            .await;
        assert_eq!(c.reply().await, "+PONG\r\n");
        assert_eq!(c.reply().await, "+OK\r\n");
        assert_eq!(c.reply().await, "$1\r\nb\r\n");
        assert_eq!(c.reply().await, "$3\r\nmsg\r\n");
        // Inline and multibulk commands mix on one connection.
        c.send(b"INCR n\r\n*2\r\n$4\r\nINCR\r\n$1\r\nn\r\nINCR n\r\n")
            .await;
        assert_eq!(c.reply().await, ":1\r\n");
        assert_eq!(c.reply().await, ":2\r\n");
        assert_eq!(c.reply().await, ":3\r\n");
    });
}

/// Polls `GET key` until it is nil, failing after [`EXPIRY_LIMIT`]; returns when.

#[test]
fn an_http_request_gets_a_plain_text_hello_and_a_close() {
    with_server(|addr| async move {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\n\r\n")
            .await
            .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
        assert!(answer.contains("Content-Type: text/plain"), "{answer}");
        let (head, body) = answer.split_once("\r\n\r\n").unwrap();
        assert!(
            head.contains(&format!("Content-Length: {}", body.len())),
            "{answer}"
        );
        assert!(
            body.contains("RESP") && body.contains("redis-cli"),
            "{body}"
        );
        assert!(body.contains("eddy"), "{body}");

        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(b"GET /favicon.ico HTTP/1.1\r\n\r\n")
            .await
            .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 404 Not Found\r\n"), "{answer}");

        // Only the first line of a connection is taken for HTTP.
        let mut c = Client::connect(addr).await;
        c.send(b"PING\r\nGET / HTTP/1.1\r\n").await;
        assert_eq!(c.reply().await, "+PONG\r\n");
        assert_eq!(
            c.reply().await,
            "-ERR wrong number of arguments for 'get' command\r\n"
        );
    });
}
