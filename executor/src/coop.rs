//! Cooperative budget: how one hot task is kept from starving the others.
//!
//! Every poll of a task on a worker gets [`BUDGET`] units. Resource operations (awaiting a
//! `JoinHandle` here; channel receives, socket reads and timers in the crates above) spend
//! one unit through [`poll_proceed`]. At zero they return `Pending` even when they could
//! make progress, after waking the task, so it goes to the back of the run queue and the
//! tasks behind it run. Outside a budgeted poll (a plain `block_on`), nothing is limited.

use std::cell::Cell;
use std::task::{Context, Poll};

/// Units per task poll (tokio's figure: it cut tail latency about 3x in its measurements).
pub const BUDGET: u8 = 128;

crate::loom::const_thread_local! {
    static REMAINING: Cell<Option<u8>> = Cell::new(None);
}

/// Runs `f` (one task poll) with a fresh budget, restoring the outer one afterwards.
pub fn budget<R>(f: impl FnOnce() -> R) -> R {
    with_remaining(Some(BUDGET), f)
}

/// Runs one task poll, `f`, with a fresh budget. The task harness catches every panic of
/// user code; if one escapes anyway, the process aborts rather than leave a task half
/// run and its scheduler in an unknown state (the state machine cannot be trusted after
/// that). Every scheduler polls its tasks through this.
pub(crate) fn run_contained(f: impl FnOnce()) {
    struct AbortOnUnwind;
    impl Drop for AbortOnUnwind {
        fn drop(&mut self) {
            eprintln!("eddy: a panic escaped a task's poll; aborting the process");
            std::process::abort();
        }
    }
    let bomb = AbortOnUnwind;
    budget(f);
    std::mem::forget(bomb);
}

/// Runs `f` with `remaining` units (`None`: unlimited), restoring the outer budget
/// afterwards, even if `f` unwinds.
fn with_remaining<R>(remaining: Option<u8>, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<u8>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let _ = REMAINING.try_with(|r| r.set(self.0));
        }
    }
    let _restore = Restore(REMAINING.with(|r| r.replace(remaining)));
    f()
}

/// Spends one unit. `Pending` (with the task woken) when the budget is exhausted; the
/// caller returns `Pending` too.
///
/// # Examples
///
/// A resource that honours the budget:
///
/// ```
/// use std::task::{Context, Poll};
///
/// fn poll_next(cx: &mut Context<'_>, ready: &mut Vec<u32>) -> Poll<Option<u32>> {
///     std::task::ready!(eddy_executor::coop::poll_proceed(cx));
///     Poll::Ready(ready.pop())
/// }
/// # let _ = poll_next;
/// ```
pub fn poll_proceed(cx: &mut Context<'_>) -> Poll<()> {
    let exhausted = REMAINING
        .try_with(|r| match r.get() {
            None => false,
            Some(0) => true,
            Some(n) => {
                r.set(Some(n - 1));
                false
            }
        })
        .unwrap_or(false);
    if exhausted {
        cx.waker().wake_by_ref();
        Poll::Pending
    } else {
        Poll::Ready(())
    }
}

/// Runs `f` with no budget limit, restoring the current budget afterwards. For a
/// resource that must still be checked when the budget is gone: a `timeout` whose inner
/// future spent the whole budget must still see its deadline pass.
pub fn unconstrained<R>(f: impl FnOnce() -> R) -> R {
    with_remaining(None, f)
}

/// True while the current poll still has budget (always true outside the runtime).
pub fn has_budget_remaining() -> bool {
    REMAINING.try_with(|r| r.get() != Some(0)).unwrap_or(true)
}
