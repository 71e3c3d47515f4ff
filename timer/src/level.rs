//! The wheel's geometry: how many levels, how wide a slot is, and which slot of which
//! level a deadline is filed in. Pure functions of `(elapsed, deadline)`; no entries here
//! beyond the per-level list heads and their `occupied` bitmap.

use crate::arena::NIL;

/// Number of levels in a [`Wheel`](crate::Wheel).
///
/// Level `l` has [`SLOTS`] slots of `64^l` ticks each, so the wheel spans `64^7 = 2^42`
/// ticks (about 51 days at eddy's 1 µs tick). Deadlines further away are clamped and
/// re-filed (see the [crate docs](crate#clamping-deadlines-beyond-the-range)).
///
/// # Examples
///
/// ```
/// use eddy_timer::{level_for, LEVELS};
///
/// // Anything at or beyond the wheel's range lands in the top level.
/// assert_eq!(level_for(0, u64::MAX), LEVELS - 1);
/// ```
pub const LEVELS: usize = 7;

/// Number of slots per level (one bit each in the level's `occupied: u64` bitmap).
///
/// # Examples
///
/// ```
/// use eddy_timer::{level_for, SLOTS};
///
/// // At elapsed 0, ticks 0..64 are level 0's slots; tick 64 is level 1's slot 1.
/// assert_eq!(level_for(0, SLOTS as u64 - 1), 0);
/// assert_eq!(level_for(0, SLOTS as u64), 1);
/// ```
pub const SLOTS: usize = 64;

/// log2(SLOTS): each level consumes one 6-bit digit of the tick number.
const SLOT_BITS: u32 = 6;

/// Ticks spanned by the whole wheel: `64^LEVELS = 2^42`.
pub(crate) const RANGE: u64 = 1 << (SLOT_BITS * LEVELS as u32);

/// Ticks spanned by one slot of `level`: `64^level`.
#[inline]
pub(crate) const fn slot_width(level: usize) -> u64 {
    1 << (SLOT_BITS * level as u32)
}

/// Ticks spanned by all 64 slots of `level` (one slot of the level above): `64^(level+1)`.
#[inline]
pub(crate) const fn level_width(level: usize) -> u64 {
    1 << (SLOT_BITS * (level as u32 + 1))
}

/// The 6-bit digit of `tick` that names its slot at `level`.
#[inline]
pub(crate) const fn digit(tick: u64, level: usize) -> usize {
    ((tick >> (SLOT_BITS * level as u32)) & (SLOTS as u64 - 1)) as usize
}

/// The level an entry with `deadline` is filed in while the wheel's time is `elapsed`.
///
/// Write both ticks as 6-bit digits (level 0 is the lowest digit). The level is the
/// position of the **highest digit in which `deadline` differs from `elapsed`**: the entry
/// then agrees with `elapsed` on every digit above its level, so it lies inside the
/// current rotation of that level and is reached before the level wraps.
///
/// - `deadline <= elapsed`: 0 (the entry is due now).
/// - They differ only in the lowest digit (the same 64-tick block): 0.
/// - They differ above bit 42 (beyond the wheel's range): `LEVELS - 1`, the top level,
///   where the wheel clamps the entry (see the
///   [crate docs](crate#clamping-deadlines-beyond-the-range)).
///
/// Note that the level depends on alignment, not only on the distance: `level_for(63, 64)`
/// is 1 although the deadline is one tick away, because tick 64 starts a new level-1 slot.
///
/// # Examples
///
/// ```
/// use eddy_timer::level_for;
///
/// assert_eq!(level_for(1000, 1000), 0); // due now
/// assert_eq!(level_for(1000, 999), 0); // overdue
/// assert_eq!(level_for(1000, 1023), 0); // 1000 = 15·64 + 40: same 64-tick block
/// assert_eq!(level_for(1000, 1024), 1); // the next level-1 slot
/// assert_eq!(level_for(0, 64 * 64), 2);
/// assert_eq!(level_for(0, 1 << 41), 6);
/// assert_eq!(level_for(0, u64::MAX), 6); // beyond the range: clamped to the top
/// ```
#[inline]
pub fn level_for(elapsed: u64, deadline: u64) -> usize {
    if deadline <= elapsed {
        return 0;
    }
    // `| 63` keeps a difference confined to the lowest digit at level 0 and keeps the
    // value non-zero, so `leading_zeros` is at most 58.
    let masked = (elapsed ^ deadline) | (SLOTS as u64 - 1);
    let highest_differing_bit = (u64::BITS - 1 - masked.leading_zeros()) as usize;
    (highest_differing_bit / SLOT_BITS as usize).min(LEVELS - 1)
}

/// The last tick of the wheel's range at `elapsed`: the end of the top-level slot 63
/// slots after the current one. A top-level entry at or past it is clamped to it.
#[inline]
pub(crate) fn horizon(elapsed: u64) -> u64 {
    let top = LEVELS - 1;
    (elapsed & !(slot_width(top) - 1)).saturating_add(RANGE - 1)
}

/// The slot (at `level = level_for(elapsed, deadline)`) an entry is filed in.
///
/// Below the top level this is the deadline's digit at that level. At the top level the
/// deadline is first clamped to [`horizon`]: a deadline in the next top-level rotation
/// gets its own slot (reached at the right time: the ring wraps), one beyond the horizon
/// gets the last slot, which is reached before the deadline and re-files it.
#[inline]
pub(crate) fn slot_for(elapsed: u64, deadline: u64, level: usize) -> usize {
    if level == LEVELS - 1 {
        digit(deadline.min(horizon(elapsed)), level)
    } else {
        digit(deadline, level)
    }
}

/// The first tick of `slot` at `level`, the tick at which the wheel processes it.
///
/// Slots at or after the current digit are in the current rotation of the level. Only the
/// top level holds slots before the current digit (deadlines in its next rotation, see
/// [`slot_for`]); those start one level width later.
#[inline]
pub(crate) fn slot_start(elapsed: u64, level: usize, slot: usize) -> u64 {
    let rotation = elapsed & !(level_width(level) - 1);
    let start = rotation + ((slot as u64) << (SLOT_BITS * level as u32));
    if slot < digit(elapsed, level) {
        debug_assert_eq!(level, LEVELS - 1, "only the top level wraps");
        // Cannot overflow: an entry in the next top-level rotation exists only if that
        // rotation starts at or before u64::MAX (its deadline is a u64).
        start + level_width(level)
    } else {
        start
    }
}

/// One level of the wheel: 64 slot lists and the bitmap of the non-empty ones.
pub(crate) struct Level {
    /// Bit `s` is set if and only if slot `s` holds at least one entry, i.e.
    /// `heads[s] != NIL`. The next slot to process at or after the current digit `c` is
    /// `(c + occupied.rotate_right(c).trailing_zeros()) % 64`: one rotation and one count
    /// instead of a scan of 64 heads. Kept in step by every link and unlink in `wheel.rs`.
    pub(crate) occupied: u64,
    /// The arena index of the first entry of each slot's doubly linked list, or `NIL`.
    pub(crate) heads: [u32; SLOTS],
}

impl Level {
    /// An empty level.
    #[inline]
    pub(crate) const fn new() -> Level {
        Level {
            occupied: 0,
            heads: [NIL; SLOTS],
        }
    }

    /// The first occupied slot at or after `current`, wrapping around, if any.
    #[inline]
    pub(crate) fn next_occupied(&self, current: usize) -> Option<usize> {
        next_set_bit(self.occupied, current)
    }
}

/// The first set bit of `bitmap` at or after `from`, wrapping around, if any: rotate the
/// bitmap so bit `from` is bit 0, then count trailing zeros.
#[inline]
pub(crate) fn next_set_bit(bitmap: u64, from: usize) -> Option<usize> {
    if bitmap == 0 {
        return None;
    }
    let distance = bitmap.rotate_right(from as u32).trailing_zeros() as usize;
    Some((from + distance) % SLOTS)
}
