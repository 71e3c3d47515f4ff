//! The runtime's random choices — `select!`'s first branch, a worker's first steal
//! victim — from one seedable source per thread.
//!
//! A runtime installs its generator on the threads that run its loop (the workers, or the
//! thread inside a current-thread `block_on`), seeded from `Builder::rng_seed` when one is
//! given. Elsewhere the choices come from a per-thread generator seeded at random. So on a
//! current-thread runtime with a paused clock, a program's interleaving is a function of
//! its seed alone.

use std::cell::RefCell;

/// One thread's generator. Not for secrets: a wyrand (fastrand) stream.
#[derive(Clone, Debug)]
pub(crate) struct ThreadRng(fastrand::Rng);

impl ThreadRng {
    pub(crate) fn with_seed(seed: u64) -> ThreadRng {
        ThreadRng(fastrand::Rng::with_seed(seed))
    }

    pub(crate) fn usize(&mut self, range: std::ops::RangeTo<usize>) -> usize {
        self.0.usize(range)
    }
}

crate::loom::const_thread_local! {
    static INSTALLED: RefCell<Option<ThreadRng>> = RefCell::new(None);
}

/// Installs `rng` as this thread's generator (`None`: back to the random one), returning
/// the one it replaces.
pub(crate) fn replace_thread_rng(rng: Option<ThreadRng>) -> Option<ThreadRng> {
    INSTALLED
        .try_with(|installed| installed.replace(rng))
        .ok()
        .flatten()
}

/// A number in `0..n` from this thread's generator: the installed runtime's, if any.
///
/// # Panics
///
/// If `n` is 0.
///
/// # Examples
///
/// ```
/// let i = eddy_executor::rand::thread_rng_n(3);
/// assert!(i < 3);
/// ```
pub fn thread_rng_n(n: u32) -> u32 {
    assert!(n > 0, "thread_rng_n(0): the range is empty");
    INSTALLED
        .try_with(|installed| installed.borrow_mut().as_mut().map(|rng| rng.0.u32(..n)))
        .ok()
        .flatten()
        .unwrap_or_else(|| fastrand::u32(..n))
}

/// A seed for a runtime built without one: random.
pub(crate) fn random_seed() -> u64 {
    fastrand::u64(..)
}

/// The seed of worker `index` of a runtime seeded with `seed`: distinct per worker, a
/// pure function of both (splitmix64's finaliser).
pub(crate) fn worker_seed(seed: u64, index: usize) -> u64 {
    let mut z = seed.wrapping_add((index as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
