//! The driver: what joins the executor's workers to the timers and the reactor.
//!
//! | file | what |
//! |---|---|
//! | `park.rs` | `Driver`: the executor's park hook — where an idle worker sleeps (in the reactor or on its parker), how it is woken, how busy workers keep timers and I/O moving |
//! | `time.rs` | `TimeDriver`: one timing wheel per worker, ticks from the clock, and the rule that no parked worker sleeps through a deadline |
//! | `clock.rs` | `Clock`: real time, or paused, advanced and auto-advanced (`eddy::time::pause`); what holds auto-advance back |
//! | `tests.rs` | unit tests of auto-advance, driving a paused driver's `park` directly |
//!
//! The dependency is one way: `eddy::time`'s futures register with the time driver here;
//! nothing here knows those futures.

mod clock;
mod park;
#[cfg(all(test, not(eddy_loom)))]
mod tests;
mod time;

#[cfg(test)]
pub(crate) use self::clock::AutoAdvanceGuard;
pub(crate) use self::clock::{blocking_job, some_clock_paused, Clock, ClockError};
pub(crate) use self::park::Driver;
#[cfg(test)]
pub(crate) use self::park::Poller;
pub(crate) use self::time::TimerLocation;
