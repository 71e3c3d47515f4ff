//! The task API a tokio port reaches for: JoinSet's local and blocking members, the
//! cooperative budget from a task's side, and unwind safety of the task types.

mod support;

use std::panic::{RefUnwindSafe, UnwindSafe};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use eddy::task::{AbortHandle, Id, JoinHandle, JoinSet, LocalSet};
use support::with_timeout;

fn unwind_safe<T: UnwindSafe + RefUnwindSafe>() {}

#[test]
fn task_types_are_unwind_safe() {
    // As tokio's: handles to a task are unwind safe whatever the output type.
    unwind_safe::<JoinHandle<std::cell::Cell<u8>>>();
    unwind_safe::<AbortHandle>();
    unwind_safe::<Id>();
    unwind_safe::<eddy::Runtime>();
    unwind_safe::<eddy::Handle>();
    unwind_safe::<eddy::task::Unconstrained<std::future::Ready<()>>>();
    // A handle can cross `catch_unwind` without `AssertUnwindSafe`.
    let rt = eddy::Runtime::new().unwrap();
    let task = rt.spawn(async { 7 });
    let got = std::panic::catch_unwind(|| rt.block_on(task).unwrap());
    assert_eq!(got.unwrap(), 7);
}

#[test]
fn join_set_spawn_blocking_joins_with_tasks() {
    with_timeout(Duration::from_secs(20), || {
        let rt = eddy::Runtime::new().unwrap();
        let mut set = JoinSet::new();
        for i in 0..8u32 {
            set.spawn_blocking_on(move || i * 2, rt.handle());
        }
        let mut outputs = rt.block_on(async move {
            set.spawn(async { 100 });
            set.spawn_blocking(|| panic!("blocking job failed"));
            let mut outputs = Vec::new();
            let mut panics = 0;
            while let Some(result) = set.join_next().await {
                match result {
                    Ok(v) => outputs.push(v),
                    Err(e) => {
                        assert!(e.is_panic());
                        panics += 1;
                    }
                }
            }
            assert_eq!(panics, 1);
            outputs
        });
        outputs.sort();
        assert_eq!(outputs, [0, 2, 4, 6, 8, 10, 12, 14, 100]);
    });
}

#[test]
fn join_set_abort_of_queued_blocking_job_reports_cancelled() {
    with_timeout(Duration::from_secs(20), || {
        // One blocking thread, held busy: the second job waits in the queue and is
        // cancelled there, and the set still hears of it.
        let rt = eddy::Builder::new()
            .max_blocking_threads(1)
            .build()
            .unwrap();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let (started_tx, started_rx) = std::sync::mpsc::channel::<()>();
        let ran = Arc::new(AtomicUsize::new(0));
        let mut set = JoinSet::new();
        set.spawn_blocking_on(
            move || {
                started_tx.send(()).unwrap();
                release_rx.recv().unwrap();
                1
            },
            rt.handle(),
        );
        started_rx.recv().unwrap();
        let ran2 = ran.clone();
        let queued = set.spawn_blocking_on(
            move || {
                ran2.fetch_add(1, Ordering::SeqCst);
                2
            },
            rt.handle(),
        );
        queued.abort();
        release_tx.send(()).unwrap();
        let (ok, cancelled) = rt.block_on(async move {
            let (mut ok, mut cancelled) = (Vec::new(), 0);
            while let Some(result) = set.join_next().await {
                match result {
                    Ok(v) => ok.push(v),
                    Err(e) if e.is_cancelled() => cancelled += 1,
                    Err(e) => panic!("unexpected {e}"),
                }
            }
            (ok, cancelled)
        });
        assert_eq!(ok, [1]);
        assert_eq!(cancelled, 1);
        assert_eq!(ran.load(Ordering::SeqCst), 0);
    });
}

#[test]
fn join_set_spawn_local_on_current_thread_and_local_set() {
    with_timeout(Duration::from_secs(20), || {
        let rt = eddy::Builder::new_current_thread().build().unwrap();
        let total = rt.block_on(async {
            let mut set = JoinSet::new();
            for i in 0..10 {
                let value = Rc::new(i);
                set.spawn_local(async move {
                    eddy::task::yield_now().await;
                    *value
                });
            }
            set.join_all().await.into_iter().sum::<i32>()
        });
        assert_eq!(total, 45);

        let rt = eddy::Runtime::new().unwrap();
        let local = LocalSet::new();
        let mut set = JoinSet::new();
        for i in 0..4 {
            let value = Rc::new(i);
            set.spawn_local_on(async move { *value + 1 }, &local);
        }
        let mut outputs = local.block_on(&rt, set.join_all());
        outputs.sort();
        assert_eq!(outputs, [1, 2, 3, 4]);
    });
}

#[test]
fn consume_budget_lets_other_tasks_run() {
    with_timeout(Duration::from_secs(20), || {
        // One worker: a loop that only calls consume_budget must still let the other
        // task run, or `flag` is never set and the loop never ends.
        let rt = eddy::Builder::new().worker_threads(1).build().unwrap();
        rt.block_on(async {
            let flag = Arc::new(AtomicUsize::new(0));
            let spinner = {
                let flag = flag.clone();
                eddy::spawn(async move {
                    let mut rounds = 0u64;
                    while flag.load(Ordering::SeqCst) == 0 {
                        rounds += 1;
                        eddy::task::consume_budget().await;
                    }
                    rounds
                })
            };
            let setter = {
                let flag = flag.clone();
                eddy::spawn(async move { flag.store(1, Ordering::SeqCst) })
            };
            setter.await.unwrap();
            assert!(spinner.await.unwrap() >= 1);
        });
    });
}

#[test]
fn unconstrained_receives_past_the_budget_in_one_poll() {
    with_timeout(Duration::from_secs(20), || {
        let rt = eddy::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let task = eddy::spawn(async {
                let (tx, mut rx) = eddy::sync::mpsc::unbounded_channel();
                for i in 0..1_000 {
                    tx.send(i).unwrap();
                }
                // Count the polls of the receiving future: constrained, the budget of
                // 128 forces at least 7 extra polls; unconstrained, one poll does all.
                let mut polls = 0;
                let received = eddy::task::unconstrained(std::future::poll_fn(|cx| {
                    polls += 1;
                    let mut n = 0;
                    loop {
                        match rx.poll_recv(cx) {
                            std::task::Poll::Ready(Some(_)) => n += 1,
                            _ => return std::task::Poll::Ready(n),
                        }
                        if n == 1_000 {
                            return std::task::Poll::Ready(n);
                        }
                    }
                }))
                .await;
                (received, polls)
            });
            assert_eq!(task.await.unwrap(), (1_000, 1));
        });
    });
}

#[test]
fn budget_forces_yields_without_unconstrained() {
    with_timeout(Duration::from_secs(20), || {
        let rt = eddy::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let task = eddy::spawn(async {
                let (tx, mut rx) = eddy::sync::mpsc::unbounded_channel();
                for i in 0..1_000 {
                    tx.send(i).unwrap();
                }
                let mut pendings = 0;
                let mut n = 0;
                std::future::poll_fn(|cx| loop {
                    match rx.poll_recv(cx) {
                        std::task::Poll::Ready(Some(_)) => {
                            n += 1;
                            if n == 1_000 {
                                return std::task::Poll::Ready(());
                            }
                        }
                        std::task::Poll::Ready(None) => unreachable!(),
                        std::task::Poll::Pending => {
                            pendings += 1;
                            return std::task::Poll::Pending;
                        }
                    }
                })
                .await;
                pendings
            });
            assert!(task.await.unwrap() >= 7);
        });
    });
}
