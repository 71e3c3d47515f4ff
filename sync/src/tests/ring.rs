//! The bounded channel's ring (`mpsc/ring.rs`) with real threads, small enough for miri
//! (`.ci/miri` runs these under Stacked Borrows with the leak check): values written and
//! moved out across threads and laps, values left in the ring at its drop, and the
//! receiver dropped while senders still push (the orphans' drain).

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

use crate::mpsc;
use crate::mpsc::ring::Ring;

/// Under miri, fewer rounds: the paths are the same.
const ROUNDS: usize = if cfg!(miri) { 40 } else { 10_000 };

#[test]
fn values_cross_threads_and_laps_in_order() {
    // Capacity 3 makes a ring of 4 slots: permits, not slots, bound the claims.
    let (tx, mut rx) = mpsc::channel::<Box<usize>>(3);
    let producer = std::thread::spawn(move || {
        for i in 0..ROUNDS {
            tx.blocking_send(Box::new(i)).unwrap();
        }
    });
    for i in 0..ROUNDS {
        assert_eq!(rx.blocking_recv().map(|b| *b), Some(i));
    }
    producer.join().unwrap();
    assert_eq!(rx.blocking_recv(), None);
}

#[test]
fn two_producers_deliver_everything() {
    let (tx, mut rx) = mpsc::channel::<Box<usize>>(2);
    let producers: Vec<_> = (0..2)
        .map(|p| {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for i in 0..ROUNDS {
                    tx.blocking_send(Box::new(p * ROUNDS + i)).unwrap();
                }
            })
        })
        .collect();
    drop(tx);
    let mut sum = 0;
    while let Some(v) = rx.blocking_recv() {
        sum += *v;
    }
    for p in producers {
        p.join().unwrap();
    }
    assert_eq!(sum, (0..2 * ROUNDS).sum::<usize>());
}

#[test]
fn values_left_in_the_ring_are_dropped_with_it() {
    let (ring, mut consumer) = Ring::new(4);
    for i in 0..4 {
        ring.push(Box::new(i));
    }
    assert_eq!(ring.pop(&mut consumer).map(|b| *b), Some(0));
    assert_eq!(ring.len(), 3);
    drop(ring); // three boxes left: the leak check sees them freed
}

/// A value that counts its drops.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

#[test]
fn receiver_dropped_while_senders_push_drops_every_value_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = mpsc::channel::<Counted>(4);
    let sent = Arc::new(AtomicUsize::new(0));
    let producers: Vec<_> = (0..2)
        .map(|_| {
            let (tx, drops, sent) = (tx.clone(), drops.clone(), sent.clone());
            std::thread::spawn(move || {
                while let Ok(permit) = tx.try_reserve() {
                    permit.send(Counted(drops.clone()));
                    sent.fetch_add(1, SeqCst);
                    if sent.load(SeqCst) > 8 {
                        break;
                    }
                }
            })
        })
        .collect();
    drop(rx);
    for p in producers {
        p.join().unwrap();
    }
    // `tx` still holds the channel: every value sent was dropped already, none is left.
    assert_eq!(drops.load(SeqCst), sent.load(SeqCst));
    drop(tx);
    assert_eq!(drops.load(SeqCst), sent.load(SeqCst));
}

/// Capacity 1 gets two slots: with one, a freed slot's stamp would read as full.
#[test]
fn capacity_one_laps_through_two_slots() {
    let (ring, mut consumer) = Ring::new(1);
    for i in 0..6 {
        assert_eq!(ring.pop(&mut consumer), None);
        ring.push(Box::new(i));
        assert_eq!(ring.len(), 1);
        assert_eq!(ring.pop(&mut consumer).map(|b| *b), Some(i));
        assert_eq!(ring.pop_settled(&mut consumer), None);
        assert_eq!(ring.len(), 0);
    }
}

/// Values taken across threads, each receive waiting for the head position while its
/// sender is still writing: all arrive, in order per sender.
#[test]
fn try_recv_sees_every_returned_send() {
    let (tx, mut rx) = mpsc::channel::<Box<usize>>(2);
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let producers: Vec<_> = (0..2)
        .map(|p| {
            let (tx, done_tx) = (tx.clone(), done_tx.clone());
            std::thread::spawn(move || {
                for i in 0..ROUNDS {
                    tx.blocking_send(Box::new(p * ROUNDS + i)).unwrap();
                    // Returned: a try_recv from now on must find a value.
                    done_tx.send(()).unwrap();
                }
            })
        })
        .collect();
    drop((tx, done_tx));
    let mut sum = 0;
    for () in done_rx.iter() {
        sum += *rx.try_recv().expect("a send returned, so a value is there");
    }
    for p in producers {
        p.join().unwrap();
    }
    assert_eq!(sum, (0..2 * ROUNDS).sum::<usize>());
}
