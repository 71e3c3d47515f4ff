use std::fmt;
use std::io;
use std::sync::Arc as StdArc;
use std::time::Duration;

use super::shared::{Config, Shared};
use super::BlockingPool;
use crate::debug::{DebugConfig, Report};
use crate::limits::{self, MAX_BLOCKING_THREADS};
use crate::loom::Arc;
use crate::threads::ThreadSettings;

/// Configures a [`BlockingPool`]: thread cap, keep-alive, thread names, hooks.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let pool = eddy_executor::blocking::BlockingPool::builder()
///     .max_threads(4)
///     .keep_alive(Duration::from_secs(1))
///     .thread_name("disk")
///     .build()
///     .unwrap();
/// let name = eddy_executor::block_on(pool.run(|| {
///     std::thread::current().name().unwrap().to_string()
/// }));
/// assert_eq!(name.unwrap(), "disk-0");
/// ```
pub struct Builder {
    max_threads: usize,
    keep_alive: Duration,
    threads: ThreadSettings,
    /// Only `enabled` and the report hook apply to a pool.
    debug: DebugConfig,
}

impl Builder {
    /// The defaults: at most 512 threads, each exiting after 10 s idle, named
    /// `eddy-blocking-{i}` (tokio's cap and keep-alive).
    pub fn new() -> Builder {
        Builder {
            max_threads: 512,
            keep_alive: Duration::from_secs(10),
            threads: ThreadSettings::new("eddy-blocking"),
            debug: DebugConfig::default(),
        }
    }

    /// Debug mode (default off): the pool remembers which job each thread runs, and a
    /// [`shutdown`](BlockingPool::shutdown) whose timeout runs out reports every job
    /// still running ([`Report::BlockingJobOutlivedShutdown`]) — one lock per job.
    pub fn debug(&mut self, enabled: bool) -> &mut Builder {
        self.debug.enabled = enabled;
        self
    }

    /// Where debug mode's reports go (default: a line on stderr).
    pub fn on_report(&mut self, f: impl Fn(&Report) + Send + Sync + 'static) -> &mut Builder {
        self.debug.hook = StdArc::new(f);
        self
    }

    /// The most threads the pool runs at once (default 512). Jobs beyond that wait in
    /// FIFO order. Zero, or more than [`MAX_BLOCKING_THREADS`] (100,000), makes
    /// [`build`](Self::build) fail.
    pub fn max_threads(&mut self, n: usize) -> &mut Builder {
        self.max_threads = n;
        self
    }

    /// How long a thread stays idle before it exits (default 10 s). Zero makes
    /// [`build`](Self::build) fail; `Duration::MAX` keeps threads for ever.
    pub fn keep_alive(&mut self, d: Duration) -> &mut Builder {
        self.keep_alive = d;
        self
    }

    /// The threads' name; each gets `-{i}` appended, `i` counting up from 0 as threads
    /// are started. An empty name, or one with a NUL byte, makes [`build`](Self::build)
    /// fail.
    pub fn thread_name(&mut self, name: impl Into<String>) -> &mut Builder {
        self.threads.thread_name(name);
        self
    }

    /// The threads' stack size in bytes (default: std's). Less than
    /// [`MIN_THREAD_STACK_SIZE`](limits::MIN_THREAD_STACK_SIZE) (16 KiB) or more than
    /// [`MAX_THREAD_STACK_SIZE`](limits::MAX_THREAD_STACK_SIZE) (1 GiB) makes
    /// [`build`](Self::build) fail.
    pub fn thread_stack_size(&mut self, bytes: usize) -> &mut Builder {
        self.threads.thread_stack_size(bytes);
        self
    }

    /// Runs on each pool thread before its first job ([`BlockingSpawner::try_current`](super::BlockingSpawner::try_current)
    /// already returns this pool there). A panic in it is contained.
    pub fn on_thread_start(&mut self, f: impl Fn() + Send + Sync + 'static) -> &mut Builder {
        self.threads.on_thread_start(f);
        self
    }

    /// Runs on each pool thread as it exits. A panic in it is contained.
    pub fn on_thread_stop(&mut self, f: impl Fn() + Send + Sync + 'static) -> &mut Builder {
        self.threads.on_thread_stop(f);
        self
    }

    /// Makes the pool. No thread starts until the first job arrives.
    ///
    /// # Errors
    ///
    /// `InvalidInput`, naming the setter, for `max_threads` of zero or above
    /// [`MAX_BLOCKING_THREADS`], a zero `keep_alive`, an empty `thread_name` (or one with
    /// a NUL byte), or a `thread_stack_size` outside the [`limits`].
    ///
    /// # Examples
    ///
    /// ```
    /// let err = eddy_executor::blocking::BlockingPool::builder()
    ///     .thread_name("")
    ///     .build()
    ///     .unwrap_err();
    /// assert!(err.to_string().contains("thread_name"), "{err}");
    /// ```
    pub fn build(&mut self) -> io::Result<BlockingPool> {
        if self.max_threads == 0 {
            return Err(limits::invalid(
                "`max_threads(0)`: a blocking pool needs at least one thread; pass 1 or more \
                 (the default is 512)"
                    .into(),
            ));
        }
        if self.max_threads > MAX_BLOCKING_THREADS {
            return Err(limits::invalid(format!(
                "`max_threads({})`: more than {MAX_BLOCKING_THREADS} threads; the OS runs out \
                 of threads or stack memory first — pass at most {MAX_BLOCKING_THREADS} (the \
                 default is 512)",
                self.max_threads
            )));
        }
        if self.keep_alive.is_zero() {
            return Err(limits::invalid(
                "`keep_alive(0)`: an idle thread would exit before it could take the next \
                 job; pass a positive duration (the default is 10 s)"
                    .into(),
            ));
        }
        self.threads.validate()?;
        Ok(BlockingPool::from_shared(Arc::new(Shared::new(Config {
            max_threads: self.max_threads,
            keep_alive: self.keep_alive,
            threads: self.threads.clone(),
            debug: self.debug.clone(),
        }))))
    }
}

impl Default for Builder {
    fn default() -> Builder {
        Builder::new()
    }
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("max_threads", &self.max_threads)
            .field("keep_alive", &self.keep_alive)
            .field("threads", &self.threads)
            .field("debug", &self.debug.enabled)
            .finish_non_exhaustive()
    }
}
