//! The driver: what joins the executor's workers to the timers and the reactor.
//!
//! | file | what |
//! |---|---|
//! | `park.rs` | `Driver`: the executor's park hook — where an idle worker sleeps (in the reactor or on its parker), how it is woken, how busy workers keep timers and I/O moving |
//! | `time.rs` | `TimeDriver`: one timing wheel per worker, the clock, and the rule that no parked worker sleeps through a deadline |
//!
//! The dependency is one way: `eddy::time`'s futures register with the time driver here;
//! nothing here knows those futures.

mod park;
mod time;

pub(crate) use self::park::Driver;
#[cfg(test)]
pub(crate) use self::park::Poller;
pub(crate) use self::time::{TimerEntry, TimerLocation};
