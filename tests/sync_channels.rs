//! oneshot, mpsc, watch and broadcast: delivery, close semantics, backpressure, FIFO of
//! waiting senders, cancel safety, lag, many-producer stress, Send/Sync.

mod support;
mod sync_util;

use std::sync::Arc;

use eddy::sync::{broadcast, mpsc, oneshot, watch};
use support::{runtime, with_timeout, DropCounter, LIMIT};
use sync_util::Task;

// ---- oneshot -------------------------------------------------------------------------

#[test]
fn oneshot_sent_from_a_plain_thread_wakes_the_task() {
    with_timeout(LIMIT, || {
        runtime(2).block_on(async {
            let (tx, rx) = oneshot::channel();
            let t = std::thread::spawn(move || tx.send(String::from("from a thread")).unwrap());
            assert_eq!(rx.await.unwrap(), "from a thread");
            t.join().unwrap();
        })
    });
}

#[test]
fn oneshot_receiver_errs_when_the_sender_is_dropped() {
    let (tx, rx) = oneshot::channel::<u8>();
    let mut rx = Task::new(rx);
    rx.pending();
    drop(tx);
    assert!(rx.is_woken());
    assert_eq!(rx.ready(), Err(oneshot::error::RecvError(())));
}

#[test]
fn oneshot_send_after_the_receiver_went_gives_the_value_back_and_closed_wakes() {
    let (mut tx, rx) = oneshot::channel::<u8>();
    let mut closed = Task::new(async move {
        tx.closed().await;
        tx
    });
    closed.pending();
    drop(rx);
    assert!(closed.is_woken());
    let tx = closed.ready();
    assert_eq!(tx.send(1), Err(1));
}

#[test]
fn oneshot_drops_an_unreceived_value_with_the_receiver() {
    let drops = DropCounter::default();
    let (tx, rx) = oneshot::channel();
    tx.send(drops.token()).ok().unwrap();
    drop(rx);
    assert_eq!(drops.dropped(), 1);
}

#[test]
fn oneshot_ping_pong_across_workers() {
    with_timeout(LIMIT, || {
        runtime(2).block_on(async {
            for i in 0..500 {
                let (tx, rx) = oneshot::channel();
                let (back_tx, back_rx) = oneshot::channel();
                eddy::spawn(async move { back_tx.send(rx.await.unwrap() + 1).unwrap() });
                tx.send(i).unwrap();
                assert_eq!(back_rx.await.unwrap(), i + 1);
            }
        })
    });
}

// ---- mpsc ----------------------------------------------------------------------------

#[test]
fn a_full_channel_blocks_the_sender_until_a_recv() {
    let (tx, mut rx) = mpsc::channel(2);
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    let mut send = Task::new(tx.send(3));
    send.pending();
    assert!(tx.try_send(4).unwrap_err().is_full());
    assert_eq!(rx.try_recv(), Ok(1));
    assert!(send.is_woken(), "a recv made room");
    send.ready().unwrap();
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(rx.try_recv(), Ok(3));
}

#[test]
fn waiting_senders_are_served_in_order() {
    let (tx, mut rx) = mpsc::channel(1);
    tx.try_send(0).unwrap();
    let mut sends: Vec<_> = (1..=3).map(|i| Task::new(tx.send(i))).collect();
    for s in &mut sends {
        s.pending();
    }
    for (i, send) in sends.iter_mut().enumerate() {
        assert_eq!(rx.try_recv(), Ok(i as i32));
        send.ready().unwrap();
    }
    assert_eq!(rx.try_recv(), Ok(3));
}

#[test]
fn a_dropped_send_future_loses_no_capacity() {
    let (tx, mut rx) = mpsc::channel(1);
    tx.try_send(0).unwrap();
    let mut first = Task::new(tx.send(1));
    first.pending();
    let mut second = Task::new(tx.send(2));
    second.pending();
    assert_eq!(rx.try_recv(), Ok(0));
    assert!(first.is_woken());
    drop(first); // granted a slot, never sent
    assert!(second.is_woken(), "the slot went to the next sender");
    second.ready().unwrap();
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(tx.capacity(), 1);
}

#[test]
fn recv_returns_none_after_all_senders_drop_and_the_buffer_drains() {
    let (tx, mut rx) = mpsc::channel(4);
    let tx2 = tx.clone();
    tx.try_send(1).unwrap();
    tx2.try_send(2).unwrap();
    drop(tx);
    let mut recv = Task::new(async move {
        let mut got = vec![];
        while let Some(v) = rx.recv().await {
            got.push(v);
        }
        got
    });
    recv.pending();
    drop(tx2);
    assert!(recv.is_woken());
    assert_eq!(recv.ready(), [1, 2]);
}

#[test]
fn close_fails_senders_but_keeps_the_buffer() {
    let (tx, mut rx) = mpsc::channel(1);
    tx.try_send(1).unwrap();
    let mut waiting = Task::new(tx.send(2));
    waiting.pending();
    let mut closed = Task::new(tx.closed());
    closed.pending();
    rx.close();
    assert!(waiting.is_woken() && closed.is_woken());
    assert_eq!(waiting.ready().unwrap_err().0, 2);
    closed.ready();
    assert!(tx.is_closed());
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Err(mpsc::error::TryRecvError::Disconnected));
    assert_eq!(eddy::run(rx.recv()), None);
}

#[test]
fn dropping_the_receiver_drops_buffered_messages() {
    let drops = DropCounter::default();
    let (tx, rx) = mpsc::unbounded_channel();
    tx.send(drops.token()).ok().unwrap();
    tx.send(drops.token()).ok().unwrap();
    drop(rx);
    assert_eq!(drops.dropped(), 2);
    assert!(tx.send(drops.token()).is_err());
}

#[test]
fn four_producers_deliver_everything_in_per_producer_order() {
    with_timeout(LIMIT, || {
        runtime(4).block_on(async {
            const N: u64 = 5000;
            let (tx, mut rx) = mpsc::channel(16);
            for p in 0..4u64 {
                let tx = tx.clone();
                eddy::spawn(async move {
                    for i in 0..N {
                        tx.send((p, i)).await.unwrap();
                    }
                });
            }
            drop(tx);
            let mut next = [0u64; 4];
            while let Some((p, i)) = rx.recv().await {
                assert_eq!(next[p as usize], i, "producer {p} out of order");
                next[p as usize] += 1;
            }
            assert_eq!(next, [N; 4]);
        })
    });
}

#[test]
fn unbounded_channel_from_threads() {
    with_timeout(LIMIT, || {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let tx = tx.clone();
                std::thread::spawn(move || (0..1000).for_each(|i| tx.send(t * 1000 + i).unwrap()))
            })
            .collect();
        drop(tx);
        let sum = runtime(2).block_on(async move {
            let mut sum = 0u64;
            while let Some(v) = rx.recv().await {
                sum += v;
            }
            sum
        });
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert_eq!(sum, (0..4000).sum());
    });
}

#[test]
fn a_busy_receiver_yields_to_other_tasks() {
    with_timeout(LIMIT, || {
        runtime(1).block_on(async {
            let (tx, mut rx) = mpsc::unbounded_channel();
            for i in 0..10_000 {
                tx.send(i).unwrap();
            }
            let flag = Arc::new(std::sync::atomic::AtomicBool::new(false));
            let f2 = flag.clone();
            eddy::spawn(async move { f2.store(true, std::sync::atomic::Ordering::SeqCst) });
            let receiver = eddy::spawn(async move {
                let mut saw_flag_before_the_end = false;
                for _ in 0..10_000 {
                    rx.recv().await.unwrap();
                    saw_flag_before_the_end |= flag.load(std::sync::atomic::Ordering::SeqCst);
                }
                saw_flag_before_the_end
            });
            assert!(receiver.await.unwrap(), "the budget let the other task run");
        })
    });
}

// ---- watch ---------------------------------------------------------------------------

#[test]
fn watch_changed_and_borrow() {
    let (tx, mut rx) = watch::channel(0);
    assert!(!rx.has_changed().unwrap());
    let mut changed = Task::new(async move {
        rx.changed().await.unwrap();
        let v = *rx.borrow_and_update();
        (rx, v)
    });
    changed.pending();
    tx.send(1).unwrap();
    tx.send(2).unwrap(); // only the latest value is kept
    assert!(changed.is_woken());
    let (mut rx, v) = changed.ready();
    assert_eq!(v, 2);
    assert!(!rx.has_changed().unwrap());
    drop(tx);
    assert!(eddy::run(rx.changed()).is_err());
}

#[test]
fn watch_sender_errs_without_receivers_and_sees_them_go() {
    let (tx, rx) = watch::channel(());
    let rx2 = rx.clone();
    assert_eq!(tx.receiver_count(), 2);
    let mut closed = Task::new(tx.closed());
    closed.pending();
    drop(rx);
    assert!(!closed.is_woken());
    drop(rx2);
    assert!(closed.is_woken());
    closed.ready();
    assert!(tx.send(()).is_err());
}

#[test]
fn watch_across_workers_ends_at_the_last_value() {
    with_timeout(LIMIT, || {
        runtime(2).block_on(async {
            let (tx, mut rx) = watch::channel(0);
            let watcher = eddy::spawn(async move {
                let mut last = 0;
                while rx.changed().await.is_ok() {
                    let v = *rx.borrow_and_update();
                    assert!(v > last, "values only go forward");
                    last = v;
                }
                last
            });
            for i in 1..=1000 {
                tx.send(i).unwrap();
                if i % 10 == 0 {
                    eddy::task::yield_now().await;
                }
            }
            drop(tx);
            assert_eq!(watcher.await.unwrap(), 1000);
        })
    });
}

// ---- broadcast -----------------------------------------------------------------------

#[test]
fn broadcast_every_receiver_gets_every_message() {
    let (tx, mut a) = broadcast::channel(8);
    let mut b = tx.subscribe();
    for i in 0..5 {
        assert_eq!(tx.send(i).unwrap(), 2);
    }
    for rx in [&mut a, &mut b] {
        for i in 0..5 {
            assert_eq!(rx.try_recv(), Ok(i));
        }
    }
}

#[test]
fn broadcast_a_slow_receiver_lags_and_resumes_at_the_oldest() {
    let (tx, mut rx) = broadcast::channel(2);
    for i in 0..5 {
        tx.send(i).unwrap();
    }
    assert_eq!(
        eddy::run(rx.recv()),
        Err(broadcast::error::RecvError::Lagged(3))
    );
    assert_eq!(rx.try_recv(), Ok(3));
    assert_eq!(rx.try_recv(), Ok(4));
    assert_eq!(rx.try_recv(), Err(broadcast::error::TryRecvError::Empty));
}

#[test]
fn broadcast_recv_waits_then_sees_close() {
    let (tx, mut rx) = broadcast::channel::<u8>(2);
    let mut recv = Task::new(async move {
        let first = rx.recv().await;
        let second = rx.recv().await;
        (first, second)
    });
    recv.pending();
    tx.send(7).unwrap();
    assert!(recv.is_woken());
    recv.pending();
    drop(tx);
    assert_eq!(
        recv.ready(),
        (Ok(7), Err(broadcast::error::RecvError::Closed))
    );
}

#[test]
fn broadcast_a_dropped_recv_leaves_no_ghost_waiter() {
    let (tx, mut rx) = broadcast::channel::<u8>(2);
    let mut recv = Task::new(rx.recv());
    recv.pending();
    drop(recv);
    assert_eq!(tx.send(1).unwrap(), 1);
    assert_eq!(rx.try_recv(), Ok(1));
    drop(rx);
    assert!(tx.send(2).is_err());
}

#[test]
fn broadcast_across_workers() {
    with_timeout(LIMIT, || {
        runtime(2).block_on(async {
            let (tx, _) = broadcast::channel(1024);
            let receivers: Vec<_> = (0..4)
                .map(|_| {
                    let mut rx = tx.subscribe();
                    eddy::spawn(async move {
                        let mut sum = 0u64;
                        while let Ok(v) = rx.recv().await {
                            sum += v;
                        }
                        sum
                    })
                })
                .collect();
            for i in 0..1000u64 {
                tx.send(i).unwrap();
            }
            drop(tx);
            for r in receivers {
                assert_eq!(r.await.unwrap(), (0..1000).sum());
            }
        })
    });
}

#[test]
fn channel_types_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<oneshot::Sender<u8>>();
    send_sync::<oneshot::Receiver<u8>>();
    send_sync::<mpsc::Sender<u8>>();
    send_sync::<mpsc::Receiver<u8>>();
    send_sync::<mpsc::UnboundedSender<u8>>();
    send_sync::<mpsc::UnboundedReceiver<u8>>();
    send_sync::<watch::Sender<u8>>();
    send_sync::<watch::Receiver<u8>>();
    send_sync::<broadcast::Sender<u8>>();
    send_sync::<broadcast::Receiver<u8>>();
    fn send<T: Send>(_: T) {}
    let (tx, mut rx) = mpsc::channel::<u8>(1);
    send(tx.send(1));
    send(rx.recv());
    let (_btx, mut brx) = broadcast::channel::<u8>(1);
    send(brx.recv());
    let (_wtx, mut wrx) = watch::channel(0u8);
    send(wrx.changed());
}
