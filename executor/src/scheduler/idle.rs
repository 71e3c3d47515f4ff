//! Who is searching, who is parked: the accounting that wakes idle workers one at a time.
//!
//! Rules (after tokio's `idle.rs` and Go's scheduler):
//!
//! * A producer that makes work (a push to a local queue or the injector) wakes a parked
//!   worker only if **no** worker is searching: a searcher will find the work anyway.
//! * At most half of the workers search at once (`transition_to_searching` refuses more),
//!   so idle workers do not all hammer the same victims.
//! * A woken worker starts as a searcher; when a searcher finds work and it was the last
//!   searcher, it wakes one more (`transition_from_searching`), so the wake-ups ramp up
//!   one by one with the load instead of as a thundering herd.
//! * The last searcher to park re-checks every queue after it stops counting as a
//!   searcher (`Shared::notify_if_work_pending`). This closes the race with a producer
//!   that saw it still searching and so woke nobody: the producer's SeqCst fence after
//!   its push (in `Shared::notify_parked` for local pushes, `Shared::schedule_remote` for
//!   the injector) and the SeqCst update here order the two, so one of them sees the
//!   other's write.
//! * Every parking worker, searcher or not, re-checks the queues after listing itself as a
//!   sleeper: a worker refused as a searcher could otherwise sleep through work that a
//!   producer declined to announce while others searched.
//! * A worker that pushes to **its own** queue while it is listed as a sleeper (inside its
//!   park hook: the reactor or a timer woke tasks) never picks itself
//!   ([`worker_to_notify_except`](Idle::worker_to_notify_except)): it runs its own queue
//!   as soon as the hook returns, so nothing is lost, and waking itself would only cost a
//!   reactor notification (an eventfd write and a spurious poll round) while the worker
//!   that could steal stays asleep. And it wakes that other worker only once the hook has
//!   returned (`WorkerContext::park_hook`), once for the whole round, as tokio does: woken
//!   while the hook still holds the reactor, it would find the reactor taken and sleep on
//!   its parker, leaving nobody in the reactor while this worker runs the batch. The
//!   delay loses nothing: the tasks are on this worker's queue, which it runs next.

use crate::loom::atomic::{AtomicUsize, Ordering::SeqCst};
use crate::loom::sync::Mutex;

/// Bits of `state` holding the number of searching workers; the rest counts the
/// unparked ones.
const UNPARK_SHIFT: usize = 16;
const SEARCH_MASK: usize = (1 << UNPARK_SHIFT) - 1;

#[derive(Debug)]
pub(crate) struct Idle {
    /// `(unparked << 16) | searching`.
    state: AtomicUsize,
    /// Indices of the parked workers.
    sleepers: Mutex<Vec<usize>>,
    num_workers: usize,
}

impl Idle {
    pub(crate) fn new(num_workers: usize) -> Idle {
        assert!(num_workers < SEARCH_MASK, "too many worker threads");
        Idle {
            state: AtomicUsize::new(num_workers << UNPARK_SHIFT),
            sleepers: Mutex::new(Vec::with_capacity(num_workers)),
            num_workers,
        }
    }

    /// After new work was made visible: the worker to wake, if one should be woken. The
    /// returned worker is already counted as unparked and searching.
    pub(crate) fn worker_to_notify(&self) -> Option<usize> {
        self.pick(None)
    }

    /// [`worker_to_notify`](Idle::worker_to_notify) for work pushed to `producer`'s own
    /// queue: never `producer` itself, which may still be listed as a sleeper while its
    /// park hook wakes tasks (module docs).
    pub(crate) fn worker_to_notify_except(&self, producer: usize) -> Option<usize> {
        self.pick(Some(producer))
    }

    fn pick(&self, except: Option<usize>) -> Option<usize> {
        // Fast path, no lock: someone is searching, or nobody is parked.
        if !self.should_notify() {
            return None;
        }
        let mut sleepers = self.sleepers.lock();
        // Re-check under the lock: another producer may have woken a searcher.
        if !self.should_notify() {
            return None;
        }
        // The most recent sleeper other than `except`; `remove` keeps the others' order.
        let i = sleepers.iter().rposition(|&w| Some(w) != except)?;
        let worker = sleepers.remove(i);
        // One more unparked, one more searching. SeqCst: orders with the loads in
        // `should_notify` of concurrent producers and the searcher updates below.
        self.state.fetch_add((1 << UNPARK_SHIFT) | 1, SeqCst);
        Some(worker)
    }

    /// A worker out of local work wants to steal. False when enough workers search.
    pub(crate) fn transition_to_searching(&self) -> bool {
        let state = self.state.load(SeqCst);
        if 2 * (state & SEARCH_MASK) >= self.num_workers {
            return false;
        }
        // Racy by design: two workers may both pass the check; the bound is "about half".
        self.state.fetch_add(1, SeqCst);
        true
    }

    /// A searcher found work. True when it was the last searcher: the caller must wake
    /// another worker (there may be more work where this came from).
    pub(crate) fn transition_from_searching(&self) -> bool {
        let prev = self.state.fetch_sub(1, SeqCst);
        debug_assert!(prev & SEARCH_MASK > 0);
        prev & SEARCH_MASK == 1
    }

    /// Worker `worker` is about to park; the caller then re-checks the queues (see the
    /// module docs).
    pub(crate) fn transition_to_parked(&self, worker: usize, is_searching: bool) {
        let mut sleepers = self.sleepers.lock();
        let dec = (1 << UNPARK_SHIFT) | usize::from(is_searching);
        // SeqCst: pairs with the producers' fences (see module docs).
        self.state.fetch_sub(dec, SeqCst);
        sleepers.push(worker);
    }

    /// Worker `worker` returned from `park`. If it is still listed as a sleeper nobody
    /// notified it (a spurious wake-up, or the driver woke it for I/O or a timer): it
    /// unlists itself and returns false. True means a producer woke it and counted it as
    /// a searcher.
    pub(crate) fn unpark_self(&self, worker: usize) -> bool {
        let mut sleepers = self.sleepers.lock();
        match sleepers.iter().position(|&w| w == worker) {
            Some(i) => {
                sleepers.swap_remove(i);
                self.state.fetch_add(1 << UNPARK_SHIFT, SeqCst);
                false
            }
            None => true,
        }
    }

    /// Searching workers right now (for tests and metrics).
    pub(crate) fn num_searching(&self) -> usize {
        self.state.load(SeqCst) & SEARCH_MASK
    }

    fn should_notify(&self) -> bool {
        let state = self.state.load(SeqCst);
        state & SEARCH_MASK == 0 && (state >> UNPARK_SHIFT) < self.num_workers
    }
}
