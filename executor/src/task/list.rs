//! The owned-task list: every live task of a scheduler, so shutdown can reach the idle
//! ones that no queue holds (only wakers do).
//!
//! An intrusive doubly-linked list through `Header::owned`, split into shards by task id so
//! that spawns and completions on different workers rarely meet on one lock. The list
//! holds one reference per task (the `Task`), given back by `remove` when the task
//! completes.

use std::fmt;
use std::marker::PhantomData;
use std::ptr::NonNull;

use crossbeam_utils::CachePadded;

use super::core::Header;
use super::{Notified, RawTask, Schedule, Task, TaskSnapshot};
use crate::loom::sync::Mutex;
use crate::loom::UnsafeCell;

/// A task's links in its shard.
///
/// # Invariants
///
/// * Read and written only under the lock of the shard the task's id maps to.
/// * `prev == None` and the shard's head is not this task means: not in the list.
pub(crate) struct Pointers {
    prev: UnsafeCell<Option<NonNull<Header>>>,
    next: UnsafeCell<Option<NonNull<Header>>>,
}

impl Pointers {
    pub(super) fn new() -> Pointers {
        Pointers {
            prev: UnsafeCell::new(None),
            next: UnsafeCell::new(None),
        }
    }
}

/// One shard: a list head, how many tasks it holds, and whether the list is closed to
/// new tasks.
///
/// # Invariants
///
/// * Every task reachable from `head` is live: the list holds a reference to it.
/// * `len` is the number of tasks reachable from `head`.
pub(super) struct Shard {
    head: Option<NonNull<Header>>,
    len: usize,
    pub(super) closed: bool,
}

// SAFETY: the pointers are only followed under the shard's mutex, and the tasks they point
// to are `Send` (see `RawTask`).
unsafe impl Send for Shard {}

impl Shard {
    pub(super) fn new() -> Shard {
        Shard {
            head: None,
            len: 0,
            closed: false,
        }
    }

    /// Puts `ptr` at the head.
    ///
    /// # Safety
    ///
    /// * The caller has this shard to itself: it holds its lock, or is the only thread
    ///   that ever touches it (`LocalOwnedTasks`). Either way it may touch the links of
    ///   every member (Pointers invariant).
    /// * `ptr` is live, in no list, and the caller hands its list reference to the shard.
    pub(super) unsafe fn link(&mut self, ptr: NonNull<Header>) {
        // SAFETY: exclusive access and `ptr` live (contract); members are live (Shard
        // invariant).
        unsafe {
            let links = &ptr.as_ref().owned;
            links.next.with_mut(|next| *next = self.head);
            links.prev.with_mut(|prev| *prev = None);
            if let Some(head) = self.head {
                head.as_ref().owned.prev.with_mut(|prev| *prev = Some(ptr));
            }
        }
        self.head = Some(ptr);
        self.len += 1;
    }

    /// Takes `ptr` out; false if it was not in this shard (shutdown popped it already).
    ///
    /// # Safety
    ///
    /// * As [`link`](Self::link): the caller has the shard to itself.
    /// * `ptr` is live (the caller holds a reference) and was only ever linked here.
    pub(super) unsafe fn unlink(&mut self, ptr: NonNull<Header>) -> bool {
        // SAFETY: exclusive access and `ptr` live (contract); members are live.
        unsafe {
            let links = &ptr.as_ref().owned;
            let prev = links.prev.with(|prev| *prev);
            let next = links.next.with(|next| *next);
            match prev {
                Some(prev) => prev.as_ref().owned.next.with_mut(|n| *n = next),
                None if self.head == Some(ptr) => self.head = next,
                None => return false,
            }
            if let Some(next) = next {
                next.as_ref().owned.prev.with_mut(|p| *p = prev);
            }
            links.prev.with_mut(|p| *p = None);
            links.next.with_mut(|n| *n = None);
        }
        self.len -= 1;
        true
    }

    /// Takes the head out, with the list's reference to it.
    ///
    /// # Safety
    ///
    /// As [`link`](Self::link): the caller has the shard to itself.
    pub(super) unsafe fn pop(&mut self) -> Option<NonNull<Header>> {
        let ptr = self.head?;
        // SAFETY: exclusive access (contract); `ptr` is a live member (Shard invariant).
        unsafe {
            let links = &ptr.as_ref().owned;
            let next = links.next.with(|n| *n);
            if let Some(next) = next {
                next.as_ref().owned.prev.with_mut(|p| *p = None);
            }
            self.head = next;
            links.next.with_mut(|n| *n = None);
            links.prev.with_mut(|p| *p = None);
        }
        self.len -= 1;
        Some(ptr)
    }

    /// How many tasks the shard holds.
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Appends a snapshot of every member to `tasks`.
    ///
    /// # Safety
    ///
    /// As [`link`](Self::link): the caller has the shard to itself.
    pub(super) unsafe fn snapshot_into(&self, tasks: &mut Vec<TaskSnapshot>) {
        let mut next = self.head;
        while let Some(ptr) = next {
            // SAFETY: exclusive access, so the links are ours to read, and members are
            // live (Shard invariant); the RawTask is used only while the list keeps its
            // reference in place.
            let (raw, following) =
                unsafe { (RawTask::from_raw(ptr), ptr.as_ref().owned.next.with(|n| *n)) };
            tasks.push(raw.snapshot());
            next = following;
        }
    }
}

/// Every live task of one scheduler.
pub(crate) struct OwnedTasks<S: 'static> {
    shards: Box<[CachePadded<Mutex<Shard>>]>,
    mask: usize,
    _scheduler: PhantomData<S>,
}

impl<S: Schedule> OwnedTasks<S> {
    /// A list with at least `shards` shards (rounded up to a power of two).
    pub(crate) fn new(shards: usize) -> OwnedTasks<S> {
        let count = shards.max(1).next_power_of_two();
        OwnedTasks {
            shards: (0..count)
                .map(|_| CachePadded::new(Mutex::new(Shard::new())))
                .collect(),
            mask: count - 1,
            _scheduler: PhantomData,
        }
    }

    fn shard(&self, raw: RawTask) -> &Mutex<Shard> {
        &self.shards[raw.id().as_u64() as usize & self.mask]
    }

    /// Adds a new task. If the list is closed (the scheduler shut down), the task is
    /// cancelled at once and `None` comes back: its JoinHandle reports cancellation.
    pub(crate) fn bind(&self, task: Task<S>, notified: Notified<S>) -> Option<Notified<S>> {
        let raw = task.raw();
        let mut shard = self.shard(raw).lock();
        if shard.closed {
            drop(shard);
            task.shutdown();
            drop(notified);
            return None;
        }
        let ptr = task.into_raw().header_ptr();
        // SAFETY: we hold the shard lock; `ptr` is live (we own its list reference, now
        // kept by the list) and not yet in any list.
        unsafe { shard.link(ptr) };
        Some(notified)
    }

    /// Removes a completing task, returning the list's reference; `None` if shutdown
    /// already took it out (or it was never bound).
    pub(crate) fn remove(&self, task: &Task<S>) -> Option<Task<S>> {
        let raw = task.raw();
        let ptr = raw.header_ptr();
        let mut shard = self.shard(raw).lock();
        // SAFETY: shard lock held; the caller's reference keeps the task live, and a task
        // is only ever bound to the shard its id maps to.
        if !unsafe { shard.unlink(ptr) } {
            return None;
        }
        // SAFETY: the list's reference, handed back.
        Some(unsafe { Task::from_raw(RawTask::from_raw(ptr)) })
    }

    /// Closes the list to new tasks, then cancels every task in it: idle ones have their
    /// future dropped here, running ones drop it when their poll ends.
    pub(crate) fn close_and_shutdown_all(&self) {
        for shard in self.shards.iter() {
            shard.lock().closed = true;
        }
        for shard in self.shards.iter() {
            // One task at a time, lock released before its future is dropped: a
            // destructor may spawn (refused, the list is closed) or complete other tasks.
            while let Some(task) = Self::pop(shard) {
                task.shutdown();
            }
        }
    }

    fn pop(shard: &Mutex<Shard>) -> Option<Task<S>> {
        // SAFETY: shard lock held.
        let ptr = unsafe { shard.lock().pop() }?;
        // SAFETY: the list's reference, handed to the caller.
        Some(unsafe { Task::from_raw(RawTask::from_raw(ptr)) })
    }

    /// A snapshot of every task in the list, shard by shard (each under its lock, so a
    /// busy runtime sees a consistent view per shard, not a global instant).
    pub(crate) fn snapshot(&self) -> Vec<TaskSnapshot> {
        let mut tasks = Vec::new();
        for shard in self.shards.iter() {
            // SAFETY: shard lock held.
            unsafe { shard.lock().snapshot_into(&mut tasks) };
        }
        tasks
    }

    /// How many tasks are alive: a count kept under each shard's lock as tasks come and
    /// go, summed shard by shard (no walk of the list).
    pub(crate) fn len(&self) -> usize {
        self.shards.iter().map(|shard| shard.lock().len()).sum()
    }

    /// True when no task is alive.
    pub(crate) fn is_empty(&self) -> bool {
        self.shards.iter().all(|shard| shard.lock().head.is_none())
    }
}

impl<S> fmt::Debug for OwnedTasks<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedTasks")
            .field("shards", &self.shards.len())
            .finish()
    }
}
