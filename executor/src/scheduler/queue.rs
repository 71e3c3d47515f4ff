//! Run queues: crossbeam-deque's FIFO worker queue, its stealers and the global injector,
//! behind the small API the scheduler uses. Under `--cfg eddy_loom` the sibling file
//! `queue_loom.rs` stands in with the same API on loom's mutex (crossbeam-deque has no
//! loom support), so the scheduler's protocols around the queues are still model-checked.
//!
//! Every operation retries crossbeam's `Steal::Retry` internally: callers see a task or
//! nothing.

use crossbeam_deque::{Injector as CbInjector, Steal, Stealer as CbStealer, Worker};

/// A worker's own queue: it pushes to the back and pops from the front.
#[derive(Debug)]
pub(crate) struct Local<T>(Worker<T>);

/// Another worker's handle on a local queue: takes from the front, in batches.
#[derive(Debug)]
pub(crate) struct Stealer<T>(CbStealer<T>);

/// The global queue for tasks scheduled from outside the workers.
#[derive(Debug)]
pub(crate) struct Injector<T>(CbInjector<T>);

/// A new local queue and its stealer.
pub(crate) fn local<T>() -> (Local<T>, Stealer<T>) {
    let worker = Worker::new_fifo();
    let stealer = worker.stealer();
    (Local(worker), Stealer(stealer))
}

fn retry<T>(mut op: impl FnMut() -> Steal<T>) -> Option<T> {
    loop {
        match op() {
            Steal::Success(task) => return Some(task),
            Steal::Empty => return None,
            Steal::Retry => std::hint::spin_loop(),
        }
    }
}

impl<T> Local<T> {
    pub(crate) fn push(&self, task: T) {
        self.0.push(task);
    }

    pub(crate) fn pop(&self) -> Option<T> {
        self.0.pop()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<T> Stealer<T> {
    /// Moves about half of the victim's tasks to `dest`, returning one of them.
    pub(crate) fn steal_batch_and_pop(&self, dest: &Local<T>) -> Option<T> {
        retry(|| self.0.steal_batch_and_pop(&dest.0))
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Tasks in the queue right now (for metrics; racy by nature).
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// Takes one task from the front (for draining at shutdown).
    pub(crate) fn steal(&self) -> Option<T> {
        retry(|| self.0.steal())
    }
}

impl<T> Injector<T> {
    pub(crate) fn new() -> Injector<T> {
        Injector(CbInjector::new())
    }

    pub(crate) fn push(&self, task: T) {
        self.0.push(task);
    }

    /// Takes one task from the front.
    pub(crate) fn steal(&self) -> Option<T> {
        retry(|| self.0.steal())
    }

    /// Moves up to `limit` tasks to `dest`, returning one of them. crossbeam takes at
    /// most half of what it sees per call, so this asks again until `limit` is reached
    /// or the injector is empty: a lone worker takes its whole fair share, and a task
    /// that yields goes behind all of it.
    pub(crate) fn steal_batch_and_pop(&self, dest: &Local<T>, limit: usize) -> Option<T> {
        let start = dest.0.len();
        let first = retry(|| self.0.steal_batch_with_limit_and_pop(&dest.0, limit))?;
        loop {
            // Saturating: a thief may take from `dest` meanwhile.
            let taken = dest.0.len().saturating_sub(start) + 1;
            if taken >= limit {
                break;
            }
            if retry(|| self.0.steal_batch_with_limit(&dest.0, limit - taken)).is_none() {
                break;
            }
        }
        Some(first)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }
}
