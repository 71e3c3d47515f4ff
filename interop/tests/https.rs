//! The https_server example (hyper over futures-rustls on eddy), served in-process on a
//! self-signed certificate made here with rcgen: a rustls client that trusts only that
//! certificate gets the hello over HTTP/1.1 and over HTTP/2 (chosen by ALPN); a client
//! that does not trust it, plain HTTP on the TLS port and a client that says nothing each
//! lose only their own connection; bad certificate files are errors that name the file.

#[path = "../examples/https_server/main.rs"]
mod https_server;
#[path = "../../tests/support/mod.rs"]
mod support;

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{step, with_timeout, LIMIT};

use bytes::Bytes;
use eddy::hyper::{EddyExecutor, EddyIo};
use eddy::net::{TcpListener, TcpStream};
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use futures_rustls::client::TlsStream;
use futures_rustls::TlsConnector;
use http_body_util::{BodyExt, Full};
use https_server::tls;
use hyper::body::Incoming;
use hyper::client::conn::{http1, http2};
use hyper::{Request, Response, StatusCode, Version};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, RootCertStore};

/// Runs `body` on a two-worker eddy runtime (the I/O backend from `EDDY_IO_BACKEND`)
/// under [`LIMIT`].
fn run<F: Future<Output = ()> + 'static>(body: impl FnOnce() -> F + Send + 'static) {
    with_timeout(LIMIT, || {
        let rt = eddy::Runtime::builder().worker_threads(2).build().unwrap();
        rt.block_on(body());
    });
}

/// A fresh directory for this test's files, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("eddy-https-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A self-signed certificate for `localhost` and 127.0.0.1, written as `cert.pem` and
/// `key.pem` into `dir`; returns both paths.
fn self_signed(dir: &Path) -> (PathBuf, PathBuf) {
    let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    let pair = rcgen::generate_simple_self_signed(names).unwrap();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, pair.cert.pem()).unwrap();
    std::fs::write(&key, pair.signing_key.serialize_pem()).unwrap();
    (cert, key)
}

/// A certificate pair in a temporary directory, and the server's configuration for it.
struct Certificate {
    _dir: TempDir,
    cert: PathBuf,
    config: Arc<rustls::ServerConfig>,
}

impl Certificate {
    fn new(name: &str) -> Certificate {
        let dir = TempDir::new(name);
        let (cert, key) = self_signed(&dir.0);
        let config = tls::server_config(&cert, &key).unwrap();
        Certificate {
            _dir: dir,
            cert,
            config,
        }
    }

    /// A client connector that trusts this certificate and nothing else, offering `alpn`.
    fn trusting_client(&self, alpn: &[&[u8]]) -> TlsConnector {
        let mut roots = RootCertStore::empty();
        let pem = std::fs::read(&self.cert).unwrap();
        for cert in CertificateDer::pem_slice_iter(&pem) {
            roots.add(cert.unwrap()).unwrap();
        }
        let mut config = ClientConfig::builder_with_provider(tls::provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = alpn.iter().map(|proto| proto.to_vec()).collect();
        TlsConnector::from(Arc::new(config))
    }
}

/// Starts the example's server with `config` on an ephemeral port (its shutdown future
/// never ends).
async fn start_server(
    config: Arc<rustls::ServerConfig>,
    handshake_timeout: Duration,
) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = https_server::serve(listener, config, handshake_timeout, std::future::pending());
    eddy::spawn(server);
    addr
}

/// A TLS connection to `addr` through `connector`, for the name `localhost`.
async fn tls_connect(
    connector: &TlsConnector,
    addr: SocketAddr,
) -> std::io::Result<TlsStream<TcpStream>> {
    let tcp = step("connect", TcpStream::connect(addr)).await?;
    let name = ServerName::try_from("localhost").unwrap();
    step("the TLS handshake", connector.connect(name, tcp)).await
}

/// An HTTP/1.1 client connection over `stream`, its I/O running as a task.
async fn http1_client(stream: TlsStream<TcpStream>) -> http1::SendRequest<Full<Bytes>> {
    let (sender, connection) = step(
        "the HTTP/1.1 handshake",
        http1::handshake(EddyIo::new(stream)),
    )
    .await
    .unwrap();
    eddy::spawn(connection);
    sender
}

/// An HTTP/2 client connection over `stream`, its I/O running as a task.
async fn http2_client(stream: TlsStream<TcpStream>) -> http2::SendRequest<Full<Bytes>> {
    let handshake = http2::handshake(EddyExecutor::new(), EddyIo::new(stream));
    let (sender, connection) = step("the HTTP/2 handshake", handshake).await.unwrap();
    eddy::spawn(connection);
    sender
}

fn get(path: &str) -> Request<Full<Bytes>> {
    Request::get(format!("https://localhost{path}"))
        .body(Full::new(Bytes::new()))
        .unwrap()
}

fn post(path: &str, body: &'static str) -> Request<Full<Bytes>> {
    Request::post(format!("https://localhost{path}"))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from_static(body.as_bytes())))
        .unwrap()
}

/// The response's version, status and body.
async fn read(response: Response<Incoming>) -> (Version, StatusCode, String) {
    let (version, status) = (response.version(), response.status());
    let bytes = step("the body", response.into_body().collect())
        .await
        .unwrap()
        .to_bytes();
    (version, status, String::from_utf8(bytes.to_vec()).unwrap())
}

/// An HTTP/1.1 GET / over a fresh TLS connection: the hello, or a panic.
async fn hello_over_http1(connector: &TlsConnector, addr: SocketAddr) {
    let stream = tls_connect(connector, addr).await.unwrap();
    let mut sender = http1_client(stream).await;
    let response = step("the response", sender.send_request(get("/"))).await;
    let (_, status, body) = read(response.unwrap()).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "Hello, world!\n"));
}

#[test]
fn a_client_that_trusts_the_certificate_gets_the_hello_over_http1() {
    run(|| async {
        let certificate = Certificate::new("http1");
        let addr = start_server(certificate.config.clone(), https_server::HANDSHAKE_TIMEOUT).await;
        let connector = certificate.trusting_client(&[b"http/1.1"]);
        let stream = tls_connect(&connector, addr).await.unwrap();
        assert_eq!(stream.get_ref().1.alpn_protocol(), Some(&b"http/1.1"[..]));
        let mut sender = http1_client(stream).await;

        // Keep-alive: every request on the one connection.
        for _ in 0..20 {
            step("readiness", sender.ready()).await.unwrap();
            let response = step("the response", sender.send_request(get("/"))).await;
            let (version, status, body) = read(response.unwrap()).await;
            assert_eq!(version, Version::HTTP_11);
            assert_eq!((status, body.as_str()), (StatusCode::OK, "Hello, world!\n"));
        }
        step("readiness", sender.ready()).await.unwrap();
        let response = step(
            "the echo",
            sender.send_request(post("/echo", r#"{"a": [1, 2]}"#)),
        )
        .await;
        let (_, status, body) = read(response.unwrap()).await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, r#"{"a":[1,2]}"#));
    });
}

#[test]
fn a_large_body_crosses_many_tls_records_both_ways() {
    run(|| async {
        let certificate = Certificate::new("large");
        let addr = start_server(certificate.config.clone(), https_server::HANDSHAKE_TIMEOUT).await;
        let connector = certificate.trusting_client(&[b"http/1.1"]);
        let mut sender = http1_client(tls_connect(&connector, addr).await.unwrap()).await;
        // About 600 KB of JSON: dozens of 16 KiB records, more than hyper's read buffer
        // holds at first, both in the request and in the echo.
        let numbers: Vec<String> = (0..100_000).map(|i| i.to_string()).collect();
        let document = format!("[{}]", numbers.join(","));
        let request = Request::post("https://localhost/echo")
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(document.clone())))
            .unwrap();
        let response = step("the echo", sender.send_request(request)).await;
        let (_, status, body) = read(response.unwrap()).await;
        assert_eq!(status, StatusCode::OK);
        assert!(body == document, "the echo differs from the document sent");
    });
}

#[test]
fn a_client_that_offers_h2_gets_http2_chosen_by_alpn() {
    run(|| async {
        let certificate = Certificate::new("h2");
        let addr = start_server(certificate.config.clone(), https_server::HANDSHAKE_TIMEOUT).await;
        let connector = certificate.trusting_client(&[b"h2", b"http/1.1"]);
        let stream = tls_connect(&connector, addr).await.unwrap();
        assert_eq!(stream.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
        let sender = http2_client(stream).await;

        // 50 concurrent streams on the one connection.
        let requests: Vec<_> = (0..50)
            .map(|_| {
                let mut sender = sender.clone();
                eddy::spawn(async move {
                    let response = sender.send_request(get("/")).await.unwrap();
                    read(response).await
                })
            })
            .collect();
        for request in requests {
            let (version, status, body) = step("a stream", request).await.unwrap();
            assert_eq!(version, Version::HTTP_2);
            assert_eq!((status, body.as_str()), (StatusCode::OK, "Hello, world!\n"));
        }
    });
}

#[test]
fn a_client_without_alpn_gets_http1() {
    run(|| async {
        let certificate = Certificate::new("no-alpn");
        let addr = start_server(certificate.config.clone(), https_server::HANDSHAKE_TIMEOUT).await;
        let connector = certificate.trusting_client(&[]);
        let stream = tls_connect(&connector, addr).await.unwrap();
        assert_eq!(stream.get_ref().1.alpn_protocol(), None);
        let mut sender = http1_client(stream).await;
        let response = step("the response", sender.send_request(get("/"))).await;
        let (version, status, _) = read(response.unwrap()).await;
        assert_eq!((version, status), (Version::HTTP_11, StatusCode::OK));
    });
}

#[test]
fn a_client_that_does_not_trust_the_certificate_fails_and_others_are_still_served() {
    run(|| async {
        let certificate = Certificate::new("untrusted-server");
        let stranger = Certificate::new("untrusted-other");
        let addr = start_server(certificate.config.clone(), https_server::HANDSHAKE_TIMEOUT).await;

        let err = tls_connect(&stranger.trusting_client(&[b"http/1.1"]), addr)
            .await
            .map(drop)
            .expect_err("a client that trusts another certificate completed the handshake");
        // Both self-signed certificates name rcgen's default subject, so the client finds
        // the signature bad rather than the issuer unknown; either way it refuses it.
        let rustls_err = err
            .get_ref()
            .and_then(|e| e.downcast_ref::<rustls::Error>());
        assert!(
            matches!(rustls_err, Some(rustls::Error::InvalidCertificate(_))),
            "{err:?}"
        );

        hello_over_http1(&certificate.trusting_client(&[b"http/1.1"]), addr).await;
    });
}

#[test]
fn plain_http_on_the_tls_port_is_dropped_and_others_are_still_served() {
    run(|| async {
        let certificate = Certificate::new("plain");
        let addr = start_server(certificate.config.clone(), https_server::HANDSHAKE_TIMEOUT).await;

        let mut plain = step("connect", TcpStream::connect(addr)).await.unwrap();
        let request = b"GET / HTTP/1.1\r\nhost: localhost\r\n\r\n";
        step("the request", plain.write_all(request)).await.unwrap();
        let mut answer = Vec::new();
        // The server answers with a TLS alert at most, then closes: the read ends (or the
        // close resets the connection), and no HTTP comes back.
        match step("the server's close", plain.read_to_end(&mut answer)).await {
            Ok(_) => assert!(!answer.starts_with(b"HTTP"), "{answer:?}"),
            Err(err) => assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset, "{err}"),
        }

        hello_over_http1(&certificate.trusting_client(&[b"http/1.1"]), addr).await;
    });
}

#[test]
fn a_silent_client_is_dropped_after_the_handshake_timeout() {
    run(|| async {
        let certificate = Certificate::new("silent");
        let timeout = Duration::from_millis(300);
        let addr = start_server(certificate.config.clone(), timeout).await;
        let start = Instant::now();
        let mut silent = step("connect", TcpStream::connect(addr)).await.unwrap();
        let mut answer = Vec::new();
        let read = step("the server's close", silent.read_to_end(&mut answer)).await;
        assert_eq!(
            read.unwrap(),
            0,
            "the server sent {answer:?} to a silent client"
        );
        assert!(
            start.elapsed() >= timeout,
            "dropped after {:?}",
            start.elapsed()
        );
    });
}

#[test]
fn a_silent_client_does_not_hold_up_the_others() {
    run(|| async {
        let certificate = Certificate::new("silent-others");
        let addr = start_server(certificate.config.clone(), https_server::HANDSHAKE_TIMEOUT).await;
        let _silent = step("connect", TcpStream::connect(addr)).await.unwrap();
        let connector = certificate.trusting_client(&[b"http/1.1"]);
        for _ in 0..3 {
            hello_over_http1(&connector, addr).await;
        }
    });
}

#[test]
fn graceful_shutdown_lets_a_request_in_flight_finish() {
    run(|| async {
        let certificate = Certificate::new("shutdown");
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop_tx, stop_rx) = eddy::sync::oneshot::channel::<()>();
        let server = eddy::spawn(https_server::serve(
            listener,
            certificate.config.clone(),
            https_server::HANDSHAKE_TIMEOUT,
            async move {
                let _ = stop_rx.await;
                Ok(())
            },
        ));
        let stream = tls_connect(&certificate.trusting_client(&[b"http/1.1"]), addr)
            .await
            .unwrap();
        let mut sender = http1_client(stream).await;
        // The head comes at once, the body after the delay: once the head is here, the
        // request is in flight on the server.
        let response = step("the head", sender.send_request(get("/delay/300")))
            .await
            .unwrap();
        stop_tx.send(()).unwrap();
        let (_, status, body) = read(response).await;
        assert_eq!(
            (status, body.as_str()),
            (StatusCode::OK, "done after 300 ms\n")
        );
        step("the server's end", server).await.unwrap().unwrap();
    });
}

#[test]
fn bad_certificate_files_are_errors_that_name_the_file() {
    let dir = TempDir::new("bad-files");
    let (cert, key) = self_signed(&dir.0);
    let other = TempDir::new("bad-files-other");
    let (_, other_key) = self_signed(&other.0);
    let missing = dir.0.join("missing.pem");
    let junk = dir.0.join("junk.pem");
    std::fs::write(&junk, "not a PEM file\n").unwrap();

    let cases = [
        (&missing, &key, &missing, "cannot read the certificate file"),
        (
            &cert,
            &missing,
            &missing,
            "cannot read the private key file",
        ),
        (&junk, &key, &junk, "no certificate in it"),
        (&key, &key, &key, "no certificate in it"),
        (&cert, &cert, &cert, "no private key in it"),
        (
            &cert,
            &other_key,
            &other_key,
            "do not make a certificate and its key",
        ),
    ];
    for (cert, key, named, says) in cases {
        let err = tls::server_config(cert, key).expect_err("a bad pair was accepted");
        let message = err.to_string();
        assert!(
            message.contains(&named.display().to_string()) && message.contains(says),
            "{} / {}: {message}",
            cert.display(),
            key.display()
        );
    }
}
