//! Loom models of parking: the one-token [`Parker`] (an unpark is never lost) and the
//! idle accounting that decides whom to unpark (`scheduler/idle.rs`: a parking searcher
//! and a producer never both miss new work; a spinning searcher sees new work or is woken
//! for it). A lost wakeup shows up as a loom deadlock.

use eddy_test_support::model;

use crate::loom::atomic::{fence, AtomicBool, AtomicUsize, Ordering::Relaxed, Ordering::SeqCst};
use crate::loom::thread;
use crate::loom::Arc;
use crate::park::Parker;
use crate::scheduler::Idle;

/// An unpark before or during `park` makes it return, and what the unparking thread did
/// before is visible afterwards.
#[test]
fn loom_an_unpark_before_or_during_park_lets_park_return() {
    model(|| {
        let parker = Arc::new(Parker::new());
        let data = Arc::new(AtomicUsize::new(0));
        let unparker = {
            let (parker, data) = (parker.clone(), data.clone());
            thread::spawn(move || {
                // Relaxed: `unpark`'s Release and `park`'s Acquire must order it.
                data.store(1, Relaxed);
                parker.unpark();
            })
        };
        parker.park();
        assert_eq!(
            data.load(Relaxed),
            1,
            "park returned before the unpark's writes"
        );
        unparker.join().unwrap();
    });
}

/// Two threads hand a token back and forth twice: each parker goes through
/// EMPTY -> PARKED/NOTIFIED -> EMPTY and is reusable.
#[test]
fn loom_parkers_are_reusable_in_a_ping_pong() {
    model(|| {
        let ping = Arc::new(Parker::new());
        let pong = Arc::new(Parker::new());
        let other = {
            let (ping, pong) = (ping.clone(), pong.clone());
            thread::spawn(move || {
                for _ in 0..2 {
                    ping.park();
                    pong.unpark();
                }
            })
        };
        for _ in 0..2 {
            ping.unpark();
            pong.park();
        }
        other.join().unwrap();
    });
}

/// A worker's side of the idle protocol (`WorkerContext::park`): list itself as a
/// sleeper, then look at the queues once more (`Shared::notify_if_work_pending`) and wake
/// someone if there is work.
fn park_and_recheck(
    idle: &Idle,
    parker: &Parker,
    worker: usize,
    searching: bool,
    work: &AtomicBool,
) {
    idle.transition_to_parked(worker, searching);
    // SeqCst: pairs with the producer's fence.
    fence(SeqCst);
    if work.load(Relaxed) {
        if let Some(_woken) = idle.worker_to_notify() {
            parker.unpark();
        }
    }
}

/// A producer's side (`Shared::notify_parked`): make work visible, then wake a sleeper
/// unless someone searches.
fn produce(idle: &Idle, parker: &Parker, work: &AtomicBool) {
    work.store(true, Relaxed);
    // SeqCst: pairs with the parking worker's update and fence.
    fence(SeqCst);
    if let Some(_woken) = idle.worker_to_notify() {
        parker.unpark();
    }
}

/// The idle protocol with one worker (`idle.rs` module docs): the worker, searching and
/// finding nothing, parks and re-checks for work; a producer makes work visible and asks
/// whom to wake. One of them must see the other, so the worker's `park` returns (loom
/// reports a deadlock otherwise) as a notified searcher.
#[test]
fn loom_a_parking_searcher_and_a_producer_never_both_miss_new_work() {
    model(|| {
        let idle = Arc::new(Idle::new(1));
        let parker = Arc::new(Parker::new());
        let work = Arc::new(AtomicBool::new(false));
        let producer = {
            let (idle, parker, work) = (idle.clone(), parker.clone(), work.clone());
            thread::spawn(move || produce(&idle, &parker, &work))
        };
        assert!(idle.transition_to_searching());
        park_and_recheck(&idle, &parker, 0, true, &work);
        parker.park();
        let notified = idle.unpark_self(0);
        producer.join().unwrap();

        // Woken by whoever took it off the sleepers: it counts as searching again.
        assert!(
            notified,
            "park returned, yet the worker was never taken off the sleepers"
        );
        assert_eq!(idle.num_searching(), 1);
    });
}

/// Two workers park while a producer makes work: whether each was let search or refused
/// (at most half search), at least one of them is woken, by the producer or by a
/// re-check, so the work is not slept through.
#[test]
fn loom_two_parking_workers_and_a_producer_never_all_miss_new_work() {
    model(|| {
        let idle = Arc::new(Idle::new(2));
        // One shared parker stands in for both: this model counts wake-ups, it does not
        // block (the one-worker model above checks the blocking).
        let parker = Arc::new(Parker::new());
        let work = Arc::new(AtomicBool::new(false));
        let workers: Vec<_> = (0..2)
            .map(|index| {
                let (idle, parker, work) = (idle.clone(), parker.clone(), work.clone());
                thread::spawn(move || {
                    let searching = idle.transition_to_searching();
                    park_and_recheck(&idle, &parker, index, searching, &work);
                })
            })
            .collect();
        produce(&idle, &parker, &work);
        for worker in workers {
            worker.join().unwrap();
        }

        // `unpark_self` is true for a worker someone took off the sleepers (notified).
        let notified = [idle.unpark_self(0), idle.unpark_self(1)];
        assert!(
            notified.iter().any(|&n| n),
            "work is pending and both workers sleep un-notified"
        );
        assert_eq!(
            idle.num_searching(),
            notified.iter().filter(|&&n| n).count(),
            "each notified worker counts as one searcher"
        );
    });
}

/// A searcher out of work spins before it parks (`worker.rs`, module docs): it looks at
/// the queues once more while still counted as searching, and a producer that sees the
/// searcher wakes nobody. Either the spin sees the work (the worker goes back to its loop,
/// still searching, and nobody was woken), or the ordinary park path follows and the
/// producer or the re-check wakes it: the work is never slept through.
#[test]
fn loom_a_spinning_searcher_sees_new_work_or_is_woken_for_it() {
    model(|| {
        let idle = Arc::new(Idle::new(1));
        let parker = Arc::new(Parker::new());
        let work = Arc::new(AtomicBool::new(false));
        let producer = {
            let (idle, parker, work) = (idle.clone(), parker.clone(), work.clone());
            thread::spawn(move || produce(&idle, &parker, &work))
        };
        assert!(idle.transition_to_searching());
        // The spin: one more look under loom (`WorkerContext::spin_until_work`).
        if work.load(Relaxed) {
            producer.join().unwrap();
            // Found while searching: nobody took it off the sleepers or left a token.
            assert_eq!(idle.num_searching(), 1);
            assert!(
                !parker.take_token(),
                "a wake-up was spent on a spinning searcher"
            );
            return;
        }
        park_and_recheck(&idle, &parker, 0, true, &work);
        parker.park();
        let notified = idle.unpark_self(0);
        producer.join().unwrap();
        assert!(
            notified,
            "park returned, yet the worker was never taken off the sleepers"
        );
        assert_eq!(idle.num_searching(), 1);
    });
}
