//! gRPC over TLS on eddy, the way a tokio service is written: tokio-rustls on both ends of
//! eddy `TcpStream`s (the `tokio-io` feature), hyper-util's `TokioIo` handing the TLS
//! streams to hyper's HTTP/2 (ALPN `h2`), the grpc example's tonic service on the server
//! and its generated client on the other end — no tokio runtime anywhere. A unary call, a
//! streamed countdown to its end, and a client that does not trust the certificate
//! failing the handshake while the server keeps serving.

#[allow(dead_code)]
#[path = "../examples/grpc/main.rs"]
mod grpc;
#[path = "../../tests/support/mod.rs"]
mod support;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use eddy::hyper::{EddyExecutor, EddyTimer};
use eddy::net::{TcpListener, TcpStream};
use futures_util::StreamExt;
use grpc::channel::Http2Channel;
use grpc::greeter::Greeter;
use grpc::pb::greeter_client::GreeterClient;
use grpc::pb::{CountdownRequest, HelloRequest};
use hyper::server::conn::http2;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use rustls::{ClientConfig, RootCertStore, ServerConfig};
use support::{runtime, step, with_timeout, LIMIT};
use tokio_rustls::{TlsAcceptor, TlsConnector};

/// rustls' ring provider, named explicitly (aws-lc-rs is not in the tree). rustls 0.23.48
/// deprecates it for want of post-quantum key exchange, which these tests do not need.
#[allow(deprecated)]
fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A self-signed certificate for `localhost`, and its key.
fn self_signed() -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
    let params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    (
        cert.der().clone(),
        PrivatePkcs8KeyDer::from(key.serialize_der()).into(),
    )
}

/// A client that trusts `root` alone and offers HTTP/2 by ALPN.
fn connector(root: CertificateDer<'static>) -> TlsConnector {
    let mut roots = RootCertStore::empty();
    roots.add(root).unwrap();
    let mut config = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec()];
    TlsConnector::from(Arc::new(config))
}

fn sleep(duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(eddy::time::sleep(duration))
}

/// Serves the greeter over TLS on `listener`, a task per connection; a failed handshake
/// ends only its own connection's task.
async fn serve(listener: TcpListener, cert: CertificateDer<'static>, key: PrivateKeyDer<'static>) {
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec()];
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let greeter = Greeter::new(sleep);
    loop {
        let (stream, _) = listener.accept().await.unwrap();
        let (acceptor, greeter) = (acceptor.clone(), greeter.clone());
        eddy::spawn(async move {
            let Ok(tls) = acceptor.accept(stream).await else {
                return; // the client's problem: the server serves on
            };
            assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
            let service = TowerToHyperService::new(greeter.into_server());
            let _ = http2::Builder::new(EddyExecutor::new())
                .timer(EddyTimer::new())
                .serve_connection(TokioIo::new(tls), service)
                .await;
        });
    }
}

/// A tonic client over TLS to `addr`, through `connector`.
async fn client(
    addr: std::net::SocketAddr,
    connector: &TlsConnector,
) -> std::io::Result<GreeterClient<Http2Channel>> {
    let stream = TcpStream::connect(addr).await?;
    let name = ServerName::try_from("localhost").unwrap();
    let tls = connector.connect(name, stream).await?;
    let (sender, connection) = hyper::client::conn::http2::Builder::new(EddyExecutor::new())
        .timer(EddyTimer::new())
        .handshake(TokioIo::new(tls))
        .await
        .map_err(std::io::Error::other)?;
    eddy::spawn(connection);
    let origin = format!("https://localhost:{}", addr.port())
        .parse()
        .unwrap();
    Ok(GreeterClient::with_origin(
        Http2Channel::new(sender),
        origin,
    ))
}

#[test]
fn grpc_runs_over_tokio_rustls_on_eddy_streams() {
    with_timeout(LIMIT, || {
        runtime(2).block_on(async {
            let (cert, key) = self_signed();
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = eddy::spawn(serve(listener, cert.clone(), key));

            // A client that trusts another certificate fails its handshake...
            let (stranger, _) = self_signed();
            let refused = step("an untrusting client", client(addr, &connector(stranger))).await;
            assert!(
                refused.is_err(),
                "a client trusting another certificate connected"
            );

            // ...and the server goes on serving one that trusts this one.
            let mut greeter = step("connecting", client(addr, &connector(cert)))
                .await
                .unwrap();
            let request = HelloRequest { name: "Ada".into() };
            let reply = step("SayHello", greeter.say_hello(request)).await.unwrap();
            assert_eq!(reply.into_inner().message, "Hello, Ada!");

            let request = CountdownRequest {
                from: 50,
                interval_ms: 0,
            };
            let mut stream = step("Countdown", greeter.countdown(request))
                .await
                .unwrap()
                .into_inner();
            let mut got = Vec::new();
            while let Some(item) = step("a countdown item", stream.next()).await {
                got.push(item.unwrap().remaining);
            }
            assert_eq!(got, (1..=50).rev().collect::<Vec<_>>());
            server.abort();
        })
    });
}
