//! Semaphore: permits, FIFO fairness (also for acquire_many), cancel safety at every
//! stage, close, owned permits, a many-thread stress, wakers that give permits back when
//! dropped, and the cooperative budget.

mod support;
mod sync_hooks;
mod sync_util;

use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::Waker;

use eddy::sync::{Semaphore, TryAcquireError};
use support::{runtime, with_timeout, LIMIT};
use sync_hooks::{poll_with, spin_yields_to_other_tasks, waker_on_drop, with_budget_spent};
use sync_util::Task;

#[test]
fn permits_are_taken_and_given_back() {
    let sem = Semaphore::new(3);
    let a = sem.try_acquire().unwrap();
    let b = sem.try_acquire_many(2).unwrap();
    assert_eq!(sem.available_permits(), 0);
    assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::NoPermits);
    drop(a);
    assert_eq!(sem.available_permits(), 1);
    drop(b);
    assert_eq!(sem.available_permits(), 3);
    sem.add_permits(2);
    assert_eq!(sem.available_permits(), 5);
    sem.try_acquire().unwrap().forget();
    assert_eq!(sem.available_permits(), 4);
}

#[test]
fn waiters_are_served_in_arrival_order() {
    let sem = Semaphore::new(0);
    let mut waiters: Vec<_> = (0..5).map(|_| Task::new(sem.acquire())).collect();
    for w in &mut waiters {
        w.pending();
    }
    for i in 0..5 {
        sem.add_permits(1);
        for (j, w) in waiters.iter().enumerate() {
            assert_eq!(w.is_woken(), j <= i, "after {} permits, waiter {j}", i + 1);
        }
    }
    for w in &mut waiters {
        w.ready().unwrap().forget();
    }
}

#[test]
fn acquire_many_at_the_head_is_not_overtaken_by_smaller_requests() {
    let sem = Semaphore::new(1);
    let mut big = Task::new(sem.acquire_many(3));
    big.pending();
    let mut small = Task::new(sem.acquire());
    small.pending();
    // A newcomer cannot take the permit the big waiter is collecting either.
    assert!(sem.try_acquire().is_err());
    sem.add_permits(1);
    assert!(!big.is_woken() && !small.is_woken());
    sem.add_permits(1);
    assert!(big.is_woken(), "3 permits reached the head");
    assert!(!small.is_woken());
    let permit = big.ready().unwrap();
    assert_eq!(permit.num_permits(), 3);
    drop(permit);
    assert!(small.is_woken());
    drop(small.ready().unwrap());
    assert_eq!(sem.available_permits(), 3);
}

#[test]
fn a_waiter_dropped_before_its_grant_leaves_no_ghost() {
    let sem = Semaphore::new(0);
    let mut first = Task::new(sem.acquire());
    first.pending();
    let mut second = Task::new(sem.acquire());
    second.pending();
    drop(first);
    sem.add_permits(1);
    assert!(second.is_woken(), "the permit skips the dropped waiter");
    drop(second.ready().unwrap());
}

#[test]
fn a_permit_granted_to_a_dropped_waiter_goes_to_the_next() {
    let sem = Semaphore::new(0);
    let mut first = Task::new(sem.acquire());
    first.pending();
    let mut second = Task::new(sem.acquire());
    second.pending();
    sem.add_permits(1);
    assert!(first.is_woken());
    drop(first); // granted but never polled again
    assert!(second.is_woken(), "the granted permit was passed on");
    drop(second.ready().unwrap());
    assert_eq!(sem.available_permits(), 1, "no permit lost");
}

#[test]
fn partial_permits_of_a_dropped_acquire_many_are_passed_on() {
    let sem = Semaphore::new(2);
    let mut big = Task::new(sem.acquire_many(5));
    big.pending(); // holds 2 of its 5
    let mut small = Task::new(sem.acquire_many(2));
    small.pending();
    assert_eq!(sem.available_permits(), 0);
    drop(big);
    assert!(small.is_woken());
    drop(small.ready().unwrap());
    assert_eq!(sem.available_permits(), 2);
}

#[test]
fn close_fails_waiters_and_later_acquires_but_keeps_held_permits() {
    let sem = Semaphore::new(1);
    let held = sem.try_acquire().unwrap();
    let mut waiter = Task::new(sem.acquire());
    waiter.pending();
    sem.close();
    assert!(waiter.is_woken());
    assert!(waiter.ready().is_err());
    assert!(sem.try_acquire().unwrap_err().is_closed());
    assert!(eddy::run(sem.acquire()).is_err());
    drop(held);
    assert_eq!(sem.available_permits(), 1);
    assert!(sem.is_closed());
}

#[test]
fn owned_permits_move_into_tasks() {
    with_timeout(LIMIT, || {
        runtime(2).block_on(async {
            let sem = Arc::new(Semaphore::new(2));
            let active = Arc::new(AtomicUsize::new(0));
            let tasks: Vec<_> = (0..20)
                .map(|_| {
                    let (sem, active) = (sem.clone(), active.clone());
                    eddy::spawn(async move {
                        let _permit = sem.acquire_owned().await.unwrap();
                        let now = active.fetch_add(1, SeqCst) + 1;
                        assert!(now <= 2, "{now} tasks inside a 2-permit section");
                        eddy::task::yield_now().await;
                        active.fetch_sub(1, SeqCst);
                    })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
            assert_eq!(sem.available_permits(), 2);
        })
    });
}

#[test]
fn many_threads_and_tasks_never_exceed_the_permits() {
    with_timeout(LIMIT, || {
        let rt = runtime(4);
        let sem = Arc::new(Semaphore::new(3));
        let active = Arc::new(AtomicUsize::new(0));
        let done = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..64)
            .map(|i| {
                let (sem, active, done) = (sem.clone(), active.clone(), done.clone());
                rt.spawn(async move {
                    for _ in 0..50 {
                        let n = 1 + (i % 3) as u32;
                        let _p = sem.acquire_many(n).await.unwrap();
                        let now = active.fetch_add(n as usize, SeqCst) + n as usize;
                        assert!(now <= 3);
                        if i % 2 == 0 {
                            eddy::task::yield_now().await;
                        }
                        active.fetch_sub(n as usize, SeqCst);
                    }
                    done.fetch_add(1, SeqCst);
                })
            })
            .collect();
        rt.block_on(async {
            for t in tasks {
                t.await.unwrap();
            }
        });
        assert_eq!(done.load(SeqCst), 64);
        assert_eq!(sem.available_permits(), 3);
    });
}

#[test]
fn aborted_waiting_tasks_lose_no_permits() {
    with_timeout(LIMIT, || {
        runtime(2).block_on(async {
            let sem = Arc::new(Semaphore::new(1));
            let held = sem.clone().acquire_owned().await.unwrap();
            let waiters: Vec<_> = (0..10)
                .map(|_| {
                    let sem = sem.clone();
                    eddy::spawn(async move {
                        let _p = sem.acquire().await.unwrap();
                    })
                })
                .collect();
            // Let them queue, release the permit, and abort them all while it travels.
            for _ in 0..10 {
                eddy::task::yield_now().await;
            }
            drop(held);
            for w in &waiters {
                w.abort();
            }
            for w in waiters {
                let _ = w.await;
            }
            assert_eq!(sem.available_permits(), 1);
        })
    });
}

#[test]
fn semaphore_types_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Semaphore>();
    send_sync::<eddy::sync::SemaphorePermit<'static>>();
    send_sync::<eddy::sync::OwnedSemaphorePermit>();
    fn send<T: Send>(_: &T) {}
    let sem = Semaphore::new(1);
    send(&sem.acquire());
    send(&Arc::new(Semaphore::new(1)).acquire_owned());
}

#[test]
fn a_replaced_acquire_waker_that_adds_permits_when_dropped_does_not_deadlock() {
    with_timeout(LIMIT, || {
        let sem = Arc::new(Semaphore::new(0));
        let first = {
            let sem = sem.clone();
            waker_on_drop(move || sem.add_permits(1))
        };
        let mut acquire = pin!(sem.acquire());
        assert!(poll_with(acquire.as_mut(), &first).is_pending());
        drop(first);
        // Displaces (and so drops) the first waker, whose drop adds the awaited permit.
        let _ = poll_with(acquire.as_mut(), Waker::noop());
        let permit = match poll_with(acquire.as_mut(), Waker::noop()) {
            std::task::Poll::Ready(permit) => permit.unwrap(),
            std::task::Poll::Pending => panic!("the added permit went to the waiter"),
        };
        drop(permit);
        assert_eq!(sem.available_permits(), 1);
    });
}

#[test]
fn a_dropped_acquire_whose_waker_gives_a_permit_back_does_not_deadlock() {
    with_timeout(LIMIT, || {
        let sem = Arc::new(Semaphore::new(1));
        let held = sem.clone().try_acquire_owned().unwrap();
        let waker = waker_on_drop(move || drop(held));
        {
            let acquire = pin!(sem.acquire());
            assert!(poll_with(acquire, &waker).is_pending());
            drop(waker);
        } // the queued acquire leaves; its waker's drop gives the held permit back
        assert_eq!(sem.available_permits(), 1);
    });
}

#[test]
fn a_loop_of_ready_acquires_yields_to_other_tasks() {
    spin_yields_to_other_tasks(async {
        let sem = Arc::new(Semaphore::new(2));
        loop {
            drop(sem.acquire().await.unwrap());
            drop(sem.acquire_many(2).await.unwrap());
            drop(sem.clone().acquire_owned().await.unwrap());
        }
    });
}

#[test]
fn a_loop_of_acquires_on_a_closed_semaphore_yields_to_other_tasks() {
    spin_yields_to_other_tasks(async {
        let sem = Arc::new(Semaphore::new(1));
        sem.close();
        loop {
            assert!(sem.acquire().await.is_err());
            assert!(sem.clone().acquire_many_owned(1).await.is_err());
        }
    });
}

#[test]
fn try_acquire_ignores_a_spent_budget() {
    with_budget_spent(|| {
        let sem = Arc::new(Semaphore::new(3));
        drop(sem.try_acquire().unwrap());
        drop(sem.try_acquire_many(3).unwrap());
        drop(sem.clone().try_acquire_owned().unwrap());
        drop(sem.try_acquire_many_owned(2).unwrap());
    });
}
