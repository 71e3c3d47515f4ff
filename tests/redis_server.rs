//! examples/redis_server, driven in-process with raw RESP bytes: every command, pipelined
//! batches, commands split across writes, inline commands, expiry (lazy and swept),
//! INCR's errors, protocol errors and the caps on lengths, and the HTTP hello.
//!
//! The server runs on an eddy runtime on an ephemeral port; the session-level tests feed
//! `resp::Session` directly where the split of bytes into reads must be exact.

mod support;

#[path = "../examples/redis_server/main.rs"]
#[allow(dead_code)]
mod redis_server;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use eddy::net::{TcpListener, TcpStream};
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use redis_server::resp::protocol::{MAX_ARGS, MAX_BULK_LEN, MAX_INLINE};
use redis_server::resp::{Progress, Session, Store, READ_CHUNK};
use support::{runtime, with_timeout, LIMIT};

/// How long a test waits for an expiry it is polling for before failing.
const EXPIRY_LIMIT: Duration = Duration::from_secs(10);

/// Starts the server on an ephemeral port of the current runtime.
async fn start() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    eddy::spawn(redis_server::serve(listener, Arc::new(Store::new())));
    addr
}

/// Runs `body` against a fresh server on a 2-worker runtime, failing after [`LIMIT`].
fn with_server<F>(body: impl FnOnce(SocketAddr) -> F + Send + 'static)
where
    F: std::future::Future<Output = ()>,
{
    with_timeout(LIMIT, move || {
        runtime(2).block_on(async move {
            let addr = start().await;
            body(addr).await;
        })
    });
}

/// A client that sends raw bytes and reads whole RESP replies back.
struct Client {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Client {
    async fn connect(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).await.unwrap();
        stream.set_nodelay(true).unwrap();
        Client {
            stream,
            buf: Vec::new(),
        }
    }

    async fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.unwrap();
    }

    /// The next whole reply, as text (the tests use ASCII).
    async fn reply(&mut self) -> String {
        loop {
            if let Some(len) = reply_len(&self.buf) {
                let reply: Vec<u8> = self.buf.drain(..len).collect();
                return String::from_utf8_lossy(&reply).into_owned();
            }
            let mut chunk = vec![0u8; 64 << 10];
            let n = self.stream.read(&mut chunk).await.unwrap();
            assert!(
                n > 0,
                "the server closed the connection in the middle of a reply: {:?}",
                String::from_utf8_lossy(&self.buf)
            );
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Sends `args` as a multibulk command and returns the reply.
    async fn call(&mut self, args: &[&str]) -> String {
        self.send(&command(args)).await;
        self.reply().await
    }

    /// Asserts that the server closes the connection with nothing more to say.
    async fn expect_closed(&mut self) {
        let mut rest = std::mem::take(&mut self.buf);
        self.stream.read_to_end(&mut rest).await.unwrap();
        assert!(
            rest.is_empty(),
            "expected the connection to close, got {:?}",
            String::from_utf8_lossy(&rest)
        );
    }

    /// The reply to `args` as an integer.
    async fn int(&mut self, args: &[&str]) -> i64 {
        let reply = self.call(args).await;
        reply
            .strip_prefix(':')
            .and_then(|r| r.strip_suffix("\r\n"))
            .and_then(|r| r.parse().ok())
            .unwrap_or_else(|| panic!("{args:?}: expected an integer reply, got {reply:?}"))
    }
}

/// `args` as a RESP multibulk command.
fn command(args: &[&str]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        out.extend_from_slice(format!("${}\r\n{arg}\r\n", arg.len()).as_bytes());
    }
    out
}

/// The length of the first complete RESP2 reply in `buf`, if it is all there.
fn reply_len(buf: &[u8]) -> Option<usize> {
    let line_end = buf.windows(2).position(|w| w == b"\r\n")?;
    let header = std::str::from_utf8(&buf[1..line_end]).ok()?;
    let after_header = line_end + 2;
    match buf[0] {
        b'+' | b'-' | b':' => Some(after_header),
        b'$' => match header.parse::<i64>().ok()? {
            -1 => Some(after_header),
            n => {
                let total = after_header + n as usize + 2;
                (buf.len() >= total).then_some(total)
            }
        },
        b'*' => {
            let mut at = after_header;
            for _ in 0..header.parse::<i64>().ok()?.max(0) {
                at += reply_len(&buf[at..])?;
            }
            Some(at)
        }
        // An HTTP answer, which the hello tests read with `expect_closed` instead.
        other => panic!("not a RESP reply: starts with {:?}", char::from(other)),
    }
}

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
async fn wait_until_gone(c: &mut Client, key: &str) -> Instant {
    let deadline = Instant::now() + EXPIRY_LIMIT;
    loop {
        if c.call(&["GET", key]).await == "$-1\r\n" {
            return Instant::now();
        }
        assert!(
            Instant::now() < deadline,
            "{key} did not expire within {EXPIRY_LIMIT:?}"
        );
        eddy::time::sleep(Duration::from_millis(5)).await;
    }
}

#[test]
fn keys_set_with_ex_or_px_expire_on_time_and_not_before() {
    with_server(|addr| async move {
        let mut c = Client::connect(addr).await;
        let sent = Instant::now();
        assert_eq!(c.call(&["SET", "short", "v", "PX", "150"]).await, "+OK\r\n");
        let pttl = c.int(&["PTTL", "short"]).await;
        assert!(
            (1..=150).contains(&pttl)
                || (pttl == -2 && sent.elapsed() >= Duration::from_millis(150)),
            "PTTL right after SET PX 150 was {pttl}"
        );
        let gone = wait_until_gone(&mut c, "short").await;
        assert!(
            gone - sent >= Duration::from_millis(150),
            "expired after {:?}, before its 150 ms",
            gone - sent
        );
        assert_eq!(c.int(&["TTL", "short"]).await, -2);
        assert_eq!(c.int(&["EXISTS", "short"]).await, 0);

        assert_eq!(c.call(&["SET", "long", "v", "EX", "100"]).await, "+OK\r\n");
        assert!((99..=100).contains(&c.int(&["TTL", "long"]).await));
        assert!((99_000..=100_000).contains(&c.int(&["PTTL", "long"]).await));
        // INCR keeps the TTL, as in Redis.
        assert_eq!(
            c.call(&["SET", "counter", "1", "EX", "100"]).await,
            "+OK\r\n"
        );
        assert_eq!(c.int(&["INCR", "counter"]).await, 2);
        assert!((99..=100).contains(&c.int(&["TTL", "counter"]).await));
    });
}

#[test]
fn expire_sets_changes_and_deletes_like_redis() {
    with_server(|addr| async move {
        let mut c = Client::connect(addr).await;
        assert_eq!(c.int(&["EXPIRE", "missing", "10"]).await, 0);
        assert_eq!(c.call(&["SET", "k", "v"]).await, "+OK\r\n");
        assert_eq!(c.int(&["EXPIRE", "k", "100"]).await, 1);
        assert!((99..=100).contains(&c.int(&["TTL", "k"]).await));
        assert_eq!(c.int(&["EXPIRE", "k", "1000"]).await, 1);
        assert!((999..=1000).contains(&c.int(&["TTL", "k"]).await));
        // A time not in the future deletes the key.
        assert_eq!(c.int(&["EXPIRE", "k", "0"]).await, 1);
        assert_eq!(c.call(&["GET", "k"]).await, "$-1\r\n");
        assert_eq!(c.call(&["SET", "k", "v"]).await, "+OK\r\n");
        assert_eq!(c.int(&["EXPIRE", "k", "-5"]).await, 1);
        assert_eq!(c.int(&["EXISTS", "k"]).await, 0);
        assert_eq!(
            c.call(&["EXPIRE", "k", "soon"]).await,
            "-ERR value is not an integer or out of range\r\n"
        );
        assert_eq!(c.call(&["SET", "k", "v"]).await, "+OK\r\n");
        assert_eq!(
            c.call(&["EXPIRE", "k", &i64::MAX.to_string()]).await,
            "-ERR invalid expire time in 'expire' command\r\n"
        );
        assert_eq!(c.int(&["TTL", "k"]).await, -1);
        let sent = Instant::now();
        assert_eq!(c.int(&["PEXPIRE", "k", "100"]).await, 1);
        let gone = wait_until_gone(&mut c, "k").await;
        assert!(gone - sent >= Duration::from_millis(100));
    });
}

#[test]
fn the_sweeper_removes_expired_keys_that_nobody_reads() {
    with_server(|addr| async move {
        let mut c = Client::connect(addr).await;
        let batch: Vec<u8> = (0..500)
            .flat_map(|i| command(&["SET", &format!("k{i}"), "v", "PX", "50"]))
            .collect();
        c.send(&batch).await;
        for _ in 0..500 {
            assert_eq!(c.reply().await, "+OK\r\n");
        }
        assert_eq!(c.call(&["SET", "kept", "v"]).await, "+OK\r\n");
        // DBSIZE counts expired keys until they are removed, and nothing reads them:
        // only the sweeper can bring it down to the one key without a TTL.
        let deadline = Instant::now() + EXPIRY_LIMIT;
        loop {
            let size = c.int(&["DBSIZE"]).await;
            if size == 1 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{size} keys left after {EXPIRY_LIMIT:?}: the sweeper did not run"
            );
            eddy::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(c.call(&["GET", "kept"]).await, "$1\r\nv\r\n");
    });
}

#[test]
fn many_clients_incrementing_one_key_lose_no_update() {
    with_server(|addr| async move {
        let clients: Vec<_> = (0..20)
            .map(|_| {
                eddy::spawn(async move {
                    let mut c = Client::connect(addr).await;
                    let batch: Vec<u8> = (0..100).flat_map(|_| command(&["INCR", "n"])).collect();
                    c.send(&batch).await;
                    for _ in 0..100 {
                        assert!(c.reply().await.starts_with(':'));
                    }
                })
            })
            .collect();
        for client in clients {
            client.await.unwrap();
        }
        let mut c = Client::connect(addr).await;
        assert_eq!(c.call(&["GET", "n"]).await, "$4\r\n2000\r\n");
    });
}

/// Sends `bytes` on a fresh connection and expects `replies` and then the close.
async fn expect_error_and_close(addr: SocketAddr, bytes: &[u8], replies: &[&str]) {
    let mut c = Client::connect(addr).await;
    c.send(bytes).await;
    for want in replies {
        assert_eq!(
            &c.reply().await,
            want,
            "for {:?}",
            String::from_utf8_lossy(bytes)
        );
    }
    c.expect_closed().await;
}

#[test]
fn protocol_errors_get_an_error_reply_and_a_clean_close() {
    with_server(|addr| async move {
        let cases: [(&[u8], &str); 7] = [
            (b"*abc\r\n", "invalid multibulk length"),
            (b"*1\r\nGET\r\n", "expected '$', got 'G'"),
            (b"*1\r\n$x\r\n", "invalid bulk length"),
            (b"*1\r\n$-1\r\n", "invalid bulk length"),
            (
                b"*1\r\n$3\r\nPINGPONG\r\n",
                "bulk string not terminated by CRLF",
            ),
            (b"*2\n$4\nPING\n", "invalid multibulk length"),
            (b"*01\r\n$4\r\nPING\r\n", "invalid multibulk length"),
        ];
        for (bytes, message) in cases {
            let error = format!("-ERR Protocol error: {message}\r\n");
            expect_error_and_close(addr, bytes, &[error.as_str()]).await;
        }
        // Commands before the bad one in the same write are answered first.
        expect_error_and_close(
            addr,
            b"PING\r\n*1\r\n$4\r\nPING\r\n*?\r\n*1\r\n$4\r\nPING\r\n",
            &[
                "+PONG\r\n",
                "+PONG\r\n",
                "-ERR Protocol error: invalid multibulk length\r\n",
            ],
        )
        .await;
        // The server is still there for well-behaved clients.
        let mut c = Client::connect(addr).await;
        assert_eq!(c.call(&["PING"]).await, "+PONG\r\n");
    });
}

#[test]
fn lengths_over_the_caps_are_rejected_before_anything_is_allocated() {
    with_server(|addr| async move {
        let too_long_bulk = format!("*1\r\n${}\r\n", MAX_BULK_LEN + 1);
        expect_error_and_close(
            addr,
            too_long_bulk.as_bytes(),
            &["-ERR Protocol error: invalid bulk length\r\n"],
        )
        .await;
        let too_many_args = format!("*{}\r\n", MAX_ARGS + 1);
        expect_error_and_close(
            addr,
            too_many_args.as_bytes(),
            &["-ERR Protocol error: invalid multibulk length\r\n"],
        )
        .await;
        let endless_inline = vec![b'A'; MAX_INLINE + 2];
        expect_error_and_close(
            addr,
            &endless_inline,
            &["-ERR Protocol error: too big inline request\r\n"],
        )
        .await;
        let mut endless_header = b"*1\r\n$1".to_vec();
        endless_header.extend(vec![b'0'; MAX_INLINE + 2]);
        expect_error_and_close(
            addr,
            &endless_header,
            &["-ERR Protocol error: too big bulk count string\r\n"],
        )
        .await;
    });
}

#[test]
fn a_large_declared_bulk_grows_the_buffer_only_with_what_arrives() {
    let store = Store::new();
    let mut session = Session::new("test");
    let header = format!("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n${MAX_BULK_LEN}\r\n");
    let buf = session.read_buf();
    buf[..header.len()].copy_from_slice(header.as_bytes());
    session.filled(header.len());
    assert_eq!(session.process(&store), Progress::NeedInput);
    // 512 MB declared, a few bytes sent: the buffer stays near one read's size.
    let mut received = header.len();
    for _ in 0..4 {
        let spare = session.read_buf().len();
        assert!(
            spare <= 2 * READ_CHUNK + received,
            "asked for {spare} bytes with {received} received"
        );
        session.filled(READ_CHUNK);
        received += READ_CHUNK;
        assert_eq!(session.process(&store), Progress::NeedInput);
    }
    assert!(session.output().is_empty());
    assert_eq!(store.len(), 0);
}

#[test]
fn a_value_larger_than_one_read_arrives_whole() {
    with_server(|addr| async move {
        let mut c = Client::connect(addr).await;
        let value: String = (0..3_000_000)
            .map(|i| char::from(b'a' + (i % 26) as u8))
            .collect();
        assert_eq!(c.call(&["SET", "big", &value]).await, "+OK\r\n");
        assert_eq!(
            c.call(&["GET", "big"]).await,
            format!("${}\r\n{value}\r\n", value.len())
        );
    });
}

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
