use std::sync::Arc;
use std::time::Duration;

use crate::runtime::context;
use crate::runtime::driver::Driver;

/// The current runtime's driver, or a panic naming the fix.
#[track_caller]
fn current_driver(what: &str) -> Arc<Driver> {
    context::with_current(|h| h.driver.clone()).unwrap_or_else(|| {
        panic!(
            "eddy::time::{what} was called outside a runtime: the clock it controls is a \
             runtime's. Call it inside the runtime, e.g. in `#[eddy::test]` or \
             `eddy::Builder::new_current_thread().start_paused(true).build()?.block_on(..)`"
        )
    })
}

/// Pauses the runtime's clock — tokio's `tokio::time::pause`, for tests.
///
/// From now on [`Instant::now`](super::Instant::now) stands still, and so do the timers,
/// until [`advance`] moves the clock, [`resume`] lets it run, or the runtime
/// **auto-advances** it: whenever the runtime has nothing to run, the clock jumps to the
/// earliest timer and fires it. So `sleep(Duration::from_secs(3600)).await` returns at
/// once, and timers still fire in deadline order, each with the clock exactly at its
/// deadline. Auto-advance waits while a blocking job
/// ([`spawn_blocking`](crate::task::spawn_blocking), `run_in_executor`) is in flight, and
/// never jumps while I/O has woken a task. std's `Instant` and `thread::sleep` are
/// unaffected.
///
/// Start a runtime paused with the builder's `start_paused(true)` (or
/// `#[eddy::test(start_paused = true)]`) rather than calling this first thing.
///
/// # Panics
///
/// Outside a runtime; on a multi-threaded runtime (pausing needs a current-thread
/// runtime: `eddy::Builder::new_current_thread()` or `#[eddy::test]`); if the clock is
/// already paused.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use eddy::time::{pause, sleep, Instant};
///
/// let rt = eddy::Builder::new_current_thread().build()?;
/// rt.block_on(async {
///     pause();
///     let start = Instant::now();
///     sleep(Duration::from_secs(3600)).await; // returns at once
///     assert_eq!(start.elapsed(), Duration::from_secs(3600));
/// });
/// # std::io::Result::Ok(())
/// ```
///
/// A multi-threaded runtime refuses:
///
/// ```should_panic
/// eddy::run(async {
///     eddy::time::pause(); // panics: "pausing time needs a current-thread runtime: ..."
/// });
/// ```
#[track_caller]
pub fn pause() {
    let driver = current_driver("pause()");
    if let Err(err) = driver.pause_clock() {
        panic!("eddy::time::pause(): {err}");
    }
}

/// Lets a paused clock run again, at real speed from where it stands — tokio's
/// `tokio::time::resume`.
///
/// # Panics
///
/// Outside a runtime, or if the clock is not paused.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use eddy::time::{advance, resume, Instant};
///
/// let rt = eddy::Builder::new_current_thread().start_paused(true).build()?;
/// rt.block_on(async {
///     let start = Instant::now();
///     advance(Duration::from_secs(60)).await;
///     resume();
///     assert!(start.elapsed() >= Duration::from_secs(60)); // and counting
/// });
/// # std::io::Result::Ok(())
/// ```
///
/// Resuming a running clock is a mistake, and panics:
///
/// ```should_panic
/// eddy::run(async {
///     eddy::time::resume(); // panics: "the clock is not paused: ..."
/// });
/// ```
#[track_caller]
pub fn resume() {
    let driver = current_driver("resume()");
    if let Err(err) = driver.clock().resume() {
        panic!("eddy::time::resume(): {err}");
    }
    // A worker asleep without a timeout on the paused clock: park again on real time.
    driver.unpark_all();
}

/// Moves a paused clock forward by `duration`, fires the timers that are then due, and
/// yields once, so that their tasks have been woken when it returns — tokio's
/// `tokio::time::advance`.
///
/// Timers due by the new time fire at once, all together, with the clock at the new
/// time rather than at their deadlines: to see them fire one by one at their deadlines,
/// `sleep` instead and let the clock auto-advance ([`pause`]).
///
/// # Panics
///
/// Outside a runtime; if the clock is not paused; if the new time is past the end of
/// [`Instant`](super::Instant)'s range.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use eddy::time::{advance, timeout, Instant};
///
/// let rt = eddy::Builder::new_current_thread().start_paused(true).build()?;
/// rt.block_on(async {
///     let start = Instant::now();
///     let slow = eddy::spawn(timeout(Duration::from_secs(30), std::future::pending::<()>()));
///     advance(Duration::from_secs(31)).await;
///     assert!(slow.await.unwrap().is_err(), "timed out");
///     assert_eq!(start.elapsed(), Duration::from_secs(31));
/// });
/// # std::io::Result::Ok(())
/// ```
///
/// The clock must be paused first:
///
/// ```should_panic
/// eddy::run(async {
///     eddy::time::advance(std::time::Duration::from_secs(1)).await; // panics
/// });
/// ```
pub async fn advance(duration: Duration) {
    let driver = current_driver("advance()");
    if let Err(err) = driver.clock().advance(duration) {
        panic!("eddy::time::advance(): {err}");
    }
    // Fire what is now due here, rather than count on the scheduler to run its maintenance
    // before this task runs again (a `block_on` future is polled again first). The tasks
    // woken are queued ahead of this one, which the yield puts at the back.
    driver.time.fire_due();
    crate::task::yield_now().await;
}
