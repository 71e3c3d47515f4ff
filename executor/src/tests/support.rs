//! Test doubles: a scheduler that only queues (CONTRIBUTING.md, rule 2), drop and poll counters.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::loom::atomic::{AtomicUsize, Ordering};
use crate::loom::sync::Mutex;
use crate::loom::Arc;
use crate::task::list::OwnedTasks;
use crate::task::{self, Id, JoinError, JoinHandle, Notified, Schedule, Task};

/// A scheduler that only pushes woken tasks onto a queue; the test decides when they run.
///
/// Each task keeps its own copy of the scheduler, dropped when the task's allocation is
/// freed. The copy made by [`spawn_counting_free`](Self::spawn_counting_free) carries a
/// [`DropToken`], which turns that drop into a count of frees.
#[derive(Clone)]
pub(crate) struct TestScheduler {
    inner: Arc<Inner>,
    /// Held only to be dropped with the task (see `spawn_counting_free`).
    _freed: Option<Arc<DropToken>>,
}

struct Inner {
    queue: Mutex<VecDeque<Notified<TestScheduler>>>,
    owned: OwnedTasks<TestScheduler>,
    /// `Schedule::unhandled_panic` calls, by task id.
    unhandled: Mutex<Vec<Id>>,
}

impl TestScheduler {
    pub(crate) fn new() -> TestScheduler {
        TestScheduler {
            inner: Arc::new(Inner {
                queue: Mutex::new(VecDeque::new()),
                owned: OwnedTasks::new(2),
                unhandled: Mutex::new(Vec::new()),
            }),
            _freed: None,
        }
    }

    /// Spawns without running: the first poll waits in the queue.
    #[track_caller]
    pub(crate) fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.spawn_with(future, None)
    }

    /// Spawns like [`spawn`](Self::spawn); `freed` is dropped, and so counted in its
    /// [`Counters`], when the task's allocation is freed (with the task's copy of the
    /// scheduler, which nothing else clones).
    #[track_caller]
    pub(crate) fn spawn_counting_free<F>(
        &self,
        future: F,
        freed: DropToken,
    ) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.spawn_with(future, Some(Arc::new(freed)))
    }

    #[track_caller]
    fn spawn_with<F>(&self, future: F, freed: Option<Arc<DropToken>>) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let copy = TestScheduler {
            inner: self.inner.clone(),
            _freed: freed,
        };
        let (task, notified, join) =
            task::new_task(future, copy, Id::next(), task::SpawnMeta::caller(), false);
        if let Some(notified) = self.inner.owned.bind(task, notified) {
            self.schedule(notified);
        }
        join
    }

    /// Runs the next queued task; false if the queue was empty.
    pub(crate) fn run_one(&self) -> bool {
        let next = self.inner.queue.lock().pop_front();
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
        self.inner.queue.lock().len()
    }

    /// Closes the owned list, cancelling every task, and drops the queue.
    pub(crate) fn shutdown(&self) {
        self.inner.owned.close_and_shutdown_all();
        let drained: Vec<_> = self.inner.queue.lock().drain(..).collect();
        drop(drained);
    }

    /// The tasks reported through `Schedule::unhandled_panic`, in order.
    pub(crate) fn unhandled_panics(&self) -> Vec<Id> {
        self.inner.unhandled.lock().clone()
    }

    pub(crate) fn owns_no_tasks(&self) -> bool {
        self.inner.owned.is_empty()
    }

    /// True when this is the last handle: every task (each holds a clone) was freed.
    pub(crate) fn is_last_handle(&self) -> bool {
        Arc::strong_count(&self.inner) == 1
    }
}

impl Schedule for TestScheduler {
    fn schedule(&self, task: Notified<Self>) {
        self.inner.queue.lock().push_back(task);
    }

    fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
        self.inner.owned.remove(task)
    }

    fn unhandled_panic(&self, task: task::TaskInfo, _error: &JoinError) {
        self.inner.unhandled.lock().push(task.id());
    }
}

/// Counts how often it was polled and whether it was dropped.
#[derive(Clone, Default)]
pub(crate) struct Counters(Arc<CounterCells>);

#[derive(Default)]
struct CounterCells {
    polls: AtomicUsize,
    drops: AtomicUsize,
    /// Polls running right now: more than one is a broken `RUNNING` protocol.
    in_poll: AtomicUsize,
}

impl Counters {
    pub(crate) fn new() -> Counters {
        Counters(Arc::new(CounterCells {
            polls: AtomicUsize::new(0),
            drops: AtomicUsize::new(0),
            in_poll: AtomicUsize::new(0),
        }))
    }

    pub(crate) fn polls(&self) -> usize {
        self.0.polls.load(Ordering::SeqCst)
    }

    pub(crate) fn drops(&self) -> usize {
        self.0.drops.load(Ordering::SeqCst)
    }

    /// A value whose drop is counted here (a task's output, say).
    pub(crate) fn drop_token(&self) -> DropToken {
        DropToken(self.clone())
    }
}

/// Counts its drop in the [`Counters`] it came from.
pub(crate) struct DropToken(Counters);

impl Drop for DropToken {
    fn drop(&mut self) {
        self.0 .0.drops.fetch_add(1, Ordering::SeqCst);
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
        let cells = &self.counters.0;
        let concurrent = cells.in_poll.fetch_add(1, Ordering::SeqCst);
        assert_eq!(concurrent, 0, "two threads poll one task at once");
        let polls = cells.polls.fetch_add(1, Ordering::SeqCst) + 1;
        let ready = self.ready_after.is_some_and(|n| polls >= n);
        if !ready {
            *self.waker.lock() = Some(cx.waker().clone());
        }
        cells.in_poll.fetch_sub(1, Ordering::SeqCst);
        if ready {
            Poll::Ready(polls)
        } else {
            Poll::Pending
        }
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.counters.0.drops.fetch_add(1, Ordering::SeqCst);
    }
}

/// Where a [`Tracked`] future leaves its latest waker.
#[derive(Clone)]
pub(crate) struct WakerSlot(Arc<Mutex<Option<std::task::Waker>>>);

impl WakerSlot {
    /// A clone of the latest waker (panics if the future was never polled).
    pub(crate) fn get(&self) -> std::task::Waker {
        self.0
            .lock()
            .clone()
            .expect("the future has not been polled yet")
    }

    /// Drops the stored waker.
    pub(crate) fn clear(&self) {
        self.0.lock().take();
    }
}

/// A join waker that counts its wakes (a `std::sync::Arc`, as `Waker::from` wants; the
/// counter inside is the shim's, so loom orders it).
pub(crate) struct WakeCounter(AtomicUsize);

impl WakeCounter {
    pub(crate) fn new() -> std::sync::Arc<WakeCounter> {
        std::sync::Arc::new(WakeCounter(AtomicUsize::new(0)))
    }

    pub(crate) fn wakes(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl std::task::Wake for WakeCounter {
    fn wake(self: std::sync::Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Polls a JoinHandle once with `waker`.
pub(crate) fn poll_join<T>(
    handle: &mut JoinHandle<T>,
    waker: &std::task::Waker,
) -> Poll<Result<T, JoinError>> {
    Pin::new(handle).poll(&mut Context::from_waker(waker))
}

/// A one-shot event a task can wait for: `set` from any thread wakes the waiting task.
#[derive(Clone)]
pub(crate) struct Signal(Arc<Mutex<(bool, Option<std::task::Waker>)>>);

impl Signal {
    pub(crate) fn new() -> Signal {
        Signal(Arc::new(Mutex::new((false, None))))
    }

    /// Sets the event and wakes the waiting task (by value, outside the lock).
    pub(crate) fn set(&self) {
        let waker = {
            let mut inner = self.0.lock();
            inner.0 = true;
            inner.1.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// A future that is ready once the event is set.
    pub(crate) fn wait(&self) -> impl Future<Output = ()> + Send + 'static {
        let signal = self.clone();
        std::future::poll_fn(move |cx| {
            let mut inner = signal.0.lock();
            if inner.0 {
                Poll::Ready(())
            } else {
                inner.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        })
    }
}
