//! The real scheduler in miniature: small enough to run under miri, which checks the
//! unsafe task code against the real queues, LIFO slot, stealing and shutdown.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};

use crate::task::yield_now;
use crate::{block_on, Executor};

/// Scaled down under miri, which is ~1000x slower.
const N: usize = if cfg!(miri) { 20 } else { 2_000 };

fn executor(workers: usize) -> Executor {
    Executor::builder().worker_threads(workers).build().unwrap()
}

#[test]
fn tasks_spawned_from_outside_and_inside_all_run_once() {
    let ex = executor(2);
    let spawner = ex.spawner();
    let runs = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..N)
        .map(|_| {
            let runs = runs.clone();
            let inner = spawner.clone();
            spawner.spawn(async move {
                let runs2 = runs.clone();
                inner
                    .spawn(async move {
                        runs2.fetch_add(1, Ordering::SeqCst);
                    })
                    .await
                    .unwrap();
                runs.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    block_on(async {
        for h in handles {
            h.await.unwrap();
        }
    });
    assert_eq!(runs.load(Ordering::SeqCst), 2 * N);
}

#[test]
fn yielding_tasks_interleave_and_finish() {
    let ex = executor(2);
    let handles: Vec<_> = (0..4)
        .map(|i| {
            ex.spawner().spawn(async move {
                for _ in 0..N / 4 {
                    yield_now().await;
                }
                i
            })
        })
        .collect();
    let sum: usize = block_on(async {
        let mut sum = 0;
        for h in handles {
            sum += h.await.unwrap();
        }
        sum
    });
    assert_eq!(sum, 6);
}

#[test]
fn a_message_ring_wakes_through_the_lifo_slot() {
    // Four tasks in a ring pass a token N times; each hop wakes the next task from inside
    // a task, which is the LIFO slot's path.
    let ex = executor(2);
    let (txs, rxs): (Vec<_>, Vec<_>) = (0..4).map(|_| async_oneshot_ring::channel()).unzip();
    let mut rxs: Vec<_> = rxs.into_iter().map(Some).collect();
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let rx = rxs[i].take().unwrap();
            let tx = txs[(i + 1) % 4].clone();
            ex.spawner().spawn(async move {
                loop {
                    let hops = rx.recv().await;
                    if hops >= N {
                        tx.send(hops);
                        return;
                    }
                    tx.send(hops + 1);
                }
            })
        })
        .collect();
    txs[0].send(0);
    block_on(async {
        for h in handles {
            h.await.unwrap();
        }
    });
}

#[test]
fn dropping_the_executor_drops_pending_futures_and_wakers_stay_harmless() {
    let ex = executor(2);
    let (tx, rx) = mpsc::channel();
    let drops = Arc::new(AtomicUsize::new(0));
    struct CountDrop(Arc<AtomicUsize>);
    impl Drop for CountDrop {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let tx = tx.clone();
            let guard = CountDrop(drops.clone());
            ex.spawner().spawn(async move {
                let _guard = guard;
                std::future::poll_fn(|cx| {
                    let _ = tx.send(cx.waker().clone());
                    std::task::Poll::<()>::Pending
                })
                .await
            })
        })
        .collect();
    let wakers: Vec<_> = (0..8).map(|_| rx.recv().unwrap()).collect();
    drop(ex);
    assert_eq!(drops.load(Ordering::SeqCst), 8);
    for w in wakers {
        w.wake();
    }
    for h in handles {
        assert!(block_on(h).unwrap_err().is_cancelled());
    }
}

/// A tiny single-slot channel on std primitives, so the ring test needs no dependency.
mod async_oneshot_ring {
    use std::future::poll_fn;
    use std::sync::{Arc, Mutex};
    use std::task::{Poll, Waker};

    #[derive(Default)]
    struct Slot {
        value: Option<usize>,
        waker: Option<Waker>,
    }

    #[derive(Clone)]
    pub(super) struct Sender(Arc<Mutex<Slot>>);
    pub(super) struct Receiver(Arc<Mutex<Slot>>);

    pub(super) fn channel() -> (Sender, Receiver) {
        let slot = Arc::new(Mutex::new(Slot::default()));
        (Sender(slot.clone()), Receiver(slot))
    }

    impl Sender {
        pub(super) fn send(&self, value: usize) {
            let waker = {
                let mut slot = self.0.lock().unwrap();
                slot.value = Some(value);
                slot.waker.take()
            };
            if let Some(w) = waker {
                w.wake();
            }
        }
    }

    impl Receiver {
        pub(super) async fn recv(&self) -> usize {
            poll_fn(|cx| {
                let mut slot = self.0.lock().unwrap();
                match slot.value.take() {
                    Some(v) => Poll::Ready(v),
                    None => {
                        slot.waker = Some(cx.waker().clone());
                        Poll::Pending
                    }
                }
            })
            .await
        }
    }
}
