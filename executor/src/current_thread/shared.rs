//! What every handle of one current-thread scheduler shares: the remote queue, the owned
//! tasks, the core (while nobody runs it), and where a woken task goes.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::sync::Arc as StdArc;
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use super::core::{self, Core};
use crate::debug::DebugConfig;
use crate::loom::atomic::{AtomicBool, AtomicUsize, Ordering};
use crate::loom::sync::{Condvar, Mutex};
use crate::loom::Arc;
use crate::park::Park;
use crate::scheduler::Counters;
use crate::task::list::OwnedTasks;
use crate::task::local_list::LocalOwnedTasks;
use crate::task::{self, Id, JoinError, JoinHandle, Schedule, SpawnMeta, TaskInfo, TaskSnapshot};

/// A ready task of the scheduler: a `Send` one, or a local one (`spawn_local`), which runs
/// only on the thread that spawned it.
pub(super) enum Entry {
    Send(task::Notified<Handle>),
    Local(task::Notified<LocalHandle>),
}

impl Entry {
    pub(super) fn info(&self) -> TaskInfo {
        match self {
            Entry::Send(task) => task.info(),
            Entry::Local(task) => task.info(),
        }
    }

    pub(super) fn record_poll(&self) {
        match self {
            Entry::Send(task) => task.record_poll(),
            Entry::Local(task) => task.record_poll(),
        }
    }
}

/// The scheduler as its `Send` tasks see it.
#[derive(Clone)]
pub(crate) struct Handle(pub(super) Arc<Shared>);

/// The scheduler as its local tasks see it: the same state, another `Schedule` (their
/// queue entries are marked local).
#[derive(Clone)]
pub(crate) struct LocalHandle(pub(super) Handle);

impl std::ops::Deref for Handle {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

pub(crate) struct Shared {
    /// Tasks scheduled from other threads (or while the core was busy or away).
    injector: Mutex<VecDeque<Entry>>,
    /// `injector.len()`, readable without the lock.
    injected: AtomicUsize,
    /// Every live `Send` task, for shutdown.
    pub(crate) owned: OwnedTasks<Handle>,
    /// Every live local task: dropped at shutdown only on `local_owner`.
    pub(crate) owned_local: LocalOwnedTasks<LocalHandle>,
    /// The thread whose tasks are local, fixed by the first `spawn_local`.
    local_owner: std::sync::OnceLock<ThreadId>,
    /// The run queue and the rest of the loop's state, here while no thread runs the
    /// loop; `block_on` takes it out.
    core: Mutex<Option<Box<Core>>>,
    /// Signalled when the core is put back.
    core_returned: Condvar,
    /// Threads in `block_on` waiting for the core, by their wakers.
    pub(super) core_waiters: Mutex<Vec<std::task::Waker>>,
    pub(super) park: StdArc<dyn Park>,
    shutdown: AtomicBool,
    pub(crate) debug: DebugConfig,
    pub(crate) counters: Counters,
}

impl Handle {
    pub(super) fn new(park: StdArc<dyn Park>, debug: DebugConfig, seed: u64) -> Handle {
        Handle(Arc::new(Shared {
            injector: Mutex::new(VecDeque::new()),
            injected: AtomicUsize::new(0),
            owned: OwnedTasks::new(1),
            owned_local: LocalOwnedTasks::new(),
            local_owner: std::sync::OnceLock::new(),
            core: Mutex::new(Some(Box::new(Core::new(seed)))),
            core_returned: Condvar::new(),
            core_waiters: Mutex::new(Vec::new()),
            park,
            shutdown: AtomicBool::new(false),
            debug,
            counters: Counters::default(),
        }))
    }

    /// True when both are the same scheduler.
    pub(crate) fn same(&self, other: &Handle) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// Spawns a `Send` task.
    pub(crate) fn spawn<F>(&self, future: F, meta: SpawnMeta<'_>) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (task, notified, join) =
            task::new_task(future, self.clone(), Id::next(), meta, self.debug.enabled);
        if let Some(notified) = self.owned.bind(task, notified) {
            self.schedule_entry(Entry::Send(notified), false);
        }
        join
    }

    /// Spawns a local task, if the calling thread may own this scheduler's local tasks
    /// (it is the first to spawn one, or the same thread as the first). Otherwise gives
    /// the future back.
    pub(crate) fn spawn_local<F>(
        &self,
        future: F,
        meta: SpawnMeta<'_>,
    ) -> Result<JoinHandle<F::Output>, F>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.spawn_local_as(std::thread::current().id(), future, meta)
    }

    /// [`spawn_local`](Self::spawn_local) for a caller that knows its thread's id.
    pub(super) fn spawn_local_as<F>(
        &self,
        me: ThreadId,
        future: F,
        meta: SpawnMeta<'_>,
    ) -> Result<JoinHandle<F::Output>, F>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let owner = self.claim_local_owner(me);
        let scheduler = LocalHandle(self.clone());
        if owner != me {
            if !self.is_shutdown() {
                return Err(future);
            }
            // A spawn after shutdown is cancelled at once, as on any scheduler: the task
            // is never bound, so no list is touched.
            // SAFETY: the future is dropped right here, on the calling thread.
            let (task, notified, join) = unsafe {
                task::new_local_task(future, scheduler, Id::next(), meta, self.debug.enabled)
            };
            task.shutdown();
            drop(notified);
            return Ok(join);
        }
        // SAFETY: `LocalHandle` runs and shuts down local tasks only on `local_owner`,
        // which is this thread: `core::run_entry` sets aside a local entry popped on
        // another thread, and `shutdown` leaks (never drops) local tasks there. Wakes from
        // elsewhere only queue the `Notified`.
        let (task, notified, join) = unsafe {
            task::new_local_task(future, scheduler, Id::next(), meta, self.debug.enabled)
        };
        // SAFETY: this is the owner thread (checked above).
        if let Some(notified) = unsafe { self.owned_local.bind(task, notified) } {
            self.schedule_entry(Entry::Local(notified), false);
        }
        Ok(join)
    }

    /// Every live local task, when called on their owner thread (elsewhere the list may
    /// not be walked: empty).
    pub(crate) fn local_tasks(&self) -> Vec<TaskSnapshot> {
        if self.local_owner() != Some(std::thread::current().id()) {
            return Vec::new();
        }
        // SAFETY: this is the owner thread.
        unsafe { self.owned_local.snapshot() }
    }

    /// How many local tasks are alive, when called on their owner thread (elsewhere the
    /// list may not be read: 0).
    pub(crate) fn local_tasks_alive(&self) -> usize {
        if self.local_owner() != Some(std::thread::current().id()) {
            return 0;
        }
        // SAFETY: this is the owner thread.
        unsafe { self.owned_local.len() }
    }

    /// The thread that owns the local tasks: the first to ask, if none has yet.
    pub(super) fn claim_local_owner(&self, me: ThreadId) -> ThreadId {
        *self.local_owner.get_or_init(|| me)
    }

    /// The thread that owns the local tasks, if one was spawned.
    pub(super) fn local_owner(&self) -> Option<ThreadId> {
        self.local_owner.get().copied()
    }

    /// On the thread running this scheduler's loop, the task goes to the back of the run
    /// queue (or the yielded list); anywhere else, to the injector, and the loop is woken.
    fn schedule_entry(&self, entry: Entry, yielded: bool) {
        if let Some(entry) = core::schedule_here(self, entry, yielded) {
            self.inject(entry);
        }
    }

    /// Queues `entry` for whichever thread runs the loop next, and wakes the loop.
    pub(super) fn inject(&self, entry: Entry) {
        {
            let mut queue = self.injector.lock();
            queue.push_back(entry);
            self.injected.store(queue.len(), Ordering::Release);
        }
        if self.is_shutdown() {
            // Shutdown has drained (or is draining) the injector: drop what we added.
            self.drain_injector();
            return;
        }
        self.park.unpark(0);
    }

    /// The next injected task, if any.
    pub(super) fn pop_injected(&self) -> Option<Entry> {
        if self.injected.load(Ordering::Acquire) == 0 {
            return None;
        }
        let mut queue = self.injector.lock();
        let entry = queue.pop_front();
        self.injected.store(queue.len(), Ordering::Release);
        entry
    }

    /// Tasks in the injector.
    pub(crate) fn injector_depth(&self) -> usize {
        self.injected.load(Ordering::Relaxed)
    }

    /// Drops every injected entry (each is a reference; the futures are dropped by the
    /// owned lists' shutdown).
    pub(super) fn drain_injector(&self) {
        let drained = {
            let mut queue = self.injector.lock();
            self.injected.store(0, Ordering::Release);
            std::mem::take(&mut *queue)
        };
        drop(drained);
    }

    /// Takes the core if no thread runs the loop.
    pub(super) fn take_core(&self) -> Option<Box<Core>> {
        self.core.lock().take()
    }

    /// True if no thread runs the loop (the core is here to take).
    pub(super) fn core_available(&self) -> bool {
        self.core.lock().is_some()
    }

    /// Puts the core back and wakes the threads waiting for it.
    pub(super) fn return_core(&self, core: Box<Core>) {
        *self.core.lock() = Some(core);
        self.core_returned.notify_all();
        let waiters = std::mem::take(&mut *self.core_waiters.lock());
        for waker in waiters {
            waker.wake();
        }
    }

    /// Waits until the core is back (shutdown), at most `timeout` (`None`: for ever).
    pub(super) fn wait_for_core(&self, timeout: Option<Duration>) -> Option<Box<Core>> {
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        let mut core = self.core.lock();
        loop {
            if let Some(core) = core.take() {
                return Some(core);
            }
            match deadline {
                None => self.core_returned.wait(&mut core),
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() || self.core_returned.wait_for(&mut core, left).timed_out() {
                        return core.take();
                    }
                }
            }
        }
    }

    /// Tasks in the run queue (approximate while another thread runs the loop: 0).
    pub(crate) fn queue_depth(&self) -> usize {
        if let Some(core) = self.core.lock().as_ref() {
            return core.len();
        }
        core::queue_depth_here(self).unwrap_or(0)
    }

    pub(crate) fn is_shutdown(&self) -> bool {
        self.shutdown.load(Ordering::Acquire)
    }

    pub(super) fn begin_shutdown(&self) {
        self.shutdown.store(true, Ordering::Release);
        // A thread in the loop (Handle::block_on elsewhere) sees the flag and gives the
        // core back.
        self.park.unpark(0);
    }
}

impl Schedule for Handle {
    fn schedule(&self, task: task::Notified<Handle>) {
        self.schedule_entry(Entry::Send(task), false);
    }

    fn yield_now(&self, task: task::Notified<Handle>) {
        self.schedule_entry(Entry::Send(task), true);
    }

    fn release(&self, task: &task::Task<Handle>) -> Option<task::Task<Handle>> {
        self.owned.remove(task)
    }

    fn unhandled_panic(&self, task: TaskInfo, error: &JoinError) {
        unhandled_panic(self, task, error);
    }
}

impl Schedule for LocalHandle {
    fn schedule(&self, task: task::Notified<LocalHandle>) {
        self.0.schedule_entry(Entry::Local(task), false);
    }

    fn yield_now(&self, task: task::Notified<LocalHandle>) {
        self.0.schedule_entry(Entry::Local(task), true);
    }

    fn release(&self, task: &task::Task<LocalHandle>) -> Option<task::Task<LocalHandle>> {
        // SAFETY: a local task completes on the thread that polls it, which is its owner
        // (`core::Context::run_entry` sets it aside elsewhere; shutdown cancels local
        // tasks only there).
        unsafe { self.0.owned_local.remove(task) }
    }

    fn unhandled_panic(&self, task: TaskInfo, error: &JoinError) {
        unhandled_panic(&self.0, task, error);
    }
}

/// As the multi-thread scheduler: report, and maybe shut down.
fn unhandled_panic(handle: &Handle, task: TaskInfo, error: &JoinError) {
    if handle.debug.report_unhandled_panic(task, error) {
        handle.begin_shutdown();
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CurrentThread")
            .field("injected", &self.injected.load(Ordering::Relaxed))
            .field("shutdown", &self.is_shutdown())
            .finish_non_exhaustive()
    }
}
