//! The notify write fails: the write that wakes a worker waiting in the poller (the eventfd
//! on epoll, `polling`'s notifier elsewhere). A wake-up from another thread must still
//! reach a runtime whose only worker sleeps in the poller: late, never lost (the
//! reactor's docs: a notification that fails).

use std::sync::mpsc;
use std::time::Duration;

use eddy::faults::{Call, Faults, When};
use eddy::runtime::Builder;
use eddy::sync::oneshot;

use crate::support::with_timeout;
use crate::{runtime, thread_id, timed, wait_until_asleep_in_poller, LIMIT};

/// Once a notification has failed the reactor wakes every 10 ms by itself; a wake-up
/// then arrives well within this (the backstop that covers a wait already under way is a
/// second).
const PROMPT: Duration = Duration::from_millis(500);

/// A task on the only worker awaits a oneshot; the worker goes idle (it waits in the
/// poller, with no timer, so with no timeout) and then every notify write fails, and a
/// plain std thread sends. The task still gets the value: the wait already under way ends
/// at the reactor's one-second backstop. From then on the reactor caps its waits, so the
/// next wake-up from outside is prompt.
///
/// Without the backstop the first send is never seen (the worker sleeps in `epoll_wait`
/// for ever): the test hangs until `with_timeout` fails it.
#[test]
fn the_only_worker_is_woken_from_a_plain_thread_when_notify_fails() {
    with_timeout(LIMIT, || {
        let faults = Faults::begin();
        let rt = runtime(1);
        for round in 0..2 {
            let (tid_tx, tid_rx) = mpsc::channel();
            let (tx, rx) = oneshot::channel();
            let task = rt.spawn(async move {
                tid_tx.send(thread_id()).unwrap();
                rx.await.unwrap()
            });
            let worker = tid_rx.recv().unwrap();
            if round == 0 {
                faults.arm(Call::Notify, When::Always, libc::EIO);
            }
            wait_until_asleep_in_poller(worker);
            let (took, value) = timed(|| {
                std::thread::spawn(move || tx.send(round).unwrap())
                    .join()
                    .unwrap();
                rt.block_on(task).unwrap()
            });
            assert_eq!(value, round);
            if round == 0 {
                // Each failed notification was tried three times.
                assert!(faults.injected(Call::Notify) >= 3);
                assert_eq!(faults.calls(Call::Notify), faults.injected(Call::Notify));
            } else {
                assert!(took < PROMPT, "a wake-up after the failure took {took:?}");
            }
        }
        // The runtime still works as ever: timers, spawns, I/O.
        rt.block_on(async {
            eddy::time::sleep(Duration::from_millis(1)).await;
            eddy::spawn(async {}).await.unwrap();
        });
    });
}

/// The current-thread runtime: `block_on` runs its loop on this thread, which goes idle in
/// the poller. With every notify write failing, a oneshot sent from a plain thread still
/// wakes the main future (at the backstop), and a task spawned from outside then runs
/// promptly (the reactor caps its waits once a notification failed).
///
/// Without the backstop the first send is never seen: a hang, failed by `with_timeout`.
#[test]
fn the_current_thread_runtime_is_woken_from_outside_when_notify_fails() {
    with_timeout(LIMIT, || {
        let faults = Faults::begin();
        let rt = Builder::new_current_thread().build().unwrap();
        let this = thread_id();
        faults.arm(Call::Notify, When::Always, libc::EIO);

        let (tx, rx) = oneshot::channel();
        let sender = std::thread::spawn(move || {
            wait_until_asleep_in_poller(this);
            tx.send(1).unwrap();
        });
        assert_eq!(rt.block_on(rx).unwrap(), 1);
        sender.join().unwrap();
        assert!(faults.injected(Call::Notify) >= 3);

        let handle = rt.handle().clone();
        let (tx, rx) = oneshot::channel();
        let spawner = std::thread::spawn(move || {
            wait_until_asleep_in_poller(this);
            handle.spawn(async move { tx.send(2).unwrap() });
        });
        let (took, value) = timed(|| rt.block_on(rx).unwrap());
        assert_eq!(value, 2);
        assert!(took < PROMPT, "a spawn after the failure took {took:?}");
        spawner.join().unwrap();
    });
}

/// A notify write that fails once is tried again at once: the wake-up is prompt, and the
/// reactor did not need its backstop. Without the retry it waits for the backstop (a
/// second), and with no backstop at all it hangs.
#[test]
fn a_notify_write_that_fails_once_is_retried() {
    with_timeout(LIMIT, || {
        let faults = Faults::begin();
        let rt = runtime(1);
        let (tid_tx, tid_rx) = mpsc::channel();
        let (tx, rx) = oneshot::channel();
        let task = rt.spawn(async move {
            tid_tx.send(thread_id()).unwrap();
            rx.await.unwrap()
        });
        let worker = tid_rx.recv().unwrap();
        faults.arm(Call::Notify, When::Nth(1), libc::EINTR);
        wait_until_asleep_in_poller(worker);
        let (took, value) = timed(|| {
            tx.send(5).unwrap();
            rt.block_on(task).unwrap()
        });
        assert_eq!(value, 5);
        assert!(took < PROMPT, "the retried wake-up took {took:?}");
        assert_eq!(faults.injected(Call::Notify), 1);
        assert!(faults.calls(Call::Notify) >= 2);
    });
}
