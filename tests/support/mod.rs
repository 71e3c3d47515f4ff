//! Shared helpers for the integration tests.
#![allow(dead_code)]

use std::sync::mpsc;
use std::time::Duration;

/// Runs `f` on its own thread and fails the test if it has not finished within `limit`:
/// a hang becomes a failure with a message, not a stuck CI run.
pub fn with_timeout<T: Send + 'static>(
    limit: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = mpsc::channel();
    let worker = std::thread::Builder::new()
        .name("test-body".into())
        .spawn(move || {
            let out = f();
            let _ = tx.send(());
            out
        })
        .unwrap();
    match rx.recv_timeout(limit) {
        Ok(()) => worker.join().unwrap(),
        // The sender was dropped without sending: the body panicked; rethrow it.
        Err(mpsc::RecvTimeoutError::Disconnected) => match worker.join() {
            Ok(_) => unreachable!("body finished without reporting"),
            Err(panic) => std::panic::resume_unwind(panic),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("test did not finish within {limit:?}: a hang (lost wakeup or deadlock)")
        }
    }
}

/// A fresh, empty directory for socket files, named after this process and `name`; the
/// test removes it when done.
pub fn socket_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("eddy-net-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The usual limit for one test body.
pub const LIMIT: Duration = Duration::from_secs(60);

/// How long one step of a test (a connect, a request, a read) may take before the test
/// fails instead of hanging.
pub const STEP: Duration = Duration::from_secs(20);

/// `future`, or a failure naming `what` if it takes longer than [`STEP`].
pub async fn step<T>(what: &str, future: impl std::future::Future<Output = T>) -> T {
    match eddy::time::timeout(STEP, future).await {
        Ok(value) => value,
        Err(_) => panic!("{what} did not finish within {STEP:?}"),
    }
}

/// A runtime with `n` workers.
pub fn runtime(n: usize) -> eddy::Runtime {
    eddy::Runtime::builder().worker_threads(n).build().unwrap()
}

/// The panic message of a caught panic.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

/// Counts drops of the value it is moved into.
#[derive(Clone, Default)]
pub struct DropCounter(std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl DropCounter {
    pub fn token(&self) -> DropToken {
        DropToken(self.0.clone())
    }

    pub fn dropped(&self) -> usize {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

pub struct DropToken(std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl Drop for DropToken {
    fn drop(&mut self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// The size of a stress test: `small` by default (the file runs in about a second in a
/// debug build), `full` when the environment variable `EDDY_STRESS=full` is set (run
/// those in release: `EDDY_STRESS=full cargo test --release --test 'stress_*'`).
pub fn stress_size(small: usize, full: usize) -> usize {
    if std::env::var("EDDY_STRESS").is_ok_and(|v| v == "full") {
        full
    } else {
        small
    }
}

/// The payload of a panic a test causes on purpose: [`silence_expected_panics`] keeps it
/// off stderr. Carries the index of the task that panicked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpectedPanic(pub usize);

/// Installs (once per test binary) a panic hook that says nothing for an
/// [`ExpectedPanic`] payload and hands every other panic to the default hook, so a real
/// failure still prints its message.
pub fn silence_expected_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if info.payload().downcast_ref::<ExpectedPanic>().is_none() {
                default(info);
            }
        }));
    });
}
