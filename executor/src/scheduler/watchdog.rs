//! Debug mode's per-poll timing and the watchdog that reports a worker stuck in a poll
//! while it is stuck.
//!
//! In debug mode a worker publishes the task it is about to poll and the time it started
//! in its slot, and clears the slot when the poll returns; a poll that took longer than
//! the threshold is reported then (`Report::SlowPoll`). The watchdog thread looks at
//! every slot a few times per threshold and reports a poll still running past the
//! threshold (`Report::StuckPoll`), again at 2×, 4×, 8×... the threshold, so a worker
//! stuck for good keeps showing up in the log without flooding it.
//!
//! Each slot is a mutex taken twice per poll by its worker (uncontended but for the
//! watchdog's brief look): debug mode's price, with the two clock reads. Without debug
//! mode none of this runs.

use std::time::{Duration, Instant};

use crate::debug::Report;
use crate::loom::sync::Mutex;
use crate::task::TaskInfo;

/// What a worker is polling (debug mode).
#[cfg_attr(eddy_loom, allow(dead_code))] // no watchdog thread under loom
pub(super) struct Running {
    task: TaskInfo,
    started: Instant,
    /// The watchdog reports when the poll has lasted this long.
    next_report: Duration,
}

/// One slot per worker.
pub(super) struct Slots {
    slots: Box<[Mutex<Option<Running>>]>,
}

impl Slots {
    pub(super) fn new(workers: usize) -> Slots {
        Slots {
            slots: (0..workers).map(|_| Mutex::new(None)).collect(),
        }
    }

    /// Worker `worker` starts polling `task`.
    pub(super) fn begin(&self, worker: usize, task: TaskInfo, threshold: Duration) -> Instant {
        let started = Instant::now();
        *self.slots[worker].lock() = Some(Running {
            task,
            started,
            next_report: threshold,
        });
        started
    }

    /// Worker `worker`'s poll returned: the task it polled.
    pub(super) fn end(&self, worker: usize) -> Option<TaskInfo> {
        self.slots[worker].lock().take().map(|r| r.task)
    }

    /// The polls running past their next report time, each reported once per doubling.
    #[cfg_attr(eddy_loom, allow(dead_code))]
    pub(super) fn overdue(&self, now: Instant) -> Vec<Report> {
        let mut reports = Vec::new();
        for (worker, slot) in self.slots.iter().enumerate() {
            let mut slot = slot.lock();
            let Some(running) = slot.as_mut() else {
                continue;
            };
            let elapsed = now.saturating_duration_since(running.started);
            if elapsed >= running.next_report {
                while running.next_report <= elapsed {
                    running.next_report = running.next_report.saturating_mul(2);
                }
                reports.push(Report::StuckPoll {
                    task: running.task.clone(),
                    worker,
                    elapsed,
                });
            }
        }
        reports
    }
}

#[cfg(not(eddy_loom))]
pub(super) use self::thread::Watchdog;

#[cfg(not(eddy_loom))]
mod thread {
    use std::io;
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use parking_lot::{Condvar, Mutex};

    use super::super::shared::Handle;

    /// The watchdog thread; stopped and joined by [`Watchdog::stop`].
    pub(in crate::scheduler) struct Watchdog {
        stop: Arc<(Mutex<bool>, Condvar)>,
        thread: Option<std::thread::JoinHandle<()>>,
    }

    impl Watchdog {
        /// Starts the watchdog of `shared`'s workers, looking every quarter threshold
        /// (between 1 ms and 250 ms).
        pub(in crate::scheduler) fn start(shared: Handle, name: String) -> io::Result<Watchdog> {
            let stop = Arc::new((Mutex::new(false), Condvar::new()));
            let every = (shared.debug.slow_poll_threshold / 4)
                .clamp(Duration::from_millis(1), Duration::from_millis(250));
            let signal = stop.clone();
            eddy_faults::inject(eddy_faults::Call::SpawnHelper)?;
            let thread = std::thread::Builder::new().name(name).spawn(move || {
                let (stopped, cv) = &*signal;
                let mut guard = stopped.lock();
                while !*guard {
                    cv.wait_for(&mut guard, every);
                    if *guard {
                        break;
                    }
                    let reports = shared.watch.overdue(Instant::now());
                    // Reported without our lock held: the hook may take its time.
                    parking_lot::MutexGuard::unlocked(&mut guard, || {
                        for report in reports {
                            shared.debug.report(report);
                        }
                    });
                }
            })?;
            Ok(Watchdog {
                stop,
                thread: Some(thread),
            })
        }

        pub(in crate::scheduler) fn stop(&mut self) {
            *self.stop.0.lock() = true;
            self.stop.1.notify_all();
            if let Some(thread) = self.thread.take() {
                if thread.thread().id() != std::thread::current().id() {
                    let _ = thread.join();
                }
            }
        }
    }

    impl Drop for Watchdog {
        fn drop(&mut self) {
            self.stop();
        }
    }
}
