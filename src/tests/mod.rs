//! Loom models of the facade's own protocols: the driver's reactor hand-off and the time
//! driver (`eddy::sync`'s models live with it, in `sync/src/tests/`). Each body runs
//! behind [`eddy_test_support::model`]: under loom with `--cfg eddy_loom` (`.ci/loom`) and
//! once, plainly, otherwise.

mod loom_driver;
mod loom_time;
