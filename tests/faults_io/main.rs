//! The reactor and the sockets when the OS refuses a system call: the poller's creation,
//! registration, re-arming, the notify write, `socket` and `accept` (feature
//! `fault-injection`; docs/reliability.md, "The OS saying no"). Every test arms its faults
//! in an `eddy::faults::Faults` session, so they take turns, and each shows what the caller
//! sees and that nothing else is lost: other connections keep echoing, pending connections
//! are still accepted, no descriptor leaks, no wake-up is lost.
//!
//! | file | the call that fails |
//! |---|---|
//! | `poller.rs` | creating the poller or its eventfd |
//! | `register.rs` | registering a socket with the poller (ENOMEM, ENOSPC) |
//! | `rearm.rs` | re-arming a source in one-shot mode |
//! | `notify.rs` | the notify write that wakes a worker waiting in the poller |
//! | `socket.rs` | `socket(2)` (EMFILE, ENFILE) |
//! | `accept.rs` | `accept` (EMFILE, ENFILE, ECONNABORTED, ENOBUFS), and the examples' accept loops |
#![cfg(unix)]
// accept.rs includes the redis_server and chat examples, which both include
// examples/support/stats.rs: this crate has it twice.
#![allow(clippy::duplicate_mod)]

#[path = "../support/mod.rs"]
mod support;

mod accept;
mod notify;
mod poller;
mod rearm;
mod register;
mod socket;

use std::time::{Duration, Instant};

use eddy::net::{TcpListener, TcpStream};
use eddy::task::JoinHandle;
use eddy_test_support::process::open_fds;
use futures_lite::{AsyncReadExt, AsyncWriteExt};

/// The bound on one test body: a hang (a lost wake-up, an accept that never returns)
/// fails the test instead of the CI run.
pub const LIMIT: Duration = Duration::from_secs(30);

/// A multi-thread runtime with `workers` workers on the backend `EDDY_IO_BACKEND` names.
pub fn runtime(workers: usize) -> eddy::Runtime {
    eddy::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .build()
        .unwrap()
}

/// An echo server on `listener`: each connection gets its bytes back until it closes.
/// An accept error is skipped (the test looks at it from the client's side).
pub fn spawn_echo_server(listener: TcpListener) -> JoinHandle<()> {
    eddy::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            eddy::spawn(async move {
                let (mut reader, mut writer) = stream.into_split();
                let _ = futures_lite::io::copy(&mut reader, &mut writer).await;
            });
        }
    })
}

/// Sends `message` on `stream` and reads it back.
pub async fn echo(stream: &mut TcpStream, message: &[u8]) {
    stream.write_all(message).await.unwrap();
    let mut back = vec![0; message.len()];
    stream.read_exact(&mut back).await.unwrap();
    assert_eq!(back, message);
}

/// An echo that keeps going on one established connection while faults fire: `rounds`
/// round trips, each a different message. Gives the connection back.
pub async fn keep_echoing(mut stream: TcpStream, rounds: usize) -> TcpStream {
    for round in 0..rounds {
        echo(&mut stream, format!("round {round}").as_bytes()).await;
    }
    stream
}

/// The calling thread's kernel id, to watch it from another thread
/// ([`wait_until_asleep_in_poller`]).
pub fn thread_id() -> i64 {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        // SAFETY: gettid has no preconditions and cannot fail.
        i64::from(unsafe { libc::gettid() })
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        0
    }
}

/// Returns once thread `tid` sleeps in the OS poller (its kernel wait channel names
/// epoll), so that what the test does next finds it there: a worker that went idle.
/// Elsewhere than Linux, where there is no such view, it gives the thread 100 ms.
///
/// # Panics
///
/// If the thread is not seen there within [`LIMIT`].
pub fn wait_until_asleep_in_poller(tid: i64) {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        let task = format!("/proc/self/task/{tid}");
        let started = Instant::now();
        loop {
            let wchan = std::fs::read_to_string(format!("{task}/wchan")).unwrap_or_default();
            let stat = std::fs::read_to_string(format!("{task}/stat")).unwrap_or_default();
            // The state follows the command name, which is in parentheses.
            let state = stat
                .rsplit(") ")
                .next()
                .and_then(|rest| rest.chars().next());
            // Without a wait channel to read (a kernel that hides it says "0"), a
            // sleeping thread is taken to be in the poller.
            let in_poller = if wchan.is_empty() || wchan == "0" {
                state == Some('S')
            } else {
                wchan.contains("poll")
            };
            if in_poller && state == Some('S') {
                return;
            }
            assert!(
                started.elapsed() < LIMIT,
                "thread {tid} never slept in the poller (wchan {wchan:?}, state {state:?})"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        let _ = tid;
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// How long `f` took, and what it returned.
pub fn timed<T>(f: impl FnOnce() -> T) -> (Duration, T) {
    let started = Instant::now();
    let out = f();
    (started.elapsed(), out)
}

/// Returns once the process has `fds` descriptors open again (connections closing on the
/// other side of the runtime take a moment), or fails naming what is left.
pub fn wait_for_open_fds(fds: usize) {
    let started = Instant::now();
    while open_fds() != fds {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{} descriptors open, {fds} expected: a leak",
            open_fds()
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Asserts that `result` failed with `errno`, as the OS gave it (not wrapped, not
/// turned into another kind).
#[track_caller]
pub fn assert_refused<T: std::fmt::Debug>(what: &str, result: std::io::Result<T>, errno: i32) {
    let err = result.expect_err(what);
    assert_eq!(err.raw_os_error(), Some(errno), "{what}: {err}");
}
