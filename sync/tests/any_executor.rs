//! eddy-sync without eddy's runtime: every primitive under futures-lite's `block_on` on
//! plain threads, and under smol's executor (async-executor) with several threads. No eddy
//! runtime is built here; the cooperative budget is simply unlimited.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc as std_mpsc, Arc};
use std::thread;
use std::time::Duration;

use async_executor::Executor;
use eddy_sync::{
    broadcast, mpsc, oneshot, watch, Barrier, Event, Mutex, Notify, RwLock, Semaphore,
};
use futures_lite::future::{self, block_on};

/// Runs `f` on its own thread and fails the test if it has not finished within a minute:
/// a lost wake-up becomes a failure, not a stuck CI run.
fn with_timeout(f: impl FnOnce() + Send + 'static) {
    let (done_tx, done_rx) = std_mpsc::channel();
    let body = thread::spawn(move || {
        f();
        let _ = done_tx.send(());
    });
    match done_rx.recv_timeout(Duration::from_secs(60)) {
        Ok(()) => body.join().unwrap(),
        Err(std_mpsc::RecvTimeoutError::Disconnected) => {
            std::panic::resume_unwind(body.join().unwrap_err())
        }
        Err(std_mpsc::RecvTimeoutError::Timeout) => panic!("a hang: lost wake-up or deadlock"),
    }
}

/// Runs `main` on a smol executor driven by `threads` threads besides the caller's, until
/// it finishes; the threads stop on an eddy-sync `Event`.
fn on_smol<T: Send + 'static>(
    threads: usize,
    main: impl FnOnce(Arc<Executor<'static>>) -> future::Boxed<T>,
) -> T {
    let ex = Arc::new(Executor::new());
    let stop = Arc::new(Event::new());
    let drivers: Vec<_> = (0..threads)
        .map(|_| {
            let (ex, stop) = (ex.clone(), stop.clone());
            thread::spawn(move || block_on(ex.run(stop.wait())))
        })
        .collect();
    let out = block_on(ex.run(main(ex.clone())));
    stop.set();
    for driver in drivers {
        driver.join().unwrap();
    }
    out
}

#[test]
fn mutex_and_semaphore_under_block_on_from_plain_threads() {
    with_timeout(|| {
        let counter = Arc::new(Mutex::new(0u64));
        let sem = Arc::new(Semaphore::new(2));
        let inside = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let (counter, sem, inside) = (counter.clone(), sem.clone(), inside.clone());
                thread::spawn(move || {
                    block_on(async {
                        for _ in 0..1_000 {
                            let _permit = sem.acquire().await.unwrap();
                            assert!(inside.fetch_add(1, Ordering::SeqCst) < 2);
                            *counter.lock().await += 1;
                            inside.fetch_sub(1, Ordering::SeqCst);
                        }
                    })
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(*block_on(counter.lock()), 4_000);
    });
}

#[test]
fn channels_and_notifications_under_block_on_from_plain_threads() {
    with_timeout(|| {
        let (tx, mut rx) = mpsc::channel::<u32>(4);
        let producers: Vec<_> = (0..3)
            .map(|p| {
                let tx = tx.clone();
                thread::spawn(move || {
                    block_on(async {
                        for i in 0..100 {
                            tx.send(p * 1_000 + i).await.unwrap();
                        }
                    })
                })
            })
            .collect();
        drop(tx);
        let mut got = block_on(async {
            let mut got = Vec::new();
            while let Some(v) = rx.recv().await {
                got.push(v);
            }
            got
        });
        for p in producers {
            p.join().unwrap();
        }
        got.sort_unstable();
        let want: Vec<u32> = (0..3)
            .flat_map(|p| (0..100).map(move |i| p * 1_000 + i))
            .collect();
        assert_eq!(got, want);

        let (once_tx, once_rx) = oneshot::channel();
        let sender = thread::spawn(move || once_tx.send("set_result").unwrap());
        assert_eq!(block_on(once_rx), Ok("set_result"));
        sender.join().unwrap();

        let notify = Arc::new(Notify::new());
        let event = Arc::new(Event::new());
        let (n, e) = (notify.clone(), event.clone());
        let waker_thread = thread::spawn(move || {
            n.notify_one();
            e.set();
        });
        block_on(async {
            notify.notified().await;
            event.wait().await;
        });
        waker_thread.join().unwrap();
    });
}

#[test]
fn every_primitive_under_smols_executor_on_four_threads() {
    with_timeout(|| {
        let total = on_smol(4, |ex| {
            Box::pin(async move {
                let lock = Arc::new(RwLock::new(0u64));
                let barrier = Arc::new(Barrier::new(8));
                let (watch_tx, watch_rx) = watch::channel(0u64);
                let (bcast_tx, _) = broadcast::channel::<u64>(16);
                let (tx, mut rx) = mpsc::unbounded_channel::<u64>();
                let tasks: Vec<_> = (0..8u64)
                    .map(|i| {
                        let (lock, barrier, tx) = (lock.clone(), barrier.clone(), tx.clone());
                        let mut watch_rx = watch_rx.clone();
                        let mut bcast_rx = bcast_tx.subscribe();
                        ex.spawn(async move {
                            *lock.write().await += i;
                            barrier.wait().await;
                            // Every task wrote before any passed the barrier.
                            assert_eq!(*lock.read().await, 28);
                            watch_rx.wait_for(|v| *v == 1).await.unwrap();
                            let message = bcast_rx.recv().await.unwrap();
                            tx.send(message + i).unwrap();
                        })
                    })
                    .collect();
                drop(tx);
                // The tasks wait for the watch value, then for a broadcast message.
                watch_tx.send(1).unwrap();
                assert_eq!(bcast_tx.send(100).unwrap(), 8);
                let mut sum = 0;
                while let Some(v) = rx.recv().await {
                    sum += v;
                }
                for t in tasks {
                    t.await;
                }
                sum
            })
        });
        assert_eq!(total, 8 * 100 + 28);
    });
}

#[test]
fn once_cell_tokens_and_batches_under_block_on_from_plain_threads() {
    with_timeout(|| {
        let cell = Arc::new(eddy_sync::OnceCell::new());
        let token = eddy_sync::CancellationToken::new();
        let (tx, mut rx) = mpsc::channel(4);
        let threads: Vec<_> = (0..4)
            .map(|i| {
                let (cell, child, tx) = (cell.clone(), token.child_token(), tx.clone());
                thread::spawn(move || {
                    block_on(async {
                        let v = *cell.get_or_init(|| async move { i }).await;
                        tx.send(v).await.unwrap();
                        drop(tx); // the receiver's batches end once every thread sent
                        child.cancelled().await;
                    })
                })
            })
            .collect();
        drop(tx);
        let mut got = Vec::new();
        while block_on(rx.recv_many(&mut got, 4)) > 0 {}
        assert_eq!(got.len(), 4);
        assert!(got.iter().all(|&v| v == got[0]), "one initializer ran");
        token.cancel();
        for t in threads {
            t.join().unwrap();
        }
    });
}
