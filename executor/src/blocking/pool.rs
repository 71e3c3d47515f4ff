use std::fmt;
use std::time::Duration;

use super::job::Job;
use super::schedule::Scheduler;
use super::shared::Shared;
use super::{thread, Builder};
use crate::loom::Arc;
use crate::task::{self, Id, JoinHandle, SpawnMeta};

/// A pool of threads for blocking calls — the executor you pass to asyncio's
/// `loop.run_in_executor(executor, f)`.
///
/// Threads start on demand, up to the cap, and exit after the keep-alive idle; jobs
/// beyond the cap wait in FIFO order. See [the module docs](super) for how it works.
///
/// **Dropping** the pool closes it gracefully without waiting: jobs already queued still
/// run, new jobs are refused (their handles report cancellation), and the threads exit
/// once the queue is empty. [`shutdown`](Self::shutdown) instead cancels the queued jobs
/// and waits for the running ones.
///
/// # Examples
///
/// A pool of 2 runs 4 jobs two at a time:
///
/// ```
/// use std::time::{Duration, Instant};
/// use eddy_executor::blocking::BlockingPool;
///
/// let pool = BlockingPool::new(2);
/// let start = Instant::now();
/// let jobs: Vec<_> = (0..4)
///     .map(|_| pool.run(|| std::thread::sleep(Duration::from_millis(50))))
///     .collect();
/// for job in jobs {
///     eddy_executor::block_on(job).unwrap();
/// }
/// assert!(start.elapsed() >= Duration::from_millis(100));
/// ```
pub struct BlockingPool {
    spawner: BlockingSpawner,
    shut_down: bool,
}

/// A cheap, cloneable handle that submits jobs to a [`BlockingPool`] from any thread.
///
/// # Examples
///
/// ```
/// let pool = eddy_executor::blocking::BlockingPool::new(1);
/// let spawner = pool.spawner();
/// let job = std::thread::spawn(move || spawner.run(|| 2 + 2)).join().unwrap();
/// assert_eq!(eddy_executor::block_on(job).unwrap(), 4);
/// ```
#[derive(Clone)]
pub struct BlockingSpawner {
    shared: Arc<Shared>,
}

impl BlockingPool {
    /// A pool of at most `max_threads` threads, with the default keep-alive (10 s).
    ///
    /// # Panics
    ///
    /// If `max_threads` is 0 or above
    /// [`MAX_BLOCKING_THREADS`](crate::limits::MAX_BLOCKING_THREADS) (100,000), with a
    /// message naming `max_threads` and the fix; use [`builder`](Self::builder) to get an
    /// error instead.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = eddy_executor::blocking::BlockingPool::new(8);
    /// assert_eq!(eddy_executor::block_on(pool.run(|| "done")).unwrap(), "done");
    /// ```
    #[track_caller]
    pub fn new(max_threads: usize) -> BlockingPool {
        match Builder::new().max_threads(max_threads).build() {
            Ok(pool) => pool,
            Err(err) => panic!("BlockingPool::new: {err}"),
        }
    }

    /// A [`Builder`] with the defaults.
    pub fn builder() -> Builder {
        Builder::new()
    }

    pub(super) fn from_shared(shared: Arc<Shared>) -> BlockingPool {
        BlockingPool {
            spawner: BlockingSpawner { shared },
            shut_down: false,
        }
    }

    /// Runs `f` on a pool thread; see [`BlockingSpawner::run`].
    #[track_caller]
    pub fn run<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.spawner.submit(f, false, SpawnMeta::caller())
    }

    /// A handle that submits jobs to this pool from anywhere.
    pub fn spawner(&self) -> BlockingSpawner {
        self.spawner.clone()
    }

    /// Shuts the pool down: new jobs are refused and jobs still queued are cancelled
    /// (their handles report [`is_cancelled`](crate::task::JoinError::is_cancelled)); then
    /// waits at most `timeout` (`None`: as long as it takes) for the running jobs to
    /// return and their threads to exit. A thread whose job is still running after the
    /// timeout is **left to finish on its own** (detached when the pool is dropped); a
    /// later call may wait for it again. Returns true if every thread exited.
    ///
    /// Called from one of the pool's own jobs, it waits for every thread but that one (and
    /// returns true once they exited); that thread exits when the job returns.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let mut pool = eddy_executor::blocking::BlockingPool::new(1);
    /// let (tx, rx) = std::sync::mpsc::channel::<()>();
    /// let (started_tx, started) = std::sync::mpsc::channel();
    /// let stuck = pool.run(move || {
    ///     started_tx.send(()).unwrap();
    ///     rx.recv()
    /// });
    /// started.recv().unwrap(); // running, no longer queued
    /// let queued = pool.run(|| "never runs");
    /// assert!(!pool.shutdown(Some(Duration::from_millis(10)))); // `stuck` still runs
    /// assert!(eddy_executor::block_on(queued).unwrap_err().is_cancelled());
    /// drop(tx); // `stuck` returns; its thread exits by itself
    /// assert!(eddy_executor::block_on(stuck).unwrap().is_err());
    /// assert!(pool.shutdown(None));
    /// ```
    pub fn shutdown(&mut self, timeout: Option<Duration>) -> bool {
        self.shut_down = true;
        Shared::shutdown(&self.spawner.shared, timeout)
    }

    /// The first half of [`shutdown`](Self::shutdown), which waits for nothing: new jobs
    /// are refused and queued ones cancelled (mandatory ones still run); the running jobs
    /// go on. A runtime calls it before stopping its workers, so that no job starts
    /// meanwhile, and `shutdown` after.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = eddy_executor::blocking::BlockingPool::new(1);
    /// pool.begin_shutdown();
    /// assert!(eddy_executor::block_on(pool.run(|| ())).unwrap_err().is_cancelled());
    /// assert!(pool.shutdown(None));
    /// ```
    pub fn begin_shutdown(&mut self) {
        self.shut_down = true;
        Shared::begin_shutdown(&self.spawner.shared);
    }

    /// Threads currently in the pool (running a job or idle).
    pub fn num_threads(&self) -> usize {
        self.spawner.num_threads()
    }

    /// Threads waiting for a job.
    pub fn num_idle_threads(&self) -> usize {
        self.spawner.num_idle_threads()
    }

    /// Jobs waiting for a thread.
    pub fn queue_len(&self) -> usize {
        self.spawner.queue_len()
    }
}

impl Drop for BlockingPool {
    fn drop(&mut self) {
        if !self.shut_down {
            self.spawner.shared.close();
        }
    }
}

impl BlockingSpawner {
    /// Runs `f` on a pool thread — asyncio's `loop.run_in_executor(pool, f)`. The
    /// returned [`JoinHandle`] gives `f`'s result, or a [`JoinError`](crate::task::JoinError)
    /// if `f` panicked (the thread survives), the job was aborted before it started, or
    /// the pool was shut down (or dropped) before it started.
    ///
    /// [`JoinHandle::abort`] cancels a job that has not started at once, on the calling
    /// thread; a running job cannot be interrupted and runs to the end.
    #[track_caller]
    pub fn run<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.submit(f, false, SpawnMeta::caller())
    }

    /// [`run`](Self::run) with an explicit name and submit location (see
    /// [`SpawnMeta`]), for wrappers that submit on their caller's behalf.
    pub fn run_with<F, R>(&self, f: F, meta: SpawnMeta<'_>) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.submit(f, false, meta)
    }

    /// Like [`run`](Self::run), but a job still queued when the pool is shut down runs
    /// anyway (shutdown waits for it as for a running job) instead of being cancelled:
    /// for work that must not be lost, like a buffered file write (tokio's file writes
    /// are "mandatory" the same way). Submitted after the pool has shut down (or closed),
    /// it runs at once on the calling thread, since no pool thread will take it.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// use std::sync::Arc;
    ///
    /// let mut pool = eddy_executor::blocking::BlockingPool::new(1);
    /// let (tx, rx) = std::sync::mpsc::channel::<()>();
    /// let busy = pool.run(move || rx.recv());
    /// let written = Arc::new(AtomicBool::new(false));
    /// let flag = written.clone();
    /// let write = pool.spawner().run_mandatory(move || flag.store(true, Ordering::SeqCst));
    /// let optional = pool.run(|| ());
    /// pool.shutdown(Some(std::time::Duration::ZERO)); // both still queued behind `busy`
    /// drop(tx);
    /// pool.shutdown(None);
    /// assert!(written.load(Ordering::SeqCst), "the mandatory job ran");
    /// assert!(eddy_executor::block_on(optional).unwrap_err().is_cancelled());
    /// # let _ = (busy, write);
    /// ```
    #[track_caller]
    pub fn run_mandatory<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.submit(f, true, SpawnMeta::caller())
    }

    fn submit<F, R>(&self, f: F, mandatory: bool, meta: SpawnMeta<'_>) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let (task, notified, join) =
            task::new_task(Job::new(f), Scheduler, Id::next(), meta, false);
        // No owned-task list: the queue reaches every job that has not started.
        drop(task);
        Shared::submit(&self.shared, notified, mandatory);
        join
    }

    /// The pool whose thread this is, if the current thread is a pool thread.
    pub fn try_current() -> Option<BlockingSpawner> {
        thread::current_pool().map(|shared| BlockingSpawner { shared })
    }

    /// Threads currently in the pool (running a job or idle).
    pub fn num_threads(&self) -> usize {
        self.shared.num_threads()
    }

    /// Threads waiting for a job.
    pub fn num_idle_threads(&self) -> usize {
        self.shared.num_idle_threads()
    }

    /// Jobs waiting for a thread.
    pub fn queue_len(&self) -> usize {
        self.shared.queue_len()
    }

    /// True when both handles submit to the same pool.
    pub fn same_pool(&self, other: &BlockingSpawner) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl fmt::Debug for BlockingPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.spawner.shared.fmt(f)
    }
}

impl fmt::Debug for BlockingSpawner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.shared.fmt(f)
    }
}
