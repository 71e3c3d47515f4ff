//! Hand-polling for the sync tests: drive a future one poll at a time, outside any
//! runtime, to stop it at an exact stage (queued, granted but not yet polled) and drop it
//! there.
#![allow(dead_code)]

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

/// Counts wakes.
#[derive(Default)]
pub struct WakeCounter(AtomicUsize);

impl Wake for WakeCounter {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// A boxed future with its own counting waker.
pub struct Task<'a, T> {
    fut: Pin<Box<dyn Future<Output = T> + Send + 'a>>,
    wakes: Arc<WakeCounter>,
}

impl<'a, T> Task<'a, T> {
    pub fn new(fut: impl Future<Output = T> + Send + 'a) -> Self {
        Task {
            fut: Box::pin(fut),
            wakes: Arc::default(),
        }
    }

    pub fn poll(&mut self) -> Poll<T> {
        let waker = Waker::from(self.wakes.clone());
        self.fut.as_mut().poll(&mut Context::from_waker(&waker))
    }

    /// Polls, expecting `Pending`.
    #[track_caller]
    pub fn pending(&mut self) {
        assert!(self.poll().is_pending(), "expected the future to wait");
    }

    /// Polls, expecting `Ready`.
    #[track_caller]
    pub fn ready(&mut self) -> T {
        match self.poll() {
            Poll::Ready(v) => v,
            Poll::Pending => panic!("expected the future to be ready"),
        }
    }

    pub fn woken(&self) -> usize {
        self.wakes.0.load(SeqCst)
    }

    pub fn is_woken(&self) -> bool {
        self.woken() > 0
    }
}
