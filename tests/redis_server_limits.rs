//! examples/redis_server at its limits: expiry (lazy and swept), many clients on one key,
//! protocol errors and a clean close, the caps on lengths, and values larger than a read.

mod support;

mod redis_client;
#[path = "../examples/redis_server/main.rs"]
#[allow(dead_code)]
mod redis_server;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use redis_client::{command, with_server, Client, EXPIRY_LIMIT};
use redis_server::resp::protocol::{MAX_ARGS, MAX_BULK_LEN, MAX_INLINE};
use redis_server::resp::{Progress, Session, Store, READ_CHUNK};

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

/// Feeds `bytes` to a fresh session in reads of at most `read` bytes, as a connection
/// does, until it asks to close or the bytes run out; returns its output and whether it
/// closed.
fn feed_in_reads(bytes: &[u8], read: usize) -> (Vec<u8>, bool) {
    let store = Store::new();
    let mut session = Session::new("test");
    let mut out = Vec::new();
    for chunk in bytes.chunks(read) {
        let mut rest = chunk;
        while !rest.is_empty() {
            let buf = session.read_buf();
            let n = rest.len().min(buf.len());
            buf[..n].copy_from_slice(&rest[..n]);
            session.filled(n);
            rest = &rest[n..];
            loop {
                let progress = session.process(&store);
                out.extend_from_slice(session.output());
                session.written();
                match progress {
                    Progress::NeedInput => break,
                    Progress::Flush => continue,
                    Progress::Close => return (out, true),
                }
            }
        }
    }
    (out, false)
}

/// Found by the fuzz target `resp_parser`: a line over the inline cap was refused when
/// the reads so far held more than the cap without its `\n`, but taken as a command
/// when its `\n` came in the same read, so whether a 70 kB line was a command depended
/// on how TCP split it. The same held for a `*` or `$` header line.
#[test]
fn a_line_over_the_cap_is_refused_however_the_reads_split_it() {
    let mut inline = b"ECHO ".to_vec();
    inline.extend(vec![b'a'; MAX_INLINE + 4]);
    inline.extend_from_slice(b"\r\n");
    let mut header = b"*1\r\n$1".to_vec();
    header.extend(vec![b'0'; MAX_INLINE + 4]);
    header.extend_from_slice(b"\r\n");
    let cases = [
        (inline, "too big inline request"),
        (header, "too big bulk count string"),
    ];
    for (bytes, message) in cases {
        let error = format!("-ERR Protocol error: {message}\r\n");
        for read in [1, 1000, READ_CHUNK, bytes.len()] {
            let (out, closed) = feed_in_reads(&bytes, read);
            assert_eq!(
                String::from_utf8_lossy(&out),
                error,
                "{message}, in reads of {read} bytes"
            );
            assert!(closed, "{message}, in reads of {read} bytes: not closed");
        }
    }
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
