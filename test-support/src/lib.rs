//! eddy-test-support: what the tests of eddy's crates share, as a dev-dependency.
//!
//! The member crates never depend on each other; a helper their tests all need lives
//! here instead, in an unpublished crate of the workspace. Today that is [`model`], the
//! one runner of every loom model (`executor/src/tests/loom_*.rs`,
//! `reactor/src/tests/loom_*.rs`, `src/tests/loom_*.rs`), and [`process`], what a test
//! asks the OS about its own process (open descriptors, named threads), once per OS.
//!
//! # Examples
//!
//! ```
//! // A model body is written once: loom explores its interleavings under
//! // `--cfg eddy_loom` (with the crate's loom shim), and it runs once, plainly, otherwise.
//! eddy_test_support::model(|| {
//!     let total = std::sync::Mutex::new(1);
//!     *total.lock().unwrap() += 1;
//!     assert_eq!(*total.lock().unwrap(), 2);
//! });
//! ```

// Unsafe code only in `process`, which says why.
#![deny(unsafe_code)]

pub mod process;

/// The preemption bound of a model when `LOOM_MAX_PREEMPTIONS` is not set.
///
/// Unbounded, loom explores every interleaving, far too many for a model of the
/// scheduler or the blocking pool to finish; a bound of 2 still reaches the races that
/// need a thread preempted twice (a lost wakeup between a check and a park, a hand-off racing a
/// shutdown), which are the ones these protocols have. `.ci/loom` sets 2 as well, and
/// `.ci/deep` runs the same models with 3.
pub const DEFAULT_MAX_PREEMPTIONS: usize = 2;

/// Runs `f` as a loom model under `--cfg eddy_loom`, and once, plainly, otherwise.
///
/// Under loom the bounds come from loom's environment variables (`LOOM_MAX_PREEMPTIONS`,
/// `LOOM_MAX_BRANCHES`, ...); with no `LOOM_MAX_PREEMPTIONS`, the preemption bound is
/// [`DEFAULT_MAX_PREEMPTIONS`], so a plain `cargo test` under the cfg stays quick.
///
/// # Examples
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::sync::Arc;
///
/// let runs = Arc::new(AtomicUsize::new(0));
/// let counted = runs.clone();
/// eddy_test_support::model(move || {
///     counted.fetch_add(1, Ordering::Relaxed);
/// });
/// assert_eq!(runs.load(Ordering::Relaxed), 1, "one plain run without loom");
/// ```
pub fn model(f: impl Fn() + Sync + Send + 'static) {
    #[cfg(eddy_loom)]
    {
        let mut builder = loom::model::Builder::new();
        if builder.preemption_bound.is_none() {
            builder.preemption_bound = Some(DEFAULT_MAX_PREEMPTIONS);
        }
        builder.check(f);
    }
    #[cfg(not(eddy_loom))]
    f();
}
