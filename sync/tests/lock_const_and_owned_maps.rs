//! `Mutex::const_new` / `RwLock::const_new` in statics shared by many tasks, the owned
//! guards' maps moving into tasks, and the locks' `Send` / `Sync` bounds (tokio's).

use std::sync::Arc;

use eddy::sync::{
    Mutex, MutexGuard, OwnedMappedMutexGuard, OwnedMutexGuard, OwnedRwLockMappedWriteGuard,
    OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock, RwLockReadGuard, RwLockWriteGuard,
};

static M: Mutex<Vec<u32>> = Mutex::const_new(Vec::new());
static L: RwLock<Vec<u32>> = RwLock::const_new(Vec::new());
static FEW: RwLock<u32> = RwLock::const_with_max_readers(0, 2);

#[eddy::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_static_mutex_is_shared_by_many_tasks() {
    let tasks: Vec<_> = (0..64)
        .map(|i| {
            eddy::spawn(async move {
                let mut v = M.lock().await;
                eddy::task::yield_now().await; // held across an await
                v.push(i);
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let mut v = M.lock().await.clone();
    v.sort_unstable();
    assert_eq!(v, (0..64).collect::<Vec<_>>());
}

#[eddy::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_static_rwlock_is_shared_by_many_tasks() {
    let tasks: Vec<_> = (0..64)
        .map(|i| {
            eddy::spawn(async move {
                if i % 4 == 0 {
                    L.write().await.push(i);
                } else {
                    let r = L.read().await;
                    eddy::task::yield_now().await;
                    assert!(r.iter().all(|x| x % 4 == 0));
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(L.read().await.len(), 16);
    let (_a, _b) = (FEW.read().await, FEW.read().await);
    assert!(FEW.try_read().is_err(), "const_with_max_readers(_, 2)");
}

#[eddy::test(flavor = "multi_thread", worker_threads = 2)]
async fn owned_mapped_guards_move_into_tasks() {
    let m = Arc::new(Mutex::new((0u32, String::new())));
    let mut name = OwnedMutexGuard::map(m.clone().lock_owned().await, |p| &mut p.1);
    let task = eddy::spawn(async move {
        name.push_str("set");
        let n = OwnedMappedMutexGuard::map(name, |s| s);
        n.len()
    });
    assert_eq!(task.await.unwrap(), 3);
    assert_eq!(m.lock().await.1, "set");

    let lock = Arc::new(RwLock::new((1u32, vec![1u32])));
    let w = OwnedRwLockWriteGuard::map(lock.clone().write_owned().await, |t| &mut t.1);
    let task = eddy::spawn(async move {
        let mut last = OwnedRwLockMappedWriteGuard::map(w, |v| v.last_mut().unwrap());
        *last = 7;
    });
    task.await.unwrap();
    let r = OwnedRwLockReadGuard::map(lock.clone().read_owned().await, |t| &t.1);
    let task = eddy::spawn(async move { r[0] });
    assert_eq!(task.await.unwrap(), 7);
    let w = lock.clone().write_owned().await;
    let r = OwnedRwLockWriteGuard::downgrade(w);
    assert!(lock.try_write().is_err());
    assert_eq!(lock.try_read().unwrap().0, r.0);
}

#[test]
fn the_locks_are_send_and_sync_as_tokio_s() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    type NotSync = std::cell::Cell<u8>;
    // A Mutex shares its data with one thread at a time: `T: Send` is enough.
    send_sync::<Mutex<NotSync>>();
    send::<MutexGuard<'static, NotSync>>();
    send::<OwnedMutexGuard<NotSync>>();
    send::<OwnedMappedMutexGuard<NotSync, u8>>();
    send_sync::<RwLock<u8>>();
    send::<RwLock<NotSync>>();
    send_sync::<RwLockReadGuard<'static, u8>>();
    send_sync::<RwLockWriteGuard<'static, u8>>();
    send_sync::<OwnedRwLockReadGuard<u8, [u8]>>();
    send_sync::<OwnedRwLockWriteGuard<u8>>();
    send_sync::<OwnedRwLockMappedWriteGuard<(u8, u8), u8>>();
}

#[eddy::test]
#[should_panic(expected = "Mutex::blocking_lock")]
async fn blocking_lock_inside_the_runtime_panics() {
    let m = Mutex::new(0);
    let _ = m.blocking_lock();
}

#[test]
fn blocking_lock_and_write_wait_on_a_plain_thread() {
    let m = Arc::new(Mutex::new(0));
    let held = m.clone().try_lock_owned().unwrap();
    let t = std::thread::spawn(move || drop(held));
    *m.blocking_lock() += 1;
    t.join().unwrap();
    let lock = Arc::new(RwLock::new(0));
    let reader = lock.clone().try_read_owned().unwrap();
    let t = std::thread::spawn(move || drop(reader));
    *lock.blocking_write() += 1;
    t.join().unwrap();
    assert_eq!((*m.blocking_lock(), *lock.blocking_read()), (1, 1));
}
