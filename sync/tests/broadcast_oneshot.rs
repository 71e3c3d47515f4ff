//! broadcast's Stream, len and weak senders; oneshot's is_terminated / is_empty.

use eddy::sync::broadcast::{self, error::RecvError};
use eddy::sync::oneshot;
use futures_lite::StreamExt;

#[eddy::test]
async fn a_broadcast_stream_yields_lags_as_errors_and_ends_when_closed() {
    let (tx, rx) = broadcast::channel(2);
    let mut slow = tx.subscribe();
    let fast = eddy::spawn(rx.collect::<Vec<_>>());
    for i in 0..4 {
        tx.send(i).unwrap();
        eddy::task::yield_now().await;
    }
    drop(tx);
    let fast = fast.await.unwrap();
    assert_eq!(fast, (0..4).map(Ok).collect::<Vec<_>>());
    assert_eq!(slow.next().await, Some(Err(RecvError::Lagged(2))));
    assert_eq!(slow.next().await, Some(Ok(2)));
    assert_eq!(slow.next().await, Some(Ok(3)));
    assert_eq!(slow.next().await, None);
}

#[eddy::test]
async fn a_pending_stream_poll_is_woken_by_a_send_and_cleaned_up_on_drop() {
    let (tx, mut rx) = broadcast::channel(4);
    let next = eddy::spawn(async move {
        let got = rx.next().await;
        (got, rx)
    });
    eddy::task::yield_now().await;
    tx.send(1).unwrap();
    let (got, rx) = next.await.unwrap();
    assert_eq!(got, Some(Ok(1)));
    drop(rx);
    assert_eq!(tx.receiver_count(), 0);
}

#[test]
fn broadcast_len_counts_messages_some_receiver_has_yet_to_read() {
    let (tx, mut rx) = broadcast::channel(2);
    assert!(tx.is_empty());
    tx.send(1).unwrap();
    tx.send(2).unwrap();
    tx.send(3).unwrap(); // overwrites 1
    assert_eq!(tx.len(), 2);
    assert_eq!(
        rx.try_recv(),
        Err(broadcast::error::TryRecvError::Lagged(1))
    );
    rx.try_recv().unwrap();
    assert_eq!(tx.len(), 1);
    drop(rx);
    assert_eq!(tx.len(), 0, "no receiver left to read them");
}

#[test]
fn broadcast_weak_senders_do_not_keep_the_channel_open() {
    let (tx, mut rx) = broadcast::channel::<u8>(2);
    let weak = tx.downgrade();
    assert_eq!((tx.strong_count(), tx.weak_count()), (1, 1));
    let strong = weak.upgrade().unwrap();
    assert_eq!(weak.strong_count(), 2);
    drop((tx, strong));
    assert!(weak.upgrade().is_none());
    assert_eq!(rx.try_recv(), Err(broadcast::error::TryRecvError::Closed));
    assert_eq!(weak.clone().weak_count(), 2);
}

#[eddy::test]
async fn oneshot_is_empty_and_is_terminated_follow_the_value() {
    let (tx, mut rx) = oneshot::channel();
    assert!(rx.is_empty() && !rx.is_terminated());
    tx.send(1).unwrap();
    assert!(!rx.is_empty());
    assert_eq!((&mut rx).await, Ok(1));
    assert!(rx.is_empty() && rx.is_terminated());

    let (tx, mut rx) = oneshot::channel::<u8>();
    drop(tx);
    assert!(rx.is_empty() && !rx.is_terminated());
    assert!((&mut rx).await.is_err());
    assert!(rx.is_terminated());
}
