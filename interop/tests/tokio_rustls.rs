//! TLS with tokio-rustls on both ends of eddy `TcpStream`s (eddy's `tokio-io` feature):
//! a handshake against a self-signed certificate the client trusts alone, an echo of
//! several MiB through it, and the clear handshake errors — never a hang — of a
//! certificate the client does not trust and of one for another name. The crypto
//! provider is rustls' ring, named explicitly. All on eddy's runtime.

#[path = "../../tests/support/mod.rs"]
mod support;

use std::io::ErrorKind;
use std::sync::Arc;

use eddy::net::{TcpListener, TcpStream};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use rustls::{ClientConfig, RootCertStore, ServerConfig};
use support::{runtime, with_timeout, LIMIT};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::client::TlsStream as ClientTls;
use tokio_rustls::server::TlsStream as ServerTls;
use tokio_rustls::{TlsAcceptor, TlsConnector};

/// Runs `body` on a 2-worker eddy runtime, failing after [`LIMIT`].
fn run<F>(body: F)
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    with_timeout(LIMIT, move || runtime(2).block_on(body));
}

/// rustls' ring provider, named explicitly: the one this crate builds (aws-lc-rs, rustls'
/// default, is not in the tree). rustls 0.23.48 deprecates it for want of post-quantum
/// key exchange, which these tests do not need.
#[allow(deprecated)]
fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A self-signed certificate for the DNS name `name`, issued by (and to) `issuer`, and
/// its private key.
fn self_signed(name: &str, issuer: &str) -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
    let mut params = rcgen::CertificateParams::new(vec![name.to_string()]).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, issuer);
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    let key = PrivatePkcs8KeyDer::from(key.serialize_der());
    (cert.der().clone(), key.into())
}

/// A server presenting `cert`.
fn acceptor(cert: CertificateDer<'static>, key: PrivateKeyDer<'static>) -> TlsAcceptor {
    let config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .unwrap();
    TlsAcceptor::from(Arc::new(config))
}

/// A client that trusts `root` and nothing else.
fn connector(root: CertificateDer<'static>) -> TlsConnector {
    let mut roots = RootCertStore::empty();
    roots.add(root).unwrap();
    let config = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

/// `len` bytes of a pattern that does not repeat at any power-of-two period.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

/// A listener on loopback and the address to reach it.
async fn listen() -> (TcpListener, std::net::SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

/// A TLS connection over eddy TCP on loopback, both handshakes done: the client trusts
/// the server's self-signed certificate for "localhost" and nothing else.
async fn tls_pair() -> (ClientTls<TcpStream>, ServerTls<TcpStream>) {
    let (cert, key) = self_signed("localhost", "eddy test");
    let acceptor = acceptor(cert.clone(), key);
    let connector = connector(cert);
    let (listener, addr) = listen().await;
    eddy::join!(
        async {
            let tcp = TcpStream::connect(addr).await.unwrap();
            let name = ServerName::try_from("localhost").unwrap();
            connector.connect(name, tcp).await.unwrap()
        },
        async {
            let (tcp, _) = listener.accept().await.unwrap();
            acceptor.accept(tcp).await.unwrap()
        }
    )
}

#[test]
fn a_tls_echo_over_eddy_streams_carries_several_mib() {
    const LEN: usize = 3 << 20;
    run(async {
        let (mut tls, mut server) = tls_pair().await;
        let (_, session) = tls.get_ref();
        assert!(
            session.protocol_version().is_some(),
            "the handshake is done"
        );

        let server = eddy::spawn(async move {
            // Echo until the client's close_notify and half-close, then close ours.
            let mut request = Vec::new();
            server.read_to_end(&mut request).await.unwrap();
            server.write_all(&request).await.unwrap();
            server.shutdown().await.unwrap();
            request.len()
        });

        let data = pattern(LEN);
        tls.write_all(&data).await.unwrap();
        // close_notify, then the socket's write direction (eddy's half-close).
        tls.shutdown().await.unwrap();
        let mut echoed = Vec::with_capacity(LEN);
        tls.read_to_end(&mut echoed).await.unwrap();
        assert_eq!(echoed.len(), LEN);
        assert!(echoed == data, "the echo differs");
        assert_eq!(server.await.unwrap(), LEN);
    });
}

#[test]
fn a_tls_stream_splits_into_halves_on_two_tasks() {
    run(async {
        let (tls, server) = tls_pair().await;
        let server = eddy::spawn(async move {
            // tokio's split over the TLS stream, as a tokio program would write it.
            let (mut rd, mut wr) = tokio::io::split(server);
            let n = tokio::io::copy(&mut rd, &mut wr).await.unwrap();
            wr.shutdown().await.unwrap();
            n
        });

        let (mut rd, mut wr) = tokio::io::split(tls);
        let writer = eddy::spawn(async move {
            for line in ["one\n", "two\n", "three\n"] {
                wr.write_all(line.as_bytes()).await.unwrap();
            }
            wr.shutdown().await.unwrap();
        });
        let mut echoed = String::new();
        rd.read_to_string(&mut echoed).await.unwrap();
        assert_eq!(echoed, "one\ntwo\nthree\n");
        writer.await.unwrap();
        assert_eq!(server.await.unwrap(), 14);
    });
}

/// Connects a client trusting `trusted` (for `name`) to a server presenting
/// `presented`; returns both handshakes' errors.
async fn failed_handshake(
    presented: (CertificateDer<'static>, PrivateKeyDer<'static>),
    trusted: CertificateDer<'static>,
    name: &'static str,
) -> (std::io::Error, std::io::Error) {
    let acceptor = acceptor(presented.0, presented.1);
    let connector = connector(trusted);
    let (listener, addr) = listen().await;
    let (client, server) = eddy::join!(
        async {
            let tcp = TcpStream::connect(addr).await.unwrap();
            let name = ServerName::try_from(name).unwrap();
            connector.connect(name, tcp).await.map(drop)
        },
        async {
            let (tcp, _) = listener.accept().await.unwrap();
            acceptor.accept(tcp).await.map(drop)
        }
    );
    (client.unwrap_err(), server.unwrap_err())
}

#[test]
fn an_untrusted_certificate_fails_the_handshake_clearly() {
    run(async {
        let presented = self_signed("localhost", "eddy test");
        // The client trusts another issuer only.
        let (trusted, _) = self_signed("localhost", "another issuer");
        let (client, server) = failed_handshake(presented, trusted, "localhost").await;
        assert_eq!(client.kind(), ErrorKind::InvalidData, "{client}");
        assert!(
            client.to_string().contains("invalid peer certificate"),
            "{client}"
        );
        assert!(client.to_string().contains("UnknownIssuer"), "{client}");
        // The server hears the client's alert, and fails rather than waits.
        assert!(server.to_string().contains("UnknownCA"), "{server}");
    });
}

#[test]
fn a_certificate_for_another_name_fails_the_handshake_clearly() {
    run(async {
        let (cert, key) = self_signed("localhost", "eddy test");
        let (client, _server) = failed_handshake((cert.clone(), key), cert, "example.com").await;
        assert_eq!(client.kind(), ErrorKind::InvalidData, "{client}");
        assert!(
            client
                .to_string()
                .contains("not valid for name \"example.com\""),
            "{client}"
        );
    });
}
