//! The rustls server configuration of `examples/https_server`, with no runtime in it: the
//! eddy example and its tokio twin (`https_server_tokio`) both include this file, so a
//! load test compares runtimes under the same TLS settings — the same crypto provider
//! (ring), cipher suites, protocol versions, ALPN list and session resumption.

use std::io;
use std::path::Path;
use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;

/// The application protocols offered, in the server's order of preference: HTTP/2, then
/// HTTP/1.1. A client that offers neither (or no ALPN at all) gets HTTP/1.1.
pub const ALPN: [&[u8]; 2] = [b"h2", b"http/1.1"];

/// The ALPN name of HTTP/2, as negotiated.
pub const H2: &[u8] = b"h2";

/// A server configuration for the certificate chain in `cert` and the private key in
/// `key` (both PEM files; the key PKCS#8, PKCS#1 or SEC1): ring's cipher suites, TLS 1.2
/// and 1.3, [`ALPN`], rustls' default session cache (stateful resumption; no tickets).
///
/// # Errors
///
/// A message that names the file: it cannot be read, holds no certificate or no key, or
/// the key does not belong to the certificate.
pub fn server_config(cert: &Path, key: &Path) -> io::Result<Arc<ServerConfig>> {
    let certs = certificates(cert)?;
    let private_key = private_key(key)?;
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(io::Error::other)?
        .with_no_client_auth()
        .with_single_cert(certs, private_key)
        .map_err(|err| {
            invalid(format!(
                "{} and {} do not make a certificate and its key: {err}",
                cert.display(),
                key.display()
            ))
        })?;
    config.alpn_protocols = ALPN.iter().map(|proto| proto.to_vec()).collect();
    Ok(Arc::new(config))
}

/// rustls' crypto on ring, its default cipher suites and key exchange groups. (rustls
/// deprecates ring's provider for its lack of post-quantum key exchange; this crate uses
/// ring because aws-lc-rs, rustls' default, needs cmake to build.)
#[allow(deprecated)]
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Every certificate in the PEM file at `path`, leaf first.
fn certificates(path: &Path) -> io::Result<Vec<CertificateDer<'static>>> {
    let pem = read(path, "certificate")?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| invalid(format!("{}: not a PEM file: {err}", path.display())))?;
    if certs.is_empty() {
        return Err(invalid(format!(
            "{}: no certificate in it (a PEM \"BEGIN CERTIFICATE\" section)",
            path.display()
        )));
    }
    Ok(certs)
}

/// The first private key in the PEM file at `path`.
fn private_key(path: &Path) -> io::Result<PrivateKeyDer<'static>> {
    let pem = read(path, "private key")?;
    PrivateKeyDer::from_pem_slice(&pem).map_err(|err| match err {
        rustls::pki_types::pem::Error::NoItemsFound => invalid(format!(
            "{}: no private key in it (a PEM \"BEGIN PRIVATE KEY\", \"BEGIN RSA PRIVATE KEY\" \
             or \"BEGIN EC PRIVATE KEY\" section)",
            path.display()
        )),
        err => invalid(format!("{}: not a PEM file: {err}", path.display())),
    })
}

fn read(path: &Path, what: &str) -> io::Result<Vec<u8>> {
    std::fs::read(path).map_err(|err| {
        io::Error::new(
            err.kind(),
            format!("cannot read the {what} file {}: {err}", path.display()),
        )
    })
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}
