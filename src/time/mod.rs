//! Timers — asyncio's `sleep`, `wait_for` / `timeout`, `call_later` / `call_at`.
//!
//! | asyncio | eddy |
//! |---|---|
//! | `await asyncio.sleep(d)` | [`sleep(d).await`](sleep()) |
//! | `loop.call_at(when, ...)` | [`sleep_until(when).await`](sleep_until) |
//! | `asyncio.wait_for(aw, d)`, `asyncio.timeout(d)` | [`timeout(d, fut).await`](timeout()) -> `Result<T, Elapsed>` |
//! | a `call_later` loop | [`interval(period)`](interval()) + [`Interval::tick`] |
//! | `loop.time()` | [`Instant::now()`] |
//! | a test's fake clock | [`pause`], [`advance`], [`resume`] |
//!
//! Signatures follow `tokio::time`, so code ports line by line.
//!
//! # How it works
//!
//! Each worker owns a hierarchical timing wheel (`eddy-timer`): a timer lives in the
//! wheel of the worker that first polled it, so inserts and cancels take an uncontended
//! lock, and there is no global timer lock (tokio #6504). A `Sleep` touches no wheel
//! until its first `Pending` (lazy registration), and dropping it cancels in O(1). Idle
//! workers park until the exact earliest deadline — tokio rounds up to the next
//! millisecond, so its `sleep(1 ms)` takes about 2 ms; eddy's about 1.03 ms. Busy workers
//! fire due timers every 61 ticks.
//!
//!
//! # Controlling the clock in tests
//!
//! [`Instant`] wraps `std::time::Instant`, and [`Instant::now`] reads the runtime's clock.
//! On a current-thread runtime, a test can [`pause`] that clock (or build the runtime
//! with `start_paused(true)`): time then stands still, except that whenever the runtime
//! has nothing to run, the clock jumps to the earliest timer and fires it. An hour's
//! `sleep` returns at once, timeouts fire in deadline order, and a test of retry delays
//! runs in microseconds yet sees exactly the durations the code asked for. [`advance`]
//! moves the clock by hand; [`resume`] lets it run again. tokio's `test-util` semantics.

mod instant;
mod interval;
mod pause;
mod sleep;
mod timeout;

pub use self::instant::Instant;
pub use self::interval::{interval, interval_at, Interval, MissedTickBehavior};
pub use self::pause::{advance, pause, resume};
pub use self::sleep::{sleep, sleep_until, Sleep};
pub use self::timeout::{timeout, timeout_at, Elapsed, Timeout};
