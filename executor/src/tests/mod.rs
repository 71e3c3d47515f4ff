//! Unit tests and loom models of the executor's concurrent protocols.
//!
//! Loom models live in `loom_<component>.rs`; each body is written once behind
//! [`eddy_test_support::model`], which runs it under loom with `--cfg eddy_loom` and
//! once, plainly, otherwise (CONTRIBUTING.md, rule 9). Run them with `.ci/loom`.

mod support;

mod loom_blocking;
mod loom_current_thread;
mod loom_local;
mod loom_park;
mod loom_queue;
mod loom_scheduler;
mod loom_task;

mod block_in_place;
mod blocking;
mod current_thread;
mod local;
mod scheduler;
mod task;
mod task_model;
