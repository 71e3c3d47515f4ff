//! `eddy::task::block_in_place` on the real runtime: while one worker blocks in the
//! closure, the other runs the tasks it had queued, the tasks the closure wakes, and the
//! runtime's timers and sockets. Every test body runs under a timeout: a task left behind
//! by the hand-off makes the closure wait for ever.

mod support;

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::sync::mpsc;
use std::task::Poll;
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use eddy::task::block_in_place;
use support::{panic_message, runtime, with_timeout, LIMIT};

/// Receives with [`LIMIT`]; a timeout names what never came.
fn recv<T>(rx: &mpsc::Receiver<T>, what: &str) -> T {
    rx.recv_timeout(LIMIT)
        .unwrap_or_else(|_| panic!("{what} never came while the worker blocked in place"))
}

/// The brief's deadlock: the helper starts out in the blocking worker's LIFO slot, which
/// no other worker steals from, and the closure waits for it.
#[test]
fn another_task_runs_to_completion_while_the_closure_waits_for_it() {
    with_timeout(LIMIT, || {
        let rt = runtime(2);
        let task = rt.spawn(async {
            let (tx, rx) = mpsc::channel();
            let helper = eddy::spawn(async move {
                let sum: u64 = (1..=10).sum();
                tx.send((sum, thread::current().id())).unwrap();
            });
            let here = thread::current().id();
            let (sum, ran_on) = block_in_place(|| recv(&rx, "the helper's result"));
            assert_ne!(ran_on, here, "the helper ran on the other worker");
            helper.await.unwrap();
            sum
        });
        assert_eq!(rt.block_on(task).unwrap(), 55);
    });
}

/// The closure sends on a channel: the receiving task is woken on the blocked worker's
/// thread and must run elsewhere; then the closure waits for its reply with
/// `blocking_recv`, which is allowed inside the closure.
#[test]
fn a_send_from_inside_the_closure_wakes_a_task_on_another_worker() {
    with_timeout(LIMIT, || {
        let rt = runtime(2);
        let task = rt.spawn(async {
            let (tx, mut rx) = eddy::sync::mpsc::channel::<u32>(1);
            let (reply_tx, reply_rx) = eddy::sync::oneshot::channel();
            let receiver = eddy::spawn(async move {
                let n = rx.recv().await.unwrap();
                reply_tx.send((n + 1, thread::current().id())).unwrap();
            });
            // The receiver (in this worker's LIFO slot) runs now and waits on the channel;
            // this task, set aside by the yield, comes back to this worker after it.
            eddy::task::yield_now().await;
            let here = thread::current().id();
            let (n, ran_on) = block_in_place(|| {
                tx.blocking_send(41).unwrap();
                reply_rx.blocking_recv().unwrap()
            });
            assert_ne!(ran_on, here);
            receiver.await.unwrap();
            n
        });
        assert_eq!(rt.block_on(task).unwrap(), 42);
    });
}

/// While one worker is inside the closure, the other keeps the timers and the sockets
/// moving: a socket whose waiter registered from the blocked worker becomes readable, and
/// a timer in the blocked worker's own wheel (registered by the closure itself) fires.
#[test]
fn timers_and_sockets_complete_while_a_worker_is_inside_block_in_place() {
    with_timeout(LIMIT, || {
        let rt = runtime(2);
        let task = rt.spawn(async {
            let std_socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
            let socket = eddy::net::UdpSocket::from_std(std_socket).unwrap();
            let addr = socket.local_addr().unwrap();
            let (done_tx, done_rx) = mpsc::channel::<(usize, ThreadId)>();
            let (registered_tx, registered_rx) = eddy::sync::oneshot::channel();
            // In this worker's LIFO slot: it first polls here, so its socket's waker is
            // registered from the worker about to block.
            let waiter = eddy::spawn(async move {
                let mut buf = [0u8; 16];
                let mut read = pin!(socket.recv(&mut buf));
                poll_fn(|cx| {
                    assert!(read.as_mut().poll(cx).is_pending(), "nothing sent yet");
                    Poll::Ready(())
                })
                .await;
                registered_tx.send(thread::current().id()).unwrap();
                let n = read.await.unwrap();
                done_tx.send((n, thread::current().id())).unwrap();
            });
            let registered_on = registered_rx.await.unwrap();
            let here = thread::current().id();
            assert_eq!(registered_on, here, "the waiter registered on this worker");

            block_in_place(|| {
                // The datagram goes out only now: its readiness can only be seen by a
                // worker polling the reactor while this one blocks.
                let sender = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
                sender.send_to(b"ping", addr).unwrap();
                let (n, ran_on) = recv(&done_rx, "the socket's datagram");
                assert_eq!(n, 4);
                assert_ne!(ran_on, here);

                // A timer first polled on this (blocked) worker lives in its wheel; only
                // the other worker can fire it. (`block_on` is allowed in the closure.)
                let started = Instant::now();
                eddy::eddy_executor::block_on(eddy::time::sleep(Duration::from_millis(10)));
                assert!(started.elapsed() >= Duration::from_millis(10));
            });
            waiter.await.unwrap();
        });
        rt.block_on(task).unwrap();
    });
}

#[test]
fn off_a_worker_it_just_runs_the_closure() {
    with_timeout(LIMIT, || {
        // Outside any runtime.
        assert_eq!(block_in_place(|| 1), 1);
        let rt = runtime(2);
        // On a blocking-pool thread.
        let job = rt.handle().run_in_executor(|| block_in_place(|| 2));
        assert_eq!(rt.block_on(job).unwrap(), 2);
        // In `Runtime::block_on`'s own future (this thread, not a worker), where blocking
        // on a task's result is then allowed.
        let n = rt.block_on(async {
            let (tx, rx) = eddy::sync::oneshot::channel();
            let task = eddy::spawn(async move { tx.send(3).unwrap() });
            let n = block_in_place(|| rx.blocking_recv().unwrap());
            task.await.unwrap();
            n
        });
        assert_eq!(n, 3);
    });
}

#[test]
fn a_panic_in_the_closure_is_the_tasks_panic_and_the_runtime_carries_on() {
    with_timeout(LIMIT, || {
        let rt = runtime(2);
        let failing = rt.spawn(async {
            block_in_place(|| panic!("blocked and failed"));
        });
        let err = rt.block_on(failing).unwrap_err();
        assert!(err.is_panic());
        assert_eq!(panic_message(&*err.into_panic()), "blocked and failed");

        // Both workers still run tasks, and still block in place.
        let tasks: Vec<_> = (0..100u64)
            .map(|i| rt.spawn(async move { block_in_place(|| i) }))
            .collect();
        let sum: u64 = rt.block_on(async {
            let mut sum = 0;
            for task in tasks {
                sum += task.await.unwrap();
            }
            sum
        });
        assert_eq!(sum, 4950);
    });
}
