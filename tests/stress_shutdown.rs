//! Shutdown stress: the runtime dropped (or shut down with a timeout) while tasks,
//! sleeps, sockets and blocking jobs are all in flight. It returns promptly, every future
//! is dropped exactly once, and no file descriptor is left open.
//!
//! Its own test binary, because the fd count is process-wide; the tests
//! here take [`SERIAL`] so that they do not count each other's fds either.
//!
//! Unix only: its sockets are Unix socket pairs.
#![cfg(unix)]

mod support;

use std::future::Future;
use std::pin::Pin;
use std::sync::{mpsc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use eddy_test_support::process::open_fds;
use futures_lite::AsyncReadExt;
use support::{runtime, stress_size, with_timeout, DropCounter, LIMIT};

/// Held by every test in this binary: one runtime's fds at a time.
static SERIAL: Mutex<()> = Mutex::new(());

/// How much of each kind of work is in flight when the runtime goes away.
struct Load {
    tasks: usize,
    sleeps: usize,
    sockets: usize,
    blocking: usize,
}

impl Load {
    fn new() -> Load {
        Load {
            tasks: stress_size(5_000, 100_000),
            sleeps: stress_size(500, 10_000),
            sockets: stress_size(50, 1_000),
            blocking: stress_size(8, 100),
        }
    }

    /// Futures and closures that hold a drop token.
    fn tokens(&self) -> usize {
        self.tasks + self.sleeps + self.sockets + self.blocking
    }
}

/// Sends on its channel when dropped: tells the test that shutdown has begun cancelling
/// tasks (the runtime drops a task's future only then).
struct SignalOnDrop(mpsc::Sender<()>);

impl Future for SignalOnDrop {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        Poll::Pending
    }
}

impl Drop for SignalOnDrop {
    fn drop(&mut self) {
        let _ = self.0.send(());
    }
}

/// Puts `load` in flight on `rt` and returns once all of it is: every socket task has
/// made its pair and every blocking job is running. The blocking jobs return when their
/// sender (in the returned vector) is dropped or sends. The sentinel's future is dropped
/// when shutdown starts cancelling tasks, which `shutdown_started` then receives.
fn start_load(
    rt: &eddy::Runtime,
    load: &Load,
    counter: &DropCounter,
) -> (Vec<mpsc::Sender<()>>, mpsc::Receiver<()>) {
    for i in 0..load.tasks {
        let token = counter.token();
        rt.spawn(async move {
            let _token = token;
            // Some are idle after a poll, some still queued when the drop comes.
            if i % 2 == 0 {
                eddy::task::yield_now().await;
            }
            std::future::pending::<()>().await
        });
    }
    for i in 0..load.sleeps {
        let token = counter.token();
        rt.spawn(async move {
            let _token = token;
            // Spread over the wheel's levels: 60 s plus 1 ms to 35 min.
            let nap = Duration::from_millis(1 << (i % 22));
            eddy::time::sleep(nap + Duration::from_secs(60)).await;
        });
    }
    let (made_tx, made_rx) = mpsc::channel();
    for _ in 0..load.sockets {
        let (token, made) = (counter.token(), made_tx.clone());
        rt.spawn(async move {
            let _token = token;
            let (mut reader, _writer) = eddy::net::UnixStream::pair().unwrap();
            made.send(()).unwrap();
            let mut byte = [0; 1];
            // Nobody writes: pending until the runtime drops this future.
            let read = reader.read(&mut byte).await;
            panic!("the peer never writes, yet the read returned {read:?}");
        });
    }
    let mut releases = Vec::new();
    let (running_tx, running_rx) = mpsc::channel();
    for _ in 0..load.blocking {
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let (token, running) = (counter.token(), running_tx.clone());
        drop(rt.run_in_executor(move || {
            let _token = token;
            running.send(()).unwrap();
            let _ = release_rx.recv();
        }));
        releases.push(release_tx);
    }
    for _ in 0..load.sockets {
        made_rx.recv().unwrap();
    }
    for _ in 0..load.blocking {
        running_rx.recv().unwrap();
    }
    let (started_tx, started_rx) = mpsc::channel();
    rt.spawn(SignalOnDrop(started_tx));
    (releases, started_rx)
}

#[test]
fn dropping_the_runtime_under_load_returns_promptly_drops_everything_and_closes_every_fd() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    with_timeout(LIMIT, || {
        let load = Load::new();
        let counter = DropCounter::default();
        let before = open_fds();
        let rt = runtime(4);
        let (releases, shutdown_started) = start_load(&rt, &load, &counter);
        // Drop waits for running blocking jobs: drop on another thread, and release the
        // jobs once the drop has begun cancelling tasks.
        let start = Instant::now();
        let dropper = std::thread::spawn(move || drop(rt));
        shutdown_started.recv().unwrap();
        drop(releases);
        dropper.join().unwrap();
        let took = start.elapsed();
        println!("dropped in {took:?}");
        assert!(took < Duration::from_secs(10), "the drop took {took:?}");
        assert_eq!(
            counter.dropped(),
            load.tokens(),
            "every future and job is dropped exactly once"
        );
        assert_eq!(open_fds(), before, "every fd the runtime opened is closed");
    });
}

#[test]
fn shutdown_timeout_with_stuck_blocking_jobs_returns_promptly_and_drops_every_future() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    with_timeout(LIMIT, || {
        let load = Load::new();
        let counter = DropCounter::default();
        let before = open_fds();
        let rt = runtime(4);
        let (releases, _shutdown_started) = start_load(&rt, &load, &counter);
        let start = Instant::now();
        rt.shutdown_timeout(Duration::from_millis(100));
        let took = start.elapsed();
        println!("shut down in {took:?}");
        assert!(
            took < Duration::from_secs(5),
            "shutdown_timeout took {took:?}"
        );
        // The jobs are still running (they hold their tokens); every future is dropped.
        assert_eq!(
            counter.dropped(),
            load.tokens() - load.blocking,
            "every future is dropped exactly once; the stuck jobs still run"
        );
        // Release the stuck jobs; each drops its token as it returns.
        drop(releases);
        let deadline = Instant::now() + Duration::from_secs(10);
        while counter.dropped() < load.tokens() && Instant::now() < deadline {
            std::thread::yield_now();
        }
        assert_eq!(counter.dropped(), load.tokens(), "released jobs return");
        // A stuck job's thread keeps the runtime's handle (a job may call
        // `Handle::current()`), so the driver's fds close only when that thread exits,
        // just after its job returned: wait for that, with a deadline, and no longer.
        let deadline = Instant::now() + Duration::from_secs(10);
        while open_fds() > before && Instant::now() < deadline {
            std::thread::yield_now();
        }
        let fds = open_fds();
        assert_eq!(
            fds, before,
            "fds left open once the released jobs' threads exit"
        );
    });
}
