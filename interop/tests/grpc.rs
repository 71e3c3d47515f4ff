//! gRPC on eddy: the grpc example's tonic service, served by hyper's HTTP/2 on eddy, called
//! by tonic's generated client over an eddy `TcpStream` — unary calls and their error
//! statuses, a streamed countdown to its end, a client that drops a stream mid-way (the
//! server's stream must end), deadlines, many calls multiplexed on one connection, and a
//! graceful shutdown with a call in flight, in process and on a real SIGINT sent to a
//! child process. Both ends run on one eddy runtime.

#[path = "../examples/grpc/main.rs"]
mod grpc;
#[path = "../../tests/support/mod.rs"]
mod support;

use std::future::Future;
#[cfg(unix)]
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::pin::Pin;
#[cfg(unix)]
use std::process::{Command, Stdio};
use std::time::Duration;
use support::{step, with_timeout, LIMIT};

use eddy::net::TcpListener;
use eddy::sync::{mpsc as async_mpsc, oneshot};
use eddy::task::{JoinHandle, JoinSet};
use grpc::channel::{connect, Http2Channel};
use grpc::greeter::{Greeter, StreamEnd, MAX_FROM};
use grpc::pb::greeter_client::GreeterClient;
use grpc::pb::{CountdownRequest, HelloRequest};
use tonic::{Code, Request};

/// Runs `body` on a two-worker eddy runtime, within [`LIMIT`].
fn run<F: Future<Output = ()> + 'static>(body: impl FnOnce() -> F + Send + 'static) {
    with_timeout(LIMIT, move || {
        let runtime = eddy::Runtime::builder().worker_threads(2).build().unwrap();
        runtime.block_on(body());
    });
}

fn sleep(duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(eddy::time::sleep(duration))
}

/// The example's server on a free port, with what the test needs to watch and stop it.
struct Server {
    addr: SocketAddr,
    /// How each countdown stream ended, in the order they were dropped.
    stream_ends: async_mpsc::UnboundedReceiver<StreamEnd>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Server {
    async fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (ends_tx, stream_ends) = async_mpsc::unbounded_channel();
        let greeter = Greeter::new(sleep).on_stream_end(move |end| {
            let _ = ends_tx.send(end);
        });
        let (stop, stop_rx) = oneshot::channel::<()>();
        let task = eddy::spawn(grpc::serve(listener, greeter, async move {
            let _ = stop_rx.await;
            Ok(())
        }));
        Server {
            addr,
            stream_ends,
            stop: Some(stop),
            task,
        }
    }

    async fn client(&self) -> GreeterClient<Http2Channel> {
        step("connecting", connect(self.addr)).await.unwrap()
    }

    /// The next countdown stream to end, as the server saw it.
    async fn next_stream_end(&mut self) -> StreamEnd {
        step("a countdown stream's end", self.stream_ends.recv())
            .await
            .expect("the server is gone")
    }

    /// Starts a graceful shutdown (as Ctrl-C does for the example).
    fn shut_down(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// Shuts the server down gracefully and waits for it.
    async fn stop(mut self) {
        self.shut_down();
        step("the server's shutdown", self.task)
            .await
            .unwrap()
            .unwrap();
    }
}

fn hello(name: &str) -> HelloRequest {
    HelloRequest { name: name.into() }
}

fn countdown(from: u32, interval_ms: u32) -> CountdownRequest {
    CountdownRequest { from, interval_ms }
}

#[test]
fn a_unary_call_gets_its_reply() {
    run(|| async {
        let server = Server::start().await;
        let mut client = server.client().await;
        let reply = step("SayHello", client.say_hello(hello("Ada")))
            .await
            .unwrap();
        assert_eq!(reply.into_inner().message, "Hello, Ada!");
        drop(client);
        server.stop().await;
    });
}

#[test]
fn bad_input_reaches_the_client_as_a_status_with_code_and_message() {
    run(|| async {
        let server = Server::start().await;
        let mut client = server.client().await;
        let status = step("SayHello", client.say_hello(hello("  ")))
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(status.message(), "name must not be empty");

        // A streaming call refused before its first message: the status, not a stream.
        let status = step("Countdown", client.countdown(countdown(MAX_FROM + 1, 0)))
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);
        assert!(status.message().contains("at most"), "{status:?}");

        // The connection is still good.
        let reply = step("SayHello", client.say_hello(hello("again")))
            .await
            .unwrap();
        assert_eq!(reply.into_inner().message, "Hello, again!");
        drop(client);
        server.stop().await;
    });
}

#[test]
fn a_streaming_call_delivers_every_message_then_ends_with_ok() {
    run(|| async {
        let mut server = Server::start().await;
        let mut client = server.client().await;
        for (from, interval_ms) in [(500, 0), (5, 1), (0, 0)] {
            let mut ticks = step("Countdown", client.countdown(countdown(from, interval_ms)))
                .await
                .unwrap()
                .into_inner();
            let mut seen = Vec::new();
            while let Some(tick) = step("a tick", ticks.message()).await.unwrap() {
                seen.push(tick.remaining);
            }
            let expected: Vec<u32> = (1..=from).rev().collect();
            assert_eq!(seen, expected);
            let end = server.next_stream_end().await;
            assert_eq!(
                end,
                StreamEnd {
                    sent: from,
                    completed: true
                }
            );
        }
        drop(client);
        server.stop().await;
    });
}

/// The client reads a few messages and drops the stream; its HTTP/2 stream is reset, and
/// the server must drop the countdown then, not count on for nobody. Two cases: a
/// countdown blocked by flow control (it produces faster than the client reads) and one
/// waiting on its timer between ticks.
#[test]
fn a_client_dropping_a_stream_ends_the_servers_stream() {
    run(|| async {
        let mut server = Server::start().await;
        let mut client = server.client().await;
        for (from, interval_ms) in [(MAX_FROM, 0), (1000, 60_000)] {
            let mut ticks = step("Countdown", client.countdown(countdown(from, interval_ms)))
                .await
                .unwrap()
                .into_inner();
            let first = step("a tick", ticks.message()).await.unwrap().unwrap();
            assert_eq!(first.remaining, from);
            drop(ticks);
            let end = server.next_stream_end().await;
            assert!(!end.completed, "{end:?}");
            assert!(end.sent >= 1 && end.sent < from, "{end:?}");
        }
        // The connection outlives the reset streams.
        let reply = step("SayHello", client.say_hello(hello("still here")))
            .await
            .unwrap();
        assert_eq!(reply.into_inner().message, "Hello, still here!");
        drop(client);
        server.stop().await;
    });
}

#[test]
fn a_deadline_ends_a_stream_with_deadline_exceeded() {
    run(|| async {
        let mut server = Server::start().await;
        let mut client = server.client().await;
        // The first tick comes at once, the second not for a minute: the deadline falls
        // between them. (On a machine stalled past the deadline the first tick may not
        // make it, or even the response head: the status must be the same.)
        let mut request = Request::new(countdown(3, 60_000));
        request.set_timeout(Duration::from_millis(300));
        let mut seen = Vec::new();
        let mut streamed = false;
        let status = match step("Countdown", client.countdown(request)).await {
            Err(status) => status,
            Ok(response) => {
                streamed = true;
                let mut ticks = response.into_inner();
                loop {
                    match step("a tick or the deadline", ticks.message()).await {
                        Ok(Some(tick)) => seen.push(tick.remaining),
                        Ok(None) => panic!("the stream ended with OK after {seen:?}"),
                        Err(status) => break status,
                    }
                }
            }
        };
        assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
        assert!(seen == [3] || seen.is_empty(), "{seen:?}");
        if streamed {
            let end = server.next_stream_end().await;
            assert!(!end.completed && end.sent <= 1, "{end:?}");
        }

        // A deadline the call meets changes nothing.
        let mut request = Request::new(hello("Ada"));
        request.set_timeout(Duration::from_secs(30));
        let reply = step("SayHello", client.say_hello(request)).await.unwrap();
        assert_eq!(reply.into_inner().message, "Hello, Ada!");

        // A malformed deadline is bad input.
        let mut request = Request::new(hello("Ada"));
        request
            .metadata_mut()
            .insert("grpc-timeout", "soon".parse().unwrap());
        let status = step("SayHello", client.say_hello(request))
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
        assert!(status.message().contains("grpc-timeout"), "{status:?}");
        drop(client);
        server.stop().await;
    });
}

#[test]
fn many_concurrent_calls_share_one_connection() {
    const UNARY: usize = 300;
    const STREAMS: u32 = 20;
    run(|| async {
        let mut server = Server::start().await;
        let client = server.client().await;
        let mut calls = JoinSet::new();
        for i in 0..UNARY {
            let mut client = client.clone();
            calls.spawn(async move {
                let reply = client.say_hello(hello(&format!("n{i}"))).await.unwrap();
                assert_eq!(reply.into_inner().message, format!("Hello, n{i}!"));
            });
        }
        for from in 1..=STREAMS {
            let mut client = client.clone();
            calls.spawn(async move {
                let mut ticks = client
                    .countdown(countdown(from * 10, 0))
                    .await
                    .unwrap()
                    .into_inner();
                let mut count = 0;
                while let Some(_tick) = ticks.message().await.unwrap() {
                    count += 1;
                }
                assert_eq!(count, from * 10);
            });
        }
        let mut finished = 0;
        while let Some(joined) = step("the calls", calls.join_next()).await {
            joined.unwrap();
            finished += 1;
        }
        assert_eq!(finished, UNARY + STREAMS as usize);
        for _ in 0..STREAMS {
            assert!(server.next_stream_end().await.completed);
        }
        drop(client);
        server.stop().await;
    });
}

/// Shutdown with a streaming call in flight: the server stops taking calls (GOAWAY) but
/// lets the one in flight finish, then exits.
#[test]
fn a_graceful_shutdown_lets_the_call_in_flight_finish() {
    run(|| async {
        let mut server = Server::start().await;
        let mut client = server.client().await;
        let mut ticks = step("Countdown", client.countdown(countdown(4, 20)))
            .await
            .unwrap()
            .into_inner();
        let first = step("a tick", ticks.message()).await.unwrap().unwrap();
        assert_eq!(first.remaining, 4);

        server.shut_down();
        let mut rest = Vec::new();
        while let Some(tick) = step("a tick", ticks.message()).await.unwrap() {
            rest.push(tick.remaining);
        }
        assert_eq!(rest, [3, 2, 1]);
        assert!(server.next_stream_end().await.completed);
        step("the server's shutdown", server.task)
            .await
            .unwrap()
            .unwrap();

        // The connection was told to go away: a new call fails, with a status (which one
        // depends on whether the client has seen the socket close yet).
        let status = step("SayHello", client.say_hello(hello("late")))
            .await
            .unwrap_err();
        assert_ne!(status.code(), Code::Ok, "{status:?}");
    });
}

/// The child half of `ctrl_c_lets_the_call_in_flight_finish`: the example's server on an
/// ephemeral port until SIGINT. Does nothing unless started by that test.
#[test]
fn child_grpc_server_until_ctrl_c() {
    if std::env::var_os("EDDY_GRPC_CHILD").is_none() {
        return;
    }
    eddy::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        println!(
            "gRPC server listening on {}",
            listener.local_addr().unwrap()
        );
        // Ctrl-C, or else give up on our own after twice the parent's limit, so that a
        // parent that failed (and could not kill us) never leaves a server behind.
        let stop = async {
            eddy::select! {
                signal = eddy::signal::ctrl_c() => signal,
                _ = eddy::time::sleep(2 * LIMIT) => {
                    eprintln!("no SIGINT within {:?}: stopping anyway", 2 * LIMIT);
                    Ok(())
                }
            }
        };
        grpc::serve(listener, grpc::greeter(), stop).await.unwrap();
    });
}

#[cfg(unix)] // sends the child SIGINT with `kill`
#[test]
fn ctrl_c_lets_the_call_in_flight_finish() {
    with_timeout(LIMIT, || {
        let mut child = KillOnDrop(
            Command::new(std::env::current_exe().unwrap())
                .args([
                    "--exact",
                    "child_grpc_server_until_ctrl_c",
                    "--nocapture",
                    "--test-threads",
                    "1",
                ])
                .env("EDDY_GRPC_CHILD", "1")
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
            if let Some((_, addr)) = line.split_once("gRPC server listening on ") {
                break addr.trim().parse().unwrap();
            }
        };
        let pid = child.0.id().to_string();

        eddy::Runtime::new().unwrap().block_on(async {
            let mut client = step("connecting", connect(addr)).await.unwrap();
            let mut ticks = step("Countdown", client.countdown(countdown(3, 100)))
                .await
                .unwrap()
                .into_inner();
            let first = step("a tick", ticks.message()).await.unwrap().unwrap();
            assert_eq!(first.remaining, 3);
            let interrupted = Command::new("kill").args(["-INT", &pid]).status().unwrap();
            assert!(interrupted.success());
            let mut rest = Vec::new();
            while let Some(tick) = step("a tick", ticks.message()).await.unwrap() {
                rest.push(tick.remaining);
            }
            assert_eq!(rest, [2, 1], "the call in flight finished");
        });

        // The server then exits by itself, cleanly, having said what it did.
        let rest: Vec<String> = lines.map(|l| l.unwrap()).collect();
        let status = child.0.wait().unwrap();
        assert!(
            status.success(),
            "the server exited with {status}: {rest:?}"
        );
        assert!(
            rest.iter()
                .any(|l| l.contains("letting 1 connection(s) finish")),
            "{rest:?}"
        );
        assert!(rest.iter().any(|l| l == "bye"), "{rest:?}");
        // Nobody listens any more.
        assert!(std::net::TcpStream::connect(addr).is_err());
    });
}

/// A child process killed if the test fails before it exits, so that a failure never
/// leaves a server running (or a pipe open that the harness waits on).
#[cfg(unix)]
struct KillOnDrop(std::process::Child);

#[cfg(unix)]
impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
