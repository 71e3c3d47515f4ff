//! The redis_server and chat examples stop on Ctrl-C: SIGINT while a client is connected
//! ends the process with status 0 and its goodbye, and the client's connection is closed.
//! (The http_server's graceful stop is tested in `http.rs`.) Each server runs as a child
//! process, this test binary again with a `child_*` test that calls the example's `run`.
// Unix only: the parent sends the child SIGINT with `kill`. Both examples include
// examples/support/stats.rs, so this crate has it twice.
#![cfg(unix)]
#![allow(clippy::duplicate_mod)]

mod support;

#[path = "../examples/redis_server/main.rs"]
#[allow(dead_code)]
mod redis_server;

#[path = "../examples/chat/main.rs"]
#[allow(dead_code, unused_imports)]
mod chat;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};

use support::{with_timeout, LIMIT};

/// The child halves: the example's `run` on an ephemeral port until SIGINT. Do nothing
/// unless started by their parent test; give up on their own after twice its limit, so
/// that a parent that failed never leaves a server behind.
#[test]
fn child_redis_server_until_ctrl_c() {
    if std::env::var_os("EDDY_SERVER_CHILD").is_some() {
        watchdog();
        redis_server::run("127.0.0.1:0").unwrap();
    }
}

#[test]
fn child_chat_until_ctrl_c() {
    if std::env::var_os("EDDY_SERVER_CHILD").is_some() {
        watchdog();
        chat::run("127.0.0.1:0").unwrap();
    }
}

fn watchdog() {
    std::thread::spawn(|| {
        std::thread::sleep(2 * LIMIT);
        eprintln!("no SIGINT within {:?}: exiting", 2 * LIMIT);
        std::process::exit(3);
    });
}

#[test]
fn redis_server_exits_cleanly_on_ctrl_c() {
    interrupt_while_connected("child_redis_server_until_ctrl_c", |stream, reader| {
        stream.write_all(b"*1\r\n$4\r\nPING\r\n").unwrap();
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        assert_eq!(line, "+PONG\r\n");
    });
}

#[test]
fn chat_exits_cleanly_on_ctrl_c() {
    interrupt_while_connected("child_chat_until_ctrl_c", |stream, reader| {
        stream.write_all(b"alice\n").unwrap();
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        assert!(line.starts_with("* welcome, alice!"), "{line:?}");
    });
}

/// Starts `child_test`, connects, lets `greet` exchange a first request and reply (so the
/// server is serving, its Ctrl-C handler in place), sends SIGINT, and checks that the
/// server exits with status 0 saying "bye" and that the connection is closed.
fn interrupt_while_connected(
    child_test: &'static str,
    greet: impl FnOnce(&mut TcpStream, &mut BufReader<TcpStream>) + Send + 'static,
) {
    with_timeout(LIMIT, move || {
        let mut child = KillOnDrop(
            Command::new(std::env::current_exe().unwrap())
                .args(["--exact", child_test, "--nocapture", "--test-threads", "1"])
                .env("EDDY_SERVER_CHILD", "1")
                .stdout(Stdio::piped())
                .spawn()
                .unwrap(),
        );
        let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
        let addr: SocketAddr = loop {
            let line = lines
                .next()
                .expect("the child exited before listening")
                .unwrap();
            // The harness prints the test's name on the same line first.
            if let Some((_, rest)) = line.split_once("listening on ") {
                break rest.split_whitespace().next().unwrap().parse().unwrap();
            }
        };
        let mut stream = TcpStream::connect(addr).unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        greet(&mut stream, &mut reader);

        let pid = child.0.id().to_string();
        let interrupted = Command::new("kill").args(["-INT", &pid]).status().unwrap();
        assert!(interrupted.success());
        let rest: Vec<String> = lines.map(|l| l.unwrap()).collect();
        let status = child.0.wait().unwrap();
        assert!(
            status.success(),
            "the server exited with {status}: {rest:?}"
        );
        assert!(rest.iter().any(|l| l == "bye"), "{rest:?}");
        // The client's connection went with the server: end of stream, or a reset.
        let mut left = Vec::new();
        let _ = reader.read_to_end(&mut left);
    });
}

/// A child process killed if the test fails before it exits.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
