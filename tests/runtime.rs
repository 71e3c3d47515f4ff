//! The runtime facade: building, block_on, handles, shutdown, and asyncio-clear misuse.

mod support;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

use eddy::runtime::Handle;
use support::{panic_message, runtime, with_timeout, DropCounter, LIMIT};

#[test]
fn run_returns_the_futures_output() {
    with_timeout(LIMIT, || {
        assert_eq!(eddy::run(async { 1 + 2 }), 3);
    });
}

#[test]
fn block_on_runs_the_future_on_the_calling_thread_and_tasks_on_workers() {
    with_timeout(LIMIT, || {
        let rt = eddy::Runtime::builder()
            .worker_threads(2)
            .thread_name("tw")
            .build()
            .unwrap();
        let caller = std::thread::current().id();
        let (here, worker_name) = rt.block_on(async move {
            let here = std::thread::current().id() == caller;
            let name = eddy::spawn(async {
                std::thread::current()
                    .name()
                    .unwrap_or_default()
                    .to_string()
            })
            .await
            .unwrap();
            (here, name)
        });
        assert!(here, "block_on's future runs on the calling thread");
        assert!(
            worker_name.starts_with("tw-"),
            "tasks run on named workers: {worker_name}"
        );
    });
}

#[test]
fn handle_current_works_in_tasks_and_block_on_and_fails_clearly_outside() {
    with_timeout(LIMIT, || {
        assert!(Handle::try_current().is_err());
        let err = Handle::try_current().unwrap_err();
        assert!(err.is_missing_context());
        assert!(err.to_string().contains("eddy::run"), "{err}");
        let rt = runtime(2);
        rt.block_on(async {
            let handle = Handle::current();
            let inner = handle
                .spawn(async { Handle::try_current().is_ok() })
                .await
                .unwrap();
            assert!(inner, "a task sees its runtime");
        });
        let panic = catch_unwind(Handle::current).unwrap_err();
        let msg = panic_message(&*panic);
        assert!(msg.contains("no eddy runtime"), "{msg}");
    });
}

#[test]
fn spawn_outside_a_runtime_panics_naming_the_fix() {
    let panic = catch_unwind(|| {
        drop(eddy::spawn(async {}));
    })
    .unwrap_err();
    let msg = panic_message(&*panic);
    assert!(msg.contains("outside a runtime"), "{msg}");
    assert!(msg.contains("Handle"), "the message names the fix: {msg}");
}

#[test]
fn handle_enter_makes_spawn_work_on_a_plain_thread() {
    with_timeout(LIMIT, || {
        let rt = runtime(1);
        let handle = rt.handle().clone();
        let task = std::thread::spawn(move || {
            let _guard = handle.enter();
            eddy::spawn(async { 5 })
        })
        .join()
        .unwrap();
        assert_eq!(rt.block_on(task).unwrap(), 5);
    });
}

#[test]
fn nested_block_on_panics_with_asyncios_message() {
    with_timeout(LIMIT, || {
        let rt = runtime(1);
        let panic = catch_unwind(AssertUnwindSafe(|| {
            rt.block_on(async {
                let inner = eddy::Runtime::builder().worker_threads(1).build().unwrap();
                inner.block_on(async {});
            })
        }))
        .unwrap_err();
        let msg = panic_message(&*panic);
        assert!(msg.contains("this event loop is already running"), "{msg}");
        assert!(msg.contains(".await"), "the message names the fix: {msg}");
        // The outer runtime still works.
        assert_eq!(rt.block_on(async { 1 }), 1);
    });
}

#[test]
fn block_on_inside_a_task_panics_and_the_task_reports_it() {
    with_timeout(LIMIT, || {
        let rt = runtime(2);
        let err = rt
            .block_on(rt.spawn(async { eddy::run(async {}) }))
            .unwrap_err();
        assert!(err.is_panic());
        let msg = panic_message(&*err.into_panic());
        assert!(msg.contains("this event loop is already running"), "{msg}");
        // The worker survived the panic.
        assert_eq!(rt.block_on(rt.spawn(async { 2 })).unwrap(), 2);
    });
}

#[test]
fn zero_worker_threads_is_refused_with_an_error_naming_the_setter() {
    let err = eddy::Runtime::builder()
        .worker_threads(0)
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("worker_threads(0)"), "{err}");
}

#[test]
fn dropping_a_runtime_inside_async_code_panics_naming_the_fix() {
    with_timeout(LIMIT, || {
        let outer = runtime(1);
        let panic = catch_unwind(AssertUnwindSafe(|| {
            outer.block_on(async {
                let inner = runtime(1);
                drop(inner);
            })
        }))
        .unwrap_err();
        let msg = panic_message(&*panic);
        assert!(msg.contains("dropped inside async code"), "{msg}");
        assert!(msg.contains("shutdown_background"), "{msg}");
    });
}

#[test]
fn dropping_the_runtime_drops_every_pending_future() {
    with_timeout(LIMIT, || {
        const TASKS: usize = 100_000;
        let counter = DropCounter::default();
        let rt = runtime(2);
        let handles: Vec<_> = (0..TASKS)
            .map(|_| {
                let token = counter.token();
                rt.spawn(async move {
                    let _token = token;
                    std::future::pending::<()>().await;
                })
            })
            .collect();
        // Let the workers poll (some of) them, so both idle and queued tasks are dropped.
        rt.block_on(eddy::task::yield_now());
        drop(rt);
        assert_eq!(
            counter.dropped(),
            TASKS,
            "every future is dropped exactly once"
        );
        assert!(handles.iter().all(|h| h.is_finished()));
        let cancelled = eddy::run(async move {
            let mut n = 0;
            for h in handles {
                n += usize::from(h.await.unwrap_err().is_cancelled());
            }
            n
        });
        assert_eq!(cancelled, TASKS);
    });
}

#[test]
fn shutdown_timeout_returns_even_when_a_task_never_yields() {
    with_timeout(LIMIT, || {
        let rt = runtime(2);
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let spin = stop.clone();
        rt.spawn(async move {
            started_tx.send(()).unwrap();
            // Blocks its worker (a misbehaving task).
            while !spin.load(std::sync::atomic::Ordering::SeqCst) {
                std::hint::spin_loop();
            }
        });
        let counter = DropCounter::default();
        let token = counter.token();
        rt.spawn(async move {
            let _token = token;
            std::future::pending::<()>().await
        });
        started_rx.recv().unwrap();
        let start = Instant::now();
        rt.shutdown_timeout(Duration::from_millis(100));
        let took = start.elapsed();
        assert!(
            took < Duration::from_secs(5),
            "shutdown_timeout took {took:?}"
        );
        assert_eq!(
            counter.dropped(),
            1,
            "idle tasks are cancelled even if a worker is stuck"
        );
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
    });
}

#[test]
fn spawning_after_shutdown_cancels_at_once() {
    with_timeout(LIMIT, || {
        let rt = runtime(1);
        let handle = rt.handle().clone();
        drop(rt);
        let task = handle.spawn(async { 1 });
        assert!(task.is_finished());
        assert!(eddy::run(task).unwrap_err().is_cancelled());
    });
}
