//! [`CancellationToken`] — tokio-util's cancellation tokens: asyncio's cancellation
//! scopes (`asyncio.timeout`, `TaskGroup`'s cancel-on-error), made explicit and passed to
//! whoever should stop.
//!
//! A token is a handle to a node of a tree (`tree.rs`): cancelling a node cancels its
//! whole subtree, a child never cancels its parent, and a child whose last handle is
//! dropped leaves its parent's list at once, so a long-lived parent handing out
//! short-lived children does not grow.

use std::fmt;
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::pin::{pin, Pin};
use std::task::{Context, Poll};

use crate::loom::atomic::Ordering::{AcqRel, Relaxed};
use crate::loom::Arc;
use crate::Notified;

mod guard;
mod tree;

pub use guard::{DropGuard, DropGuardRef};
use tree::Node;

/// A token that tasks watch for cancellation: [`cancel`](CancellationToken::cancel) on
/// any clone, and every clone and every [child](CancellationToken::child_token) (and
/// theirs) is cancelled, waking their [`cancelled`](CancellationToken::cancelled)
/// futures.
///
/// # Examples
///
/// ```
/// use eddy::sync::CancellationToken;
///
/// eddy::run(async {
///     let token = CancellationToken::new();
///     let child = token.child_token();
///     let worker = eddy::spawn(async move {
///         child.cancelled().await;
///         "stopped"
///     });
///     token.cancel();
///     assert_eq!(worker.await.unwrap(), "stopped");
/// });
/// ```
pub struct CancellationToken {
    node: Arc<Node>,
}

// As tokio-util's: the tree's state changes only in whole steps under its locks, and no
// user code runs under them.
impl std::panic::UnwindSafe for CancellationToken {}
impl std::panic::RefUnwindSafe for CancellationToken {}

impl CancellationToken {
    /// A new token, not cancelled, with no parent.
    ///
    /// # Examples
    ///
    /// ```
    /// let token = eddy::sync::CancellationToken::new();
    /// assert!(!token.is_cancelled());
    /// ```
    pub fn new() -> CancellationToken {
        CancellationToken {
            node: Arc::new(Node::new_root()),
        }
    }

    /// A child token: cancelled when this one is (or at once, if this one already is),
    /// while cancelling the child leaves this one alone.
    ///
    /// # Examples
    ///
    /// ```
    /// let parent = eddy::sync::CancellationToken::new();
    /// let child = parent.child_token();
    /// child.cancel();
    /// assert!(!parent.is_cancelled());
    /// let child = parent.child_token();
    /// parent.cancel();
    /// assert!(child.is_cancelled());
    /// ```
    pub fn child_token(&self) -> CancellationToken {
        CancellationToken {
            node: tree::child(&self.node),
        }
    }

    /// Cancels this token and all its descendants, waking everything waiting on them.
    /// Cancelling again does nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// let token = eddy::sync::CancellationToken::new();
    /// token.clone().cancel();
    /// assert!(token.is_cancelled());
    /// ```
    pub fn cancel(&self) {
        tree::cancel(&self.node);
    }

    /// Whether this token is cancelled (by itself or an ancestor).
    ///
    /// # Examples
    ///
    /// ```
    /// let token = eddy::sync::CancellationToken::new();
    /// token.cancel();
    /// assert!(token.is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        self.node.is_cancelled()
    }

    /// Waits until the token is cancelled (at once if it is).
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let token = eddy::sync::CancellationToken::new();
    ///     let canceller = token.clone();
    ///     eddy::spawn(async move { canceller.cancel() });
    ///     token.cancelled().await;
    /// });
    /// ```
    pub fn cancelled(&self) -> WaitForCancellationFuture<'_> {
        WaitForCancellationFuture {
            token: self,
            // Created before any check of the flag: a cancel in between still wakes it.
            notified: self.node.notify.notified(),
        }
    }

    /// [`cancelled`](CancellationToken::cancelled), owning the token: a `'static`
    /// future to move into a task.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let token = eddy::sync::CancellationToken::new();
    ///     let waiter = eddy::spawn(token.clone().cancelled_owned());
    ///     token.cancel();
    ///     waiter.await.unwrap();
    /// });
    /// ```
    pub fn cancelled_owned(self) -> WaitForCancellationFutureOwned {
        WaitForCancellationFutureOwned {
            future: Box::pin(async move { self.cancelled().await }),
        }
    }

    /// A guard that cancels the token when dropped — asyncio's "cancel on the way out",
    /// unless [`disarm`](DropGuard::disarm)ed.
    ///
    /// # Examples
    ///
    /// ```
    /// let token = eddy::sync::CancellationToken::new();
    /// {
    ///     let _guard = token.clone().drop_guard();
    /// }
    /// assert!(token.is_cancelled());
    /// ```
    pub fn drop_guard(self) -> DropGuard {
        DropGuard::new(self)
    }

    /// A borrowing [`drop_guard`](CancellationToken::drop_guard).
    ///
    /// # Examples
    ///
    /// ```
    /// let token = eddy::sync::CancellationToken::new();
    /// token.drop_guard_ref().disarm();
    /// assert!(!token.is_cancelled());
    /// ```
    pub fn drop_guard_ref(&self) -> DropGuardRef<'_> {
        DropGuardRef::new(self)
    }

    /// Runs `future` until it completes (`Some` of its output) or the token is cancelled
    /// (`None`, and the future is dropped). Cancellation wins a tie: a token already
    /// cancelled never polls the future.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let token = eddy::sync::CancellationToken::new();
    ///     assert_eq!(token.run_until_cancelled(async { 1 }).await, Some(1));
    ///     token.cancel();
    ///     assert_eq!(token.run_until_cancelled(async { 2 }).await, None);
    /// });
    /// ```
    pub async fn run_until_cancelled<F: Future>(&self, future: F) -> Option<F::Output> {
        let mut future = pin!(future);
        let mut cancelled = self.cancelled();
        std::future::poll_fn(|cx| {
            if Pin::new(&mut cancelled).poll(cx).is_ready() {
                return Poll::Ready(None);
            }
            future.as_mut().poll(cx).map(Some)
        })
        .await
    }

    /// [`run_until_cancelled`](CancellationToken::run_until_cancelled), owning the token.
    ///
    /// # Examples
    ///
    /// ```
    /// eddy::run(async {
    ///     let token = eddy::sync::CancellationToken::new();
    ///     let task = eddy::spawn(token.clone().run_until_cancelled_owned(std::future::pending::<()>()));
    ///     token.cancel();
    ///     assert_eq!(task.await.unwrap(), None);
    /// });
    /// ```
    pub async fn run_until_cancelled_owned<F: Future>(self, future: F) -> Option<F::Output> {
        self.run_until_cancelled(future).await
    }

    /// Children still linked below this token (the leak check's hook).
    #[cfg(test)]
    pub(crate) fn children_len(&self) -> usize {
        self.node.children_len()
    }
}

impl Clone for CancellationToken {
    fn clone(&self) -> Self {
        // Relaxed: a handle only comes from a live handle (as `Arc::clone`).
        self.node.handles.fetch_add(1, Relaxed);
        CancellationToken {
            node: self.node.clone(),
        }
    }
}

impl Drop for CancellationToken {
    fn drop(&mut self) {
        // AcqRel: the last handle's detach sees every other handle's work (as `Arc`).
        if self.node.handles.fetch_sub(1, AcqRel) == 1 {
            tree::detach(&self.node);
        }
    }
}

impl Default for CancellationToken {
    fn default() -> Self {
        CancellationToken::new()
    }
}

impl PartialEq for CancellationToken {
    /// Whether both are handles of the same token.
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.node, &other.node)
    }
}

impl Eq for CancellationToken {}

impl Hash for CancellationToken {
    fn hash<H: Hasher>(&self, state: &mut H) {
        std::ptr::hash(&*self.node, state);
    }
}

impl fmt::Debug for CancellationToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancellationToken")
            .field("is_cancelled", &self.is_cancelled())
            .finish()
    }
}

/// Future of [`CancellationToken::cancelled`].
///
/// # Examples
///
/// ```
/// let token = eddy::sync::CancellationToken::new();
/// token.cancel();
/// eddy::run(token.cancelled());
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct WaitForCancellationFuture<'a> {
    token: &'a CancellationToken,
    notified: Notified<'a>,
}

impl Future for WaitForCancellationFuture<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        // Ready at once when cancelled: spend the budget, so a loop over a cancelled
        // token lets other tasks run.
        std::task::ready!(eddy_executor::coop::poll_proceed(cx));
        loop {
            if this.token.is_cancelled() {
                return Poll::Ready(());
            }
            std::task::ready!(Pin::new(&mut this.notified).poll(cx));
            // Only a cancel notifies; check again with a fresh registration.
            this.notified = this.token.node.notify.notified();
        }
    }
}

impl fmt::Debug for WaitForCancellationFuture<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitForCancellationFuture")
            .finish_non_exhaustive()
    }
}

/// Future of [`CancellationToken::cancelled_owned`].
///
/// # Examples
///
/// ```
/// let token = eddy::sync::CancellationToken::new();
/// let wait = token.clone().cancelled_owned();
/// token.cancel();
/// eddy::run(wait);
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct WaitForCancellationFutureOwned {
    future: Pin<Box<dyn Future<Output = ()> + Send + Sync>>,
}

impl Future for WaitForCancellationFutureOwned {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.future.as_mut().poll(cx)
    }
}

impl fmt::Debug for WaitForCancellationFutureOwned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitForCancellationFutureOwned")
            .finish_non_exhaustive()
    }
}

#[cfg(all(test, not(eddy_loom)))]
mod tests {
    use super::CancellationToken;

    #[test]
    fn dropped_children_leave_the_parent_at_once() {
        let parent = CancellationToken::new();
        for _ in 0..100_000 {
            let child = parent.child_token();
            let grandchild = child.child_token();
            drop(child); // the grandchild moves up to the parent
            assert_eq!(parent.children_len(), 1);
            drop(grandchild);
        }
        assert_eq!(parent.children_len(), 0);
        let kept: Vec<_> = (0..1_000).map(|_| parent.child_token()).collect();
        assert_eq!(parent.children_len(), 1_000);
        drop(kept);
        assert_eq!(parent.children_len(), 0);
    }

    #[test]
    fn a_grandchild_outliving_its_parent_is_still_cancelled_by_the_root() {
        let root = CancellationToken::new();
        let child = root.child_token();
        let grandchild = child.child_token();
        drop(child);
        root.cancel();
        assert!(grandchild.is_cancelled());
        assert_eq!(root.children_len(), 0);
    }

    #[test]
    fn a_deep_chain_cancels_without_recursion() {
        let root = CancellationToken::new();
        let mut chain = vec![root.child_token()];
        for _ in 0..100_000 {
            let next = chain.last().unwrap().child_token();
            chain.push(next);
        }
        root.cancel();
        assert!(chain.last().unwrap().is_cancelled());
        // Dropped front to back: each drop re-homes the rest, never recursing.
        for token in chain {
            drop(token);
        }
    }
}
