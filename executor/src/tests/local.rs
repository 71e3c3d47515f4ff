//! `LocalSet` and `spawn_local`: where local tasks run, how the set is driven, what its
//! drop cancels. Bodies that wait for another thread run under `with_timeout`.

use std::cell::{Cell, RefCell};
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread::{self, ThreadId};
use std::time::Duration;

use super::support::{Signal, WakeCounter};
use crate::debug::UnhandledPanic;
use crate::local::LocalSet;
use crate::task::{spawn_local, yield_now};
use crate::{block_on, Executor};

/// Runs `f` on its own thread; fails the test if it takes longer than a minute (a hang
/// is a lost wakeup).
fn with_timeout<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let body = thread::spawn(move || {
        let out = f();
        let _ = tx.send(());
        out
    });
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => match body.join() {
            Ok(out) => out,
            Err(panic) => std::panic::resume_unwind(panic),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("the test hung: a lost wakeup?"),
    }
}

/// Records the thread its destructor runs on.
struct DropsOn(Arc<Mutex<Vec<ThreadId>>>);

impl Drop for DropsOn {
    fn drop(&mut self) {
        self.0.lock().unwrap().push(thread::current().id());
    }
}

#[test]
fn local_tasks_share_an_rc_and_run_on_the_owner_thread() {
    let local = LocalSet::new();
    let log = Rc::new(RefCell::new(Vec::new()));
    let me = thread::current().id();
    block_on(local.run_until(async {
        let tasks: Vec<_> = (0..3)
            .map(|i| {
                let log = log.clone();
                spawn_local(async move {
                    yield_now().await;
                    log.borrow_mut().push((i, thread::current().id()));
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
    }));
    assert_eq!(*log.borrow(), [(0, me), (1, me), (2, me)]);
}

#[test]
fn tasks_spawned_before_the_run_start_when_it_does() {
    let local = LocalSet::new();
    let started = Rc::new(Cell::new(false));
    let task = local.spawn_local({
        let started = started.clone();
        async move { started.set(true) }
    });
    assert!(!started.get(), "nothing runs before the set is driven");
    block_on(local.run_until(task)).unwrap();
    assert!(started.get());
}

#[test]
fn a_local_task_woken_from_another_thread_runs() {
    with_timeout(|| {
        let local = LocalSet::new();
        let signal = Signal::new();
        let (polled_tx, polled_rx) = mpsc::channel();
        let task = local.spawn_local({
            let signal = signal.clone();
            async move {
                polled_tx.send(()).unwrap();
                signal.wait().await;
                Rc::new("woken") // a non-Send output
            }
        });
        let setter = thread::spawn(move || {
            polled_rx.recv().unwrap();
            signal.set();
        });
        let out = block_on(local.run_until(task)).unwrap();
        setter.join().unwrap();
        assert_eq!(*out, "woken");
    });
}

#[test]
fn a_wake_on_the_owner_thread_while_the_set_is_not_running_wakes_the_set() {
    let local = LocalSet::new();
    let signal = Signal::new();
    let task = local.spawn_local(signal.wait());
    let counter = WakeCounter::new();
    let waker = Waker::from(counter.clone());
    let mut cx = Context::from_waker(&waker);
    let mut set = pin!(local);
    assert!(set.as_mut().poll(&mut cx).is_pending(), "the task waits");
    assert_eq!(counter.wakes(), 0);
    signal.set(); // here, outside any poll of the set
    assert_eq!(counter.wakes(), 1, "the set's waker was woken");
    assert!(
        set.as_mut().poll(&mut cx).is_ready(),
        "the task ran and finished"
    );
    assert!(task.is_finished());
}

#[test]
fn abort_drops_an_idle_local_task_on_the_owner_thread() {
    let local = LocalSet::new();
    let drops = Arc::new(Mutex::new(Vec::new()));
    let guard = DropsOn(drops.clone());
    let task = local.spawn_local(async move {
        let _guard = guard;
        std::future::pending::<()>().await
    });
    let abort = task.abort_handle();
    let err = block_on(local.run_until(async move {
        yield_now().await; // the task is polled once and waits
        thread::spawn(move || abort.abort()).join().unwrap();
        task.await.unwrap_err()
    }));
    assert!(err.is_cancelled(), "{err}");
    assert_eq!(*drops.lock().unwrap(), [thread::current().id()]);
}

#[test]
fn a_panic_in_a_local_task_is_caught_as_a_join_error() {
    let local = LocalSet::new();
    let err = block_on(local.run_until(async {
        spawn_local(async { panic!("boom in a local task") })
            .await
            .unwrap_err()
    }));
    assert!(err.is_panic());
    assert_eq!(err.panic_message(), Some("boom in a local task"));
    // The set lives on.
    let task = local.spawn_local(async { 1 });
    assert_eq!(block_on(local.run_until(task)).unwrap(), 1);
}

#[test]
fn is_finished_turns_true_when_the_task_completes() {
    let local = LocalSet::new();
    let signal = Signal::new();
    let task = local.spawn_local(signal.wait());
    block_on(local.run_until(yield_now()));
    assert!(!task.is_finished());
    signal.set();
    block_on(local.run_until(yield_now()));
    assert!(task.is_finished());
}

#[test]
fn yield_now_goes_behind_the_other_ready_local_tasks() {
    let local = LocalSet::new();
    let order = Rc::new(RefCell::new(Vec::new()));
    for name in ["a", "b", "c"] {
        let order = order.clone();
        local.spawn_local(async move {
            order.borrow_mut().push(name);
            yield_now().await;
            order.borrow_mut().push(name);
        });
    }
    block_on(local);
    assert_eq!(*order.borrow(), ["a", "b", "c", "a", "b", "c"]);
}

#[test]
fn dropping_the_set_drops_pending_futures_on_the_owner_thread() {
    let drops = Arc::new(Mutex::new(Vec::new()));
    let local = LocalSet::new();
    let mut tasks = Vec::new();
    // One task that was polled and waits, one that never ran.
    for _ in 0..2 {
        let guard = DropsOn(drops.clone());
        tasks.push(local.spawn_local(async move {
            let _guard = guard;
            std::future::pending::<()>().await
        }));
    }
    block_on(local.run_until(yield_now()));
    drop(local);
    let me = thread::current().id();
    assert_eq!(*drops.lock().unwrap(), [me, me]);
    for task in tasks {
        assert!(block_on(task).unwrap_err().is_cancelled());
    }
}

#[test]
fn a_waker_fired_after_the_set_is_dropped_does_nothing() {
    let local = LocalSet::new();
    let (tx, rx) = mpsc::channel();
    let task = local.spawn_local(poll_fn(move |cx| {
        tx.send(cx.waker().clone()).unwrap();
        Poll::<()>::Pending
    }));
    block_on(local.run_until(yield_now()));
    let waker = rx.recv().unwrap();
    drop(local);
    thread::spawn(move || waker.wake()).join().unwrap();
    assert!(block_on(task).unwrap_err().is_cancelled());
}

#[test]
fn a_spawn_from_a_destructor_while_the_set_drops_is_cancelled() {
    struct SpawnsOnDrop(Rc<RefCell<Option<crate::task::JoinHandle<()>>>>);
    impl Drop for SpawnsOnDrop {
        fn drop(&mut self) {
            *self.0.borrow_mut() = Some(spawn_local(async {}));
        }
    }
    let late = Rc::new(RefCell::new(None));
    let local = LocalSet::new();
    let guard = SpawnsOnDrop(late.clone());
    local.spawn_local(async move {
        let _guard = guard;
        std::future::pending::<()>().await
    });
    drop(local);
    let late = late.borrow_mut().take().expect("the destructor ran");
    assert!(block_on(late).unwrap_err().is_cancelled());
}

#[test]
fn the_set_as_a_future_completes_when_its_tasks_are_done() {
    with_timeout(|| {
        let local = LocalSet::new();
        let (tx, rx) = mpsc::channel::<Waker>();
        let done = Rc::new(Cell::new(0));
        for _ in 0..3 {
            let done = done.clone();
            local.spawn_local(async move {
                yield_now().await;
                done.set(done.get() + 1);
            });
        }
        // One task waits for another thread, which wakes it once it has its waker.
        let flag = Arc::new(AtomicUsize::new(0));
        local.spawn_local({
            let flag = flag.clone();
            poll_fn(move |cx| {
                if flag.load(Ordering::SeqCst) == 1 {
                    return Poll::Ready(());
                }
                tx.send(cx.waker().clone()).unwrap();
                Poll::Pending
            })
        });
        let waker = thread::spawn(move || {
            let waker = rx.recv().unwrap();
            flag.store(1, Ordering::SeqCst);
            waker.wake();
        });
        block_on(local);
        waker.join().unwrap();
        assert_eq!(done.get(), 3);
    });
}

#[test]
fn an_empty_set_is_ready_at_once() {
    block_on(LocalSet::new());
}

#[test]
fn one_poll_runs_at_most_61_tasks_then_wakes_itself() {
    let local = LocalSet::new();
    let ran = Rc::new(Cell::new(0));
    for _ in 0..100 {
        let ran = ran.clone();
        local.spawn_local(async move { ran.set(ran.get() + 1) });
    }
    let counter = WakeCounter::new();
    let waker = Waker::from(counter.clone());
    let mut cx = Context::from_waker(&waker);
    let mut run = pin!(local.run_until(std::future::pending::<()>()));
    assert!(run.as_mut().poll(&mut cx).is_pending());
    assert_eq!(ran.get(), 61);
    assert_eq!(
        counter.wakes(),
        1,
        "more tasks are ready: the caller is woken"
    );
    assert!(run.as_mut().poll(&mut cx).is_pending());
    assert_eq!(ran.get(), 100);
    assert_eq!(counter.wakes(), 1, "all done: no wake");
}

#[test]
fn run_until_future_is_polled_while_tasks_keep_yielding() {
    let local = LocalSet::new();
    let stop = Rc::new(Cell::new(false));
    for _ in 0..4 {
        let stop = stop.clone();
        local.spawn_local(async move {
            while !stop.get() {
                yield_now().await;
            }
        });
    }
    // The future finishes after a few of its own polls; the busy tasks cannot starve it.
    let mut polls = 0;
    block_on(local.run_until(poll_fn(|cx| {
        polls += 1;
        if polls == 5 {
            return Poll::Ready(());
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    })));
    stop.set(true);
    block_on(local);
}

#[test]
fn a_task_woken_from_afar_is_not_starved_by_a_busy_local_queue() {
    let local = LocalSet::new();
    let signal = Signal::new();
    // Busy tasks that always yield: the set's own queue never empties.
    for _ in 0..4 {
        local.spawn_local(async {
            loop {
                yield_now().await;
            }
        });
    }
    let waiter = local.spawn_local(signal.wait());
    let waker = Waker::from(WakeCounter::new());
    let mut cx = Context::from_waker(&waker);
    let mut run = pin!(local.run_until(std::future::pending::<()>()));
    assert!(
        run.as_mut().poll(&mut cx).is_pending(),
        "a first turn: all wait"
    );
    assert!(!waiter.is_finished());
    thread::spawn(move || signal.set()).join().unwrap();
    assert!(run.as_mut().poll(&mut cx).is_pending(), "a second turn");
    assert!(
        waiter.is_finished(),
        "the shared queue is served within a turn (every 31st task)"
    );
}

#[test]
fn nested_sets_each_spawn_onto_their_own() {
    let outer = LocalSet::new();
    let where_ran = Rc::new(RefCell::new(Vec::new()));
    block_on(outer.run_until(async {
        let inner = LocalSet::new();
        let log = where_ran.clone();
        inner
            .run_until(async move {
                spawn_local(async move { log.borrow_mut().push("inner") })
                    .await
                    .unwrap();
            })
            .await;
        assert!(inner.tasks().is_empty());
        // Back in the outer set's run: spawns go there again.
        let log = where_ran.clone();
        spawn_local(async move { log.borrow_mut().push("outer") })
            .await
            .unwrap();
        assert!(outer.tasks().is_empty());
    }));
    assert_eq!(*where_ran.borrow(), ["inner", "outer"]);
}

#[test]
fn spawn_local_outside_a_set_panics_naming_the_fix() {
    let panic = std::panic::catch_unwind(|| spawn_local(async {})).unwrap_err();
    let message = panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap();
    assert!(
        message.starts_with("spawn_local needs a LocalSet or a current-thread runtime: "),
        "{message}"
    );
    assert!(message.contains("LocalSet::run_until"), "{message}");
}

#[test]
fn spawn_local_on_an_executor_worker_panics_naming_the_fix() {
    let executor = Executor::builder().worker_threads(1).build().unwrap();
    let err = block_on(executor.spawner().spawn(async {
        spawn_local(async {});
    }))
    .unwrap_err();
    let message = err.panic_message().unwrap();
    assert!(
        message.starts_with("spawn_local needs a LocalSet"),
        "{message}"
    );
}

#[test]
fn a_join_handle_with_a_send_output_can_be_awaited_on_another_thread() {
    with_timeout(|| {
        let local = LocalSet::new();
        let signal = Signal::new();
        let task = local.spawn_local({
            let signal = signal.clone();
            async move {
                signal.wait().await;
                7
            }
        });
        let joiner = thread::spawn(move || block_on(task).unwrap());
        block_on(local.run_until(async {
            signal.set();
            yield_now().await;
        }));
        assert_eq!(joiner.join().unwrap(), 7);
    });
}

/// Scaled down under miri, which is ~1000x slower.
const MANY: u64 = if cfg!(miri) { 200 } else { 10_000 };

#[test]
fn ten_thousand_local_tasks_run() {
    let local = LocalSet::new();
    let sum = Rc::new(Cell::new(0u64));
    for i in 0..MANY {
        let sum = sum.clone();
        local.spawn_local(async move {
            yield_now().await;
            sum.set(sum.get() + i);
        });
    }
    block_on(local);
    assert_eq!(sum.get(), MANY * (MANY - 1) / 2);
}

#[test]
fn a_set_made_under_a_debug_executor_counts_polls() {
    let executor = Executor::builder()
        .worker_threads(1)
        .debug(true)
        .build()
        .unwrap();
    let local = LocalSet::with_settings_of(&executor.spawner());
    let task = local.spawn_local(std::future::pending::<()>());
    block_on(local.run_until(yield_now()));
    block_on(local.run_until(yield_now())); // not woken: no second poll
    let tasks = local.tasks();
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].info.id(), task.id());
    assert_eq!(tasks[0].polls, Some(1));
    assert!(tasks[0].age.is_some());
    // Without an executor to follow: no counts.
    let plain = LocalSet::new();
    plain.spawn_local(std::future::pending::<()>());
    assert_eq!(plain.tasks()[0].polls, None);
}

#[test]
fn a_set_made_on_a_worker_follows_its_executor() {
    let reports = Arc::new(Mutex::new(Vec::new()));
    let executor = {
        let reports = reports.clone();
        Executor::builder()
            .worker_threads(1)
            .unhandled_panic(UnhandledPanic::Report)
            .on_report(move |report| reports.lock().unwrap().push(report.to_string()))
            .build()
            .unwrap()
    };
    // Made and run inside one poll of a worker's task: `new` finds the worker.
    block_on(executor.spawner().spawn(async {
        let local = LocalSet::new();
        let mut run = pin!(local.run_until(yield_now()));
        let waker = Waker::from(WakeCounter::new());
        drop(local.spawn_local(async { panic!("nobody reads this") }));
        while run
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending()
        {}
    }))
    .unwrap();
    let reports = reports.lock().unwrap();
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert!(reports[0].contains("nobody reads this"), "{}", reports[0]);
}
