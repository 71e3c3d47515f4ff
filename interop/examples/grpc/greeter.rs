//! The `Greeter` service of the grpc example (`proto/greeter.proto`), with no runtime in
//! it: the one runtime-specific thing, sleeping between countdown ticks, comes in as a
//! function, so the eddy server and the tokio one of the `bench` command serve the same
//! code.
//!
//! * `SayHello` answers "Hello, NAME!"; an empty name is `INVALID_ARGUMENT`.
//! * `Countdown` streams `from` ticks, `from` down to 1, one every `interval_ms`, then
//!   ends with OK. The stream is produced where hyper polls the response body, in the
//!   task hyper spawned for the HTTP/2 stream, not in a task of its own: when the client
//!   drops the stream (its HTTP/2 stream is reset), hyper drops the body, and with it the
//!   countdown and its pending sleep. Nothing keeps counting for nobody.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_lite::Stream;
use tonic::{Request, Response, Status};

use super::pb::greeter_server::GreeterServer;
use super::pb::{CountdownRequest, HelloReply, HelloRequest, Tick};

/// The largest countdown a client may ask for.
pub const MAX_FROM: u32 = 1_000_000;

/// The longest pause between two ticks a client may ask for.
pub const MAX_INTERVAL_MS: u32 = 60_000;

/// Sleeps for a duration on the runtime serving the call.
pub type SleepFn = fn(Duration) -> Pin<Box<dyn Future<Output = ()> + Send>>;

/// Called when a countdown stream is dropped: how it ended.
pub type OnStreamEnd = Arc<dyn Fn(StreamEnd) + Send + Sync>;

/// How a countdown stream ended, reported to [`Greeter::on_stream_end`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamEnd {
    /// Ticks handed to tonic to send.
    pub sent: u32,
    /// Whether every tick was handed over (false: the stream was dropped mid-way, because
    /// the client went away or reset the call, or the deadline passed).
    pub completed: bool,
}

/// The service: what `GreeterServer` serves.
#[derive(Clone)]
pub struct Greeter {
    sleep: SleepFn,
    on_stream_end: Option<OnStreamEnd>,
}

impl Greeter {
    /// A greeter whose countdowns wait with `sleep`.
    pub fn new(sleep: SleepFn) -> Greeter {
        Greeter {
            sleep,
            on_stream_end: None,
        }
    }

    /// Calls `hook` whenever a countdown stream is dropped, completed or not.
    pub fn on_stream_end(mut self, hook: impl Fn(StreamEnd) + Send + Sync + 'static) -> Greeter {
        self.on_stream_end = Some(Arc::new(hook));
        self
    }

    /// This greeter as the tower service tonic generated for it.
    pub fn into_server(self) -> GreeterServer<Greeter> {
        GreeterServer::new(self)
    }
}

impl fmt::Debug for Greeter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Greeter")
            .field("on_stream_end", &self.on_stream_end.is_some())
            .finish_non_exhaustive()
    }
}

#[tonic::async_trait]
impl super::pb::greeter_server::Greeter for Greeter {
    async fn say_hello(
        &self,
        request: Request<HelloRequest>,
    ) -> Result<Response<HelloReply>, Status> {
        let name = request.into_inner().name;
        let name = name.trim();
        if name.is_empty() {
            return Err(Status::invalid_argument("name must not be empty"));
        }
        Ok(Response::new(HelloReply {
            message: format!("Hello, {name}!"),
        }))
    }

    type CountdownStream = Countdown;

    async fn countdown(
        &self,
        request: Request<CountdownRequest>,
    ) -> Result<Response<Countdown>, Status> {
        let CountdownRequest { from, interval_ms } = request.into_inner();
        if from > MAX_FROM {
            return Err(Status::invalid_argument(format!(
                "from must be at most {MAX_FROM}, not {from}"
            )));
        }
        if interval_ms > MAX_INTERVAL_MS {
            return Err(Status::invalid_argument(format!(
                "interval_ms must be at most {MAX_INTERVAL_MS}, not {interval_ms}"
            )));
        }
        Ok(Response::new(Countdown {
            remaining: from,
            sent: 0,
            interval: Duration::from_millis(interval_ms.into()),
            sleep: self.sleep,
            pause: None,
            on_end: self.on_stream_end.clone(),
        }))
    }
}

/// The ticks of one `Countdown` call, made as tonic polls for them.
pub struct Countdown {
    remaining: u32,
    sent: u32,
    interval: Duration,
    sleep: SleepFn,
    /// The pause before the next tick, started when the previous one was handed over.
    pause: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
    on_end: Option<OnStreamEnd>,
}

impl Stream for Countdown {
    type Item = Result<Tick, Status>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.remaining == 0 {
            return Poll::Ready(None);
        }
        if let Some(pause) = &mut this.pause {
            if pause.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            this.pause = None;
        }
        let tick = Tick {
            remaining: this.remaining,
        };
        this.remaining -= 1;
        this.sent += 1;
        if this.remaining > 0 && !this.interval.is_zero() {
            this.pause = Some((this.sleep)(this.interval));
        }
        Poll::Ready(Some(Ok(tick)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let remaining = self.remaining as usize;
        (remaining, Some(remaining))
    }
}

impl Drop for Countdown {
    fn drop(&mut self) {
        if let Some(on_end) = &self.on_end {
            on_end(StreamEnd {
                sent: self.sent,
                completed: self.remaining == 0,
            });
        }
    }
}

impl fmt::Debug for Countdown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Countdown")
            .field("remaining", &self.remaining)
            .field("sent", &self.sent)
            .field("interval", &self.interval)
            .finish_non_exhaustive()
    }
}
