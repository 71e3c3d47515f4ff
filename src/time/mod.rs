//! Timers — asyncio's `sleep`, `wait_for` / `timeout`, `call_later` / `call_at`.
//!
//! | asyncio | eddy |
//! |---|---|
//! | `await asyncio.sleep(d)` | [`sleep(d).await`](sleep()) |
//! | `loop.call_at(when, ...)` | [`sleep_until(when).await`](sleep_until) |
//! | `asyncio.wait_for(aw, d)`, `asyncio.timeout(d)` | [`timeout(d, fut).await`](timeout()) -> `Result<T, Elapsed>` |
//! | a `call_later` loop | [`interval(period)`](interval()) + [`Interval::tick`] |
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
//! [`Instant`] is `std::time::Instant`.

mod interval;
mod sleep;
mod timeout;

pub use self::interval::{interval, interval_at, Interval, MissedTickBehavior};
pub use self::sleep::{sleep, sleep_until, Sleep};
pub use self::timeout::{timeout, timeout_at, Elapsed, Timeout};
pub use std::time::Instant;
