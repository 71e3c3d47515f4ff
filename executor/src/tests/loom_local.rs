//! Loom models of a `LocalSet` (its owner thread is the model's main thread): wakes and
//! aborts from another thread against the set going idle, and the set's drop against a
//! waker held elsewhere. A lost wakeup shows up as a loom deadlock (the owner parks in
//! `block_on` for ever); a task or set never freed as a leaked loom `Arc` (each task
//! holds the set's shared part).

use eddy_test_support::model;

use super::support::{Signal, Tracked};
use crate::block_on;
use crate::local::LocalSet;
use crate::loom::thread;
use crate::task::yield_now;

/// The task waits for a signal that another thread sets while the set runs it, goes
/// idle (stores its waker under the shared queue's lock) or parks: the wake goes to the
/// shared queue and must wake the set, so `run_until` returns.
#[test]
fn loom_a_wake_from_another_thread_racing_the_set_going_idle_is_not_lost() {
    model(|| {
        let local = LocalSet::new();
        let signal = Signal::new();
        let join = local.spawn_local(signal.wait());
        let setter = {
            let signal = signal.clone();
            thread::spawn(move || signal.set())
        };
        block_on(local.run_until(join)).unwrap();
        setter.join().unwrap();
    });
}

/// The same race with the set driven as a future: it must not complete while its task
/// waits, nor sleep through the wake.
#[test]
fn loom_a_set_awaited_as_a_future_is_woken_from_another_thread() {
    model(|| {
        let local = LocalSet::new();
        let signal = Signal::new();
        let join = local.spawn_local(signal.wait());
        let setter = {
            let signal = signal.clone();
            thread::spawn(move || signal.set())
        };
        block_on(local);
        assert!(join.is_finished());
        block_on(join).unwrap();
        setter.join().unwrap();
    });
}

/// Abort from another thread while the set polls the task, has it idle, or has not
/// started it: the future is dropped exactly once (by the set, on this thread), and the
/// JoinHandle says cancelled.
#[test]
fn loom_abort_from_another_thread_while_the_set_runs_cancels_the_task() {
    model(|| {
        let local = LocalSet::new();
        let (future, counters, slot) = Tracked::new(None);
        let join = local.spawn_local(future);
        let abort = join.abort_handle();
        let aborter = thread::spawn(move || abort.abort());
        let err = block_on(local.run_until(join)).unwrap_err();
        assert!(err.is_cancelled(), "{err}");
        aborter.join().unwrap();
        assert!(counters.polls() <= 1);
        assert_eq!(counters.drops(), 1);
        slot.clear();
    });
}

/// The set is dropped while another thread wakes (and drops) a waker of its idle task:
/// the wake lands in the shared queue before it closes (and the drop releases it), or
/// finds it closed, or finds the task complete. The future is dropped once, the handle
/// reports cancellation, and every task reference is released (no leaked `Arc`).
#[test]
fn loom_dropping_the_set_while_another_thread_holds_a_waker_leaks_nothing() {
    model(|| {
        let local = LocalSet::new();
        let (future, counters, slot) = Tracked::new(None);
        let join = local.spawn_local(future);
        block_on(local.run_until(yield_now())); // the task runs once and waits
        let waker = slot.get();
        slot.clear();
        let waking = thread::spawn(move || waker.wake());
        drop(local);
        waking.join().unwrap();
        assert_eq!(counters.polls(), 1);
        assert_eq!(counters.drops(), 1);
        assert!(block_on(join).unwrap_err().is_cancelled());
    });
}
