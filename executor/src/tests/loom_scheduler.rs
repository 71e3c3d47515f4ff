//! Loom models of the real scheduler with one worker thread (under loom the worker is a
//! loom thread, and dropping the [`Executor`] joins it): spawns and wakes from foreign
//! threads against parking and shutdown. A lost wakeup shows up as a loom deadlock, a
//! task that is never freed as a leaked `Arc` (every task holds the scheduler's).

use std::sync::Arc as StdArc;

use eddy_test_support::model;

use super::support::{Counters, Signal, Tracked};
use crate::loom::thread;
use crate::park::ThreadPark;
use crate::{block_on, Executor};

fn one_worker() -> Executor {
    Executor::builder().worker_threads(1).build().unwrap()
}

/// One worker on a park hook the test keeps a handle to: the scheduler holds the other
/// one, so a strong count of 1 after shutdown means the scheduler was freed.
fn one_worker_with_park() -> (Executor, StdArc<ThreadPark>) {
    let park = StdArc::new(ThreadPark::new(1));
    let executor = Executor::builder()
        .worker_threads(1)
        .build_with_park(|_| park.clone())
        .unwrap();
    (executor, park)
}

/// A foreign thread spawns while the executor shuts down. The task either runs (and its
/// JoinHandle has the output) or is cancelled unpolled; its future is dropped exactly
/// once, and the handle resolves either way.
#[test]
fn loom_a_spawn_racing_with_shutdown_runs_or_drops_the_future_once() {
    model(|| {
        let (executor, park) = one_worker_with_park();
        let spawner = executor.spawner();
        let (future, counters, _slot) = Tracked::new(Some(1));
        let spawning = thread::spawn(move || spawner.spawn(future));
        drop(executor);
        let join = spawning.join().unwrap();
        match (block_on(join), counters.polls()) {
            (Ok(1), 1) => {}
            (Err(err), 0) => assert!(err.is_cancelled(), "{err}"),
            (other, polls) => panic!("unexpected {other:?} after {polls} polls"),
        }
        assert_eq!(counters.drops(), 1);
        assert_eq!(
            StdArc::strong_count(&park),
            1,
            "the scheduler was not freed"
        );
    });
}

/// The task waits for a signal that the main thread sets while the worker runs the task
/// or parks: the wake goes through the injector and must unpark the worker, so
/// `block_on` on the JoinHandle returns.
#[test]
fn loom_a_task_woken_from_a_foreign_thread_while_the_worker_parks_gets_run() {
    model(|| {
        let executor = one_worker();
        let signal = Signal::new();
        let join = executor.spawner().spawn(signal.wait());
        signal.set();
        block_on(join).unwrap();
        drop(executor);
    });
}

/// `block_on` of a JoinHandle whose task the worker completes meanwhile: the join waker
/// hand-off and the blocking thread's parker together never lose the completion.
#[test]
fn loom_block_on_a_join_handle_returns_the_output() {
    model(|| {
        let executor = one_worker();
        let join = executor.spawner().spawn(async { 7 });
        assert_eq!(block_on(join).unwrap(), 7);
        drop(executor);
    });
}

/// Shutdown while the worker holds spawned tasks in its own queue (it takes the
/// injector's tasks in one batch): every future is dropped once, every handle resolves,
/// and the scheduler is freed (the park hook is its last owner's to drop).
#[test]
fn loom_tasks_in_a_worker_queue_at_shutdown_are_freed() {
    model(|| {
        let (executor, park) = one_worker_with_park();
        let spawner = executor.spawner();
        let (first, first_counters, first_slot) = Tracked::new(None);
        let (second, second_counters, second_slot) = Tracked::new(None);
        let joins = [spawner.spawn(first), spawner.spawn(second)];
        drop(spawner);
        drop(executor);

        for join in joins {
            assert!(block_on(join).unwrap_err().is_cancelled());
        }
        assert_eq!(first_counters.drops(), 1);
        assert_eq!(second_counters.drops(), 1);
        // The wakers they stashed hold the last task references.
        first_slot.clear();
        second_slot.clear();
        assert_eq!(
            StdArc::strong_count(&park),
            1,
            "a task left in a worker's queue keeps the scheduler alive"
        );
    });
}

/// Work made on the worker's own thread: a task yields (to the back of the local
/// queue), spawns a child (local queue) and awaits it (the child's completion wakes it
/// into the LIFO slot), all while the main thread blocks on the parent.
#[test]
fn loom_a_task_that_yields_spawns_and_awaits_a_child_on_the_worker_completes() {
    model(|| {
        let executor = one_worker();
        let spawner = executor.spawner();
        let join = executor.spawner().spawn(async move {
            crate::task::yield_now().await;
            spawner.spawn(async { 20 }).await.unwrap() + 1
        });
        assert_eq!(block_on(join).unwrap(), 21);
        drop(executor);
    });
}

/// Abort from a foreign thread while the worker polls, parks or has not started: the
/// future is dropped exactly once, and the JoinHandle says cancelled.
#[test]
fn loom_abort_from_a_foreign_thread_cancels_a_task_on_the_worker() {
    model(|| {
        let executor = one_worker();
        let (future, counters, slot) = Tracked::new(None);
        let join = executor.spawner().spawn(future);
        join.abort();
        assert!(block_on(join).unwrap_err().is_cancelled());
        assert!(counters.polls() <= 1);
        assert_eq!(counters.drops(), 1);
        slot.clear();
        drop(executor);
    });
}

/// A detached task: its JoinHandle is dropped while the worker completes it. The output
/// is dropped exactly once, by whichever side comes second, and nothing keeps the
/// scheduler alive after shutdown.
#[test]
fn loom_a_join_handle_dropped_while_the_worker_completes_the_task_drops_the_output_once() {
    model(|| {
        let (executor, park) = one_worker_with_park();
        let output = Counters::new();
        let token = output.drop_token();
        drop(executor.spawner().spawn(async move { token }));
        drop(executor);

        assert_eq!(output.drops(), 1);
        assert_eq!(
            StdArc::strong_count(&park),
            1,
            "the scheduler was not freed"
        );
    });
}

/// A wake from a foreign thread racing with shutdown: the woken task lands in the
/// injector just as the workers stop, and must not be left there (it would keep the
/// scheduler alive); its JoinHandle resolves either way.
#[test]
fn loom_a_foreign_wake_racing_with_shutdown_leaves_nothing_behind() {
    model(|| {
        let (executor, park) = one_worker_with_park();
        let signal = Signal::new();
        let join = executor.spawner().spawn(signal.wait());
        let waking = {
            let signal = signal.clone();
            thread::spawn(move || signal.set())
        };
        drop(executor);
        waking.join().unwrap();

        match block_on(join) {
            Ok(()) => {}
            Err(err) => assert!(err.is_cancelled(), "{err}"),
        }
        drop(signal);
        assert_eq!(
            StdArc::strong_count(&park),
            1,
            "the scheduler was not freed"
        );
    });
}

/// `block_in_place` on the worker while the executor shuts down: the task's child (in
/// the LIFO slot) is handed to the injector, and a task the closure spawns goes there too;
/// the hand-off's push-then-check races `begin_shutdown`. Each future runs or is cancelled
/// and is dropped once, every handle resolves, and nothing is left in the injector of a
/// dead scheduler (the scheduler is freed).
#[test]
fn loom_a_block_in_place_hand_off_racing_with_shutdown_leaves_nothing_behind() {
    model(|| {
        let (executor, park) = one_worker_with_park();
        let spawner = executor.spawner();
        let (child, child_counters, _child_slot) = Tracked::new(Some(1));
        let (late, late_counters, _late_slot) = Tracked::new(Some(1));
        let inner = spawner.clone();
        let parent = spawner.spawn(async move {
            let child = inner.spawn(child);
            let late = crate::block_in_place(|| inner.spawn(late));
            (child, late)
        });
        drop(spawner);
        drop(executor);

        if let Ok((child, late)) = block_on(parent) {
            for join in [child, late] {
                match block_on(join) {
                    Ok(1) => {}
                    Err(err) => assert!(err.is_cancelled(), "{err}"),
                    Ok(polls) => panic!("ready after {polls} polls"),
                }
            }
        }
        assert_eq!(child_counters.drops(), 1);
        assert_eq!(late_counters.drops(), 1);
        assert_eq!(
            StdArc::strong_count(&park),
            1,
            "a handed-off task keeps the scheduler alive"
        );
    });
}

/// Two workers; a pair of tasks wakes each other in turn until the LIFO slot's cap sends
/// one of them to the back of the worker's empty queue. No other worker is woken for it
/// then (the worker runs it next itself): whichever worker runs the pair, and whether or
/// not the other stole the second task at its spawn, the pair finishes.
#[test]
fn loom_a_capped_lifo_task_in_an_empty_queue_still_runs() {
    model(|| {
        let executor = Executor::builder().worker_threads(2).build().unwrap();
        let spawner = executor.spawner();
        // Three round trips: the fourth LIFO poll in a row meets the cap.
        let to_b: [Signal; 3] = std::array::from_fn(|_| Signal::new());
        let to_a: [Signal; 3] = std::array::from_fn(|_| Signal::new());
        let (b_waits, b_sets) = (to_b.clone(), to_a.clone());
        let join = spawner.clone().spawn(async move {
            let b = spawner.spawn(async move {
                for (wait, set) in b_waits.iter().zip(&b_sets) {
                    wait.wait().await;
                    set.set();
                }
            });
            for (set, wait) in to_b.iter().zip(&to_a) {
                set.set();
                wait.wait().await;
            }
            b.await.unwrap();
        });
        block_on(join).unwrap();
        drop(executor);
    });
}
