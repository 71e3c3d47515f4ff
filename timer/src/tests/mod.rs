//! Unit tests that look inside the wheel: `level_for` against a naive definition, the
//! slot geometry, the filing and cascading paths, `next_deadline`'s exactness, and the
//! arena's memory bound. The model test against a `BTreeMap` lives in `tests/model.rs`.
//!
//! Random inputs come from a `fastrand::Rng` with a fixed seed per test, so every run
//! (and a failure's rerun) sees the same ticks.

mod geometry;
mod memory;
mod wheel;
