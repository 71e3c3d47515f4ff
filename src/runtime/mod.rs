//! The runtime: asyncio's event loop, on worker threads or on the calling thread.
//!
//! | file | what |
//! |---|---|
//! | `runtime.rs` | [`Runtime`]: owns the scheduler (multi-thread or current-thread); `block_on`, shutdown |
//! | `builder/` | [`Builder`]: the flavour, worker count, thread names, the clock, the seed; `threads.rs`: what runs first and last on the threads a runtime starts, and the blocking pool |
//! | `handle.rs` | [`Handle`]: spawn from anywhere; `Handle::current()` |
//! | `context.rs` | the thread-local "current runtime" |
//! | `driver/` | the park hook joining the workers to the timers and the reactor, and the time driver |
//! | `metrics.rs` | [`Metrics`]: per-worker counters, queues, pool, timers, I/O sources |
//! | `report.rs` | debug mode's reports as `tracing` events (stderr without a subscriber) |

mod builder;
pub(crate) mod context;
pub(crate) mod driver;
mod handle;
mod io_backend;
mod metrics;
pub(crate) mod report;
#[allow(clippy::module_inception)]
mod runtime;

pub use self::builder::Builder;
pub use self::context::EnterGuard;
pub use self::handle::{Handle, TryCurrentError};
pub use self::io_backend::IoBackend;
pub use self::metrics::{Metrics, WorkerMetrics};
pub(crate) use self::runtime::already_running;
pub use self::runtime::Runtime;
pub use eddy_executor::debug::{Report, UnhandledPanic};
