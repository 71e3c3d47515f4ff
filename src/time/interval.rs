use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use super::sleep::{far_future_or, sleep_until, Sleep};
use super::Instant;

/// Ticks every `period`, the first tick at once — asyncio's periodic `call_later` loop.
///
/// # Panics
///
/// If `period` is zero.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// eddy::run(async {
///     let mut every = eddy::time::interval(Duration::from_millis(2));
///     let first = every.tick().await; // at once
///     let second = every.tick().await;
///     assert!(second - first >= Duration::from_millis(2));
/// });
/// ```
#[track_caller]
pub fn interval(period: Duration) -> Interval {
    interval_at(Instant::now(), period)
}

/// Ticks every `period`, the first tick at `start`.
///
/// # Panics
///
/// If `period` is zero.
#[track_caller]
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    assert!(
        !period.is_zero(),
        "eddy::time::interval: the period must be non-zero"
    );
    Interval {
        delay: sleep_until(start),
        period,
        missed: MissedTickBehavior::default(),
    }
}

/// What an [`Interval`] does when ticks were missed (the task was busy past a deadline).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use eddy::time::{interval, MissedTickBehavior};
///
/// eddy::run(async {
///     let mut heartbeat = interval(Duration::from_secs(1));
///     // A slow loop should not send a burst of catch-up heartbeats:
///     heartbeat.set_missed_tick_behavior(MissedTickBehavior::Delay);
///     heartbeat.tick().await;
/// });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissedTickBehavior {
    /// Fire the missed ticks back to back until caught up, then keep the original
    /// schedule (the default, as tokio).
    #[default]
    Burst,
    /// Start the schedule again from now: the next tick is one period after the late one.
    Delay,
    /// Drop the missed ticks and keep the original schedule's phase.
    Skip,
}

impl MissedTickBehavior {
    /// The next deadline after a tick due at `due` was taken at `now`.
    fn next(self, due: Instant, now: Instant, period: Duration) -> Instant {
        match self {
            MissedTickBehavior::Burst => far_future_or(due.checked_add(period)),
            MissedTickBehavior::Delay => far_future_or(now.checked_add(period)),
            MissedTickBehavior::Skip => {
                let behind = now.saturating_duration_since(due).as_nanos();
                let into_period = behind % period.as_nanos();
                // Fits: less than `period`, itself a Duration.
                let back = Duration::from_nanos(into_period as u64);
                far_future_or(now.checked_add(period).map(|t| t - back))
            }
        }
    }
}

/// A stream of evenly spaced instants; see [`interval`].
#[derive(Debug)]
pub struct Interval {
    delay: Sleep,
    period: Duration,
    missed: MissedTickBehavior,
}

impl Interval {
    /// Waits for the next tick and returns the instant it was due.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use eddy::time::{interval_at, Instant, MissedTickBehavior};
    ///
    /// eddy::run(async {
    ///     let start = Instant::now();
    ///     let mut every = interval_at(start, Duration::from_millis(3));
    ///     every.set_missed_tick_behavior(MissedTickBehavior::Skip);
    ///     assert_eq!(every.tick().await, start);
    ///     assert_eq!(every.tick().await, start + Duration::from_millis(3));
    /// });
    /// ```
    pub async fn tick(&mut self) -> Instant {
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick (for manual `Future` and `Stream` implementations).
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        ready!(Pin::new(&mut self.delay).poll(cx));
        let due = self.delay.deadline();
        let now = Instant::now();
        // A tick taken within a millisecond (or a period, if shorter) of its deadline is on
        // time; later, the missed-tick behaviour decides.
        let tolerance = self.period.min(Duration::from_millis(1));
        let next = if now > far_future_or(due.checked_add(tolerance)) {
            self.missed.next(due, now, self.period)
        } else {
            far_future_or(due.checked_add(self.period))
        };
        Pin::new(&mut self.delay).reset(next);
        Poll::Ready(due)
    }

    /// Restarts the schedule: the next tick is one period from now.
    pub fn reset(&mut self) {
        let next = far_future_or(Instant::now().checked_add(self.period));
        Pin::new(&mut self.delay).reset(next);
    }

    /// The behaviour for missed ticks.
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.missed
    }

    /// Sets the behaviour for missed ticks.
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.missed = behavior;
    }

    /// The period.
    pub fn period(&self) -> Duration {
        self.period
    }
}

/// The ticks as a [`Stream`](futures_core::Stream): each item is the instant the tick was
/// due, exactly as [`Interval::tick`] returns it (the same missed-tick behaviour); the
/// stream never ends. tokio keeps this behind tokio-stream's `IntervalStream` wrapper;
/// eddy's `Interval` is the stream itself.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use futures_lite::StreamExt;
///
/// eddy::run(async {
///     let mut ticks = eddy::time::interval(Duration::from_millis(1)).take(3);
///     let mut last = None;
///     while let Some(due) = ticks.next().await {
///         assert!(last.map_or(true, |l| due > l));
///         last = Some(due);
///     }
/// });
/// ```
impl futures_core::Stream for Interval {
    type Item = Instant;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Instant>> {
        self.get_mut().poll_tick(cx).map(Some)
    }
}
