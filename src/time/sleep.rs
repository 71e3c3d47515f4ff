use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use super::Instant;
use crate::runtime::context;
use crate::runtime::driver::Driver;
use crate::runtime::driver::TimerLocation;

/// Waits until `duration` has elapsed — asyncio's `await asyncio.sleep(delay)`.
///
/// The sleep never ends early, and on an idle machine ends within about 0.1 ms of its
/// deadline: workers park until the exact earliest deadline, not a millisecond boundary.
/// `sleep(Duration::ZERO)` completes at once without yielding; use
/// [`yield_now`](crate::task::yield_now) for asyncio's `sleep(0)`.
///
/// A `Sleep` touches no timer until its first `Pending`, and cancelling it is dropping it
/// (O(1)), so a [`timeout`](super::timeout()) around a future that is already ready costs
/// nothing.
///
/// # Panics
///
/// When polled for the first time outside a runtime, or polled after the runtime it
/// registered with has shut down (no timer could ever fire).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use eddy::time::Instant;
///
/// eddy::run(async {
///     let start = Instant::now();
///     eddy::time::sleep(Duration::from_millis(10)).await;
///     assert!(start.elapsed() >= Duration::from_millis(10));
/// });
/// ```
pub fn sleep(duration: Duration) -> Sleep {
    Sleep::new(far_future_or(Instant::now().checked_add(duration)))
}

/// Waits until `deadline` — asyncio's `loop.call_at`, awaited.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use eddy::time::Instant;
///
/// eddy::run(async {
///     let deadline = Instant::now() + Duration::from_millis(5);
///     eddy::time::sleep_until(deadline).await;
///     assert!(Instant::now() >= deadline);
/// });
/// ```
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep::new(deadline)
}

/// About thirty years from now: what an unrepresentable deadline (`Duration::MAX`)
/// becomes. Such a sleep is filed at the end of the wheel's range and re-filed there, never
/// lost.
pub(crate) fn far_future_or(deadline: Option<Instant>) -> Instant {
    deadline.unwrap_or_else(Instant::far_future)
}

/// The future returned by [`sleep`] and [`sleep_until`].
///
/// # Examples
///
/// ```
/// use std::pin::pin;
/// use std::time::Duration;
///
/// eddy::run(async {
///     let nap = pin!(eddy::time::sleep(Duration::from_millis(2)));
///     let deadline = nap.deadline();
///     assert!(!nap.is_elapsed());
///     nap.await;
///     assert!(eddy::time::Instant::now() >= deadline);
/// });
/// ```
pub struct Sleep {
    deadline: Instant,
    state: State,
}

enum State {
    /// Not in any wheel (lazy registration: only on the first `Pending`).
    Idle,
    /// In a wheel, whose entry holds the waiting task's waker; fired once the wheel has
    /// let go of it. Holds the wheel, not the whole driver (see `TimerShard`).
    Registered { registration: TimerLocation },
    /// Done.
    Elapsed,
}

impl Sleep {
    fn new(deadline: Instant) -> Sleep {
        Sleep {
            deadline,
            state: State::Idle,
        }
    }

    /// The instant this sleep ends.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// True once the sleep has completed (it returned `Ready`) or its deadline passed.
    pub fn is_elapsed(&self) -> bool {
        match &self.state {
            State::Elapsed => true,
            State::Registered { registration } if registration.has_fired() => true,
            _ => Instant::now() >= self.deadline,
        }
    }

    /// Moves the deadline — asyncio's `Timeout.reschedule`. Works before, during and
    /// after the sleep; a task waiting on it is woken at the new deadline.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::pin::pin;
    /// use std::time::Duration;
    /// use eddy::time::{sleep, Instant};
    ///
    /// eddy::run(async {
    ///     let mut nap = pin!(sleep(Duration::from_secs(3600)));
    ///     nap.as_mut().reset(Instant::now() + Duration::from_millis(1));
    ///     nap.await; // an hour became a millisecond
    /// });
    /// ```
    pub fn reset(self: Pin<&mut Self>, deadline: Instant) {
        let this = self.get_mut();
        this.deadline = deadline;
        match std::mem::replace(&mut this.state, State::Idle) {
            State::Registered { registration } => {
                // Re-register at once with the waiting task's waker, so it is woken at
                // the new deadline even if nothing polls the sleep before then. (Fired
                // already: its waker was woken, the task polls and registers anew. The
                // runtime gone: the next poll says so.)
                // The runtime gone (its driver dropped, or shut down while this moved):
                // the waker is woken instead, and the next poll reports it.
                let Some(waker) = registration.cancel() else {
                    return;
                };
                let Some(driver) = registration.driver() else {
                    return waker.wake();
                };
                let worker = context::with_current(|h| {
                    Arc::ptr_eq(&h.driver, &driver)
                        .then(|| h.current_worker())
                        .flatten()
                })
                .flatten();
                match register(&driver, worker, deadline, waker) {
                    Ok(state) => this.state = state,
                    Err(waker) => waker.wake(),
                }
            }
            State::Idle | State::Elapsed => {}
        }
    }
}

/// A sleep whose runtime has shut down can never end: say so, as tokio does, rather than
/// hang.
#[track_caller]
fn runtime_gone() -> ! {
    panic!(
        "an eddy::time::Sleep outlived its runtime: the runtime it was registered with has \
         shut down, so no timer will fire. Keep the runtime alive while its timers are awaited"
    )
}

/// Files a timer for `deadline` that wakes `waker`, in the wheel of `worker` if it is one
/// of `driver`'s workers (uncontended), else in the shared wheel. The runtime shut down:
/// files nothing and hands the waker back.
fn register(
    driver: &Arc<Driver>,
    worker: Option<usize>,
    deadline: Instant,
    waker: std::task::Waker,
) -> Result<State, std::task::Waker> {
    let shard = driver.time.shard_for(worker);
    let tick = driver.time.deadline_tick(deadline);
    let registration = driver.register_timer(shard, tick, waker)?;
    registration.remember_driver(driver);
    Ok(State::Registered { registration })
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        match &this.state {
            State::Elapsed => Poll::Ready(()),
            State::Registered { registration } => {
                ready!(eddy_executor::coop::poll_proceed(cx));
                if !registration.poll(cx.waker()) {
                    return Poll::Pending;
                }
                if registration.is_shut_down() && Instant::now() < this.deadline {
                    runtime_gone();
                }
                // The wheel has already let go of it: nothing to cancel.
                this.state = State::Elapsed;
                Poll::Ready(())
            }
            State::Idle => {
                ready!(eddy_executor::coop::poll_proceed(cx));
                if Instant::now() >= this.deadline {
                    this.state = State::Elapsed;
                    return Poll::Ready(());
                }
                // Registered with the current runtime's driver, borrowed: no clone of its
                // `Arc` per sleep (`TimerShard`).
                let state = context::with_current(|h| {
                    if h.driver.time.is_shut_down() {
                        return None;
                    }
                    let waker = cx.waker().clone();
                    register(&h.driver, h.current_worker(), this.deadline, waker).ok()
                })
                .unwrap_or_else(|| {
                    panic!(
                        "an eddy::time::Sleep was polled outside a runtime: timers need one. \
                         Await it inside `eddy::run` / `Runtime::block_on` or a task"
                    )
                });
                // If it fires before this returns, the waker is woken and the next poll
                // sees it fired.
                this.state = state.unwrap_or_else(|| runtime_gone());
                Poll::Pending
            }
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let State::Registered { registration } = &self.state {
            // A fired timer's key is stale: cancelling it finds nothing. The waker comes
            // back out of the wheel and is dropped here, outside the lock.
            drop(registration.cancel());
        }
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline)
            .field(
                "registered",
                &matches!(self.state, State::Registered { .. }),
            )
            .finish()
    }
}
