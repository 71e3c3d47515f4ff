//! The multi-threaded, work-stealing scheduler.
//!
//! | file | what |
//! |---|---|
//! | `executor.rs` | [`Executor`] (owns the worker threads, shuts down) and [`Spawner`] |
//! | `builder.rs` | [`Builder`]: worker count, names, hooks, the park hook |
//! | `shared.rs` | state shared by all workers: stealers, injector, idle set, owned tasks |
//! | `worker.rs` | one worker's loop: LIFO slot, local queue, stealing, parking |
//! | `idle.rs` | searching / parked accounting that wakes one worker at a time |
//! | `queue.rs` | crossbeam-deque behind a small API (`queue_loom.rs` under loom) |
//! | `context.rs` | thread-locals: the current worker, "an event loop runs here" |
//! | `metrics.rs` | per-worker counters, always on: polls, steals, parks, LIFO hits |
//! | `spin.rs` | whether a worker that ran dry spins before parking: while spins find work |
//! | `watchdog.rs` | debug mode: per-poll timing and the stuck-worker watchdog |

mod builder;
pub(crate) mod context;
mod executor;
mod idle;
mod metrics;
#[cfg_attr(eddy_loom, path = "queue_loom.rs")]
mod queue;
mod shared;
mod spin;
mod watchdog;
mod worker;

pub use self::builder::Builder;
pub use self::executor::{Executor, Spawner};
pub(crate) use self::metrics::Counters;
pub use self::metrics::WorkerMetrics;
#[cfg(test)]
pub(crate) use self::shared::Handle as SchedulerHandle;
// For the loom models of the queues and the idle accounting (`tests/loom_*.rs`).
#[cfg(test)]
pub(crate) use self::idle::Idle;
// The injector is also the blocking pool's job queue.
#[cfg(test)]
pub(crate) use self::queue::local as local_queue;
pub(crate) use self::queue::Injector;
