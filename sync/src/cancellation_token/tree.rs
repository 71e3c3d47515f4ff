//! The tree of cancellation tokens: who is whose child, cancelling a subtree, and taking
//! a token out of the tree when its last handle is dropped.
//!
//! # State
//!
//! Each [`Node`] has one lock over its links: its parent (a strong `Arc`, `None` for a
//! root or once detached) with its key in the parent's `children`, a slab of strong
//! `Arc`s to its children. `cancelled` is an atomic so that `is_cancelled` takes no lock,
//! but it is only ever *written* under the node's own lock, so links and flag agree for
//! whoever holds it. `handles` counts the `CancellationToken`s of the node.
//!
//! # Lock order
//!
//! Ancestor before descendant, always: cancelling holds a node and locks each child;
//! detaching holds the parent, then the node, then each of its children.
//!
//! # Protocols
//!
//! 1. **Child.** `child_token` locks the parent: a cancelled parent gives a child born
//!    cancelled; otherwise the child goes into the slab, linked before anyone sees it.
//! 2. **Cancel.** Under a node's lock: set its flag (if not set), take its children, and
//!    for each child, under the child's lock, unlink it from the node and set its flag.
//!    Then, unlocked, wake the node's waiters and do the same for each child whose flag
//!    this step set (an explicit stack, not recursion: a chain may be 100,000 deep).
//!    Whoever sets a node's flag owns finishing its subtree.
//! 3. **Detach** (the last handle is dropped). Read the parent unlocked, lock parent then
//!    node, and retry if the parent changed meanwhile (a detaching parent re-homes its
//!    children). Under both locks: leave the parent's slab, and hand our children to the
//!    parent (re-linked under their locks), so a later cancel of the parent still reaches
//!    them. With no parent, our children become roots. If our own flag is set, our
//!    children are cancelled instead (step 2 may have flagged us after taking them
//!    out of our parent but before taking ours). Nothing stays behind: a parent's slab
//!    holds only live children, so creating and dropping children never grows it.

use slab::Slab;

use crate::loom::atomic::{AtomicBool, AtomicUsize, Ordering::*};
use crate::loom::sync::{Mutex, MutexGuard};
use crate::loom::Arc;
use crate::Notify;

pub(super) struct Node {
    /// Set once, under `links`'s lock (see the module docs).
    cancelled: AtomicBool,
    /// `CancellationToken` handles to this node.
    pub(super) handles: AtomicUsize,
    /// Wakes `cancelled()` futures.
    pub(super) notify: Notify,
    links: Mutex<Links>,
}

struct Links {
    parent: Option<Arc<Node>>,
    /// Our key in the parent's `children` (meaningless without a parent).
    parent_key: usize,
    children: Slab<Arc<Node>>,
}

impl Node {
    /// A root node with one handle.
    pub(super) fn new_root() -> Node {
        Node::with(None, 0, false)
    }

    fn with(parent: Option<Arc<Node>>, parent_key: usize, cancelled: bool) -> Node {
        Node {
            cancelled: AtomicBool::new(cancelled),
            handles: AtomicUsize::new(1),
            notify: Notify::new(),
            links: Mutex::new(Links {
                parent,
                parent_key,
                children: Slab::new(),
            }),
        }
    }

    pub(super) fn is_cancelled(&self) -> bool {
        // SeqCst: ordered with the SeqCst counter of `notified` against the canceller's
        // store-then-`notify_waiters` (the `Event` pattern, see `event.rs`).
        self.cancelled.load(SeqCst)
    }

    /// Live children (the leak check's hook).
    #[cfg(test)]
    pub(super) fn children_len(&self) -> usize {
        self.links.lock().children.len()
    }
}

/// Protocol 1: a new child of `parent`, with one handle.
pub(super) fn child(parent: &Arc<Node>) -> Arc<Node> {
    let mut links = parent.links.lock();
    if parent.is_cancelled() {
        return Arc::new(Node::with(None, 0, true));
    }
    let key = links.children.vacant_key();
    let child = Arc::new(Node::with(Some(parent.clone()), key, false));
    links.children.insert(child.clone());
    child
}

/// Protocol 2: cancels `node` and everything below it.
pub(super) fn cancel(node: &Arc<Node>) {
    let mut links = node.links.lock();
    if node.is_cancelled() {
        return;
    }
    node.cancelled.store(true, SeqCst);
    let mut stack = Vec::new();
    flag_children(&mut links, &mut stack);
    drop(links);
    node.notify.notify_waiters();
    finish(stack);
}

/// Under `links`'s lock (its node is flagged): unlinks every child, flags those not yet
/// flagged and pushes them, whose subtrees the caller then finishes.
fn flag_children(links: &mut MutexGuard<'_, Links>, stack: &mut Vec<Arc<Node>>) {
    for child in std::mem::take(&mut links.children)
        .into_iter()
        .map(|(_, c)| c)
    {
        let mut child_links = child.links.lock();
        child_links.parent = None;
        let newly = !child.is_cancelled();
        if newly {
            child.cancelled.store(true, SeqCst);
        }
        drop(child_links);
        if newly {
            stack.push(child);
        }
    }
}

/// Finishes the subtrees of flagged nodes: wakes their waiters and flags their children.
fn finish(mut stack: Vec<Arc<Node>>) {
    while let Some(node) = stack.pop() {
        let mut links = node.links.lock();
        flag_children(&mut links, &mut stack);
        drop(links);
        node.notify.notify_waiters();
    }
}

/// Protocol 3: takes `node` out of the tree (its last handle is gone).
pub(super) fn detach(node: &Arc<Node>) {
    loop {
        let parent = node.links.lock().parent.clone();
        let Some(parent) = parent else {
            let mut links = node.links.lock();
            // A parent is never given to a node without one: no retry needed.
            let mut stack = Vec::new();
            if node.is_cancelled() {
                flag_children(&mut links, &mut stack);
            } else {
                for child in std::mem::take(&mut links.children)
                    .into_iter()
                    .map(|(_, c)| c)
                {
                    child.links.lock().parent = None;
                }
            }
            drop(links);
            finish(stack);
            return;
        };
        let mut parent_links = parent.links.lock();
        let mut links = node.links.lock();
        if !links
            .parent
            .as_ref()
            .is_some_and(|p| Arc::ptr_eq(p, &parent))
        {
            continue; // re-homed meanwhile: try again with the new parent
        }
        let ours = parent_links.children.remove(links.parent_key);
        links.parent = None;
        let mut stack = Vec::new();
        if node.is_cancelled() {
            flag_children(&mut links, &mut stack);
        } else {
            // Our children become our parent's. If it is flagged, its step 2 is still to
            // come (it still holds our link), and will take them with its own.
            for child in std::mem::take(&mut links.children)
                .into_iter()
                .map(|(_, c)| c)
            {
                let mut child_links = child.links.lock();
                child_links.parent = Some(parent.clone());
                child_links.parent_key = parent_links.children.vacant_key();
                drop(child_links);
                parent_links.children.insert(child);
            }
        }
        drop(links);
        drop(parent_links);
        drop(ours);
        finish(stack);
        return;
    }
}
