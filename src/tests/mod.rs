//! Loom models of the facade's own protocols (the driver's reactor hand-off, the time
//! driver, `eddy::sync`). Each body runs behind [`eddy_test_support::model`]: under loom
//! with `--cfg eddy_loom` (`.ci/loom`) and once, plainly, otherwise.

mod loom_driver;
mod loom_sync;
mod loom_time;
