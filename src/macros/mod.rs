//! The declarative macros: same-task concurrency.
//!
//! | file | what |
//! |---|---|
//! | `join.rs` | [`join!`](crate::join!): wait for all, outputs as a tuple |
//! | `select.rs` | [`select!`](crate::select!): wait for the first, drop the others |
//! | `support.rs` | what their expansions name through `$crate::__private` |

mod join;
mod select;
pub mod support;
