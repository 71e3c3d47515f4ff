use std::fmt;
use std::num::NonZeroU64;

use crate::loom::atomic::{AtomicU64, Ordering};

/// A task's identity, unique among all tasks of the process while it lives.
///
/// # Examples
///
/// ```
/// let rt = eddy_executor::Executor::builder().worker_threads(1).build().unwrap();
/// let a = rt.spawner().spawn(async {});
/// let b = rt.spawner().spawn(async {});
/// assert_ne!(a.id(), b.id());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(NonZeroU64);

impl Id {
    pub(crate) fn next() -> Id {
        // Relaxed: uniqueness needs only the atomicity of the increment.
        #[cfg(not(eddy_loom))]
        static NEXT: AtomicU64 = AtomicU64::new(1);
        #[cfg(eddy_loom)]
        loom::lazy_static! {
            static ref NEXT: AtomicU64 = AtomicU64::new(1);
        }
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        Id(NonZeroU64::new(id).expect("task id counter wrapped around"))
    }

    /// The id as a number (never 0).
    pub fn as_u64(self) -> u64 {
        self.0.get()
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id({})", self.0)
    }
}
