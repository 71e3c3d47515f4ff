//! Loom models of the blocking pool (`blocking/`): a job submitted while the pool shuts
//! down or is dropped, while its only thread goes idle or idles out, or aborted while a
//! thread dequeues it. A lost wake-up shows up as a loom deadlock (under loom a
//! keep-alive of 1 ms or more never expires, as the Parker's timed park never times out;
//! a shorter one models an expiry at any point), and a thread left behind as one too.

use std::task::{Poll, Waker};

use eddy_test_support::model;

use super::support::{poll_join, Counters, WakeCounter};
use crate::blocking::BlockingPool;
use crate::loom::atomic::{AtomicUsize, Ordering::SeqCst};
use crate::loom::sync::{Condvar, Mutex};
use crate::loom::thread;
use crate::loom::Arc;

fn noop() -> Waker {
    Waker::from(WakeCounter::new())
}

fn pool(max_threads: usize) -> BlockingPool {
    BlockingPool::builder()
        .max_threads(max_threads)
        .build()
        .unwrap()
}

/// A submitter races `shutdown(None)`. Whatever the order, when both are done the job
/// either ran once (and its handle has the output) or never ran (and its handle says
/// cancelled), and no pool thread is left. A mandatory job always runs: on a pool thread,
/// or on the submitter's own thread if the pool shut down first (it may be a file's last
/// write).
fn job_racing_shutdown(mandatory: bool) {
    model(move || {
        let mut pool = pool(1);
        let spawner = pool.spawner();
        let ran = Arc::new(AtomicUsize::new(0));
        let submitter = {
            let ran = ran.clone();
            thread::spawn(move || {
                let job = move || ran.fetch_add(1, SeqCst);
                if mandatory {
                    spawner.run_mandatory(job)
                } else {
                    spawner.run(job)
                }
            })
        };
        assert!(pool.shutdown(None), "a thread was left behind");
        let mut join = submitter.join().unwrap();
        assert_eq!(pool.num_threads(), 0);
        match poll_join(&mut join, &noop()) {
            Poll::Ready(Ok(_)) => assert_eq!(ran.load(SeqCst), 1),
            Poll::Ready(Err(err)) => {
                assert!(!mandatory, "a mandatory job was cancelled: {err}");
                assert!(err.is_cancelled());
                assert_eq!(ran.load(SeqCst), 0);
            }
            Poll::Pending => panic!("a job was neither run nor cancelled by shutdown"),
        }
    });
}

#[test]
fn loom_a_job_racing_shutdown_runs_or_is_cancelled_exactly_once() {
    job_racing_shutdown(false);
}

#[test]
fn loom_a_mandatory_job_racing_shutdown_always_runs_exactly_once() {
    job_racing_shutdown(true);
}

/// Counts finished jobs and lets the main thread wait for a number of them.
#[derive(Clone)]
struct Done(Arc<(Mutex<usize>, Condvar)>);

impl Done {
    fn new() -> Done {
        Done(Arc::new((Mutex::new(0), Condvar::new())))
    }

    fn add(&self) {
        *self.0 .0.lock() += 1;
        self.0 .1.notify_all();
    }

    fn wait_for(&self, n: usize) {
        let mut done = self.0 .0.lock();
        while *done < n {
            self.0 .1.wait(&mut done);
        }
    }
}

/// The idle hand-off: the pool's only thread finishes a job and goes idle while another
/// thread submits a second job. The second job always runs (the main thread waits for it
/// with no timeout, so a lost wake-up is a loom deadlock), and no second thread starts.
#[test]
fn loom_a_job_submitted_while_the_thread_goes_idle_is_always_run() {
    model(|| {
        let mut pool = pool(1);
        let done = Done::new();
        let first = {
            let done = done.clone();
            pool.run(move || done.add())
        };
        let submitter = {
            let (spawner, done) = (pool.spawner(), done.clone());
            thread::spawn(move || spawner.run(move || done.add()))
        };
        let second = submitter.join().unwrap();
        done.wait_for(2);
        assert!(pool.num_threads() <= 1);
        assert!(pool.shutdown(None));
        for mut join in [first, second] {
            assert!(matches!(poll_join(&mut join, &noop()), Poll::Ready(Ok(()))));
        }
    });
}

/// `abort()` races the pool thread dequeuing the job: the closure runs or is dropped
/// unrun, exactly once, and the handle agrees.
#[test]
fn loom_abort_racing_the_dequeue_runs_or_cancels_exactly_once() {
    model(|| {
        let mut pool = pool(1);
        let counters = Counters::new();
        let ran = Arc::new(AtomicUsize::new(0));
        let mut join = {
            let (token, ran) = (counters.drop_token(), ran.clone());
            pool.run(move || {
                drop(token);
                ran.fetch_add(1, SeqCst);
            })
        };
        let aborter = {
            let abort = join.abort_handle();
            thread::spawn(move || abort.abort())
        };
        aborter.join().unwrap();
        assert!(pool.shutdown(None));
        assert_eq!(
            counters.drops(),
            1,
            "the closure was dropped twice or never"
        );
        match poll_join(&mut join, &noop()) {
            Poll::Ready(Ok(())) => assert_eq!(ran.load(SeqCst), 1),
            Poll::Ready(Err(err)) => {
                assert!(err.is_cancelled());
                assert_eq!(ran.load(SeqCst), 0);
            }
            Poll::Pending => panic!("the job neither ran nor was cancelled"),
        }
    });
}

/// Dropping the pool (a graceful close) while another thread submits: the job runs or is
/// cancelled, and the pool's thread exits by itself (a thread left waiting would be a
/// loom deadlock at the end of the model).
#[test]
fn loom_a_job_racing_the_pools_drop_runs_or_is_cancelled_and_threads_exit() {
    model(|| {
        let pool = pool(1);
        let first = pool.run(|| 1);
        let submitter = {
            let spawner = pool.spawner();
            thread::spawn(move || spawner.run(|| 2))
        };
        drop(pool);
        let second = submitter.join().unwrap();
        assert_eq!(
            crate::block_on(first).unwrap(),
            1,
            "a queued job must finish"
        );
        match crate::block_on(second) {
            Ok(n) => assert_eq!(n, 2),
            Err(err) => assert!(err.is_cancelled()),
        }
    });
}

/// The keep-alive runs out while another thread submits: the only pool thread leaves, or
/// sees the job and stays, or the submitter sees it gone and starts a new one — the job
/// always runs. (Under loom a keep-alive under 1 ms models an expiry at any point: the
/// shim's timed wait releases the lock, lets others run, and reports a timeout.)
#[test]
fn loom_a_job_submitted_while_the_last_thread_idles_out_is_always_run() {
    model(|| {
        let mut pool = BlockingPool::builder()
            .max_threads(1)
            .keep_alive(std::time::Duration::from_micros(1))
            .build()
            .unwrap();
        let done = Done::new();
        let first = {
            let done = done.clone();
            pool.run(move || done.add())
        };
        let submitter = {
            let (spawner, done) = (pool.spawner(), done.clone());
            thread::spawn(move || spawner.run(move || done.add()))
        };
        let second = submitter.join().unwrap();
        done.wait_for(2);
        assert!(pool.shutdown(None));
        for mut join in [first, second] {
            assert!(matches!(poll_join(&mut join, &noop()), Poll::Ready(Ok(()))));
        }
    });
}

/// Two jobs from two threads on a pool of 2: while one thread is on its way (searching),
/// a submitter wakes no other, so the searcher must start or wake the next thread when it
/// takes a job and sees the other queued. Each job waits until both have started, so the
/// two must run on two threads at once: a lost hand-off is a loom deadlock.
#[test]
fn loom_a_searching_thread_hands_the_next_job_on() {
    model(|| {
        let mut pool = pool(2);
        let started = Done::new();
        let job = |started: Done| {
            move || {
                started.add();
                // Both run at once, or neither finishes.
                started.wait_for(2);
            }
        };
        let first = pool.run(job(started.clone()));
        let submitter = {
            let (spawner, started) = (pool.spawner(), started.clone());
            thread::spawn(move || spawner.run(job(started)))
        };
        let second = submitter.join().unwrap();
        started.wait_for(2);
        assert!(pool.shutdown(None));
        for mut join in [first, second] {
            assert!(matches!(poll_join(&mut join, &noop()), Poll::Ready(Ok(()))));
        }
    });
}
