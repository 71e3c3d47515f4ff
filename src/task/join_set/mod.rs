//! [`JoinSet`]: a set of tasks joined in completion order — asyncio's `TaskGroup`.
//!
//! Each spawned future reports to the set when its task lets go of it, so `join_next`
//! polls only the handles of tasks that have finished, never every handle.
//!
//! | file | what |
//! |---|---|
//! | `set.rs` | [`JoinSet`]: spawning, joining in completion order, aborting |
//! | `ready.rs` | the ready list the tasks' futures report to when they go |
//! | `collect.rs` | `FromIterator` and `Extend` for futures, spawning each |

mod collect;
mod ready;
mod set;

pub use self::set::JoinSet;
