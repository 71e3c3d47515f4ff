//! Mutex and RwLock: exclusion under many workers, FIFO hand-off, cancel safety, owned
//! guards, readers vs writers, Send/Sync, wakers that unlock when dropped, and the
//! cooperative budget.

mod support;
mod sync_hooks;
mod sync_util;

use std::pin::pin;
use std::sync::Arc;
use std::task::{Poll, Waker};

use eddy::sync::{Mutex, RwLock, RwLockWriteGuard};
use support::{runtime, with_timeout, LIMIT};
use sync_hooks::{poll_with, spin_yields_to_other_tasks, waker_on_drop, with_budget_spent};
use sync_util::Task;

#[test]
fn many_tasks_on_four_workers_never_overlap() {
    with_timeout(LIMIT, || {
        runtime(4).block_on(async {
            // A non-atomic read-modify-write across an await: lost updates if two overlap.
            let count = Arc::new(Mutex::new(0u64));
            let tasks: Vec<_> = (0..50)
                .map(|_| {
                    let count = count.clone();
                    eddy::spawn(async move {
                        for _ in 0..40 {
                            let mut guard = count.lock().await;
                            let seen = *guard;
                            eddy::task::yield_now().await;
                            *guard = seen + 1;
                        }
                    })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
            assert_eq!(*count.lock().await, 2000);
        })
    });
}

#[test]
fn the_lock_is_handed_over_in_arrival_order() {
    let m = Mutex::new(Vec::new());
    let held = m.try_lock().unwrap();
    let mut waiters: Vec<_> = (0..4)
        .map(|i| {
            let m = &m;
            Task::new(async move { m.lock().await.push(i) })
        })
        .collect();
    for w in &mut waiters {
        w.pending();
    }
    assert!(
        m.try_lock().is_err(),
        "try_lock does not barge past queued waiters"
    );
    drop(held);
    // Poll in reverse: only the head can complete, whatever the polling order.
    let mut done = [false; 4];
    for _ in 0..4 {
        for (i, w) in waiters.iter_mut().enumerate().rev() {
            if !done[i] {
                done[i] = w.poll().is_ready();
            }
        }
    }
    assert_eq!(done, [true; 4]);
    assert_eq!(*m.try_lock().unwrap(), [0, 1, 2, 3]);
}

#[test]
fn a_lock_granted_to_a_dropped_future_goes_to_the_next_waiter() {
    let m = Mutex::new(0);
    let held = m.try_lock().unwrap();
    let mut first = Task::new(m.lock());
    first.pending();
    let mut second = Task::new(m.lock());
    second.pending();
    drop(held);
    assert!(first.is_woken());
    drop(first);
    assert!(second.is_woken());
    *second.ready() += 1;
    drop(second);
    assert_eq!(*m.try_lock().unwrap(), 1, "the lock is free again");
}

#[test]
fn a_dropped_waiter_before_the_grant_leaves_no_ghost() {
    let m = Mutex::new(());
    let held = m.try_lock().unwrap();
    let mut first = Task::new(m.lock());
    first.pending();
    drop(first);
    drop(held);
    assert!(m.try_lock().is_ok(), "nobody is left queued");
}

#[test]
fn owned_guards_move_across_tasks() {
    with_timeout(LIMIT, || {
        runtime(2).block_on(async {
            let m = Arc::new(Mutex::new(String::new()));
            let guard = m.clone().lock_owned().await;
            let writer = eddy::spawn(async move {
                let mut guard = guard;
                guard.push_str("written in another task");
            });
            writer.await.unwrap();
            assert_eq!(*m.lock().await, "written in another task");
            assert!(m.clone().try_lock_owned().is_ok());
        })
    });
}

#[test]
fn get_mut_and_into_inner_need_no_lock() {
    let mut m = Mutex::new(1);
    *m.get_mut() += 1;
    assert_eq!(format!("{m:?}"), "Mutex { data: 2 }");
    assert_eq!(m.into_inner(), 2);
}

#[test]
fn readers_share_and_writers_exclude() {
    let lock = RwLock::new(0);
    let r1 = lock.try_read().unwrap();
    let r2 = lock.try_read().unwrap();
    assert!(lock.try_write().is_err());
    let mut writer = Task::new(lock.write());
    writer.pending();
    // A queued writer holds back later readers: writers cannot starve.
    assert!(lock.try_read().is_err());
    let mut late_reader = Task::new(lock.read());
    late_reader.pending();
    drop(r1);
    assert!(!writer.is_woken());
    drop(r2);
    assert!(writer.is_woken());
    let mut w = writer.ready();
    *w = 5;
    assert!(!late_reader.is_woken());
    let r = RwLockWriteGuard::downgrade(w);
    assert!(late_reader.is_woken(), "downgrade lets queued readers in");
    assert_eq!(*late_reader.ready(), 5);
    assert_eq!(*r, 5);
}

#[test]
fn a_dropped_write_waiter_passes_its_partial_permits_on() {
    let lock = RwLock::new(());
    let reader = lock.try_read().unwrap();
    let mut writer = Task::new(lock.write());
    writer.pending();
    let mut reader2 = Task::new(lock.read());
    reader2.pending();
    drop(writer); // it held all permits but the one the reader has
    assert!(reader2.is_woken());
    drop(reader2.ready());
    drop(reader);
    assert!(lock.try_write().is_ok(), "every permit came back");
}

#[test]
fn rwlock_under_contention_keeps_its_invariant() {
    with_timeout(LIMIT, || {
        runtime(4).block_on(async {
            // Writers keep the two halves equal; readers check it.
            let lock = Arc::new(RwLock::new((0u64, 0u64)));
            let tasks: Vec<_> = (0..32)
                .map(|i| {
                    let lock = lock.clone();
                    eddy::spawn(async move {
                        for _ in 0..30 {
                            if i % 4 == 0 {
                                let mut w = lock.write().await;
                                w.0 += 1;
                                eddy::task::yield_now().await;
                                w.1 += 1;
                            } else {
                                let r = lock.clone().read_owned().await;
                                assert_eq!(r.0, r.1);
                            }
                        }
                    })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
            assert_eq!(*lock.read().await, (240, 240));
        })
    });
}

#[test]
fn lock_types_are_send_and_sync_like_tokio() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Mutex<Vec<u8>>>();
    send_sync::<eddy::sync::MutexGuard<'static, u8>>();
    send_sync::<eddy::sync::OwnedMutexGuard<u8>>();
    send_sync::<RwLock<u8>>();
    send_sync::<eddy::sync::RwLockReadGuard<'static, u8>>();
    send_sync::<eddy::sync::OwnedRwLockWriteGuard<u8>>();
    // Mutex<T> is Sync with only T: Send.
    send_sync::<Mutex<std::cell::Cell<u8>>>();
    fn send<T: Send>(_: &T) {}
    let m = Mutex::new(());
    send(&m.lock());
    send(&async {
        let g = m.lock().await;
        eddy::task::yield_now().await; // a guard held across an await
        drop(g);
    });
}

#[test]
fn a_dropped_lock_future_whose_waker_holds_the_guard_does_not_deadlock() {
    with_timeout(LIMIT, || {
        let m = Arc::new(Mutex::new(0));
        let guard = m.clone().try_lock_owned().unwrap();
        let waker = waker_on_drop(move || drop(guard));
        {
            let lock = pin!(m.lock());
            assert!(poll_with(lock, &waker).is_pending());
            drop(waker);
        } // the queued lock leaves; its waker's drop unlocks
        assert_eq!(*m.try_lock().unwrap(), 0);
    });
}

#[test]
fn a_replaced_write_waker_that_drops_a_read_guard_does_not_deadlock() {
    with_timeout(LIMIT, || {
        let lock = Arc::new(RwLock::new(1));
        let Poll::Ready(reader) = poll_with(pin!(lock.clone().read_owned()), Waker::noop()) else {
            panic!("the lock is free");
        };
        let first = waker_on_drop(move || drop(reader));
        let mut write = pin!(lock.write());
        assert!(poll_with(write.as_mut(), &first).is_pending());
        drop(first);
        // Displaces (and so drops) the first waker, whose drop lets the reader go.
        let _ = poll_with(write.as_mut(), Waker::noop());
        match poll_with(write.as_mut(), Waker::noop()) {
            Poll::Ready(mut guard) => *guard = 2,
            Poll::Pending => panic!("the reader's permit went to the writer"),
        }
        assert_eq!(*lock.try_read().unwrap(), 2);
    });
}

#[test]
fn a_loop_of_ready_locks_yields_to_other_tasks() {
    spin_yields_to_other_tasks(async {
        let m = Arc::new(Mutex::new(0u64));
        loop {
            *m.lock().await += 1;
            *m.clone().lock_owned().await += 1;
        }
    });
}

#[test]
fn a_loop_of_ready_reads_and_writes_yields_to_other_tasks() {
    spin_yields_to_other_tasks(async {
        let lock = Arc::new(RwLock::new(0u64));
        loop {
            let _ = *lock.read().await;
            *lock.write().await += 1;
            let _ = *lock.clone().read_owned().await;
            *lock.clone().write_owned().await += 1;
        }
    });
}

#[test]
fn try_locks_ignore_a_spent_budget() {
    with_budget_spent(|| {
        let m = Arc::new(Mutex::new(0));
        *m.try_lock().unwrap() += 1;
        *m.clone().try_lock_owned().unwrap() += 1;
        let lock = RwLock::new(0);
        *lock.try_write().unwrap() += 1;
        assert_eq!(*lock.try_read().unwrap(), 1);
    });
}
