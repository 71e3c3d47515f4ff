//! The blocking pool with real threads: cap, FIFO, abort in place, panics, keep-alive,
//! close and shutdown. Each test synchronises with channels or barriers and bounds every
//! wait, so a bug fails the test instead of hanging it.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::mpsc;
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use crate::block_on;
use crate::blocking::{BlockingPool, BlockingSpawner};

const LIMIT: Duration = Duration::from_secs(10);

/// Polls `cond` until it holds, failing after [`LIMIT`].
fn eventually(what: &str, cond: impl Fn() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < LIMIT, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn jobs_beyond_the_cap_wait_in_fifo_order_and_no_extra_thread_starts() {
    let pool = BlockingPool::new(1);
    let (gate_tx, gate_rx) = mpsc::channel::<()>();
    let (started_tx, started_rx) = mpsc::channel();
    let first = pool.run(move || {
        started_tx.send(()).unwrap();
        gate_rx.recv_timeout(LIMIT).unwrap()
    });
    started_rx.recv_timeout(LIMIT).unwrap();
    let order = Arc::new(Mutex::new(Vec::new()));
    let rest: Vec<_> = (0..20)
        .map(|i| {
            let order = order.clone();
            pool.run(move || order.lock().unwrap().push(i))
        })
        .collect();
    assert_eq!(pool.num_threads(), 1);
    assert_eq!(pool.queue_len(), 20);
    gate_tx.send(()).unwrap();
    block_on(first).unwrap();
    for job in rest {
        block_on(job).unwrap();
    }
    assert_eq!(*order.lock().unwrap(), (0..20).collect::<Vec<_>>());
    assert_eq!(pool.num_threads(), 1);
}

#[test]
fn peak_concurrency_never_exceeds_the_cap() {
    let pool = BlockingPool::new(3);
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let jobs: Vec<_> = (0..2_000)
        .map(|_| {
            let (running, peak) = (running.clone(), peak.clone());
            pool.run(move || {
                let now = running.fetch_add(1, SeqCst) + 1;
                peak.fetch_max(now, SeqCst);
                std::hint::spin_loop();
                running.fetch_sub(1, SeqCst);
            })
        })
        .collect();
    for job in jobs {
        block_on(job).unwrap();
    }
    assert!(peak.load(SeqCst) <= 3, "peak {}", peak.load(SeqCst));
    assert!(pool.num_threads() <= 3);
}

#[test]
fn abort_of_a_queued_job_cancels_it_at_once_without_running_it() {
    let pool = BlockingPool::new(1);
    let (gate_tx, gate_rx) = mpsc::channel::<()>();
    let first = pool.run(move || gate_rx.recv_timeout(LIMIT).unwrap());
    let ran = Arc::new(AtomicUsize::new(0));
    let queued = {
        let ran = ran.clone();
        pool.run(move || ran.fetch_add(1, SeqCst))
    };
    queued.abort();
    // Reported before the only thread is free to reach the queue entry.
    assert!(queued.is_finished());
    assert!(block_on(queued).unwrap_err().is_cancelled());
    gate_tx.send(()).unwrap();
    block_on(first).unwrap();
    // The stale queue entry is skipped; the next job still runs.
    assert_eq!(block_on(pool.run(|| 7)).unwrap(), 7);
    assert_eq!(ran.load(SeqCst), 0);
}

#[test]
fn abort_of_a_running_job_lets_it_finish_and_keeps_the_output() {
    let pool = BlockingPool::new(1);
    let (started_tx, started_rx) = mpsc::channel();
    let (gate_tx, gate_rx) = mpsc::channel::<()>();
    let job = pool.run(move || {
        started_tx.send(()).unwrap();
        gate_rx.recv_timeout(LIMIT).unwrap();
        5
    });
    started_rx.recv_timeout(LIMIT).unwrap();
    job.abort();
    assert!(!job.is_finished());
    gate_tx.send(()).unwrap();
    assert_eq!(block_on(job).unwrap(), 5);
}

#[test]
fn a_panicking_job_is_reported_and_its_thread_survives() {
    let pool = BlockingPool::builder()
        .max_threads(1)
        .thread_name("survivor")
        .build()
        .unwrap();
    let err = block_on(pool.run(|| panic!("boom"))).unwrap_err();
    assert!(err.is_panic());
    let name = block_on(pool.run(|| std::thread::current().name().map(String::from)));
    assert_eq!(name.unwrap().as_deref(), Some("survivor-0"));
}

#[test]
fn idle_threads_exit_after_the_keep_alive() {
    let pool = BlockingPool::builder()
        .max_threads(4)
        .keep_alive(Duration::from_millis(20))
        .build()
        .unwrap();
    let barrier = Arc::new(Barrier::new(4));
    let jobs: Vec<_> = (0..4)
        .map(|_| {
            let barrier = barrier.clone();
            pool.run(move || {
                barrier.wait();
            })
        })
        .collect();
    for job in jobs {
        block_on(job).unwrap();
    }
    // The barrier proved 4 threads at once (some may have idled out already: slow hosts,
    // miri).
    assert!(pool.num_threads() <= 4);
    eventually("every idle thread has exited", || pool.num_threads() == 0);
    // A new job starts a new thread.
    assert_eq!(block_on(pool.run(|| 1)).unwrap(), 1);
}

#[test]
fn the_most_recently_idle_thread_takes_the_next_job() {
    let pool = BlockingPool::builder()
        .max_threads(2)
        .thread_name("lifo")
        .build()
        .unwrap();
    let barrier = Arc::new(Barrier::new(2));
    let (order_tx, order_rx) = mpsc::channel();
    let jobs: Vec<_> = (0..2)
        .map(|i| {
            let (barrier, order_tx) = (barrier.clone(), order_tx.clone());
            pool.run(move || {
                barrier.wait();
                if i == 1 {
                    // Let the other thread go idle first.
                    std::thread::sleep(Duration::from_millis(20));
                }
                order_tx
                    .send(std::thread::current().name().map(String::from))
                    .unwrap();
            })
        })
        .collect();
    for job in jobs {
        block_on(job).unwrap();
    }
    let _first = order_rx.recv().unwrap();
    let last = order_rx.recv().unwrap();
    eventually("both threads are idle", || pool.num_idle_threads() == 2);
    let next = block_on(pool.run(|| std::thread::current().name().map(String::from)));
    assert_eq!(next.unwrap(), last, "the warmest thread runs the next job");
}

#[test]
fn dropping_the_pool_lets_queued_jobs_finish_and_refuses_new_ones() {
    let pool = BlockingPool::new(1);
    let spawner = pool.spawner();
    let (gate_tx, gate_rx) = mpsc::channel::<()>();
    let first = pool.run(move || gate_rx.recv_timeout(LIMIT).unwrap());
    let queued: Vec<_> = (0..5).map(|i| pool.run(move || i)).collect();
    drop(pool);
    assert!(block_on(spawner.run(|| ())).unwrap_err().is_cancelled());
    gate_tx.send(()).unwrap();
    block_on(first).unwrap();
    let out: Vec<_> = queued.into_iter().map(|j| block_on(j).unwrap()).collect();
    assert_eq!(out, [0, 1, 2, 3, 4]);
    eventually("the thread has exited", || spawner.num_threads() == 0);
}

#[test]
fn shutdown_cancels_queued_jobs_and_bounds_the_wait_for_a_stuck_one() {
    let mut pool = BlockingPool::new(1);
    let (gate_tx, gate_rx) = mpsc::channel::<()>();
    let (started_tx, started_rx) = mpsc::channel();
    let stuck = pool.run(move || {
        started_tx.send(()).unwrap();
        gate_rx.recv_timeout(LIMIT).is_ok()
    });
    started_rx.recv_timeout(LIMIT).unwrap();
    let queued = pool.run(|| ());
    let start = Instant::now();
    assert!(!pool.shutdown(Some(Duration::from_millis(50))));
    assert!(start.elapsed() < Duration::from_secs(2));
    assert!(block_on(queued).unwrap_err().is_cancelled());
    assert!(block_on(pool.run(|| ())).unwrap_err().is_cancelled());
    gate_tx.send(()).unwrap();
    assert!(block_on(stuck).unwrap());
    assert!(pool.shutdown(None));
    assert_eq!(pool.num_threads(), 0);
}

#[test]
fn shutdown_from_a_pool_job_waits_for_the_others_but_not_itself() {
    let pool = Arc::new(Mutex::new(Some(BlockingPool::new(2))));
    let spawner = pool.lock().unwrap().as_ref().unwrap().spawner();
    let job = {
        let pool = pool.clone();
        spawner.run(move || {
            let mut taken = pool.lock().unwrap().take().unwrap();
            let in_pool = BlockingSpawner::try_current().is_some();
            (in_pool, taken.shutdown(Some(LIMIT)))
        })
    };
    let (in_pool, others_exited) = block_on(job).unwrap();
    assert!(in_pool);
    assert!(others_exited, "the other (idle or absent) thread exited");
    eventually("the job's own thread has exited", || {
        spawner.num_threads() == 0
    });
}

#[test]
fn a_mandatory_job_queued_at_shutdown_still_runs_even_with_no_thread_left() {
    let mut pool = BlockingPool::builder()
        .max_threads(1)
        .keep_alive(Duration::from_millis(5))
        .build()
        .unwrap();
    let (gate_tx, gate_rx) = mpsc::channel::<()>();
    let (started_tx, started_rx) = mpsc::channel();
    let busy = pool.run(move || {
        started_tx.send(()).unwrap();
        gate_rx.recv_timeout(LIMIT).unwrap()
    });
    started_rx.recv_timeout(LIMIT).unwrap();
    let mandatory = pool.spawner().run_mandatory(|| "written");
    let optional = pool.run(|| "dropped");
    // Shut down while both wait behind `busy`: the optional one is cancelled at once.
    assert!(!pool.shutdown(Some(Duration::ZERO)));
    assert!(block_on(optional).unwrap_err().is_cancelled());
    gate_tx.send(()).unwrap();
    block_on(busy).unwrap();
    assert!(pool.shutdown(Some(LIMIT)));
    assert_eq!(block_on(mandatory).unwrap(), "written");
    // Submitted after shutdown, a mandatory job runs on the submitting thread: no pool
    // thread will take it, and it may be a file's last write.
    let submitter = std::thread::current().id();
    let ran_on = block_on(
        pool.spawner()
            .run_mandatory(move || std::thread::current().id()),
    )
    .unwrap();
    assert_eq!(ran_on, submitter);
    // An ordinary job is refused.
    assert!(block_on(pool.spawner().run(|| ()))
        .unwrap_err()
        .is_cancelled());
}

#[test]
fn after_job_runs_after_the_join_handle_is_woken_or_at_once_outside_a_job() {
    use crate::blocking::after_job;

    // Outside a job: at once.
    let ran = Arc::new(AtomicUsize::new(0));
    let counter = ran.clone();
    after_job(move || {
        counter.fetch_add(1, SeqCst);
    });
    assert_eq!(ran.load(SeqCst), 1);

    // In a job: after it completed, so the awaiting side sees the output first. The
    // deferred work waits on a channel that the test fills only once it has the output:
    // run earlier, it would block the job, which could then never complete.
    let pool = BlockingPool::new(1);
    let (output_seen_tx, output_seen_rx) = mpsc::channel::<()>();
    let (done_tx, done_rx) = mpsc::channel();
    let job = pool.run(move || {
        after_job(move || {
            output_seen_rx.recv_timeout(LIMIT).unwrap();
            done_tx.send("after").unwrap();
        });
        // A deferred panic is caught: the thread lives on for the next job.
        after_job(|| panic!("deferred work that fails"));
        (7, std::thread::current().id())
    });
    let (output, thread) = block_on(job).unwrap();
    assert_eq!(output, 7);
    output_seen_tx.send(()).unwrap();
    assert_eq!(done_rx.recv_timeout(LIMIT).unwrap(), "after");
    let next = block_on(pool.run(|| std::thread::current().id())).unwrap();
    assert_eq!(next, thread, "the same thread ran the next job");
}
