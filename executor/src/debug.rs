//! Debug mode — asyncio's `loop.set_debug(True)` — and the reports the executor makes.
//!
//! The executor knows nothing of logging: it hands every [`Report`] to a hook
//! ([`Builder::on_report`](crate::Builder::on_report), default: a line on stderr). eddy's
//! runtime installs a hook that emits each report as a `tracing` event.
//!
//! | report | when | needs debug mode |
//! |---|---|---|
//! | [`Report::SlowPoll`] | a poll took longer than the slow-poll threshold (asyncio's `slow_callback_duration`) | yes |
//! | [`Report::StuckPoll`] | the watchdog sees a worker still inside one poll past the threshold (again at 2×, 4×, ...) | yes |
//! | [`Report::PendingAtShutdown`] | a task still pending when the executor shuts down ("Task was destroyed but it is pending!") | yes |
//! | [`Report::UnretrievedPanic`] | a task panicked and nobody will read its `JoinHandle` ("Task exception was never retrieved") | no: on by default, see [`UnhandledPanic`] |
//! | [`Report::BlockingJobOutlivedShutdown`] | a blocking-pool job still running when its pool's shutdown timeout ran out | yes |
//!
//! Without debug mode the workers take no timestamps and the watchdog thread does not
//! exist; what stays on is a handful of per-worker counters ([`WorkerMetrics`]) and the
//! unread-panic check, which costs nothing until a task panics.

use std::fmt;
use std::sync::Arc as StdArc;
use std::time::Duration;

pub use crate::scheduler::WorkerMetrics;
use crate::task::{JoinError, TaskInfo, TaskState};

/// What happens to a task's panic that nobody will read — its `JoinHandle` was dropped
/// without being awaited (before or after the panic).
///
/// # Examples
///
/// ```
/// use eddy_executor::debug::UnhandledPanic;
///
/// let rt = eddy_executor::Executor::builder()
///     .worker_threads(1)
///     .unhandled_panic(UnhandledPanic::Ignore)
///     .build()
///     .unwrap();
/// drop(rt.spawner().spawn(async { panic!("nobody will know") }));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UnhandledPanic {
    /// Say nothing (the panic hook has already printed the panic itself).
    Ignore,
    /// Report it, with the task's id, name and spawn location, once (the default).
    #[default]
    Report,
    /// Report it, then shut the runtime down: the workers stop, and eddy's
    /// `Runtime::block_on` panics naming the task. For services that would rather crash
    /// and restart than run on with a task silently gone.
    ShutdownRuntime,
}

/// One thing debug mode (or the unread-panic check) has to say. Its `Display` is the
/// message, naming the task by id, name and spawn location.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Report {
    /// One poll of a task took `duration`, more than `threshold`: it blocked its worker
    /// (and every task queued behind it) for that long.
    SlowPoll {
        /// The task.
        task: TaskInfo,
        /// The worker it ran on.
        worker: usize,
        /// How long the poll took.
        duration: Duration,
        /// The configured slow-poll threshold.
        threshold: Duration,
    },
    /// A worker has been inside one poll for `elapsed` and has not returned yet (the
    /// watchdog's report, made while it is stuck).
    StuckPoll {
        /// The task being polled.
        task: TaskInfo,
        /// The stuck worker.
        worker: usize,
        /// How long the poll has lasted so far.
        elapsed: Duration,
    },
    /// The executor shut down while this task was still pending; its future is dropped.
    PendingAtShutdown {
        /// The task.
        task: TaskInfo,
        /// What it was doing.
        state: TaskState,
    },
    /// A task panicked and its `JoinHandle` was dropped without being awaited.
    UnretrievedPanic {
        /// The task.
        task: TaskInfo,
        /// The panic message, if the payload is a string.
        message: Option<String>,
        /// True under [`UnhandledPanic::ShutdownRuntime`]: the runtime is shutting down.
        shutting_down: bool,
    },
    /// A blocking-pool job (`run_in_executor`) was still running when its pool's
    /// shutdown stopped waiting; its thread is left to finish it.
    BlockingJobOutlivedShutdown {
        /// The job (a task of the blocking pool).
        job: TaskInfo,
        /// How long it had been running.
        running_for: Duration,
    },
}

impl Report {
    /// The task (or blocking job) the report is about.
    pub fn task(&self) -> &TaskInfo {
        match self {
            Report::SlowPoll { task, .. }
            | Report::StuckPoll { task, .. }
            | Report::PendingAtShutdown { task, .. }
            | Report::UnretrievedPanic { task, .. } => task,
            Report::BlockingJobOutlivedShutdown { job, .. } => job,
        }
    }

    /// True for reports of something lost (a panic nobody saw, a task destroyed while
    /// pending), which logs at error level; the others are warnings.
    pub fn is_error(&self) -> bool {
        matches!(
            self,
            Report::UnretrievedPanic { .. } | Report::PendingAtShutdown { .. }
        )
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Report::SlowPoll {
                task,
                worker,
                duration,
                threshold,
            } => write!(
                f,
                "{task} took {duration:.1?} in one poll on worker {worker} (slow-poll \
                 threshold {threshold:.1?}): it blocked the worker and every task queued \
                 behind it; move blocking calls to run_in_executor"
            ),
            Report::StuckPoll {
                task,
                worker,
                elapsed,
            } => write!(
                f,
                "worker {worker} is stuck: it has been inside one poll of {task} for \
                 {elapsed:.1?} and it has not returned"
            ),
            Report::PendingAtShutdown { task, state } => write!(
                f,
                "{task} was destroyed but it is pending (it was {state} when the runtime \
                 shut down)"
            ),
            Report::UnretrievedPanic {
                task,
                message,
                shutting_down,
            } => {
                write!(f, "{task} panicked")?;
                if let Some(message) = message {
                    write!(f, " with {message:?}")?;
                }
                f.write_str(
                    " and its JoinHandle was dropped without being awaited: task exception \
                     was never retrieved",
                )?;
                if *shutting_down {
                    f.write_str("; shutting the runtime down (unhandled_panic = ShutdownRuntime)")?;
                }
                Ok(())
            }
            Report::BlockingJobOutlivedShutdown { job, running_for } => {
                write!(f, "blocking job {}", job.id())?;
                if let Some(name) = job.name() {
                    write!(f, " '{name}'")?;
                }
                write!(
                    f,
                    " submitted at {} was still running at shutdown after {running_for:.1?}, \
                     past the shutdown timeout; its thread is left to finish it",
                    job.spawned_at()
                )
            }
        }
    }
}

/// The hook every report goes to.
pub(crate) type ReportHook = StdArc<dyn Fn(&Report) + Send + Sync + 'static>;

/// The hook when none is set: one line on stderr.
pub(crate) fn default_hook() -> ReportHook {
    StdArc::new(|report: &Report| eprintln!("eddy: {report}"))
}

/// Debug mode's settings, shared by the workers.
#[derive(Clone)]
pub(crate) struct DebugConfig {
    pub(crate) enabled: bool,
    pub(crate) slow_poll_threshold: Duration,
    pub(crate) unhandled_panic: UnhandledPanic,
    pub(crate) hook: ReportHook,
}

/// asyncio's `slow_callback_duration`.
pub(crate) const DEFAULT_SLOW_POLL_THRESHOLD: Duration = Duration::from_millis(100);

impl DebugConfig {
    /// Reports a panic nobody will read, as `unhandled_panic` says: asyncio's "Task
    /// exception was never retrieved". True if the policy is to shut the scheduler down
    /// (the caller does).
    pub(crate) fn report_unhandled_panic(&self, task: TaskInfo, error: &JoinError) -> bool {
        let shutting_down = match self.unhandled_panic {
            UnhandledPanic::Ignore => return false,
            UnhandledPanic::Report => false,
            UnhandledPanic::ShutdownRuntime => true,
        };
        self.report(Report::UnretrievedPanic {
            task,
            message: error.panic_message().map(String::from),
            shutting_down,
        });
        shutting_down
    }

    pub(crate) fn report(&self, report: Report) {
        // A hook that panics (a logger's bug) must not take a worker down.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (self.hook)(&report)));
    }
}

impl Default for DebugConfig {
    fn default() -> DebugConfig {
        DebugConfig {
            enabled: false,
            slow_poll_threshold: DEFAULT_SLOW_POLL_THRESHOLD,
            unhandled_panic: UnhandledPanic::default(),
            hook: default_hook(),
        }
    }
}

impl fmt::Debug for DebugConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DebugConfig")
            .field("enabled", &self.enabled)
            .field("slow_poll_threshold", &self.slow_poll_threshold)
            .field("unhandled_panic", &self.unhandled_panic)
            .finish_non_exhaustive()
    }
}
