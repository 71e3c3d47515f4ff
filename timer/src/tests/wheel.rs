//! The wheel's paths, checked from the inside: where entries are filed, how they cascade,
//! when `next_deadline` is exact, and how clamped entries travel.

use crate::arena::Home;
use crate::level::{slot_width, LEVELS, RANGE};
use crate::{TimerKey, Wheel};

fn slot(level: u8, slot: u8) -> Option<Home> {
    Some(Home::Slot { level, slot })
}

fn poll_all<T>(wheel: &mut Wheel<T>, now: u64) -> Vec<(TimerKey, T)> {
    let mut out = Vec::new();
    wheel.poll_expired(now, usize::MAX, &mut out);
    out
}

#[test]
fn a_timer_cascades_down_one_level_per_slot_reached_as_the_crate_docs_draw_it() {
    let mut wheel = Wheel::new(0);
    let key = wheel.insert(10_000_123, ());
    assert_eq!(wheel.home(key), slot(3, 38));
    for (now, home) in [
        (9_961_471, slot(3, 38)), // one tick before the slot: nothing moves
        (9_961_472, slot(2, 9)),
        (9_998_336, slot(1, 27)),
        (10_000_064, slot(0, 59)),
    ] {
        assert!(poll_all(&mut wheel, now).is_empty());
        assert_eq!(wheel.home(key), home, "at {now}");
        assert_eq!(wheel.elapsed(), now);
    }
    assert!(poll_all(&mut wheel, 10_000_122).is_empty());
    assert_eq!(poll_all(&mut wheel, 10_000_123), [(key, ())]);
}

#[test]
fn a_late_poll_cascades_all_the_way_and_fires_in_one_call() {
    let mut wheel = Wheel::new(0);
    let key = wheel.insert(10_000_123, 'x');
    assert_eq!(poll_all(&mut wheel, 20_000_000), [(key, 'x')]);
    assert_eq!(wheel.occupied(), [0; LEVELS]);
}

#[test]
fn next_deadline_reads_small_higher_level_slots_exactly() {
    let mut wheel = Wheel::new(0);
    // 32 timers in level-3 slot 38, the earliest cancelled afterwards.
    let keys: Vec<_> = (0..32)
        .map(|i| wheel.insert(10_000_000 + 1_000 * i, i))
        .collect();
    assert!(keys.iter().all(|&key| wheel.home(key) == slot(3, 38)));
    assert_eq!(wheel.next_deadline(), Some(10_000_000));
    wheel.cancel(keys[0]);
    assert_eq!(wheel.next_deadline(), Some(10_001_000));
}

#[test]
fn next_deadline_falls_back_to_the_slot_start_for_big_slots_and_sharpens_after_each_poll() {
    let mut wheel = Wheel::new(0);
    for i in 0..100 {
        wheel.insert(10_000_000 + i, i);
    }
    let slot_start = 38 * slot_width(3);
    assert_eq!(wheel.next_deadline(), Some(slot_start)); // early, never late
                                                         // Each early wake cascades the slot one level down: at most one per level.
    let mut wakes = 0;
    let mut out = Vec::new();
    while out.is_empty() {
        let next = wheel.next_deadline().unwrap();
        assert!(next <= 10_000_000, "late: {next}");
        wheel.poll_expired(next, usize::MAX, &mut out);
        wakes += 1;
    }
    assert!(wakes <= LEVELS, "{wakes} wakes");
    assert_eq!(wheel.elapsed(), 10_000_000);
    assert_eq!(out.len(), 1);
}

#[test]
fn a_deadline_at_elapsed_is_due_at_once_and_one_before_is_overdue() {
    let mut wheel = Wheel::new(500);
    let now = wheel.insert(500, "now");
    let past = wheel.insert(499, "past");
    assert_eq!(wheel.home(now), slot(0, (500 % 64) as u8));
    assert_eq!(wheel.home(past), Some(Home::Overdue));
    assert_eq!(wheel.next_deadline(), Some(499));
    // A clock read behind `elapsed` gets only the overdue entries it has reached.
    assert!(poll_all(&mut wheel, 400).is_empty());
    assert_eq!(poll_all(&mut wheel, 499), [(past, "past")]);
    assert_eq!(wheel.elapsed(), 500);
    assert_eq!(poll_all(&mut wheel, 500), [(now, "now")]);
}

#[test]
fn an_insert_into_the_tick_being_fired_joins_the_batch() {
    let mut wheel = Wheel::new(0);
    for i in 0..3 {
        wheel.insert(100, i);
    }
    let mut out = Vec::new();
    assert_eq!(wheel.poll_expired(100, 2, &mut out), 2);
    assert_eq!(wheel.elapsed(), 100);
    let late = wheel.insert(100, 3);
    assert_eq!(wheel.poll_expired(100, 5, &mut out), 2);
    assert_eq!(out.len(), 4);
    assert!(out.contains(&(late, 3)));
}

#[test]
fn a_deadline_beyond_the_range_is_clamped_to_the_last_slot_and_refiled_nearer() {
    let top = LEVELS - 1;
    let mut wheel = Wheel::new(0);
    let key = wheel.insert(u64::MAX, ());
    assert_eq!(wheel.home(key), slot(top as u8, 63));
    // Reaching that slot re-files it one ring further: the slot before the new current.
    let last_slot = 63 * slot_width(top);
    assert!(poll_all(&mut wheel, last_slot).is_empty());
    assert_eq!(wheel.home(key), slot(top as u8, 62));
    assert_eq!(wheel.next_deadline(), Some(u64::MAX));
    // A long jump does not walk the ring slot by slot.
    assert_eq!(poll_all(&mut wheel, u64::MAX), [(key, ())]);
    assert_eq!(wheel.elapsed(), u64::MAX);
}

#[test]
fn a_deadline_in_the_next_top_level_rotation_gets_its_own_slot() {
    let top = LEVELS - 1;
    // Halfway through the last top-level slot of the first range: 2^42 + 5 is six
    // ticks past a 2^42 boundary, so level_for says "beyond", but it is within the ring.
    let elapsed = RANGE - slot_width(top) / 2;
    let mut wheel = Wheel::new(elapsed);
    let key = wheel.insert(RANGE + 5, ());
    assert_eq!(wheel.home(key), slot(top as u8, 0));
    assert_eq!(wheel.next_deadline(), Some(RANGE + 5));
    assert!(poll_all(&mut wheel, RANGE + 4).is_empty());
    assert_eq!(wheel.home(key), slot(0, 5));
    assert_eq!(poll_all(&mut wheel, RANGE + 5), [(key, ())]);
}

#[test]
fn timers_near_the_top_of_u64_fire_without_overflow() {
    let mut wheel = Wheel::new(u64::MAX - 100);
    let keys: Vec<_> = (0..=100).map(|i| wheel.insert(u64::MAX - i, i)).collect();
    let mut out = Vec::new();
    assert_eq!(wheel.poll_expired(u64::MAX, usize::MAX, &mut out), 101);
    let deadlines: Vec<u64> = out.iter().map(|&(_, i)| u64::MAX - i).collect();
    assert!(deadlines.windows(2).all(|w| w[0] <= w[1]), "deadline order");
    assert!(keys.iter().all(|&key| wheel.deadline(key).is_none()));
}

#[test]
fn a_stale_key_never_cancels_the_timer_that_reused_its_place() {
    let mut wheel = Wheel::new(0);
    let first = wheel.insert(10, 1);
    assert_eq!(poll_all(&mut wheel, 10), [(first, 1)]);
    let second = wheel.insert(20, 2);
    assert_eq!(wheel.arena_places(), 1, "the place was reused");
    assert_eq!(wheel.cancel(first), None);
    assert_eq!(wheel.deadline(first), None);
    assert_eq!(wheel.len(), 1);
    assert_eq!(wheel.cancel(second), Some(2));
}

#[test]
fn cancel_clears_the_occupied_bit_of_an_emptied_slot() {
    let mut wheel = Wheel::new(0);
    let a = wheel.insert(5, ());
    let b = wheel.insert(5, ());
    let c = wheel.insert(5_000, ());
    assert_eq!(wheel.occupied()[0], 1 << 5);
    wheel.cancel(a);
    assert_eq!(wheel.occupied()[0], 1 << 5);
    wheel.cancel(b);
    assert_eq!(wheel.occupied()[0], 0);
    wheel.cancel(c);
    assert_eq!(wheel.occupied(), [0; LEVELS]);
    assert_eq!(wheel.next_deadline(), None);
}

#[test]
fn max_zero_does_nothing() {
    let mut wheel = Wheel::new(0);
    wheel.insert(0, ());
    let mut out = Vec::new();
    assert_eq!(wheel.poll_expired(1_000, 0, &mut out), 0);
    assert_eq!(wheel.elapsed(), 0);
    assert_eq!(wheel.len(), 1);
}

#[test]
fn debug_shows_time_size_and_bitmaps_without_needing_debug_values() {
    struct Opaque;
    let mut wheel = Wheel::new(3);
    wheel.insert(5, Opaque);
    let text = format!("{wheel:?}");
    assert!(text.contains("elapsed: 3"), "{text}");
    assert!(text.contains("len: 1"), "{text}");
    assert!(text.contains("0x0000000000000020"), "{text}");
}

/// Found by the model test: a clamped `u64::MAX` sat in an earlier top-level slot than a
/// nearer clamped deadline filed later, and `next_deadline` stopped at the first slot.
#[test]
fn next_deadline_looks_past_a_clamped_slot_for_an_earlier_deadline() {
    let mut wheel = Wheel::new(RANGE);
    wheel.insert(u64::MAX, ());
    assert!(poll_all(&mut wheel, 7_936_176_731_497).is_empty());
    wheel.insert(65_224_060_395_786_906, ());
    assert_eq!(wheel.next_deadline(), Some(65_224_060_395_786_906));
}

/// Found by the model test: clamped entries in two top-level slots leapfrogged each other
/// one rotation per step, so a poll far ahead took millions of steps.
#[test]
fn a_poll_far_ahead_reaches_clamped_timers_in_one_step_and_in_order() {
    let top = LEVELS - 1;
    let mut wheel = Wheel::new(0);
    let mut deadlines = Vec::new();
    for i in 1..=64u64 {
        // Insert from different points of the ring, so the clamped entries spread over
        // several top-level slots.
        let elapsed = wheel.elapsed();
        assert!(poll_all(&mut wheel, elapsed + i * slot_width(top) / 3).is_empty());
        let deadline = u64::MAX / 65 * i;
        wheel.insert(deadline, deadline);
        deadlines.push(deadline);
    }
    assert!(wheel.occupied()[top].count_ones() > 1);
    let fired: Vec<u64> = poll_all(&mut wheel, u64::MAX)
        .into_iter()
        .map(|(_, d)| d)
        .collect();
    assert_eq!(fired, deadlines);
}
