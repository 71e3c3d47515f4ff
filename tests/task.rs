//! Tasks on the real runtime: output, panics, abort at every stage, detach.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};

use support::{panic_message, runtime, with_timeout, DropCounter, LIMIT};

#[test]
fn panics_are_caught_and_no_worker_is_lost() {
    with_timeout(LIMIT, || {
        let rt = runtime(2);
        let panicking: Vec<_> = (0..1_000)
            .map(|i| rt.spawn(async move { panic!("task {i} failed") }))
            .collect();
        let healthy: Vec<_> = (0..10_000u64).map(|i| rt.spawn(async move { i })).collect();
        let (panics, sum) = rt.block_on(async move {
            let mut panics = 0;
            for (i, h) in panicking.into_iter().enumerate() {
                let err = h.await.unwrap_err();
                assert!(err.is_panic());
                assert_eq!(
                    panic_message(&*err.into_panic()),
                    format!("task {i} failed")
                );
                panics += 1;
            }
            let mut sum = 0;
            for h in healthy {
                sum += h.await.unwrap();
            }
            (panics, sum)
        });
        assert_eq!(panics, 1_000);
        assert_eq!(sum, (0..10_000u64).sum());
        // Both workers are still alive: two tasks that each wait for the other to start
        // can only finish if they run at the same time on two workers.
        let barrier = Arc::new(std::sync::Barrier::new(2));
        let tasks: Vec<_> = (0..2)
            .map(|_| {
                let b = barrier.clone();
                rt.spawn(async move {
                    b.wait();
                })
            })
            .collect();
        rt.block_on(async {
            for t in tasks {
                t.await.unwrap();
            }
        });
    });
}

#[test]
fn abort_before_first_poll_cancels_without_polling() {
    with_timeout(LIMIT, || {
        let rt = runtime(1);
        // Keep the only worker busy so the task stays queued while we abort it.
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let (busy_tx, busy_rx) = mpsc::channel();
        rt.spawn(async move {
            busy_tx.send(()).unwrap();
            release_rx.recv().unwrap();
        });
        busy_rx.recv().unwrap();
        let polled = Arc::new(AtomicUsize::new(0));
        let p = polled.clone();
        let counter = DropCounter::default();
        let token = counter.token();
        let task = rt.spawn(async move {
            let _token = token;
            p.fetch_add(1, Ordering::SeqCst);
        });
        task.abort();
        release_tx.send(()).unwrap();
        let err = rt.block_on(task).unwrap_err();
        assert!(err.is_cancelled());
        assert_eq!(polled.load(Ordering::SeqCst), 0);
        assert_eq!(counter.dropped(), 1);
    });
}

#[test]
fn abort_an_idle_task_drops_its_future_on_a_worker_thread() {
    with_timeout(LIMIT, || {
        let rt = eddy::Runtime::builder()
            .worker_threads(2)
            .thread_name("abort-worker")
            .build()
            .unwrap();
        struct RecordDropThread(mpsc::Sender<String>);
        impl Drop for RecordDropThread {
            fn drop(&mut self) {
                let name = std::thread::current().name().unwrap_or("?").to_string();
                let _ = self.0.send(name);
            }
        }
        let (tx, rx) = mpsc::channel();
        let (started_tx, started_rx) = mpsc::channel();
        let guard = RecordDropThread(tx);
        let task = rt.spawn(async move {
            let _guard = guard;
            started_tx.send(()).unwrap();
            std::future::pending::<()>().await;
        });
        started_rx.recv().unwrap();
        task.abort();
        let dropped_on = rx.recv().unwrap();
        assert!(
            dropped_on.starts_with("abort-worker-"),
            "dropped on {dropped_on}"
        );
        assert!(rt.block_on(task).unwrap_err().is_cancelled());
    });
}

#[test]
fn abort_while_running_takes_effect_when_the_poll_returns() {
    with_timeout(LIMIT, || {
        let rt = runtime(2);
        let (running_tx, running_rx) = mpsc::channel();
        let (go_tx, go_rx) = mpsc::channel::<()>();
        let after_yield = Arc::new(AtomicUsize::new(0));
        let seen = after_yield.clone();
        let task = rt.spawn(async move {
            running_tx.send(()).unwrap();
            go_rx.recv().unwrap(); // still inside the first poll
            eddy::task::yield_now().await;
            seen.fetch_add(1, Ordering::SeqCst); // never reached
        });
        running_rx.recv().unwrap();
        task.abort();
        go_tx.send(()).unwrap();
        assert!(rt.block_on(task).unwrap_err().is_cancelled());
        assert_eq!(after_yield.load(Ordering::SeqCst), 0);
    });
}

#[test]
fn abort_after_completion_keeps_the_output() {
    with_timeout(LIMIT, || {
        let rt = runtime(1);
        let task = rt.spawn(async { 99 });
        while !task.is_finished() {
            std::thread::yield_now();
        }
        task.abort();
        task.abort_handle().abort();
        assert_eq!(rt.block_on(task).unwrap(), 99);
    });
}

#[test]
fn a_dropped_join_handle_detaches_the_task() {
    with_timeout(LIMIT, || {
        let rt = runtime(2);
        let (tx, rx) = mpsc::channel();
        drop(rt.spawn(async move {
            eddy::task::yield_now().await;
            tx.send("still ran").unwrap();
        }));
        assert_eq!(rx.recv().unwrap(), "still ran");
    });
}

#[test]
fn abort_handle_works_from_another_thread() {
    with_timeout(LIMIT, || {
        let rt = runtime(2);
        let task = rt.spawn(std::future::pending::<()>());
        let abort = task.abort_handle();
        assert_eq!(abort.id(), task.id());
        std::thread::spawn(move || abort.abort()).join().unwrap();
        assert!(rt.block_on(task).unwrap_err().is_cancelled());
    });
}
