use std::fmt;
use std::ops::{Add, AddAssign, Sub, SubAssign};
use std::time::Duration;

use crate::runtime::context;
use crate::runtime::driver::some_clock_paused;

/// A point in time on the runtime's clock — tokio's `tokio::time::Instant`.
///
/// The same as [`std::time::Instant`] (a thin, `Copy` wrapper around it), except that
/// [`now`](Instant::now) reads the current runtime's clock, which tests can pause and
/// move ([`pause`](super::pause()), [`advance`](super::advance)). With the clock never
/// paused, or outside a runtime, it is std's clock, at the cost of one relaxed load.
/// Every deadline in `eddy::time` is one of these.
///
/// Arithmetic between instants saturates (`earlier - later` is zero, not a panic), as
/// tokio's does; adding or subtracting a `Duration` panics on overflow, as std's does
/// (use [`checked_add`](Instant::checked_add) to find out).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use eddy::time::Instant;
///
/// eddy::run(async {
///     let start = Instant::now();
///     eddy::time::sleep(Duration::from_millis(2)).await;
///     assert!(start.elapsed() >= Duration::from_millis(2));
///     assert!(Instant::now() - start >= Duration::from_millis(2));
///     // To and from std's Instant, for APIs that take one:
///     let std_start: std::time::Instant = start.into();
///     assert_eq!(Instant::from_std(std_start), start);
/// });
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant {
    std: std::time::Instant,
}

impl Instant {
    /// The current runtime's clock: paused, advanced or running (real time). Outside a
    /// runtime, std's clock.
    ///
    /// # Examples
    ///
    /// ```
    /// let before = std::time::Instant::now();
    /// let now = eddy::time::Instant::now(); // outside a runtime: std's clock
    /// assert!(now.into_std() >= before);
    /// ```
    #[inline]
    pub fn now() -> Instant {
        if !some_clock_paused() {
            return Instant::from_std(std::time::Instant::now());
        }
        let now = context::with_current(|h| h.driver.clock().now());
        Instant::from_std(now.unwrap_or_else(std::time::Instant::now))
    }

    /// Wraps std's `Instant`.
    ///
    /// # Examples
    ///
    /// ```
    /// let std = std::time::Instant::now();
    /// assert_eq!(eddy::time::Instant::from_std(std).into_std(), std);
    /// ```
    pub fn from_std(std: std::time::Instant) -> Instant {
        Instant { std }
    }

    /// The std `Instant` inside. With a paused or advanced clock it is ahead of std's
    /// `Instant::now()`: compare it with eddy's instants, not std's.
    ///
    /// # Examples
    ///
    /// ```
    /// let deadline = eddy::time::Instant::now() + std::time::Duration::from_secs(1);
    /// let for_std: std::time::Instant = deadline.into_std();
    /// assert!(for_std > std::time::Instant::now());
    /// ```
    pub fn into_std(self) -> std::time::Instant {
        self.std
    }

    /// The time from `earlier` to `self`; zero if `earlier` is later.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use eddy::time::Instant;
    ///
    /// let start = Instant::now();
    /// let later = start + Duration::from_secs(2);
    /// assert_eq!(later.duration_since(start), Duration::from_secs(2));
    /// assert_eq!(start.duration_since(later), Duration::ZERO);
    /// ```
    pub fn duration_since(&self, earlier: Instant) -> Duration {
        self.std.saturating_duration_since(earlier.std)
    }

    /// The time from `earlier` to `self`, or `None` if `earlier` is later.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use eddy::time::Instant;
    ///
    /// let start = Instant::now();
    /// let later = start + Duration::from_millis(5);
    /// assert_eq!(later.checked_duration_since(start), Some(Duration::from_millis(5)));
    /// assert_eq!(start.checked_duration_since(later), None);
    /// ```
    pub fn checked_duration_since(&self, earlier: Instant) -> Option<Duration> {
        self.std.checked_duration_since(earlier.std)
    }

    /// The time from `earlier` to `self`; zero if `earlier` is later.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use eddy::time::Instant;
    ///
    /// let start = Instant::now();
    /// let earlier = start - Duration::from_millis(5);
    /// assert_eq!(earlier.saturating_duration_since(start), Duration::ZERO);
    /// ```
    pub fn saturating_duration_since(&self, earlier: Instant) -> Duration {
        self.std.saturating_duration_since(earlier.std)
    }

    /// The time since `self` on the current runtime's clock (zero if `self` is later):
    /// with the clock paused, only what `advance` and auto-advance added.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// eddy::run(async {
    ///     let start = eddy::time::Instant::now();
    ///     eddy::time::sleep(Duration::from_millis(1)).await;
    ///     assert!(start.elapsed() >= Duration::from_millis(1));
    /// });
    /// ```
    pub fn elapsed(&self) -> Duration {
        Instant::now().saturating_duration_since(*self)
    }

    /// `self + duration`, or `None` past the end of the platform's range.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use eddy::time::Instant;
    ///
    /// let now = Instant::now();
    /// assert!(now.checked_add(Duration::from_secs(1)).is_some());
    /// assert_eq!(now.checked_add(Duration::MAX), None);
    /// ```
    pub fn checked_add(&self, duration: Duration) -> Option<Instant> {
        self.std.checked_add(duration).map(Instant::from_std)
    }

    /// `self - duration`, or `None` before the start of the platform's range.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use eddy::time::Instant;
    ///
    /// let now = Instant::now();
    /// assert_eq!(now.checked_sub(Duration::ZERO), Some(now));
    /// assert_eq!(now.checked_sub(Duration::MAX), None);
    /// ```
    pub fn checked_sub(&self, duration: Duration) -> Option<Instant> {
        self.std.checked_sub(duration).map(Instant::from_std)
    }

    /// About thirty years from now: what an unrepresentable deadline (`Duration::MAX`)
    /// becomes.
    pub(crate) fn far_future() -> Instant {
        Instant::now() + Duration::from_secs(86_400 * 365 * 30)
    }
}

impl From<std::time::Instant> for Instant {
    fn from(std: std::time::Instant) -> Instant {
        Instant::from_std(std)
    }
}

impl From<Instant> for std::time::Instant {
    fn from(instant: Instant) -> std::time::Instant {
        instant.into_std()
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;

    /// # Panics
    ///
    /// Past the end of the platform's range, as std's; see [`Instant::checked_add`].
    fn add(self, duration: Duration) -> Instant {
        Instant::from_std(self.std + duration)
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, duration: Duration) {
        *self = *self + duration;
    }
}

impl Sub<Duration> for Instant {
    type Output = Instant;

    /// # Panics
    ///
    /// Before the start of the platform's range, as std's; see [`Instant::checked_sub`].
    fn sub(self, duration: Duration) -> Instant {
        Instant::from_std(self.std - duration)
    }
}

impl SubAssign<Duration> for Instant {
    fn sub_assign(&mut self, duration: Duration) {
        *self = *self - duration;
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;

    /// Saturates: zero if `earlier` is later.
    fn sub(self, earlier: Instant) -> Duration {
        self.saturating_duration_since(earlier)
    }
}

impl fmt::Debug for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.std.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::time::Duration;

    use super::Instant;

    #[test]
    fn arithmetic_matches_std_and_saturates_between_instants() {
        let std = std::time::Instant::now();
        let start = Instant::from_std(std);
        let mut later = start + Duration::from_millis(7);
        assert_eq!(later.into_std(), std + Duration::from_millis(7));
        assert_eq!(later - start, Duration::from_millis(7));
        assert_eq!(start - later, Duration::ZERO);
        later -= Duration::from_millis(2);
        assert_eq!(later - Duration::from_millis(5), start);
        later += Duration::from_millis(1);
        assert_eq!(later.duration_since(start), Duration::from_millis(6));
        assert!(start < later);
        let set: HashSet<Instant> = [start, later, start].into_iter().collect();
        assert_eq!(set.len(), 2);
        assert_eq!(format!("{start:?}"), format!("{std:?}"));
        let back: std::time::Instant = start.into();
        assert_eq!(Instant::from(back), start);
    }

    #[test]
    fn now_outside_a_runtime_is_std_s_clock() {
        let before = std::time::Instant::now();
        let now = Instant::now();
        assert!(before <= now.into_std() && now.into_std() <= std::time::Instant::now());
    }
}
