//! [`Wheel`]: insert, cancel, look ahead, and poll expired entries.

use std::collections::BTreeSet;
use std::fmt;

use crate::arena::{Arena, NIL};
use crate::level::{digit, next_set_bit, slot_start, Level, LEVELS};

mod slots;

/// How many entries of higher-level slots [`Wheel::next_deadline`] reads to find the
/// exact minimum before it settles for a slot's start (a safe, earlier answer).
const NEXT_DEADLINE_SCAN: usize = 32;

/// A handle to one inserted timer, for [`Wheel::cancel`] and [`Wheel::deadline`].
///
/// A key names one insertion forever: it carries the arena index and a stamp that no
/// other insertion of the same wheel ever gets. Once its timer has fired or been
/// cancelled the key is **stale**: every method given it returns `None`, even after the
/// arena reused the place for another timer, whose key has a different stamp.
///
/// Keys are only meaningful to the wheel that made them.
///
/// # Examples
///
/// ```
/// use eddy_timer::Wheel;
///
/// let mut wheel = Wheel::new(0);
/// let key = wheel.insert(10, "first");
/// assert_eq!(wheel.cancel(key), Some("first"));
///
/// // The arena reuses the place; the old key does not reach the new timer.
/// let other = wheel.insert(10, "second");
/// assert_ne!(key, other);
/// assert_eq!(wheel.cancel(key), None);
/// assert_eq!(wheel.deadline(other), Some(10));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct TimerKey {
    /// Arena index of the place.
    index: u32,
    /// The place's stamp when this key was made; never 0.
    stamp: u64,
}

/// The next slot the wheel will process, found from the `occupied` bitmaps.
#[derive(Clone, Copy, Debug)]
struct Expiration {
    level: usize,
    slot: usize,
    /// The slot's first tick.
    start: u64,
}

/// A hierarchical timing wheel of `u64` ticks holding values of type `T`.
///
/// See the [crate docs](crate) for how it works. In short: [`insert`](Wheel::insert)
/// and [`cancel`](Wheel::cancel) are O(1); [`poll_expired`](Wheel::poll_expired)
/// advances the wheel's time ([`elapsed`](Wheel::elapsed)) to a `now` you pass and
/// hands out, in deadline order and in batches of at most `max`, every entry whose exact
/// deadline is at or before `now`; [`next_deadline`](Wheel::next_deadline) tells how
/// long you may sleep.
///
/// # Examples
///
/// ```
/// use eddy_timer::Wheel;
///
/// // 1 tick = 1 µs; the wheel's clock starts at 5_000.
/// let mut wheel = Wheel::new(5_000);
/// let keep = wheel.insert(6_000, "in 1 ms");
/// let drop = wheel.insert(15_000, "in 10 ms");
/// wheel.cancel(drop);
///
/// assert_eq!(wheel.next_deadline(), Some(6_000));
/// let mut out = Vec::new();
/// assert_eq!(wheel.poll_expired(5_999, usize::MAX, &mut out), 0); // not early
/// assert_eq!(wheel.poll_expired(6_000, usize::MAX, &mut out), 1);
/// assert_eq!(out, [(keep, "in 1 ms")]);
/// assert!(wheel.is_empty());
/// ```
pub struct Wheel<T> {
    /// The wheel's time: every tick up to and including `elapsed` has been processed,
    /// except entries of the level-0 slot of `elapsed` itself (deadline == `elapsed`),
    /// which are due and fire at the next poll. Only `poll_expired` moves it, and only
    /// forward.
    elapsed: u64,
    /// The levels, 0 (1-tick slots) to `LEVELS - 1` (2^36-tick slots).
    levels: [Level; LEVELS],
    /// Entries whose deadline is before `elapsed`, ordered by `(deadline, index)`: those
    /// inserted with a past deadline, and those a top-level cascade jumped over (see
    /// [`cascade_top`](Wheel::cascade_top)). They are earlier than everything in a
    /// slot, so they fire first. Empty in normal use (the driver inserts future
    /// deadlines and polls more often than every 19 hours); a `BTreeSet` keeps these rare
    /// cases exact and ordered at O(log n).
    overdue: BTreeSet<(u64, u32)>,
    /// Every entry's place.
    arena: Arena<T>,
    /// The stamp the next insertion gets; starts at 1 (0 marks vacant places).
    next_stamp: u64,
}

impl<T> Wheel<T> {
    /// An empty wheel whose time ([`elapsed`](Wheel::elapsed)) starts at `now`.
    ///
    /// Allocates nothing until the first [`insert`](Wheel::insert).
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy_timer::Wheel;
    ///
    /// let wheel: Wheel<()> = Wheel::new(1_000);
    /// assert_eq!(wheel.elapsed(), 1_000);
    /// assert!(wheel.is_empty());
    /// ```
    pub const fn new(now: u64) -> Wheel<T> {
        Wheel {
            elapsed: now,
            levels: [const { Level::new() }; LEVELS],
            overdue: BTreeSet::new(),
            arena: Arena::new(),
            next_stamp: 1,
        }
    }

    /// Adds a timer that expires at tick `deadline` and returns its key. O(1).
    ///
    /// - `deadline <= elapsed()`: the timer is due and comes out of the next
    ///   [`poll_expired`](Wheel::poll_expired) whose `now` reaches it. A deadline before
    ///   `elapsed()` costs O(log k), k being the number of such overdue timers: they are
    ///   kept ordered, apart from the slots.
    /// - Any later deadline, up to and including `u64::MAX`, is accepted; deadlines
    ///   beyond the wheel's 2^42-tick range are clamped and re-filed as time advances,
    ///   never lost (see the [crate docs](crate#clamping-deadlines-beyond-the-range)).
    ///
    /// The exact deadline is kept: the timer never fires before it.
    ///
    /// # Panics
    ///
    /// If the wheel already holds `u32::MAX - 1` timers.
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy_timer::Wheel;
    ///
    /// let mut wheel = Wheel::new(100);
    /// let soon = wheel.insert(150, 'a');
    /// let never = wheel.insert(u64::MAX, 'b');
    /// let late = wheel.insert(50, 'c'); // already due
    /// assert_eq!(wheel.len(), 3);
    /// assert_eq!(wheel.deadline(never), Some(u64::MAX));
    ///
    /// let mut out = Vec::new();
    /// wheel.poll_expired(150, usize::MAX, &mut out);
    /// assert_eq!(out, [(late, 'c'), (soon, 'a')]); // deadline order
    /// ```
    pub fn insert(&mut self, deadline: u64, value: T) -> TimerKey {
        let stamp = self.next_stamp;
        self.next_stamp += 1;
        let index = self.arena.alloc(stamp, deadline, value);
        self.file(index, deadline);
        TimerKey { index, stamp }
    }

    /// Removes the timer `key` names and returns its value, or `None` if the key is
    /// stale (the timer already fired or was cancelled). O(1); the entry's memory is
    /// reused by the next insert.
    ///
    /// A stale key never removes another timer, even one that reuses its arena place.
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy_timer::Wheel;
    ///
    /// let mut wheel = Wheel::new(0);
    /// let key = wheel.insert(1_000_000, "timeout");
    /// assert_eq!(wheel.cancel(key), Some("timeout"));
    /// assert_eq!(wheel.cancel(key), None); // already cancelled
    /// assert!(wheel.is_empty());
    /// ```
    pub fn cancel(&mut self, key: TimerKey) -> Option<T> {
        let index = self.arena.lookup(key.index, key.stamp)?;
        self.unlink(index);
        Some(self.arena.release(index))
    }

    /// The exact deadline `key`'s timer was inserted with, or `None` if the key is stale.
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy_timer::Wheel;
    ///
    /// let mut wheel = Wheel::new(0);
    /// let key = wheel.insert(123_456_789, ());
    /// assert_eq!(wheel.deadline(key), Some(123_456_789));
    /// wheel.cancel(key);
    /// assert_eq!(wheel.deadline(key), None);
    /// ```
    pub fn deadline(&self, key: TimerKey) -> Option<u64> {
        let index = self.arena.lookup(key.index, key.stamp)?;
        Some(self.arena.get(index).deadline)
    }

    /// The value of `key`'s timer, to update in place, or `None` if the key is stale (the
    /// timer fired or was cancelled). O(1).
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy_timer::Wheel;
    ///
    /// let mut wheel = Wheel::new(0);
    /// let key = wheel.insert(10, "old waker");
    /// *wheel.get_mut(key).unwrap() = "new waker";
    /// let mut out = Vec::new();
    /// wheel.poll_expired(10, usize::MAX, &mut out);
    /// assert_eq!(out, [(key, "new waker")]);
    /// assert_eq!(wheel.get_mut(key), None); // fired: stale
    /// ```
    pub fn get_mut(&mut self, key: TimerKey) -> Option<&mut T> {
        let index = self.arena.lookup(key.index, key.stamp)?;
        self.arena.value_mut(index)
    }

    /// When to poll next: never later than the earliest deadline of any live timer, and
    /// in almost every case exactly that deadline. `None` if the wheel is empty.
    ///
    /// The answer is **exact** when the earliest timer is overdue, or sits in level 0
    /// (a level-0 slot is one tick), or when reading at most 32 entries settles it: the
    /// earliest higher-level slot's entries (and, at the top level, where a clamped
    /// deadline lies beyond its slot, the following slots while they could hold an
    /// earlier one). Past 32 entries it answers the **start of the slot** it was
    /// reading, which is earlier than every unread timer: a caller that sleeps until then
    /// wakes early once, its [`poll_expired`](Wheel::poll_expired) cascades the slot to
    /// lower levels, and the next answer is finer. That can happen at most once per level
    /// for a given earliest timer. It is never later than the true minimum, so no timer
    /// fires late because of it.
    ///
    /// Cost: O(levels) bitmap operations plus reading at most 32 entries.
    ///
    /// A returned value at or before [`elapsed`](Wheel::elapsed) means a timer is due
    /// already: poll without sleeping.
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy_timer::Wheel;
    ///
    /// let mut wheel = Wheel::new(0);
    /// assert_eq!(wheel.next_deadline(), None);
    /// wheel.insert(10_000_123, ());
    /// wheel.insert(70_000_000, ());
    /// assert_eq!(wheel.next_deadline(), Some(10_000_123)); // exact, not a slot boundary
    /// ```
    pub fn next_deadline(&self) -> Option<u64> {
        if let Some(&(deadline, _)) = self.overdue.first() {
            return Some(deadline);
        }
        let first = self.next_expiration()?;
        if first.level == 0 {
            // A level-0 slot holds exactly the entries of one tick.
            return Some(first.start);
        }
        // Read the slots of this level in time order until the earliest deadline seen
        // is at or before the next slot's start. Below the top level that is always after
        // the first slot (its deadlines end where the next slot starts); at the top level
        // a clamped deadline lies beyond its slot, so a later slot may hold an earlier one.
        // Every higher level starts after this level's deadlines.
        let (level, lvl) = (first.level, &self.levels[first.level]);
        let current = digit(self.elapsed, level);
        let mut bitmap = lvl.occupied;
        let mut earliest = u64::MAX;
        let mut budget = NEXT_DEADLINE_SCAN;
        while let Some(slot) = next_set_bit(bitmap, current) {
            let start = slot_start(self.elapsed, level, slot);
            if earliest <= start {
                break;
            }
            let mut index = lvl.heads[slot];
            while index != NIL {
                if budget == 0 {
                    // Unread entries here and later are all at or after `start`.
                    return Some(earliest.min(start));
                }
                budget -= 1;
                earliest = earliest.min(self.arena.get(index).deadline);
                index = self.arena.get(index).next;
            }
            bitmap &= !(1 << slot);
        }
        Some(earliest)
    }

    /// Advances the wheel's time towards `now` and pushes onto `out` at most `max`
    /// timers whose exact deadline is at or before `now`, removing them from the wheel.
    /// Returns how many it pushed.
    ///
    /// - Timers come out in deadline order; timers with the same deadline in no
    ///   particular order. None comes out before its deadline.
    /// - **Bounded batches**: when more than `max` timers are due, the call stops after
    ///   `max` and leaves [`elapsed`](Wheel::elapsed) at or before `now`; calling
    ///   again (with the same or a later `now`) continues where it stopped. A return
    ///   value below `max` means every timer due by `now` has been handed out and
    ///   `elapsed() == now`.
    /// - On the way it **cascades** higher-level slots whose start it reaches: their
    ///   timers move to lower levels (no payload is touched; a whole slot at once, not
    ///   bounded by `max`). A timer cascades at most `LEVELS - 1` times (more only if its
    ///   deadline was beyond the wheel's range). Reaching the top level, the wheel's
    ///   time jumps straight to `now`.
    /// - `now < elapsed()` (a clock read that raced with an earlier poll): the wheel's
    ///   time does not move back; only timers whose deadline was already before
    ///   `elapsed()` (overdue inserts) and is at or before `now` can come out. Timers due
    ///   at `elapsed()` or later wait for a `now` that reaches them.
    /// - `max == 0` does nothing and returns 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy_timer::Wheel;
    ///
    /// let mut wheel = Wheel::new(0);
    /// for i in 0..5 {
    ///     wheel.insert(100, i);
    /// }
    /// wheel.insert(200, 5);
    ///
    /// let mut out = Vec::new();
    /// // Five are due at 150, but we take them in batches of two.
    /// assert_eq!(wheel.poll_expired(150, 2, &mut out), 2);
    /// assert_eq!(wheel.elapsed(), 100); // stopped inside tick 100
    /// assert_eq!(wheel.poll_expired(150, 2, &mut out), 2);
    /// assert_eq!(wheel.poll_expired(150, 2, &mut out), 1); // fewer than max: caught up
    /// assert_eq!(wheel.elapsed(), 150);
    /// assert_eq!(out.len(), 5);
    /// assert!(out.iter().all(|&(_, value)| value < 5));
    /// assert_eq!(wheel.len(), 1);
    /// ```
    pub fn poll_expired(&mut self, now: u64, max: usize, out: &mut Vec<(TimerKey, T)>) -> usize {
        if self.is_empty() {
            // An idle driver's poll: nothing to walk.
            if max > 0 {
                self.elapsed = self.elapsed.max(now);
            }
            return 0;
        }
        let mut pushed = 0;
        while pushed < max {
            // Overdue entries are earlier than anything filed in a slot. A top-level
            // cascade below may add some.
            if let Some(&(deadline, index)) = self.overdue.first() {
                if deadline <= now {
                    self.overdue.pop_first();
                    out.push(self.take(index));
                    pushed += 1;
                    continue;
                }
            }
            if now < self.elapsed {
                // Everything in a slot is due at `elapsed` or later: not yet, by this `now`.
                return pushed;
            }
            let Some(expiration) = self.next_expiration() else {
                break;
            };
            if expiration.start > now {
                break;
            }
            if expiration.level == 0 {
                // The slot is the tick `elapsed`: all its entries are due.
                self.elapsed = expiration.start;
                pushed += self.fire(expiration.slot, max - pushed, out);
            } else if expiration.level < LEVELS - 1 {
                // Entries re-filed by a cascade are filed relative to the slot's start.
                self.elapsed = expiration.start;
                self.cascade(expiration.level, expiration.slot);
            } else {
                self.cascade_top(now);
            }
        }
        if pushed < max {
            // Caught up: nothing overdue by `now`, no slot starts at or before it.
            self.elapsed = now;
        }
        pushed
    }

    /// The wheel's time: the `now` of the last [`poll_expired`](Wheel::poll_expired)
    /// that caught up (or, if it stopped at `max`, the tick it stopped at, at or before
    /// its `now`), or the `now` given to [`new`](Wheel::new). It never decreases.
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy_timer::Wheel;
    ///
    /// let mut wheel: Wheel<()> = Wheel::new(7);
    /// wheel.poll_expired(1_000, usize::MAX, &mut Vec::new());
    /// assert_eq!(wheel.elapsed(), 1_000);
    /// wheel.poll_expired(10, usize::MAX, &mut Vec::new()); // time does not go back
    /// assert_eq!(wheel.elapsed(), 1_000);
    /// ```
    pub fn elapsed(&self) -> u64 {
        self.elapsed
    }

    /// The number of live timers (inserted, neither fired nor cancelled).
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy_timer::Wheel;
    ///
    /// let mut wheel = Wheel::new(0);
    /// let a = wheel.insert(5, ());
    /// wheel.insert(9, ());
    /// assert_eq!(wheel.len(), 2);
    /// wheel.cancel(a);
    /// assert_eq!(wheel.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.arena.len()
    }

    /// Whether the wheel holds no live timer.
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy_timer::Wheel;
    ///
    /// let mut wheel = Wheel::new(0);
    /// assert!(wheel.is_empty());
    /// wheel.insert(5, ());
    /// assert!(!wheel.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many timers the wheel can hold before its arena reallocates.
    ///
    /// The arena never shrinks and never grows while a freed place is available, so
    /// its size follows the peak number of live timers, not the number ever inserted.
    ///
    /// # Examples
    ///
    /// ```
    /// use eddy_timer::Wheel;
    ///
    /// let mut wheel = Wheel::new(0);
    /// for round in 0..100 {
    ///     let key = wheel.insert(round, ());
    ///     wheel.cancel(key);
    /// }
    /// // One place, reused a hundred times.
    /// assert!(wheel.capacity() < 100);
    /// ```
    pub fn capacity(&self) -> usize {
        self.arena.capacity()
    }
}

/// Views of the internals for the unit tests in `src/tests/`.
#[cfg(test)]
impl<T> Wheel<T> {
    /// Where `key`'s entry is filed, if live.
    pub(crate) fn home(&self, key: TimerKey) -> Option<crate::arena::Home> {
        let index = self.arena.lookup(key.index, key.stamp)?;
        Some(self.arena.get(index).home)
    }

    /// Nodes in the arena, live and vacant: the peak live count so far.
    pub(crate) fn arena_places(&self) -> usize {
        self.arena.places()
    }

    /// Each level's `occupied` bitmap.
    pub(crate) fn occupied(&self) -> [u64; LEVELS] {
        std::array::from_fn(|level| self.levels[level].occupied)
    }

    /// Number of overdue entries.
    pub(crate) fn overdue_len(&self) -> usize {
        self.overdue.len()
    }
}

impl<T> fmt::Debug for Wheel<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        /// A bitmap printed as 16 hex digits.
        struct Bitmap(u64);
        impl fmt::Debug for Bitmap {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{:#018x}", self.0)
            }
        }
        let occupied: [Bitmap; LEVELS] = std::array::from_fn(|l| Bitmap(self.levels[l].occupied));
        f.debug_struct("Wheel")
            .field("elapsed", &self.elapsed)
            .field("len", &self.len())
            .field("overdue", &self.overdue.len())
            .field("occupied", &occupied)
            .finish_non_exhaustive()
    }
}
