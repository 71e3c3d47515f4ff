//! The pool's shared state and the decisions that need only it: submit, close, shut down.
//!
//! Jobs wait in a lock-free FIFO queue (the scheduler's injector), so a busy pool's
//! submitters and threads never meet on a lock: a thread takes its next job with one
//! atomic operation, and a submitter that finds every thread busy at the cap only pushes.
//! The mutex guards the rest — the idle stack, the thread count, the lifecycle — and is
//! taken to wake an idle thread, start a thread, go idle or leave.
//!
//! # The hand-off (no job left waiting while a thread sleeps)
//!
//! A submitter pushes the job, then (SeqCst fence) reads the searching count, the idle
//! count, the thread count and the lifecycle. A thread going idle publishes itself on the
//! idle stack, a thread leaving (keep-alive over, or the pool closed) publishes the lower
//! thread count, and a searching thread (woken or started for a job, not yet holding one)
//! publishes that it stopped searching; then each (SeqCst fence) looks at the queue once
//! more. Either the submitter sees the idle, leaving or searching thread (and wakes or
//! starts a thread, or leaves the job to the searcher), or that thread sees the job (and
//! takes it, or, as the last searcher, wakes the next thread for it). The same pairing
//! covers shutdown: either the submitter sees the flag and cancels what is queued, or
//! shutdown's drain finds the job. Modelled in `tests/loom_blocking.rs`.
//!
//! One thread on its way is enough: a submitter wakes an idle thread only when no thread
//! is searching, and a searcher that takes a job while more wait wakes the next one
//! before running its own. A burst of N short jobs costs a few wake-ups (the first
//! threads often run them all), not N; a burst of long jobs still spreads over N threads,
//! one wake-up latency apart.

use std::fmt;
use std::io;
use std::time::Duration;

use crossbeam_utils::CachePadded;

use super::schedule::Scheduler;
use super::thread as pool_thread;
use crate::debug::{DebugConfig, Report};
use crate::loom::atomic::{fence, AtomicBool, AtomicUsize, Ordering::*};
use crate::loom::sync::{Condvar, Mutex, MutexGuard};
use crate::loom::thread;
use crate::loom::Arc;
use crate::scheduler::Injector;
use crate::task::{Notified, TaskInfo};
use crate::threads::ThreadSettings;

/// What the [`Builder`](super::Builder) fixed.
pub(super) struct Config {
    pub(super) max_threads: usize,
    pub(super) keep_alive: Duration,
    pub(super) threads: ThreadSettings,
    /// Debug mode (`enabled`): track running jobs, report (through `hook`) those
    /// outliving shutdown.
    pub(super) debug: DebugConfig,
}

/// A job in the queue.
pub(super) struct Queued {
    pub(super) task: Notified<Scheduler>,
    /// Runs even if still queued at shutdown (`BlockingSpawner::run_mandatory`): a write
    /// that must not be lost.
    pub(super) mandatory: bool,
}

/// Everything about one pool, shared by its handles and its threads.
pub(crate) struct Shared {
    /// Jobs not yet started, oldest first.
    pub(super) queue: Injector<Queued>,
    /// Mirrors of `Synced`'s idle count, thread count and lifecycle, written under the
    /// lock and read without it by `submit` (and the lifecycle by the threads).
    num_idle: CachePadded<AtomicUsize>,
    num_threads: AtomicUsize,
    /// Threads woken (or started) for a job that have not taken one yet. While one is on
    /// its way, submitters do not wake another: the searcher wakes the next one when it
    /// takes a job and sees more queued (`end_search`), so a burst of short jobs costs a
    /// few wake-ups, not one each.
    num_searching: CachePadded<AtomicUsize>,
    lifecycle: AtomicUsize,
    synced: CachePadded<Mutex<Synced>>,
    /// Notified (all) whenever a thread leaves, for `shutdown`'s wait.
    exited: Condvar,
    /// Debug mode: the job each thread runs, by thread id, and since when.
    running: Mutex<Vec<(usize, TaskInfo, std::time::Instant)>>,
    pub(super) config: Config,
}

/// The state behind the lock.
///
/// # Invariants
///
/// * Every slot in `idle` belongs to a thread waiting (or about to wait, the lock still
///   held) on that slot's condvar with `woken` false; whoever pops a slot sets `woken`
///   and notifies it, under the lock.
/// * `num_threads <= config.max_threads`; it counts a thread from its start until it
///   publishes, under the lock, that it leaves.
/// * The atomic mirrors in [`Shared`] equal these fields whenever the lock is free.
struct Synced {
    /// Idle threads, most recently idled last (woken first).
    idle: Vec<Arc<IdleSlot>>,
    num_threads: usize,
    lifecycle: Lifecycle,
    /// Threads that may still need joining, by id. A thread that leaves before shutdown
    /// takes its handle out (detaching itself: it is exiting anyway).
    threads: Vec<(usize, thread::JoinHandle<()>)>,
    next_id: usize,
}

/// Whether the pool takes jobs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(usize)]
pub(super) enum Lifecycle {
    /// Running: jobs are accepted.
    Open = 0,
    /// The `BlockingPool` was dropped: queued jobs still run, new ones are cancelled,
    /// threads leave when the queue is empty.
    Closed = 1,
    /// `shutdown` was called: queued jobs are cancelled, new ones too, threads leave
    /// after their current job.
    ShutDown = 2,
}

/// An idle thread's private wake-up: its own condvar (on the pool's mutex) and a flag
/// that tells a notification from a timeout or a spurious wake-up.
pub(super) struct IdleSlot {
    cv: Condvar,
    /// Written and read only under the pool's lock (hence Relaxed): set by whoever pops
    /// the slot off the idle stack.
    woken: AtomicBool,
}

/// How an idle thread's wait ended.
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Idled {
    /// Woken for a job (and counted as searching): take it.
    Woken,
    /// There is a job already: take it.
    Work,
    /// The pool closed or shut down while the queue is empty: leave.
    Leave,
}

impl IdleSlot {
    pub(super) fn new() -> IdleSlot {
        IdleSlot {
            cv: Condvar::new(),
            woken: AtomicBool::new(false),
        }
    }

    /// The slot was popped off the idle stack, under the lock: wake its thread.
    fn wake(&self) {
        self.woken.store(true, Relaxed);
        // Under the lock: parking_lot moves the waiter straight to the mutex's queue, so
        // it does not wake only to block on the lock we hold.
        self.cv.notify_one();
    }
}

impl Shared {
    pub(super) fn new(config: Config) -> Shared {
        Shared {
            queue: Injector::new(),
            num_idle: CachePadded::new(AtomicUsize::new(0)),
            num_threads: AtomicUsize::new(0),
            num_searching: CachePadded::new(AtomicUsize::new(0)),
            lifecycle: AtomicUsize::new(Lifecycle::Open as usize),
            synced: CachePadded::new(Mutex::new(Synced {
                idle: Vec::new(),
                num_threads: 0,
                lifecycle: Lifecycle::Open,
                threads: Vec::new(),
                next_id: 0,
            })),
            exited: Condvar::new(),
            running: Mutex::new(Vec::new()),
            config,
        }
    }

    /// Debug mode: thread `thread` starts running `job`.
    pub(super) fn job_started(&self, thread: usize, job: TaskInfo) {
        self.running
            .lock()
            .push((thread, job, std::time::Instant::now()));
    }

    /// Debug mode: thread `thread`'s job returned.
    pub(super) fn job_finished(&self, thread: usize) {
        self.running.lock().retain(|(t, _, _)| *t != thread);
    }

    /// Debug mode, after a shutdown stopped waiting: reports the jobs still running.
    fn report_running_jobs(&self) {
        let running: Vec<_> = self
            .running
            .lock()
            .iter()
            .map(|(_, job, since)| (job.clone(), since.elapsed()))
            .collect();
        for (job, running_for) in running {
            self.config
                .debug
                .report(Report::BlockingJobOutlivedShutdown { job, running_for });
        }
    }

    fn lifecycle(&self) -> Lifecycle {
        // SeqCst: pairs with the fence after the store in `shutdown`/`close` (see the
        // module docs); also read after a pop, so a job popped after shutdown is
        // cancelled rather than run.
        match self.lifecycle.load(SeqCst) {
            0 => Lifecycle::Open,
            1 => Lifecycle::Closed,
            _ => Lifecycle::ShutDown,
        }
    }

    /// Queues a new job: wakes the most recently idled thread, or starts a thread if
    /// none is idle and the cap allows, or leaves the job to the busy threads. After
    /// shutdown or close the job is cancelled at once instead — unless it is mandatory
    /// (a file's last write): then it runs right here, on the submitter's thread, since
    /// no pool thread may pick it up any more and dropping it would lose data.
    pub(super) fn submit(this: &Arc<Shared>, task: Notified<Scheduler>, mandatory: bool) {
        if this.lifecycle() != Lifecycle::Open {
            if mandatory {
                task.run();
            } else {
                task.shutdown();
            }
            return;
        }
        this.queue.push(Queued { task, mandatory });
        // SeqCst: pairs with the fences in `go_idle`, `leave` and `set_lifecycle`: either
        // we see the idle or leaving thread or the new lifecycle, or they see the job.
        fence(SeqCst);
        if this.lifecycle.load(Relaxed) == Lifecycle::Open as usize
            && (this.num_searching.load(Relaxed) > 0
                || (this.num_idle.load(Relaxed) == 0
                    && this.num_threads.load(Relaxed) >= this.config.max_threads))
        {
            // A thread is on its way and will wake the next if it finds more jobs; or
            // every thread is busy at the cap and the first to finish takes the job.
            return;
        }
        Shared::submit_slow(this);
    }

    /// A searching thread took a job. If it was the last searcher and more jobs wait,
    /// it wakes (or starts) the next thread, before running its own job.
    pub(super) fn end_search(this: &Arc<Shared>) {
        let last = this.num_searching.fetch_sub(1, SeqCst) == 1;
        // SeqCst: pairs with the fence in `submit`: either the submitter sees no searcher
        // (and wakes a thread itself), or we see its job.
        fence(SeqCst);
        if last && !this.queue.is_empty() {
            Shared::submit_slow(this);
        }
    }

    /// A searching thread found no job (another thread took it); it goes idle, and
    /// `go_idle`'s own look at the queue covers a job pushed meanwhile.
    pub(super) fn abandon_search(&self) {
        self.num_searching.fetch_sub(1, SeqCst);
    }

    fn submit_slow(this: &Arc<Shared>) {
        let mut synced = this.synced.lock();
        let need_thread = match synced.lifecycle {
            Lifecycle::ShutDown => {
                drop(synced);
                Shared::cancel_queued(this, false);
                return;
            }
            // Queued jobs still run after a close; make sure someone is left to run ours.
            Lifecycle::Closed => synced.num_threads == 0,
            Lifecycle::Open => {
                if let Some(slot) = synced.idle.pop() {
                    this.num_idle.store(synced.idle.len(), SeqCst);
                    this.num_searching.fetch_add(1, SeqCst);
                    slot.wake();
                    return;
                }
                synced.num_threads < this.config.max_threads
            }
        };
        // Started under the lock, as tokio does: the new thread cannot take the lock
        // before its handle is registered. Cold-start cost only: a warm pool wakes idle
        // threads above.
        if !need_thread {
            return;
        }
        if let Err(err) = Shared::start_thread(this, &mut synced) {
            // A busy thread takes the jobs once free; with none, refuse them, not hang.
            if synced.num_threads == 0 {
                drop(synced);
                Shared::refuse_queued(this, err);
            }
        }
    }

    /// No thread, and none can start (`EAGAIN`): each queued job's handle reports it
    /// cancelled with the OS's error as the reason, but a mandatory job (a file's write)
    /// runs here, on the submitter's thread, rather than lose data. The next submission
    /// tries to start a thread again.
    fn refuse_queued(this: &Arc<Shared>, err: io::Error) {
        let cause = std::sync::Arc::new(err);
        while let Some(queued) = this.queue.steal() {
            if queued.mandatory {
                queued.task.run();
            } else {
                queued.task.refuse(cause.clone());
            }
        }
    }

    fn start_thread(this: &Arc<Shared>, synced: &mut Synced) -> io::Result<()> {
        let id = synced.next_id;
        let shared = this.clone();
        // The new thread starts as a searcher: counted before it can take a job.
        this.num_searching.fetch_add(1, SeqCst);
        let spawned = this
            .config
            .threads
            .spawn(eddy_faults::Call::SpawnBlocking, id, move || {
                pool_thread::run(shared, id)
            });
        let handle = match spawned {
            Ok(handle) => handle,
            Err(err) => {
                this.num_searching.fetch_sub(1, SeqCst);
                return Err(err);
            }
        };
        synced.next_id += 1;
        synced.num_threads += 1;
        this.num_threads.store(synced.num_threads, SeqCst);
        synced.threads.push((id, handle));
        Ok(())
    }

    /// A pool thread found the queue empty: wait on `slot` until woken for a job, or
    /// until the keep-alive runs out or the pool closes (then leave, unless a job came).
    pub(super) fn go_idle(&self, slot: &Arc<IdleSlot>) -> Idled {
        let mut synced = self.synced.lock();
        if synced.lifecycle != Lifecycle::Open {
            return self.leave(&mut synced);
        }
        slot.woken.store(false, Relaxed);
        synced.idle.push(slot.clone());
        self.num_idle.store(synced.idle.len(), SeqCst);
        // SeqCst: pairs with the fence in `submit` (see the module docs).
        fence(SeqCst);
        if !self.queue.is_empty() {
            // A job came in before the submitter could see us: take it instead.
            self.remove_idle(&mut synced, slot);
            return Idled::Work;
        }
        loop {
            let timed_out = slot
                .cv
                .wait_for(&mut synced, self.config.keep_alive)
                .timed_out();
            if slot.woken.load(Relaxed) {
                // Popped by a submitter (or by close/shutdown, which also set the
                // lifecycle: the next round finds out), and counted as searching.
                return Idled::Woken;
            }
            if timed_out {
                self.remove_idle(&mut synced, slot);
                return self.leave(&mut synced);
            }
            // A spurious wake-up: wait again.
        }
    }

    fn remove_idle(&self, synced: &mut Synced, slot: &Arc<IdleSlot>) {
        if let Some(at) = synced.idle.iter().rposition(|s| Arc::ptr_eq(s, slot)) {
            synced.idle.remove(at);
        }
        self.num_idle.store(synced.idle.len(), SeqCst);
    }

    /// Publishes that this thread leaves, then looks at the queue once more: a job that
    /// slipped in keeps it (`Work`). The lock is held throughout, so a submitter that
    /// takes it afterwards sees the final thread count.
    fn leave(&self, synced: &mut MutexGuard<'_, Synced>) -> Idled {
        synced.num_threads -= 1;
        self.num_threads.store(synced.num_threads, SeqCst);
        // SeqCst: pairs with the fence in `submit` (see the module docs).
        fence(SeqCst);
        // Even after shutdown: a mandatory job queued then must still run (the others
        // are cancelled as they are popped).
        if !self.queue.is_empty() {
            synced.num_threads += 1;
            self.num_threads.store(synced.num_threads, SeqCst);
            return Idled::Work;
        }
        self.exited.notify_all();
        Idled::Leave
    }

    /// A thread that left takes its own handle out, unless `shutdown` will join it.
    pub(super) fn detach(&self, id: usize) -> Option<thread::JoinHandle<()>> {
        let mut synced = self.synced.lock();
        if synced.lifecycle == Lifecycle::ShutDown {
            return None;
        }
        let at = synced.threads.iter().position(|(t, _)| *t == id)?;
        Some(synced.threads.swap_remove(at).1)
    }

    /// True once `shutdown` began: a job popped now is cancelled, not run (unless it is
    /// mandatory).
    pub(super) fn is_shut_down(&self) -> bool {
        self.lifecycle() == Lifecycle::ShutDown
    }

    fn set_lifecycle(&self, synced: &mut Synced, to: Lifecycle) {
        synced.lifecycle = to;
        self.lifecycle.store(to as usize, SeqCst);
        // Idle threads exist only while the queue is empty: they can all go.
        for slot in synced.idle.drain(..) {
            self.num_searching.fetch_add(1, SeqCst);
            slot.wake();
        }
        self.num_idle.store(0, SeqCst);
    }

    /// The pool was dropped: let queued jobs finish, then let the threads go.
    pub(super) fn close(&self) {
        let mut synced = self.synced.lock();
        if synced.lifecycle == Lifecycle::Open {
            self.set_lifecycle(&mut synced, Lifecycle::Closed);
        }
    }

    /// After shutdown: cancels every queued job (their handles say so) except the
    /// mandatory ones, which go back in the queue for a thread to run. `shutdown` itself
    /// starts a thread for them if none is left, and then waits for it. A submitter that
    /// raced shutdown (it saw the flag only after pushing) must not start one (shutdown
    /// may be done waiting): with no thread left, it runs the mandatory jobs itself, on
    /// its own thread. A mandatory job is never cancelled — it may be a file's last write
    /// (`eddy::fs::File`'s drop), and losing it would lose data — including one queued
    /// before the shutdown that this submitter's sweep took out of the queue.
    fn cancel_queued(this: &Arc<Shared>, from_shutdown: bool) {
        // Outside the lock: dropping a closure runs user destructors, which may submit
        // (refused now) or take other locks.
        let mut mandatory = Vec::new();
        while let Some(queued) = this.queue.steal() {
            if queued.mandatory {
                mandatory.push(queued);
            } else {
                queued.task.shutdown();
            }
        }
        if mandatory.is_empty() {
            return;
        }
        for queued in mandatory {
            this.queue.push(queued);
        }
        // Under the lock: a thread leaves with the lock held, after looking at the queue,
        // so either it saw these jobs (and stays to run them) or we see it gone.
        let mut synced = this.synced.lock();
        if synced.num_threads > 0 {
            return;
        }
        if from_shutdown && Shared::start_thread(this, &mut synced).is_ok() {
            return;
        }
        drop(synced);
        while let Some(queued) = this.queue.steal() {
            if queued.mandatory {
                // Panics are caught by the task harness and reported to its handle.
                queued.task.run();
            } else {
                queued.task.shutdown();
            }
        }
    }

    /// The first half of `shutdown`: refuses new jobs and cancels the queued ones (but
    /// mandatory ones still run); waits for nothing.
    pub(super) fn begin_shutdown(this: &Arc<Shared>) {
        {
            let mut synced = this.synced.lock();
            this.set_lifecycle(&mut synced, Lifecycle::ShutDown);
        }
        // SeqCst: pairs with the fence in `submit`: either the submitter sees the flag
        // and cancels its job itself, or this drain finds it.
        fence(SeqCst);
        Shared::cancel_queued(this, true);
    }

    /// Refuses new jobs, cancels the queued ones (but mandatory ones still run), wakes
    /// idle threads and waits at most
    /// `timeout` (`None`: for ever) for the running jobs. True when every thread has
    /// left and been joined. Threads still running are left registered (a later call
    /// may wait again) and are detached when the pool goes away.
    pub(super) fn shutdown(this: &Arc<Shared>, timeout: Option<Duration>) -> bool {
        Shared::begin_shutdown(this);
        let this = &**this;

        // Called from one of our own threads (a job dropping its runtime): do not wait
        // for, or join, ourselves.
        let me = pool_thread::current_id(this);
        let target = usize::from(me.is_some());
        let mut synced = this.synced.lock();
        let all_exited = this.wait_for_threads(&mut synced, target, timeout);
        let mut joinable = Vec::new();
        let mut i = 0;
        while i < synced.threads.len() {
            let (id, handle) = &synced.threads[i];
            let join = Some(*id) != me && (all_exited || is_finished(handle));
            if join {
                joinable.push(synced.threads.swap_remove(i).1);
            } else {
                i += 1;
            }
        }
        drop(synced);
        for handle in joinable {
            // A pool thread never unwinds (jobs are caught by the harness, hooks by
            // `thread::run`); if it did, there is nothing more to report here.
            let _ = handle.join();
        }
        if !all_exited && this.config.debug.enabled {
            this.report_running_jobs();
        }
        all_exited
    }

    #[cfg(not(eddy_loom))]
    fn wait_for_threads(
        &self,
        synced: &mut MutexGuard<'_, Synced>,
        target: usize,
        timeout: Option<Duration>,
    ) -> bool {
        let deadline = timeout.and_then(|t| std::time::Instant::now().checked_add(t));
        while synced.num_threads > target {
            match (timeout, deadline) {
                (None, _) | (Some(_), None) => self.exited.wait(synced),
                (Some(_), Some(deadline)) => {
                    if self.exited.wait_until(synced, deadline).timed_out() {
                        return synced.num_threads <= target;
                    }
                }
            }
        }
        true
    }

    /// Under loom there is no clock: every wait is a full wait (a thread stuck for ever
    /// would show up as a deadlock).
    #[cfg(eddy_loom)]
    fn wait_for_threads(
        &self,
        synced: &mut MutexGuard<'_, Synced>,
        target: usize,
        _timeout: Option<Duration>,
    ) -> bool {
        while synced.num_threads > target {
            self.exited.wait(synced);
        }
        true
    }

    pub(super) fn num_threads(&self) -> usize {
        self.synced.lock().num_threads
    }

    pub(super) fn num_idle_threads(&self) -> usize {
        self.synced.lock().idle.len()
    }

    pub(super) fn queue_len(&self) -> usize {
        self.queue.len()
    }
}

#[cfg(not(eddy_loom))]
fn is_finished(handle: &thread::JoinHandle<()>) -> bool {
    handle.is_finished()
}

#[cfg(eddy_loom)]
fn is_finished(_handle: &thread::JoinHandle<()>) -> bool {
    true
}

impl fmt::Debug for Shared {
    // Locks: never call it with the lock held.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let synced = self.synced.lock();
        f.debug_struct("BlockingPool")
            .field("max_threads", &self.config.max_threads)
            .field("keep_alive", &self.config.keep_alive)
            .field("threads", &synced.num_threads)
            .field("idle", &synced.idle.len())
            .field("queued", &self.queue.len())
            .field("lifecycle", &synced.lifecycle)
            .finish()
    }
}
