//! The door from a pool task to its pool (CONTRIBUTING.md, rule 2: tasks know only `Schedule`).

use crate::task::{Notified, Schedule, Task};

/// A pool task's scheduler: nothing at all.
///
/// The pool submits a job itself (`Shared::submit`), and after that the task never asks
/// its scheduler for anything: the job's future returns `Ready` on its first poll, so the
/// task is never woken or yields (no waker escapes: the closure never sees the
/// `Context`), and abort cancels in place (`ABORT_IN_PLACE`). So the task holds no
/// reference to the pool — no `Arc` increment and decrement per job on the cache line of
/// the pool's lock, and 8 bytes less per task.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Scheduler;

impl Schedule for Scheduler {
    /// Unreachable for the reasons above. Were it reached, the task is cancelled rather
    /// than lost: its JoinHandle reports it, nobody hangs.
    fn schedule(&self, task: Notified<Self>) {
        debug_assert!(false, "a blocking job was woken: {task:?}");
        task.shutdown();
    }

    /// Pool tasks are in no owned-task list: the queue reaches every unstarted one.
    fn release(&self, _task: &Task<Self>) -> Option<Task<Self>> {
        None
    }

    const ABORT_IN_PLACE: bool = true;
}
