//! Loom models of the run-queue API (`scheduler/queue.rs`, and its loom stand-in
//! `queue_loom.rs`): every task pushed is taken exactly once, in FIFO order per taker,
//! however an owner's pops, a thief's batch steal and a foreign thread's injector push
//! interleave.

use eddy_test_support::model;

use crate::loom::thread;
use crate::scheduler::{local_queue, Injector};

/// Asserts that `taken` is strictly increasing: each taker sees the queue's FIFO order.
fn assert_fifo(taken: &[usize], who: &str) {
    assert!(
        taken.windows(2).all(|w| w[0] < w[1]),
        "{who} took tasks out of order: {taken:?}"
    );
}

#[test]
fn loom_local_pushes_racing_with_a_steal_deliver_every_task_once() {
    model(|| {
        let (local, stealer) = local_queue::<usize>();
        local.push(1);
        local.push(2);
        let thief = thread::spawn(move || {
            let (mine, _mine_stealer) = local_queue();
            let mut taken = Vec::new();
            if let Some(task) = stealer.steal_batch_and_pop(&mine) {
                taken.push(task);
            }
            while let Some(task) = mine.pop() {
                taken.push(task);
            }
            taken
        });
        local.push(3);
        let mut owner = Vec::new();
        while let Some(task) = local.pop() {
            owner.push(task);
        }
        let stolen = thief.join().unwrap();

        assert_fifo(&owner, "the owner");
        assert_fifo(&stolen, "the thief");
        let mut all: Vec<_> = owner.into_iter().chain(stolen).collect();
        all.sort_unstable();
        assert_eq!(all, [1, 2, 3], "every task is delivered exactly once");
    });
}

#[test]
fn loom_injector_pushes_racing_with_a_batch_take_deliver_every_task_once() {
    model(|| {
        let injector = crate::loom::Arc::new(Injector::<usize>::new());
        let producer = {
            let injector = injector.clone();
            thread::spawn(move || {
                injector.push(1);
                injector.push(2);
            })
        };
        let (local, _stealer) = local_queue();
        let mut taken = Vec::new();
        if let Some(task) = injector.steal_batch_and_pop(&local, 2) {
            taken.push(task);
        }
        while let Some(task) = local.pop() {
            taken.push(task);
        }
        producer.join().unwrap();
        while let Some(task) = injector.steal() {
            taken.push(task);
        }

        assert_fifo(&taken, "the worker");
        assert_eq!(taken, [1, 2], "every task is delivered exactly once");
        assert!(injector.is_empty());
    });
}
