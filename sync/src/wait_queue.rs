//! The FIFO of waiters every primitive keeps behind its lock, and the batch of wakers it
//! wakes after letting the lock go.
//!
//! A waiting future owns one *slot* (a key into a slab) from the moment it queues until
//! it is dropped or completes. Whoever grants it something (a permit, a notification, a
//! message) *unlinks* the slot from the FIFO and writes the grant into it, but never frees
//! it: only the owning future frees its slot (`remove`), so a key is never reused while a
//! future still holds it. That is what makes cancellation safe without unsafe code: a
//! dropped future removes its slot and, if the slot holds a grant, passes it on.

use std::task::Waker;

use slab::Slab;

/// No neighbour.
const NIL: usize = usize::MAX;

/// A FIFO of waiters with keys that stay valid until the owner removes them.
#[derive(Debug)]
pub(crate) struct WaitQueue<T> {
    nodes: Slab<Node<T>>,
    head: usize,
    tail: usize,
    /// Linked (still waiting) entries.
    linked: usize,
}

#[derive(Debug)]
struct Node<T> {
    value: T,
    prev: usize,
    next: usize,
    linked: bool,
}

impl<T> WaitQueue<T> {
    pub(crate) const fn new() -> WaitQueue<T> {
        WaitQueue {
            nodes: Slab::new(),
            head: NIL,
            tail: NIL,
            linked: 0,
        }
    }

    /// Queues `value` at the back; the key is the caller's until it calls [`remove`].
    ///
    /// [`remove`]: WaitQueue::remove
    pub(crate) fn push_back(&mut self, value: T) -> usize {
        let key = self.nodes.insert(Node {
            value,
            prev: self.tail,
            next: NIL,
            linked: true,
        });
        match self.tail {
            NIL => self.head = key,
            tail => self.nodes[tail].next = key,
        }
        self.tail = key;
        self.linked += 1;
        key
    }

    /// The longest-waiting linked entry.
    pub(crate) fn front(&self) -> Option<usize> {
        (self.head != NIL).then_some(self.head)
    }

    /// Unlinks the front entry and returns its key; its slot stays until `remove`.
    pub(crate) fn pop_front(&mut self) -> Option<usize> {
        let key = self.front()?;
        self.unlink(key);
        Some(key)
    }

    /// Unlinks the most recently queued entry and returns its key; its slot stays until
    /// `remove`.
    pub(crate) fn pop_back(&mut self) -> Option<usize> {
        let key = (self.tail != NIL).then_some(self.tail)?;
        self.unlink(key);
        Some(key)
    }

    /// Takes `key` out of the FIFO (no-op if already unlinked); the slot stays.
    pub(crate) fn unlink(&mut self, key: usize) {
        let node = &mut self.nodes[key];
        if !node.linked {
            return;
        }
        node.linked = false;
        let (prev, next) = (node.prev, node.next);
        node.prev = NIL;
        node.next = NIL;
        match prev {
            NIL => self.head = next,
            prev => self.nodes[prev].next = next,
        }
        match next {
            NIL => self.tail = prev,
            next => self.nodes[next].prev = prev,
        }
        self.linked -= 1;
    }

    /// Whether `key` is still in the FIFO (not yet granted or woken).
    pub(crate) fn is_linked(&self, key: usize) -> bool {
        self.nodes[key].linked
    }

    /// Frees the slot of `key`, unlinking it first, and returns its value.
    pub(crate) fn remove(&mut self, key: usize) -> T {
        self.unlink(key);
        self.nodes.remove(key).value
    }

    pub(crate) fn get_mut(&mut self, key: usize) -> &mut T {
        &mut self.nodes[key].value
    }

    /// No linked entries (slots of granted futures may remain).
    pub(crate) fn is_empty(&self) -> bool {
        self.linked == 0
    }

    /// Linked entries.
    pub(crate) fn len(&self) -> usize {
        self.linked
    }
}

/// How many wakers are woken per lock release in bulk wake-ups.
const WAKE_BATCH: usize = 32;

/// Wakers collected under a lock and woken after it is released (waking under the lock
/// would make the woken task's first move contend for it), at most [`WAKE_BATCH`] at a
/// time. The first waits in a field of its own: the common batch is one waiter handed a
/// permit (a bounded channel's slot, a mutex), and it costs no array to fill or scan
/// (a 32-slot array was a third of such a grant's instructions); more go to a `Vec`,
/// allocated only for a second waker.
#[derive(Debug)]
pub(crate) struct WakeList {
    first: Option<Waker>,
    rest: Vec<Waker>,
}

impl WakeList {
    pub(crate) fn new() -> WakeList {
        WakeList {
            first: None,
            rest: Vec::new(),
        }
    }

    /// Whether another waker fits; when not, release the lock, [`wake_all`], re-lock.
    ///
    /// [`wake_all`]: WakeList::wake_all
    pub(crate) fn can_push(&self) -> bool {
        usize::from(self.first.is_some()) + self.rest.len() < WAKE_BATCH
    }

    pub(crate) fn push(&mut self, waker: Option<Waker>) {
        debug_assert!(self.can_push());
        let Some(waker) = waker else { return };
        if self.first.is_none() {
            self.first = Some(waker);
        } else {
            self.rest.push(waker);
        }
    }

    pub(crate) fn wake_all(&mut self) {
        if let Some(waker) = self.first.take() {
            waker.wake();
        }
        for waker in self.rest.drain(..) {
            waker.wake();
        }
    }
}

/// Stores `waker` in `slot` unless it already holds one that wakes the same task, and
/// hands back the waker it displaced. The caller drops that one only after releasing the
/// lock guarding `slot`: a waker's drop may re-enter the primitive (drop the last
/// reference to a task whose state holds a sender, a permit, a guard).
#[must_use = "drop the displaced waker after releasing the lock"]
pub(crate) fn replace_waker(slot: &mut Option<Waker>, waker: &Waker) -> Option<Waker> {
    match slot {
        Some(old) if old.will_wake(waker) => None,
        _ => slot.replace(waker.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::WaitQueue;

    #[test]
    fn entries_leave_in_arrival_order_and_keys_outlive_unlinking() {
        let mut q = WaitQueue::new();
        let a = q.push_back('a');
        let b = q.push_back('b');
        let c = q.push_back('c');
        q.unlink(b);
        assert_eq!(q.len(), 2);
        assert_eq!(q.pop_front(), Some(a));
        assert!(!q.is_linked(a));
        assert_eq!(*q.get_mut(a), 'a', "a popped slot stays until removed");
        assert_eq!(q.pop_front(), Some(c));
        assert!(q.is_empty());
        assert_eq!(q.remove(a), 'a');
        assert_eq!(q.remove(b), 'b');
        assert_eq!(q.remove(c), 'c');
        let d = q.push_back('d');
        assert_eq!(q.front(), Some(d));
        assert_eq!(q.remove(d), 'd');
        assert!(q.front().is_none());
    }
}
