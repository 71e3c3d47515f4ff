//! Panic stress: panicking tasks among healthy ones, and futures that panic in `Drop`.
//! Every panic is reported through its `JoinHandle`, and no worker is lost to one.
//! The panics are `ExpectedPanic`s, kept off stderr by the test binary's panic hook.

mod support;

use std::future::Future;
use std::panic::{catch_unwind, panic_any, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::{mpsc, Arc, Barrier};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use support::{
    runtime, silence_expected_panics, stress_size, with_timeout, DropCounter, DropToken,
    ExpectedPanic, LIMIT,
};

const WORKERS: usize = 4;

/// Proves every worker is alive: one task per worker, each blocking its worker on a
/// barrier until all have arrived. A lost worker leaves the barrier short and the test
/// hangs (and fails in `with_timeout`). Returns the distinct worker names seen.
fn every_worker_runs_a_task(rt: &eddy::Runtime) -> usize {
    let barrier = Arc::new(Barrier::new(WORKERS));
    let tasks: Vec<_> = (0..WORKERS)
        .map(|_| {
            let barrier = barrier.clone();
            rt.spawn(async move {
                barrier.wait();
                std::thread::current().name().unwrap().to_string()
            })
        })
        .collect();
    let mut names: Vec<String> = tasks.into_iter().map(|t| rt.block_on(t).unwrap()).collect();
    names.sort();
    names.dedup();
    names.len()
}

#[test]
fn panicking_tasks_among_healthy_ones_are_each_reported_and_no_worker_is_lost() {
    silence_expected_panics();
    with_timeout(LIMIT, || {
        let healthy = stress_size(5_000, 100_000);
        let panicking = stress_size(500, 10_000);
        let total = healthy + panicking;
        let every = total / panicking;
        let panics_at = move |i: usize| i % every == 0 && i / every < panicking;
        let rt = runtime(WORKERS);
        let tasks: Vec<_> = (0..total)
            .map(|i| {
                rt.spawn(async move {
                    // Half panic in their first poll, half after a yield (a later poll,
                    // maybe on another worker).
                    if i % 2 == 0 {
                        eddy::task::yield_now().await;
                    }
                    if panics_at(i) {
                        panic_any(ExpectedPanic(i));
                    }
                    i * 3
                })
            })
            .collect();
        let (mut ok, mut panicked) = (0, 0);
        for (i, task) in tasks.into_iter().enumerate() {
            match rt.block_on(task) {
                Ok(out) => {
                    assert!(!panics_at(i), "task {i} should have panicked");
                    assert_eq!(out, i * 3, "task {i}'s output");
                    ok += 1;
                }
                Err(err) => {
                    assert!(err.is_panic(), "task {i}: {err}");
                    let payload = err.into_panic();
                    let payload = payload.downcast_ref::<ExpectedPanic>();
                    assert_eq!(payload, Some(&ExpectedPanic(i)), "task {i}'s own panic");
                    panicked += 1;
                }
            }
        }
        assert_eq!((ok, panicked), (healthy, panicking));
        assert_eq!(every_worker_runs_a_task(&rt), WORKERS);
    });
}

/// A future that reports its first poll, then stays pending; dropping it panics.
struct PanicsOnDrop {
    index: usize,
    polled: Option<mpsc::Sender<()>>,
}

impl Future for PanicsOnDrop {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        if let Some(polled) = self.polled.take() {
            let _ = polled.send(());
        }
        Poll::Pending
    }
}

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        panic_any(ExpectedPanic(self.index));
    }
}

#[test]
fn aborting_a_task_whose_future_panics_in_drop_reports_it_and_keeps_the_workers() {
    silence_expected_panics();
    with_timeout(LIMIT, || {
        let n = stress_size(200, 5_000);
        let rt = runtime(WORKERS);
        let (polled_tx, polled_rx) = mpsc::channel();
        let tasks: Vec<_> = (0..n)
            .map(|index| {
                // Every other task is aborted before its first poll, the rest while idle
                // after one.
                let polled = (index % 2 == 1).then(|| polled_tx.clone());
                rt.spawn(PanicsOnDrop { index, polled })
            })
            .collect();
        for _ in 0..n / 2 {
            polled_rx.recv().unwrap();
        }
        for (i, task) in tasks.iter().enumerate() {
            // The future is dropped by whoever cancels it; its panic must not come out
            // of `abort`, which the caller expects to return.
            let aborted = catch_unwind(AssertUnwindSafe(|| task.abort()));
            assert!(aborted.is_ok(), "abort of task {i} panicked in the caller");
        }
        for (i, task) in tasks.into_iter().enumerate() {
            let err = rt.block_on(task).unwrap_err();
            assert!(
                err.is_cancelled() || err.is_panic(),
                "task {i} is reported as cancelled or panicked: {err}"
            );
        }
        assert_eq!(every_worker_runs_a_task(&rt), WORKERS);
    });
}

/// Pending for ever, holding a drop token; dropping it panics after the token is counted
/// (fields drop in declaration order).
struct CountedPanicsOnDrop {
    _token: DropToken,
    inner: PanicsOnDrop,
}

impl Future for CountedPanicsOnDrop {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // Both types are Unpin: no pin projection needed.
        Pin::new(&mut self.get_mut().inner).poll(cx)
    }
}

#[test]
fn dropping_the_runtime_with_futures_that_panic_in_drop_drops_every_other_future() {
    silence_expected_panics();
    with_timeout(LIMIT, || {
        let n = stress_size(200, 5_000);
        let healthy = DropCounter::default();
        let panicky = DropCounter::default();
        let rt = runtime(WORKERS);
        let (polled_tx, polled_rx) = mpsc::channel();
        for index in 0..n {
            let polled = (index % 2 == 0).then(|| polled_tx.clone());
            let token = panicky.token();
            rt.spawn(CountedPanicsOnDrop {
                inner: PanicsOnDrop { index, polled },
                _token: token,
            });
            let token = healthy.token();
            rt.spawn(async move {
                let _token = token;
                std::future::pending::<()>().await
            });
        }
        for _ in 0..n / 2 {
            polled_rx.recv().unwrap();
        }
        let start = Instant::now();
        let dropped = catch_unwind(AssertUnwindSafe(|| drop(rt)));
        let took = start.elapsed();
        assert!(
            dropped.is_ok(),
            "a future's Drop panic escaped Runtime::drop"
        );
        assert!(took < Duration::from_secs(10), "drop took {took:?}");
        assert_eq!(healthy.dropped(), n, "every healthy future is dropped once");
        assert_eq!(
            panicky.dropped(),
            n,
            "every panicking future is dropped once"
        );
    });
}
