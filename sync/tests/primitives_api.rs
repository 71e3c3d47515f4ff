//! tokio's newer methods on the primitives: `Notify::notify_last`, `MutexGuard::map`,
//! permit `merge` / `split`, `Semaphore::blocking_acquire`, and `const_new` in statics.

use std::pin::pin;
use std::sync::Arc;

use eddy::sync::{MappedMutexGuard, Mutex, MutexGuard, Notify, Semaphore};

#[test]
fn notify_last_wakes_the_latest_waiter_and_stores_a_permit_when_none_waits() {
    let notify = Notify::new();
    let mut a = pin!(notify.notified());
    let mut b = pin!(notify.notified());
    let mut c = pin!(notify.notified());
    a.as_mut().enable();
    b.as_mut().enable();
    c.as_mut().enable();
    notify.notify_last();
    assert!(c.as_mut().enable());
    notify.notify_one(); // the oldest
    assert!(a.as_mut().enable());
    assert!(!b.as_mut().enable());
    notify.notify_last();
    assert!(b.as_mut().enable());
    // Nobody waits: a permit is stored for the next one.
    notify.notify_last();
    let mut d = pin!(notify.notified());
    assert!(d.as_mut().enable());
}

#[test]
fn a_dropped_notify_last_waiter_forwards_to_the_next_latest() {
    let notify = Notify::new();
    let mut a = pin!(notify.notified());
    a.as_mut().enable();
    let mut b = pin!(notify.notified());
    b.as_mut().enable();
    {
        let mut c = Box::pin(notify.notified());
        c.as_mut().enable();
        notify.notify_last(); // to c, dropped before it returns
    }
    assert!(b.as_mut().enable(), "forwarded in the same (LIFO) order");
    assert!(!a.as_mut().enable());
}

#[eddy::test]
async fn mapped_guards_hold_the_lock_until_dropped() {
    let m = Mutex::new((1u8, vec![1, 2, 3]));
    let mut list = MutexGuard::map(m.lock().await, |t| &mut t.1);
    list.push(4);
    assert!(
        m.try_lock().is_err(),
        "the mapped guard still holds the lock"
    );
    let mut last = MappedMutexGuard::map(list, |v| v.last_mut().unwrap());
    *last = 40;
    drop(last);
    let guard = m.lock().await;
    assert_eq!(guard.1, [1, 2, 3, 40]);
    let guard = MutexGuard::try_map(guard, |t| t.1.get_mut(10)).unwrap_err();
    assert_eq!(guard.0, 1);
}

#[test]
fn permits_merge_and_split_keep_the_count() {
    let sem = Semaphore::new(5);
    let mut p = sem.try_acquire_many(2).unwrap();
    p.merge(sem.try_acquire_many(3).unwrap());
    assert_eq!((p.num_permits(), sem.available_permits()), (5, 0));
    let q = p.split(2).unwrap();
    assert!(p.split(4).is_none());
    drop(p);
    assert_eq!(sem.available_permits(), 3);
    drop(q);
    assert_eq!(sem.available_permits(), 5);

    let sem = Arc::new(Semaphore::new(3));
    let mut owned = sem.clone().try_acquire_many_owned(3).unwrap();
    let one = owned.split(1).unwrap();
    assert_eq!(owned.num_permits(), 2);
    owned.merge(one);
    assert_eq!(owned.num_permits(), 3);
    drop(owned);
    assert_eq!(sem.available_permits(), 3);
}

#[test]
#[should_panic(expected = "different semaphores")]
fn merging_permits_of_different_semaphores_panics() {
    let (a, b) = (Semaphore::new(1), Semaphore::new(1));
    let mut p = a.try_acquire().unwrap();
    p.merge(b.try_acquire().unwrap());
}

#[test]
fn blocking_acquire_waits_for_a_permit_on_a_plain_thread() {
    let sem = Arc::new(Semaphore::new(1));
    let held = sem.clone().try_acquire_owned().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let waiter = {
        let sem = sem.clone();
        std::thread::spawn(move || {
            tx.send(()).unwrap();
            let permit = sem.blocking_acquire().unwrap();
            permit.num_permits()
        })
    };
    rx.recv().unwrap();
    drop(held);
    assert_eq!(waiter.join().unwrap(), 1);
    sem.close();
    assert!(sem.blocking_acquire().is_err());
}

#[eddy::test]
#[should_panic(expected = "already running")]
async fn blocking_acquire_inside_the_runtime_panics() {
    let sem = Semaphore::new(1);
    let _ = sem.blocking_acquire();
}

static SEM: Semaphore = Semaphore::const_new(1);
static NOTIFY: Notify = Notify::const_new();

#[eddy::test]
async fn const_new_primitives_work_from_statics() {
    let permit = SEM.acquire().await.unwrap();
    assert!(SEM.try_acquire().is_err());
    drop(permit);
    NOTIFY.notify_one();
    NOTIFY.notified().await;
    assert_eq!(Semaphore::MAX_PERMITS, usize::MAX >> 3);
}

#[eddy::test]
async fn rwlock_guards_map_and_keep_their_lock() {
    use eddy::sync::{RwLock, RwLockMappedWriteGuard, RwLockReadGuard, RwLockWriteGuard};

    let lock = RwLock::new((1u8, vec![1, 2]));
    let first = RwLockReadGuard::map(lock.read().await, |t| &t.0);
    assert!(
        lock.try_write().is_err(),
        "the mapped read guard still reads"
    );
    assert_eq!(*first, 1);
    drop(first);
    let list = RwLockWriteGuard::map(lock.write().await, |t| &mut t.1);
    assert!(
        lock.try_read().is_err(),
        "the mapped write guard still writes"
    );
    let mut last = RwLockMappedWriteGuard::map(list, |v| v.last_mut().unwrap());
    *last = 20;
    drop(last);
    assert_eq!(lock.read().await.1, [1, 20]);
    // A downgraded guard maps too (it is a read guard).
    let read = RwLockWriteGuard::downgrade(lock.write().await);
    assert_eq!(RwLockReadGuard::map(read, |t| &t.1).len(), 2);
}

#[test]
fn mapped_guards_can_be_held_across_await_on_any_worker() {
    fn assert_send<T: Send>() {}
    assert_send::<MappedMutexGuard<'static, u8>>();
    assert_send::<eddy::sync::RwLockReadGuard<'static, u8>>();
    assert_send::<eddy::sync::RwLockMappedWriteGuard<'static, u8>>();
}
