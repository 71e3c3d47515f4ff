//! The thread settings every builder that starts threads shares: a name prefix, a stack
//! size, and hooks run as each thread starts and stops.
//!
//! The executor's and the blocking pool's builders each hold one [`ThreadSettings`] and
//! forward their `thread_name`, `thread_stack_size`, `on_thread_start` and
//! `on_thread_stop` setters to it, so what a setting means, how it is checked and how a
//! thread is started with it is written once, here.

use std::fmt;
use std::io;
use std::sync::Arc as StdArc;

use crate::limits;
use crate::loom::thread;

/// A hook run on a started thread (`on_thread_start`, `on_thread_stop`).
pub(crate) type Hook = StdArc<dyn Fn() + Send + Sync + 'static>;

/// How a builder's threads are started: their name prefix (each thread is
/// `{name}-{index}`), their stack size, and the hooks run as each starts and stops.
///
/// [`Executor`](crate::Executor)'s and [`BlockingPool`](crate::blocking::BlockingPool)'s
/// builders set it through their `thread_name`, `thread_stack_size`, `on_thread_start`
/// and `on_thread_stop` setters; [`Builder::thread_settings`](crate::Builder::thread_settings)
/// reads it back (eddy's runtime builder names its blocking threads after its workers
/// that way).
///
/// # Examples
///
/// ```
/// let mut builder = eddy_executor::Executor::builder();
/// builder.thread_name("api").thread_stack_size(256 * 1024);
/// let threads = builder.thread_settings();
/// assert_eq!(threads.name(), "api");
/// assert_eq!(threads.stack_size(), Some(256 * 1024));
/// ```
#[derive(Clone)]
pub struct ThreadSettings {
    /// The name prefix; threads are `{name}-{index}`.
    name: String,
    stack_size: Option<usize>,
    on_start: Option<Hook>,
    on_stop: Option<Hook>,
}

impl ThreadSettings {
    /// Threads named `{name}-{index}`, with std's stack size and no hooks.
    pub(crate) fn new(name: impl Into<String>) -> ThreadSettings {
        ThreadSettings {
            name: name.into(),
            stack_size: None,
            on_start: None,
            on_stop: None,
        }
    }

    /// The name prefix: each thread is named `{prefix}-{index}`.
    ///
    /// # Examples
    ///
    /// ```
    /// let builder = eddy_executor::Executor::builder();
    /// assert_eq!(builder.thread_settings().name(), "eddy-worker");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The stack size in bytes, if one was set (`None`: std's default).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut builder = eddy_executor::Executor::builder();
    /// assert_eq!(builder.thread_settings().stack_size(), None);
    /// builder.thread_stack_size(1 << 20);
    /// assert_eq!(builder.thread_settings().stack_size(), Some(1 << 20));
    /// ```
    pub fn stack_size(&self) -> Option<usize> {
        self.stack_size
    }

    /// Sets the name prefix; checked by [`validate`](Self::validate).
    pub(crate) fn thread_name(&mut self, name: impl Into<String>) {
        self.name = name.into();
    }

    /// Sets the stack size in bytes; checked by [`validate`](Self::validate).
    pub(crate) fn thread_stack_size(&mut self, bytes: usize) {
        self.stack_size = Some(bytes);
    }

    /// Sets the hook each thread runs before its first task or job.
    pub(crate) fn on_thread_start(&mut self, f: impl Fn() + Send + Sync + 'static) {
        self.on_start = Some(StdArc::new(f));
    }

    /// Sets the hook each thread runs as it stops.
    pub(crate) fn on_thread_stop(&mut self, f: impl Fn() + Send + Sync + 'static) {
        self.on_stop = Some(StdArc::new(f));
    }

    /// The start hook, if any.
    pub(crate) fn on_start(&self) -> Option<&Hook> {
        self.on_start.as_ref()
    }

    /// The stop hook, if any.
    pub(crate) fn on_stop(&self) -> Option<&Hook> {
        self.on_stop.as_ref()
    }

    /// Refuses, with an `InvalidInput` error naming the setter, an empty name or one with
    /// a NUL byte (std would panic in the spawn), and a stack size outside
    /// [`MIN_THREAD_STACK_SIZE`](limits::MIN_THREAD_STACK_SIZE)..=
    /// [`MAX_THREAD_STACK_SIZE`](limits::MAX_THREAD_STACK_SIZE).
    pub(crate) fn validate(&self) -> io::Result<()> {
        limits::check_thread_name(&self.name)?;
        limits::check_stack_size(self.stack_size)
    }

    /// The name of thread `suffix`: `{prefix}-{suffix}`.
    pub(crate) fn thread_name_of(&self, suffix: impl fmt::Display) -> String {
        format!("{}-{suffix}", self.name)
    }

    /// Starts thread `index` running `f`, named and sized as set. The hooks are the
    /// caller's to run (each builder documents whether a panic in them is contained).
    /// `kind` names the thread's role to the fault-injection layer (a worker or a
    /// blocking-pool thread).
    pub(crate) fn spawn(
        &self,
        kind: eddy_faults::Call,
        index: usize,
        f: impl FnOnce() + Send + 'static,
    ) -> io::Result<thread::JoinHandle<()>> {
        eddy_faults::inject(kind)?;
        let mut builder = thread::Builder::new().name(self.thread_name_of(index));
        if let Some(bytes) = self.stack_size {
            builder = builder.stack_size(bytes);
        }
        builder.spawn(f)
    }
}

impl fmt::Debug for ThreadSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadSettings")
            .field("name", &self.name)
            .field("stack_size", &self.stack_size)
            .field("on_start", &self.on_start.is_some())
            .field("on_stop", &self.on_stop.is_some())
            .finish()
    }
}
