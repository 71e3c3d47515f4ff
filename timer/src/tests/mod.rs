//! Unit tests that look inside the wheel: `level_for` against a naive definition, the
//! slot geometry, the filing and cascading paths, `next_deadline`'s exactness, and the
//! arena's memory bound. The model test against a `BTreeMap` lives in `tests/model.rs`.

mod geometry;
mod memory;
mod wheel;

/// A tiny deterministic PRNG (xorshift64*), so the tests need no extra dependency.
pub(crate) struct XorShift(u64);

impl XorShift {
    pub(crate) fn new(seed: u64) -> XorShift {
        XorShift(seed | 1)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A value in `0..bound` (`bound > 0`).
    pub(crate) fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}
