//! The invariants checked after every operation, and at the end: the real tasks against
//! the model (queue, polls, drops, outputs, join wakers, and who holds each task).

use std::sync::atomic::Ordering::SeqCst;
use std::sync::Arc;

use proptest::prelude::*;

use super::{Check, Harness, Join};
use crate::task::JoinError;

impl Harness {
    /// The model's holders of a task: JoinHandle, wakers, AbortHandles (the test's and
    /// the future's), the queue, and the owned-task list until it finishes.
    pub(super) fn holders(&self) -> Vec<usize> {
        let mut holders: Vec<usize> = self
            .model
            .iter()
            .map(|m| {
                usize::from(m.join != Join::Dropped)
                    + usize::from(m.abort_in_future)
                    + usize::from(m.queued)
                    + usize::from(m.outcome.is_none())
            })
            .collect();
        for &(task, _) in &self.wakers {
            holders[task] += 1;
        }
        for &(task, _) in &self.aborts {
            holders[task] += 1;
        }
        holders
    }

    pub(super) fn check(&self) -> Check {
        prop_assert_eq!(self.sched.queued(), self.queue.len(), "run queue length");
        let holders = self.holders();
        for (task, (m, r)) in self.model.iter().zip(&self.real).enumerate() {
            prop_assert_eq!(
                m.queued,
                self.queue.iter().filter(|&&t| t == task).count() == 1,
                "model: task {} queued at most once",
                task
            );
            prop_assert_eq!(r.probe.polls.load(SeqCst), m.polls, "task {}: polls", task);
            prop_assert_eq!(
                r.probe.future_drops.load(SeqCst),
                usize::from(m.future_dropped),
                "task {}: future drops",
                task
            );
            prop_assert_eq!(
                r.probe.output_drops.load(SeqCst),
                m.output_drops,
                "task {}: output drops",
                task
            );
            prop_assert_eq!(
                r.freed.drops(),
                usize::from(holders[task] == 0),
                "task {}: frees, with {} holders",
                task,
                holders[task]
            );
            for (w, (counter, _)) in r.join_wakers.iter().enumerate() {
                prop_assert_eq!(
                    counter.wakes(),
                    m.join_wakes[w],
                    "task {}: join wakes",
                    task
                );
                // Ours, our Waker's, and the slot's if it holds this one.
                let held = 2 + usize::from(m.join_waker == Some(w));
                prop_assert_eq!(
                    Arc::strong_count(counter),
                    held,
                    "task {}: join waker {} references",
                    task,
                    w
                );
            }
            if let Some(join) = &r.join {
                prop_assert_eq!(join.is_finished(), m.outcome.is_some(), "task {}", task);
            }
        }
        for (task, handle) in &self.aborts {
            prop_assert_eq!(handle.is_finished(), self.model[*task].outcome.is_some());
        }
        prop_assert_eq!(
            self.sched.owns_no_tasks(),
            self.model.iter().all(|m| m.outcome.is_some()),
            "owned-task list"
        );
        Ok(())
    }

    /// Lets go of everything, in one of four orders, and checks that nothing is left.
    pub(super) fn finish(&mut self, order: u8) -> Check {
        if order & 1 == 0 {
            self.run_all()?;
        }
        if order & 2 == 0 {
            self.shutdown();
            self.check()?;
        }
        while let Some((_, waker)) = self.wakers.pop() {
            drop(waker);
            self.check()?;
        }
        self.aborts.clear();
        self.check()?;
        for task in 0..self.real.len() {
            if self.real[task].join.is_some() {
                self.drop_join(task);
                self.check()?;
            }
        }
        if !self.shut_down {
            self.shutdown();
            self.check()?;
        }
        for (task, r) in self.real.iter().enumerate() {
            prop_assert_eq!(r.freed.drops(), 1, "task {} not freed", task);
            prop_assert_eq!(r.probe.future_drops.load(SeqCst), 1, "task {}", task);
        }
        prop_assert!(self.sched.owns_no_tasks());
        prop_assert!(self.sched.is_last_handle(), "a task leaked its scheduler");
        Ok(())
    }
}

pub(super) fn check_panic(err: JoinError, expected: String) -> Check {
    prop_assert!(err.is_panic(), "expected {:?}, got {:?}", expected, err);
    let payload = err.into_panic();
    prop_assert_eq!(payload.downcast_ref::<String>(), Some(&expected));
    Ok(())
}
