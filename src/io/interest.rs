//! [`Interest`]: which readiness a task waits for (tokio's `Interest`).

use std::fmt;
use std::ops;

use eddy_reactor::Direction;

/// The readiness a task waits for with `ready()` or tries an operation under with
/// `try_io()`: [`READABLE`](Interest::READABLE), [`WRITABLE`](Interest::WRITABLE), or
/// both (`READABLE | WRITABLE`).
///
/// tokio's type of the same name, without `PRIORITY` and `ERROR`: eddy's reactor wakes
/// both directions on an error, so a task learns of it from its next operation.
///
/// # Examples
///
/// ```
/// use eddy::io::Interest;
///
/// let both = Interest::READABLE | Interest::WRITABLE;
/// assert!(both.is_readable() && both.is_writable());
/// assert_eq!(both.remove(Interest::WRITABLE), Some(Interest::READABLE));
/// assert_eq!(Interest::READABLE.remove(Interest::READABLE), None);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Interest(u8);

const READABLE: u8 = 0b01;
const WRITABLE: u8 = 0b10;

impl Interest {
    /// Interest in readability: data, end-of-stream, an error, or a connection to accept.
    pub const READABLE: Interest = Interest(READABLE);

    /// Interest in writability: room in the send buffer, or a finished connect.
    pub const WRITABLE: Interest = Interest(WRITABLE);

    /// Whether the interest includes readability.
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy::io::Interest;
    ///
    /// assert!(Interest::READABLE.is_readable());
    /// assert!(!Interest::WRITABLE.is_readable());
    /// ```
    pub const fn is_readable(self) -> bool {
        self.0 & READABLE != 0
    }

    /// Whether the interest includes writability.
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy::io::Interest;
    ///
    /// assert!(Interest::WRITABLE.is_writable());
    /// assert!(!Interest::READABLE.is_writable());
    /// ```
    pub const fn is_writable(self) -> bool {
        self.0 & WRITABLE != 0
    }

    /// Both interests: `self | other`, usable in `const`s.
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy::io::Interest;
    ///
    /// const BOTH: Interest = Interest::READABLE.add(Interest::WRITABLE);
    /// assert!(BOTH.is_readable() && BOTH.is_writable());
    /// ```
    #[must_use = "`add` returns the union and leaves `self` as it was"]
    pub const fn add(self, other: Interest) -> Interest {
        Interest(self.0 | other.0)
    }

    /// `self` without `other`; `None` if nothing is left (an interest is never empty).
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy::io::Interest;
    ///
    /// let both = Interest::READABLE | Interest::WRITABLE;
    /// assert_eq!(both.remove(Interest::READABLE), Some(Interest::WRITABLE));
    /// assert_eq!(Interest::WRITABLE.remove(Interest::WRITABLE), None);
    /// ```
    #[must_use = "`remove` returns the difference and leaves `self` as it was"]
    pub fn remove(self, other: Interest) -> Option<Interest> {
        let left = self.0 & !other.0;
        (left != 0).then_some(Interest(left))
    }

    /// The reactor directions this interest covers.
    pub(crate) fn directions(self) -> impl Iterator<Item = Direction> {
        [
            (self.is_readable(), Direction::Read),
            (self.is_writable(), Direction::Write),
        ]
        .into_iter()
        .filter_map(|(wanted, dir)| wanted.then_some(dir))
    }
}

impl ops::BitOr for Interest {
    type Output = Interest;

    fn bitor(self, other: Interest) -> Interest {
        self.add(other)
    }
}

impl ops::BitOrAssign for Interest {
    fn bitor_assign(&mut self, other: Interest) {
        *self = self.add(other);
    }
}

impl fmt::Debug for Interest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.is_readable(), self.is_writable()) {
            (true, true) => f.write_str("READABLE | WRITABLE"),
            (true, false) => f.write_str("READABLE"),
            _ => f.write_str("WRITABLE"),
        }
    }
}
