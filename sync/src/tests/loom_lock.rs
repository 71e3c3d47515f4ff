//! The lock cell behind `Mutex` and `RwLock`: the data is reached only through guards
//! that hold the semaphore's permits, so loom's `UnsafeCell` checks that each holder's
//! access happens after the previous holder's (a permit handed over without its
//! happens-before edge, or two holders at once, fails the model).

use eddy_executor::block_on;
use eddy_test_support::model;

use crate::loom::Arc;
use crate::{Mutex, MutexGuard, RwLock, RwLockWriteGuard};

/// Two threads each lock and bump a plain (non-atomic) counter, one through a mapped
/// guard: both bumps land, and no two accesses overlap.
#[test]
fn loom_mutex_hands_the_data_from_holder_to_holder() {
    model(|| {
        let m = Arc::new(Mutex::new((0, 0)));
        let other = {
            let m = m.clone();
            crate::loom::thread::spawn(move || {
                *MutexGuard::map(block_on(m.lock()), |p| &mut p.0) += 1;
            })
        };
        block_on(m.lock()).0 += 1;
        other.join().unwrap();
        assert_eq!(m.try_lock().unwrap().0, 2);
    });
}

/// A writer that downgrades races a reader and a second writer: the reader sees either
/// value, the second writer's update is never lost, and reads never overlap a write.
#[test]
fn loom_rwlock_writer_downgrade_vs_reader_and_writer() {
    model(|| {
        let lock = Arc::new(RwLock::with_max_readers(0, 2));
        let reader = {
            let lock = lock.clone();
            crate::loom::thread::spawn(move || {
                let v = *block_on(lock.read());
                assert!(v <= 11, "{v}");
            })
        };
        let writer = {
            let lock = lock.clone();
            crate::loom::thread::spawn(move || *block_on(lock.write()) += 10)
        };
        let mut w = block_on(lock.write());
        *w += 1;
        let r = RwLockWriteGuard::downgrade(w);
        assert!(*r == 1 || *r == 11);
        drop(r);
        reader.join().unwrap();
        writer.join().unwrap();
        assert_eq!(*lock.try_read().unwrap(), 11);
    });
}
