//! run_in_executor and the blocking pool through the facade: the cap, keep-alive,
//! panics, abort, custom pools, and what each kind of shutdown waits for. Thread counts
//! are asked of the OS (`eddy_test_support::process::threads_named`), by each test's own
//! thread-name prefix.

mod support;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use eddy::task::BlockingPool;
use eddy_test_support::process::{assert_no_thread_named, threads_named};
use support::{panic_message, with_timeout, LIMIT};

/// Polls `cond` until it holds, failing after 10 s.
fn eventually(what: &str, cond: impl Fn() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "timed out waiting until {what}"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn runtime(name: &str, max_blocking: usize) -> eddy::Runtime {
    eddy::Runtime::builder()
        .worker_threads(2)
        .thread_name(name)
        .max_blocking_threads(max_blocking)
        .build()
        .unwrap()
}

#[test]
fn run_in_executor_runs_the_call_on_a_blocking_thread_and_returns_its_value() {
    with_timeout(LIMIT, || {
        let rt = runtime("rie", 4);
        let (value, thread) = rt.block_on(async {
            eddy::run_in_executor(|| (6 * 7, std::thread::current().name().map(String::from)))
                .await
                .unwrap()
        });
        assert_eq!(value, 42);
        assert_eq!(thread.as_deref(), Some("rie-blocking-0"));
        // The alias is the same function.
        let alias = rt.block_on(async { eddy::task::spawn_blocking(|| "alias").await });
        assert_eq!(alias.unwrap(), "alias");
    });
}

#[test]
fn handle_run_in_executor_works_from_a_plain_thread() {
    with_timeout(LIMIT, || {
        let rt = runtime("hri", 4);
        let handle = rt.handle().clone();
        let job = std::thread::spawn(move || handle.run_in_executor(|| 7))
            .join()
            .unwrap();
        assert_eq!(rt.block_on(job).unwrap(), 7);
        assert_eq!(rt.block_on(rt.handle().spawn_blocking(|| 8)).unwrap(), 8);
    });
}

#[test]
fn a_job_sees_its_runtime_and_can_spawn_tasks_on_it() {
    with_timeout(LIMIT, || {
        let rt = runtime("ctx", 2);
        let out = rt.block_on(async {
            eddy::run_in_executor(|| {
                let task = eddy::spawn(async { 5 });
                // Waiting inside a blocking job is allowed: it is not a worker.
                let rt = eddy::Handle::current();
                let (tx, rx) = mpsc::channel();
                drop(rt.spawn(async move { tx.send(task.await.unwrap()).unwrap() }));
                rx.recv_timeout(LIMIT).unwrap()
            })
            .await
            .unwrap()
        });
        assert_eq!(out, 5);
    });
}

#[test]
fn run_in_executor_outside_a_runtime_panics_naming_the_fix() {
    let panic = catch_unwind(|| drop(eddy::run_in_executor(|| ()))).unwrap_err();
    let msg = panic_message(&*panic);
    assert!(msg.contains("outside a runtime"), "{msg}");
    assert!(msg.contains("Handle"), "the message names the fix: {msg}");
}

#[test]
fn build_refuses_zero_blocking_threads_or_keep_alive_naming_the_setter() {
    let err = eddy::Runtime::builder()
        .max_blocking_threads(0)
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("max_blocking_threads"), "{err}");
    let err = eddy::Runtime::builder()
        .blocking_keep_alive(Duration::ZERO)
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("blocking_keep_alive"), "{err}");
}

#[test]
fn peak_concurrent_jobs_stay_within_the_cap_under_10k_submissions() {
    with_timeout(LIMIT, || {
        let rt = runtime("cap", 4);
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let peak_threads = Arc::new(AtomicUsize::new(0));
        rt.block_on(async {
            let jobs: Vec<_> = (0..10_000)
                .map(|i| {
                    let (running, peak, peak_threads) =
                        (running.clone(), peak.clone(), peak_threads.clone());
                    eddy::run_in_executor(move || {
                        let now = running.fetch_add(1, SeqCst) + 1;
                        peak.fetch_max(now, SeqCst);
                        if i % 1000 == 0 {
                            peak_threads.fetch_max(threads_named("cap-blocking"), SeqCst);
                        }
                        let start = Instant::now();
                        while start.elapsed() < Duration::from_micros(2) {}
                        running.fetch_sub(1, SeqCst);
                    })
                })
                .collect();
            for job in jobs {
                job.await.unwrap();
            }
        });
        assert!(peak.load(SeqCst) <= 4, "peak {} > cap 4", peak.load(SeqCst));
        assert!(peak_threads.load(SeqCst) <= 4);
        assert!(threads_named("cap-blocking") <= 4);
        assert_eq!(threads_named("cap-"), 2 + threads_named("cap-blocking"));
    });
}

#[test]
fn jobs_beyond_the_cap_run_in_fifo_order() {
    with_timeout(LIMIT, || {
        let rt = runtime("fifo", 1);
        let order = Arc::new(Mutex::new(Vec::new()));
        rt.block_on(async {
            let jobs: Vec<_> = (0..100)
                .map(|i| {
                    let order = order.clone();
                    eddy::run_in_executor(move || order.lock().unwrap().push(i))
                })
                .collect();
            for job in jobs {
                job.await.unwrap();
            }
        });
        assert_eq!(*order.lock().unwrap(), (0..100).collect::<Vec<_>>());
    });
}

#[test]
fn idle_blocking_threads_exit_after_the_keep_alive() {
    with_timeout(LIMIT, || {
        let rt = eddy::Runtime::builder()
            .worker_threads(2)
            .thread_name("ka")
            .blocking_keep_alive(Duration::from_millis(100))
            .build()
            .unwrap();
        // A thread names itself as it starts.
        eventually("both workers are up", || threads_named("ka-") == 2);
        let barrier = Arc::new(Barrier::new(4));
        rt.block_on(async {
            let jobs: Vec<_> = (0..4)
                .map(|_| {
                    let barrier = barrier.clone();
                    eddy::run_in_executor(move || {
                        barrier.wait();
                    })
                })
                .collect();
            for job in jobs {
                job.await.unwrap();
            }
        });
        assert_eq!(threads_named("ka-blocking"), 4);
        eventually("the thread count is back to the 2 workers", || {
            threads_named("ka-") == 2
        });
    });
}

#[test]
fn a_panicking_job_is_a_join_error_and_its_thread_survives() {
    with_timeout(LIMIT, || {
        let rt = runtime("pan", 1);
        rt.block_on(async {
            let err = eddy::run_in_executor(|| panic!("job failed"))
                .await
                .unwrap_err();
            assert!(err.is_panic());
            assert!(err.to_string().contains("job failed"), "{err}");
            let next = eddy::run_in_executor(|| std::thread::current().name().map(String::from));
            assert_eq!(next.await.unwrap().as_deref(), Some("pan-blocking-0"));
        });
    });
}

#[test]
fn abort_of_a_queued_job_reports_cancelled_at_once_and_it_never_runs() {
    with_timeout(LIMIT, || {
        let rt = runtime("abq", 1);
        let (started_tx, started_rx) = mpsc::channel();
        let (gate_tx, gate_rx) = mpsc::channel::<()>();
        let busy = rt.run_in_executor(move || {
            started_tx.send(()).unwrap();
            gate_rx.recv_timeout(LIMIT).unwrap();
        });
        started_rx.recv_timeout(LIMIT).unwrap();
        let ran = Arc::new(AtomicUsize::new(0));
        let queued = {
            let ran = ran.clone();
            rt.run_in_executor(move || ran.fetch_add(1, SeqCst))
        };
        queued.abort();
        assert!(
            queued.is_finished(),
            "cancelled without waiting for the busy thread"
        );
        assert!(rt.block_on(queued).unwrap_err().is_cancelled());
        gate_tx.send(()).unwrap();
        rt.block_on(busy).unwrap();
        assert_eq!(rt.block_on(rt.run_in_executor(|| 1)).unwrap(), 1);
        assert_eq!(ran.load(SeqCst), 0);
    });
}

#[test]
fn a_custom_pool_of_2_runs_jobs_two_at_a_time_on_its_own_threads() {
    with_timeout(LIMIT, || {
        let rt = runtime("cus", 8);
        let pool = BlockingPool::builder()
            .max_threads(2)
            .thread_name("mypool")
            .build()
            .unwrap();
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let barrier = Arc::new(Barrier::new(2));
        let names = rt.block_on(async {
            let jobs: Vec<_> = (0..6)
                .map(|_| {
                    let (running, peak, barrier) = (running.clone(), peak.clone(), barrier.clone());
                    pool.run(move || {
                        let now = running.fetch_add(1, SeqCst) + 1;
                        peak.fetch_max(now, SeqCst);
                        barrier.wait(); // two run at once, or this never returns
                        std::thread::sleep(Duration::from_millis(5));
                        running.fetch_sub(1, SeqCst);
                        std::thread::current().name().map(String::from)
                    })
                })
                .collect();
            let mut names = Vec::new();
            for job in jobs {
                names.push(job.await.unwrap().unwrap());
            }
            names
        });
        assert_eq!(peak.load(SeqCst), 2);
        assert!(names.iter().all(|n| n.starts_with("mypool-")), "{names:?}");
        assert_eq!(threads_named("mypool-"), 2);
        assert_eq!(
            threads_named("cus-blocking"),
            0,
            "the runtime's pool was not used"
        );
    });
}

#[test]
fn dropping_a_custom_pool_lets_its_queued_jobs_finish() {
    with_timeout(LIMIT, || {
        let pool = BlockingPool::new(1);
        let (gate_tx, gate_rx) = mpsc::channel::<()>();
        let first = pool.run(move || gate_rx.recv_timeout(LIMIT).unwrap());
        let queued: Vec<_> = (0..5).map(|i| pool.run(move || i * 10)).collect();
        drop(pool);
        gate_tx.send(()).unwrap();
        let out = eddy::run(async move {
            first.await.unwrap();
            let mut out = Vec::new();
            for job in queued {
                out.push(job.await.unwrap());
            }
            out
        });
        assert_eq!(out, [0, 10, 20, 30, 40]);
    });
}

#[test]
fn dropping_the_runtime_waits_for_running_jobs_and_cancels_queued_ones() {
    with_timeout(LIMIT, || {
        let rt = runtime("drw", 1);
        let done = Arc::new(AtomicUsize::new(0));
        let (started_tx, started_rx) = mpsc::channel();
        let running = {
            let done = done.clone();
            rt.run_in_executor(move || {
                started_tx.send(()).unwrap();
                std::thread::sleep(Duration::from_millis(100));
                done.fetch_add(1, SeqCst);
            })
        };
        started_rx.recv_timeout(LIMIT).unwrap();
        let queued = rt.run_in_executor(|| ());
        drop(rt);
        assert_eq!(
            done.load(SeqCst),
            1,
            "the drop returned before the running job"
        );
        assert_no_thread_named("drw-", "every thread was joined");
        assert!(running.is_finished());
        let queued = eddy::run(queued);
        assert!(queued.unwrap_err().is_cancelled());
    });
}

#[test]
fn shutdown_timeout_returns_in_time_even_if_a_job_never_returns() {
    with_timeout(LIMIT, || {
        let rt = runtime("sto", 1);
        let (started_tx, started_rx) = mpsc::channel();
        // "Sleeps for ever" until the end of the test, which then lets it go.
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let stuck = rt.run_in_executor(move || {
            started_tx.send(()).unwrap();
            let _ = release_rx.recv();
        });
        started_rx.recv_timeout(LIMIT).unwrap();
        let queued = rt.run_in_executor(|| ());
        let handle = rt.handle().clone();
        let start = Instant::now();
        rt.shutdown_timeout(Duration::from_millis(100));
        let took = start.elapsed();
        assert!(
            took < Duration::from_secs(2),
            "shutdown_timeout took {took:?}"
        );
        assert!(took >= Duration::from_millis(90), "it did wait: {took:?}");
        assert_eq!(
            threads_named("sto-blocking"),
            1,
            "the stuck thread is left running"
        );
        assert!(eddy::run(queued).unwrap_err().is_cancelled());
        // After shutdown, new jobs are cancelled, never run, never hang.
        assert!(eddy::run(handle.run_in_executor(|| ()))
            .unwrap_err()
            .is_cancelled());
        release_tx.send(()).unwrap();
        eddy::run(stuck).unwrap();
        eventually("the detached thread has exited", || {
            threads_named("sto-") == 0
        });
    });
}

#[test]
fn shutdown_background_returns_at_once() {
    with_timeout(LIMIT, || {
        let rt = runtime("sbg", 1);
        let (started_tx, started_rx) = mpsc::channel();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let job = rt.run_in_executor(move || {
            started_tx.send(()).unwrap();
            let _ = release_rx.recv();
            "finished on its own"
        });
        started_rx.recv_timeout(LIMIT).unwrap();
        let start = Instant::now();
        rt.shutdown_background();
        assert!(start.elapsed() < Duration::from_millis(500));
        release_tx.send(()).unwrap();
        assert_eq!(eddy::run(job).unwrap(), "finished on its own");
    });
}

#[test]
fn a_runtime_dropped_inside_its_own_blocking_job_does_not_deadlock() {
    with_timeout(LIMIT, || {
        let rt = Arc::new(Mutex::new(Some(runtime("own", 2))));
        let job = {
            let rt2 = rt.clone();
            let guard = rt.lock().unwrap();
            guard.as_ref().unwrap().run_in_executor(move || {
                let taken = rt2.lock().unwrap().take();
                let result = catch_unwind(AssertUnwindSafe(|| drop(taken)));
                result.is_ok()
            })
        };
        assert!(eddy::run(job).unwrap());
        eventually("every thread has exited", || threads_named("own-") == 0);
    });
}

#[test]
fn parallel_blocking_calls_all_start_at_once_below_the_cap() {
    with_timeout(LIMIT, || {
        let rt = runtime("par", 512);
        // Twice: from a cold pool (threads started) and a warm one (idle threads woken).
        for round in ["cold", "warm"] {
            let start = Instant::now();
            let last_start = rt.block_on(async move {
                let jobs: Vec<_> = (0..64)
                    .map(|_| {
                        eddy::run_in_executor(move || {
                            let started = start.elapsed();
                            std::thread::sleep(Duration::from_millis(100));
                            started
                        })
                    })
                    .collect();
                let mut last = Duration::ZERO;
                for job in jobs {
                    last = last.max(job.await.unwrap());
                }
                last
            });
            let took = start.elapsed();
            println!(
                "{round}: the last of 64 jobs started after {last_start:?}; all done in {took:?}"
            );
            assert!(
                took < Duration::from_millis(400),
                "{round}: 64 parallel 100 ms calls took {took:?}"
            );
        }
    });
}
