//! The loom stand-in for `queue.rs`: the same API on loom's mutex, so the scheduler's
//! queue protocols (push vs. steal, injector vs. park) run inside loom models. Only the
//! interface is checked here, not crossbeam's lock-free internals.

use std::collections::VecDeque;

use crate::loom::sync::Mutex;
use crate::loom::Arc;

#[derive(Debug)]
pub(crate) struct Local<T>(Arc<Mutex<VecDeque<T>>>);

#[derive(Debug)]
pub(crate) struct Stealer<T>(Arc<Mutex<VecDeque<T>>>);

#[derive(Debug)]
pub(crate) struct Injector<T>(Mutex<VecDeque<T>>);

pub(crate) fn local<T>() -> (Local<T>, Stealer<T>) {
    let queue = Arc::new(Mutex::new(VecDeque::new()));
    (Local(queue.clone()), Stealer(queue))
}

impl<T> Local<T> {
    pub(crate) fn push(&self, task: T) {
        self.0.lock().push_back(task);
    }

    pub(crate) fn pop(&self) -> Option<T> {
        self.0.lock().pop_front()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.lock().is_empty()
    }
}

impl<T> Stealer<T> {
    pub(crate) fn steal_batch_and_pop(&self, dest: &Local<T>) -> Option<T> {
        let batch: Vec<T> = {
            let mut victim = self.0.lock();
            let n = victim.len().div_ceil(2);
            victim.drain(..n).collect()
        };
        let mut batch = batch.into_iter();
        let first = batch.next()?;
        let mut dest = dest.0.lock();
        dest.extend(batch);
        Some(first)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.lock().is_empty()
    }

    pub(crate) fn len(&self) -> usize {
        self.0.lock().len()
    }

    pub(crate) fn steal(&self) -> Option<T> {
        self.0.lock().pop_front()
    }
}

impl<T> Injector<T> {
    pub(crate) fn new() -> Injector<T> {
        Injector(Mutex::new(VecDeque::new()))
    }

    pub(crate) fn push(&self, task: T) {
        self.0.lock().push_back(task);
    }

    pub(crate) fn steal(&self) -> Option<T> {
        self.0.lock().pop_front()
    }

    pub(crate) fn steal_batch_and_pop(&self, dest: &Local<T>, limit: usize) -> Option<T> {
        let batch: Vec<T> = {
            let mut queue = self.0.lock();
            let n = queue.len().min(limit);
            queue.drain(..n).collect()
        };
        let mut batch = batch.into_iter();
        let first = batch.next()?;
        dest.0.lock().extend(batch);
        Some(first)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.lock().is_empty()
    }

    pub(crate) fn len(&self) -> usize {
        self.0.lock().len()
    }
}
