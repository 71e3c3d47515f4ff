//! The runtime: asyncio's event loop, multi-threaded.
//!
//! | file | what |
//! |---|---|
//! | `runtime.rs` | [`Runtime`]: owns the workers; `block_on`, shutdown |
//! | `builder.rs` | [`Builder`]: worker count, thread names |
//! | `handle.rs` | [`Handle`]: spawn from anywhere; `Handle::current()` |
//! | `context.rs` | the thread-local "current runtime" |
//! | `driver.rs` | the park hook joining the workers to the timers |

mod builder;
pub(crate) mod context;
pub(crate) mod driver;
mod handle;
#[allow(clippy::module_inception)]
mod runtime;

pub use self::builder::Builder;
pub use self::context::EnterGuard;
pub use self::handle::{Handle, TryCurrentError};
pub(crate) use self::runtime::already_running;
pub use self::runtime::Runtime;
