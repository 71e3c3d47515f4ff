//! One worker: its queues and the loop that runs tasks, steals and parks.
//!
//! ```text
//! loop:  next_task  (every 61st tick the park hook's maintenance, the yielded tasks back
//!          |         to the queue and the injector first; then the LIFO slot, the local
//!          |         queue, a batch from the injector, and last the tasks that yielded)
//!          +-- found --> run_task (then up to 3 LIFO tasks in a row) --> loop
//!          v
//!        steal_work (if fewer than half the workers search: a batch from a random
//!          |         victim, then the injector)
//!          +-- found --> run_task --> loop
//!          v
//!        spin       (a searcher only, if the park hook allows and its spins have been
//!          |         finding work (spin.rs): watches the queues for up to SPIN, still
//!          |         counted as searching)
//!          +-- work --> loop
//!          v
//!        park       (listed as a sleeper, then re-checks all queues once)
//! ```
//!
//! The spin saves a wake-up pair (a futex wake and wait, or an eventfd write and an extra
//! poll round, and two context switches) whenever work arrives within a few microseconds
//! of a worker running dry: a producer that sees a searcher wakes nobody (idle.rs), and
//! the spinner takes the work as a steal. It is bounded (no more than [`SPIN`] per time a
//! worker runs dry), only a searcher spins (at most half the workers), only while its
//! spins keep finding work (`spin.rs`: a worker fed by the reactor stops), and the park hook
//! may refuse it ([`Park::may_spin`](crate::park::Park::may_spin): the runtime's driver
//! does when the worker would be the one to poll I/O). Giving up is the ordinary park path,
//! so the lost-wakeup argument of idle.rs is unchanged: spinning is searching for longer.
//!
//! A task that calls `block_in_place` keeps its worker thread for the closure: the worker
//! first hands its LIFO slot, local queue and yielded tasks to the injector and wakes a
//! parked worker for them ([`WorkerContext::begin_blocking`]), and until the closure
//! returns, whatever is woken or spawned on this thread goes to the injector too.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use super::context;
use super::queue::Local;
use super::shared::{Handle, Notified, Placement, Shared};
use super::spin::SpinGovernor;
use crate::coop;
use crate::debug::Report;
use crate::loom::stats;
use crate::rand::ThreadRng;

/// Check the injector first, and let the park hook do its maintenance (fire due timers,
/// poll I/O without blocking), every this many ticks, so neither remote tasks nor timers
/// starve behind a busy local queue (Go's and tokio's figure).
const GLOBAL_POLL_INTERVAL: u32 = 61;

/// LIFO-slot tasks run back to back at most this many times before the slot's task goes
/// to the back of the queue (tokio PR #5712: an uncapped slot starves the queue).
const MAX_LIFO_POLLS: u8 = 3;

/// The most tasks taken from the injector in one batch.
const MAX_INJECTOR_BATCH: usize = 128;

/// How long a searcher that found nothing watches the queues before it parks (module
/// docs): about the cost of the wake-up pair it may save (a futex wake and wait, the two
/// context switches), so a spin that finds nothing costs about what parking would have.
#[cfg(not(eddy_loom))]
const SPIN: std::time::Duration = std::time::Duration::from_micros(20);

/// Spin-loop hints between two looks at the queues while spinning: each look reads other
/// workers' queue ends, so it is spaced out rather than hammering their cache lines.
#[cfg(not(eddy_loom))]
const SPIN_HINTS: u32 = 32;

/// The worker's thread-local view: shared state plus its own queues.
pub(crate) struct WorkerContext {
    pub(super) shared: Handle,
    index: usize,
    /// Borrowed briefly by the loop and by `schedule_local`; never across a task poll.
    core: RefCell<Core>,
    /// True while a task on this thread runs a `block_in_place` closure: the worker
    /// cannot run tasks until it returns, so `schedule_local` sends every task to the
    /// injector. Read and written only on this worker's thread.
    blocking: Cell<bool>,
    /// True while this worker's thread is inside the park hook (`park` or `maintain`),
    /// where the driver may hold the reactor while it wakes tasks onto this worker.
    in_hook: Cell<bool>,
    /// A push to the local queue inside the hook wanted another worker woken: done once,
    /// when the hook returns ([`park_hook`](Self::park_hook)).
    deferred_notify: Cell<bool>,
}

/// The worker-owned part.
struct Core {
    index: usize,
    local: Local<Notified>,
    /// The task this worker woke last: it runs next (message-passing latency) and is not
    /// stealable.
    lifo: Option<Notified>,
    /// LIFO tasks run in a row since the last queue task.
    lifo_polls: u8,
    /// Tasks that yielded (or woke themselves), in order. They go back to the local
    /// queue once the local queue and the injector have nothing left, or at the next
    /// maintenance tick (every [`GLOBAL_POLL_INTERVAL`]), whichever comes first: a yielding
    /// task lets remote spawns and fresh I/O in too, not only the tasks already on this
    /// worker (asyncio's `sleep(0)` semantics), and still runs within a bounded number of
    /// ticks on a worker whose queue never empties. Not stealable until moved back.
    yielded: Vec<Notified>,
    tick: u32,
    is_searching: bool,
    /// Whether running dry spins first: only while spins keep finding work (spin.rs).
    spin: SpinGovernor,
    /// Picks the first victim to steal from. Seeded from the runtime's seed and the
    /// worker's index, so the workers' sequences differ and a seeded runtime (and a loom
    /// model) replays them; a victim picker, not a source of secrets.
    rng: ThreadRng,
}

/// Runs worker `index` until shutdown.
pub(super) fn run(
    shared: Handle,
    index: usize,
    local: Local<Notified>,
    seed: u64,
    on_start: Option<&(dyn Fn() + Send + Sync)>,
) {
    crate::park::precise_timeouts();
    // `select!`'s choices on this worker come from the runtime's seed too (a different
    // stream from the steal victims').
    crate::rand::replace_thread_rng(Some(ThreadRng::with_seed(
        crate::rand::worker_seed(seed, index) ^ 0x5EED,
    )));
    let _entered = context::enter();
    let cx = Rc::new(WorkerContext {
        shared,
        index,
        core: RefCell::new(Core {
            index,
            local,
            lifo: None,
            lifo_polls: 0,
            yielded: Vec::new(),
            tick: 0,
            is_searching: false,
            spin: SpinGovernor::new(),
            rng: ThreadRng::with_seed(crate::rand::worker_seed(seed, index)),
        }),
        blocking: Cell::new(false),
        in_hook: Cell::new(false),
        deferred_notify: Cell::new(false),
    });
    let _worker = context::set_worker(cx.clone());
    if let Some(on_start) = on_start {
        on_start();
    }
    cx.run();
    // Tasks left in this worker's queue hold the scheduler alive, and the queue is shared
    // with its stealer in `Shared`: never dropped, they would leak the scheduler. Their
    // futures are dropped by the executor's shutdown (`close_and_shutdown_all`).
    cx.drop_queued_tasks();
}

impl WorkerContext {
    fn run(&self) {
        while !self.shared.is_shutdown() {
            let (index, maintenance) = {
                let mut core = self.core.borrow_mut();
                core.tick = core.tick.wrapping_add(1);
                (core.index, core.tick % GLOBAL_POLL_INTERVAL == 0)
            };
            if maintenance {
                // Outside the core borrow: the hook may fire timers or I/O, and their
                // wakers schedule tasks on this worker.
                self.park_hook(|| self.shared.park.maintain(index));
                // Then the tasks that yielded get their turn, behind what is queued now,
                // even if the queue never empties: a yield waits a bounded number of
                // ticks, never for an idle moment that message-passing tasks may deny.
                self.core.borrow_mut().release_yielded(&self.shared);
            }
            let next = self.core.borrow_mut().next_task(&self.shared);
            if let Some(task) = next {
                self.run_task(task);
                continue;
            }
            if !self.core.borrow().yielded.is_empty() {
                // Only tasks that yielded are left: first what a park would do without
                // sleeping (fire due timers, poll I/O), then they go back behind whatever
                // that woke. Without it, tasks that yield in turn would keep a busy worker
                // from its timers until the next maintenance tick.
                self.park_hook(|| self.shared.park.maintain(index));
                self.core.borrow_mut().release_yielded(&self.shared);
                continue;
            }
            let stolen = self.core.borrow_mut().steal_work(&self.shared);
            if let Some(task) = stolen {
                self.run_task(task);
                continue;
            }
            if self.spin_for_work() {
                continue;
            }
            self.park();
        }
    }

    /// Drops the LIFO slot's and the local queue's tasks one by one, outside the borrow:
    /// dropping the last reference frees a task, and that may wake others.
    fn drop_queued_tasks(&self) {
        loop {
            let task = {
                let mut core = self.core.borrow_mut();
                core.lifo
                    .take()
                    .or_else(|| core.local.pop())
                    .or_else(|| core.yielded.pop())
            };
            match task {
                Some(task) => drop(task),
                None => return,
            }
        }
    }

    fn run_task(&self, task: Notified) {
        {
            let mut core = self.core.borrow_mut();
            if core.is_searching {
                core.is_searching = false;
                if self.shared.idle.transition_from_searching() {
                    // We were the last searcher and found work: there may be more.
                    drop(core);
                    self.shared.notify_parked();
                }
            }
        }
        self.core.borrow_mut().lifo_polls = 0;
        self.poll(task);
        // Tasks it woke go to the LIFO slot; run them now, up to the cap.
        loop {
            let next = {
                let mut core = self.core.borrow_mut();
                let Some(task) = core.lifo.take() else {
                    return;
                };
                if core.lifo_polls >= MAX_LIFO_POLLS {
                    // To the back of the queue, for fairness. Into an empty queue, it is
                    // the next task this worker runs (it goes back to its loop now), so
                    // another worker woken for it would only race us to it: a wake-up
                    // and a park per capped chain, and the two tasks of a ping-pong
                    // bouncing between workers. With other tasks queued, another worker
                    // can take some: wake one.
                    let alone = core.local.is_empty();
                    core.local.push(task);
                    drop(core);
                    if !alone {
                        self.shared.notify_parked();
                    }
                    return;
                }
                core.lifo_polls += 1;
                task
            };
            stats::bump(&self.shared.counters[self.index].lifo_hits);
            self.poll(next);
        }
    }

    /// Polls `task`: counts it, and in debug mode times it (for the watchdog and the
    /// slow-poll report). Without debug mode: one relaxed load and store more than a
    /// bare poll.
    fn poll(&self, task: Notified) {
        stats::bump(&self.shared.counters[self.index].polls);
        if self.shared.debug.enabled {
            return self.poll_debug(task);
        }
        run_contained(task);
    }

    /// Debug mode's poll: two clock reads and the watchdog slot's lock, twice.
    #[inline(never)]
    fn poll_debug(&self, task: Notified) {
        let threshold = self.shared.debug.slow_poll_threshold;
        task.record_poll();
        let started = self.shared.watch.begin(self.index, task.info(), threshold);
        run_contained(task);
        let duration = started.elapsed();
        let task = self.shared.watch.end(self.index);
        if let (true, Some(task)) = (duration >= threshold, task) {
            self.shared.debug.report(Report::SlowPoll {
                task,
                worker: self.index,
                duration,
                threshold,
            });
        }
    }

    /// A searcher out of work watches the queues for up to [`SPIN`] (module docs). True if
    /// work appeared (or shutdown began): the caller goes round its loop again, still
    /// searching. False: park.
    fn spin_for_work(&self) -> bool {
        if !self.core.borrow().is_searching || !self.shared.park.may_spin(self.index) {
            return false;
        }
        if !self.core.borrow_mut().spin.should_spin() {
            return false;
        }
        stats::bump(&self.shared.counters[self.index].spins);
        let found = self.spin_until_work();
        self.core.borrow_mut().spin.record(found);
        found
    }

    #[cfg(not(eddy_loom))]
    fn spin_until_work(&self) -> bool {
        let started = std::time::Instant::now();
        loop {
            for _ in 0..SPIN_HINTS {
                std::hint::spin_loop();
            }
            if self.shared.has_stealable_work() || self.shared.is_shutdown() {
                stats::bump(&self.shared.counters[self.index].spins_found);
                return true;
            }
            if started.elapsed() >= SPIN {
                return false;
            }
        }
    }

    /// Under loom (no clock; a spin loop would multiply the interleavings) the spin is one
    /// more look, which is the step the models need: work made visible before it is found
    /// there, work made visible after it is left to the park path.
    #[cfg(eddy_loom)]
    fn spin_until_work(&self) -> bool {
        self.shared.has_stealable_work() || self.shared.is_shutdown()
    }

    fn park(&self) {
        stats::bump(&self.shared.counters[self.index].parks);
        let index = {
            let mut core = self.core.borrow_mut();
            let was_searching = std::mem::replace(&mut core.is_searching, false);
            self.shared
                .idle
                .transition_to_parked(core.index, was_searching);
            core.index
        };
        // Listed as a sleeper now: look once more, so work that a producer did not
        // announce (someone was still searching) is not slept through (idle.rs).
        self.shared.notify_if_work_pending();
        self.park_hook(|| self.shared.park.park(index));
        // Woken by a producer: counted as searching. Otherwise (spurious, or the driver):
        // unlisted and not searching.
        let notified = self.shared.idle.unpark_self(index);
        self.core.borrow_mut().is_searching = notified;
    }

    /// Runs a call into the park hook. Tasks the hook wakes (the reactor's or the timers'
    /// wakers, on this thread) land on this worker's queue; the wake of another worker
    /// they call for is made once, after the hook returned, as tokio does after its driver
    /// poll. Woken during the hook, that worker would find the reactor still held (the
    /// hook is dispatching the round's wakers inside it), settle for its parker and leave
    /// nobody in the reactor while this one runs the batch: new readiness would then wait
    /// for a maintenance tick (61 ticks) or a long park, so requests wait longer and
    /// batches grow; on a loaded machine each such wake-up also costs a futex wake and
    /// two context switches for a worker that often finds nothing left to steal.
    ///
    /// The delay is only until the hook returns, on this thread: the tasks are on this
    /// worker's own queue, which it runs next, so the deferral loses no wake-up (idle.rs).
    fn park_hook(&self, hook: impl FnOnce()) {
        /// Leaves the hook even if it unwinds (a waker that panics), and makes the
        /// deferred wake then too: the tasks woken before the panic are queued here.
        struct Leave<'a>(&'a WorkerContext, bool);
        impl Drop for Leave<'_> {
            fn drop(&mut self) {
                let Leave(cx, nested) = *self;
                cx.in_hook.set(nested);
                if !nested && cx.deferred_notify.replace(false) {
                    cx.shared.notify_parked_except(cx.index);
                }
            }
        }
        let _leave = Leave(self, self.in_hook.replace(true));
        hook();
    }

    /// This worker's index.
    pub(super) fn index(&self) -> usize {
        self.index
    }

    /// Schedules a task woken, spawned or yielded on this worker's thread. Returns it back if the
    /// core is busy (borrowed by the loop), or if the thread is inside `block_in_place` (the
    /// worker runs no task until the closure returns), for the caller to inject.
    pub(super) fn schedule_local(&self, task: Notified, placement: Placement) -> Option<Notified> {
        if self.blocking.get() {
            return Some(task);
        }
        let Ok(mut core) = self.core.try_borrow_mut() else {
            return Some(task);
        };
        let pushed = match placement {
            Placement::LifoIfFree if core.lifo.is_some() => {
                core.local.push(task);
                true
            }
            Placement::LifoIfFree => {
                core.lifo = Some(task);
                false
            }
            // The slot's previous task keeps its turn, at the back of the queue.
            Placement::Lifo => match core.lifo.replace(task) {
                Some(prev) => {
                    core.local.push(prev);
                    true
                }
                None => false,
            },
            // Not stealable yet; `release_yielded` announces it when it moves back.
            Placement::Yield => {
                core.yielded.push(task);
                false
            }
        };
        drop(core);
        if pushed && self.in_hook.get() {
            // Inside the park hook: wake another worker once the hook is done (see
            // `park_hook`).
            self.deferred_notify.set(true);
        } else if pushed {
            // Stealable work appeared: another idle worker may take it. Not this one: it
            // may still be listed as a sleeper (its park hook woke the task), and it runs
            // its own queue next anyway (idle.rs).
            self.shared.notify_parked_except(self.index);
        }
        None
    }

    /// `block_in_place` is about to run its closure on this thread (the caller's task is
    /// in its poll). From now until [`end_blocking`](Self::end_blocking), tasks scheduled
    /// here go to the injector; the tasks already queued here (LIFO slot first, then the
    /// local queue, then the yielded ones, so their order is kept) are moved there now,
    /// and a parked worker is woken for them. Returns whether this thread was already
    /// blocking (a nested call), for `end_blocking`.
    ///
    /// No new protocol: the moves are the owner's pops from its own queue, which thieves
    /// may race as always, and the wake is the injector's "new work, wake one"
    /// (`Shared::schedule_remote`), once for the batch. A woken worker starts searching
    /// and wakes one more when it finds work (idle.rs), so a long batch spreads out.
    pub(super) fn begin_blocking(&self) -> bool {
        let nested = self.blocking.replace(true);
        // Busy only if called from code the loop runs under its borrow (never a task
        // poll): nothing can be moved then, and only later schedules go elsewhere.
        let moved = match self.core.try_borrow_mut() {
            Ok(mut core) => core.hand_off(&self.shared),
            Err(_) => 0,
        };
        if moved > 0 {
            // SeqCst fence and wake one, as after any push to the injector.
            self.shared.notify_parked();
            // As in `schedule_remote`: the fence above pairs with `begin_shutdown`'s.
            // Either the executor's drain of the injector sees our pushes, or we see the
            // flag and drain it ourselves, so no task outlives a dead scheduler there.
            if self.shared.is_shutdown() {
                self.shared.drain_injector();
            }
        }
        nested
    }

    /// `block_in_place`'s closure returned (or unwound): back to scheduling locally,
    /// unless an outer `block_in_place` on this thread is still running (`nested`).
    pub(super) fn end_blocking(&self, nested: bool) {
        self.blocking.set(nested);
    }
}

impl Core {
    /// Moves every task this worker holds to the injector, in the order it would have run
    /// them; returns how many. The caller wakes a worker for them.
    fn hand_off(&mut self, shared: &Shared) -> usize {
        let mut moved = 0;
        let mut push = |task| {
            shared.injector.push(task);
            moved += 1;
        };
        if let Some(task) = self.lifo.take() {
            push(task);
        }
        while let Some(task) = self.local.pop() {
            push(task);
        }
        for task in self.yielded.drain(..) {
            push(task);
        }
        moved
    }

    fn next_task(&mut self, shared: &Shared) -> Option<Notified> {
        if self.tick % GLOBAL_POLL_INTERVAL == 0 {
            if let Some(task) = shared.injector.steal() {
                return Some(task);
            }
        }
        if let Some(task) = self.lifo.take() {
            stats::bump(&shared.counters[self.index].lifo_hits);
            return Some(task);
        }
        if let Some(task) = self.local.pop() {
            return Some(task);
        }
        self.take_from_injector(shared)
    }

    /// Moves every yielded task to the back of the local queue, where it runs after the
    /// tasks queued now and idle workers may steal it. An idle worker is woken only if
    /// there is more than one task for this one to run: a lone task spinning on
    /// `yield_now` stays put instead of waking a worker every maintenance tick.
    fn release_yielded(&mut self, shared: &Shared) {
        if self.yielded.is_empty() {
            return;
        }
        let more = self.yielded.len() > 1 || !self.local.is_empty() || self.lifo.is_some();
        for task in self.yielded.drain(..) {
            self.local.push(task);
        }
        if more {
            shared.notify_parked();
        }
    }

    /// A fair share of the injector: len / workers + 1 tasks, at most 128.
    fn take_from_injector(&mut self, shared: &Shared) -> Option<Notified> {
        if shared.injector.is_empty() {
            return None;
        }
        let limit = (shared.injector.len() / shared.num_workers() + 1).min(MAX_INJECTOR_BATCH);
        shared.injector.steal_batch_and_pop(&self.local, limit)
    }

    fn steal_work(&mut self, shared: &Shared) -> Option<Notified> {
        if !self.is_searching {
            if !shared.idle.transition_to_searching() {
                return None;
            }
            self.is_searching = true;
        }
        let workers = shared.num_workers();
        let start = self.rng.usize(..workers);
        for i in 0..workers {
            let victim = (start + i) % workers;
            if victim == self.index {
                continue;
            }
            if let Some(task) = shared.remotes[victim].steal_batch_and_pop(&self.local) {
                stats::bump(&shared.counters[self.index].steals);
                return Some(task);
            }
        }
        // The injector may have filled while we looked at the others.
        self.take_from_injector(shared)
    }
}

/// Polls a task: `coop::run_contained` (a fresh budget; an escaped panic aborts).
fn run_contained(task: Notified) {
    coop::run_contained(|| task.run());
}
