//! [`Barrier`] — asyncio's `Barrier`: `n` tasks wait until all `n` have arrived.
//!
//! One lock guards the arrival count, the generation (bumped each time the barrier trips)
//! and the FIFO of waiters of the current generation.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use crate::loom::sync::Mutex;

use crate::wait_queue::{replace_waker, WaitQueue};

/// Lets `n` tasks wait for each other: [`wait`](Barrier::wait) returns once `n` tasks are
/// waiting, and the barrier can be used again for the next round.
///
/// Cancel-safe, as in asyncio: a `wait` future dropped before the barrier trips
/// withdraws its arrival, so it never counts toward a round it left.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use eddy::sync::Barrier;
///
/// eddy::run(async {
///     let barrier = Arc::new(Barrier::new(3));
///     let tasks: Vec<_> = (0..3)
///         .map(|_| {
///             let barrier = barrier.clone();
///             eddy::spawn(async move { barrier.wait().await.is_leader() })
///         })
///         .collect();
///     let mut leaders = 0;
///     for t in tasks {
///         leaders += t.await.unwrap() as usize;
///     }
///     assert_eq!(leaders, 1);
/// });
/// ```
pub struct Barrier {
    n: usize,
    state: Mutex<State>,
}

// UnwindSafe and RefUnwindSafe, as tokio's: this lock-protected state changes only in
// whole steps, and no user code (no waker, no value's drop) runs while its lock is held,
// so a panic elsewhere cannot leave it half-updated for the code that catches it.
impl std::panic::RefUnwindSafe for Barrier {}
impl std::panic::UnwindSafe for Barrier {}

#[derive(Debug)]
struct State {
    arrived: usize,
    generation: u64,
    queue: WaitQueue<Option<Waker>>,
}

/// What [`Barrier::wait`] returns: exactly one task per round is the leader.
///
/// # Examples
///
/// ```
/// let barrier = eddy::sync::Barrier::new(1);
/// assert!(eddy::run(barrier.wait()).is_leader());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BarrierWaitResult(bool);

impl BarrierWaitResult {
    /// Whether this task completed the round (the last to arrive).
    pub fn is_leader(&self) -> bool {
        self.0
    }
}

impl Barrier {
    /// A barrier for `n` tasks (`n == 0` behaves as 1).
    ///
    /// # Examples
    ///
    /// ```
    /// let barrier = eddy::sync::Barrier::new(2);
    /// # let _ = barrier;
    /// ```
    pub fn new(n: usize) -> Barrier {
        Barrier {
            n: n.max(1),
            state: Mutex::new(State {
                arrived: 0,
                generation: 0,
                queue: WaitQueue::new(),
            }),
        }
    }

    /// Waits until `n` tasks wait; the last to arrive is the leader.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future before the round completes withdraws its arrival.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// eddy::run(async {
    ///     let barrier = Arc::new(eddy::sync::Barrier::new(2));
    ///     let other = barrier.clone();
    ///     let t = eddy::spawn(async move { other.wait().await });
    ///     let mine = barrier.wait().await;
    ///     let theirs = t.await.unwrap();
    ///     assert!(mine.is_leader() != theirs.is_leader());
    /// });
    /// ```
    pub async fn wait(&self) -> BarrierWaitResult {
        Wait {
            barrier: self,
            state: WaitState::Init,
        }
        .await
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.lock();
        f.debug_struct("Barrier")
            .field("n", &self.n)
            .field("arrived", &state.arrived)
            .finish()
    }
}

struct Wait<'a> {
    barrier: &'a Barrier,
    state: WaitState,
}

enum WaitState {
    Init,
    Waiting { key: usize, generation: u64 },
    Done,
}

impl Future for Wait<'_> {
    type Output = BarrierWaitResult;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<BarrierWaitResult> {
        let this = self.get_mut();
        // The last to arrive (every caller, for `Barrier::new(1)`) returns without waiting:
        // spend the budget, so a loop of waits lets other tasks run. Spent before arriving,
        // so a poll that stops here changes nothing.
        std::task::ready!(eddy_executor::coop::poll_proceed(cx));
        match this.state {
            WaitState::Done => panic!("Barrier::wait polled after completion"),
            WaitState::Init => {
                let mut state = this.barrier.state.lock();
                state.arrived += 1;
                if state.arrived < this.barrier.n {
                    let key = state.queue.push_back(Some(cx.waker().clone()));
                    this.state = WaitState::Waiting {
                        key,
                        generation: state.generation,
                    };
                    return Poll::Pending;
                }
                // The round is complete: release everyone of this generation.
                state.arrived = 0;
                state.generation += 1;
                // All at once (not in re-locking batches): waiters of the next round may
                // queue as soon as the lock is free, and must not be swept up.
                let mut wakers = Vec::with_capacity(state.queue.len());
                while let Some(key) = state.queue.pop_front() {
                    wakers.extend(state.queue.get_mut(key).take());
                }
                drop(state);
                wakers.into_iter().for_each(Waker::wake);
                this.state = WaitState::Done;
                Poll::Ready(BarrierWaitResult(true))
            }
            WaitState::Waiting { key, generation } => {
                let mut state = this.barrier.state.lock();
                if state.generation != generation {
                    // The leader took our waker; drop whatever is left after unlocking.
                    let waker = state.queue.remove(key);
                    drop(state);
                    drop(waker);
                    this.state = WaitState::Done;
                    return Poll::Ready(BarrierWaitResult(false));
                }
                let displaced = replace_waker(state.queue.get_mut(key), cx.waker());
                drop(state);
                drop(displaced);
                Poll::Pending
            }
        }
    }
}

impl Drop for Wait<'_> {
    fn drop(&mut self) {
        if let WaitState::Waiting { key, generation } = self.state {
            let mut state = self.barrier.state.lock();
            let waker = state.queue.remove(key);
            if state.generation == generation {
                // Left before the round completed: withdraw the arrival.
                state.arrived -= 1;
            }
            // Our waker (still queued if the round did not complete) goes after unlocking.
            drop(state);
            drop(waker);
        }
    }
}
