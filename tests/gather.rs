//! gather and try_gather: input order, panics as values or resumed, first error wins,
//! abort on drop.

mod support;

use std::future::Future;
use std::pin::pin;
use std::sync::{mpsc, Arc};
use std::task::{Context, Wake, Waker};

use support::{panic_message, runtime, with_timeout, LIMIT};

/// Sends on a channel when dropped: a future that holds it reports its own drop.
struct DropSignal(mpsc::Sender<()>);

impl Drop for DropSignal {
    fn drop(&mut self) {
        let _ = self.0.send(());
    }
}

/// Futures of different bodies in one list.
type BoxedTry<E> = std::pin::Pin<Box<dyn Future<Output = Result<u8, E>> + Send>>;

fn noop_waker() -> Waker {
    struct Noop;
    impl Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }
    Waker::from(Arc::new(Noop))
}

/// `n` gates and `n` futures, future `i` finishing with `i` once gate `i` opens.
fn gated(
    n: usize,
) -> (
    Vec<async_channel::Sender<()>>,
    Vec<impl Future<Output = usize>>,
) {
    (0..n)
        .map(|i| {
            let (tx, rx) = async_channel::bounded::<()>(1);
            (tx, async move {
                rx.recv().await.unwrap();
                i
            })
        })
        .unzip()
}

#[test]
fn results_come_in_input_order_whatever_the_completion_order() {
    with_timeout(LIMIT, || {
        let rt = runtime(2);
        let (gates, futures) = gated(4);
        let results = rt.block_on(async move {
            let gather = eddy::gather(futures);
            let opener = eddy::spawn(async move {
                for i in [3, 1, 0, 2] {
                    gates[i].send(()).await.unwrap();
                }
            });
            let results = gather.await;
            opener.await.unwrap();
            results
        });
        let values: Vec<usize> = results.into_iter().map(Result::unwrap).collect();
        assert_eq!(values, [0, 1, 2, 3]);
    });
}

#[test]
fn panics_come_back_as_values_in_their_place() {
    with_timeout(LIMIT, || {
        let rt = runtime(2);
        let results = rt.block_on(eddy::gather((0..5u32).map(|i| async move {
            if i % 2 == 1 {
                panic!("odd {i}");
            }
            i
        })));
        for (i, result) in results.into_iter().enumerate() {
            match result {
                Ok(v) => assert_eq!(v as usize, i),
                Err(err) => {
                    assert!(i % 2 == 1 && err.is_panic());
                    assert_eq!(panic_message(&*err.into_panic()), format!("odd {i}"));
                }
            }
        }
    });
}

#[test]
fn an_empty_gather_is_an_empty_vec() {
    with_timeout(LIMIT, || {
        let rt = runtime(1);
        let none: Vec<std::future::Ready<u8>> = Vec::new();
        assert!(rt.block_on(eddy::gather(none)).is_empty());
        let ok = rt.block_on(eddy::try_gather(
            Vec::<std::future::Ready<Result<u8, ()>>>::new(),
        ));
        assert_eq!(ok, Ok(vec![]));
    });
}

#[test]
fn inside_a_runtime_the_tasks_start_before_the_first_poll() {
    with_timeout(LIMIT, || {
        let rt = runtime(2);
        rt.block_on(async {
            let (tx, rx) = async_channel::bounded(1);
            let gather = eddy::gather([async move { tx.send("started").await.unwrap() }]);
            // Not polled yet, yet the task runs: asyncio's gather schedules at once.
            assert_eq!(rx.recv().await.unwrap(), "started");
            assert!(gather.await[0].is_ok());
        });
    });
}

#[test]
fn dropping_the_gather_aborts_its_tasks() {
    with_timeout(LIMIT, || {
        let rt = runtime(2);
        let (dropped_tx, dropped_rx) = mpsc::channel();
        let (started_tx, started_rx) = async_channel::unbounded();
        rt.block_on(async {
            let futures: Vec<_> = (0..3)
                .map(|_| {
                    let signal = DropSignal(dropped_tx.clone());
                    let started = started_tx.clone();
                    async move {
                        let _signal = signal;
                        started.send(()).await.unwrap();
                        std::future::pending::<()>().await;
                    }
                })
                .collect();
            let gather = eddy::gather(futures);
            for _ in 0..3 {
                started_rx.recv().await.unwrap();
            }
            drop(gather);
        });
        for _ in 0..3 {
            dropped_rx.recv().unwrap();
        }
    });
}

#[test]
fn a_gather_cancelled_mid_wait_aborts_its_tasks() {
    with_timeout(LIMIT, || {
        let rt = runtime(2);
        let (dropped_tx, dropped_rx) = mpsc::channel();
        rt.block_on(async {
            let signal = DropSignal(dropped_tx);
            let mut gather = pin!(eddy::gather([async move {
                let _signal = signal;
                std::future::pending::<()>().await;
            }]));
            let waker = noop_waker();
            assert!(gather
                .as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_pending());
        });
        dropped_rx.recv().unwrap();
    });
}

#[test]
fn try_gather_gives_every_output_in_input_order() {
    with_timeout(LIMIT, || {
        let rt = runtime(2);
        let (gates, futures) = gated(3);
        let out = rt.block_on(async move {
            let all = eddy::try_gather(
                futures
                    .into_iter()
                    .map(|f| async move { Ok::<_, String>(f.await * 2) }),
            );
            for i in [2, 0, 1] {
                gates[i].send(()).await.unwrap();
            }
            all.await
        });
        assert_eq!(out, Ok(vec![0, 2, 4]));
    });
}

#[test]
fn try_gather_returns_the_first_error_to_happen_and_aborts_the_rest() {
    with_timeout(LIMIT, || {
        let rt = runtime(2);
        let (dropped_tx, dropped_rx) = mpsc::channel();
        let (late_tx, late_rx) = async_channel::bounded::<()>(1);
        let signal = DropSignal(dropped_tx);
        let futures: Vec<BoxedTry<&str>> = vec![
            // First in input order, but fails only after the second has failed.
            Box::pin(async move {
                late_rx.recv().await.unwrap();
                Err("late error")
            }),
            Box::pin(async { Err("early error") }),
            Box::pin(async move {
                let _signal = signal;
                std::future::pending::<()>().await;
                Ok(1)
            }),
        ];
        let out = rt.block_on(eddy::try_gather(futures));
        assert_eq!(out, Err("early error"));
        dropped_rx.recv().unwrap(); // the pending task was aborted
        drop(late_tx);
    });
}

#[test]
fn try_gather_resumes_a_panic_after_aborting_the_rest() {
    with_timeout(LIMIT, || {
        let rt = runtime(2);
        let (dropped_tx, dropped_rx) = mpsc::channel();
        let signal = DropSignal(dropped_tx);
        let futures: Vec<BoxedTry<()>> = vec![
            Box::pin(async move {
                let _signal = signal;
                std::future::pending::<()>().await;
                Ok(1)
            }),
            Box::pin(async { panic!("task blew up") }),
        ];
        let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            rt.block_on(eddy::try_gather(futures))
        }))
        .unwrap_err();
        assert_eq!(panic_message(&*panic), "task blew up");
        dropped_rx.recv().unwrap();
    });
}

#[test]
fn dropping_try_gather_aborts_its_tasks() {
    with_timeout(LIMIT, || {
        let rt = runtime(2);
        let (dropped_tx, dropped_rx) = mpsc::channel();
        rt.block_on(async {
            let signal = DropSignal(dropped_tx);
            let mut all = pin!(eddy::try_gather([async move {
                let _signal = signal;
                std::future::pending::<()>().await;
                Ok::<u8, ()>(1)
            }]));
            let waker = noop_waker();
            assert!(all
                .as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_pending());
        });
        dropped_rx.recv().unwrap();
    });
}

#[test]
fn gather_runs_its_tasks_in_parallel() {
    with_timeout(LIMIT, || {
        let rt = runtime(2);
        // Two tasks that each block their worker until the other has started: they can
        // only finish if they run at the same time on the two workers.
        let barrier = Arc::new(std::sync::Barrier::new(2));
        let results = rt.block_on(eddy::gather((0..2).map(|_| {
            let b = barrier.clone();
            async move {
                b.wait();
            }
        })));
        assert!(results.iter().all(Result::is_ok));
    });
}
