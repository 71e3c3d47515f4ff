//! Plain unit tests of the lock cell behind `Mutex` and `RwLock`: every kind of guard
//! (borrowed, owned, mapped, downgraded) reaching the data, small enough for miri
//! (`.ci/miri` runs them under Stacked Borrows with the leak check on).

use std::sync::Arc;
use std::thread;

use crate::{
    Mutex, MutexGuard, OwnedMappedMutexGuard, OwnedMutexGuard, OwnedRwLockReadGuard,
    OwnedRwLockWriteGuard, RwLock, RwLockReadGuard, RwLockWriteGuard,
};

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    eddy_executor::block_on(f)
}

static COUNTS: Mutex<Vec<u32>> = Mutex::const_new(Vec::new());
static TABLE: RwLock<Vec<u32>> = RwLock::const_new(Vec::new());

#[test]
fn a_static_mutex_serialises_threads() {
    let threads: Vec<_> = (0..4)
        .map(|i| thread::spawn(move || block_on(async { COUNTS.lock().await.push(i) })))
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let mut seen = COUNTS.try_lock().unwrap().clone();
    seen.sort_unstable();
    assert_eq!(seen, [0, 1, 2, 3]);
}

#[test]
fn a_static_rwlock_serves_readers_and_writers() {
    let threads: Vec<_> = (0..4)
        .map(|i| {
            thread::spawn(move || {
                block_on(async {
                    TABLE.write().await.push(i);
                    assert!(TABLE.read().await.contains(&i));
                })
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(TABLE.try_read().unwrap().len(), 4);
}

#[test]
fn guards_hand_the_data_from_thread_to_thread() {
    let m = Arc::new(Mutex::new(String::new()));
    let threads: Vec<_> = (0..3)
        .map(|_| {
            let m = m.clone();
            thread::spawn(move || {
                let mut owned = block_on(m.clone().lock_owned());
                owned.push('o');
                drop(owned);
                let mut mapped = MutexGuard::map(block_on(m.lock()), |s| s);
                mapped.push('m');
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(Arc::try_unwrap(m).unwrap().into_inner().len(), 6);
}

#[test]
fn mapped_and_owned_guards_release_the_lock_and_keep_values() {
    let m = Arc::new(Mutex::new((vec![1], String::from("a"))));
    let mut name = OwnedMutexGuard::map(m.clone().try_lock_owned().unwrap(), |p| &mut p.1);
    assert!(m.try_lock().is_err());
    name.push('b');
    let name = OwnedMappedMutexGuard::try_map(name, |s| s.get_mut(5..)).unwrap_err();
    assert!(Arc::ptr_eq(OwnedMappedMutexGuard::mutex(&name), &m));
    drop(name);
    let guard = m.try_lock().unwrap();
    let guard = MutexGuard::try_map(guard, |p| p.0.get_mut(3)).unwrap_err();
    assert_eq!(guard.1, "ab");
    drop(guard);
    let mut m = Arc::try_unwrap(m).unwrap();
    m.get_mut().0.push(2);
    assert_eq!(m.into_inner().0, [1, 2]);
}

#[test]
fn rwlock_guards_share_map_and_downgrade() {
    let lock = Arc::new(RwLock::with_max_readers((1, vec![2]), 2));
    let a = RwLockReadGuard::map(lock.try_read().unwrap(), |t| &t.1);
    let b = OwnedRwLockReadGuard::map(lock.clone().try_read_owned().unwrap(), |t| &t.0);
    assert!(lock.try_read().is_err(), "two readers at most");
    assert_eq!((a[0], *b), (2, 1));
    drop((a, b));

    let mut w = lock.clone().try_write_owned().unwrap();
    w.1.push(3);
    let r = OwnedRwLockWriteGuard::downgrade(w);
    assert_eq!(lock.try_read().unwrap().1, [2, 3]);
    assert!(lock.try_write().is_err());
    drop(r);

    let w = RwLockWriteGuard::map(lock.try_write().unwrap(), |t| &mut t.1);
    drop(w);
    let w = OwnedRwLockWriteGuard::into_mapped(lock.clone().try_write_owned().unwrap());
    drop(w);
    let r = RwLockWriteGuard::downgrade(lock.try_write().unwrap());
    assert_eq!(r.0, 1);
}

#[test]
fn a_lock_on_an_unsized_value_works() {
    let m: Arc<Mutex<[u8]>> = Arc::new(Mutex::new([1, 2, 3]));
    MutexGuard::map(m.try_lock().unwrap(), |s| &mut s[2..])[0] = 9;
    assert_eq!(*m.clone().try_lock_owned().unwrap(), [1, 2, 9]);
    let lock: Box<RwLock<[u8]>> = Box::new(RwLock::new([4, 5]));
    assert_eq!(lock.try_read().unwrap().len(), 2);
}

#[test]
fn a_panic_in_a_map_closure_releases_the_lock() {
    let m = Mutex::new(0);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        drop(MutexGuard::map(m.try_lock().unwrap(), |_| -> &mut u8 {
            panic!("in map")
        }));
    }));
    assert!(result.is_err());
    assert!(m.try_lock().is_ok());
}
