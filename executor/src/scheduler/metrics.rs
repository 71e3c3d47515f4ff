//! Per-worker counters, always on: each worker bumps its own with a relaxed load and
//! store (no read-modify-write, no shared cache line), and a metrics snapshot reads them
//! from any thread, approximately.

use std::fmt;

use crate::loom::stats::{self, AtomicU64};

/// One worker's counters, written only by that worker.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) polls: AtomicU64,
    pub(crate) steals: AtomicU64,
    pub(crate) parks: AtomicU64,
    pub(crate) lifo_hits: AtomicU64,
    pub(crate) spins: AtomicU64,
    pub(crate) spins_found: AtomicU64,
}

impl Counters {
    pub(crate) fn read(&self, local_queue_depth: usize) -> WorkerMetrics {
        WorkerMetrics {
            polls: stats::read(&self.polls),
            steals: stats::read(&self.steals),
            parks: stats::read(&self.parks),
            lifo_hits: stats::read(&self.lifo_hits),
            spins: stats::read(&self.spins),
            spins_found: stats::read(&self.spins_found),
            local_queue_depth,
        }
    }
}

/// One worker's counters since the executor started, read at one instant (each counter
/// is exact, the set is not an atomic snapshot).
///
/// # Examples
///
/// ```
/// let rt = eddy_executor::Executor::builder().worker_threads(2).build().unwrap();
/// eddy_executor::block_on(rt.spawner().spawn(async {})).unwrap();
/// let metrics = rt.spawner().worker_metrics();
/// assert_eq!(metrics.len(), 2);
/// assert!(metrics.iter().map(|w| w.polls).sum::<u64>() >= 1);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WorkerMetrics {
    /// Task polls run (a cancelled task's drop counts as one).
    pub polls: u64,
    /// Successful steals: batches taken from another worker's queue.
    pub steals: u64,
    /// Times the worker went to sleep for lack of work.
    pub parks: u64,
    /// Polls of the task in the LIFO slot (a task this worker had just woken).
    pub lifo_hits: u64,
    /// Times the worker ran out of work and spun briefly before parking (only while
    /// such spins keep finding work; see `spins_found`).
    pub spins: u64,
    /// Times the worker ran out of work and, spinning briefly instead of parking, saw
    /// new work arrive (each one a wake-up saved).
    pub spins_found: u64,
    /// Tasks in the worker's local queue right now (the LIFO slot not counted).
    pub local_queue_depth: usize,
}

impl fmt::Display for WorkerMetrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} polls, {} steals, {} parks, {} LIFO hits, {} spins ({} found work), {} queued",
            self.polls,
            self.steals,
            self.parks,
            self.lifo_hits,
            self.spins,
            self.spins_found,
            self.local_queue_depth
        )
    }
}
