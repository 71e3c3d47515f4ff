//! Threads and child processes when the OS refuses a system call: a worker, blocking-pool
//! or helper thread that cannot be started (EAGAIN, as under `RLIMIT_NPROC`), `pidfd_open`
//! and `waitpid` failing (feature `fault-injection`; docs/reliability.md, "The OS saying
//! no"). Every test arms its faults in an `eddy::faults::Faults` session, so they take
//! turns.
#![cfg(unix)]

mod support;

use std::time::Duration;

use eddy::faults::{Call, Faults, When};
use support::with_timeout;

const LIMIT: Duration = Duration::from_secs(30);

/// The third worker cannot be started: `build()` returns EAGAIN, and the two workers
/// already running are stopped and joined (no thread is left behind).
#[test]
fn build_fails_cleanly_when_a_worker_cannot_be_started() {
    with_timeout(LIMIT, || {
        let faults = Faults::begin();
        faults.arm(Call::SpawnWorker, When::Nth(3), libc::EAGAIN);
        let err = eddy::Runtime::builder()
            .worker_threads(4)
            .thread_name("faults-worker")
            .build()
            .expect_err("build() with a worker missing");
        assert_eq!(err.raw_os_error(), Some(libc::EAGAIN), "{err}");
        assert_eq!(faults.calls(Call::SpawnWorker), 3);
        assert_eq!(
            eddy_test_support::process::threads_named("faults-worker"),
            0
        );
    });
}
