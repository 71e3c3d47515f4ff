//! An HTTP/1.1 client on eddy with hyper's connection API: fetches `/` from the
//! http_server example and posts a JSON document to its `/echo`, over one keep-alive
//! connection.
//!
//! ```text
//! cargo run --release --features hyper --example http_server &
//! cargo run --release --features hyper --example http_client -- http://127.0.0.1:8080/
//! ```

use std::error::Error;

use bytes::Bytes;
use eddy::net::TcpStream;
use http_body_util::{BodyExt, Full};
use hyper::header::{CONTENT_TYPE, HOST};
use hyper::{Request, Uri};

type BoxError = Box<dyn Error + Send + Sync>;

fn main() -> Result<(), BoxError> {
    let url: Uri = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://127.0.0.1:8080/".to_owned())
        .parse()?;
    eddy::run(fetch(url))
}

async fn fetch(url: Uri) -> Result<(), BoxError> {
    if url.scheme_str() != Some("http") {
        return Err(format!("{url}: only http:// URLs are supported (no TLS here)").into());
    }
    let host = url.host().ok_or("the URL has no host")?.to_owned();
    let port = url.port_u16().unwrap_or(80);
    let stream = TcpStream::connect((host.as_str(), port))
        .await
        .map_err(|err| format!("cannot connect to {host}:{port}: {err}"))?;

    // The handshake gives a sender for requests and the connection, a future that does
    // the I/O: it runs as its own task.
    let (mut sender, connection) = hyper::client::conn::http1::handshake(stream).await?;
    let connection = eddy::spawn(connection);

    let authority = url.authority().map_or(host.clone(), |a| a.to_string());
    let get = Request::get(url.path())
        .header(HOST, &authority)
        .body(Full::new(Bytes::new()))?;
    let response = sender.send_request(get).await?;
    let status = response.status();
    let body = response.into_body().collect().await?.to_bytes();
    println!("GET {url} -> {status}\n{}", String::from_utf8_lossy(&body));

    let document = r#"{"runtime": "eddy", "features": ["tasks", "timers", "sockets"]}"#;
    let post = Request::post("/echo")
        .header(HOST, &authority)
        .header(CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from_static(document.as_bytes())))?;
    // One request at a time on an HTTP/1.1 connection: wait until it can take the next.
    sender.ready().await?;
    let response = sender.send_request(post).await?;
    let status = response.status();
    let body = response.into_body().collect().await?.to_bytes();
    println!("POST /echo -> {status}\n{}", String::from_utf8_lossy(&body));

    // Dropping the sender lets the connection close; its task then ends.
    drop(sender);
    connection.await??;
    Ok(())
}
