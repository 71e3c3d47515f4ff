//! Loom models of the real scheduler with one worker thread (under loom the worker is a
//! loom thread, and dropping the [`Executor`] joins it): spawns and wakes from foreign
//! threads against parking and shutdown. A lost wakeup shows up as a loom deadlock, a
//! task that is never freed as a leaked `Arc` (every task holds the scheduler's).

use std::sync::Arc as StdArc;

use super::support::{model, Signal, Tracked};
use crate::loom::thread;
use crate::park::ThreadPark;
use crate::{block_on, Executor};

fn one_worker() -> Executor {
    Executor::builder().worker_threads(1).build().unwrap()
}

/// A foreign thread spawns while the executor shuts down. The task either runs (and its
/// JoinHandle has the output) or is cancelled unpolled; its future is dropped exactly
/// once, and the handle resolves either way.
#[test]
fn loom_a_spawn_racing_with_shutdown_runs_or_drops_the_future_once() {
    model(|| {
        let executor = one_worker();
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
        let park = StdArc::new(ThreadPark::new(1));
        let executor = Executor::builder()
            .worker_threads(1)
            .build_with_park(|_| park.clone())
            .unwrap();
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
