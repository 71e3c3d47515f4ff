//! Unit tests of the pure readiness code and loom models of its protocol.
//!
//! Loom models live in `loom_<component>.rs`; each body is written once behind
//! [`eddy_test_support::model`], which runs it under loom with `--cfg eddy_loom` and
//! once, plainly, otherwise (CONTRIBUTING.md, rule 9). Run them with `.ci/loom`. Tests of
//! the real reactor, with real fds, are integration tests in `reactor/tests/`.

mod support;

#[cfg(all(unix, not(eddy_loom)))]
mod keys;
mod loom_oneshot;
mod loom_readiness;
mod readiness;
