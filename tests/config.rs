//! Bad configuration: every builder setter's input is checked by `build()`, which refuses
//! an out-of-range value with an `InvalidInput` error naming the setter (and the fix).

mod support;

use std::io;
use std::panic::catch_unwind;
use std::time::Duration;

use eddy::eddy_executor::limits::{
    MAX_BLOCKING_THREADS, MAX_THREAD_STACK_SIZE, MAX_WORKER_THREADS, MIN_THREAD_STACK_SIZE,
};
use eddy::task::BlockingPool;
use support::panic_message;

/// Asserts that `result` is an `InvalidInput` error whose message names `setter`.
#[track_caller]
fn assert_refused<T>(result: io::Result<T>, setter: &str) {
    let Err(err) = result else {
        panic!("`{setter}` with a bad value was accepted");
    };
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");
    assert!(
        err.to_string().contains(setter),
        "the message names `{setter}`: {err}"
    );
}

/// Builds a runtime with one bad setting applied to an otherwise small configuration.
fn runtime_with(configure: impl FnOnce(&mut eddy::runtime::Builder)) -> io::Result<eddy::Runtime> {
    let mut builder = eddy::Builder::new();
    builder.worker_threads(1);
    configure(&mut builder);
    builder.build()
}

#[test]
fn zero_worker_threads_is_refused_naming_worker_threads() {
    assert_refused(
        runtime_with(|b| {
            b.worker_threads(0);
        }),
        "worker_threads",
    );
}

#[test]
fn worker_threads_above_the_cap_is_refused_naming_worker_threads() {
    assert_refused(
        runtime_with(|b| {
            b.worker_threads(MAX_WORKER_THREADS + 1);
        }),
        "worker_threads",
    );
    assert_refused(
        runtime_with(|b| {
            b.worker_threads(usize::MAX);
        }),
        "worker_threads",
    );
}

#[test]
fn worker_threads_at_a_moderate_count_is_accepted() {
    // Oversubscribed on purpose (more workers than this machine has cores): allowed.
    let rt = runtime_with(|b| {
        b.worker_threads(16);
    })
    .unwrap();
    assert_eq!(rt.handle().num_workers(), 16);
    assert_eq!(rt.block_on(rt.spawn(async { 7 })).unwrap(), 7);
}

#[test]
fn zero_max_blocking_threads_is_refused_naming_max_blocking_threads() {
    assert_refused(
        runtime_with(|b| {
            b.max_blocking_threads(0);
        }),
        "max_blocking_threads",
    );
}

#[test]
fn max_blocking_threads_above_the_cap_is_refused_naming_max_blocking_threads() {
    assert_refused(
        runtime_with(|b| {
            b.max_blocking_threads(MAX_BLOCKING_THREADS + 1);
        }),
        "max_blocking_threads",
    );
    // The cap itself is accepted (threads start only on demand).
    runtime_with(|b| {
        b.max_blocking_threads(MAX_BLOCKING_THREADS);
    })
    .unwrap();
}

#[test]
fn zero_blocking_keep_alive_is_refused_naming_blocking_keep_alive() {
    assert_refused(
        runtime_with(|b| {
            b.blocking_keep_alive(Duration::ZERO);
        }),
        "blocking_keep_alive",
    );
}

#[test]
fn a_tiny_thread_stack_size_is_refused_naming_thread_stack_size() {
    for bytes in [0, 1, 4096, MIN_THREAD_STACK_SIZE - 1] {
        assert_refused(
            runtime_with(|b| {
                b.thread_stack_size(bytes);
            }),
            "thread_stack_size",
        );
    }
}

#[test]
fn a_huge_thread_stack_size_is_refused_naming_thread_stack_size() {
    for bytes in [MAX_THREAD_STACK_SIZE + 1, usize::MAX] {
        assert_refused(
            runtime_with(|b| {
                b.thread_stack_size(bytes);
            }),
            "thread_stack_size",
        );
    }
}

#[test]
fn a_stack_size_within_the_bounds_runs_tasks_and_blocking_jobs() {
    let rt = runtime_with(|b| {
        b.thread_stack_size(256 * 1024);
    })
    .unwrap();
    assert_eq!(rt.block_on(rt.spawn(async { 1 })).unwrap(), 1);
    assert_eq!(rt.block_on(rt.run_in_executor(|| 2)).unwrap(), 2);
}

#[test]
fn an_empty_thread_name_is_refused_naming_thread_name() {
    assert_refused(
        runtime_with(|b| {
            b.thread_name("");
        }),
        "thread_name",
    );
}

#[test]
fn a_thread_name_with_a_nul_byte_is_refused_naming_thread_name() {
    assert_refused(
        runtime_with(|b| {
            b.thread_name("bad\0name");
        }),
        "thread_name",
    );
}

#[test]
fn the_runtime_builder_is_reachable_at_both_paths() {
    // `eddy::Builder` and `eddy::runtime::Builder` are one type; check through the other
    // path too.
    assert_refused(
        eddy::runtime::Builder::new().worker_threads(0).build(),
        "worker_threads",
    );
}

#[test]
fn blocking_pool_builder_refuses_zero_and_huge_max_threads_naming_max_threads() {
    assert_refused(
        BlockingPool::builder().max_threads(0).build(),
        "max_threads",
    );
    assert_refused(
        BlockingPool::builder()
            .max_threads(MAX_BLOCKING_THREADS + 1)
            .build(),
        "max_threads",
    );
}

#[test]
fn blocking_pool_builder_refuses_a_zero_keep_alive_naming_keep_alive() {
    assert_refused(
        BlockingPool::builder().keep_alive(Duration::ZERO).build(),
        "keep_alive",
    );
}

#[test]
fn blocking_pool_builder_refuses_a_bad_thread_name_naming_thread_name() {
    assert_refused(
        BlockingPool::builder().thread_name("").build(),
        "thread_name",
    );
    assert_refused(
        BlockingPool::builder().thread_name("a\0b").build(),
        "thread_name",
    );
}

#[test]
fn blocking_pool_builder_refuses_a_bad_stack_size_naming_thread_stack_size() {
    for bytes in [0, MIN_THREAD_STACK_SIZE - 1, MAX_THREAD_STACK_SIZE + 1] {
        assert_refused(
            BlockingPool::builder().thread_stack_size(bytes).build(),
            "thread_stack_size",
        );
    }
}

#[test]
fn blocking_pool_new_panics_on_zero_or_huge_naming_the_fix() {
    for n in [0, MAX_BLOCKING_THREADS + 1] {
        let panic = catch_unwind(|| drop(BlockingPool::new(n))).unwrap_err();
        let msg = panic_message(&*panic);
        assert!(msg.contains("max_threads"), "names the setting: {msg}");
        assert!(msg.contains("pass"), "names the fix: {msg}");
    }
}
