//! tokio's newer mpsc surface on eddy: `recv_many`, `reserve_many`, owned permits, weak
//! senders, `send_timeout` (with the paused clock), and the receivers as `Stream`s.

use std::time::Duration;

use eddy::sync::mpsc::{self, error::SendTimeoutError, error::TrySendError};
use futures_lite::StreamExt;

/// A test body that must finish well within its limit: a hang fails instead of stalling.
async fn bounded<F: std::future::Future>(f: F) -> F::Output {
    eddy::time::timeout(Duration::from_secs(30), f)
        .await
        .expect("the test hung: a lost wake-up")
}

#[eddy::test]
async fn recv_many_takes_at_most_limit_and_zero_means_closed() {
    bounded(async {
        let (tx, mut rx) = mpsc::channel(8);
        for i in 0..6 {
            tx.send(i).await.unwrap();
        }
        let mut buf = Vec::new();
        assert_eq!(
            rx.recv_many(&mut buf, 0).await,
            0,
            "limit 0 returns at once"
        );
        assert_eq!(rx.recv_many(&mut buf, 4).await, 4);
        assert_eq!(tx.capacity(), 6, "taken messages give their slots back");
        assert_eq!(rx.recv_many(&mut buf, 4).await, 2);
        // Waits for the next message rather than returning 0 while senders live.
        let sender = eddy::spawn(async move {
            tx.send(6).await.unwrap();
        });
        assert_eq!(rx.recv_many(&mut buf, 4).await, 1);
        sender.await.unwrap();
        assert_eq!(rx.recv_many(&mut buf, 4).await, 0);
        assert_eq!(buf, (0..7).collect::<Vec<_>>());
    })
    .await
}

#[eddy::test]
async fn unbounded_recv_many_appends_to_the_buffer() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    for i in 0..10 {
        tx.send(i).unwrap();
    }
    drop(tx);
    let mut buf = vec![99];
    assert_eq!(rx.recv_many(&mut buf, 100).await, 10);
    assert_eq!(buf.len(), 11);
    assert_eq!(rx.recv_many(&mut buf, 100).await, 0);
}

#[eddy::test]
async fn reserve_many_waits_for_all_slots_and_gives_back_the_unused() {
    bounded(async {
        let (tx, mut rx) = mpsc::channel::<u32>(3);
        tx.send(0).await.unwrap();
        assert!(tx.try_reserve_many(3).unwrap_err().is_full());
        assert!(tx.try_reserve_many(4).unwrap_err().is_full());
        assert!(
            tx.reserve_many(4).await.is_err(),
            "more than the capacity fails"
        );
        let tx2 = tx.clone();
        let waiter = eddy::spawn(async move {
            let permits = tx2.reserve_many(3).await.unwrap();
            assert_eq!(permits.len(), 3);
            for (i, p) in permits.enumerate() {
                p.send(10 + i as u32);
            }
        });
        assert_eq!(rx.recv().await, Some(0)); // frees the third slot
        waiter.await.unwrap();
        let mut got = Vec::new();
        rx.recv_many(&mut got, 3).await;
        assert_eq!(got, [10, 11, 12]);
        // An iterator dropped half used gives back the rest.
        let mut permits = tx.try_reserve_many(3).unwrap();
        permits.next().unwrap().send(1);
        drop(permits);
        assert_eq!(tx.capacity(), 2);
        assert_eq!(tx.try_reserve_many(0).unwrap().len(), 0);
    })
    .await
}

#[eddy::test]
async fn a_closed_receiver_waits_for_an_unused_permit_iterator() {
    let (tx, mut rx) = mpsc::channel::<u8>(2);
    let permits = tx.try_reserve_many(2).unwrap();
    rx.close();
    assert!(tx.try_reserve_many(1).unwrap_err().is_closed());
    let recv = eddy::spawn(async move { rx.recv().await });
    eddy::task::yield_now().await;
    drop(permits); // the closed receiver is woken and sees the end
    assert_eq!(recv.await.unwrap(), None);
}

#[eddy::test]
async fn owned_permits_move_into_tasks_and_hand_the_sender_back() {
    bounded(async {
        let (tx, mut rx) = mpsc::channel(1);
        let permit = tx.clone().reserve_owned().await.unwrap();
        let full = tx.clone().try_reserve_owned().unwrap_err();
        assert!(matches!(full, TrySendError::Full(_)));
        let back = eddy::spawn(async move { permit.send(7) }).await.unwrap();
        assert!(back.same_channel(&tx));
        assert_eq!(rx.recv().await, Some(7));
        let permit = tx.clone().try_reserve_owned().unwrap();
        assert_eq!(tx.capacity(), 0);
        let released = permit.release();
        assert_eq!(released.capacity(), 1);
        // A dropped receiver: the sent value is dropped, the sender returned.
        let permit = tx.try_reserve_owned().unwrap();
        drop(rx);
        let tx = permit.send(8);
        assert!(tx.is_closed());
        assert!(matches!(
            tx.try_reserve_owned(),
            Err(TrySendError::Closed(_))
        ));
    })
    .await
}

#[eddy::test]
async fn weak_senders_do_not_keep_the_channel_open() {
    bounded(async {
        let (tx, mut rx) = mpsc::channel::<u8>(4);
        let weak = tx.downgrade();
        let weak2 = weak.clone();
        assert_eq!((tx.strong_count(), tx.weak_count()), (1, 2));
        let strong = weak.upgrade().unwrap();
        assert_eq!(weak2.strong_count(), 2);
        strong.send(1).await.unwrap();
        drop(strong);
        drop(tx);
        // Only weak senders remain: the receiver sees the end.
        assert_eq!(rx.recv().await, Some(1));
        assert_eq!(rx.recv().await, None);
        assert!(weak.upgrade().is_none(), "a closed channel stays closed");
        assert_eq!(weak.strong_count(), 0);
        drop(weak2);
        assert_eq!(weak.weak_count(), 1);

        let (tx, mut rx) = mpsc::unbounded_channel::<u8>();
        let weak = tx.downgrade();
        weak.upgrade().unwrap().send(2).unwrap();
        drop(tx);
        assert_eq!(rx.recv().await, Some(2));
        assert_eq!(rx.recv().await, None);
        assert!(weak.upgrade().is_none());
    })
    .await
}

#[eddy::test(start_paused = true)]
async fn send_timeout_times_out_on_the_paused_clock() {
    let (tx, mut rx) = mpsc::channel(1);
    tx.send_timeout(1, Duration::from_secs(3600)).await.unwrap();
    let start = eddy::time::Instant::now();
    // An hour on the paused clock passes at once.
    let err = tx
        .send_timeout(2, Duration::from_secs(3600))
        .await
        .unwrap_err();
    assert!(err.is_timeout());
    assert_eq!(err.into_inner(), 2);
    assert!(start.elapsed() >= Duration::from_secs(3600));
    assert_eq!(
        tx.capacity(),
        0,
        "a timed-out send leaves no reservation behind"
    );
    assert_eq!(rx.recv().await, Some(1));
    drop(rx);
    assert!(matches!(
        tx.send_timeout(3, Duration::from_secs(1)).await,
        Err(SendTimeoutError::Closed(3))
    ));
}

#[eddy::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_timeout_sends_once_room_comes_in_time() {
    bounded(async {
        let (tx, mut rx) = mpsc::channel(1);
        tx.send(1).await.unwrap();
        let receiver = eddy::spawn(async move {
            let first = rx.recv().await;
            (first, rx.recv().await)
        });
        tx.send_timeout(2, Duration::from_secs(60)).await.unwrap();
        drop(tx);
        assert_eq!(receiver.await.unwrap(), (Some(1), Some(2)));
    })
    .await
}

#[eddy::test]
async fn receivers_are_streams_that_end_when_the_channel_closes() {
    let (tx, rx) = mpsc::channel(4);
    let producer = eddy::spawn(async move {
        for i in 0..20 {
            tx.send(i).await.unwrap();
        }
    });
    let sum: i32 = rx.fold(0, |acc, x| acc + x).await;
    assert_eq!(sum, 190);
    producer.await.unwrap();

    let (tx, mut rx) = mpsc::unbounded_channel();
    tx.send(1).unwrap();
    tx.send(2).unwrap();
    assert_eq!(futures_lite::Stream::size_hint(&rx), (2, None));
    drop(tx);
    let got: Vec<_> = (&mut rx).collect().await;
    assert_eq!(got, [1, 2]);
    assert_eq!(rx.next().await, None);
}
