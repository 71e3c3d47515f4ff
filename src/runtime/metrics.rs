//! [`Metrics`]: the runtime's counters and gauges at one instant.

use std::fmt;

pub use eddy_executor::debug::WorkerMetrics;

/// The runtime's counters and gauges, read by [`Handle::metrics`](super::Handle::metrics):
/// per-worker counters (always on: each worker bumps its own with a relaxed store), the
/// queues, the blocking pool, the timers and the I/O sources. Each number is exact when
/// read; together they are not an atomic snapshot. `Display` prints a table.
///
/// # Examples
///
/// ```
/// let rt = eddy::Runtime::builder().worker_threads(2).build().unwrap();
/// rt.block_on(async { eddy::spawn(async {}).await.unwrap() });
/// let metrics = rt.handle().metrics();
/// assert_eq!(metrics.workers.len(), 2);
/// assert!(metrics.total_polls() >= 1);
/// println!("{metrics}");
/// ```
///
/// `tasks_alive` counts the tasks spawned and not yet finished:
///
/// ```
/// let rt = eddy::Builder::new_current_thread().build().unwrap();
/// let handle = rt.handle().clone();
/// rt.block_on(async move {
///     let waiting = eddy::spawn(std::future::pending::<()>());
///     assert_eq!(handle.metrics().tasks_alive, 1);
///     waiting.abort();
///     assert!(waiting.await.unwrap_err().is_cancelled());
///     assert_eq!(handle.metrics().tasks_alive, 0);
/// });
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Metrics {
    /// Per worker: polls, steals, parks, LIFO hits, local queue depth.
    pub workers: Vec<WorkerMetrics>,
    /// Tasks alive: spawned and not yet finished or cancelled, the ones
    /// [`Handle::tasks`](super::Handle::tasks) lists, counted without walking them (a
    /// count kept under the task list's locks). `spawn_local` tasks of a current-thread
    /// runtime are counted only when read on their thread. A finished task leaves the
    /// list just after its `JoinHandle` is woken, so right after a join the count may
    /// still include it for a moment.
    pub tasks_alive: usize,
    /// Tasks waiting in the global injector queue.
    pub injector_depth: usize,
    /// Blocking-pool threads alive (running a job or idle).
    pub blocking_threads: usize,
    /// Blocking-pool threads idle.
    pub blocking_idle_threads: usize,
    /// `run_in_executor` jobs waiting for a thread.
    pub blocking_queue_depth: usize,
    /// Timers registered in the timer wheels (sleeps and timeouts that are pending).
    pub timers_armed: usize,
    /// I/O sources (sockets, `Async` fds) registered with the reactor.
    pub io_sources: usize,
}

impl Metrics {
    /// Polls over all workers.
    pub fn total_polls(&self) -> u64 {
        self.workers.iter().map(|w| w.polls).sum()
    }
}

impl fmt::Display for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:>6} {:>12} {:>10} {:>10} {:>10} {:>7}",
            "worker", "polls", "steals", "parks", "lifo hits", "queued"
        )?;
        let mut total = WorkerMetrics::default();
        for (i, w) in self.workers.iter().enumerate() {
            writeln!(
                f,
                "{:>6} {:>12} {:>10} {:>10} {:>10} {:>7}",
                i, w.polls, w.steals, w.parks, w.lifo_hits, w.local_queue_depth
            )?;
            total.polls += w.polls;
            total.steals += w.steals;
            total.parks += w.parks;
            total.lifo_hits += w.lifo_hits;
            total.local_queue_depth += w.local_queue_depth;
        }
        writeln!(
            f,
            "{:>6} {:>12} {:>10} {:>10} {:>10} {:>7}",
            "all", total.polls, total.steals, total.parks, total.lifo_hits, total.local_queue_depth
        )?;
        writeln!(f, "tasks alive:      {}", self.tasks_alive)?;
        writeln!(f, "injector queue:   {}", self.injector_depth)?;
        writeln!(
            f,
            "blocking pool:    {} threads ({} idle), {} jobs queued",
            self.blocking_threads, self.blocking_idle_threads, self.blocking_queue_depth
        )?;
        writeln!(f, "timers armed:     {}", self.timers_armed)?;
        write!(f, "I/O sources:      {}", self.io_sources)
    }
}
