//! `level_for` and the slot arithmetic, checked exhaustively on small ticks and at every
//! level boundary against a naive definition.

use fastrand::Rng;

use crate::level::{
    horizon, level_for, level_width, slot_for, slot_start, slot_width, LEVELS, RANGE, SLOTS,
};

/// The definition, written the slow way: the lowest level `l` such that the deadline and
/// `elapsed` agree on every digit above `l`; the top level if none; 0 if not in the future.
fn naive_level(elapsed: u64, deadline: u64) -> usize {
    if deadline <= elapsed {
        return 0;
    }
    (0..LEVELS)
        .find(|&level| {
            let above = 6 * (level as u32 + 1);
            deadline >> above == elapsed >> above
        })
        .unwrap_or(LEVELS - 1)
}

/// Interesting `elapsed` values: zero, level boundaries and their neighbours, the end of
/// the first wheel range, random values, and the top of `u64`.
fn interesting_ticks() -> Vec<u64> {
    let mut ticks = vec![
        0,
        1,
        2,
        u64::MAX,
        u64::MAX - 1,
        u64::MAX - 63,
        u64::MAX - RANGE,
    ];
    for level in 0..=LEVELS as u32 {
        let width = 1u64 << (6 * level);
        for base in [width, 5 * width, 63 * width, 1 << 50, u64::MAX - width] {
            ticks.extend([base.wrapping_sub(1), base, base.wrapping_add(1)]);
        }
    }
    let mut rng = Rng::with_seed(7);
    // Under miri (about 10^4 times slower) a handful: the boundaries are the point.
    let random = if cfg!(miri) { 8 } else { 64 };
    ticks.extend((0..random).map(|_| rng.u64(..)));
    ticks
}

/// Deadlines to try against `elapsed`: itself and its neighbours, then for every level
/// width the next aligned boundary and `elapsed + width`, each ±1.
fn interesting_deadlines(elapsed: u64) -> Vec<u64> {
    let mut deadlines = vec![
        elapsed,
        elapsed.wrapping_sub(1),
        elapsed.saturating_add(1),
        0,
        u64::MAX,
    ];
    for level in 0..=LEVELS as u32 + 1 {
        let width = 1u64 << (6 * level).min(63);
        let boundary = (elapsed | (width - 1)).checked_add(1);
        let ahead = elapsed.checked_add(width);
        for base in [boundary, ahead].into_iter().flatten() {
            deadlines.extend([base - 1, base, base.saturating_add(1)]);
        }
    }
    deadlines
}

#[test]
fn level_for_matches_the_definition_on_every_pair_of_small_ticks() {
    // Every (elapsed, deadline) in 0..4096: all of levels 0 and 1 and the step to 2.
    let bound = if cfg!(miri) { 130 } else { 4096 };
    for elapsed in 0..bound {
        for deadline in 0..bound {
            assert_eq!(
                level_for(elapsed, deadline),
                naive_level(elapsed, deadline),
                "level_for({elapsed}, {deadline})"
            );
        }
    }
}

#[test]
fn level_for_matches_the_definition_at_every_level_boundary() {
    for elapsed in interesting_ticks() {
        for deadline in interesting_deadlines(elapsed) {
            assert_eq!(
                level_for(elapsed, deadline),
                naive_level(elapsed, deadline),
                "level_for({elapsed:#x}, {deadline:#x})"
            );
        }
    }
}

#[test]
fn level_for_steps_up_exactly_at_each_power_of_64() {
    for level in 1..LEVELS {
        let width = slot_width(level);
        assert_eq!(level_for(0, width - 1), level - 1, "just below 64^{level}");
        assert_eq!(level_for(0, width), level, "at 64^{level}");
        assert_eq!(level_for(0, width + 1), level, "just above 64^{level}");
    }
    // The wheel's range ends at 2^42: everything from there on is clamped to the top.
    assert_eq!(level_for(0, RANGE - 1), LEVELS - 1);
    assert_eq!(level_for(0, RANGE), LEVELS - 1);
}

#[test]
fn level_for_treats_due_and_overdue_deadlines_as_level_zero() {
    for elapsed in interesting_ticks() {
        assert_eq!(level_for(elapsed, elapsed), 0, "deadline == elapsed");
        if let Some(before) = elapsed.checked_sub(1) {
            assert_eq!(level_for(elapsed, before), 0, "deadline < elapsed");
        }
        assert_eq!(level_for(elapsed, 0), 0);
    }
}

#[test]
fn level_for_depends_on_alignment_not_only_distance() {
    assert_eq!(level_for(63, 64), 1); // one tick away, but a new level-1 slot
    assert_eq!(level_for(64, 127), 0); // 63 ticks away, same 64-tick block
    assert_eq!(level_for(RANGE - 1, RANGE), LEVELS - 1); // crosses a 2^42 boundary
}

#[test]
fn level_for_handles_the_top_of_u64() {
    assert_eq!(level_for(0, u64::MAX), LEVELS - 1);
    assert_eq!(level_for(u64::MAX - 1, u64::MAX), 0);
    assert_eq!(level_for(u64::MAX - 64, u64::MAX), 1);
    assert_eq!(level_for(u64::MAX, u64::MAX), 0);
    assert_eq!(level_for(u64::MAX, 0), 0);
    assert_eq!(level_for(u64::MAX - RANGE, u64::MAX), LEVELS - 1);
}

/// For every future deadline: the slot it is filed in starts after `elapsed` (or at it,
/// for level 0), no later than the deadline (never late), and — unless clamped — ends
/// after it (the right slot, so cascading brings it down a level).
#[test]
fn a_filed_slot_is_reached_no_later_than_its_deadline() {
    let mut rng = Rng::with_seed(11);
    let check = |elapsed: u64, deadline: u64| {
        if deadline < elapsed {
            return;
        }
        let level = level_for(elapsed, deadline);
        let slot = slot_for(elapsed, deadline, level);
        assert!(slot < SLOTS);
        let start = slot_start(elapsed, level, slot);
        // Formatted only on failure: eagerly, it is most of the test's time under miri.
        let context =
            || format!("elapsed {elapsed:#x} deadline {deadline:#x} level {level} slot {slot}");
        assert!(start <= deadline, "late: start {start:#x}, {}", context());
        if level == 0 {
            assert_eq!(start, deadline, "a level-0 slot is one tick, {}", context());
        } else {
            assert!(start > elapsed, "filed in the current slot, {}", context());
        }
        if deadline <= horizon(elapsed) {
            let end = start.checked_add(slot_width(level));
            assert!(
                end.is_none_or(|end| deadline < end),
                "wrong slot, {}",
                context()
            );
        } else {
            assert_eq!(level, LEVELS - 1, "clamped below the top, {}", context());
            assert!(
                start >= elapsed + RANGE - 2 * slot_width(level),
                "clamped short, {}",
                context()
            );
        }
    };
    for elapsed in interesting_ticks() {
        for deadline in interesting_deadlines(elapsed) {
            check(elapsed, deadline);
        }
        for _ in 0..if cfg!(miri) { 16 } else { 200 } {
            let distance = rng.u64(..) >> rng.u32(..64);
            check(elapsed, elapsed.saturating_add(distance));
        }
    }
}

#[test]
fn the_horizon_is_the_end_of_the_last_top_level_slot_in_ring_order() {
    let top = LEVELS - 1;
    assert_eq!(horizon(0), RANGE - 1);
    // Halfway through top-level slot 5: the ring reaches the end of slot 4 of the next
    // rotation.
    let elapsed = 5 * slot_width(top) + 12_345;
    assert_eq!(horizon(elapsed), level_width(top) + 5 * slot_width(top) - 1);
    assert_eq!(slot_for(elapsed, u64::MAX, top), 4);
    // In the last range of u64 the horizon saturates.
    assert_eq!(horizon(u64::MAX - 3), u64::MAX);
}
