//! Loom models of the primitives' concurrent protocols, each body written once behind
//! [`eddy_test_support::model`]: under loom with `--cfg eddy_loom` (`.ci/loom`) and once,
//! plainly, otherwise (CONTRIBUTING.md, rule 9).

#[cfg(not(eddy_loom))]
mod lock_cell;
mod loom_cancellation;
mod loom_lock;
mod loom_mpsc;
mod loom_once_cell;
mod loom_oneshot;
mod loom_sync;
#[cfg(not(eddy_loom))]
mod ring;
mod wakers;
