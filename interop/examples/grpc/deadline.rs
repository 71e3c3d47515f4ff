//! Deadlines on the server: the client's `grpc-timeout` header, enforced on eddy's timers.
//!
//! tonic's generated server does not read `grpc-timeout`; its `transport` server does, on
//! tokio's timers. [`Deadline`] is the same for a service served by hyper on eddy, and
//! goes further: the deadline covers the whole call, the response body included, so a
//! streaming call past its deadline ends with `DEADLINE_EXCEEDED` in its trailers rather
//! than run on. Before the response head, the call's future is dropped and the client gets
//! `DEADLINE_EXCEEDED` at once; after it, the body's stream is dropped at the next poll.
//!
//! The deadline is checked whenever hyper polls the body: a client that stops reading
//! (its flow-control window full) holds its stream until it resets it or its connection
//! closes, as without a deadline. A malformed header is `INVALID_ARGUMENT`.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use eddy::time::{Instant, Sleep};
use hyper::body::{Body, Frame, SizeHint};
use hyper::HeaderMap;
use tonic::Status;
use tower::Service;

/// The header a gRPC client sends its timeout in.
const GRPC_TIMEOUT: &str = "grpc-timeout";

/// A tower service that enforces each request's `grpc-timeout` on `S`.
#[derive(Clone, Debug)]
pub struct Deadline<S> {
    inner: S,
}

impl<S> Deadline<S> {
    /// Enforces the client's deadlines on `inner`'s calls.
    pub fn new(inner: S) -> Deadline<S> {
        Deadline { inner }
    }
}

type GrpcResponse = hyper::Response<tonic::body::Body>;

impl<S, B> Service<hyper::Request<B>> for Deadline<S>
where
    S: Service<hyper::Request<B>, Response = GrpcResponse, Error = Infallible>,
    S::Future: Unpin,
{
    type Response = GrpcResponse;
    type Error = Infallible;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: hyper::Request<B>) -> Self::Future {
        match grpc_timeout(request.headers()) {
            Ok(timeout) => ResponseFuture::Call {
                // A deadline too far to represent (99999999H) is no deadline.
                sleep: timeout
                    .and_then(|timeout| Instant::now().checked_add(timeout))
                    .map(eddy::time::sleep_until),
                inner: self.inner.call(request),
            },
            Err(status) => ResponseFuture::Malformed(Some(status)),
        }
    }
}

/// The response of a call with a deadline: the inner service's, or `DEADLINE_EXCEEDED`.
#[derive(Debug)]
pub enum ResponseFuture<F> {
    /// The call, and the deadline if the client set one.
    Call {
        /// The inner service's response.
        inner: F,
        /// Fires at the deadline.
        sleep: Option<Sleep>,
    },
    /// The header could not be parsed: this status, once.
    Malformed(Option<Status>),
}

impl<F> Future for ResponseFuture<F>
where
    F: Future<Output = Result<GrpcResponse, Infallible>> + Unpin,
{
    type Output = Result<GrpcResponse, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            ResponseFuture::Call { inner, sleep } => {
                if let Poll::Ready(response) = Pin::new(&mut *inner).poll(cx) {
                    let Ok(response) = response;
                    // The body carries the rest of the deadline, on the same timer entry.
                    return Poll::Ready(Ok(match sleep.take() {
                        Some(sleep) => response.map(|body| {
                            tonic::body::Body::new(DeadlineBody {
                                inner: body,
                                sleep,
                                done: false,
                            })
                        }),
                        None => response,
                    }));
                }
                if let Some(sleep) = sleep {
                    ready!(Pin::new(sleep).poll(cx));
                    return Poll::Ready(Ok(exceeded().into_http()));
                }
                Poll::Pending
            }
            ResponseFuture::Malformed(status) => Poll::Ready(Ok(status
                .take()
                .expect("ResponseFuture polled after completion")
                .into_http())),
        }
    }
}

/// A response body that ends with `DEADLINE_EXCEEDED` trailers at the deadline.
struct DeadlineBody {
    inner: tonic::body::Body,
    sleep: Sleep,
    /// The deadline's trailers went out: the stream is over.
    done: bool,
}

impl Body for DeadlineBody {
    type Data = Bytes;
    type Error = Status;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        // The deadline first: a body that is always ready must not outrun it.
        if Pin::new(&mut this.sleep).poll(cx).is_ready() {
            this.done = true;
            // Drop what is left of the call (a countdown's stream, its pending sleep) now.
            this.inner = tonic::body::Body::empty();
            let mut trailers = HeaderMap::new();
            return Poll::Ready(Some(match exceeded().add_header(&mut trailers) {
                Ok(()) => Ok(Frame::trailers(trailers)),
                Err(status) => Err(status),
            }));
        }
        Pin::new(&mut this.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.done || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

fn exceeded() -> Status {
    Status::deadline_exceeded("the call's deadline (grpc-timeout) passed on the server")
}

/// The `grpc-timeout` header's duration, if present: at most 8 digits and a unit, one of
/// `H`, `M`, `S`, `m`, `u`, `n` (gRPC over HTTP/2, "Timeout").
fn grpc_timeout(headers: &HeaderMap) -> Result<Option<Duration>, Status> {
    let Some(value) = headers.get(GRPC_TIMEOUT) else {
        return Ok(None);
    };
    let malformed = || {
        Status::invalid_argument(format!(
            "malformed grpc-timeout header {value:?}: expected at most 8 digits and a unit \
             (H, M, S, m, u or n)"
        ))
    };
    let text = value.to_str().map_err(|_| malformed())?;
    // ASCII (to_str checked), so the last byte is a character boundary.
    let Some(unit) = text.len().checked_sub(1) else {
        return Err(malformed());
    };
    let (digits, unit) = text.split_at(unit);
    if digits.is_empty() || digits.len() > 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed());
    }
    // Eight digits: no overflow in any unit below.
    let amount: u64 = digits.parse().map_err(|_| malformed())?;
    let timeout = match unit {
        "H" => Duration::from_secs(amount * 3600),
        "M" => Duration::from_secs(amount * 60),
        "S" => Duration::from_secs(amount),
        "m" => Duration::from_millis(amount),
        "u" => Duration::from_micros(amount),
        "n" => Duration::from_nanos(amount),
        _ => return Err(malformed()),
    };
    Ok(Some(timeout))
}
