//! The task state machine driven by hand on the do-nothing scheduler.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use super::support::{TestScheduler, Tracked};
use crate::task::{self, JoinHandle};

/// Polls a JoinHandle once with a waker that records whether it was woken.
fn poll_join<T>(handle: &mut JoinHandle<T>, flag: &Arc<Flag>) -> Poll<Result<T, task::JoinError>> {
    let waker = Waker::from(flag.clone());
    let mut cx = Context::from_waker(&waker);
    pin!(handle).poll(&mut cx)
}

#[derive(Default)]
struct Flag(AtomicBool);

impl Flag {
    fn take(&self) -> bool {
        self.0.swap(false, Ordering::SeqCst)
    }
}

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[test]
fn task_is_at_most_128_bytes() {
    fn size_of_task<F: Future>(_: &F) -> usize {
        task::allocation_size::<F, crate::scheduler::SchedulerHandle>()
    }
    let size = size_of_task(&async {});
    println!("an `async {{}}` task allocates {size} bytes");
    assert!(size <= 128, "an idle `async {{}}` task takes {size} bytes");
    // A small future that captures a couple of words still fits.
    let (a, b) = (1u64, 2u64);
    let size = size_of_task(&async move { a + b });
    assert!(size <= 128, "a two-word future's task takes {size} bytes");
}

/// The parts of a task parked on a one-word future (a oneshot receiver, say) whose
/// output is a word: what the bytes per idle task are made of (docs/benchmarks.md).
#[test]
fn task_layout_of_a_parked_one_word_future() {
    use std::future::poll_fn;
    let word = Box::new(5u64);
    let future = async move {
        poll_fn(|_| Poll::<()>::Pending).await;
        *word
    };
    fn parts<F: Future>(_: &F) -> [usize; 5] {
        task::layout::<F, crate::scheduler::SchedulerHandle>()
    }
    let [header, trailer, core, stage, cell] = parts(&future);
    println!(
        "header {header}, trailer {trailer}, core {core} (stage {stage}, future {}, \
         output {}), cell {cell}",
        std::mem::size_of_val(&future),
        std::mem::size_of::<Result<u64, task::JoinError>>(),
    );
    assert_eq!(header, 48, "state, vtable, owned links, id, origin");
    assert_eq!(trailer, 16, "the join waker");
    // glibc gives a request of n bytes a chunk of n + 8 rounded up to 16: 104 bytes is
    // the most a 112-byte chunk holds, 88 the most a 96-byte one does.
    assert!(
        cell <= 96,
        "a parked one-word future's task takes {cell} bytes"
    );
    // The error is boxed, so a task whose output is `()` or one word pays one word for
    // the result beside its future (a panic or a cancellation pays the allocation).
    assert_eq!(std::mem::size_of::<Result<(), task::JoinError>>(), 8);
}

/// A task's origin is one word: the location alone, or a `Meta` box (name, debug stats)
/// that holds it too. Both give the location back; the box is freed with the origin.
#[test]
fn origin_keeps_the_location_with_or_without_a_meta() {
    let here = std::panic::Location::caller();
    let plain = task::Origin::new(here, None, false);
    assert!(plain.meta().is_none());
    assert_eq!(plain.location(), here);
    let named = task::Origin::new(here, Some("db-writer"), false);
    assert_eq!(named.location(), here);
    assert_eq!(named.meta().unwrap().name.as_deref(), Some("db-writer"));
    assert_eq!(named.meta().unwrap().polls(), None);
    let debug = task::Origin::new(here, None, true);
    assert_eq!(debug.location(), here);
    debug.meta().unwrap().record_poll();
    assert_eq!(debug.meta().unwrap().polls(), Some(1));
    assert_eq!(std::mem::size_of::<task::Origin>(), 8);
}

#[test]
fn spawned_task_runs_and_delivers_output() {
    let sched = TestScheduler::new();
    let mut handle = sched.spawn(async { 7 });
    let flag = Arc::new(Flag::default());
    assert!(poll_join(&mut handle, &flag).is_pending());
    assert_eq!(sched.run_until_idle(), 1);
    assert!(flag.take(), "completion wakes the JoinHandle");
    assert!(handle.is_finished());
    match poll_join(&mut handle, &flag) {
        Poll::Ready(Ok(7)) => {}
        other => panic!("expected Ready(Ok(7)), got {other:?}"),
    }
    assert!(sched.owns_no_tasks());
}

#[test]
fn a_panicking_task_reports_the_panic_and_the_scheduler_goes_on() {
    let sched = TestScheduler::new();
    let mut bad = sched.spawn(async { panic!("boom") });
    let mut good = sched.spawn(async { 1 });
    assert_eq!(sched.run_until_idle(), 2);
    let flag = Arc::new(Flag::default());
    match poll_join(&mut bad, &flag) {
        Poll::Ready(Err(err)) => {
            assert!(err.is_panic());
            assert!(err.to_string().contains("boom"), "{err}");
            assert_eq!(*err.into_panic().downcast::<&str>().unwrap(), "boom");
        }
        other => panic!("expected a panic error, got {other:?}"),
    }
    assert!(matches!(poll_join(&mut good, &flag), Poll::Ready(Ok(1))));
}

#[test]
#[allow(clippy::waker_clone_wake)] // waking a clone by value is one of the paths under test
fn wake_after_pending_queues_the_task_once() {
    let sched = TestScheduler::new();
    let (future, counters, waker) = Tracked::new(Some(2));
    let _handle = sched.spawn(future);
    sched.run_until_idle();
    assert_eq!(counters.polls(), 1);
    let w = waker.get();
    w.wake_by_ref();
    w.wake_by_ref();
    w.clone().wake();
    assert_eq!(
        sched.queued(),
        1,
        "three wakes of an idle task queue it once"
    );
    sched.run_until_idle();
    assert_eq!(counters.polls(), 2);
    assert_eq!(counters.drops(), 1);
    w.wake();
    assert_eq!(sched.queued(), 0, "waking a finished task does nothing");
    waker.clear();
    assert!(sched.owns_no_tasks());
}

#[test]
fn a_self_wake_during_poll_requeues_behind_others() {
    let sched = TestScheduler::new();
    let _a = sched.spawn(task::yield_now());
    let (b, b_counters, _w) = Tracked::new(None);
    let _b = sched.spawn(b);
    assert!(sched.run_one()); // a yields: back of the queue, behind b
    assert_eq!(sched.queued(), 2);
    assert!(sched.run_one()); // b
    assert_eq!(b_counters.polls(), 1);
    assert!(sched.run_one()); // a completes
    assert_eq!(sched.queued(), 0);
    // b is still pending: shut down, or it and the scheduler keep each other alive.
    sched.shutdown();
    assert_eq!(b_counters.drops(), 1);
}

#[test]
fn abort_an_idle_task_drops_its_future_when_the_scheduler_runs_it() {
    let sched = TestScheduler::new();
    let (future, counters, _waker) = Tracked::new(None);
    let mut handle = sched.spawn(future);
    sched.run_until_idle();
    assert_eq!(counters.polls(), 1);
    handle.abort();
    assert_eq!(
        counters.drops(),
        0,
        "the future is dropped by the scheduler, not by abort"
    );
    assert_eq!(sched.queued(), 1, "abort queues the idle task");
    sched.run_until_idle();
    assert_eq!(counters.polls(), 1, "an aborted task is not polled again");
    assert_eq!(counters.drops(), 1);
    let flag = Arc::new(Flag::default());
    match poll_join(&mut handle, &flag) {
        Poll::Ready(Err(err)) => assert!(err.is_cancelled(), "{err}"),
        other => panic!("expected cancellation, got {other:?}"),
    }
}

#[test]
fn abort_a_queued_task_never_polls_it() {
    let sched = TestScheduler::new();
    let (future, counters, _waker) = Tracked::new(None);
    let handle = sched.spawn(future);
    handle.abort();
    handle.abort();
    assert_eq!(sched.queued(), 1);
    sched.run_until_idle();
    assert_eq!(counters.polls(), 0);
    assert_eq!(counters.drops(), 1);
    assert!(handle.is_finished());
}

#[test]
fn abort_while_running_drops_the_future_after_the_poll() {
    let sched = TestScheduler::new();
    let slot: Arc<std::sync::Mutex<Option<crate::task::AbortHandle>>> = Arc::default();
    let inner = slot.clone();
    let (tracked, counters, _waker) = Tracked::new(None);
    let handle = sched.spawn(async move {
        let abort = inner.lock().unwrap().take().unwrap();
        abort.abort(); // abort ourselves, mid-poll
        tracked.await
    });
    *slot.lock().unwrap() = Some(handle.abort_handle());
    sched.run_until_idle();
    assert_eq!(counters.polls(), 1, "the poll in progress finishes");
    assert_eq!(counters.drops(), 1, "then the future is dropped");
    assert!(handle.is_finished());
}

#[test]
fn abort_a_finished_task_keeps_its_output() {
    let sched = TestScheduler::new();
    let mut handle = sched.spawn(async { "kept" });
    sched.run_until_idle();
    handle.abort();
    assert_eq!(sched.queued(), 0);
    let flag = Arc::new(Flag::default());
    assert!(matches!(
        poll_join(&mut handle, &flag),
        Poll::Ready(Ok("kept"))
    ));
}

#[test]
fn dropping_the_join_handle_detaches_and_the_output_is_dropped() {
    let sched = TestScheduler::new();
    let (probe, counters, _w) = Tracked::new(None);
    // The output holds a Tracked: its drop is counted.
    let handle = sched.spawn(async move { Some(probe) });
    drop(handle);
    sched.run_until_idle();
    assert_eq!(
        counters.drops(),
        1,
        "a detached task's output is dropped on completion"
    );
    assert!(sched.owns_no_tasks());

    let (probe, counters, _w) = Tracked::new(None);
    let handle = sched.spawn(async move { Some(probe) });
    sched.run_until_idle();
    assert_eq!(counters.drops(), 0, "the output waits for its JoinHandle");
    drop(handle);
    assert_eq!(
        counters.drops(),
        1,
        "dropping the JoinHandle drops the unread output"
    );
}

#[test]
fn the_join_waker_can_be_replaced_and_the_latest_is_woken() {
    let sched = TestScheduler::new();
    let (future, _counters, waker) = Tracked::new(Some(2));
    let mut handle = sched.spawn(future);
    let first = Arc::new(Flag::default());
    let second = Arc::new(Flag::default());
    assert!(poll_join(&mut handle, &first).is_pending());
    assert!(poll_join(&mut handle, &second).is_pending());
    sched.run_until_idle();
    waker.get().wake();
    sched.run_until_idle();
    assert!(!first.take(), "the replaced waker is not woken");
    assert!(second.take(), "the latest waker is woken");
    assert!(matches!(
        poll_join(&mut handle, &second),
        Poll::Ready(Ok(2))
    ));
}

#[test]
fn a_future_that_panics_in_drop_is_reported_not_propagated() {
    struct PanicOnDrop;
    impl Drop for PanicOnDrop {
        fn drop(&mut self) {
            panic!("drop panic");
        }
    }
    let sched = TestScheduler::new();
    let guard = PanicOnDrop;
    let mut handle = sched.spawn(async move {
        let _guard = guard;
        std::future::pending::<()>().await;
    });
    sched.run_until_idle();
    handle.abort();
    sched.run_until_idle();
    let flag = Arc::new(Flag::default());
    match poll_join(&mut handle, &flag) {
        Poll::Ready(Err(err)) => assert!(err.is_panic(), "{err}"),
        other => panic!("expected the drop panic, got {other:?}"),
    }
}

#[test]
fn shutdown_drops_idle_and_queued_futures_once() {
    let sched = TestScheduler::new();
    let (idle, idle_counters, idle_waker) = Tracked::new(None);
    let (queued, queued_counters, _w) = Tracked::new(None);
    let idle_handle = sched.spawn(idle);
    sched.run_until_idle();
    let queued_handle = sched.spawn(queued);
    sched.shutdown();
    assert_eq!(idle_counters.drops(), 1);
    assert_eq!(queued_counters.drops(), 1);
    assert_eq!(queued_counters.polls(), 0);
    assert!(idle_handle.is_finished() && queued_handle.is_finished());
    // A waker that outlives shutdown is harmless.
    idle_waker.get().wake();
    assert_eq!(sched.queued(), 0);
    // Spawning after shutdown cancels at once.
    let (late, late_counters, _w) = Tracked::new(None);
    let late_handle = sched.spawn(late);
    assert_eq!(late_counters.drops(), 1);
    assert!(late_handle.is_finished());
    assert!(sched.owns_no_tasks());
}

#[test]
fn join_error_display_says_what_happened() {
    let sched = TestScheduler::new();
    let mut cancelled = sched.spawn(std::future::pending::<()>());
    cancelled.abort();
    let mut panicked = sched.spawn(async { panic!("{}", String::from("owned message")) });
    sched.run_until_idle();
    let flag = Arc::new(Flag::default());
    let Poll::Ready(Err(err)) = poll_join(&mut cancelled, &flag) else {
        panic!("expected an error")
    };
    assert!(err.to_string().contains("was cancelled"), "{err}");
    assert!(err.is_cancelled() && !err.is_panic());
    let err = err.try_into_panic().unwrap_err();
    assert!(format!("{err:?}").contains("Cancelled"));
    let Poll::Ready(Err(err)) = poll_join(&mut panicked, &flag) else {
        panic!("expected an error")
    };
    assert!(
        err.to_string()
            .contains("panicked with message \"owned message\""),
        "{err}"
    );
    let io: std::io::Error = err.into();
    assert!(io.to_string().contains("owned message"));
}

#[test]
fn panics_in_the_futures_and_the_outputs_destructors_stay_contained() {
    #[derive(Debug)]
    struct PanicOnDrop(&'static str);
    impl Drop for PanicOnDrop {
        fn drop(&mut self) {
            panic!("{}", self.0);
        }
    }
    let sched = TestScheduler::new();
    let guard = PanicOnDrop("future drop");
    // Ready with an output that panics on drop, from a future that panics on drop.
    let mut handle = sched.spawn(async move {
        let _guard = guard;
        PanicOnDrop("output drop")
    });
    assert_eq!(sched.run_until_idle(), 1, "the panics do not escape `run`");
    let flag = Arc::new(Flag::default());
    match poll_join(&mut handle, &flag) {
        Poll::Ready(Err(err)) => assert!(err.to_string().contains("future drop"), "{err}"),
        other => panic!("expected the future's drop panic, got {other:?}"),
    }
    // A detached task whose output panics on drop.
    drop(sched.spawn(async { PanicOnDrop("detached output drop") }));
    assert_eq!(sched.run_until_idle(), 1);
    assert!(sched.owns_no_tasks());
}

#[test]
fn a_panicking_join_waker_does_not_break_the_hand_off() {
    struct PanicWake;
    impl Wake for PanicWake {
        fn wake(self: Arc<Self>) {
            panic!("join waker panics");
        }
    }
    let sched = TestScheduler::new();
    let (future, _counters, waker) = Tracked::new(Some(2));
    let mut handle = sched.spawn(future);
    let panicky = Waker::from(Arc::new(PanicWake));
    assert!(pin!(&mut handle)
        .poll(&mut Context::from_waker(&panicky))
        .is_pending());
    sched.run_until_idle();
    waker.get().wake();
    sched.run_until_idle(); // completes; waking the JoinHandle panics, contained
    assert!(handle.is_finished());
    drop(handle); // the waker's slot is released and dropped without trouble
    assert!(sched.owns_no_tasks());
}

/// A queue-only scheduler whose aborts cancel in place (the blocking pool's choice), with
/// no owned-task list.
#[derive(Clone)]
struct InPlace(Arc<std::sync::Mutex<std::collections::VecDeque<task::Notified<InPlace>>>>);

impl task::Schedule for InPlace {
    fn schedule(&self, task: task::Notified<Self>) {
        self.0.lock().unwrap().push_back(task);
    }

    fn release(&self, _task: &task::Task<Self>) -> Option<task::Task<Self>> {
        None
    }

    const ABORT_IN_PLACE: bool = true;
}

impl InPlace {
    fn spawn<F: Future<Output = usize> + Send + 'static>(&self, f: F) -> JoinHandle<usize> {
        let (owned, notified, join) = task::new_task(
            f,
            self.clone(),
            task::Id::next(),
            task::SpawnMeta::caller(),
            false,
        );
        drop(owned);
        self.schedule_now(notified);
        join
    }

    fn schedule_now(&self, notified: task::Notified<Self>) {
        task::Schedule::schedule(self, notified);
    }

    fn run_all(&self) -> usize {
        let mut ran = 0;
        loop {
            let next = self.0.lock().unwrap().pop_front();
            let Some(task) = next else { return ran };
            task.run();
            ran += 1;
        }
    }
}

#[test]
fn abort_in_place_cancels_a_queued_task_on_the_aborting_thread() {
    let sched = InPlace(Default::default());
    let (future, counters, _slot) = Tracked::new(Some(1));
    let mut handle = sched.spawn(future);
    handle.abort();
    // Cancelled at once: the future is gone before any thread reached the queue entry.
    assert!(handle.is_finished());
    assert_eq!(counters.drops(), 1);
    assert_eq!(counters.polls(), 0);
    let flag = Arc::new(Flag::default());
    match poll_join(&mut handle, &flag) {
        Poll::Ready(Err(err)) => assert!(err.is_cancelled()),
        other => panic!("expected a cancellation, got {other:?}"),
    }
    // The stale queue entry only drops its reference.
    assert_eq!(sched.run_all(), 1);
    assert_eq!(counters.polls(), 0);
    drop(handle);
    assert_eq!(Arc::strong_count(&sched.0), 1, "the task was freed");
}

#[test]
fn abort_in_place_of_an_idle_task_cancels_it_and_a_later_wake_does_nothing() {
    let sched = InPlace(Default::default());
    let (future, counters, slot) = Tracked::new(None);
    let mut handle = sched.spawn(future);
    assert_eq!(sched.run_all(), 1); // polled once: Pending, idle
    let waker = slot.get();
    handle.abort();
    assert_eq!(counters.drops(), 1);
    handle.abort(); // twice: nothing more
    waker.wake(); // complete: not queued again
    assert_eq!(sched.run_all(), 0);
    let flag = Arc::new(Flag::default());
    assert!(matches!(poll_join(&mut handle, &flag), Poll::Ready(Err(e)) if e.is_cancelled()));
    slot.clear();
    drop(handle);
    assert_eq!(Arc::strong_count(&sched.0), 1, "the task was freed");
}

// ---------------------------------------------------------------------------------------
// Identity and unretrieved panics (`identity.rs`, `Harness::drop_unread_output`).
// ---------------------------------------------------------------------------------------

#[test]
fn a_task_records_its_spawn_location_and_the_poll_sees_its_id() {
    let sched = TestScheduler::new();
    let mut handle = sched.spawn(async { task::try_id() });
    assert_eq!(handle.info().spawned_at().file(), file!());
    assert_eq!(handle.info().name(), None);
    sched.run_until_idle();
    let flag = Arc::new(Flag::default());
    match poll_join(&mut handle, &flag) {
        Poll::Ready(Ok(id)) => assert_eq!(id, Some(handle.id())),
        other => panic!("expected Ready(Ok(Some(id))), got {other:?}"),
    }
    assert_eq!(task::try_id(), None, "cleared after the poll");
}

#[test]
fn a_detached_task_that_panics_is_reported_once() {
    let sched = TestScheduler::new();
    let handle = sched.spawn(async { panic!("lost") });
    let id = handle.id();
    drop(handle);
    sched.run_until_idle();
    assert_eq!(sched.unhandled_panics(), [id]);
}

#[test]
fn dropping_the_handle_of_a_panicked_task_reports_it_once() {
    let sched = TestScheduler::new();
    let handle = sched.spawn(async { panic!("unread") });
    let id = handle.id();
    sched.run_until_idle();
    assert!(handle.is_finished());
    assert!(
        sched.unhandled_panics().is_empty(),
        "the handle may still read it"
    );
    drop(handle);
    assert_eq!(sched.unhandled_panics(), [id]);
}

#[test]
fn a_panic_read_through_the_handle_or_a_cancellation_is_not_reported() {
    let sched = TestScheduler::new();
    let mut read = sched.spawn(async { panic!("read") });
    let aborted = sched.spawn(std::future::pending::<()>());
    aborted.abort();
    drop(aborted);
    sched.run_until_idle();
    let flag = Arc::new(Flag::default());
    assert!(matches!(poll_join(&mut read, &flag), Poll::Ready(Err(e)) if e.is_panic()));
    drop(read);
    assert!(sched.unhandled_panics().is_empty());
}
