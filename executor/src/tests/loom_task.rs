//! Loom models of the task protocols (`task/mod.rs`, protocols 1-6) on the do-nothing
//! [`TestScheduler`]: two threads race one transition each, then the main thread drains
//! the queue and checks what must hold in every interleaving.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use eddy_test_support::model;

use super::support::{
    poll_join, Counters, DropToken, TestScheduler, Tracked, WakeCounter, WakerSlot,
};
use crate::loom::atomic::{AtomicBool, Ordering::Relaxed};
use crate::loom::thread;
use crate::loom::Arc;
use crate::task::JoinHandle;

/// A [`Tracked`] future (pending forever) that records whether a poll began after the
/// racing thread raised `woken`.
struct SeesWake {
    inner: Tracked,
    woken: Arc<AtomicBool>,
    seen: Arc<AtomicBool>,
}

impl Future for SeesWake {
    type Output = usize;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        // Relaxed on purpose: only the task's own hand-off (the waker's CAS, then
        // `transition_to_running`) may make the racing thread's store visible here.
        if self.woken.load(Relaxed) {
            self.seen.store(true, Relaxed);
        }
        Pin::new(&mut self.inner).poll(cx)
    }
}

/// A task that was polled once (its waker is in the slot) and then woken again, so it is
/// queued: the next `run_one` polls it.
struct Queued {
    sched: TestScheduler,
    join: JoinHandle<usize>,
    counters: Counters,
    slot: WakerSlot,
}

fn spawn_queued(
    future: impl Future<Output = usize> + Send + 'static,
    counters: Counters,
    slot: WakerSlot,
) -> Queued {
    let sched = TestScheduler::new();
    let join = sched.spawn(future);
    assert!(sched.run_one());
    slot.get().wake_by_ref();
    assert_eq!(sched.queued(), 1);
    Queued {
        sched,
        join,
        counters,
        slot,
    }
}

/// A thread wakes the task (with `wake`) while the main thread polls it (and, with
/// `second_runner`, the waking thread runs the queue too). Whatever the order, a poll
/// begins after the wake, and no two polls overlap (`Tracked` asserts that).
fn wake_racing_with_a_poll(wake: fn(Waker), second_runner: bool) {
    model(move || {
        let (inner, counters, slot) = Tracked::new(None);
        let woken = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(AtomicBool::new(false));
        let future = SeesWake {
            inner,
            woken: woken.clone(),
            seen: seen.clone(),
        };
        let task = spawn_queued(future, counters, slot);
        let waker = task.slot.get();
        let sched = task.sched.clone();
        let waking = thread::spawn(move || {
            woken.store(true, Relaxed);
            wake(waker);
            if second_runner {
                sched.run_until_idle();
            }
        });
        task.sched.run_one();
        waking.join().unwrap();
        task.sched.run_until_idle();

        assert!(
            seen.load(Relaxed),
            "a wake was lost: no poll began after it"
        );
        assert!((2..=3).contains(&task.counters.polls()));
        drop(task.join);
        task.slot.clear();
        task.sched.shutdown();
        assert_eq!(task.counters.drops(), 1);
        assert!(task.sched.owns_no_tasks());
        assert!(task.sched.is_last_handle(), "the task was not freed");
    });
}

#[test]
fn loom_a_wake_by_value_racing_with_a_poll_is_never_lost() {
    wake_racing_with_a_poll(Waker::wake, false);
}

#[test]
fn loom_a_wake_by_ref_racing_with_a_poll_is_never_lost() {
    wake_racing_with_a_poll(|waker| waker.wake_by_ref(), false);
}

#[test]
fn loom_two_threads_running_a_woken_task_never_poll_it_at_once() {
    wake_racing_with_a_poll(Waker::wake, true);
}

/// A task whose future is ready at once with an output whose drop is counted; the
/// future's own drop is counted too.
fn spawn_with_output(sched: &TestScheduler) -> (JoinHandle<DropToken>, Counters, Counters) {
    let (future_counters, output_counters) = (Counters::new(), Counters::new());
    let (probe, output) = (future_counters.drop_token(), output_counters.drop_token());
    let join = sched.spawn(async move {
        let _probe = probe;
        output
    });
    (join, future_counters, output_counters)
}

/// Protocols 2 and 4: the JoinHandle is dropped while the task completes. The output is
/// dropped exactly once (by whichever side comes second), the join waker (if one was
/// registered) is released, and the task is freed (loom reports a leaked scheduler
/// otherwise).
fn drop_join_handle_racing_with_completion(register_waker: bool) {
    model(move || {
        let sched = TestScheduler::new();
        let (mut join, future_counters, output_counters) = spawn_with_output(&sched);
        let join_waker = WakeCounter::new();
        if register_waker {
            let waker = Waker::from(join_waker.clone());
            assert!(poll_join(&mut join, &waker).is_pending());
        }
        let runner = {
            let sched = sched.clone();
            thread::spawn(move || assert!(sched.run_one()))
        };
        drop(join);
        runner.join().unwrap();

        assert_eq!(future_counters.drops(), 1);
        assert_eq!(
            output_counters.drops(),
            1,
            "the output must be dropped exactly once"
        );
        assert!(join_waker.wakes() <= 1);
        assert_eq!(
            std::sync::Arc::strong_count(&join_waker),
            1,
            "the join waker must be dropped by the task"
        );
        assert!(sched.owns_no_tasks());
        assert_eq!(sched.queued(), 0);
        assert!(sched.is_last_handle(), "the task was not freed");
    });
}

/// Protocols 2 and 4 with a panicking task: the JoinHandle is dropped while the task
/// panics on another thread. Whichever side owns the unread output reports the panic
/// (`Schedule::unhandled_panic`), so it is reported exactly once in every interleaving.
#[test]
fn loom_a_panic_unread_because_the_join_handle_went_is_reported_exactly_once() {
    model(|| {
        let sched = TestScheduler::new();
        // `resume_unwind` panics without running the panic hook: no output per iteration.
        let join = sched.spawn(async { std::panic::resume_unwind(Box::new("lost")) });
        let id = join.id();
        let runner = {
            let sched = sched.clone();
            thread::spawn(move || assert!(sched.run_one()))
        };
        drop(join);
        runner.join().unwrap();
        assert_eq!(sched.unhandled_panics(), [id], "reported exactly once");
        assert!(sched.owns_no_tasks());
        assert!(sched.is_last_handle(), "the task was not freed");
    });
}

/// The last references race: another thread wakes (by value) or drops a waker while the
/// main thread runs the task to completion and drops the JoinHandle. Whoever drops the
/// last reference frees the task, once, after everyone else is done with it.
fn last_references_race(wake: bool) {
    model(move || {
        let (future, counters, slot) = Tracked::new(Some(2));
        let task = spawn_queued(future, counters, slot);
        let waker = task.slot.get();
        task.slot.clear();
        let other = thread::spawn(move || {
            if wake {
                waker.wake();
            } else {
                drop(waker);
            }
        });
        assert!(task.sched.run_one(), "the second poll completes the task");
        drop(task.join);
        other.join().unwrap();
        task.sched.run_until_idle();

        assert_eq!(task.counters.polls(), 2);
        assert_eq!(task.counters.drops(), 1);
        assert!(task.sched.owns_no_tasks());
        assert_eq!(task.sched.queued(), 0);
        assert!(task.sched.is_last_handle(), "the task was not freed");
    });
}

#[test]
fn loom_a_waker_woken_on_another_thread_as_the_join_handle_goes_frees_the_task_once() {
    last_references_race(true);
}

#[test]
fn loom_a_waker_dropped_on_another_thread_as_the_join_handle_goes_frees_the_task_once() {
    last_references_race(false);
}

#[test]
fn loom_dropping_the_join_handle_while_the_task_completes_drops_the_output_once() {
    drop_join_handle_racing_with_completion(false);
}

#[test]
fn loom_dropping_a_waiting_join_handle_while_the_task_completes_drops_output_and_waker_once() {
    drop_join_handle_racing_with_completion(true);
}

/// Protocol 5 against protocol 1: abort from another thread while the main thread runs
/// the task (queued, running, or idle after its poll). The future is dropped exactly once
/// and the JoinHandle reports cancellation.
#[test]
fn loom_abort_racing_with_a_poll_drops_the_future_once() {
    model(|| {
        let sched = TestScheduler::new();
        let (future, counters, slot) = Tracked::new(None);
        let join = sched.spawn(future);
        let abort = join.abort_handle();
        let aborting = thread::spawn(move || abort.abort());
        sched.run_one();
        aborting.join().unwrap();
        sched.run_until_idle();

        assert!(counters.polls() <= 1);
        assert_eq!(counters.drops(), 1);
        assert_cancelled_and_freed(join, &slot, &sched);
    });
}

/// Abort racing with the poll that completes the task: a task whose poll ran keeps its
/// output; otherwise the future was dropped unpolled. Either way exactly once.
#[test]
fn loom_abort_racing_with_completion_keeps_the_output_of_a_poll_that_ran() {
    model(|| {
        let sched = TestScheduler::new();
        let (future, counters, _slot) = Tracked::new(Some(1));
        let mut join = sched.spawn(future);
        let abort = join.abort_handle();
        let aborting = thread::spawn(move || abort.abort());
        sched.run_one();
        aborting.join().unwrap();
        sched.run_until_idle();

        assert_eq!(counters.drops(), 1);
        let waker = Waker::from(WakeCounter::new());
        match (poll_join(&mut join, &waker), counters.polls()) {
            (Poll::Ready(Ok(1)), 1) => {}
            (Poll::Ready(Err(err)), 0) => assert!(err.is_cancelled()),
            (other, polls) => panic!("unexpected {other:?} after {polls} polls"),
        }
        drop(join);
        assert!(sched.owns_no_tasks());
        assert!(sched.is_last_handle(), "the task was not freed");
    });
}

/// Abort and wake of an idle task from two threads: both may want to queue it, but it
/// is queued at most once, its future is dropped exactly once, and it ends cancelled.
#[test]
fn loom_abort_racing_with_a_wake_of_an_idle_task_drops_the_future_once() {
    model(|| {
        let sched = TestScheduler::new();
        let (future, counters, slot) = Tracked::new(None);
        let join = sched.spawn(future);
        assert!(sched.run_one());
        let abort = join.abort_handle();
        let aborting = thread::spawn(move || abort.abort());
        slot.get().wake();
        sched.run_until_idle();
        aborting.join().unwrap();
        assert!(sched.queued() <= 1, "a task is queued at most once");
        sched.run_until_idle();

        assert!((1..=2).contains(&counters.polls()));
        assert_eq!(counters.drops(), 1);
        assert_cancelled_and_freed(join, &slot, &sched);
    });
}

/// Protocol 3 against protocol 2: the JoinHandle registers its waker (and, with
/// `replace`, replaces it by a second one) while another thread completes the task.
/// The handle either sees the output, or the last waker it registered is woken.
fn join_waker_racing_with_completion(replace: bool) {
    model(move || {
        let sched = TestScheduler::new();
        let (future, counters, _slot) = Tracked::new(Some(1));
        let mut join = sched.spawn(future);
        let runner = {
            let sched = sched.clone();
            thread::spawn(move || assert!(sched.run_one()))
        };
        let first = WakeCounter::new();
        let second = WakeCounter::new();
        let mut last = &first;
        let mut result = poll_join(&mut join, &Waker::from(first.clone()));
        if replace && result.is_pending() {
            last = &second;
            result = poll_join(&mut join, &Waker::from(second.clone()));
        }
        runner.join().unwrap();
        if result.is_pending() {
            assert_eq!(
                last.wakes(),
                1,
                "the JoinHandle was neither woken nor ready"
            );
            result = poll_join(&mut join, &Waker::from(WakeCounter::new()));
        }
        match result {
            Poll::Ready(Ok(1)) => {}
            other => panic!("expected the output, got {other:?}"),
        }
        assert_eq!(counters.drops(), 1);
        drop(join);
        assert_eq!(std::sync::Arc::strong_count(&first), 1);
        assert_eq!(std::sync::Arc::strong_count(&second), 1);
        assert!(sched.owns_no_tasks());
        assert!(sched.is_last_handle(), "the task was not freed");
    });
}

#[test]
fn loom_the_join_handle_is_woken_or_sees_the_output() {
    join_waker_racing_with_completion(false);
}

#[test]
fn loom_a_replaced_join_waker_is_woken_or_the_output_is_seen() {
    join_waker_racing_with_completion(true);
}

/// Protocol 6 against a wake: the scheduler shuts down while another thread wakes an
/// idle task. The future is dropped once, never polled again, and the queue entry the
/// wake may have made is harmless.
#[test]
fn loom_shutdown_racing_with_a_wake_drops_the_future_once() {
    model(|| {
        let sched = TestScheduler::new();
        let (future, counters, slot) = Tracked::new(None);
        let join = sched.spawn(future);
        assert!(sched.run_one());
        let waker = slot.get();
        let waking = thread::spawn(move || waker.wake());
        sched.shutdown();
        waking.join().unwrap();
        sched.run_until_idle();

        assert_eq!(counters.polls(), 1);
        assert_eq!(counters.drops(), 1);
        assert_cancelled_and_freed(join, &slot, &sched);
    });
}

/// Protocol 6 against protocol 1: shutdown while another thread polls the task. The
/// running thread drops the future when its poll ends (or shutdown does, if the task
/// was still idle); exactly once either way.
#[test]
fn loom_shutdown_racing_with_a_poll_drops_the_future_once() {
    model(|| {
        let sched = TestScheduler::new();
        let (future, counters, slot) = Tracked::new(None);
        let join = sched.spawn(future);
        let runner = {
            let sched = sched.clone();
            thread::spawn(move || {
                sched.run_one();
            })
        };
        sched.shutdown();
        runner.join().unwrap();
        sched.run_until_idle();

        assert!(counters.polls() <= 1);
        assert_eq!(counters.drops(), 1);
        assert_cancelled_and_freed(join, &slot, &sched);
    });
}

/// The end of every abort model: the JoinHandle reports a cancellation, and once it and
/// the stashed waker are gone the task is freed and the scheduler owns nothing.
fn assert_cancelled_and_freed<T: std::fmt::Debug>(
    mut join: JoinHandle<T>,
    slot: &WakerSlot,
    sched: &TestScheduler,
) {
    let waker = Waker::from(WakeCounter::new());
    match poll_join(&mut join, &waker) {
        Poll::Ready(Err(err)) => assert!(err.is_cancelled()),
        other => panic!("expected a cancellation, got {other:?}"),
    }
    drop(join);
    slot.clear();
    assert!(sched.owns_no_tasks());
    assert!(sched.is_last_handle(), "the task was not freed");
}
