//! hyper 1.x on eddy (feature `hyper`): the runtime traits of [`hyper::rt`], implemented
//! by eddy's spawner, timers and sockets — what hyper-util's `TokioExecutor`, `TokioTimer`
//! and `TokioIo` are for tokio.
//!
//! * [`EddyExecutor`] is [`hyper::rt::Executor`]: HTTP/2 connections spawn their stream
//!   tasks through it.
//! * [`EddyTimer`] is [`hyper::rt::Timer`]: header-read timeouts, keep-alive pings and
//!   idle timeouts run on eddy's timing wheel, and `reset` moves a pending sleep in place.
//! * eddy's [`TcpStream`](crate::net::TcpStream) and [`UnixStream`](crate::net::UnixStream)
//!   implement [`hyper::rt::Read`] and [`hyper::rt::Write`] themselves, so a stream is
//!   handed to `serve_connection` / `handshake` as it is. Reads go straight from the
//!   socket into hyper's buffer, with no zeroing and no copy. [`EddyIo`] adapts any other
//!   futures-io stream (a TLS stream, a duplex in a test).
//!
//! tokio's *runtime* is not in a hyper-on-eddy binary: `cargo tree -e features -i tokio`
//! shows only tokio's `sync` feature, which hyper itself depends on for its internal
//! channels, whatever the runtime.
//!
//! # Examples
//!
//! A server and a client, both hyper's, on one eddy runtime:
//!
//! ```
//! use std::convert::Infallible;
//! use bytes::Bytes;
//! use http_body_util::{BodyExt, Full};
//! use hyper::{server::conn::http1, service::service_fn, Request, Response};
//! use eddy::hyper::EddyTimer;
//! use eddy::net::{TcpListener, TcpStream};
//!
//! eddy::run(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").await?;
//!     let addr = listener.local_addr()?;
//!     eddy::spawn(async move {
//!         let (stream, _) = listener.accept().await.unwrap();
//!         let hello = service_fn(|_req: Request<hyper::body::Incoming>| async {
//!             Ok::<_, Infallible>(Response::new(Full::new(Bytes::from("hello\n"))))
//!         });
//!         http1::Builder::new()
//!             .timer(EddyTimer::new())
//!             .serve_connection(stream, hello)
//!             .await
//!             .unwrap();
//!     });
//!
//!     let stream = TcpStream::connect(addr).await?;
//!     let (mut sender, conn) = hyper::client::conn::http1::handshake(stream).await.unwrap();
//!     eddy::spawn(conn);
//!     let request = Request::get("/").body(Full::new(Bytes::new())).unwrap();
//!     let response = sender.send_request(request).await.unwrap();
//!     let body = response.into_body().collect().await.unwrap().to_bytes();
//!     assert_eq!(&body[..], b"hello\n");
//!     std::io::Result::Ok(())
//! })?;
//! # std::io::Result::Ok(())
//! ```

mod io;

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::runtime::Handle;
use crate::time::Sleep;

pub use self::io::EddyIo;

/// hyper's [`Executor`](hyper::rt::Executor) on eddy: spawns each future as an eddy task.
///
/// [`EddyExecutor::new`] spawns on the runtime current where the future is spawned (the
/// usual case: hyper spawns from inside a connection task); [`EddyExecutor::with_handle`]
/// on a chosen runtime, from any thread.
///
/// # Examples
///
/// ```
/// use eddy::hyper::EddyExecutor;
///
/// // An HTTP/2 server connection spawns a task per stream through the executor.
/// let builder = hyper::server::conn::http2::Builder::new(EddyExecutor::new());
/// # drop(builder);
/// ```
#[derive(Clone, Debug, Default)]
pub struct EddyExecutor {
    handle: Option<Handle>,
}

impl EddyExecutor {
    /// An executor that spawns on the current runtime, like [`eddy::spawn`](crate::spawn).
    ///
    /// # Panics
    ///
    /// `execute` panics, naming the fix, when called outside a runtime.
    pub fn new() -> EddyExecutor {
        EddyExecutor { handle: None }
    }

    /// An executor that spawns on `handle`'s runtime, whichever thread calls it.
    ///
    /// # Examples
    ///
    /// ```
    /// use hyper::rt::Executor;
    /// use eddy::hyper::EddyExecutor;
    ///
    /// let runtime = eddy::Runtime::new()?;
    /// let executor = EddyExecutor::with_handle(runtime.handle().clone());
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// executor.execute(async move { tx.send(7).unwrap() });
    /// assert_eq!(rx.recv().unwrap(), 7);
    /// # std::io::Result::Ok(())
    /// ```
    pub fn with_handle(handle: Handle) -> EddyExecutor {
        EddyExecutor {
            handle: Some(handle),
        }
    }
}

impl<F> hyper::rt::Executor<F> for EddyExecutor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    #[track_caller]
    fn execute(&self, future: F) {
        // The task runs detached, as hyper expects: its JoinHandle is dropped.
        match &self.handle {
            Some(handle) => drop(handle.spawn(future)),
            None => drop(crate::spawn(future)),
        }
    }
}

/// hyper's [`Timer`](hyper::rt::Timer) on eddy: sleeps on the runtime's timing wheel.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use eddy::hyper::EddyTimer;
///
/// // Drop connections that take more than 5 s to send their request head.
/// let mut builder = hyper::server::conn::http1::Builder::new();
/// builder.timer(EddyTimer::new()).header_read_timeout(Duration::from_secs(5));
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct EddyTimer {
    _private: (),
}

impl EddyTimer {
    /// The timer. It holds nothing: each sleep registers with the runtime that first polls
    /// it.
    pub fn new() -> EddyTimer {
        EddyTimer { _private: () }
    }
}

impl hyper::rt::Timer for EddyTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(EddySleep(crate::time::sleep(duration)))
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(EddySleep(crate::time::sleep_until(deadline.into())))
    }

    /// The runtime's clock, so that hyper's deadlines follow a paused clock
    /// (`eddy::time::pause`) as eddy's own timers do.
    fn now(&self) -> Instant {
        crate::time::Instant::now().into_std()
    }

    fn reset(&self, sleep: &mut Pin<Box<dyn hyper::rt::Sleep>>, new_deadline: Instant) {
        // One of ours: move its deadline in place (its wheel entry is reused). Otherwise,
        // as hyper's default does, replace it.
        match sleep.as_mut().downcast_mut_pin::<EddySleep>() {
            Some(mine) => Pin::new(&mut mine.get_mut().0).reset(new_deadline.into()),
            None => *sleep = self.sleep_until(new_deadline),
        }
    }
}

/// An eddy [`Sleep`] as a [`hyper::rt::Sleep`].
struct EddySleep(Sleep);

impl Future for EddySleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.get_mut().0).poll(cx)
    }
}

impl hyper::rt::Sleep for EddySleep {}
