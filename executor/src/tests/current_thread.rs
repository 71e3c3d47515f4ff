//! The current-thread scheduler: everything runs on the thread inside `block_on`, in FIFO
//! order; wakes from other threads reach the loop; local tasks stay on their thread.
//! Small enough for miri.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};

use super::support::Signal;
use crate::task::{yield_now, SpawnMeta};
use crate::{Builder, CurrentThread};

const N: usize = if cfg!(miri) { 20 } else { 1_000 };

fn runtime() -> CurrentThread {
    Builder::new().build_current_thread().unwrap()
}

#[test]
fn tasks_run_on_the_thread_inside_block_on() {
    let rt = runtime();
    let spawner = rt.spawner();
    let here = std::thread::current().id();
    let threads = rt.block_on(async move {
        let tasks: Vec<_> = (0..N)
            .map(|_| spawner.spawn(async { std::thread::current().id() }))
            .collect();
        let mut threads = Vec::new();
        for task in tasks {
            threads.push(task.await.unwrap());
        }
        threads
    });
    assert!(threads.iter().all(|t| *t == here));
}

#[test]
fn spawned_tasks_start_in_spawn_order_and_a_yield_goes_behind_them() {
    let rt = runtime();
    let spawner = rt.spawner();
    let order = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = order.clone();
    rt.block_on(async move {
        let first = {
            let log = log.clone();
            spawner.spawn(async move {
                log.lock().unwrap().push("a1");
                yield_now().await;
                log.lock().unwrap().push("a2");
            })
        };
        let second = {
            let log = log.clone();
            spawner.spawn(async move { log.lock().unwrap().push("b") })
        };
        let third = {
            let log = log.clone();
            spawner.spawn(async move { log.lock().unwrap().push("c") })
        };
        first.await.unwrap();
        second.await.unwrap();
        third.await.unwrap();
    });
    assert_eq!(*order.lock().unwrap(), ["a1", "b", "c", "a2"]);
}

#[test]
fn tasks_spawned_before_block_on_run_in_it_and_survive_between_calls() {
    let rt = runtime();
    let ran = Arc::new(AtomicUsize::new(0));
    let counter = ran.clone();
    let early = rt.spawner().spawn(async move {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    assert_eq!(
        ran.load(Ordering::SeqCst),
        0,
        "nothing runs outside block_on"
    );
    rt.block_on(early).unwrap();
    assert_eq!(ran.load(Ordering::SeqCst), 1);
    // A task left pending by one block_on carries on in the next.
    let (tx, rx) = mpsc::channel::<()>();
    let (done_tx, done_rx) = futures_oneshot();
    let spawner = rt.spawner();
    rt.block_on(async move {
        spawner.spawn(async move {
            yield_now().await;
            tx.send(()).unwrap();
            done_tx.set();
        });
    });
    rt.block_on(done_rx);
    rx.try_recv().unwrap();
}

#[test]
fn a_spawn_from_another_thread_wakes_the_loop() {
    let rt = runtime();
    let spawner = rt.spawner();
    let (tx, rx) = mpsc::channel();
    let value = rt.block_on(async move {
        let remote = std::thread::spawn(move || {
            let task = spawner.spawn(async { 40 + 2 });
            tx.send(()).unwrap();
            task
        });
        let task = remote.join().unwrap();
        rx.recv().unwrap();
        task.await.unwrap()
    });
    assert_eq!(value, 42);
}

#[test]
fn a_wake_from_another_thread_reaches_the_main_future_and_tasks() {
    let rt = runtime();
    let spawner = rt.spawner();
    for _ in 0..if cfg!(miri) { 2 } else { 50 } {
        let signal = Signal::new();
        let waiting = signal.clone();
        let task = spawner.spawn(async move { waiting.wait().await });
        let setter = signal.clone();
        let thread = std::thread::spawn(move || setter.set());
        rt.block_on(task).unwrap();
        thread.join().unwrap();
    }
}

#[test]
fn local_tasks_share_an_rc_and_belong_to_their_thread() {
    let rt = runtime();
    let spawner = rt.spawner();
    let log = Rc::new(RefCell::new(Vec::new()));
    let inner = log.clone();
    rt.block_on(async move {
        let tasks: Vec<_> = (0..10)
            .map(|i| {
                let log = inner.clone();
                spawner
                    .spawn_local(async move { log.borrow_mut().push(i) }, SpawnMeta::caller())
                    .ok()
                    .unwrap()
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        // Another thread may not spawn local tasks on this runtime.
        let other = spawner.clone();
        let refused =
            std::thread::spawn(move || other.spawn_local(async {}, SpawnMeta::caller()).is_err());
        assert!(refused.join().unwrap());
    });
    assert_eq!(*log.borrow(), (0..10).collect::<Vec<_>>());
}

#[test]
fn a_local_task_spawned_here_waits_while_another_thread_runs_the_loop() {
    let rt = Arc::new(runtime());
    let spawner = rt.spawner();
    let ran_on = Rc::new(RefCell::new(None));
    let slot = ran_on.clone();
    let local = spawner
        .spawn_local(
            async move { *slot.borrow_mut() = Some(std::thread::current().id()) },
            SpawnMeta::caller(),
        )
        .ok()
        .unwrap();
    // Another thread runs the loop first: the local task must not run there.
    let other = rt.clone();
    std::thread::spawn(move || other.block_on(yield_now()))
        .join()
        .unwrap();
    assert!(ran_on.borrow().is_none());
    rt.block_on(local).unwrap();
    assert_eq!(*ran_on.borrow(), Some(std::thread::current().id()));
}

#[test]
fn shutdown_drops_pending_local_futures_on_their_thread() {
    struct OnDrop(Rc<RefCell<Option<std::thread::ThreadId>>>);
    impl Drop for OnDrop {
        fn drop(&mut self) {
            *self.0.borrow_mut() = Some(std::thread::current().id());
        }
    }
    let rt = runtime();
    let dropped = Rc::new(RefCell::new(None));
    let guard = OnDrop(dropped.clone());
    let pending = rt
        .spawner()
        .spawn_local(
            async move {
                let _guard = guard;
                std::future::pending::<()>().await
            },
            SpawnMeta::caller(),
        )
        .ok()
        .unwrap();
    rt.block_on(yield_now());
    drop(rt);
    assert_eq!(*dropped.borrow(), Some(std::thread::current().id()));
    assert!(crate::block_on(pending).unwrap_err().is_cancelled());
}

#[test]
fn panics_and_aborts_reach_the_join_handle() {
    let rt = runtime();
    let spawner = rt.spawner();
    rt.block_on(async move {
        let panicked = spawner.spawn(async { panic!("boom") });
        assert!(panicked.await.unwrap_err().is_panic());
        let pending = spawner.spawn(std::future::pending::<()>());
        pending.abort();
        assert!(pending.await.unwrap_err().is_cancelled());
    });
}

#[test]
fn block_on_from_two_threads_shares_the_loop() {
    let rt = Arc::new(runtime());
    let signal = Signal::new();
    let other = rt.clone();
    let waiting = signal.clone();
    let started = Arc::new(AtomicBool::new(false));
    let flag = started.clone();
    // One thread runs the loop, waiting for a task the main thread spawns afterwards.
    let thread = std::thread::spawn(move || {
        other.block_on(async move {
            flag.store(true, Ordering::SeqCst);
            waiting.wait().await
        })
    });
    let setter = signal.clone();
    let task = rt.spawner().spawn(async move { setter.set() });
    rt.block_on(task).unwrap();
    thread.join().unwrap();
    assert!(started.load(Ordering::SeqCst));
}

#[test]
#[should_panic(expected = "this event loop is already running")]
fn nested_block_on_panics() {
    let rt = runtime();
    let spawner = rt.spawner();
    rt.block_on(async move { spawner.block_on(async {}) });
}

fn futures_oneshot() -> (Signal, impl std::future::Future<Output = ()>) {
    let signal = Signal::new();
    let wait = signal.wait();
    (signal, wait)
}

#[test]
fn local_tasks_are_listed_on_their_thread_only() {
    let rt = runtime();
    let spawner = rt.spawner();
    let pending = spawner
        .spawn_local(std::future::pending::<()>(), SpawnMeta::caller())
        .ok()
        .unwrap();
    let send = spawner.spawn(std::future::pending::<()>());
    let here: Vec<_> = spawner.tasks().iter().map(|t| t.info.id()).collect();
    assert!(here.contains(&pending.id()) && here.contains(&send.id()));
    let other = spawner.clone();
    let there: Vec<_> = std::thread::spawn(move || {
        other
            .tasks()
            .iter()
            .map(|t| t.info.id())
            .collect::<Vec<_>>()
    })
    .join()
    .unwrap();
    assert_eq!(
        there,
        [send.id()],
        "another thread may not walk the local list"
    );
}

#[test]
fn a_local_spawn_from_another_thread_after_shutdown_is_cancelled() {
    let rt = runtime();
    let spawner = rt.spawner();
    // This thread owns the local tasks; then the runtime shuts down.
    drop(spawner.spawn_local(async {}, SpawnMeta::caller()));
    drop(rt);
    let late = std::thread::spawn(move || {
        let join = spawner
            .spawn_local(async {}, SpawnMeta::caller())
            .ok()
            .expect("after shutdown the spawn is accepted and cancelled");
        crate::block_on(join).unwrap_err().is_cancelled()
    });
    assert!(late.join().unwrap());
}

/// A park hook standing in for a timer driver: until it has fired its one "timer", a park
/// returns at once (so the loop keeps ticking); `maintain` fires it (wakes the stored
/// waker on the loop's own thread, which queues the task without an unpark); after that,
/// a park blocks until a real unpark.
struct TimerOnMaintain {
    waker: std::sync::Mutex<Option<std::task::Waker>>,
    fired: AtomicBool,
    parker: crate::park::Parker,
}

impl crate::park::Park for TimerOnMaintain {
    fn park(&self, _worker: usize) {
        if self.fired.load(Ordering::SeqCst) {
            self.parker.park();
        }
    }

    fn unpark(&self, _worker: usize) {
        self.parker.unpark();
    }

    fn maintain(&self, _worker: usize) {
        if let Some(waker) = self.waker.lock().unwrap().take() {
            self.fired.store(true, Ordering::SeqCst);
            waker.wake();
        }
    }
}

/// A task woken by the maintenance round of a tick that found the queue empty runs at
/// once; the loop must not park with it queued (it did once, hidden while every wake of
/// the main future also unparked the loop).
#[test]
fn a_task_woken_by_maintenance_on_an_empty_queue_runs_before_the_loop_parks() {
    let (done_tx, done_rx) = mpsc::channel();
    let run = std::thread::spawn(move || {
        let park = Arc::new(TimerOnMaintain {
            waker: std::sync::Mutex::new(None),
            fired: AtomicBool::new(false),
            parker: crate::park::Parker::new(),
        });
        let hook = park.clone();
        let rt = Builder::new()
            .build_current_thread_with_park(move |_| hook)
            .unwrap();
        let spawner = rt.spawner();
        let slot = park.clone();
        let value = rt.block_on(async move {
            let mut registered = false;
            let timer = spawner.spawn(std::future::poll_fn(move |cx| {
                if registered {
                    return std::task::Poll::Ready(7);
                }
                registered = true;
                *slot.waker.lock().unwrap() = Some(cx.waker().clone());
                std::task::Poll::Pending
            }));
            timer.await.unwrap()
        });
        done_tx.send(value).unwrap();
    });
    let value = done_rx
        .recv_timeout(std::time::Duration::from_secs(20))
        .expect("the loop parked with a woken task in its queue");
    assert_eq!(value, 7);
    run.join().unwrap();
}
