//! The arena never outgrows the peak number of live timers: cancelled and fired entries
//! leave no tombstones, their places are reused.

use fastrand::Rng;

use crate::level::LEVELS;
use crate::Wheel;

/// Timers per round: a million, as a server with a million connections and a timeout each
/// (250 under miri, which runs these for the arena's bookkeeping, not its size).
const TIMERS: usize = if cfg!(miri) { 250 } else { 1_000_000 };

/// A random deadline from `elapsed` to about 2^43 ticks ahead, spread over every level
/// (and past the range, so clamped entries are included).
fn deadline(rng: &mut Rng, elapsed: u64) -> u64 {
    elapsed + (rng.u64(..) >> rng.u32(21..64))
}

fn assert_empty<T>(wheel: &Wheel<T>) {
    assert!(wheel.is_empty());
    assert_eq!(wheel.occupied(), [0; LEVELS]);
    assert_eq!(wheel.overdue_len(), 0);
    assert_eq!(wheel.next_deadline(), None);
}

#[test]
fn inserting_and_cancelling_a_million_timers_repeatedly_reuses_the_same_arena() {
    let mut rng = Rng::with_seed(3);
    let mut wheel = Wheel::new(0);
    let mut keys = Vec::with_capacity(TIMERS);
    let mut capacity = None;
    for round in 0..4 {
        keys.extend((0..TIMERS).map(|i| wheel.insert(deadline(&mut rng, 0), i)));
        // Cancel in a random order, so the free list gets scrambled.
        rng.shuffle(&mut keys);
        for key in keys.drain(..) {
            assert!(wheel.cancel(key).is_some());
        }
        assert_empty(&wheel);
        assert_eq!(
            wheel.arena_places(),
            TIMERS,
            "round {round}: one node per peak timer"
        );
        let cap = *capacity.get_or_insert(wheel.capacity());
        assert_eq!(
            wheel.capacity(),
            cap,
            "round {round}: the arena reallocated"
        );
    }
}

#[test]
fn a_steady_churn_of_inserts_and_cancels_stays_at_the_peak_live_count() {
    let mut rng = Rng::with_seed(5);
    let mut wheel = Wheel::new(0);
    let mut live = Vec::new();
    let mut peak = 0;
    for step in 0..TIMERS {
        // Keep between 0 and ~1000 timers alive, cancelling a random one half the time.
        if live.is_empty() || (live.len() < 1_000 && rng.bool()) {
            live.push(wheel.insert(deadline(&mut rng, wheel.elapsed()), step));
        } else {
            let victim = live.swap_remove(rng.usize(..live.len()));
            assert!(wheel.cancel(victim).is_some());
        }
        peak = peak.max(live.len());
    }
    assert_eq!(wheel.arena_places(), peak);
    assert!(peak <= 1_000);
}

#[test]
fn fired_timers_free_their_places_too() {
    let mut rng = Rng::with_seed(9);
    let mut wheel = Wheel::new(0);
    let mut out = Vec::new();
    let timers = TIMERS / 10;
    for round in 0..3 {
        let start = wheel.elapsed();
        for i in 0..timers {
            wheel.insert(start + rng.u64(..10_000_000), i);
        }
        out.clear();
        assert_eq!(
            wheel.poll_expired(start + 10_000_000, usize::MAX, &mut out),
            timers
        );
        assert_empty(&wheel);
        assert_eq!(wheel.arena_places(), timers, "round {round}");
    }
}
