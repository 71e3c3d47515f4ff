//! The current-thread runtime: tasks, timers, I/O and blocking jobs with no worker
//! threads; wakes from other threads; local tasks; the runtime surface around it.

mod support;

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use futures_lite::{AsyncReadExt, AsyncWriteExt};
use support::with_timeout;

fn runtime() -> eddy::Runtime {
    eddy::Builder::new_current_thread().build().unwrap()
}

#[test]
fn tasks_timers_and_sockets_run_on_the_calling_thread() {
    with_timeout(Duration::from_secs(30), || {
        let rt = runtime();
        let here = std::thread::current().id();
        let (echoed, threads) = rt
            .block_on(async move {
                let listener = eddy::net::TcpListener::bind("127.0.0.1:0").await?;
                let addr = listener.local_addr()?;
                let server = eddy::spawn(async move {
                    let (mut stream, _) = listener.accept().await?;
                    let mut buf = [0; 5];
                    stream.read_exact(&mut buf).await?;
                    eddy::time::sleep(Duration::from_millis(2)).await;
                    stream.write_all(&buf).await?;
                    std::io::Result::Ok(std::thread::current().id())
                });
                let mut client = eddy::net::TcpStream::connect(addr).await?;
                client.write_all(b"hello").await?;
                let mut buf = [0; 5];
                client.read_exact(&mut buf).await?;
                let server_thread = server.await.unwrap()?;
                std::io::Result::Ok((buf, [server_thread, std::thread::current().id()]))
            })
            .unwrap();
        assert_eq!(&echoed, b"hello");
        assert_eq!(threads, [here, here]);
        assert_eq!(rt.handle().num_workers(), 1);
        assert!(rt.handle().is_current_thread());
    });
}

#[test]
fn no_worker_threads_start_and_blocking_jobs_use_the_pool() {
    with_timeout(Duration::from_secs(30), || {
        let started = Arc::new(AtomicUsize::new(0));
        let counter = started.clone();
        let rt = eddy::Builder::new_current_thread()
            .on_thread_start(move || {
                counter.fetch_add(1, Ordering::SeqCst);
            })
            .build()
            .unwrap();
        let here = std::thread::current().id();
        let job_thread = rt.block_on(async {
            eddy::run_in_executor(|| std::thread::current().id())
                .await
                .unwrap()
        });
        assert_ne!(job_thread, here, "the blocking job ran on a pool thread");
        assert_eq!(
            started.load(Ordering::SeqCst),
            1,
            "only the blocking thread started"
        );
    });
}

#[test]
fn a_spawn_from_another_thread_wakes_the_loop_in_block_on() {
    with_timeout(Duration::from_secs(30), || {
        let rt = runtime();
        let handle = rt.handle().clone();
        let (tx, rx) = mpsc::channel();
        let result = rt.block_on(async move {
            let (done_tx, done_rx) = eddy::sync::oneshot::channel();
            std::thread::spawn(move || {
                rx.recv().unwrap();
                handle.spawn(async move {
                    done_tx.send(std::thread::current().id()).unwrap();
                });
            });
            tx.send(()).unwrap();
            done_rx.await.unwrap()
        });
        assert_eq!(result, std::thread::current().id());
    });
}

#[test]
fn local_tasks_share_state_and_yield_in_order() {
    with_timeout(Duration::from_secs(30), || {
        let rt = runtime();
        let log = rt.block_on(async {
            let log = Rc::new(RefCell::new(Vec::new()));
            let tasks: Vec<_> = (0..3)
                .map(|i| {
                    let log = log.clone();
                    eddy::task::spawn_local(async move {
                        log.borrow_mut().push((i, 0));
                        eddy::task::yield_now().await;
                        log.borrow_mut().push((i, 1));
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
            log.take()
        });
        assert_eq!(log, [(0, 0), (1, 0), (2, 0), (0, 1), (1, 1), (2, 1)]);
    });
}

#[test]
fn spawn_local_from_a_send_task_on_the_loop_works() {
    with_timeout(Duration::from_secs(30), || {
        let rt = runtime();
        let value = rt.block_on(async {
            eddy::spawn(async {
                let rc = Rc::new(5);
                eddy::task::spawn_local(async move { *rc * 2 })
                    .await
                    .unwrap()
            })
            .await
            .unwrap()
        });
        assert_eq!(value, 10);
    });
}

#[test]
fn local_tasks_abort_and_panic_as_other_tasks() {
    with_timeout(Duration::from_secs(30), || {
        let rt = runtime();
        rt.block_on(async {
            let rc = Rc::new(());
            let held = rc.clone();
            let pending = eddy::task::spawn_local(async move {
                let _held = held;
                std::future::pending::<()>().await
            });
            eddy::task::yield_now().await;
            assert_eq!(Rc::strong_count(&rc), 2);
            pending.abort();
            assert!(pending.await.unwrap_err().is_cancelled());
            assert_eq!(Rc::strong_count(&rc), 1, "the aborted future was dropped");
            let panicked = eddy::task::spawn_local(async { panic!("local boom") });
            let err = panicked.await.unwrap_err();
            assert!(err.is_panic());
        });
    });
}

#[test]
#[should_panic(expected = "spawn_local needs a LocalSet or a current-thread runtime")]
fn spawn_local_on_a_multi_thread_runtime_panics_naming_the_fix() {
    let rt = eddy::Runtime::new().unwrap();
    rt.block_on(async {
        eddy::task::spawn_local(async {});
    });
}

#[test]
#[should_panic(expected = "spawn_local needs a LocalSet or a current-thread runtime")]
fn spawn_local_outside_a_runtime_panics_naming_the_fix() {
    eddy::task::spawn_local(async {});
}

#[test]
fn handle_block_on_from_another_thread_runs_the_loop() {
    with_timeout(Duration::from_secs(30), || {
        let rt = runtime();
        let handle = rt.handle().clone();
        let answer = std::thread::spawn(move || {
            handle.block_on(async {
                eddy::time::sleep(Duration::from_millis(1)).await;
                eddy::spawn(async { 6 * 7 }).await.unwrap()
            })
        })
        .join()
        .unwrap();
        assert_eq!(answer, 42);
    });
}

#[test]
fn runtime_enter_makes_it_current_outside_block_on() {
    let rt = runtime();
    let task = {
        let _guard = rt.enter();
        assert!(eddy::runtime::Handle::current().is_current_thread());
        eddy::spawn(async { "queued until block_on" })
    };
    assert!(eddy::runtime::Handle::try_current().is_err());
    assert_eq!(rt.block_on(task).unwrap(), "queued until block_on");
}

#[test]
fn runtime_and_handle_are_unwind_safe() {
    fn assert_unwind_safe<T: std::panic::UnwindSafe + std::panic::RefUnwindSafe>(_: &T) {}
    let rt = runtime();
    assert_unwind_safe(&rt);
    assert_unwind_safe(rt.handle());
    // tokio's idiom compiles as it is: no AssertUnwindSafe needed.
    let caught = std::panic::catch_unwind(|| rt.block_on(async { panic!("inside block_on") }));
    assert!(caught.is_err());
    // The runtime is still usable after the caught panic.
    assert_eq!(rt.block_on(async { 1 }), 1);
}

#[test]
fn dropping_the_runtime_cancels_pending_tasks_and_drops_local_futures_here() {
    struct OnDrop(Rc<RefCell<Option<std::thread::ThreadId>>>);
    impl Drop for OnDrop {
        fn drop(&mut self) {
            *self.0.borrow_mut() = Some(std::thread::current().id());
        }
    }
    let rt = runtime();
    let dropped = Rc::new(RefCell::new(None));
    let guard = OnDrop(dropped.clone());
    let (local, remote) = rt.block_on(async move {
        let local = eddy::task::spawn_local(async move {
            let _guard = guard;
            std::future::pending::<()>().await
        });
        let remote = eddy::spawn(std::future::pending::<()>());
        eddy::task::yield_now().await;
        (local, remote)
    });
    drop(rt);
    assert_eq!(*dropped.borrow(), Some(std::thread::current().id()));
    assert!(eddy_executor::block_on(local).unwrap_err().is_cancelled());
    assert!(eddy_executor::block_on(remote).unwrap_err().is_cancelled());
}

#[test]
fn start_paused_on_a_multi_thread_runtime_is_an_error_naming_the_fix() {
    let err = eddy::Builder::new_multi_thread()
        .start_paused(true)
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("new_current_thread"), "{err}");
}

#[test]
fn thread_hooks_run_on_workers_and_blocking_threads() {
    with_timeout(Duration::from_secs(30), || {
        let started = Arc::new(AtomicUsize::new(0));
        let stopped = Arc::new(AtomicUsize::new(0));
        let (on_start, on_stop) = (started.clone(), stopped.clone());
        let rt = eddy::Builder::new_multi_thread()
            .worker_threads(2)
            .on_thread_start(move || {
                // The runtime is current when the hook runs.
                assert!(eddy::runtime::Handle::try_current().is_ok());
                on_start.fetch_add(1, Ordering::SeqCst);
            })
            .on_thread_stop(move || {
                on_stop.fetch_add(1, Ordering::SeqCst);
            })
            .build()
            .unwrap();
        rt.block_on(async { eddy::run_in_executor(|| ()).await.unwrap() });
        drop(rt);
        assert_eq!(
            started.load(Ordering::SeqCst),
            3,
            "2 workers + 1 blocking thread"
        );
        assert_eq!(stopped.load(Ordering::SeqCst), 3);
    });
}

#[test]
#[should_panic(expected = "block_in_place needs a multi-thread runtime")]
fn block_in_place_on_the_current_thread_runtime_panics_naming_the_fix() {
    let rt = runtime();
    rt.block_on(async { eddy::task::block_in_place(|| ()) });
}

#[test]
fn a_local_set_runs_inside_a_current_thread_runtime_too() {
    let rt = runtime();
    let local = eddy::task::LocalSet::new();
    let value = local.block_on(&rt, async {
        let rc = Rc::new(20);
        let inner = rc.clone();
        // Inside run_until, spawn_local goes to the set.
        eddy::task::spawn_local(async move { *inner + 1 })
            .await
            .unwrap()
            + *rc
            + 1
    });
    assert_eq!(value, 42);
}
