//! [`JoinSet`]: a set of tasks joined in completion order — asyncio's `TaskGroup`.
//!
//! Each spawned future reports to the set when its task lets go of it, so `join_next`
//! polls only the handles of tasks that have finished, never every handle.
//!
//! | file | what |
//! |---|---|
//! | `set.rs` | [`JoinSet`]: joining in completion order, aborting |
//! | `spawn.rs` | spawning into the set: tasks, local tasks, blocking jobs |
//! | `ready.rs` | the ready list the tasks' futures report to when they go |
//! | `collect.rs` | `FromIterator` and `Extend` for futures, spawning each |

mod collect;
mod ready;
mod set;
mod spawn;

pub use self::set::JoinSet;
