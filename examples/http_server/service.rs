//! The HTTP service of `examples/http_server`, with no runtime in it: the eddy example and
//! its tokio twin (`benches/twins`, for scripts/load.sh) both include this file, so a load
//! test compares the runtimes under the same server code. The one runtime-specific thing,
//! sleeping, comes in as a function.
//!
//! Routes:
//! * `GET /` — `Hello, world!` in plain text;
//! * `POST /echo` — a JSON document, parsed and sent back (400 if it is not JSON, 413
//!   beyond 1 MiB);
//! * `GET /delay/{ms}` — the response head at once, the body after `ms` milliseconds (at
//!   most 60 s): an in-flight request to watch graceful shutdown with.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Frame, Incoming, SizeHint};
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};

/// A boxed sleep: how the service waits without naming a runtime.
pub type SleepFn = fn(Duration) -> Pin<Box<dyn Future<Output = ()> + Send>>;

/// The largest `/echo` body accepted.
pub const MAX_ECHO_BODY: usize = 1024 * 1024;

/// The longest `/delay`.
const MAX_DELAY: Duration = Duration::from_secs(60);

/// Answers one request.
pub async fn handle(req: Request<Incoming>, sleep: SleepFn) -> Result<Response<Body>, Infallible> {
    let path = req.uri().path();
    let response = match (req.method(), path) {
        (&Method::GET | &Method::HEAD, "/") => text(StatusCode::OK, "Hello, world!\n"),
        (&Method::POST, "/echo") => echo(req).await,
        (&Method::GET, p) if p.starts_with("/delay/") => match p["/delay/".len()..].parse() {
            Ok(ms) => delayed(Duration::from_millis(ms).min(MAX_DELAY), sleep),
            Err(_) => text(StatusCode::BAD_REQUEST, "usage: /delay/{milliseconds}\n"),
        },
        (_, "/" | "/echo") => text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n"),
        _ => text(
            StatusCode::NOT_FOUND,
            "not found: try /, POST /echo or /delay/{ms}\n",
        ),
    };
    Ok(response)
}

/// `POST /echo`: the body, parsed as JSON and serialised again.
async fn echo(req: Request<Incoming>) -> Response<Body> {
    let body = match Limited::new(req.into_body(), MAX_ECHO_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(err) if err.is::<http_body_util::LengthLimitError>() => {
            return json_error(StatusCode::PAYLOAD_TOO_LARGE, "the body is over 1 MiB");
        }
        Err(err) => return json_error(StatusCode::BAD_REQUEST, &err.to_string()),
    };
    match serde_json::from_slice::<serde_json::Value>(&body) {
        Ok(value) => json(StatusCode::OK, value.to_string()),
        Err(err) => json_error(StatusCode::BAD_REQUEST, &format!("not JSON: {err}")),
    }
}

fn text(status: StatusCode, body: &'static str) -> Response<Body> {
    let mut response = Response::new(Body::full(Bytes::from_static(body.as_bytes())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

fn json(status: StatusCode, body: String) -> Response<Body> {
    let mut response = Response::new(Body::full(Bytes::from(body)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

fn json_error(status: StatusCode, message: &str) -> Response<Body> {
    json(status, serde_json::json!({ "error": message }).to_string())
}

fn delayed(delay: Duration, sleep: SleepFn) -> Response<Body> {
    let message = format!("done after {} ms\n", delay.as_millis());
    let mut response = Response::new(Body(Kind::Delayed {
        sleep: Some(sleep(delay)),
        data: Some(Bytes::from(message)),
    }));
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// A response body: all at once, or one chunk after a sleep.
pub struct Body(Kind);

enum Kind {
    /// The whole body, ready.
    Full(Full<Bytes>),
    /// `data` once `sleep` ends.
    Delayed {
        sleep: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
        data: Option<Bytes>,
    },
}

impl Body {
    fn full(bytes: Bytes) -> Body {
        Body(Kind::Full(Full::new(bytes)))
    }
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Kind::Full(full) => f.debug_tuple("Body::Full").field(full).finish(),
            Kind::Delayed { data, .. } => {
                f.debug_struct("Body::Delayed").field("data", data).finish()
            }
        }
    }
}

impl hyper::body::Body for Body {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match &mut self.get_mut().0 {
            Kind::Full(full) => Pin::new(full).poll_frame(cx),
            Kind::Delayed { sleep, data } => {
                if let Some(wait) = sleep {
                    if wait.as_mut().poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    *sleep = None;
                }
                Poll::Ready(data.take().map(|bytes| Ok(Frame::data(bytes))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.0 {
            Kind::Full(full) => full.is_end_stream(),
            Kind::Delayed { data, .. } => data.is_none(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.0 {
            Kind::Full(full) => full.size_hint(),
            Kind::Delayed { data, .. } => {
                SizeHint::with_exact(data.as_ref().map_or(0, |d| d.len() as u64))
            }
        }
    }
}
