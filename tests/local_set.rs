//! `eddy::task::LocalSet` and `spawn_local` on the multi-threaded runtime: tasks that are
//! not `Send`, woken from workers and from other threads, aborted, panicking, cancelled
//! by the set's drop on its own thread.

mod support;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::{mpsc, Arc, Mutex};
use std::thread::{self, ThreadId};
use std::time::Duration;

use eddy::sync::oneshot;
use eddy::task::{spawn_local, yield_now, LocalSet};
use support::{panic_message, with_timeout, LIMIT};

/// Records the thread its destructor runs on.
struct DropsOn(Arc<Mutex<Vec<ThreadId>>>);

impl Drop for DropsOn {
    fn drop(&mut self) {
        self.0.lock().unwrap().push(thread::current().id());
    }
}

#[test]
fn local_tasks_share_an_rc_inside_block_on_on_a_multi_thread_runtime() {
    with_timeout(LIMIT, || {
        let rt = eddy::Runtime::new().unwrap();
        let local = LocalSet::new();
        let shared = Rc::new(RefCell::new(Vec::new()));
        let me = thread::current().id();
        rt.block_on(local.run_until(async {
            let tasks: Vec<_> = (0..4)
                .map(|i| {
                    let shared = shared.clone();
                    spawn_local(async move {
                        yield_now().await;
                        shared.borrow_mut().push(i);
                        thread::current().id()
                    })
                })
                .collect();
            for task in tasks {
                assert_eq!(task.await.unwrap(), me, "a local task ran elsewhere");
            }
        }));
        assert_eq!(*shared.borrow(), [0, 1, 2, 3]);
    });
}

#[test]
fn local_and_worker_tasks_talk_through_channels() {
    with_timeout(LIMIT, || {
        let rt = eddy::Runtime::new().unwrap();
        let local = LocalSet::new();
        let total = local.block_on(&rt, async {
            let (tx, rx) = oneshot::channel();
            // A worker task wakes the local one.
            let worker = eddy::spawn(async move {
                yield_now().await;
                tx.send(20).unwrap();
            });
            let here = Rc::new(Cell::new(22));
            let local_task = spawn_local(async move { rx.await.unwrap() + here.get() });
            worker.await.unwrap();
            local_task.await.unwrap()
        });
        assert_eq!(total, 42);
    });
}

#[test]
fn a_local_task_woken_by_a_oneshot_from_a_std_thread_runs() {
    with_timeout(LIMIT, || {
        let rt = eddy::Runtime::new().unwrap();
        let local = LocalSet::new();
        let (tx, rx) = oneshot::channel();
        let (waiting_tx, waiting_rx) = mpsc::channel();
        let task = local.spawn_local(async move {
            waiting_tx.send(()).unwrap();
            Rc::new(rx.await.unwrap()) // a non-Send output
        });
        let sender = thread::spawn(move || {
            waiting_rx.recv().unwrap();
            tx.send("from a std thread").unwrap();
        });
        let out = local.block_on(&rt, task).unwrap();
        sender.join().unwrap();
        assert_eq!(*out, "from a std thread");
    });
}

#[test]
fn a_local_set_in_a_run_in_executor_job_of_a_spawned_task() {
    // A LocalSet is not Send, so a task of the multi-threaded runtime cannot hold one
    // across an await (the type's docs show the compile error). What tokio allows works
    // here too: a thread of its own, here a blocking-pool job, drives the set.
    with_timeout(LIMIT, || {
        let rt = eddy::Runtime::new().unwrap();
        let out = rt.block_on(async {
            eddy::spawn(async {
                eddy::run_in_executor(|| {
                    let local = LocalSet::new();
                    eddy::eddy_executor::block_on(local.run_until(async {
                        let counter = Rc::new(Cell::new(0));
                        let tasks: Vec<_> = (0..3)
                            .map(|_| {
                                let counter = counter.clone();
                                spawn_local(async move { counter.set(counter.get() + 1) })
                            })
                            .collect();
                        for task in tasks {
                            task.await.unwrap();
                        }
                        // The runtime is current in the job: worker tasks are one spawn away.
                        eddy::spawn(async { 10 }).await.unwrap() + counter.get()
                    }))
                })
                .await
                .unwrap()
            })
            .await
            .unwrap()
        });
        assert_eq!(out, 13);
    });
}

#[test]
fn abort_cancels_a_waiting_local_task() {
    with_timeout(LIMIT, || {
        let rt = eddy::Runtime::new().unwrap();
        let local = LocalSet::new();
        let drops = Arc::new(Mutex::new(Vec::new()));
        let guard = DropsOn(drops.clone());
        let task = local.spawn_local(async move {
            let _guard = guard;
            std::future::pending::<()>().await
        });
        let abort = task.abort_handle();
        let err = local.block_on(&rt, async move {
            yield_now().await;
            assert!(!task.is_finished());
            // Aborted from a worker.
            eddy::spawn(async move { abort.abort() }).await.unwrap();
            task.await.unwrap_err()
        });
        assert!(err.is_cancelled(), "{err}");
        assert_eq!(*drops.lock().unwrap(), [thread::current().id()]);
    });
}

#[test]
fn a_panic_in_a_local_task_is_caught_as_a_join_error() {
    with_timeout(LIMIT, || {
        let rt = eddy::Runtime::new().unwrap();
        let local = LocalSet::new();
        let err = local.block_on(&rt, async {
            spawn_local(async { panic!("a local task failed") })
                .await
                .unwrap_err()
        });
        assert!(err.is_panic());
        assert_eq!(panic_message(&*err.into_panic()), "a local task failed");
        assert_eq!(
            local.block_on(&rt, spawn_local_here(5)),
            5,
            "the set lives on"
        );
    });
}

/// Spawns onto the running set and awaits it.
async fn spawn_local_here(value: u32) -> u32 {
    spawn_local(async move { value }).await.unwrap()
}

#[test]
fn dropping_a_set_with_pending_tasks_drops_their_futures_on_the_owner_thread() {
    with_timeout(LIMIT, || {
        let rt = eddy::Runtime::new().unwrap();
        let drops = Arc::new(Mutex::new(Vec::new()));
        let local = LocalSet::new();
        let (_tx, rx) = oneshot::channel::<()>();
        let waiting = local.spawn_local({
            let guard = DropsOn(drops.clone());
            async move {
                let _guard = guard;
                let _ = rx.await;
            }
        });
        local.block_on(&rt, yield_now()); // `waiting` runs once and waits
        assert!(!waiting.is_finished());
        let never_started = local.spawn_local({
            let guard = DropsOn(drops.clone());
            async move {
                let _guard = guard;
                std::future::pending::<()>().await
            }
        });
        drop(local);
        let me = thread::current().id();
        assert_eq!(*drops.lock().unwrap(), [me, me]);
        for task in [waiting, never_started] {
            let err = rt.block_on(task).unwrap_err();
            assert!(err.is_cancelled(), "{err}");
        }
    });
}

#[test]
fn spawn_local_outside_any_set_panics_naming_the_fix() {
    let panic = std::panic::catch_unwind(|| spawn_local(async {})).unwrap_err();
    let message = panic_message(&*panic);
    assert!(
        message.starts_with("spawn_local needs a LocalSet or a current-thread runtime: "),
        "{message}"
    );
    // Nor does a task of the multi-threaded runtime have a set.
    let rt = eddy::Runtime::new().unwrap();
    let err = rt
        .block_on(rt.spawn(async {
            spawn_local(async {});
        }))
        .unwrap_err();
    assert!(
        panic_message(&*err.into_panic()).starts_with("spawn_local needs a LocalSet"),
        "inside a worker's task"
    );
}

#[test]
fn the_set_as_a_future_completes_when_its_tasks_are_done() {
    with_timeout(LIMIT, || {
        let rt = eddy::Runtime::new().unwrap();
        let local = LocalSet::new();
        let done = Rc::new(Cell::new(0));
        let (tx, rx) = oneshot::channel();
        for _ in 0..3 {
            let done = done.clone();
            local.spawn_local(async move {
                yield_now().await;
                done.set(done.get() + 1);
            });
        }
        let waiter = {
            let done = done.clone();
            local.spawn_local(async move {
                rx.await.unwrap();
                done.set(done.get() + 1);
            })
        };
        rt.spawn(async move { tx.send(()).unwrap() });
        rt.block_on(local);
        assert_eq!(done.get(), 4);
        assert!(waiter.is_finished());
    });
}

#[test]
fn local_tasks_sleep_on_the_runtime_timers() {
    with_timeout(LIMIT, || {
        let rt = eddy::Runtime::new().unwrap();
        let local = LocalSet::new();
        let order = Rc::new(RefCell::new(Vec::new()));
        local.block_on(&rt, async {
            let tasks: Vec<_> = [30u64, 10, 20]
                .into_iter()
                .map(|ms| {
                    let order = order.clone();
                    spawn_local(async move {
                        eddy::time::sleep(Duration::from_millis(ms)).await;
                        order.borrow_mut().push(ms);
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
        });
        assert_eq!(*order.borrow(), [10, 20, 30]);
    });
}

#[test]
fn a_set_made_in_block_on_of_a_debug_runtime_counts_polls() {
    let rt = eddy::Runtime::builder().debug(true).build().unwrap();
    let counts = rt.block_on(async {
        let local = LocalSet::new();
        let task = local.spawn_local(async {
            yield_now().await;
            std::future::pending::<()>().await
        });
        local.run_until(yield_now()).await;
        local.run_until(yield_now()).await;
        let tasks = local.tasks();
        assert_eq!(tasks[0].info.id(), task.id());
        tasks[0].polls
    });
    assert_eq!(counts, Some(2));
    // Made outside any runtime: no debug settings to follow.
    let plain = LocalSet::new();
    plain.spawn_local(std::future::pending::<()>());
    assert_eq!(plain.tasks()[0].polls, None);
}

#[test]
fn ten_thousand_local_tasks_run_on_one_thread() {
    with_timeout(LIMIT, || {
        let rt = eddy::Runtime::new().unwrap();
        let local = LocalSet::new();
        let sum = Rc::new(Cell::new(0u64));
        let me = thread::current().id();
        local.block_on(&rt, async {
            let tasks: Vec<_> = (0..10_000u64)
                .map(|i| {
                    let sum = sum.clone();
                    spawn_local(async move {
                        yield_now().await;
                        sum.set(sum.get() + i);
                        assert_eq!(thread::current().id(), me);
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
        });
        assert_eq!(sum.get(), (0..10_000u64).sum());
    });
}
