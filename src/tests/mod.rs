//! Loom models of the facade's own protocols (the driver's reactor hand-off, the time
//! driver, `eddy::sync`). Each body runs under loom with `--cfg eddy_loom` (`.ci/loom`) and
//! once, plainly, otherwise.

mod loom_driver;
mod loom_sync;
mod loom_time;

/// Runs `f` as a loom model under `--cfg eddy_loom`, once otherwise.
fn model(f: impl Fn() + Sync + Send + 'static) {
    #[cfg(eddy_loom)]
    loom::model(f);
    #[cfg(not(eddy_loom))]
    f();
}
