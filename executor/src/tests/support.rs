//! Test doubles: a scheduler that only queues (STYLE rule 2), drop and poll counters.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::loom::atomic::{AtomicUsize, Ordering};
use crate::loom::sync::Mutex;
use crate::loom::Arc;
use crate::task::list::OwnedTasks;
use crate::task::{self, Id, JoinHandle, Notified, Schedule, Task};

/// Runs `f` as a loom model under `--cfg eddy_loom`, once otherwise.
pub(crate) fn model(f: impl Fn() + Sync + Send + 'static) {
    #[cfg(eddy_loom)]
    loom::model(f);
    #[cfg(not(eddy_loom))]
    f();
}

/// A scheduler that only pushes woken tasks onto a queue; the test decides when they run.
#[derive(Clone)]
pub(crate) struct TestScheduler(Arc<Inner>);

struct Inner {
    queue: Mutex<VecDeque<Notified<TestScheduler>>>,
    owned: OwnedTasks<TestScheduler>,
}

impl TestScheduler {
    pub(crate) fn new() -> TestScheduler {
        TestScheduler(Arc::new(Inner {
            queue: Mutex::new(VecDeque::new()),
            owned: OwnedTasks::new(2),
        }))
    }

    /// Spawns without running: the first poll waits in the queue.
    pub(crate) fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (task, notified, join) = task::new_task(future, self.clone(), Id::next());
        if let Some(notified) = self.0.owned.bind(task, notified) {
            self.schedule(notified);
        }
        join
    }

    /// Runs the next queued task; false if the queue was empty.
    pub(crate) fn run_one(&self) -> bool {
        let next = self.0.queue.lock().pop_front();
        match next {
            Some(task) => {
                task.run();
                true
            }
            None => false,
        }
    }

    /// Runs queued tasks until the queue is empty; returns how many ran.
    pub(crate) fn run_until_idle(&self) -> usize {
        let mut ran = 0;
        while self.run_one() {
            ran += 1;
        }
        ran
    }

    pub(crate) fn queued(&self) -> usize {
        self.0.queue.lock().len()
    }

    /// Closes the owned list, cancelling every task, and drops the queue.
    pub(crate) fn shutdown(&self) {
        self.0.owned.close_and_shutdown_all();
        let drained: Vec<_> = self.0.queue.lock().drain(..).collect();
        drop(drained);
    }

    pub(crate) fn owns_no_tasks(&self) -> bool {
        self.0.owned.is_empty()
    }
}

impl Schedule for TestScheduler {
    fn schedule(&self, task: Notified<Self>) {
        self.0.queue.lock().push_back(task);
    }

    fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
        self.0.owned.remove(task)
    }
}

/// Counts how often it was polled and whether it was dropped.
#[derive(Clone, Default)]
pub(crate) struct Counters(Arc<(AtomicUsize, AtomicUsize)>);

impl Counters {
    pub(crate) fn new() -> Counters {
        Counters(Arc::new((AtomicUsize::new(0), AtomicUsize::new(0))))
    }

    pub(crate) fn polls(&self) -> usize {
        self.0 .0.load(Ordering::SeqCst)
    }

    pub(crate) fn drops(&self) -> usize {
        self.0 .1.load(Ordering::SeqCst)
    }
}

/// A future that counts its polls and its drop, ready after `ready_after` polls (never,
/// if `None`), stashing its waker for the test to fire.
pub(crate) struct Tracked {
    counters: Counters,
    ready_after: Option<usize>,
    waker: Arc<Mutex<Option<std::task::Waker>>>,
}

impl Tracked {
    pub(crate) fn new(ready_after: Option<usize>) -> (Tracked, Counters, WakerSlot) {
        let counters = Counters::new();
        let waker = Arc::new(Mutex::new(None));
        (
            Tracked {
                counters: counters.clone(),
                ready_after,
                waker: waker.clone(),
            },
            counters,
            WakerSlot(waker),
        )
    }
}

impl Future for Tracked {
    type Output = usize;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        let polls = self.counters.0 .0.fetch_add(1, Ordering::SeqCst) + 1;
        if self.ready_after.is_some_and(|n| polls >= n) {
            return Poll::Ready(polls);
        }
        *self.waker.lock() = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.counters.0 .1.fetch_add(1, Ordering::SeqCst);
    }
}

/// Where a [`Tracked`] future leaves its latest waker.
#[derive(Clone)]
pub(crate) struct WakerSlot(Arc<Mutex<Option<std::task::Waker>>>);

impl WakerSlot {
    /// A clone of the latest waker (panics if the future was never polled).
    pub(crate) fn get(&self) -> std::task::Waker {
        self.0.lock().clone().expect("the future has not been polled yet")
    }

    /// Drops the stored waker.
    pub(crate) fn clear(&self) {
        self.0.lock().take();
    }
}
