//! Task-local values (`eddy::task_local!`), checked against tokio's documented semantics:
//! scopes nest and restore, the value follows its task across polls and workers, a panic
//! restores the previous value, `with` nests and a scope inside `with` panics, and the
//! value is dropped exactly once.

mod support;

use std::cell::Cell;
use std::future::{poll_fn, Future};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::rc::Rc;
use std::sync::mpsc;
use std::thread;

use eddy::sync::{mpsc as async_mpsc, oneshot};
use eddy::task::yield_now;
use support::{
    panic_message, runtime, silence_expected_panics, with_timeout, DropCounter, DropToken,
    ExpectedPanic, LIMIT,
};

eddy::task_local! {
    static NUMBER: u32;
    static NAME: &'static str;
}

/// A value whose drops are counted.
struct Tracked {
    id: u32,
    _token: DropToken,
}

eddy::task_local! {
    static TRACKED: Tracked;
}

fn tracked_id() -> Option<u32> {
    TRACKED.try_with(|t| t.id).ok()
}

mod declared {
    eddy::task_local! {
        /// Documented, crate-visible, with an attribute kept.
        #[allow(dead_code)]
        pub(crate) static VISIBLE: u8;
        pub static ALSO: String;
        static LAST_WITHOUT_SEMICOLON: ()
    }

    pub fn last() -> bool {
        LAST_WITHOUT_SEMICOLON.sync_scope((), || LAST_WITHOUT_SEMICOLON.try_with(|_| ()).is_ok())
    }
}

#[test]
fn the_macro_keeps_visibility_and_takes_several_declarations() {
    assert_eq!(
        declared::VISIBLE.sync_scope(3, || declared::VISIBLE.get()),
        3
    );
    let len = declared::ALSO.sync_scope("four".into(), || declared::ALSO.with(|s| s.len()));
    assert_eq!(len, 4);
    assert!(declared::last());
    assert_eq!(
        format!("{:?}", declared::VISIBLE),
        r#"LocalKey { name: "VISIBLE", .. }"#
    );
}

#[test]
fn with_outside_a_scope_panics_naming_the_key_and_scope() {
    let panic = catch_unwind(|| NUMBER.with(|n| *n)).unwrap_err();
    let message = panic_message(&*panic);
    assert!(message.contains("NUMBER.scope(value, future)"), "{message}");
}

#[test]
fn try_with_outside_a_scope_is_an_access_error() {
    let err = NUMBER.try_with(|n| *n).unwrap_err();
    let boxed: Box<dyn std::error::Error> = Box::new(err);
    assert!(boxed
        .to_string()
        .starts_with("task-local `NUMBER` has no value here"));
    // Other keys are independent.
    NAME.sync_scope("x", || assert!(NUMBER.try_with(|_| ()).is_err()));
}

#[test]
fn nested_scopes_of_one_key_shadow_and_restore_across_awaits() {
    with_timeout(LIMIT, || {
        eddy::run(NUMBER.scope(1, async {
            yield_now().await;
            assert_eq!(NUMBER.get(), 1);
            NUMBER
                .scope(2, async {
                    yield_now().await;
                    assert_eq!(NUMBER.get(), 2);
                    assert_eq!(NUMBER.sync_scope(3, || NUMBER.get()), 3);
                    assert_eq!(NUMBER.get(), 2);
                    yield_now().await;
                    assert_eq!(NUMBER.get(), 2);
                })
                .await;
            assert_eq!(NUMBER.get(), 1);
            // A spawned task does not inherit the value, unless it is passed on.
            assert!(eddy::spawn(async { NUMBER.try_with(|_| ()).is_err() })
                .await
                .unwrap());
            let passed = eddy::spawn(NUMBER.scope(NUMBER.get(), async { NUMBER.get() }));
            assert_eq!(passed.await.unwrap(), 1);
        }));
        assert!(NUMBER.try_with(|_| ()).is_err());
    });
}

#[test]
fn the_value_is_set_only_while_its_future_is_polled() {
    with_timeout(LIMIT, || {
        eddy::run(async {
            let mut scoped = pin!(NUMBER.scope(5, async {
                assert_eq!(NUMBER.get(), 5);
                yield_now().await;
                assert_eq!(NUMBER.get(), 5);
            }));
            poll_fn(|cx| {
                let poll = scoped.as_mut().poll(cx);
                // Between polls the value is back in the future, not on this thread.
                assert!(NUMBER.try_with(|_| ()).is_err());
                poll
            })
            .await;
        });
    });
}

#[test]
fn two_tasks_on_one_worker_each_see_their_own_value() {
    with_timeout(LIMIT, || {
        let rt = runtime(1);
        let (to_b, mut b_rx) = async_mpsc::channel::<u32>(1);
        let (to_a, mut a_rx) = async_mpsc::channel::<u32>(1);
        let a = rt.spawn(NAME.scope("a", async move {
            for round in 0..100 {
                to_b.send(round).await.unwrap();
                assert_eq!(a_rx.recv().await, Some(round));
                assert_eq!(NAME.get(), "a");
            }
            thread::current().id()
        }));
        let b = rt.spawn(NAME.scope("b", async move {
            while let Some(round) = b_rx.recv().await {
                assert_eq!(NAME.get(), "b");
                to_a.send(round).await.unwrap();
                assert_eq!(NAME.get(), "b");
            }
            thread::current().id()
        }));
        let (a, b) = rt.block_on(async { (a.await.unwrap(), b.await.unwrap()) });
        assert_eq!(a, b, "both tasks ran on the one worker");
    });
}

/// One attempt: the task's first poll occupies its worker with a task that blocks until
/// the scoped task has resumed; resumed from the outside, the scoped task must then run
/// on the other worker, unless the blocking task was stolen to that worker instead.
/// Returns whether the scoped task moved.
fn scoped_task_resumes(rt: &eddy::Runtime) -> bool {
    let (resume_tx, resume_rx) = oneshot::channel::<()>();
    let (hog_tx, hog_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let task = rt.spawn(NUMBER.scope(42, async move {
        let first = thread::current().id();
        assert_eq!(NUMBER.get(), 42);
        // Spawned from this worker: its LIFO slot, run as soon as this poll returns.
        eddy::spawn(async move {
            let unset = NUMBER.try_with(|_| ()).is_err();
            hog_tx.send((thread::current().id(), unset)).unwrap();
            release_rx.recv().unwrap(); // blocks its worker until the scoped task resumed
        });
        resume_rx.await.unwrap();
        let second = thread::current().id();
        assert_eq!(NUMBER.get(), 42, "the value followed the task");
        yield_now().await;
        assert_eq!(NUMBER.get(), 42);
        release_tx.send(()).unwrap();
        (first, second)
    }));
    let (hog_thread, hog_saw_unset) = hog_rx.recv().unwrap();
    assert!(hog_saw_unset, "a task on the same worker sees no value");
    resume_tx.send(()).unwrap();
    let (first, second) = rt.block_on(task).unwrap();
    if hog_thread == first {
        assert_ne!(second, first, "its first worker was blocked");
    }
    first != second
}

#[test]
fn the_value_follows_a_task_that_moves_between_workers() {
    with_timeout(LIMIT, || {
        let rt = runtime(2);
        // Usually the first attempt moves; a stolen blocker makes an attempt not move.
        let moved = (0..100).any(|_| scoped_task_resumes(&rt));
        assert!(moved, "the scoped task never resumed on another worker");
    });
}

#[test]
fn a_panic_inside_sync_scope_restores_the_previous_value() {
    silence_expected_panics();
    NUMBER.sync_scope(1, || {
        let panic = catch_unwind(|| {
            NUMBER.sync_scope(2, || std::panic::panic_any(ExpectedPanic(0)));
        })
        .unwrap_err();
        assert!(panic.downcast_ref::<ExpectedPanic>().is_some());
        assert_eq!(NUMBER.get(), 1);
    });
    assert!(NUMBER.try_with(|_| ()).is_err());
}

#[test]
fn a_panicking_poll_restores_the_previous_value() {
    silence_expected_panics();
    with_timeout(LIMIT, || {
        // On the block_on thread: the panic leaves `block_on`, the outer value is back.
        let rt = runtime(1);
        NUMBER.sync_scope(1, || {
            let panic = catch_unwind(AssertUnwindSafe(|| {
                rt.block_on(NUMBER.scope(2, async {
                    yield_now().await;
                    std::panic::panic_any(ExpectedPanic(1));
                }))
            }))
            .unwrap_err();
            assert!(panic.downcast_ref::<ExpectedPanic>().is_some());
            assert_eq!(NUMBER.get(), 1);
        });
        // In a task: the worker lives on, and its next task sees no value.
        let failed = rt.spawn(NUMBER.scope(3, async {
            yield_now().await;
            std::panic::panic_any(ExpectedPanic(2));
        }));
        assert!(rt.block_on(failed).unwrap_err().is_panic());
        let unset = rt.spawn(async { NUMBER.try_with(|_| ()).is_err() });
        assert!(rt.block_on(unset).unwrap());
    });
}

#[test]
fn with_nests_and_a_scope_inside_with_panics_as_in_tokio() {
    NUMBER.sync_scope(1, || {
        NUMBER.with(|outer| NUMBER.with(|inner| assert_eq!(outer, inner)));
        // Another key's scope inside `with` is fine.
        NUMBER.with(|_| NAME.sync_scope("n", || assert_eq!(NAME.get(), "n")));

        let panic = catch_unwind(|| NUMBER.with(|_| NUMBER.sync_scope(2, || ()))).unwrap_err();
        let message = panic_message(&*panic);
        assert!(message.contains("inside `NUMBER.with(..)`"), "{message}");

        // The same for a scope future polled inside `with`.
        let panic = catch_unwind(|| {
            NUMBER.with(|_| futures_lite::future::block_on(NUMBER.scope(2, async {})))
        })
        .unwrap_err();
        let message = panic_message(&*panic);
        assert!(message.contains("inside `NUMBER.with(..)`"), "{message}");

        // Nothing was disturbed.
        assert_eq!(NUMBER.get(), 1);
        assert_eq!(NUMBER.sync_scope(4, || NUMBER.get()), 4);
    });
}

#[test]
fn polling_a_finished_scope_panics() {
    let mut scoped = pin!(NUMBER.scope(1, async { NUMBER.get() }));
    assert_eq!(futures_lite::future::block_on(scoped.as_mut()), 1);
    let panic = catch_unwind(AssertUnwindSafe(|| {
        futures_lite::future::block_on(scoped.as_mut())
    }))
    .unwrap_err();
    assert!(panic_message(&*panic).contains("polled after it completed"));
}

#[test]
fn the_value_is_dropped_exactly_once() {
    with_timeout(LIMIT, || {
        let counter = DropCounter::default();
        let tracked = |id| Tracked {
            id,
            _token: counter.token(),
        };

        // A completed scope keeps its value until the future is dropped.
        eddy::run(async {
            let mut scoped = pin!(TRACKED.scope(tracked(1), async {
                yield_now().await;
                tracked_id()
            }));
            assert_eq!(scoped.as_mut().await, Some(1));
            assert_eq!(counter.dropped(), 0);
        });
        assert_eq!(counter.dropped(), 1);

        // A taken value belongs to the caller.
        let taken = eddy::run(async {
            let mut scoped = pin!(TRACKED.scope(tracked(2), async { tracked_id() }));
            assert_eq!(scoped.as_mut().await, Some(2));
            scoped.as_mut().take_value()
        });
        assert_eq!(counter.dropped(), 1);
        assert_eq!(taken.map(|t| t.id), Some(2));
        assert_eq!(counter.dropped(), 2);

        // sync_scope, returning and panicking.
        assert_eq!(TRACKED.sync_scope(tracked(3), tracked_id), Some(3));
        assert_eq!(counter.dropped(), 3);
        silence_expected_panics();
        let _ = catch_unwind(AssertUnwindSafe(|| {
            TRACKED.sync_scope(tracked(4), || std::panic::panic_any(ExpectedPanic(3)))
        }));
        assert_eq!(counter.dropped(), 4);

        // Nested scopes: each value once.
        TRACKED.sync_scope(tracked(5), || {
            TRACKED.sync_scope(tracked(6), || assert_eq!(tracked_id(), Some(6)));
            assert_eq!(counter.dropped(), 5);
            assert_eq!(tracked_id(), Some(5));
        });
        assert_eq!(counter.dropped(), 6);
    });
}

/// Reports, when dropped, the task-local value it sees.
struct ReportOnDrop(mpsc::Sender<Option<u32>>);

impl Drop for ReportOnDrop {
    fn drop(&mut self) {
        let _ = self.0.send(tracked_id());
    }
}

#[test]
fn an_unfinished_scope_drops_its_future_with_the_value_set() {
    with_timeout(LIMIT, || {
        let rt = runtime(2);
        let counter = DropCounter::default();
        let (report_tx, report_rx) = mpsc::channel();
        let (started_tx, started_rx) = oneshot::channel::<()>();
        let value = Tracked {
            id: 7,
            _token: counter.token(),
        };
        let task = rt.spawn(TRACKED.scope(value, async move {
            let _report = ReportOnDrop(report_tx);
            started_tx.send(()).unwrap();
            std::future::pending::<()>().await;
        }));
        rt.block_on(started_rx).unwrap();
        task.abort();
        assert!(rt.block_on(task).unwrap_err().is_cancelled());
        assert_eq!(report_rx.recv().unwrap(), Some(7));
        assert_eq!(counter.dropped(), 1);

        // Without the value (taken out first), the future is dropped with none set.
        let (report_tx, report_rx) = mpsc::channel();
        let value = Tracked {
            id: 8,
            _token: counter.token(),
        };
        let report = ReportOnDrop(report_tx);
        let mut scoped = Box::pin(TRACKED.scope(value, async move {
            let _report = report;
            std::future::pending::<()>().await;
        }));
        assert!(
            futures_lite::future::block_on(futures_lite::future::poll_once(scoped.as_mut()))
                .is_none()
        );
        let taken = scoped.as_mut().take_value();
        drop(scoped);
        assert_eq!(report_rx.recv().unwrap(), None);
        assert_eq!(counter.dropped(), 1);
        drop(taken);
        assert_eq!(counter.dropped(), 2);
    });
}

#[test]
fn a_value_taken_mid_flight_is_gone_for_the_later_polls() {
    with_timeout(LIMIT, || {
        eddy::run(async {
            let mut scoped = pin!(NUMBER.scope(9, async {
                let before = NUMBER.try_with(|n| *n).ok();
                yield_now().await;
                (before, NUMBER.try_with(|n| *n).ok())
            }));
            let mut polls = 0;
            let out = poll_fn(|cx| {
                polls += 1;
                let poll = scoped.as_mut().poll(cx);
                if polls == 1 {
                    assert_eq!(scoped.as_mut().take_value(), Some(9));
                }
                poll
            })
            .await;
            assert_eq!(out, (Some(9), None));
        });
    });
}

#[test]
fn values_need_not_be_send_outside_spawned_tasks() {
    eddy::task_local! {
        static SHARED: Rc<Cell<u32>>;
    }
    let shared = Rc::new(Cell::new(0));
    let rt = runtime(1);
    rt.block_on(SHARED.scope(shared.clone(), async {
        yield_now().await;
        SHARED.with(|s| s.set(s.get() + 1));
    }));
    assert_eq!(shared.get(), 1);
}
