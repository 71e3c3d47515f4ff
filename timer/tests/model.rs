//! The wheel against a model: a `BTreeMap<(deadline, seq), value>`, the obviously
//! correct timer queue. Random sequences of inserts (past, present, near, far, at every
//! level boundary, beyond the range, `u64::MAX`), cancels of live and stale keys, polls
//! with bounded batches (including clock reads behind the wheel's time), polls at exactly
//! `next_deadline`, and deadline look-ups.
//!
//! After every operation: `len` agrees, `next_deadline` is never later than the model's
//! earliest deadline and equal to it whenever the wheel promises exactness, and every
//! poll hands out exactly the model's earliest due entries (same deadlines as a multiset;
//! which of several equal deadlines fills the last place of a batch may differ), in
//! deadline order, nothing early. At the end a poll at `u64::MAX` drains both: nothing
//! lost.
//!
//! `PROPTEST_CASES` overrides the number of cases; `cargo test -p eddy-timer --test model
//! -- --ignored` runs the long variant.

use std::cell::Cell;
use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use eddy_timer::{level_for, TimerKey, Wheel};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

/// One operation, as raw numbers decoded against the state when it runs (so that a
/// deadline "one tick past the next level boundary" means that at the time of insertion).
#[derive(Clone, Copy, Debug)]
struct RawOp {
    /// Which operation (see `apply`).
    kind: u8,
    /// Distance, pick or offset.
    a: u64,
    /// Sub-kind and batch size.
    b: u8,
}

fn raw_op() -> impl Strategy<Value = RawOp> {
    (0u8..100, any::<u64>(), any::<u8>()).prop_map(|(kind, a, b)| RawOp { kind, a, b })
}

/// The next tick at or after `tick` that is a multiple of `64^level`, if any.
fn next_boundary(tick: u64, level: u32) -> Option<u64> {
    let width = 1u64.checked_shl(6 * level).unwrap_or(0);
    if width == 0 {
        return None;
    }
    (tick | (width - 1)).checked_add(1)
}

/// One tick before, at or after the next boundary of `level` (0..=7; 7 is the range end).
fn near_boundary(elapsed: u64, a: u64, levels: u64) -> u64 {
    let boundary = next_boundary(elapsed, (a % levels) as u32).unwrap_or(u64::MAX);
    match (a >> 8) % 3 {
        0 => boundary.saturating_sub(1),
        1 => boundary,
        _ => boundary.saturating_add(1),
    }
}

/// A deadline for an insert, relative to `elapsed`, of the kind `b` selects; `a` supplies
/// the randomness. About one in six is far: beyond the range or up to `u64::MAX`.
fn pick_deadline(elapsed: u64, a: u64, b: u8) -> u64 {
    match b % 16 {
        0..=2 => elapsed.saturating_add(a % 64),
        3..=5 => elapsed.saturating_add(a % 4096),
        6 | 7 => elapsed.saturating_add(a % (1 << 20)),
        8 => elapsed.saturating_add(a % (1 << 30)),
        9 | 10 => near_boundary(elapsed, a, 8),
        11 => elapsed.saturating_sub(a % 1_000),
        12 => elapsed,
        // Log-uniform: any distance from 1 tick to 2^64.
        13 => elapsed.saturating_add(a >> (a % 64)),
        // Beyond the range: between 2^42 and 2^45 ticks ahead.
        14 => elapsed.saturating_add((1 << 42) + a % (7 << 42)),
        _ => u64::MAX - a % 3,
    }
}

/// A `now` for a poll: mostly a short step, sometimes a level boundary, a clock read
/// behind the wheel, a jump across the range, or (rarely) a jump of any size.
fn pick_now(elapsed: u64, a: u64, b: u8) -> u64 {
    match b % 16 {
        0..=4 => elapsed.saturating_add(a % 64),
        5..=7 => elapsed.saturating_add(a % 4096),
        8 | 9 => elapsed.saturating_add(a % (1 << 20)),
        10 => elapsed.saturating_add(a % (1 << 30)),
        11 => near_boundary(elapsed, a, 7),
        12 => elapsed.saturating_sub(a % 1_000),
        13 => elapsed,
        14 => elapsed.saturating_add(a % (1 << 44)),
        _ if a % 64 == 0 => u64::MAX - a % 3,
        _ => elapsed.saturating_add(a >> (a % 64)),
    }
}

fn pick_max(b: u8) -> usize {
    match (b >> 4) % 8 {
        0 | 1 => usize::MAX,
        2 => 1,
        3 => 2,
        4 => 3,
        5 => 7,
        6 => 64,
        _ => 0,
    }
}

/// The model plus the wheel under test, and what happened so far.
struct Harness {
    wheel: Wheel<u64>,
    /// Live timers by `(deadline, seq)`, seq being the insertion number (and the value).
    model: BTreeMap<(u64, u64), TimerKey>,
    /// Live keys, for picking one at random, and each key's `(deadline, seq, position)`.
    live: Vec<TimerKey>,
    by_key: HashMap<TimerKey, (u64, u64, usize)>,
    /// Keys of timers that fired or were cancelled.
    stale: Vec<TimerKey>,
    seq: u64,
    out: Vec<(TimerKey, u64)>,
    /// Counters for the report.
    ops: u64,
    fired: u64,
    inexact: u64,
}

type Check = Result<(), TestCaseError>;

impl Harness {
    fn new(start: u64) -> Harness {
        Harness {
            wheel: Wheel::new(start),
            model: BTreeMap::new(),
            live: Vec::new(),
            by_key: HashMap::new(),
            stale: Vec::new(),
            seq: 0,
            out: Vec::new(),
            ops: 0,
            fired: 0,
            inexact: 0,
        }
    }

    fn forget(&mut self, key: TimerKey) -> (u64, u64) {
        let (deadline, seq, position) = self.by_key.remove(&key).expect("live key");
        self.live.swap_remove(position);
        if let Some(&moved) = self.live.get(position) {
            self.by_key.get_mut(&moved).unwrap().2 = position;
        }
        self.model.remove(&(deadline, seq));
        self.stale.push(key);
        (deadline, seq)
    }

    /// Runs one operation (a burst counts as one per insert) and checks the invariants.
    fn apply(&mut self, op: RawOp) -> Check {
        self.ops += 1;
        let elapsed = self.wheel.elapsed();
        match op.kind {
            0..=39 => self.insert(pick_deadline(elapsed, op.a, op.b))?,
            40..=54 if !self.live.is_empty() => {
                let key = self.live[(op.a % self.live.len() as u64) as usize];
                let (_, seq) = self.forget(key);
                prop_assert_eq!(self.wheel.cancel(key), Some(seq));
            }
            55..=61 if !self.stale.is_empty() => {
                let key = self.stale[(op.a % self.stale.len() as u64) as usize];
                prop_assert_eq!(
                    self.wheel.cancel(key),
                    None,
                    "a stale key cancelled something"
                );
                prop_assert_eq!(self.wheel.deadline(key), None);
            }
            62..=81 => {
                self.poll(pick_now(elapsed, op.a, op.b), pick_max(op.b))?;
            }
            82..=89 => {
                // The driver's loop: sleep until next_deadline, then poll there.
                if let Some(next) = self.wheel.next_deadline() {
                    let max = pick_max(op.b).max(1);
                    let fired = self.poll(next, max)?;
                    let after = self.wheel.next_deadline();
                    prop_assert!(
                        fired > 0 || after.is_none_or(|after| after > next),
                        "waking at next_deadline {} made no progress (now {:?})",
                        next,
                        after
                    );
                }
            }
            90 => {
                // A burst of 33 to 96 timers within a few ticks of each other: uniform
                // timeouts piling into one slot, past what next_deadline reads exactly.
                let base = pick_deadline(elapsed, op.a, op.b);
                let count = 33 + op.a % 64;
                for i in 0..count {
                    self.insert(base.saturating_add(i % 5 * (op.a >> 60)))?;
                }
                self.ops += count - 1;
            }
            _ => {
                if let Some(&key) = self.live.get((op.a % 64) as usize) {
                    prop_assert_eq!(self.wheel.deadline(key), Some(self.by_key[&key].0));
                }
            }
        }
        self.check_invariants()
    }

    fn insert(&mut self, deadline: u64) -> Check {
        self.seq += 1;
        let key = self.wheel.insert(deadline, self.seq);
        prop_assert!(!self.by_key.contains_key(&key), "key reused while live");
        self.by_key
            .insert(key, (deadline, self.seq, self.live.len()));
        self.live.push(key);
        self.model.insert((deadline, self.seq), key);
        Ok(())
    }

    /// Polls both and compares; returns how many fired.
    fn poll(&mut self, now: u64, max: usize) -> Result<usize, TestCaseError> {
        let before = self.wheel.elapsed();
        let due: Vec<u64> = self
            .model
            .range(..=(now, u64::MAX))
            .map(|(&(d, _), _)| d)
            .take(max)
            .collect();
        self.out.clear();
        let pushed = self.wheel.poll_expired(now, max, &mut self.out);
        prop_assert_eq!(pushed, self.out.len());
        prop_assert_eq!(pushed, due.len(), "batch size at now {}", now);
        let mut deadlines = Vec::with_capacity(pushed);
        for (key, value) in std::mem::take(&mut self.out) {
            let Some(&(deadline, seq, _)) = self.by_key.get(&key) else {
                return Err(TestCaseError::fail(format!(
                    "{key:?} fired but is not live"
                )));
            };
            prop_assert_eq!(value, seq, "wrong value for {:?}", key);
            prop_assert!(
                deadline <= now,
                "early: deadline {} fired at {}",
                deadline,
                now
            );
            deadlines.push(deadline);
            self.forget(key);
        }
        prop_assert!(
            deadlines.windows(2).all(|w| w[0] <= w[1]),
            "out of deadline order: {:?}",
            deadlines
        );
        prop_assert_eq!(
            &deadlines[..],
            &due[..pushed],
            "not the earliest due entries"
        );
        let after = self.wheel.elapsed();
        prop_assert!(after >= before, "elapsed went back");
        prop_assert!(after <= before.max(now), "elapsed ran ahead of now");
        if pushed < max {
            prop_assert_eq!(after, before.max(now), "a short batch must catch up");
        }
        self.fired += pushed as u64;
        Ok(pushed)
    }

    fn check_invariants(&mut self) -> Check {
        prop_assert_eq!(self.wheel.len(), self.model.len());
        prop_assert_eq!(self.wheel.is_empty(), self.model.is_empty());
        let elapsed = self.wheel.elapsed();
        let earliest = self.model.keys().next().map(|&(deadline, _)| deadline);
        let next = self.wheel.next_deadline();
        match (next, earliest) {
            (None, None) => {}
            (Some(next), Some(earliest)) => {
                prop_assert!(
                    next <= earliest,
                    "next_deadline {} is late: {}",
                    next,
                    earliest
                );
                // Exact for overdue and level-0 entries; otherwise a slot start after
                // `elapsed`, and only when a slot holds more than 32 entries.
                if earliest <= elapsed || level_for(elapsed, earliest) == 0 {
                    prop_assert_eq!(next, earliest, "level 0 must be exact");
                } else if next < earliest {
                    prop_assert!(next > elapsed, "an early answer is a future slot start");
                    prop_assert!(self.model.len() > 32, "a small slot must be read exactly");
                    self.inexact += 1;
                }
            }
            (next, earliest) => {
                return Err(TestCaseError::fail(format!(
                    "next_deadline {next:?}, model {earliest:?}"
                )));
            }
        }
        Ok(())
    }

    /// Drains everything: nothing may be lost.
    fn finish(&mut self) -> Check {
        self.ops += 1;
        let left = self.model.len();
        self.poll(u64::MAX, usize::MAX)?;
        prop_assert!(
            self.model.is_empty(),
            "{} of {} lost",
            self.model.len(),
            left
        );
        prop_assert!(self.wheel.is_empty());
        prop_assert_eq!(self.wheel.next_deadline(), None);
        Ok(())
    }
}

fn start_tick() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(0u64),
        any::<u64>(),
        (0u64..1 << 20).prop_map(|x| u64::MAX - x),
        (0u64..1 << 20).prop_map(|x| (1u64 << 42) - x),
        (0u64..1 << 38).prop_map(|x| (5u64 << 42) - x),
    ]
}

/// Runs `cases` random sequences of up to `ops` operations and prints what it did.
fn run_model(cases: u32, ops: usize) {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(cases);
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let started = Instant::now();
    let (total_ops, total_fired, total_inexact) =
        (Cell::new(0u64), Cell::new(0u64), Cell::new(0u64));
    let strategy = (start_tick(), vec(raw_op(), 1..=ops));
    TestRunner::new(config)
        .run(&strategy, |(start, ops)| {
            let mut harness = Harness::new(start);
            for &op in &ops {
                harness.apply(op)?;
            }
            harness.finish()?;
            total_ops.set(total_ops.get() + harness.ops);
            total_fired.set(total_fired.get() + harness.fired);
            total_inexact.set(total_inexact.get() + harness.inexact);
            Ok(())
        })
        .unwrap();
    eprintln!(
        "model: {cases} cases, {} operations ({} timers fired, {} early next_deadline \
         answers) in {:.1?}",
        total_ops.get(),
        total_fired.get(),
        total_inexact.get(),
        started.elapsed()
    );
}

#[test]
fn the_wheel_behaves_like_a_sorted_map_of_deadlines() {
    run_model(640, 10_000);
}

#[test]
#[ignore = "long: about 10x the default run"]
fn the_wheel_behaves_like_a_sorted_map_of_deadlines_long() {
    run_model(4_000, 20_000);
}
