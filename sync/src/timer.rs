//! The one timer eddy-sync needs ([`mpsc::Sender::send_timeout`]), borrowed from the
//! runtime that hosts it.
//!
//! eddy-sync runs under any executor and owns no clock, so it cannot make a timer of its
//! own: eddy's timers live in the facade's driver (and obey its paused clock), which
//! depends on this crate, not the other way round. So the facade lends one: when an eddy
//! runtime is built it installs a sleep constructor here ([`install_sleep`], a
//! `OnceLock` of a plain `fn`), and `send_timeout` calls it for its deadline. That keeps
//! eddy-sync free of any timer dependency and of any runtime lookup of its own, and
//! gives `send_timeout` exactly `eddy::time::sleep`'s behaviour: the paused clock
//! (`eddy::time::pause`) auto-advances through it, and a sleep polled outside an eddy
//! runtime panics with `eddy::time::sleep`'s message, which names the fix. If no eddy
//! runtime was ever built in the process there is no timer at all, and `send_timeout`
//! panics saying so.
//!
//! [`mpsc::Sender::send_timeout`]: crate::mpsc::Sender::send_timeout

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll};
use std::time::Duration;

/// A sleep constructor: a future that completes `Duration` from now.
pub type SleepFn = fn(Duration) -> Pin<Box<dyn Future<Output = ()> + Send>>;

static SLEEP: OnceLock<SleepFn> = OnceLock::new();

/// Installs the sleep that eddy-sync's timeouts use. The facade calls it when it builds
/// a runtime (`eddy::time::sleep`); the first call wins and later ones are ignored.
///
/// # Examples
///
/// ```
/// // What eddy's runtime builder does (already done by any eddy runtime):
/// eddy_sync::timer::install_sleep(|d| Box::pin(eddy::time::sleep(d)));
/// ```
pub fn install_sleep(sleep: SleepFn) {
    let _ = SLEEP.set(sleep);
}

/// `future`, or `Err(Elapsed)` after `duration`: the inner future is polled first, and
/// the timer is made only when it is pending (so a ready operation needs no runtime).
pub(crate) struct Timeout<F> {
    future: F,
    duration: Duration,
    sleep: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
    /// The public method, for the panic when no timer is installed.
    what: &'static str,
}

/// The deadline passed first.
#[derive(Debug)]
pub(crate) struct Elapsed;

impl<F> Timeout<F> {
    pub(crate) fn new(future: F, duration: Duration, what: &'static str) -> Timeout<F> {
        Timeout {
            future,
            duration,
            sleep: None,
            what,
        }
    }
}

impl<F: Future + Unpin> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Poll::Ready(out) = Pin::new(&mut this.future).poll(cx) {
            return Poll::Ready(Ok(out));
        }
        let (duration, what) = (this.duration, this.what);
        let sleep = this.sleep.get_or_insert_with(|| {
            let Some(sleep) = SLEEP.get() else {
                panic!(
                    "{what} needs eddy's timers, and no eddy runtime has been built in this \
                     process: call it inside `eddy::run` / `Runtime::block_on` or a task of an \
                     eddy runtime (eddy_sync::timer::install_sleep lends another timer)"
                )
            };
            sleep(duration)
        });
        match sleep.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(Elapsed)),
            Poll::Pending => Poll::Pending,
        }
    }
}
