//! The ready list: how a [`JoinSet`](super::JoinSet) learns which of its tasks finished.
//!
//! Each spawned future is wrapped in [`Notifying`], whose guard, when the task lets go of
//! its future (it completed, panicked or was cancelled: in every case the runtime drops
//! the future), pushes the task's key onto the set's shared [`Ready`] list and wakes the
//! waker the set left there.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use parking_lot::Mutex;
use pin_project_lite::pin_project;

/// The ready list, shared by the set and its tasks' [`Notifying`] guards.
pub(super) struct Ready {
    inner: Mutex<ReadyInner>,
}

struct ReadyInner {
    keys: VecDeque<u64>,
    waker: Option<Waker>,
}

impl Ready {
    pub(super) fn new() -> Arc<Ready> {
        Arc::new(Ready {
            inner: Mutex::new(ReadyInner {
                keys: VecDeque::new(),
                waker: None,
            }),
        })
    }

    /// The next key pushed. When there is none and `waker` is given, it is left to be
    /// woken by the next push: registered under the lock, so a guard pushing after this
    /// sees it.
    pub(super) fn pop(&self, waker: Option<&Waker>) -> Option<u64> {
        let mut inner = self.inner.lock();
        if let Some(key) = inner.keys.pop_front() {
            return Some(key);
        }
        let stale = match waker {
            Some(waker) if !inner.waker.as_ref().is_some_and(|w| w.will_wake(waker)) => {
                inner.waker.replace(waker.clone())
            }
            _ => None,
        };
        // The waker replaced is dropped once the lock is released.
        drop(inner);
        drop(stale);
        None
    }

    /// Forgets every key pushed.
    pub(super) fn clear(&self) {
        self.inner.lock().keys.clear();
    }
}

pin_project! {
    /// A task's future, with the guard that reports to the set when the future goes.
    pub(super) struct Notifying<F> {
        #[pin]
        future: F,
        guard: Guard,
    }
}

impl<F> Notifying<F> {
    /// `future`, reporting to the set through `guard` when it is dropped.
    pub(super) fn new(future: F, guard: Guard) -> Notifying<F> {
        Notifying { future, guard }
    }
}

impl<F: Future> Future for Notifying<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.project().future.poll(cx)
    }
}

/// Pushes its key and wakes the set when dropped: when the task completes, panics or is
/// cancelled, the runtime drops the task's future (or a blocking job's closure), and with
/// it this guard.
pub(super) struct Guard {
    key: u64,
    ready: Arc<Ready>,
}

impl Guard {
    /// A guard reporting `key` to `ready`.
    pub(super) fn new(key: u64, ready: Arc<Ready>) -> Guard {
        Guard { key, ready }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let waker = {
            let mut inner = self.ready.inner.lock();
            inner.keys.push_back(self.key);
            inner.waker.take()
        };
        // Wake outside the lock: the woken task may run at once on another worker and
        // lock the list itself.
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// A waker that does nothing: [`JoinSet::try_join_next`](super::JoinSet::try_join_next)
/// does not wait.
pub(super) fn noop_waker() -> Waker {
    struct NoopWake;

    impl Wake for NoopWake {
        fn wake(self: Arc<Self>) {}
    }

    Waker::from(Arc::new(NoopWake))
}
