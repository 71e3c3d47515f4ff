//! JoinSet: completion order, panics, abort_all, abort on drop, detach, shutdown, len.

mod support;

use std::future::Future;
use std::pin::pin;
use std::sync::{mpsc, Arc};
use std::task::{Context, Poll, Wake, Waker};

use eddy::task::JoinSet;
use support::{panic_message, runtime, with_timeout, DropCounter, LIMIT};

/// Sends on a channel when dropped: a future that holds it reports its own drop.
struct DropSignal(mpsc::Sender<()>);

impl Drop for DropSignal {
    fn drop(&mut self) {
        let _ = self.0.send(());
    }
}

fn noop_waker() -> Waker {
    struct Noop;
    impl Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }
    Waker::from(Arc::new(Noop))
}

#[test]
fn join_next_returns_tasks_in_completion_order_not_spawn_order() {
    with_timeout(LIMIT, || {
        let rt = runtime(2);
        rt.block_on(async {
            let mut set = JoinSet::new();
            let mut gates = Vec::new();
            for i in 0..3 {
                let (tx, rx) = async_channel::bounded::<()>(1);
                gates.push(tx);
                set.spawn(async move {
                    rx.recv().await.unwrap();
                    i
                });
            }
            for i in [2, 0, 1] {
                gates[i].send(()).await.unwrap();
                assert_eq!(set.join_next().await.unwrap().unwrap(), i);
            }
            assert!(set.join_next().await.is_none());
        });
    });
}

#[test]
fn join_next_with_id_names_the_task() {
    with_timeout(LIMIT, || {
        let rt = runtime(1);
        rt.block_on(async {
            let mut set = JoinSet::new();
            let ok = set.spawn(async { "fine" }).id();
            let (id, out) = set.join_next_with_id().await.unwrap().unwrap();
            assert_eq!((id, out), (ok, "fine"));
            let bad = set.spawn(async { panic!("bad") }).id();
            let err = set.join_next_with_id().await.unwrap().unwrap_err();
            assert_eq!(err.id(), bad);
        });
    });
}

#[test]
fn a_panicking_task_comes_back_as_a_join_error_and_the_others_finish() {
    with_timeout(LIMIT, || {
        let rt = runtime(2);
        rt.block_on(async {
            let mut set = JoinSet::new();
            for i in 0..10u32 {
                set.spawn(async move {
                    if i == 3 {
                        panic!("task three");
                    }
                    i
                });
            }
            let (mut sum, mut panics) = (0, 0);
            while let Some(result) = set.join_next().await {
                match result {
                    Ok(i) => sum += i,
                    Err(err) => {
                        assert!(err.is_panic());
                        assert_eq!(panic_message(&*err.into_panic()), "task three");
                        panics += 1;
                    }
                }
            }
            assert_eq!((sum, panics), (45 - 3, 1));
        });
    });
}

#[test]
fn abort_all_cancels_every_task_and_join_next_reports_each() {
    with_timeout(LIMIT, || {
        let rt = runtime(2);
        let counter = DropCounter::default();
        rt.block_on(async {
            let mut set = JoinSet::new();
            for _ in 0..5 {
                let token = counter.token();
                set.spawn(async move {
                    let _token = token;
                    std::future::pending::<()>().await;
                });
            }
            set.abort_all();
            assert_eq!(set.len(), 5);
            let mut cancelled = 0;
            while let Some(result) = set.join_next().await {
                assert!(result.unwrap_err().is_cancelled());
                cancelled += 1;
            }
            assert_eq!(cancelled, 5);
        });
        assert_eq!(counter.dropped(), 5);
    });
}

#[test]
fn dropping_the_set_aborts_what_is_left() {
    with_timeout(LIMIT, || {
        let rt = runtime(2);
        let (dropped_tx, dropped_rx) = mpsc::channel();
        let (started_tx, started_rx) = mpsc::channel();
        let mut set = JoinSet::new();
        for _ in 0..4 {
            let signal = DropSignal(dropped_tx.clone());
            let started = started_tx.clone();
            set.spawn_on(
                async move {
                    let _signal = signal;
                    started.send(()).unwrap();
                    std::future::pending::<()>().await;
                },
                rt.handle(),
            );
        }
        for _ in 0..4 {
            started_rx.recv().unwrap();
        }
        drop(set);
        for _ in 0..4 {
            dropped_rx.recv().unwrap(); // each future dropped, not left pending
        }
    });
}

#[test]
fn detach_all_lets_the_tasks_run_on() {
    with_timeout(LIMIT, || {
        let rt = runtime(2);
        let (tx, rx) = mpsc::channel();
        let (go_tx, go_rx) = async_channel::bounded::<()>(1);
        let mut set = JoinSet::new();
        set.spawn_on(
            async move {
                go_rx.recv().await.unwrap();
                tx.send("finished").unwrap();
            },
            rt.handle(),
        );
        set.detach_all();
        assert!(set.is_empty());
        drop(set);
        go_tx.send_blocking(()).unwrap();
        assert_eq!(rx.recv().unwrap(), "finished");
    });
}

#[test]
fn shutdown_returns_once_every_future_is_dropped() {
    with_timeout(LIMIT, || {
        let rt = runtime(2);
        let counter = DropCounter::default();
        rt.block_on(async {
            let mut set = JoinSet::new();
            for _ in 0..8 {
                let token = counter.token();
                set.spawn(async move {
                    let _token = token;
                    std::future::pending::<()>().await;
                });
            }
            set.shutdown().await;
            assert!(set.is_empty());
            assert_eq!(counter.dropped(), 8);
        });
    });
}

#[test]
fn len_and_is_empty_count_tasks_until_they_are_joined() {
    with_timeout(LIMIT, || {
        let rt = runtime(1);
        rt.block_on(async {
            let mut set = JoinSet::new();
            assert!(set.is_empty());
            assert_eq!(set.len(), 0);
            let a = set.spawn(async { 1 });
            set.spawn(async { 2 });
            assert_eq!(set.len(), 2);
            while !a.is_finished() {
                eddy::task::yield_now().await;
            }
            assert_eq!(set.len(), 2, "finished but not joined still counts");
            set.join_next().await.unwrap().unwrap();
            assert_eq!(set.len(), 1);
            set.join_next().await.unwrap().unwrap();
            assert!(set.is_empty());
        });
    });
}

#[test]
fn try_join_next_returns_only_finished_tasks() {
    with_timeout(LIMIT, || {
        let rt = runtime(1);
        rt.block_on(async {
            let mut set = JoinSet::new();
            assert!(set.try_join_next().is_none());
            let (go_tx, go_rx) = async_channel::bounded::<()>(1);
            let handle = set.spawn(async move {
                go_rx.recv().await.unwrap();
                5
            });
            assert!(set.try_join_next().is_none());
            go_tx.send(()).await.unwrap();
            while !handle.is_finished() {
                eddy::task::yield_now().await;
            }
            assert_eq!(set.try_join_next().unwrap().unwrap(), 5);
            assert!(set.try_join_next().is_none());
        });
    });
}

#[test]
fn a_dropped_join_next_loses_no_output() {
    with_timeout(LIMIT, || {
        let rt = runtime(1);
        rt.block_on(async {
            let mut set = JoinSet::new();
            let (go_tx, go_rx) = async_channel::bounded::<()>(1);
            set.spawn(async move {
                go_rx.recv().await.unwrap();
                "kept"
            });
            {
                let waker = noop_waker();
                let mut next = pin!(set.join_next());
                assert!(next
                    .as_mut()
                    .poll(&mut Context::from_waker(&waker))
                    .is_pending());
            } // cancelled while waiting
            go_tx.send(()).await.unwrap();
            assert_eq!(set.join_next().await.unwrap().unwrap(), "kept");
        });
    });
}

#[test]
fn many_tasks_are_all_joined() {
    with_timeout(LIMIT, || {
        let rt = runtime(2);
        let sum = rt.block_on(async {
            let mut set = JoinSet::new();
            for i in 0..10_000u64 {
                set.spawn(async move {
                    if i % 3 == 0 {
                        eddy::task::yield_now().await;
                    }
                    i
                });
            }
            let mut sum = 0;
            while let Some(r) = set.join_next().await {
                sum += r.unwrap();
            }
            sum
        });
        assert_eq!(sum, (0..10_000u64).sum());
    });
}

#[test]
fn a_task_that_never_ran_is_reported_when_the_runtime_shuts_down() {
    with_timeout(LIMIT, || {
        let rt = runtime(1);
        let mut set = JoinSet::new();
        set.spawn_on(std::future::pending::<()>(), rt.handle());
        rt.shutdown_background();
        let other = runtime(1);
        let result = other.block_on(set.join_next()).unwrap();
        assert!(result.unwrap_err().is_cancelled());
    });
}

#[test]
fn spawn_outside_a_runtime_panics_naming_the_fix() {
    let mut set = JoinSet::<()>::new();
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        set.spawn(async {});
    }))
    .unwrap_err();
    assert!(panic_message(&*err).contains("outside a runtime"));
}

#[test]
fn poll_join_next_on_an_empty_set_is_ready_none() {
    let mut set = JoinSet::<()>::new();
    let waker = noop_waker();
    assert!(matches!(
        set.poll_join_next(&mut Context::from_waker(&waker)),
        Poll::Ready(None)
    ));
}

#[test]
fn try_join_next_drains_every_finished_task_whatever_the_budget() {
    with_timeout(LIMIT, || {
        let rt = runtime(2);
        let drained = rt.block_on(async {
            // Inside a task, where each poll has a cooperative budget.
            eddy::spawn(async {
                let mut set = JoinSet::new();
                let handles: Vec<_> = (0..1_000u32).map(|i| set.spawn(async move { i })).collect();
                for handle in &handles {
                    while !handle.is_finished() {
                        eddy::task::yield_now().await;
                    }
                }
                // One poll: every output comes out, none is held back by the budget.
                let mut outputs = Vec::new();
                while let Some(result) = set.try_join_next() {
                    outputs.push(result.unwrap());
                }
                let len = outputs.len();
                outputs.sort_unstable();
                outputs.dedup();
                (len, outputs.len(), set.len())
            })
            .await
            .unwrap()
        });
        assert_eq!(
            drained,
            (1_000, 1_000, 0),
            "(drained, distinct, left in the set)"
        );
    });
}

#[test]
fn a_join_set_collects_and_extends_from_futures_spawning_each() {
    with_timeout(LIMIT, || {
        let rt = runtime(2);
        let mut outputs = rt.block_on(async {
            let mut set: JoinSet<u32> = (0..5).map(|i| async move { i * 2 }).collect();
            assert_eq!(set.len(), 5);
            set.extend((5..8).map(|i| async move { i * 2 }));
            assert_eq!(set.len(), 8);
            let mut outputs = Vec::new();
            while let Some(result) = set.join_next().await {
                outputs.push(result.unwrap());
            }
            outputs
        });
        outputs.sort_unstable();
        assert_eq!(outputs, [0, 2, 4, 6, 8, 10, 12, 14]);
    });
}

#[test]
fn join_all_returns_every_output_in_completion_order() {
    with_timeout(LIMIT, || {
        // One worker: a task woken by another runs after the waker's task has finished.
        let rt = runtime(1);
        let outputs = rt.block_on(async {
            let mut set = JoinSet::new();
            // Task 0 waits for task 1, which waits for task 2: they finish 2, 1, 0.
            let (tx1, rx1) = eddy::sync::oneshot::channel();
            let (tx2, rx2) = eddy::sync::oneshot::channel();
            set.spawn(async move {
                rx1.await.unwrap();
                0
            });
            set.spawn(async move {
                rx2.await.unwrap();
                tx1.send(()).unwrap();
                1
            });
            set.spawn(async move {
                tx2.send(()).unwrap();
                2
            });
            set.join_all().await
        });
        assert_eq!(outputs, [2, 1, 0]);
        assert!(rt.block_on(JoinSet::<()>::new().join_all()).is_empty());
    });
}

#[test]
fn join_all_resumes_a_tasks_panic_and_aborts_the_rest() {
    with_timeout(LIMIT, || {
        let rt = runtime(2);
        let (dropped_tx, dropped_rx) = mpsc::channel();
        let err = rt.block_on(async move {
            eddy::spawn(async move {
                let mut set = JoinSet::<&str>::new();
                set.spawn(async move {
                    let _signal = DropSignal(dropped_tx);
                    std::future::pending().await
                });
                set.spawn(async { panic!("boom") });
                set.join_all().await
            })
            .await
            .unwrap_err()
        });
        // The task's own payload, not a wrapper around it.
        assert_eq!(panic_message(&*err.into_panic()), "boom");
        // The other task was aborted: its future is dropped.
        dropped_rx.recv().unwrap();
    });
}

#[test]
fn join_all_panics_naming_a_cancelled_task() {
    with_timeout(LIMIT, || {
        let rt = runtime(1);
        let err = rt.block_on(async {
            eddy::spawn(async {
                let mut set = JoinSet::new();
                set.spawn(std::future::pending::<()>()).abort();
                set.join_all().await
            })
            .await
            .unwrap_err()
        });
        assert!(panic_message(&*err.into_panic()).contains("was cancelled"));
    });
}
