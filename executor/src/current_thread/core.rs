//! The loop: `block_on` takes the core (the run queue), then polls the main future when
//! it is woken and runs tasks in FIFO order until the main future completes.
//!
//! ```text
//! loop:  main future woken (checked at the first tick, every 61st and when the queue
//!          runs dry)? poll it (Ready: give the core back, return)
//!        every 61st tick: the park hook's maintenance, then the yielded tasks go back
//!        next task: the run queue, else the injector     --> run it --> loop
//!        none, but tasks yielded: maintenance (due timers, I/O without blocking),
//!          then the yielded tasks go back behind what that woke            --> loop
//!        nothing at all: park (timers, I/O, or an unpark from a wake)      --> loop
//! ```

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::sync::Arc as StdArc;
use std::task::{Context as TaskContext, Poll, Wake, Waker};
use std::thread::ThreadId;

use super::shared::{Entry, Handle};
use crate::coop;
use crate::debug::Report;
use crate::loom::atomic::{AtomicBool, Ordering};
use crate::loom::stats;
use crate::park::Parker;
use crate::rand::ThreadRng;
use crate::task::{JoinHandle, SpawnMeta};

/// Every this many ticks: the injector first, and the park hook's maintenance (due
/// timers, I/O without blocking), as on the multi-thread workers.
const GLOBAL_POLL_INTERVAL: u32 = 61;

/// The loop's own state. It lives in `Shared` while no thread runs the loop, so tasks
/// queued in one `block_on` run in the next.
pub(crate) struct Core {
    queue: VecDeque<Entry>,
    /// Tasks that yielded: they go back behind everything ready, after a maintenance
    /// round (asyncio's `sleep(0)`).
    yielded: Vec<Entry>,
    /// Local tasks popped while a thread other than their owner ran the loop: they wait
    /// here for the owner.
    foreign: Vec<Entry>,
    tick: u32,
    /// The random source of the thread running the loop (`select!`'s branch order):
    /// installed while the loop runs, so a seeded runtime replays the same choices.
    rng: ThreadRng,
}

impl Core {
    pub(super) fn new(seed: u64) -> Core {
        Core {
            queue: VecDeque::new(),
            yielded: Vec::new(),
            foreign: Vec::new(),
            tick: 0,
            rng: ThreadRng::with_seed(seed),
        }
    }

    /// Tasks queued, yielded or waiting for their thread.
    pub(super) fn len(&self) -> usize {
        self.queue.len() + self.yielded.len() + self.foreign.len()
    }

    fn release_yielded(&mut self) {
        self.queue.extend(self.yielded.drain(..));
    }
}

/// The thread running a loop: its scheduler and the core (taken out only briefly, never
/// across a task's poll).
struct Context {
    handle: Handle,
    core: RefCell<Option<Box<Core>>>,
    thread: ThreadId,
}

crate::loom::const_thread_local! {
    static CURRENT: RefCell<Option<Rc<Context>>> = RefCell::new(None);
}

/// On the thread running `handle`'s loop (and not mid-borrow), queues `entry` there and
/// returns `None`; otherwise gives it back for the injector.
pub(super) fn schedule_here(handle: &Handle, entry: Entry, yielded: bool) -> Option<Entry> {
    let mut entry = Some(entry);
    let _ = CURRENT.try_with(|cx| {
        let cx = cx.borrow();
        let Some(cx) = cx.as_ref().filter(|cx| cx.handle.same(handle)) else {
            return;
        };
        let Ok(mut core) = cx.core.try_borrow_mut() else {
            return;
        };
        if let Some(core) = core.as_mut() {
            let entry = entry.take().expect("taken once");
            if yielded {
                core.yielded.push(entry);
            } else {
                core.queue.push_back(entry);
            }
        }
    });
    entry
}

/// True when this thread runs `handle`'s loop.
pub(crate) fn runs_here(handle: &Handle) -> bool {
    CURRENT
        .try_with(|cx| {
            cx.borrow()
                .as_ref()
                .is_some_and(|cx| cx.handle.same(handle))
        })
        .unwrap_or(false)
}

/// Spawns a local task on the scheduler whose loop this thread runs, without cloning its
/// handle (the `spawn_local` hot path). Gives the future back when no loop runs here or
/// this thread does not own the scheduler's local tasks.
pub(crate) fn spawn_local_here<F>(
    future: F,
    meta: SpawnMeta<'_>,
) -> Result<JoinHandle<F::Output>, F>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let mut future = Some(future);
    let spawned = CURRENT
        .try_with(|cx| {
            let cx = cx.borrow();
            let cx = cx.as_ref()?;
            let future = future.take().expect("taken once");
            Some(cx.handle.spawn_local_as(cx.thread, future, meta))
        })
        .ok()
        .flatten();
    match spawned {
        Some(result) => result,
        None => Err(future.take().expect("not taken")),
    }
}

/// The scheduler whose loop this thread runs, if any.
pub(crate) fn current() -> Option<Handle> {
    CURRENT
        .try_with(|cx| cx.borrow().as_ref().map(|cx| cx.handle.clone()))
        .ok()
        .flatten()
}

/// The main future's waker: marks it woken and wakes whoever runs it — the loop (through
/// the park hook) or, while another thread holds the core, this thread's own parker.
struct MainWaker {
    woken: AtomicBool,
    holding_core: AtomicBool,
    parker: Parker,
    handle: Handle,
}

impl Wake for MainWaker {
    fn wake(self: StdArc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &StdArc<Self>) {
        // Woken by a task on the loop's own thread (a JoinHandle's completion, say): the
        // loop reads the flag before it parks, so setting it is enough — no unpark, no
        // fence. `holding_core` is this thread's own store when the loop runs here.
        if self.holding_core.load(Ordering::Relaxed) && runs_here(&self.handle) {
            self.woken.store(true, Ordering::Relaxed);
            return;
        }
        // A read-modify-write, as the loop's `swap(false)`: the two are totally ordered,
        // so the loop's swap after its parker returns cannot miss this one.
        self.woken.swap(true, Ordering::SeqCst);
        if self.holding_core.load(Ordering::SeqCst) {
            self.handle.park.unpark(0);
            return;
        }
        self.parker.unpark();
        // Covers a `block_on` that took the core since the load above: it polls the main
        // future first (`woken` is set), or is unparked here.
        if self.holding_core.load(Ordering::SeqCst) {
            self.handle.park.unpark(0);
        }
    }
}

/// Runs `future` to completion on this thread, running the scheduler's tasks while it
/// waits whenever no other thread runs them.
#[track_caller]
pub(crate) fn block_on<F: Future>(handle: &Handle, future: F) -> F::Output {
    let _entered = crate::scheduler::context::enter();
    let mut future = pin!(future);
    let main = StdArc::new(MainWaker {
        woken: AtomicBool::new(true),
        holding_core: AtomicBool::new(false),
        parker: Parker::new(),
        handle: handle.clone(),
    });
    let waker = Waker::from(main.clone());
    loop {
        if !handle.is_shutdown() {
            if let Some(core) = handle.take_core() {
                if let Some(output) = run(handle, core, future.as_mut(), &main, &waker) {
                    return output;
                }
                continue;
            }
        }
        // Another thread runs the loop (or it shut down): poll the future alone, and
        // come back for the core when it is returned.
        if main.woken.swap(false, Ordering::SeqCst) {
            let mut cx = TaskContext::from_waker(&waker);
            if let Poll::Ready(output) = coop::budget(|| future.as_mut().poll(&mut cx)) {
                return output;
            }
        }
        if !handle.is_shutdown() {
            {
                let mut waiters = handle.core_waiters.lock();
                if !waiters.iter().any(|w| w.will_wake(&waker)) {
                    waiters.push(waker.clone());
                }
            }
            // Registered first, then looked: a core returned meanwhile is taken at the
            // top of the loop, one returned later wakes us.
            if handle.core_available() {
                continue;
            }
        }
        // Until the future is woken, or the core comes back.
        main.parker.park();
    }
}

/// Gives the core back when the loop ends, even by a panic of the main future.
struct Release {
    cx: Rc<Context>,
}

impl Drop for Release {
    fn drop(&mut self) {
        let _ = CURRENT.try_with(|c| c.borrow_mut().take());
        let core = self.cx.core.borrow_mut().take();
        if let Some(mut core) = core {
            if let Some(rng) = crate::rand::replace_thread_rng(None) {
                core.rng = rng;
            }
            self.cx.handle.return_core(core);
        }
    }
}

/// The loop, holding the core. `None` if the scheduler shut down first (the caller goes
/// on polling the future alone).
fn run<F: Future>(
    handle: &Handle,
    mut core: Box<Core>,
    mut future: Pin<&mut F>,
    main: &StdArc<MainWaker>,
    waker: &Waker,
) -> Option<F::Output> {
    let thread = std::thread::current().id();
    if handle.local_owner() == Some(thread) && !core.foreign.is_empty() {
        let foreign = std::mem::take(&mut core.foreign);
        core.queue.extend(foreign);
    }
    crate::rand::replace_thread_rng(Some(core.rng.clone()));
    let cx = Rc::new(Context {
        handle: handle.clone(),
        core: RefCell::new(Some(core)),
        thread,
    });
    CURRENT.with(|c| *c.borrow_mut() = Some(cx.clone()));
    let _release = Release { cx: cx.clone() };
    main.holding_core.store(true, Ordering::SeqCst);
    struct NotHolding<'a>(&'a MainWaker);
    impl Drop for NotHolding<'_> {
        fn drop(&mut self) {
            self.0.holding_core.store(false, Ordering::SeqCst);
        }
    }
    let _holding = NotHolding(main);
    let mut task_cx = TaskContext::from_waker(waker);
    // The main future is polled when it was woken, but only between batches: at the
    // first tick, every maintenance tick (61), and whenever the queue runs dry — tokio's
    // rule too. Polling it after every task its wake follows would cost one poll (and a
    // waker clone) per task in a loop that awaits many handles; this way it finds most of
    // them complete, as asyncio's loop would (a woken coroutine waits its FIFO turn).
    let mut check_main = true;
    loop {
        if handle.is_shutdown() {
            return None;
        }
        if check_main {
            check_main = false;
            if main.woken.load(Ordering::Relaxed) && main.woken.swap(false, Ordering::SeqCst) {
                if let Poll::Ready(output) = coop::budget(|| future.as_mut().poll(&mut task_cx)) {
                    return Some(output);
                }
            }
        }
        // Maintenance first, so the next task is picked from whatever it woke: a timer it
        // fired must not sit in the queue while the loop parks.
        let maintenance = cx.tick();
        if maintenance {
            handle.park.maintain(0);
            cx.with_core(Core::release_yielded);
            check_main = true;
        }
        if let Some(entry) = cx.next_entry(maintenance) {
            cx.run_entry(entry);
            continue;
        }
        check_main = true;
        if cx.with_core(|core| !core.yielded.is_empty()) {
            // Timers and I/O get their turn before the yielded tasks run again, so what
            // they wake runs first (a yield goes behind everything ready).
            handle.park.maintain(0);
            cx.with_core(Core::release_yielded);
            continue;
        }
        if main.woken.load(Ordering::SeqCst) {
            continue;
        }
        stats::bump(&handle.counters.parks);
        handle.park.park(0);
    }
}

impl Context {
    fn with_core<R>(&self, f: impl FnOnce(&mut Core) -> R) -> R {
        let mut core = self.core.borrow_mut();
        f(core.as_mut().expect("the loop holds its core"))
    }

    /// Counts a tick; true on a maintenance tick.
    fn tick(&self) -> bool {
        self.with_core(|core| {
            core.tick = core.tick.wrapping_add(1);
            core.tick % GLOBAL_POLL_INTERVAL == 0
        })
    }

    /// The next task to run: on a maintenance tick the injector's first, else the run
    /// queue's, else the injector's.
    fn next_entry(&self, maintenance: bool) -> Option<Entry> {
        let handle = &self.handle;
        if maintenance {
            if let Some(entry) = handle.pop_injected() {
                return Some(entry);
            }
        }
        self.with_core(|core| core.queue.pop_front())
            .or_else(|| handle.pop_injected())
    }

    /// Polls a task, unless it is a local task of another thread: that one waits for its
    /// owner to run the loop.
    fn run_entry(&self, entry: Entry) {
        if let Entry::Local(_) = &entry {
            if self.handle.local_owner() != Some(self.thread) {
                self.with_core(|core| core.foreign.push(entry));
                return;
            }
        }
        stats::bump(&self.handle.counters.polls);
        if self.handle.debug.enabled {
            return self.run_debug(entry);
        }
        run_contained(entry);
    }

    /// Debug mode: times the poll and reports it if slow (no watchdog thread: a stuck
    /// poll is reported when it returns).
    #[inline(never)]
    fn run_debug(&self, entry: Entry) {
        let threshold = self.handle.debug.slow_poll_threshold;
        entry.record_poll();
        let info = entry.info();
        let started = std::time::Instant::now();
        run_contained(entry);
        let duration = started.elapsed();
        if duration >= threshold {
            self.handle.debug.report(Report::SlowPoll {
                task: info,
                worker: 0,
                duration,
                threshold,
            });
        }
    }
}

/// Polls a task: `coop::run_contained` (a fresh budget; an escaped panic aborts).
fn run_contained(entry: Entry) {
    coop::run_contained(|| match entry {
        Entry::Send(task) => task.run(),
        Entry::Local(task) => task.run(),
    });
}

/// The number of tasks in the core if this thread runs `handle`'s loop.
pub(super) fn queue_depth_here(handle: &Handle) -> Option<usize> {
    CURRENT
        .try_with(|cx| {
            let cx = cx.borrow();
            let cx = cx.as_ref().filter(|cx| cx.handle.same(handle))?;
            let core = cx.core.try_borrow().ok()?;
            core.as_ref().map(|core| core.len())
        })
        .ok()
        .flatten()
}
