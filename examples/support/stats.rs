//! The runtime's gauges on stderr, for watching a long-running server: when the
//! environment variable `STATS_EVERY` holds a number of seconds, a task prints one line
//! every that many seconds,
//!
//! ```text
//! stats: tasks=203 io_sources=201 timers=198 blocking_threads=0
//! ```
//!
//! live tasks (this one included), I/O sources registered with the reactor, timers armed
//! and blocking-pool threads. `.ci/soak` reads it; a user can too. Without the variable
//! nothing is spawned. The example servers include this file.

use std::time::Duration;

/// Spawns the printing task if `STATS_EVERY` asks for it (a positive number of seconds,
/// fractions allowed); says so on stderr if the value is not one.
pub fn spawn_from_env() {
    let Ok(value) = std::env::var("STATS_EVERY") else {
        return;
    };
    let every = match value.trim().parse::<f64>() {
        Ok(seconds) if seconds > 0.0 && seconds.is_finite() => Duration::from_secs_f64(seconds),
        _ => {
            eprintln!("STATS_EVERY={value:?} is not a positive number of seconds: no stats");
            return;
        }
    };
    eddy::spawn(async move {
        let handle = eddy::runtime::Handle::current();
        let mut ticks = eddy::time::interval(every);
        loop {
            ticks.tick().await;
            eprintln!("{}", line(&handle));
        }
    });
}

/// One stats line: [`Metrics`](eddy::runtime::Metrics) counts, no walk of the tasks.
pub fn line(handle: &eddy::runtime::Handle) -> String {
    let metrics = handle.metrics();
    format!(
        "stats: tasks={} io_sources={} timers={} blocking_threads={}",
        metrics.tasks_alive, metrics.io_sources, metrics.timers_armed, metrics.blocking_threads
    )
}
