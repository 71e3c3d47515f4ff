//! eddy-timer: a hierarchical timing wheel (Varghese & Lauck), pure and exact.
//!
//! A [`Wheel`] holds timers — a `u64` deadline and a value — and hands back the ones
//! whose deadline has passed. It is **pure**: no threads, no I/O, no clock. Time is a
//! `u64` count of ticks whose unit the caller picks (eddy's driver uses 1 tick = 1 µs)
//! and passes in to [`Wheel::poll_expired`]; the wheel's own time, [`Wheel::elapsed`],
//! moves only there, and only forward. The driver reads the clock, asks
//! [`Wheel::next_deadline`] how long it may sleep, and wakes the tasks of the timers that
//! come out.
//!
//! # Levels and slots
//!
//! Write a tick as 6-bit digits. Level `l` of the wheel is an array of 64 **slots**, one
//! per value of digit `l`; a slot of level `l` spans `64^l` ticks, so a whole level spans
//! exactly one slot of the level above. Seven levels ([`LEVELS`]) span `64^7 = 2^42`
//! ticks: about 51 days at 1 µs.
//!
//! ```text
//!   tick bits   63 ........ 42 | 41-36 | 35-30 | 29-24 | 23-18 | 17-12 | 11-6 |  5-0
//!   level                      |   6   |   5   |   4   |   3   |   2   |   1  |   0
//!   one slot spans (at 1 µs)   |  19 h |  18 m |  17 s | 262 ms|  4 ms | 64 µs|  1 µs
//!
//!   elapsed = 1000 = 0b001111_101000 (digit 1 = 15, digit 0 = 40)
//!
//!   level 1  [ 0 ][ 1 ] ... [15 ][16 ][17 ] ... [63 ]     deadline 1100: digit 1 = 17,
//!                            |    ^--------------------   differs from elapsed first
//!                            |                            at digit 1 -> level 1, slot 17
//!                  this slot = all of level 0:
//!   level 0  [ 0 ] ... [40 ][41 ][42 ] ... [63 ]          deadline 1002: digits above 0
//!                       ^elapsed   ^-------------------   agree -> level 0, slot 42
//! ```
//!
//! An entry is filed at the level of the **highest digit in which its deadline differs
//! from `elapsed`** ([`level_for`]), in the slot named by the deadline's digit there. It
//! agrees with `elapsed` on every digit above, so it lies inside the current rotation of
//! its level, ahead of the current slot. A level-0 slot is one tick: its entries all have
//! exactly that deadline.
//!
//! Each entry lives in a doubly linked list per slot, threaded by `u32` indices through
//! one arena (a `Vec` plus a bitmap of its free places, the lowest reused first), so
//! insert and cancel are O(1) and a cancelled entry's memory is reused by the next insert:
//! the arena is as big as the peak number of live timers. A [`TimerKey`] is the arena index plus a stamp unique to the insertion,
//! so a key whose timer fired or was cancelled is recognised as stale even when its place
//! was reused.
//!
//! # The occupied bitmap: finding the next slot
//!
//! Each level keeps `occupied: u64`, bit `s` set while slot `s` is non-empty. The next
//! non-empty slot at or after the current digit `c` is one rotation and one count:
//! `c + occupied.rotate_right(c).trailing_zeros()`. Every occupied slot of a lower level
//! comes before every occupied slot of a higher one, so the earliest slot of the whole
//! wheel is found in O(levels).
//!
//! # Cascading
//!
//! [`Wheel::poll_expired`]`(now, ..)` walks the wheel's time towards `now`, slot by
//! slot, in time order. Reaching the start of an occupied slot of level 0, it fires that
//! slot's entries. Reaching the start of an occupied slot of a higher level, it
//! **cascades** it: each entry is re-filed against the new `elapsed` (the slot's start).
//! The entry now agrees with `elapsed` on its old level's digit too, so it lands in a
//! strictly lower level. A timer therefore cascades at most `LEVELS - 1` times, then
//! fires from a one-tick slot: exactly at its deadline, never early, never rounded.
//!
//! ```text
//!   deadline 10_000_123 inserted at elapsed 0 (1 tick = 1 µs):
//!     level 3, slot 38  --elapsed reaches  9_961_472-->  re-filed at level 2, slot  9
//!     level 2, slot  9  --elapsed reaches  9_998_336-->  re-filed at level 1, slot 27
//!     level 1, slot 27  --elapsed reaches 10_000_064-->  re-filed at level 0, slot 59
//!     level 0, slot 59  --elapsed reaches 10_000_123-->  fired
//! ```
//!
//! # Clamping deadlines beyond the range
//!
//! The top level is a ring: a slot before the current digit stands for the next
//! rotation, so it covers ticks up to the **horizon**, the end of the slot 63 slots
//! after the current one (at least `2^42 - 2^36` ticks ahead). A deadline past the horizon
//! — `u64::MAX` included — is filed in that last slot, which covers the range end and is
//! reached before the deadline; there it is re-filed against the new `elapsed`, nearer
//! its deadline each time. Nothing is lost, nothing panics, and such an entry costs one
//! extra cascade every ~49 days of wheel time.
//!
//! When a poll reaches the top level (every lower level is then empty) it moves the
//! wheel's time straight to `now` and re-files every top-level slot that starts by then
//! in one go, instead of walking the ring slot by slot: a poll far ahead costs one pass
//! over the top level, not one step per 2^42 ticks. Entries that jump overtook are due
//! and fire first, in deadline order.
//!
//! Entries inserted with a deadline before `elapsed` (already overdue) go into a small
//! ordered set instead of a slot and fire first.
//!
//! # Bounded batches
//!
//! Uniform timeouts pile into one slot. `poll_expired(now, max, out)` stops after `max`
//! entries and the next call continues where it stopped, so the caller can interleave
//! firing a huge slot with other work instead of stalling on it. Entries come out in
//! deadline order. Cascades are not bounded by `max`: reaching a higher-level slot
//! relinks all its entries at once (index writes only, no payload is touched).
//!
//! # Precision of `next_deadline`
//!
//! [`Wheel::next_deadline`] is never later than the earliest live deadline, and exact
//! when the earliest slot is at level 0 (one tick), or when reading at most 32 entries of
//! the earliest slots settles it. Otherwise it answers the start of a slot, earlier than
//! every entry in it: the caller wakes early once, the poll cascades the slot, and the
//! next answer is finer. Clamped entries are the reason for "slots": a top-level slot's
//! clamped deadline can lie beyond the start of later slots, so the scan goes on while a
//! later slot could hold an earlier deadline.
//!
//! # Costs
//!
//! | operation | cost |
//! |---|---|
//! | `insert` | O(1); O(log k) for a deadline already past, with k such entries |
//! | `cancel`, `deadline`, `get_mut` | O(1) |
//! | `next_deadline` | O(levels) + at most 32 entries read |
//! | `poll_expired` | O(levels) per slot reached + O(1) per entry fired or cascaded (O(log k) for an overdue one) |
//!
//! # Examples
//!
//! A driver's loop in miniature: 1 tick = 1 µs, a 5 ms timeout that is cancelled and a
//! 1 ms sleep that fires.
//!
//! ```
//! use eddy_timer::Wheel;
//!
//! let mut wheel = Wheel::new(0);
//! let sleep = wheel.insert(1_000, "sleep(1 ms)");
//! let timeout = wheel.insert(5_000, "timeout(5 ms)");
//!
//! // The operation guarded by the timeout completed: cancel it.
//! assert_eq!(wheel.cancel(timeout), Some("timeout(5 ms)"));
//!
//! // Park until the next deadline, then fire what is due, 128 at a time at most.
//! let mut now = 0;
//! let mut fired = Vec::new();
//! while let Some(deadline) = wheel.next_deadline() {
//!     now = now.max(deadline); // "sleep" until then
//!     while wheel.poll_expired(now, 128, &mut fired) == 128 {}
//! }
//! assert_eq!(fired, [(sleep, "sleep(1 ms)")]);
//! assert_eq!(now, 1_000); // exactly on time
//! ```

#![forbid(unsafe_code)]

mod arena;
mod free;
mod level;
mod wheel;

#[cfg(test)]
mod tests;

pub use level::{level_for, LEVELS, SLOTS};
pub use wheel::{TimerKey, Wheel};
