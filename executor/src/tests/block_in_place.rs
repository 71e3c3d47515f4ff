//! `block_in_place` on the real scheduler: the worker hands its queued tasks to the
//! others, schedules from inside the closure go to the injector, the worker carries on
//! afterwards (also after a panic, also nested), and off a worker the closure just runs.
//!
//! Every wait is bounded: a task left behind by the hand-off makes a closure wait for
//! ever, which fails the test with a message instead of hanging it.

use std::future::{poll_fn, Future};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc, Mutex};
use std::task::{Poll, Waker};
use std::thread::{self, ThreadId};
use std::time::Duration;

use crate::blocking::BlockingPool;
use crate::task::yield_now;
use crate::{block_in_place, block_on, is_entered, Executor};

/// How long any one wait may take before the test fails.
const LIMIT: Duration = Duration::from_secs(30);

/// Scaled down under miri, which is ~1000x slower.
const TASKS: usize = if cfg!(miri) { 4 } else { 200 };

fn executor(workers: usize) -> Executor {
    Executor::builder().worker_threads(workers).build().unwrap()
}

/// Runs `f` on its own thread, failing the test if it takes longer than [`LIMIT`].
fn with_timeout<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let body = thread::spawn(move || {
        let out = f();
        let _ = tx.send(());
        out
    });
    match rx.recv_timeout(LIMIT) {
        Ok(()) => body.join().unwrap(),
        Err(mpsc::RecvTimeoutError::Disconnected) => match body.join() {
            Ok(_) => unreachable!("body finished without reporting"),
            Err(panic) => std::panic::resume_unwind(panic),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("test did not finish within {LIMIT:?}"),
    }
}

/// Receives with [`LIMIT`]; a timeout names what never came.
fn recv<T>(rx: &mpsc::Receiver<T>, what: &str) -> T {
    rx.recv_timeout(LIMIT)
        .unwrap_or_else(|_| panic!("{what} never came: a task was left behind"))
}

/// An event a task waits for, which tells a std channel once the task is waiting (its
/// waker stored), so the test knows the next `open` is a wake.
#[derive(Clone)]
struct Gate {
    state: Arc<Mutex<(bool, Option<Waker>)>>,
}

impl Gate {
    fn new() -> Gate {
        Gate {
            state: Arc::new(Mutex::new((false, None))),
        }
    }

    fn wait(&self, waiting: mpsc::Sender<()>) -> impl Future<Output = ()> + Send + 'static {
        let state = self.state.clone();
        poll_fn(move |cx| {
            let mut state = state.lock().unwrap();
            if state.0 {
                return Poll::Ready(());
            }
            state.1 = Some(cx.waker().clone());
            let _ = waiting.send(());
            Poll::Pending
        })
    }

    /// Opens the gate, waking the waiting task on this thread.
    fn open(&self) {
        let waker = {
            let mut state = self.state.lock().unwrap();
            state.0 = true;
            state.1.take()
        };
        waker.expect("the task was waiting").wake();
    }
}

#[test]
fn outside_any_runtime_it_just_runs_the_closure() {
    let mut borrowed = Vec::new();
    let n = block_in_place(|| {
        borrowed.push(1);
        7
    });
    assert_eq!((n, borrowed), (7, vec![1]));
    assert!(!is_entered());
}

#[test]
fn inside_block_on_it_runs_the_closure_with_blocking_calls_allowed() {
    let n = block_on(async {
        assert!(is_entered());
        let n = block_in_place(|| {
            assert!(!is_entered(), "blocking is allowed inside the closure");
            block_on(async { 5 })
        });
        assert!(is_entered(), "back in async code");
        n
    });
    assert_eq!(n, 5);
}

#[test]
fn on_a_blocking_pool_thread_it_just_runs_the_closure() {
    let pool = BlockingPool::new(1);
    let job = pool.run(|| block_in_place(|| 3));
    assert_eq!(block_on(job).unwrap(), 3);
}

/// One worker is held by a poll that blocks without `block_in_place`; on the other, a
/// task blocks in place while a task sits in each of its worker's three places: the LIFO
/// slot, the local queue and the yielded list. None of them is stealable from the LIFO
/// slot or the yielded list, so only the hand-off lets the freed worker run them.
#[test]
fn the_worker_hands_its_lifo_slot_queue_and_yielded_tasks_to_another_worker() {
    with_timeout(|| {
        let ex = executor(2);
        let spawner = ex.spawner();
        let (started_tx, started_rx) = mpsc::channel();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let occupier = spawner.spawn(async move {
            started_tx.send(()).unwrap();
            recv(&release_rx, "the release");
        });
        recv(&started_rx, "the occupier's start");

        // Only the other worker runs tasks now: the parent and all it spawns go there.
        let (done_tx, done_rx) = mpsc::channel::<(&str, ThreadId)>();
        let inner = spawner.clone();
        let parent = spawner.spawn(async move {
            let to_yield = done_tx.clone();
            // The LIFO slot: runs after this poll, yields, so sits in the yielded list
            // while the blocking task (queued behind it) runs. (At a maintenance tick it
            // may be back in the local queue instead: handed off all the same.)
            let yielder = inner.spawn(async move {
                yield_now().await;
                to_yield.send(("yielded", thread::current().id())).unwrap();
            });
            let spawner = inner.clone();
            let blocker = inner.spawn(async move {
                let (to_lifo, to_queue) = (done_tx.clone(), done_tx);
                let lifo = spawner.spawn(async move {
                    to_lifo.send(("lifo", thread::current().id())).unwrap();
                });
                let queued = spawner.spawn(async move {
                    to_queue.send(("queued", thread::current().id())).unwrap();
                });
                let here = thread::current().id();
                let mut done = block_in_place(|| {
                    assert_eq!(thread::current().id(), here, "runs on this thread");
                    release_tx.send(()).unwrap();
                    (0..3)
                        .map(|_| recv(&done_rx, "a handed-off task"))
                        .collect::<Vec<_>>()
                });
                done.sort_by_key(|(name, _)| *name);
                let names: Vec<_> = done.iter().map(|(name, _)| *name).collect();
                assert_eq!(names, ["lifo", "queued", "yielded"]);
                assert!(done.iter().all(|(_, ran_on)| *ran_on != here));
                lifo.await.unwrap();
                queued.await.unwrap();
            });
            (yielder, blocker)
        });
        block_on(async {
            let (yielder, blocker) = parent.await.unwrap();
            blocker.await.unwrap();
            yielder.await.unwrap();
            occupier.await.unwrap();
        });
    });
}

/// The closure wakes a waiting task and spawns one, on the blocked worker's thread:
/// both must go where the other worker finds them, not to this worker's LIFO slot.
#[test]
fn a_wake_and_a_spawn_from_inside_the_closure_run_on_another_worker() {
    with_timeout(|| {
        let ex = executor(2);
        let spawner = ex.spawner();
        let gate = Gate::new();
        let (done_tx, done_rx) = mpsc::channel::<(&str, ThreadId)>();
        let (waiting_tx, waiting_rx) = mpsc::channel();
        let waiter = {
            let (wait, done_tx) = (gate.wait(waiting_tx), done_tx.clone());
            spawner.spawn(async move {
                wait.await;
                done_tx.send(("woken", thread::current().id())).unwrap();
            })
        };
        recv(&waiting_rx, "the waiter's first poll");

        let inner = spawner.clone();
        let blocker = spawner.spawn(async move {
            let here = thread::current().id();
            block_in_place(|| {
                gate.open();
                let spawned = inner.spawn(async move {
                    done_tx.send(("spawned", thread::current().id())).unwrap();
                });
                let mut done = [recv(&done_rx, "a task"), recv(&done_rx, "a task")];
                done.sort_by_key(|(name, _)| *name);
                assert_eq!([done[0].0, done[1].0], ["spawned", "woken"]);
                assert!(done.iter().all(|(_, ran_on)| *ran_on != here));
                spawned
            })
            .await
            .unwrap();
        });
        block_on(async {
            blocker.await.unwrap();
            waiter.await.unwrap();
        });
    });
}

/// With one worker nothing takes the injector's tasks while the closure runs, so its
/// depth shows where each spawn went: the hand-off and the spawns inside the closure
/// (also nested, also after a nested panic) to the injector; after the closure, back to
/// this worker. The queued tasks then all run.
#[test]
fn on_one_worker_queued_tasks_wait_in_the_injector_until_the_closure_returns() {
    with_timeout(|| {
        let ex = executor(1);
        let spawner = ex.spawner();
        let inner = spawner.clone();
        let task = spawner.spawn(async move {
            let depth = || inner.injector_depth();
            let mut children = vec![inner.spawn(async {})];
            block_in_place(|| {
                assert_eq!(depth(), 1, "the LIFO slot's task was handed off");
                children.push(inner.spawn(async {}));
                assert_eq!(depth(), 2);
                block_in_place(|| children.push(inner.spawn(async {})));
                assert_eq!(depth(), 3);
                let nested = catch_unwind(AssertUnwindSafe(|| {
                    block_in_place(|| panic!("nested boom"));
                }));
                assert!(nested.is_err());
                assert!(!is_entered(), "the outer closure is still running");
                children.push(inner.spawn(async {}));
                assert_eq!(depth(), 4, "the outer block_in_place still holds");
            });
            assert!(is_entered());
            children.push(inner.spawn(async {}));
            assert_eq!(depth(), 4, "after it, spawns stay on this worker");
            for child in children {
                child.await.unwrap();
            }
        });
        block_on(task).unwrap();
    });
}

#[test]
fn a_panic_in_the_closure_fails_the_task_and_leaves_the_worker_as_it_was() {
    with_timeout(|| {
        let ex = executor(1);
        let spawner = ex.spawner();
        let inner = spawner.clone();
        let task = spawner.spawn(async move {
            let _handed_off = inner.spawn(async {});
            block_in_place(|| panic!("boom in block_in_place"));
        });
        let err = block_on(task).unwrap_err();
        assert!(err.is_panic(), "{err}");
        assert_eq!(err.panic_message(), Some("boom in block_in_place"));

        let inner = spawner.clone();
        let after = spawner.spawn(async move {
            assert!(is_entered(), "the worker runs async code again");
            let before = inner.injector_depth();
            let child = inner.spawn(async { 1 });
            assert_eq!(inner.injector_depth(), before, "spawns are local again");
            child.await.unwrap()
        });
        assert_eq!(block_on(after).unwrap(), 1);
    });
}

/// `shutdown_timeout` gave up on the worker (stuck in this very poll) and drained the
/// injector; then the task blocks in place. The hand-off sees the shutdown and drops what
/// it moved, so no task is left in the injector, where it would keep the dead scheduler
/// alive for ever.
#[test]
fn a_hand_off_after_the_shutdown_gave_up_on_the_worker_leaves_nothing_in_the_injector() {
    with_timeout(|| {
        let (stopped_tx, stopped_rx) = mpsc::channel();
        let ex = Executor::builder()
            .worker_threads(1)
            .on_thread_stop(move || {
                let _ = stopped_tx.send(());
            })
            .build()
            .unwrap();
        let spawner = ex.spawner();
        let (polled_tx, polled_rx) = mpsc::channel();
        let (go_tx, go_rx) = mpsc::channel::<()>();
        let inner = spawner.clone();
        let _task = spawner.spawn(async move {
            let _child = inner.spawn(async {});
            polled_tx.send(()).unwrap();
            recv(&go_rx, "the go-ahead");
            block_in_place(|| {});
        });
        recv(&polled_rx, "the task's poll");
        assert!(
            !ex.shutdown_timeout(Duration::ZERO),
            "the worker is in the poll"
        );
        go_tx.send(()).unwrap();
        recv(&stopped_rx, "the worker's exit");
        assert_eq!(spawner.injector_depth(), 0);
    });
}

/// Many tasks on few workers, each blocking in place on work it just spawned (a child
/// in its LIFO slot, one that yields in its queue): every hand-off is the injector's
/// "new work, wake one", racing the other workers' steals, parks and hand-offs. At most
/// all workers but one block at once (with every worker blocked, nothing would run the
/// children: the documented limit). A task left behind fails a bounded wait.
#[test]
fn many_tasks_blocking_in_place_under_load_all_finish() {
    const WORKERS: usize = 4;
    with_timeout(|| {
        let ex = executor(WORKERS);
        let spawner = ex.spawner();
        let blocking = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..TASKS)
            .map(|i| {
                let inner = spawner.clone();
                let blocking = blocking.clone();
                spawner.spawn(async move {
                    for round in 0..3 {
                        let (tx, rx) = mpsc::channel();
                        let quick = tx.clone();
                        let first = inner.spawn(async move { quick.send(1).unwrap() });
                        let second = inner.spawn(async move {
                            yield_now().await;
                            tx.send(2).unwrap();
                        });
                        while blocking
                            .fetch_update(SeqCst, SeqCst, |n| (n < WORKERS - 1).then_some(n + 1))
                            .is_err()
                        {
                            yield_now().await;
                        }
                        let sum: usize =
                            block_in_place(|| recv(&rx, "a child") + recv(&rx, "a child"));
                        blocking.fetch_sub(1, SeqCst);
                        assert_eq!(sum, 3, "task {i}, round {round}");
                        first.await.unwrap();
                        second.await.unwrap();
                        yield_now().await;
                    }
                    i
                })
            })
            .collect();
        let total: usize = block_on(async {
            let mut total = 0;
            for task in tasks {
                total += task.await.unwrap();
            }
            total
        });
        assert_eq!(total, TASKS * (TASKS - 1) / 2);
    });
}
