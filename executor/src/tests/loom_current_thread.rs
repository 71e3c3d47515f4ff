//! Loom models of the current-thread scheduler: the loop on one thread, wakes and spawns
//! from another, two `block_on`s sharing the core, and shutdown while another thread holds
//! it. A lost wakeup shows up as a loom deadlock; a task never freed as a leaked `Arc`.

use std::sync::Arc as StdArc;

use eddy_test_support::model;

use super::support::Signal;
use crate::loom::thread;
use crate::park::ThreadPark;
use crate::{Builder, CurrentThread};

/// A current-thread scheduler on a park hook the model keeps a handle to.
fn scheduler() -> (CurrentThread, StdArc<ThreadPark>) {
    let park = StdArc::new(ThreadPark::new(1));
    let rt = Builder::new()
        .build_current_thread_with_park(|_| park.clone())
        .unwrap();
    (rt, park)
}

/// A task spawned from another thread while the loop runs or parks goes through the
/// injector and must unpark the loop, which runs it; its wake of the main future (on the
/// loop's own thread) ends `block_on`.
#[test]
fn loom_a_spawn_from_another_thread_reaches_the_parked_loop() {
    model(|| {
        let (rt, park) = scheduler();
        let signal = Signal::new();
        let spawner = rt.spawner();
        let setter = signal.clone();
        let remote = thread::spawn(move || {
            drop(spawner.spawn(async move { setter.set() }));
        });
        rt.block_on(signal.wait());
        remote.join().unwrap();
        drop(rt);
        assert_eq!(
            StdArc::strong_count(&park),
            1,
            "the scheduler was not freed"
        );
    });
}

/// The main future woken from another thread while the loop decides to park: the wake
/// sets `woken` and unparks the loop (or, while no thread holds the core, the
/// `block_on` thread's own parker); either way `block_on` returns.
#[test]
fn loom_a_wake_of_the_main_future_from_another_thread_is_never_lost() {
    model(|| {
        let (rt, _park) = scheduler();
        let signal = Signal::new();
        let setter = signal.clone();
        let remote = thread::spawn(move || setter.set());
        rt.block_on(signal.wait());
        remote.join().unwrap();
    });
}

/// Two threads in `block_on` at once: one holds the core and runs the task, the other
/// polls its future alone and waits for the core. The task (queued before either) must
/// run, and both calls return, whoever got the core first.
#[test]
fn loom_two_block_ons_share_the_core_and_both_return() {
    model(|| {
        let (rt, _park) = scheduler();
        let rt = StdArc::new(rt);
        let signal = Signal::new();
        let setter = signal.clone();
        let join = rt.spawner().spawn(async move { setter.set() });
        let other = rt.clone();
        let waiting = signal.clone();
        let remote = thread::spawn(move || other.block_on(waiting.wait()));
        rt.block_on(join).unwrap();
        remote.join().unwrap();
    });
}

/// Shutdown while another thread's `block_on` (through a spawner, as `Handle::block_on`
/// does) holds the core: the holder sees the flag, gives the core back and goes on
/// polling its future alone; the shutdown waits for the core and cancels the queued task,
/// and the holder's future still completes.
#[test]
fn loom_shutdown_takes_the_core_back_from_another_thread() {
    model(|| {
        let (rt, park) = scheduler();
        let signal = Signal::new();
        let waiting = signal.clone();
        let spawner = rt.spawner();
        let pending = spawner.spawn(std::future::pending::<()>());
        let holder = thread::spawn(move || {
            spawner.block_on(waiting.wait());
            drop(spawner);
        });
        drop(rt);
        signal.set();
        holder.join().unwrap();
        assert!(crate::block_on(pending).unwrap_err().is_cancelled());
        assert_eq!(
            StdArc::strong_count(&park),
            1,
            "the scheduler was not freed"
        );
    });
}
