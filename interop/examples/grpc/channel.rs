//! The client's side of the wire: one HTTP/2 connection made by hyper on eddy, as the
//! tower service tonic's generated clients call.
//!
//! tonic's own `Channel` (its `transport` feature) connects with tokio; a generated client
//! takes any `GrpcService` instead, which any tower `Service` from `http::Request` to
//! `http::Response` is. [`Http2Channel`] is that service over hyper's
//! `http2::SendRequest`: clones share the connection and multiplex their calls on it.

use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use eddy::hyper::{EddyExecutor, EddyTimer};
use eddy::net::TcpStream;
use hyper::body::Incoming;
use hyper::client::conn::http2;
use hyper::{Request, Response, Uri};

use super::pb::greeter_client::GreeterClient;

/// One HTTP/2 connection, as a tower service. Cheap to clone: clones share it.
#[derive(Clone)]
pub struct Http2Channel {
    sender: http2::SendRequest<tonic::body::Body>,
}

impl Http2Channel {
    /// Connects to `addr` and runs the connection as an eddy task, which ends when the
    /// last clone of the channel is dropped or the server closes the connection.
    pub async fn connect(addr: SocketAddr) -> io::Result<Http2Channel> {
        let stream = TcpStream::connect(addr).await.map_err(|err| {
            io::Error::new(err.kind(), format!("cannot connect to {addr}: {err}"))
        })?;
        stream.set_nodelay(true)?;
        let (sender, connection) = http2::Builder::new(EddyExecutor::new())
            .timer(EddyTimer::new())
            .handshake(stream)
            .await
            .map_err(|err| io::Error::other(format!("HTTP/2 handshake with {addr}: {err}")))?;
        eddy::spawn(async move {
            if let Err(err) = connection.await {
                eprintln!("gRPC connection error: {err}");
            }
        });
        Ok(Http2Channel::new(sender))
    }

    /// A channel over a connection made elsewhere (over TLS, on another runtime...).
    pub fn new(sender: http2::SendRequest<tonic::body::Body>) -> Http2Channel {
        Http2Channel { sender }
    }
}

impl fmt::Debug for Http2Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Http2Channel")
            .field("closed", &self.sender.is_closed())
            .finish()
    }
}

impl tower::Service<Request<tonic::body::Body>> for Http2Channel {
    type Response = Response<Incoming>;
    type Error = hyper::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Incoming>, hyper::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), hyper::Error>> {
        self.sender.poll_ready(cx)
    }

    fn call(&mut self, request: Request<tonic::body::Body>) -> Self::Future {
        Box::pin(self.sender.send_request(request))
    }
}

/// A `Greeter` client on a new connection to `addr`.
///
/// tonic's requests carry only a path; `with_origin` adds the scheme and authority that
/// HTTP/2 requires (`:scheme`, `:authority`).
pub async fn connect(addr: SocketAddr) -> io::Result<GreeterClient<Http2Channel>> {
    let channel = Http2Channel::connect(addr).await?;
    let origin: Uri = format!("http://{addr}")
        .parse()
        .map_err(|err| io::Error::new(io::ErrorKind::InvalidInput, format!("{addr}: {err}")))?;
    Ok(GreeterClient::with_origin(channel, origin))
}
