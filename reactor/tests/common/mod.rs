//! Shared by the integration tests: a hang guard, a reactor-driving thread, a waker that
//! records wakes.

#![allow(dead_code)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::task::{Wake, Waker};
use std::thread;
use std::time::Duration;

use eddy_reactor::{Backend, Reactor};

/// How long a test body may take before the test fails as hung.
pub const HANG: Duration = Duration::from_secs(10);

/// Runs `body` on its own thread and fails the test if it does not finish within [`HANG`]
/// (a lost wakeup shows up as a hang; this turns it into a failure with a message).
pub fn within_timeout<R: Send + 'static>(body: impl FnOnce() -> R + Send + 'static) -> R {
    let (tx, rx) = mpsc::channel();
    let handle = thread::spawn(move || {
        let _ = tx.send(body());
    });
    match rx.recv_timeout(HANG) {
        Ok(result) => {
            handle.join().unwrap();
            result
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => match handle.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("the body sent nothing but did not panic"),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("the test hung for {HANG:?}"),
    }
}

/// A reactor on the backend `EDDY_IO_BACKEND` names (`epoll`, `polling`,
/// `polling-oneshot`), else on the OS's native one: `.ci/run` runs these tests on each.
pub fn reactor() -> Reactor {
    let backend = match std::env::var("EDDY_IO_BACKEND") {
        Ok(name) if !name.trim().is_empty() => name.parse().expect("EDDY_IO_BACKEND"),
        _ => Backend::native(),
    };
    let reactor = Reactor::with_backend(backend).expect("a reactor");
    assert_eq!(reactor.backend(), backend);
    reactor
}

/// A thread running `reactor.poll(None)` in a loop until dropped.
pub struct Driver {
    reactor: Arc<Reactor>,
    stop: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Driver {
    pub fn start(reactor: &Arc<Reactor>) -> Driver {
        let stop = Arc::new(AtomicBool::new(false));
        let thread = thread::spawn({
            let (reactor, stop) = (reactor.clone(), stop.clone());
            move || {
                // Acquire: pairs with the Release store in `drop`.
                while !stop.load(Ordering::Acquire) {
                    reactor.poll(None).expect("poll failed");
                }
            }
        });
        Driver {
            reactor: reactor.clone(),
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        self.reactor.notify().unwrap();
        if let Some(thread) = self.thread.take() {
            let result = thread.join();
            if !thread::panicking() {
                result.unwrap();
            }
        }
    }
}

/// A waker that counts its wakes.
#[derive(Default)]
pub struct Flag(std::sync::atomic::AtomicUsize);

impl Flag {
    pub fn new() -> (Arc<Flag>, Waker) {
        let flag = Arc::new(Flag::default());
        let waker = Waker::from(flag.clone());
        (flag, waker)
    }

    /// Wakes since the last call.
    pub fn take(&self) -> usize {
        self.0.swap(0, Ordering::SeqCst)
    }
}

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}
