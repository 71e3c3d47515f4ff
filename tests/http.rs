//! hyper on eddy (feature `hyper`): the http_server example driven by hyper's client on
//! eddy — every route, keep-alive, HTTP/2 with eddy's executor, hyper's timers on eddy's
//! wheel, the futures-io adapter — and its graceful shutdown on a real SIGINT sent to a
//! child process.

#[path = "../examples/http_server/main.rs"]
mod http_server;
mod support;

use std::convert::Infallible;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use eddy::hyper::{EddyExecutor, EddyIo, EddyTimer};
use eddy::net::{TcpListener, TcpStream};
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::client::conn::{http1, http2};
use hyper::rt::Timer;
use hyper::{Request, Response, StatusCode};
use support::{runtime, with_timeout, LIMIT};

/// How long any single step may take before the test fails instead of hanging.
const STEP: Duration = Duration::from_secs(20);

async fn step<T>(what: &str, future: impl std::future::Future<Output = T>) -> T {
    match eddy::time::timeout(STEP, future).await {
        Ok(value) => value,
        Err(_) => panic!("{what} did not finish within {STEP:?}"),
    }
}

/// Starts the example's server on an ephemeral port (its shutdown future never ends).
async fn start_server() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    eddy::spawn(http_server::serve(listener, std::future::pending()));
    addr
}

/// An HTTP/1.1 client connection to `addr`, its I/O running as a task.
async fn connect(addr: std::net::SocketAddr) -> http1::SendRequest<Full<Bytes>> {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (sender, connection) = http1::handshake(stream).await.unwrap();
    eddy::spawn(connection);
    sender
}

/// Sends `request` once the connection can take it (an HTTP/1.1 connection carries one
/// request at a time: `ready` waits until the previous exchange is done), with a timeout.
async fn send(
    sender: &mut http1::SendRequest<Full<Bytes>>,
    request: Request<Full<Bytes>>,
) -> Response<Incoming> {
    step("the connection's readiness", sender.ready())
        .await
        .unwrap();
    step("the response head", sender.send_request(request))
        .await
        .unwrap()
}

async fn body_of(response: Response<Incoming>) -> (StatusCode, String) {
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

fn get(path: &str) -> Request<Full<Bytes>> {
    Request::get(path)
        .header("host", "eddy.test")
        .body(Full::new(Bytes::new()))
        .unwrap()
}

fn post(path: &str, body: impl Into<Bytes>) -> Request<Full<Bytes>> {
    Request::post(path)
        .header("host", "eddy.test")
        .header("content-type", "application/json")
        .body(Full::new(body.into()))
        .unwrap()
}

#[test]
fn every_route_answers_over_one_keep_alive_connection() {
    with_timeout(LIMIT, || {
        runtime(2).block_on(async {
            let addr = start_server().await;
            let mut sender = connect(addr).await;
            let (status, body) = body_of(send(&mut sender, get("/")).await).await;
            assert_eq!((status, body.as_str()), (StatusCode::OK, "Hello, world!\n"));

            let document = r#"{"a":[1,2,{"b":null}],"c":"d"}"#;
            let response = send(&mut sender, post("/echo", document)).await;
            assert_eq!(
                response.headers()["content-type"],
                "application/json",
                "the echo is JSON"
            );
            let (status, body) = body_of(response).await;
            assert_eq!(status, StatusCode::OK);
            let sent: serde_json::Value = serde_json::from_str(document).unwrap();
            let echoed: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert_eq!(sent, echoed);

            let (status, body) = body_of(send(&mut sender, post("/echo", "{oops")).await).await;
            assert_eq!(status, StatusCode::BAD_REQUEST);
            assert!(body.contains("not JSON"), "{body}");

            let (status, _) = body_of(send(&mut sender, get("/nowhere")).await).await;
            assert_eq!(status, StatusCode::NOT_FOUND);

            let (status, body) = body_of(send(&mut sender, get("/delay/5")).await).await;
            assert_eq!(
                (status, body.as_str()),
                (StatusCode::OK, "done after 5 ms\n")
            );

            // Keep-alive: all of the above, and 200 more, on the one connection.
            for _ in 0..200 {
                let (status, _) = body_of(send(&mut sender, get("/")).await).await;
                assert_eq!(status, StatusCode::OK);
            }

            // A body over the limit is refused, and the connection then closed (its unread
            // rest cannot be skipped): on a connection of its own.
            let mut sender = connect(addr).await;
            let too_big = vec![b' '; http_server_service_limit() + 1];
            let (status, _) = body_of(send(&mut sender, post("/echo", too_big)).await).await;
            assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        });
    });
}

/// The example's `/echo` body limit.
fn http_server_service_limit() -> usize {
    1024 * 1024
}

#[test]
fn many_clients_at_once() {
    with_timeout(LIMIT, || {
        runtime(2).block_on(async {
            let addr = start_server().await;
            let clients: Vec<_> = (0..50)
                .map(|i| {
                    eddy::spawn(async move {
                        let mut sender = connect(addr).await;
                        for j in 0..20 {
                            let doc = format!("{{\"client\":{i},\"request\":{j}}}");
                            let response = send(&mut sender, post("/echo", doc.clone())).await;
                            let (status, body) = body_of(response).await;
                            assert_eq!(status, StatusCode::OK);
                            assert_eq!(body, doc);
                        }
                    })
                })
                .collect();
            for client in clients {
                step("a client", client).await.unwrap();
            }
        });
    });
}

#[test]
fn http2_runs_on_eddys_executor_and_timer() {
    with_timeout(LIMIT, || {
        runtime(2).block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            eddy::spawn(async move {
                loop {
                    let (stream, _) = listener.accept().await.unwrap();
                    eddy::spawn(async move {
                        let service = hyper::service::service_fn(|req| {
                            http_server::service::handle(req, |d| Box::pin(eddy::time::sleep(d)))
                        });
                        hyper::server::conn::http2::Builder::new(EddyExecutor::new())
                            .timer(EddyTimer::new())
                            .keep_alive_interval(Duration::from_millis(50))
                            .serve_connection(stream, service)
                            .await
                            .ok();
                    });
                }
            });
            let stream = TcpStream::connect(addr).await.unwrap();
            let (sender, connection) = http2::Builder::new(EddyExecutor::new())
                .timer(EddyTimer::new())
                .handshake(stream)
                .await
                .unwrap();
            eddy::spawn(connection);
            // 100 concurrent streams on one connection, each its own task on the server
            // (spawned through EddyExecutor); keep-alive pings tick on EddyTimer meanwhile.
            let requests: Vec<_> = (0..100)
                .map(|i| {
                    let mut sender = sender.clone();
                    eddy::spawn(async move {
                        let path = if i % 10 == 0 {
                            "/delay/60".to_owned()
                        } else {
                            "/".to_owned()
                        };
                        let response = sender.send_request(get(&path)).await.unwrap();
                        assert_eq!(response.version(), hyper::Version::HTTP_2);
                        body_of(response).await
                    })
                })
                .collect();
            for (i, request) in requests.into_iter().enumerate() {
                let (status, body) = step("an HTTP/2 stream", request).await.unwrap();
                assert_eq!(status, StatusCode::OK);
                let expected = if i % 10 == 0 {
                    "done after 60 ms\n"
                } else {
                    "Hello, world!\n"
                };
                assert_eq!(body, expected);
            }
        });
    });
}

#[test]
fn a_silent_client_is_dropped_by_the_header_read_timeout() {
    with_timeout(LIMIT, || {
        runtime(2).block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            eddy::spawn(async move {
                let (stream, _) = listener.accept().await.unwrap();
                let service = hyper::service::service_fn(|_req: Request<Incoming>| async {
                    Ok::<_, Infallible>(Response::new(Full::new(Bytes::from("hi"))))
                });
                hyper::server::conn::http1::Builder::new()
                    .timer(EddyTimer::new())
                    .header_read_timeout(Duration::from_millis(100))
                    .serve_connection(stream, service)
                    .await
                    .ok();
            });
            // Before the connect: the server's timer starts once it has accepted, which
            // may be before `connect` returns here.
            let started = Instant::now();
            let mut client = TcpStream::connect(addr).await.unwrap();
            // Half a request head, then silence: the server must give up and close.
            client.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
            let mut rest = Vec::new();
            step("the server's close", client.read_to_end(&mut rest))
                .await
                .ok();
            let waited = started.elapsed();
            assert!(
                waited >= Duration::from_millis(100),
                "closed early: {waited:?}"
            );
        });
    });
}

#[test]
fn eddy_timer_sleeps_and_resets_in_place() {
    with_timeout(LIMIT, || {
        runtime(1).block_on(async {
            let timer = EddyTimer::new();
            let started = Instant::now();
            timer.sleep(Duration::from_millis(20)).await;
            assert!(started.elapsed() >= Duration::from_millis(20));

            // An hour, reset to 10 ms from now: it ends then.
            let mut sleep = timer.sleep(Duration::from_secs(3600));
            let started = Instant::now();
            timer.reset(&mut sleep, Instant::now() + Duration::from_millis(10));
            step("the reset sleep", sleep).await;
            assert!(started.elapsed() >= Duration::from_millis(10));
        });
    });
}

#[test]
fn eddy_io_adapts_any_futures_io_stream() {
    with_timeout(LIMIT, || {
        runtime(2).block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            eddy::spawn(async move {
                let (stream, _) = listener.accept().await.unwrap();
                let service = hyper::service::service_fn(|req| {
                    http_server::service::handle(req, |d| Box::pin(eddy::time::sleep(d)))
                });
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(EddyIo::new(stream), service)
                    .await
                    .ok();
            });
            let stream = TcpStream::connect(addr).await.unwrap();
            let (mut sender, connection) = http1::handshake(EddyIo::new(stream)).await.unwrap();
            eddy::spawn(connection);
            // A body larger than one read, so several reads fill hyper's buffer.
            let big = serde_json::Value::String("x".repeat(200_000)).to_string();
            let (status, body) = body_of(send(&mut sender, post("/echo", big.clone())).await).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(body, big);
        });
    });
}

/// The child half of `ctrl_c_lets_the_request_in_flight_finish`: the example's server
/// on an ephemeral port until SIGINT. Does nothing unless started by that test.
#[test]
fn child_http_server_until_ctrl_c() {
    if std::env::var_os("EDDY_HTTP_CHILD").is_none() {
        return;
    }
    eddy::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        println!("listening on http://{}", listener.local_addr().unwrap());
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
        http_server::serve(listener, stop).await.unwrap();
    });
}

#[test]
fn ctrl_c_lets_the_request_in_flight_finish() {
    with_timeout(LIMIT, || {
        let mut child = KillOnDrop(
            Command::new(std::env::current_exe().unwrap())
                .args([
                    "--exact",
                    "child_http_server_until_ctrl_c",
                    "--nocapture",
                    "--test-threads",
                    "1",
                ])
                .env("EDDY_HTTP_CHILD", "1")
                .stdout(Stdio::piped())
                .spawn()
                .unwrap(),
        );
        let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
        let addr: std::net::SocketAddr = loop {
            let line = lines
                .next()
                .expect("the child exited before listening")
                .unwrap();
            // The harness prints the test's name on the same line first.
            if let Some((_, addr)) = line.split_once("listening on http://") {
                break addr.trim().parse().unwrap();
            }
        };
        let pid = child.0.id().to_string();

        runtime(1).block_on(async {
            let mut sender = connect(addr).await;
            // The response head comes at once, the body 500 ms later: in flight.
            let response = step("the head", send(&mut sender, get("/delay/500"))).await;
            assert_eq!(response.status(), StatusCode::OK);
            let interrupted = Command::new("kill").args(["-INT", &pid]).status().unwrap();
            assert!(interrupted.success());
            let (_, body) = step("the body", body_of(response)).await;
            assert_eq!(
                body, "done after 500 ms\n",
                "the in-flight request finished"
            );
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
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
