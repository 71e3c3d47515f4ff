//! Threads and child processes when the OS refuses a system call: a worker, blocking-pool
//! or helper thread that cannot be started (EAGAIN, as under `RLIMIT_NPROC`), `pidfd_open`
//! and `waitpid` failing (feature `fault-injection`; docs/reliability.md, "The OS saying
//! no"). Every test arms its faults in an `eddy::faults::Faults` session, so they take
//! turns.
//!
//! | module | what |
//! |---|---|
//! | `workers` | `build()` when a worker or the debug watchdog cannot start; the current-thread runtime |
//! | `blocking` | the blocking pool: a job waits for a busy thread, or is refused with the OS's error; what uses the pool |
//! | `signal` | the signal thread (in a fresh process: the thread is process-wide) |
//! | `process` | `pidfd_open` and `waitpid` failing: the SIGCHLD fallback, errors as they are, no zombie |
#![cfg(unix)]

mod support;

#[path = "faults_threads/blocking.rs"]
mod blocking;
#[path = "faults_threads/process.rs"]
mod process;
#[path = "faults_threads/signal.rs"]
mod signal;
#[path = "faults_threads/workers.rs"]
mod workers;

use std::time::Duration;

/// Every test's bound.
const LIMIT: Duration = Duration::from_secs(30);
