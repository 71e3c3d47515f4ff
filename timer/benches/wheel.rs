//! Timer queues under a million timers: eddy's [`Wheel`] against the two schemes the
//! runtimes eddy learns from use.
//!
//! - `wheel`: eddy's hierarchical timing wheel, O(1) insert and cancel, fired in batches
//!   of 1024 as the driver does.
//! - `heap`: asyncio's scheme. A binary heap of `(deadline, seq, handle)`; cancel only
//!   marks the handle; the event loop's `_run_once` rebuilds the heap without the
//!   cancelled entries when more than half of more than 100 are cancelled, else pops
//!   cancelled entries off the top; a cancelled entry that reaches the top is skipped.
//! - `btree`: async-io's (smol's) scheme. A `BTreeMap<(deadline, seq), value>`; cancel
//!   removes the key; the due timers are split off the front.
//!
//! Every workload inserts 1,000,000 timers (and, in the `_10k` groups, 10,000) with
//! deadlines uniform over 10 s of 1 µs ticks (a seeded `fastrand::Rng`, the same for all
//! three), then:
//!
//! - `insert_cancel`: cancels all of them in a random order (then advances time over the
//!   span, so that the heap drops its cancelled entries as asyncio's loop would);
//! - `insert_expire`: advances time in 1 ms steps to 10 s and fires all of them;
//! - `cancel_90_expire_10`: cancels a random 90%, then fires the rest by advancing time.
//!
//! Each timer costs exactly two operations (insert + cancel, or insert + fire), so the
//! throughput criterion prints, in elements per second, is operations per second:
//! ns per operation = 10^9 / throughput.
//!
//! Each queue lives across iterations, as a server's does: an iteration starts where the
//! last one left the clock and leaves the queue empty, so the steady state is measured
//! (an untimed first run grows the vectors; the places freed by a random cancel order are
//! reused in that order, as in a long-running process). Only the queue's operations are
//! timed (see [`Run`]). The payload is a `NonZeroU64`, pointer-sized with a niche like
//! the driver's `Arc`.
//!
//! Run with `cargo bench -p eddy-timer --bench wheel`; `python3 timer/benches/table.py`
//! then prints the ns-per-operation table.

// `criterion_group!` generates an undocumented `pub fn`.
#![allow(missing_docs)]

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::hint::black_box;
use std::num::NonZeroU64;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use eddy_timer::{TimerKey, Wheel};

/// Timers per iteration: a million (past the last-level cache), and ten thousand (a
/// worker's wheel in a busy server, all in cache).
const SIZES: [(usize, &str); 2] = [(1_000_000, "1M"), (10_000, "10k")];
/// Deadlines are uniform over `0..SPAN` ticks: 10 s at 1 µs per tick.
const SPAN: u64 = 10_000_000;
/// Time advances by this many ticks per poll: 1 ms.
const STEP: u64 = 1_000;
/// The driver's batch size.
const BATCH: usize = 1024;

/// What a timer carries: pointer-sized with a niche, like the `Arc` the runtime's driver
/// stores (so `Option<Payload>` is 8 bytes too).
type Payload = NonZeroU64;

/// The deadlines, and a random order (a permutation of their indices) to cancel them in.
struct Workload {
    deadlines: Vec<u64>,
    order: Vec<usize>,
}

impl Workload {
    fn new(timers: usize) -> Workload {
        // A fixed seed: the same deadlines and order for every queue and every run.
        let mut rng = fastrand::Rng::with_seed(0x5eed_0fed_d1ce);
        let deadlines = (0..timers).map(|_| rng.u64(..SPAN)).collect();
        let mut order: Vec<usize> = (0..timers).collect();
        rng.shuffle(&mut order);
        Workload { deadlines, order }
    }

    fn timers(&self) -> usize {
        self.deadlines.len()
    }
}

/// What the three queues offer: the operations a runtime's timer driver needs.
trait Timers {
    type Key: Copy;
    fn new() -> Self;
    fn insert(&mut self, deadline: u64, value: Payload) -> Self::Key;
    fn cancel(&mut self, key: Self::Key) -> bool;
    /// Fires everything due at `now`; returns the sum of the values fired (so nothing is
    /// optimised away) and how many fired.
    fn poll(&mut self, now: u64) -> (u64, usize);
    fn is_empty(&self) -> bool;
}

/// eddy's wheel.
struct EddyWheel {
    wheel: Wheel<Payload>,
    out: Vec<(TimerKey, Payload)>,
}

impl Timers for EddyWheel {
    type Key = TimerKey;

    fn new() -> Self {
        EddyWheel {
            wheel: Wheel::new(0),
            out: Vec::with_capacity(BATCH),
        }
    }

    fn insert(&mut self, deadline: u64, value: Payload) -> TimerKey {
        self.wheel.insert(deadline, value)
    }

    fn cancel(&mut self, key: TimerKey) -> bool {
        self.wheel.cancel(key).is_some()
    }

    fn poll(&mut self, now: u64) -> (u64, usize) {
        let (mut sum, mut fired) = (0, 0);
        loop {
            let n = self.wheel.poll_expired(now, BATCH, &mut self.out);
            fired += n;
            sum += self
                .out
                .drain(..)
                .map(|(_, value)| value.get())
                .sum::<u64>();
            if n < BATCH {
                return (sum, fired);
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.wheel.is_empty()
    }
}

/// asyncio's heap with lazy deletion (`base_events.py`: `call_at`, `_run_once`,
/// `_timer_handle_cancelled`).
struct LazyHeap {
    heap: BinaryHeap<Reverse<(u64, u64, u32)>>,
    /// The timer handles, by index: `(value, cancelled)`. A handle's place is reused only
    /// once its heap entry is gone.
    handles: Vec<(Payload, bool)>,
    free: Vec<u32>,
    cancelled: usize,
    seq: u64,
}

impl LazyHeap {
    /// `_MIN_SCHEDULED_TIMER_HANDLES`.
    const MIN_SCHEDULED: usize = 100;
}

impl Timers for LazyHeap {
    type Key = u32;

    fn new() -> Self {
        LazyHeap {
            heap: BinaryHeap::new(),
            handles: Vec::new(),
            free: Vec::new(),
            cancelled: 0,
            seq: 0,
        }
    }

    fn insert(&mut self, deadline: u64, value: Payload) -> u32 {
        let handle = match self.free.pop() {
            Some(handle) => {
                self.handles[handle as usize] = (value, false);
                handle
            }
            None => {
                self.handles.push((value, false));
                (self.handles.len() - 1) as u32
            }
        };
        self.seq += 1;
        self.heap.push(Reverse((deadline, self.seq, handle)));
        handle
    }

    fn cancel(&mut self, handle: u32) -> bool {
        let cancelled = &mut self.handles[handle as usize].1;
        if *cancelled {
            return false;
        }
        *cancelled = true;
        self.cancelled += 1;
        true
    }

    fn poll(&mut self, now: u64) -> (u64, usize) {
        if self.heap.len() > Self::MIN_SCHEDULED && self.cancelled * 2 > self.heap.len() {
            // Too many cancelled: rebuild the heap without them (retain re-heapifies).
            let (handles, free) = (&self.handles, &mut self.free);
            self.heap.retain(|&Reverse((_, _, handle))| {
                let keep = !handles[handle as usize].1;
                if !keep {
                    free.push(handle);
                }
                keep
            });
            self.cancelled = 0;
        } else {
            while let Some(&Reverse((_, _, handle))) = self.heap.peek() {
                if !self.handles[handle as usize].1 {
                    break;
                }
                self.heap.pop();
                self.free.push(handle);
                self.cancelled -= 1;
            }
        }
        let (mut sum, mut fired) = (0, 0);
        while let Some(&Reverse((deadline, _, handle))) = self.heap.peek() {
            if deadline > now {
                break;
            }
            self.heap.pop();
            self.free.push(handle);
            let (value, cancelled) = self.handles[handle as usize];
            if cancelled {
                self.cancelled -= 1;
            } else {
                sum += value.get();
                fired += 1;
            }
        }
        (sum, fired)
    }

    fn is_empty(&self) -> bool {
        self.heap.len() == self.cancelled
    }
}

/// async-io's ordered map (`reactor.rs`: `insert_timer`, `remove_timer`,
/// `process_timers`).
struct SortedMap {
    timers: BTreeMap<(u64, u64), Payload>,
    seq: u64,
}

impl Timers for SortedMap {
    type Key = (u64, u64);

    fn new() -> Self {
        SortedMap {
            timers: BTreeMap::new(),
            seq: 0,
        }
    }

    fn insert(&mut self, deadline: u64, value: Payload) -> (u64, u64) {
        self.seq += 1;
        self.timers.insert((deadline, self.seq), value);
        (deadline, self.seq)
    }

    fn cancel(&mut self, key: (u64, u64)) -> bool {
        self.timers.remove(&key).is_some()
    }

    fn poll(&mut self, now: u64) -> (u64, usize) {
        // Split the due timers off the front, as async-io does.
        let pending = self.timers.split_off(&(now + 1, 0));
        let ready = std::mem::replace(&mut self.timers, pending);
        (ready.values().map(|value| value.get()).sum(), ready.len())
    }

    fn is_empty(&self) -> bool {
        self.timers.is_empty()
    }
}

/// Inserts every timer, `SPAN` ticks' worth starting at `base`; returns the keys.
fn insert_all<Q: Timers>(queue: &mut Q, base: u64, work: &Workload, keys: &mut Vec<Q::Key>) {
    keys.clear();
    for (value, &deadline) in work.deadlines.iter().enumerate() {
        let value = NonZeroU64::new(value as u64 + 1).unwrap();
        keys.push(queue.insert(base + deadline, value));
    }
}

/// Advances time from `base` to `base + SPAN` in `STEP`s; returns the sum fired and the
/// count.
fn advance<Q: Timers>(queue: &mut Q, base: u64) -> (u64, usize) {
    let (mut sum, mut fired) = (0, 0);
    let mut now = base;
    while now < base + SPAN {
        now += STEP;
        let (s, f) = queue.poll(now);
        sum += s;
        fired += f;
    }
    (sum, fired)
}

/// One iteration against a long-lived queue: every workload leaves it empty and its
/// time `SPAN` later, as a server's timer queue lives on between bursts. Each returns the
/// time spent in the queue's operations only: gathering the keys into cancel order (a
/// random walk over the key vector, whose cost depends on the key's size) is left out,
/// since a runtime keeps each key in its timer future, hot when it is dropped.
struct Run<'a, Q: Timers> {
    queue: Q,
    base: u64,
    work: &'a Workload,
    keys: Vec<Q::Key>,
    /// The keys to cancel, in cancel order.
    doomed: Vec<Q::Key>,
    /// Sum of the values fired, so that nothing is optimised away.
    sum: u64,
}

impl<'a, Q: Timers> Run<'a, Q> {
    fn new(work: &'a Workload) -> Self {
        Run {
            queue: Q::new(),
            base: 0,
            work,
            keys: Vec::with_capacity(work.timers()),
            doomed: Vec::with_capacity(work.timers()),
            sum: 0,
        }
    }

    /// Inserts every timer (timed), then gathers the keys of the first `cancel` timers
    /// of the random order (not timed).
    fn insert_and_doom(&mut self, cancel: usize) -> Duration {
        let start = Instant::now();
        insert_all(&mut self.queue, self.base, self.work, &mut self.keys);
        let elapsed = start.elapsed();
        self.doomed.clear();
        let keys = &self.keys;
        self.doomed
            .extend(self.work.order[..cancel].iter().map(|&i| keys[i]));
        elapsed
    }

    /// Cancels the doomed timers, then advances time over the span.
    fn cancel_and_advance(&mut self, expected: usize) -> Duration {
        let start = Instant::now();
        for &key in &self.doomed {
            assert!(self.queue.cancel(key));
        }
        let (sum, fired) = advance(&mut self.queue, self.base);
        let elapsed = start.elapsed();
        assert_eq!(fired, expected);
        assert!(self.queue.is_empty());
        self.sum = self.sum.wrapping_add(sum);
        self.base += SPAN;
        elapsed
    }

    fn insert_cancel(&mut self) -> Duration {
        let timers = self.work.timers();
        self.insert_and_doom(timers) + self.cancel_and_advance(0)
    }

    fn insert_expire(&mut self) -> Duration {
        let timers = self.work.timers();
        self.insert_and_doom(0) + self.cancel_and_advance(timers)
    }

    fn cancel_90_expire_10(&mut self) -> Duration {
        let timers = self.work.timers();
        let cancelled = timers / 10 * 9;
        self.insert_and_doom(cancelled) + self.cancel_and_advance(timers - cancelled)
    }
}

/// Times `iters` runs of `run` against one long-lived queue.
fn time<'a, Q: Timers>(
    work: &'a Workload,
    iters: u64,
    run: impl Fn(&mut Run<'a, Q>) -> Duration,
) -> Duration {
    let mut state = Run::<Q>::new(work);
    // Warm the queue up (its vectors grow to size), untimed.
    run(&mut state);
    let total = (0..iters).map(|_| run(&mut state)).sum();
    black_box(state.sum);
    total
}

/// Registers `<name>_<size>/wheel`, `/heap` and `/btree`, each timing `Run::$run`.
macro_rules! three_queues {
    ($c:expr, $work:expr, $size:expr, $name:literal, $run:ident) => {{
        let mut group = $c.benchmark_group(format!("{}_{}", $name, $size));
        group.throughput(Throughput::Elements(2 * $work.timers() as u64));
        group.bench_function("wheel", |b| {
            b.iter_custom(|iters| time::<EddyWheel>($work, iters, Run::$run))
        });
        group.bench_function("heap", |b| {
            b.iter_custom(|iters| time::<LazyHeap>($work, iters, Run::$run))
        });
        group.bench_function("btree", |b| {
            b.iter_custom(|iters| time::<SortedMap>($work, iters, Run::$run))
        });
        group.finish();
    }};
}

fn timers(c: &mut Criterion) {
    for (timers, size) in SIZES {
        let work = Workload::new(timers);
        three_queues!(c, &work, size, "insert_cancel", insert_cancel);
        three_queues!(c, &work, size, "insert_expire", insert_expire);
        three_queues!(c, &work, size, "cancel_90_expire_10", cancel_90_expire_10);
    }
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
}

criterion_group! {
    name = benches;
    config = config();
    targets = timers
}
criterion_main!(benches);
