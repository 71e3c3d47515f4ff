//! The state all workers and handles of one scheduler share, and the scheduling decisions
//! that need only it: where a woken task goes, whom to wake.

use std::fmt;
use std::future::Future;

use crossbeam_utils::CachePadded;

use super::context;
use super::idle::Idle;
use super::metrics::{Counters, WorkerMetrics};
use super::queue::{Injector, Stealer};
use super::watchdog::Slots;
use crate::debug::{DebugConfig, Report};
use crate::loom::atomic::{fence, AtomicBool, Ordering};
use crate::loom::sync::{Condvar, Mutex};
use crate::loom::Arc;
use crate::park::Park;
use crate::task::list::OwnedTasks;
use crate::task::{self, Id, JoinError, JoinHandle, Schedule, SpawnMeta, TaskInfo, TaskSnapshot};
use std::sync::Arc as StdArc;

/// A ready task of this scheduler.
pub(super) type Notified = task::Notified<Handle>;

/// Where a task scheduled on its own worker goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Placement {
    /// The LIFO slot, its previous task moving to the back of the queue: a woken task
    /// runs right after the current one, while the message it was sent is in cache.
    Lifo,
    /// The LIFO slot if it is free, else the back of the queue: a spawned task. The first
    /// child of a poll runs next, on this worker (a spawn-and-await stays local, as in
    /// ping-pong); the others queue behind it in spawn order, so tasks spawned together
    /// start in FIFO order, as asyncio's `create_task` (`call_soon`) orders them.
    LifoIfFree,
    /// Set aside until the local queue and the injector have been served (a task that
    /// yielded or woke itself): asyncio's `sleep(0)` goes behind everything ready.
    Yield,
}

/// The scheduler as the tasks see it: a counted reference to [`Shared`].
#[derive(Clone)]
pub(crate) struct Handle(Arc<Shared>);

impl std::ops::Deref for Handle {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

pub(crate) struct Shared {
    /// Each worker's stealer, by worker index.
    pub(super) remotes: Box<[Stealer<Notified>]>,
    /// Tasks scheduled from outside the workers.
    pub(super) injector: Injector<Notified>,
    pub(super) idle: Idle,
    /// Every live task, for shutdown.
    pub(super) owned: OwnedTasks<Handle>,
    pub(super) park: StdArc<dyn Park>,
    shutdown: AtomicBool,
    /// Debug mode and the report hook.
    pub(super) debug: DebugConfig,
    /// Per worker, written only by that worker (`metrics.rs`).
    pub(super) counters: Box<[CachePadded<Counters>]>,
    /// Per worker, what it polls (debug mode only; `watchdog.rs`).
    pub(super) watch: Slots,
    /// Workers that have left their loop, for `shutdown_timeout`.
    exited: Mutex<usize>,
    exited_cv: Condvar,
}

impl Handle {
    pub(super) fn new(
        remotes: Box<[Stealer<Notified>]>,
        park: StdArc<dyn Park>,
        debug: DebugConfig,
    ) -> Handle {
        let workers = remotes.len();
        Handle(Arc::new(Shared {
            debug,
            counters: (0..workers).map(|_| CachePadded::default()).collect(),
            watch: Slots::new(workers),
            idle: Idle::new(workers),
            owned: OwnedTasks::new(workers * 4),
            injector: Injector::new(),
            remotes,
            park,
            shutdown: AtomicBool::new(false),
            exited: Mutex::new(0),
            exited_cv: Condvar::new(),
        }))
    }
}

impl Shared {
    pub(super) fn num_workers(&self) -> usize {
        self.remotes.len()
    }

    fn schedule_remote(&self, task: Notified) {
        self.injector.push(task);
        // SeqCst: pairs with the fence in `begin_shutdown`. Either its drain sees this
        // push, or we see the flag and drain ourselves, so no task sits in the injector
        // of a dead scheduler (it would keep the scheduler alive through its Arc).
        fence(Ordering::SeqCst);
        if self.is_shutdown() {
            self.drain_injector();
            return;
        }
        self.wake_one();
    }

    /// New work is visible: wake a parked worker unless someone is searching.
    pub(super) fn notify_parked(&self) {
        // SeqCst: pairs with the SeqCst updates of the searching count in `Idle` (see the
        // lost-wakeup argument in idle.rs).
        fence(Ordering::SeqCst);
        self.wake_one();
    }

    /// [`notify_parked`](Self::notify_parked) for work that worker `producer` pushed to
    /// its own queue: wakes another worker, never `producer` (idle.rs).
    pub(super) fn notify_parked_except(&self, producer: usize) {
        fence(Ordering::SeqCst);
        if let Some(worker) = self.idle.worker_to_notify_except(producer) {
            self.park.unpark(worker);
        }
    }

    fn wake_one(&self) {
        if let Some(worker) = self.idle.worker_to_notify() {
            self.park.unpark(worker);
        }
    }

    /// True if a queue other workers can take from (the injector, a worker's local
    /// queue) holds a task. Loads only: a searcher's spin calls it in a loop.
    pub(super) fn has_stealable_work(&self) -> bool {
        !self.injector.is_empty() || self.remotes.iter().any(|r| !r.is_empty())
    }

    /// The last searcher is parking: if any queue still has work, wake someone.
    pub(super) fn notify_if_work_pending(&self) {
        fence(Ordering::SeqCst);
        if self.has_stealable_work() {
            self.wake_one();
        }
    }

    pub(super) fn is_shutdown(&self) -> bool {
        self.shutdown.load(Ordering::Acquire)
    }

    /// Tells every worker to leave its loop.
    pub(super) fn begin_shutdown(&self) {
        self.shutdown.store(true, Ordering::Release);
        // SeqCst: pairs with the fence in `schedule_remote`.
        fence(Ordering::SeqCst);
        for worker in 0..self.num_workers() {
            self.park.unpark(worker);
        }
    }

    /// Drops every task left in the injector (after shutdown: they are all cancelled).
    pub(super) fn drain_injector(&self) {
        while let Some(task) = self.injector.steal() {
            drop(task);
        }
    }

    /// Drops what exited workers left in their local queues. A local queue's buffer is
    /// shared with its stealer here, so its tasks (each holding the scheduler through its
    /// `Arc`) would otherwise keep the scheduler alive for ever.
    pub(super) fn drain_local_queues(&self) {
        for remote in self.remotes.iter() {
            while let Some(task) = remote.steal() {
                drop(task);
            }
        }
    }

    /// Every worker's counters.
    pub(super) fn worker_metrics(&self) -> Vec<WorkerMetrics> {
        self.counters
            .iter()
            .zip(self.remotes.iter())
            .map(|(counters, queue)| counters.read(queue.len()))
            .collect()
    }

    /// Tasks waiting in the injector.
    pub(super) fn injector_depth(&self) -> usize {
        self.injector.len()
    }

    /// Every live task.
    pub(super) fn tasks(&self) -> Vec<TaskSnapshot> {
        self.owned.snapshot()
    }

    /// How many tasks are alive.
    pub(super) fn tasks_alive(&self) -> usize {
        self.owned.len()
    }

    /// Debug mode, at shutdown: reports every task still pending ("Task was destroyed but
    /// it is pending!"), before their futures are dropped.
    pub(super) fn report_pending_tasks(&self) {
        for snapshot in self.owned.snapshot() {
            self.debug.report(Report::PendingAtShutdown {
                task: snapshot.info,
                state: snapshot.state,
            });
        }
    }

    pub(super) fn worker_exited(&self) {
        *self.exited.lock() += 1;
        self.exited_cv.notify_all();
    }

    /// Waits until every worker has left its loop, or the deadline passes. True if all
    /// did.
    #[cfg(not(eddy_loom))]
    pub(super) fn wait_for_workers(&self, deadline: std::time::Instant) -> bool {
        let mut exited = self.exited.lock();
        while *exited < self.num_workers() {
            if self.exited_cv.wait_until(&mut exited, deadline).timed_out() {
                return *exited == self.num_workers();
            }
        }
        true
    }
}

impl Handle {
    /// Spawns a task: binds it to the owned list (refused after shutdown) and queues it.
    pub(super) fn spawn<F>(&self, future: F, meta: SpawnMeta<'_>) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (task, notified, join) =
            task::new_task(future, self.clone(), Id::next(), meta, self.debug.enabled);
        if let Some(notified) = self.owned.bind(task, notified) {
            self.schedule_task(notified, Placement::LifoIfFree);
        }
        join
    }

    /// On one of our workers (not mid-borrow), the task goes to that worker's LIFO slot
    /// or the back of its queue, as `placement` says. Anywhere else, the injector.
    fn schedule_task(&self, task: Notified, placement: Placement) {
        let remote = context::with_worker(move |cx| match cx {
            Some(cx) if cx.shared.same(self) => cx.schedule_local(task, placement),
            _ => Some(task),
        });
        if let Some(task) = remote {
            self.schedule_remote(task);
        }
    }

    /// True when both are the same scheduler.
    pub(super) fn same(&self, other: &Handle) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Schedule for Handle {
    fn schedule(&self, task: Notified) {
        // A task woken by the running one: it runs next, while the data it was sent is
        // still in cache.
        self.schedule_task(task, Placement::Lifo);
    }

    fn yield_now(&self, task: Notified) {
        self.schedule_task(task, Placement::Yield);
    }

    fn release(&self, task: &task::Task<Handle>) -> Option<task::Task<Handle>> {
        self.owned.remove(task)
    }

    fn unhandled_panic(&self, task: TaskInfo, error: &JoinError) {
        if self.debug.report_unhandled_panic(task, error) {
            self.begin_shutdown();
        }
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scheduler")
            .field("workers", &self.num_workers())
            .field("injected", &self.injector.len())
            .field("searching", &self.idle.num_searching())
            .field("shutdown", &self.is_shutdown())
            .finish_non_exhaustive()
    }
}
