//! The blocking pool when it cannot start a thread: a job waits for a busy thread, or —
//! with no thread at all — is refused with the OS's error; the pool works again once
//! threads can start; what uses the pool inside eddy (files, name lookups, stdio) returns
//! an `io::Error`. `block_in_place` starts no thread.

use std::error::Error as _;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};

use eddy::faults::{Call, Faults, When};
use eddy::runtime::Builder;
use futures_lite::{AsyncReadExt, AsyncWriteExt};

use crate::support::with_timeout;
use crate::LIMIT;

/// A runtime with one worker whose pool has no thread yet (at most `max` threads).
fn runtime(name: &str, max: usize) -> eddy::Runtime {
    Builder::new_multi_thread()
        .worker_threads(1)
        .max_blocking_threads(max)
        .thread_name(name)
        .build()
        .unwrap()
}

/// What a refusal says: cancelled, the pool named, the OS error kept (as the source, and
/// in the message of the `io::Error` it converts to).
fn assert_refused(err: eddy::task::JoinError) {
    assert!(err.is_cancelled(), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("the blocking pool could not start a thread")
            && msg.contains(&io::Error::from_raw_os_error(libc::EAGAIN).to_string()),
        "{msg}"
    );
    let source = err.source().and_then(|s| s.downcast_ref::<io::Error>());
    assert_eq!(source.and_then(io::Error::raw_os_error), Some(libc::EAGAIN));
    let io = io::Error::from(err);
    assert_eq!(io.kind(), io::ErrorKind::Other);
    assert_eq!(io.to_string(), msg);
}

/// The error an eddy operation returned when the pool could not start a thread.
fn assert_refused_io(err: &io::Error) {
    // EAGAIN's kind, `WouldBlock`, would tell an async I/O loop to wait for readiness.
    assert_eq!(err.kind(), io::ErrorKind::Other, "{err}");
    assert!(
        err.to_string()
            .contains("the blocking pool could not start a thread"),
        "{err}"
    );
}

/// The pool's one thread is busy and no other can start: two more jobs wait in the queue
/// and run, in order, once that thread is free. No error, no hang, and the workers keep
/// running tasks meanwhile.
#[test]
fn jobs_wait_for_the_busy_thread_when_no_thread_can_start() {
    with_timeout(LIMIT, || {
        let faults = Faults::begin();
        let rt = runtime("ft-busy", 4);
        let (started_tx, started_rx) = mpsc::channel();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let busy = rt.run_in_executor(move || {
            started_tx.send(()).unwrap();
            release_rx.recv().unwrap();
            "busy"
        });
        started_rx.recv().unwrap();
        faults.arm(Call::SpawnBlocking, When::Always, libc::EAGAIN);
        let (order_tx, order_rx) = mpsc::channel();
        let jobs: Vec<_> = (1..=2)
            .map(|i| {
                let order = order_tx.clone();
                rt.run_in_executor(move || {
                    order.send(i).unwrap();
                    i * 10
                })
            })
            .collect();
        assert_eq!(faults.injected(Call::SpawnBlocking), 2, "each job tried");
        // The workers are not held up.
        assert_eq!(rt.block_on(rt.spawn(async { 7 })).unwrap(), 7);
        assert!(jobs.iter().all(|job| !job.is_finished()));
        release_tx.send(()).unwrap();
        let out = rt.block_on(async {
            let mut out = vec![busy.await.unwrap().len()];
            for job in jobs {
                out.push(job.await.unwrap());
            }
            out
        });
        assert_eq!(out, [4, 10, 20]);
        assert_eq!(order_rx.try_iter().collect::<Vec<_>>(), [1, 2]);
    });
}

/// No thread exists and none can start: the job's handle reports it cancelled, saying
/// why (the pool could not start a thread, with the OS's error), and the closure never
/// runs. The pool is not left broken: once threads can start, the next job runs.
#[test]
fn a_job_is_refused_with_the_os_error_when_no_thread_can_start() {
    with_timeout(LIMIT, || {
        let faults = Faults::begin();
        let rt = runtime("ft-refuse", 2);
        faults.arm(Call::SpawnBlocking, When::Always, libc::EAGAIN);
        let ran = Arc::new(AtomicBool::new(false));
        let flag = ran.clone();
        let (refused, other) = rt.block_on(async move {
            let job = eddy::task::spawn_blocking(move || flag.store(true, Ordering::SeqCst));
            let refused = job.await.unwrap_err();
            // A task of the runtime is untouched.
            (refused, eddy::spawn(async { 5 }).await.unwrap())
        });
        assert_refused(refused);
        assert_eq!(other, 5);
        assert!(!ran.load(Ordering::SeqCst), "a refused job must not run");
        // From outside the runtime too.
        assert_refused(rt.block_on(rt.run_in_executor(|| ())).unwrap_err());
        assert_eq!(faults.injected(Call::SpawnBlocking), 2);

        faults.disarm(Call::SpawnBlocking);
        assert_eq!(rt.block_on(rt.run_in_executor(|| 6)).unwrap(), 6);
        let many: Vec<_> = (0..8).map(|i| rt.run_in_executor(move || i)).collect();
        let sum: i32 = rt.block_on(async {
            let mut sum = 0;
            for job in many {
                sum += job.await.unwrap();
            }
            sum
        });
        assert_eq!(sum, 28);
    });
}

/// What runs on the pool inside eddy, with no pool thread able to start: `eddy::fs`
/// functions and a host-name `connect` return the pool's error as an `io::Error` (not a
/// panic, not a hang); a file's writes, which must not be lost, run on the caller's thread
/// instead. All work again once threads can start.
#[test]
fn fs_and_name_lookups_return_an_io_error_when_no_thread_can_start() {
    with_timeout(LIMIT, || {
        let faults = Faults::begin();
        let rt = runtime("ft-users", 2);
        let dir = std::env::temp_dir().join(format!("eddy-faults-threads-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("kept");
        let std_file = std::fs::File::create(&path).unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        faults.arm(Call::SpawnBlocking, When::Always, libc::EAGAIN);
        rt.block_on(async {
            assert_refused_io(&eddy::fs::read(&path).await.unwrap_err());
            assert_refused_io(&eddy::fs::metadata(&dir).await.unwrap_err());
            let err = eddy::net::TcpStream::connect(("localhost", port))
                .await
                .unwrap_err();
            assert_refused_io(&err);
            assert!(err.to_string().contains("address lookup failed"), "{err}");
            // An IP address needs no lookup: it connects.
            eddy::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .unwrap();
            // A file's write is mandatory: it runs here rather than be lost.
            let mut file = eddy::fs::File::from_std(std_file);
            file.write_all(b"not lost").await.unwrap();
            file.flush().await.unwrap();
        });
        assert_eq!(std::fs::read(&path).unwrap(), b"not lost");
        assert!(faults.injected(Call::SpawnBlocking) >= 4);

        faults.disarm(Call::SpawnBlocking);
        rt.block_on(async {
            assert_eq!(eddy::fs::read(&path).await.unwrap(), b"not lost");
            eddy::net::TcpStream::connect(("localhost", port))
                .await
                .unwrap();
        });
        std::fs::remove_dir_all(&dir).unwrap();
    });
}

/// A directory listing whose next batch cannot be read (no pool thread can start) returns
/// the pool's error, and every later call an error too — never a panic (the listing,
/// held by the refused job, is gone; a plain end would truncate it silently).
#[test]
fn a_directory_listing_returns_an_error_not_a_panic_when_no_thread_can_start() {
    with_timeout(LIMIT, || {
        let faults = Faults::begin();
        let rt = Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("ft-readdir")
            .blocking_keep_alive(std::time::Duration::from_millis(1))
            .build()
            .unwrap();
        let mut listing = rt.block_on(eddy::fs::read_dir("src")).unwrap();
        // Wait for the pool's thread, idle, to leave: then none is left to run the batch.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while rt.handle().metrics().blocking_threads > 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "the pool thread stayed"
            );
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        faults.arm(Call::SpawnBlocking, When::Always, libc::EAGAIN);
        rt.block_on(async {
            assert_refused_io(&listing.next_entry().await.unwrap_err());
            let again = listing.next_entry().await.unwrap_err();
            assert!(again.to_string().contains("listing was lost"), "{again}");
        });
        faults.disarm(Call::SpawnBlocking);
        let mut fresh = rt.block_on(eddy::fs::read_dir("src")).unwrap();
        assert!(rt.block_on(fresh.next_entry()).unwrap().is_some());
    });
}

/// The standard streams, with no pool thread able to start: a read fails with the pool's
/// error, and so does the flush after a write; the next call is another attempt, not a
/// panic (the handle is not left holding a spent `JoinHandle`), and once threads can start
/// the stream works.
#[test]
fn stdio_returns_an_io_error_when_no_thread_can_start() {
    with_timeout(LIMIT, || {
        let faults = Faults::begin();
        let rt = runtime("ft-stdio", 2);
        faults.arm(Call::SpawnBlocking, When::Always, libc::EAGAIN);
        rt.block_on(async {
            let mut stdin = eddy::io::stdin();
            let mut buf = [0; 16];
            for _ in 0..2 {
                assert_refused_io(&stdin.read(&mut buf).await.unwrap_err());
            }
            let mut stderr = eddy::io::stderr();
            for _ in 0..2 {
                // The write only copies the data; its fate comes with the next call.
                stderr.write_all(b"faults_threads: lost\n").await.unwrap();
                assert_refused_io(&stderr.flush().await.unwrap_err());
            }
        });
        assert_eq!(faults.injected(Call::SpawnBlocking), 4);

        faults.disarm(Call::SpawnBlocking);
        rt.block_on(async {
            let mut stderr = eddy::io::stderr();
            stderr
                .write_all(b"faults_threads: stderr works again\n")
                .await
                .unwrap();
            stderr.flush().await.unwrap();
        });
    });
}

/// `block_in_place` starts no thread (it hands the worker's queue to the others and runs
/// the closure in place): with every thread start failing, it still works.
#[test]
fn block_in_place_starts_no_thread() {
    with_timeout(LIMIT, || {
        let faults = Faults::begin();
        let rt = runtime("ft-place", 2);
        for call in [Call::SpawnWorker, Call::SpawnHelper, Call::SpawnBlocking] {
            faults.arm(call, When::Always, libc::EAGAIN);
        }
        let got = rt.block_on(rt.spawn(async {
            eddy::task::block_in_place(|| std::thread::current().name().map(str::to_owned))
        }));
        assert!(got.unwrap().unwrap().starts_with("ft-place"));
        for call in [Call::SpawnWorker, Call::SpawnHelper, Call::SpawnBlocking] {
            assert_eq!(faults.calls(call), 0, "{call:?}");
        }
    });
}
