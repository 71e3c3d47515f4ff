//! `build()` when a thread it starts cannot be started: a worker (any of them) or the
//! debug watchdog. The current-thread runtime starts none.

use std::time::Duration;

use eddy::faults::{Call, Faults, When};
use eddy::runtime::Builder;
use eddy_test_support::process::{assert_no_thread_named, open_fds};

use crate::support::with_timeout;
use crate::LIMIT;

/// Builds with `make()`'s builder after arming `call` to fail as `when` picks: `build()`
/// returns EAGAIN, leaves no thread named `name` and no fd behind, and the next build
/// works.
fn fails_cleanly(faults: &Faults, make: impl Fn() -> Builder, name: &str, call: Call, when: When) {
    let fds = open_fds();
    faults.arm(call, when, libc::EAGAIN);
    let err = make()
        .thread_name(name)
        .build()
        .expect_err("build() with a thread missing");
    assert_eq!(err.raw_os_error(), Some(libc::EAGAIN), "{call:?}: {err}");
    assert_eq!(faults.injected(call), 1, "{call:?}");
    assert_no_thread_named(name, &format!("{call:?}: threads left behind"));
    assert_eq!(open_fds(), fds, "{call:?}: fds left behind");
    faults.disarm(call);
    let rt = make().thread_name(name).build().expect("the next build");
    assert_eq!(rt.block_on(rt.spawn(async { 6 * 7 })).unwrap(), 42);
    drop(rt);
    assert_no_thread_named(name, "the next runtime's threads");
    assert_eq!(
        open_fds(),
        fds,
        "{call:?}: the next runtime's fds left behind"
    );
}

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
        assert_no_thread_named("faults-worker", "workers left behind");
    });
}

/// The first worker cannot be started, and then the last: EAGAIN each time, no thread and
/// no fd (poller, eventfd) left, and the next build works.
#[test]
fn build_fails_cleanly_when_the_first_or_last_worker_cannot_be_started() {
    with_timeout(LIMIT, || {
        let faults = Faults::begin();
        let make = || {
            let mut builder = Builder::new_multi_thread();
            builder.worker_threads(3);
            builder
        };
        fails_cleanly(&faults, make, "ft-first", Call::SpawnWorker, When::Nth(1));
        assert_eq!(
            faults.calls(Call::SpawnWorker),
            4,
            "one failed, then three started"
        );
        fails_cleanly(&faults, make, "ft-last", Call::SpawnWorker, When::Nth(3));
    });
}

/// Debug mode starts a watchdog thread before the workers. If it cannot start, `build()`
/// returns EAGAIN before any worker starts; if a worker cannot start after it, the
/// watchdog is stopped and joined with the workers.
#[test]
fn build_fails_cleanly_when_the_debug_watchdog_cannot_be_started() {
    with_timeout(LIMIT, || {
        let faults = Faults::begin();
        let make = || {
            let mut builder = Builder::new_multi_thread();
            builder.worker_threads(2).debug(true);
            builder
        };
        fails_cleanly(&faults, make, "ft-dog", Call::SpawnHelper, When::Nth(1));
        assert_eq!(
            faults.calls(Call::SpawnWorker),
            2,
            "only the build that worked"
        );
        fails_cleanly(&faults, make, "ft-dog2", Call::SpawnWorker, When::Nth(2));
    });
}

/// The current-thread runtime starts no thread at all — no worker, no watchdog even in
/// debug mode, no pool thread until a blocking job — so no thread failure can fail its
/// build, or its tasks.
#[test]
fn the_current_thread_runtime_starts_no_thread() {
    with_timeout(LIMIT, || {
        let faults = Faults::begin();
        for call in [Call::SpawnWorker, Call::SpawnHelper, Call::SpawnBlocking] {
            faults.arm(call, When::Always, libc::EAGAIN);
        }
        for debug in [false, true] {
            let rt = Builder::new_current_thread()
                .debug(debug)
                .thread_name("ft-current")
                .build()
                .expect("a current-thread runtime needs no thread");
            let sum = rt.block_on(async {
                let tasks: Vec<_> = (1..=10).map(|i| eddy::spawn(async move { i })).collect();
                let mut sum = 0;
                for task in tasks {
                    sum += task.await.unwrap();
                }
                eddy::time::sleep(Duration::from_millis(1)).await;
                sum
            });
            assert_eq!(sum, 55);
            assert_no_thread_named("ft-current", "a current-thread runtime's thread");
        }
        for call in [Call::SpawnWorker, Call::SpawnHelper, Call::SpawnBlocking] {
            assert_eq!(faults.calls(call), 0, "{call:?}");
        }
    });
}

/// A builder that built a runtime does not keep it alive: once the runtime is dropped its
/// fds (poller, eventfd) are closed though the builder lives on, and the builder builds
/// again — also after a build that failed.
#[test]
fn a_builder_keeps_no_runtime_it_built() {
    with_timeout(LIMIT, || {
        let faults = Faults::begin();
        let fds = open_fds();
        let mut builder = Builder::new_multi_thread();
        builder.worker_threads(2).thread_name("ft-keep");
        for round in 0..3 {
            let rt = builder.build().unwrap();
            assert_eq!(rt.block_on(rt.spawn(async { 1 })).unwrap(), 1);
            drop(rt);
            assert_eq!(open_fds(), fds, "round {round}: the dropped runtime's fds");
            faults.arm(Call::SpawnWorker, When::Nth(2), libc::EAGAIN);
            builder.build().expect_err("a worker missing");
            faults.disarm(Call::SpawnWorker);
            assert_eq!(open_fds(), fds, "round {round}: the failed build's fds");
        }
        assert_no_thread_named("ft-keep", "threads left behind");
    });
}
